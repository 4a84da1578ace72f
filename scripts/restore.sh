#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into a FRESH database and filestore
# (README, Production: "Backups"):
#
#   scripts/restore.sh BACKUP_DIR NEW_DATABASE NEW_FILESTORE
#     e.g. scripts/restore.sh /var/backups/egov/egov-latest egov_restored \
#              /var/lib/trytond-restored
#
# Refuses an existing database or a non-empty filestore: a restore never
# overwrites. Connection: libpq's environment (PGHOST, PGPORT, PGUSER,
# PGPASSWORD), the role must be allowed to create databases.
#
# NEW_FILESTORE must not be the live system's [database] path: the module
# stores documents under the prefixes egov/ and egov_letter/ whatever the
# database's name, and each database's daily job removes the files of those
# prefixes that it does not reference. Serve the restored database with a
# site file of its own whose [database] path is NEW_FILESTORE; to replace the
# live system, stop it, restore, and point its site file at the new pair.
#
# trytond files attachments (ir.attachment) under the database's name: the
# copy of that folder is renamed to NEW_DATABASE.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BACKUP_DIR NEW_DATABASE NEW_FILESTORE" >&2
    exit 2
fi
BACKUP=${1%/}
NEW=$2
FILESTORE=${3%/}

for file in "$BACKUP/db.dump" "$BACKUP/MANIFEST"; do
    [ -f "$file" ] || { echo "restore: $file missing" >&2; exit 1; }
done
OLD=$(sed -n 's/^database=//p' "$BACKUP/MANIFEST")
expected=$(sed -n 's/^dump_sha256=//p' "$BACKUP/MANIFEST")
actual=$(sha256sum "$BACKUP/db.dump" | cut -d' ' -f1)
if [ "$expected" != "$actual" ]; then
    echo "restore: db.dump does not match its MANIFEST (SHA-256)" >&2
    exit 1
fi
if [ -n "$(psql -X -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$NEW'")" ]; then
    echo "restore: database $NEW exists; choose a new name" >&2
    exit 1
fi
if [ -d "$FILESTORE" ] && [ -n "$(ls -A "$FILESTORE")" ]; then
    echo "restore: $FILESTORE is not empty" >&2
    exit 1
fi

started=$(date +%s.%N)
createdb -T template0 -E UTF8 "$NEW"
# --no-owner: the objects belong to the role that restores (the service's).
pg_restore --no-owner --exit-on-error --jobs=2 -d "$NEW" "$BACKUP/db.dump"
restored=$(date +%s.%N)

mkdir -p "$FILESTORE"
cp -a "$BACKUP/filestore/." "$FILESTORE/"
if [ "$OLD" != "$NEW" ] && [ -d "$FILESTORE/$OLD" ]; then
    mv "$FILESTORE/$OLD" "$FILESTORE/$NEW"
fi
copied=$(date +%s.%N)
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
echo "restore: $NEW from $BACKUP (database $(seconds "$started" "$restored") s," \
    "files $(seconds "$restored" "$copied") s)"
echo "restore: then, with the site file of the restored pair:" \
    "trytond-admin -c SITE -d $NEW -u egov_app_request (a newer module)"
