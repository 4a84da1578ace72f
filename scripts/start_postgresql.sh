#!/usr/bin/env bash
# Start a local PostgreSQL for the tests (called by .ci/run before the
# PostgreSQL half of `make test`). Idempotent: installs PostgreSQL with apt
# when it is missing (fresh Debian 12), starts the cluster, waits until it
# accepts connections and makes sure the role tryton/tryton (LOGIN CREATEDB)
# exists and can log in with a password on 127.0.0.1:5432.
set -euo pipefail

PG_ROLE=${PG_ROLE:-tryton}
PG_PASSWORD=${PG_PASSWORD:-tryton}
PG_PORT=${PG_PORT:-5432}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

server_binaries() {
    ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | head -n 1
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(server_binaries)" ]; then
    echo "start_postgresql: installing PostgreSQL with apt"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends postgresql
fi

# The newest installed version, and its first cluster (Debian creates
# "main" when the package is installed; create it if someone removed it).
VERSION=$(basename "$(dirname "$(dirname "$(server_binaries)")")")
CLUSTER=$(pg_lsclusters --no-header 2>/dev/null \
    | awk -v v="$VERSION" '$1 == v {print $2; exit}')
if [ -z "$CLUSTER" ]; then
    CLUSTER=main
    as_root pg_createcluster --port "$PG_PORT" "$VERSION" "$CLUSTER"
fi
PORT=$(pg_lsclusters --no-header \
    | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')
if [ "$PORT" != "$PG_PORT" ]; then
    echo "start_postgresql: cluster $VERSION/$CLUSTER uses port $PORT," \
        "not $PG_PORT" >&2
fi

status=$(pg_lsclusters --no-header \
    | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}')
if [ "$status" != "online" ]; then
    echo "start_postgresql: starting cluster $VERSION/$CLUSTER"
    # Containers may lack the socket directory (it lives on a tmpfs).
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    as_root pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

psql_admin() {
    as_root runuser -u postgres -- psql -p "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"
}

for _ in $(seq 60); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
        break
    fi
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT"

# The role (created, or its password and rights brought back).
if [ "$(psql_admin -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" = "1" ]; then
    psql_admin -c "ALTER ROLE \"$PG_ROLE\" WITH LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
else
    psql_admin -c "CREATE ROLE \"$PG_ROLE\" WITH LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi

# Password authentication over TCP on 127.0.0.1 (Debian's default has it:
# "host all all 127.0.0.1/32 scram-sha-256"); add it when it is missing.
HBA=$(psql_admin -tAc "SHOW hba_file")
if ! as_root grep -Eq \
        '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(md5|scram-sha-256)' \
        "$HBA"; then
    echo "start_postgresql: allowing password logins from 127.0.0.1 in $HBA"
    as_root sed -i \
        '1i host all all 127.0.0.1/32 scram-sha-256' "$HBA"
    psql_admin -c "SELECT pg_reload_conf()" >/dev/null
fi

# Tryton's test cache (DB_CACHE=postgresql://) keeps template databases
# "test-<hash of the module names>" in the cluster. The name does not change
# when the module does: a template left by an older checkout lacks new
# columns (or still has old data) and makes the next run wrong. Drop them so
# that the run rebuilds them once; KEEP_TEST_CACHE=1 keeps them.
if [ "${KEEP_TEST_CACHE:-0}" != "1" ]; then
    for db in $(psql_admin -tAc "SELECT datname FROM pg_database
            WHERE datname ~ '^test-[0-9a-f]+$'"); do
        if psql_admin -c "DROP DATABASE \"$db\"" 2>/dev/null; then
            echo "start_postgresql: dropped the test cache $db"
        else
            echo "start_postgresql: test cache $db is in use, kept" >&2
        fi
    done
fi

# The check that matters: the role logs in with its password over TCP.
PGPASSWORD=$PG_PASSWORD psql -X -q -h 127.0.0.1 -p "$PORT" -U "$PG_ROLE" \
    -d postgres -tAc "SELECT 'start_postgresql: ' || current_user
        || ' connected to PostgreSQL ' || current_setting('server_version')
        || ' on 127.0.0.1:' || current_setting('port')"
