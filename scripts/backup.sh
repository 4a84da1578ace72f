#!/usr/bin/env bash
# Backup of one city's database and its filestore, taken while people work
# (README, Production: "Backups"):
#
#   scripts/backup.sh DATABASE FILESTORE DEST
#     e.g. scripts/backup.sh egov /var/lib/trytond /var/backups/egov
#
# writes DEST/DATABASE-<UTC time>/ with
#   db.dump      pg_dump custom format (compressed; pg_restore -j reads it
#                in parallel, one table or the schema can be taken out)
#   filestore/   a copy of FILESTORE/DATABASE, the database's folder of
#                FILESTORE ([database] path of the site file): its
#                documents, letters and attachments, none of another
#                database (city) served from the same path
#   MANIFEST     database, snapshot time, sizes, SHA-256 of db.dump
# and points DEST/DATABASE-latest at it. Connection: libpq's environment
# (PGHOST, PGPORT, PGUSER, PGPASSWORD or ~/.pgpass), never arguments.
#
# Why this order gives a consistent pair although transitions go on:
# pg_dump reads the whole database in ONE snapshot, taken when it starts
# (time T0). A document or letter file is written to the filestore BEFORE
# the transaction that references it commits, under a fresh random name,
# and is never rewritten (a correction is a new file, the old one stays).
# So every file referenced by a row of the dump already existed at T0 and is
# still there when the copy runs after the dump. The copy may hold a few
# newer files that no row of the dump references: harmless, the module's
# daily job removes unreferenced files older than 24 h. Files are removed
# only through trytond's removal queue after a retention delay, or by that
# job when no row references them: neither can touch a file referenced at T0
# within a backup's minutes.
#
# With rsync present, unchanged files are hard links to the previous
# backup's (--link-dest): each backup is complete on its own and costs only
# the new documents.
#
# Optional: EGOV_SNAPSHOT=<pg_export_snapshot() id> dumps that exported
# snapshot (the backup drill counts rows in the same snapshot).
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 DATABASE FILESTORE DEST" >&2
    exit 2
fi
DATABASE=$1
FILESTORE=${2%/}
DEST=${3%/}

if [ ! -d "$FILESTORE" ]; then
    echo "backup: filestore $FILESTORE is not a directory" >&2
    exit 1
fi
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
umask 077
mkdir -p "$DEST"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TARGET="$DEST/$DATABASE-$STAMP"
PARTIAL="$TARGET.partial"
trap 'rm -rf "$PARTIAL"' EXIT
mkdir "$PARTIAL"

started=$(date +%s.%N)
T0=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
snapshot=()
if [ -n "${EGOV_SNAPSHOT:-}" ]; then
    snapshot=(--snapshot="$EGOV_SNAPSHOT")
fi
pg_dump --format=custom --compress=6 "${snapshot[@]}" \
    --file="$PARTIAL/db.dump" "$DATABASE"
dumped=$(date +%s.%N)

# The filestore after the dump (see above). Only files, no special ones.
PREVIOUS="$DEST/$DATABASE-latest/filestore"
if command -v rsync >/dev/null 2>&1; then
    link=()
    if [ -d "$PREVIOUS/$DATABASE" ]; then
        link=(--link-dest="$(cd "$PREVIOUS/$DATABASE" && pwd)")
    fi
    mkdir -p "$PARTIAL/filestore/$DATABASE"
    if [ -d "$FILESTORE/$DATABASE" ]; then
        rsync -a "${link[@]}" "$FILESTORE/$DATABASE/" \
            "$PARTIAL/filestore/$DATABASE/"
    fi
else
    mkdir -p "$PARTIAL/filestore/$DATABASE"
    if [ -d "$FILESTORE/$DATABASE" ]; then
        cp -a "$FILESTORE/$DATABASE/." "$PARTIAL/filestore/$DATABASE/"
    fi
fi
copied=$(date +%s.%N)

files=$(find "$PARTIAL/filestore" -type f | wc -l)
{
    echo "database=$DATABASE"
    echo "snapshot_utc=$T0"
    echo "pg_dump=$(pg_dump --version)"
    echo "dump_bytes=$(stat -c %s "$PARTIAL/db.dump")"
    echo "dump_sha256=$(sha256sum "$PARTIAL/db.dump" | cut -d' ' -f1)"
    echo "filestore=$FILESTORE"
    echo "files=$files"
    echo "dump_seconds=$(seconds "$started" "$dumped")"
    echo "copy_seconds=$(seconds "$dumped" "$copied")"
} > "$PARTIAL/MANIFEST"

mv "$PARTIAL" "$TARGET"
trap - EXIT
ln -sfn "$(basename "$TARGET")" "$DEST/$DATABASE-latest"
echo "backup: $TARGET (snapshot $T0, $files files," \
    "dump $(seconds "$started" "$dumped") s, files $(seconds "$dumped" "$copied") s)"
