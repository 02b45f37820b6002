#!/usr/bin/env bash
# Set up (system packages, virtualenv) and run every test. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PYTHONUTF8=1 QT_QPA_PLATFORM=offscreen
VENV=${OKNO_VENV:-.venv}
"$VENV/bin/python" -m ruff check .
exec "$VENV/bin/python" -m pytest -q "$@"
