#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into a FRESH database and filestore
# (README, Production: "Backups"):
#
#   scripts/restore.sh BACKUP_DIR NEW_DATABASE NEW_FILESTORE
#     e.g. scripts/restore.sh /var/backups/egov/egov-latest egov_restored \
#              /var/lib/trytond-restored
#
# Refuses an existing database or database folder: a restore never
# overwrites. Connection: libpq's environment (PGHOST, PGPORT, PGUSER,
# PGPASSWORD), the role must be allowed to create databases.
#
# Each database keeps its files in its own folder of the filestore
# (NEW_FILESTORE/NEW_DATABASE: documents, letters, attachments), so
# NEW_FILESTORE may be the [database] path other databases (cities) are
# served from: the restore writes only the new database's folder, which must
# not exist, and touches no other. A backup taken before the files moved to
# the database's folder (module versions that stored them under egov/ and
# egov_letter/ for every database) is restored whole into an empty
# NEW_FILESTORE; `trytond-admin -u egov_app_request` then moves them.
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
# A backup of the database's folder only (scripts/backup.sh), or an older
# one of the whole filestore.
PER_DATABASE=1
for entry in "$BACKUP/filestore"/*; do
    [ -e "$entry" ] || continue
    [ "$(basename "$entry")" = "$OLD" ] || PER_DATABASE=0
done
if [ "$PER_DATABASE" = 1 ]; then
    if [ -e "$FILESTORE/$NEW" ]; then
        echo "restore: $FILESTORE/$NEW exists; choose a new name" >&2
        exit 1
    fi
elif [ -d "$FILESTORE" ] && [ -n "$(ls -A "$FILESTORE")" ]; then
    echo "restore: $FILESTORE is not empty (a backup of the whole" \
        "filestore)" >&2
    exit 1
fi

started=$(date +%s.%N)
createdb -T template0 -E UTF8 "$NEW"
# --no-owner: the objects belong to the role that restores (the service's).
pg_restore --no-owner --exit-on-error --jobs=2 -d "$NEW" "$BACKUP/db.dump"
restored=$(date +%s.%N)

mkdir -p "$FILESTORE"
if [ "$PER_DATABASE" = 1 ]; then
    mkdir "$FILESTORE/$NEW"
    if [ -d "$BACKUP/filestore/$OLD" ]; then
        cp -a "$BACKUP/filestore/$OLD/." "$FILESTORE/$NEW/"
    fi
else
    cp -a "$BACKUP/filestore/." "$FILESTORE/"
    if [ "$OLD" != "$NEW" ] && [ -d "$FILESTORE/$OLD" ]; then
        mv "$FILESTORE/$OLD" "$FILESTORE/$NEW"
    fi
fi
copied=$(date +%s.%N)
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
echo "restore: $NEW from $BACKUP (database $(seconds "$started" "$restored") s," \
    "files $(seconds "$restored" "$copied") s)"
echo "restore: then, with the site file of the restored pair:" \
    "trytond-admin -c SITE -d $NEW -u egov_app_request (a newer module)"
