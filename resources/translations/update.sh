#!/usr/bin/env bash
# Refresh the .ts files from the source (keeps existing translations), then compile .qm.
# Usage: bash resources/translations/update.sh   (translate new strings in okno_ru.ts first)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OKNO_VENV:-.venv}/bin
"$BIN/pyside6-lupdate" desktop/ui/*.py -ts resources/translations/okno_ru.ts \
    resources/translations/okno_en.ts -no-obsolete -locations none
"$BIN/pyside6-lrelease" resources/translations/okno_ru.ts resources/translations/okno_en.ts
