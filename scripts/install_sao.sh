#!/bin/sh
# Install the Tryton 8.0 web client (sao) from npm into DIR/package
# (default .sao/package), ready for trytond's [web] root.
#
# The npm package tryton-sao ships the built client (dist/), but its
# index.html loads its libraries from a node_modules/ beside itself: install
# the package's own runtime dependencies inside the unpacked folder.
#
# Then install the repository's Indonesian catalogue of sao's own strings
# (sao/locale/id.po, compiled to the locale/id.json the browser loads) and
# sao/custom.js (Indonesian before login): scripts/sao_locale.py.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}

DIR=${1:-.sao}
VERSION=${SAO_VERSION:-8.0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TMP=$(mktemp -d "$DIR/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "sao: npm pack tryton-sao@$VERSION"
(cd "$TMP" && npm pack --silent "tryton-sao@$VERSION" >/dev/null)
TARBALL=$(ls "$TMP"/tryton-sao-*.tgz)
tar -xzf "$TARBALL" -C "$TMP"

echo "sao: npm install (runtime dependencies)"
(cd "$TMP/package" && npm install --silent --omit=dev --legacy-peer-deps \
    --no-audit --no-fund >/dev/null)

# The product's corrections to the client (sao loads custom.js and
# custom.css after its own files; see the files for why each is there);
# trytond answers 405 when they are missing. custom.js is installed with
# the Indonesian catalogue, below.
cp "$ROOT/sao/custom.css" "$TMP/package/custom.css"

"$PYTHON" "$HERE/sao_locale.py" install "$TMP/package"

test -f "$TMP/package/index.html"
test -d "$TMP/package/dist"
test -d "$TMP/package/node_modules"

rm -rf "$DIR/package"
mv "$TMP/package" "$DIR/package"
echo "sao: installed $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
    "$DIR/package/package.json" | head -n 1) in $DIR/package"
