#!/bin/sh
# Install the Tryton 8.0 web client (sao) from npm into DIR/package
# (default .sao/package), ready for trytond's [web] root.
#
# The npm package tryton-sao ships the built client (dist/), but its
# index.html loads its libraries from a node_modules/ beside itself: install
# the package's own runtime dependencies inside the unpacked folder.
set -eu

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
# trytond answers 405 when they are missing.
cp "$ROOT/sao/custom.js" "$TMP/package/custom.js"
cp "$ROOT/sao/custom.css" "$TMP/package/custom.css"

test -f "$TMP/package/index.html"
test -d "$TMP/package/dist"
test -d "$TMP/package/node_modules"

rm -rf "$DIR/package"
mv "$TMP/package" "$DIR/package"
echo "sao: installed $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
    "$DIR/package/package.json" | head -n 1) in $DIR/package"
