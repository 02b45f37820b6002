"""Fill unfinished entries of the .ts files from tab-separated lists of translations.

Usage (after ``bash resources/translations/update.sh`` has added the new source strings)::

    python resources/translations/fill.py LIST.tsv [LIST.tsv ...]

Each line of a list is ``source<TAB>russian``; ``\\n`` and ``\\t`` stand for a newline and a
tab; a line starting with ``#`` and holding no tab is a comment. Russian fills
``okno_ru.ts``; ``okno_en.ts`` gets the source itself (English is the source language).
Entries already translated are left alone. Prints what is still missing, then runs update.sh
(which rewrites the files in lupdate's layout and compiles them).
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _unescape(s: str) -> str:
    return s.replace("\\n", "\n").replace("\\t", "\t")


def read_lists(paths: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in paths:
        for n, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or (line.startswith("#") and "\t" not in line):
                continue  # blank or a comment
            if "\t" not in line:
                sys.exit(f"{p}:{n}: expected 'source<TAB>translation'")
            src, ru = line.split("\t", 1)
            out[_unescape(src)] = _unescape(ru)
    return out


def fill(ts: Path, table: dict[str, str] | None) -> list[str]:
    tree = ET.parse(ts)
    missing = []
    for m in tree.getroot().iter("message"):
        src = m.findtext("source") or ""
        t = m.find("translation")
        if t is None or t.get("type") not in ("unfinished",) and (t.text or "").strip():
            continue
        value = src if table is None else table.get(src)
        if value is None:
            missing.append(src)
            continue
        t.text = value
        t.attrib.pop("type", None)
    ET.indent(tree, space="    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                  encoding="utf-8")
    return missing


def main(argv: list[str]) -> int:
    table = read_lists(argv)
    missing = fill(HERE / "okno_ru.ts", table)
    fill(HERE / "okno_en.ts", None)
    for src in missing:
        print("no Russian for:", repr(src))
    # lupdate writes the files back in its own layout, then lrelease compiles them.
    subprocess.run(["bash", str(HERE / "update.sh")], check=True, capture_output=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
