#!/usr/bin/env bash
# Set up and start Okno on its embedded default: a local demo portal with a Russian demo
# library on 127.0.0.1, and the desktop app connected to it. Data lives in ./var/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PYTHONUTF8=1
VENV=${OKNO_VENV:-.venv}
PORT=${OKNO_DEMO_PORT:-8765}
mkdir -p var
"$VENV/bin/okno-portal" serve --demo --resources "${OKNO_DEMO_RESOURCES:-2000}" \
  --port "$PORT" --data var/portal > var/portal.out 2> var/portal.log &
portal_pid=$!
trap 'kill $portal_pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 600); do
  url=$(sed -n 's/^OKNO_PORTAL_URL=//p' var/portal.out 2>/dev/null | head -n1)
  [ -n "$url" ] && break
  kill -0 $portal_pid 2>/dev/null || { cat var/portal.log >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "The demo portal did not start; see var/portal.log" >&2; exit 1; }
echo "Demo portal: $url (API docs: $url/docs)"
export OKNO_DATA_DIR=${OKNO_DATA_DIR:-$PWD/var/desktop} OKNO_PORTAL_URL=$url
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "No display here: showing the library from the command line instead of the window."
  "$VENV/bin/okno" sync
  "$VENV/bin/okno" search "уравнения" --limit 5
  "$VENV/bin/okno" status
  exit 0
fi
"$VENV/bin/okno" "$@"
