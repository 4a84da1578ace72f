#!/bin/sh
# Install Debian's nginx: the reverse proxy of deploy/nginx/egov.conf, which
# `make prod-check` puts in front of the application servers and
# tests/test_prod_stack.py checks with `nginx -t`. Only the binary is used
# (own configuration, own ports); the package's own site is not needed.
set -eu

SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi

if [ -x /usr/sbin/nginx ]; then
    echo "nginx: already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends nginx
/usr/sbin/nginx -v
