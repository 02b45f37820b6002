#!/usr/bin/env bash
# A throwaway PostgreSQL cluster (Unix socket only, fsync=off) for trying the portal on
# PostgreSQL by hand. The tests start their own; this is for people.
#   bash scripts/pg.sh start [DIR]   # prints the database URL (default DIR: /tmp/okno-pg)
#   bash scripts/pg.sh url [DIR]
#   bash scripts/pg.sh stop [DIR]    # stops the server and deletes DIR
# Then: okno-portal serve --database "$(bash scripts/pg.sh url)" --data var/portal-pg
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${OKNO_VENV:-.venv}
exec "$VENV/bin/python" -m tests.pg_support "$@"
