#!/bin/sh
# Install Debian's Chromium (driven by Playwright with
# executable_path=/usr/bin/chromium, no browser download) and fonts for
# readable screenshots; poppler-utils for the tests of the documents.
set -eu

SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi

PACKAGES=""
[ -x /usr/bin/chromium ] || PACKAGES="chromium"
# Fonts: sao's text and icons in the screenshots.
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || PACKAGES="$PACKAGES fonts-dejavu-core"
dpkg -s fonts-liberation >/dev/null 2>&1 || PACKAGES="$PACKAGES fonts-liberation"
# pdftotext and pdftoppm: the tests read and look at the issued documents.
[ -x /usr/bin/pdftotext ] || PACKAGES="$PACKAGES poppler-utils"

if [ -z "$PACKAGES" ]; then
    echo "chromium: already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
/usr/bin/chromium --version
