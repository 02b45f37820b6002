"""Publishing a collection from a folder of files and a metadata CSV
(``okno-portal import FOLDER --csv metadata.csv``).

The CSV is UTF-8 (a BOM, as spreadsheet programs write it, is fine), comma- or
semicolon-separated, one resource per row. Headers may be English or Russian:

=============  =====================  ==================================================
English        Russian                value
=============  =====================  ==================================================
id             идентификатор          required; stable: re-importing updates, never dupes
title          название               required
type           тип                    lesson, presentation, ... or урок, презентация, ...
description    описание               optional
subjects       предметы               ``;``-separated
grades         классы                 ``5;6`` or ``5-7``
authors        авторы                 ``;``-separated
keywords       ключевые слова         ``;``-separated
language       язык                   default ``ru``
license        лицензия               optional
collections    коллекции              ``;``-separated collection ids (must exist)
files          файлы                  ``;``-separated paths relative to FOLDER
=============  =====================  ==================================================

Every row is checked first (fields, collections, files hashed); bad rows are reported with
their line numbers and nothing is imported unless ``skip_bad``. Files are stored as
content-addressed blobs. A row whose resource is already published with the same content
is left alone, so running the same import twice changes nothing.

>>> report = import_folder(store, Path("/media/usb/physics"), Path("/media/usb/physics.csv"))
>>> report.published, report.unchanged, report.bad
(120, 0, [])
"""

from __future__ import annotations

import csv
import hashlib
import io
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from portal import db
from portal.catalog import PortalStore
from protocol.wire import RESOURCE_TYPES, ProtocolError, validate_resource

HEADERS: dict[str, str] = {
    "id": "id", "идентификатор": "id", "код": "id",
    "title": "title", "название": "title", "заголовок": "title",
    "type": "type", "тип": "type", "вид": "type",
    "description": "description", "описание": "description",
    "subjects": "subjects", "предметы": "subjects", "предмет": "subjects",
    "grades": "grades", "классы": "grades", "класс": "grades",
    "authors": "authors", "авторы": "authors", "автор": "authors",
    "keywords": "keywords", "ключевые слова": "keywords",
    "language": "language", "язык": "language",
    "license": "license", "лицензия": "license",
    "collections": "collections", "коллекции": "collections", "коллекция": "collections",
    "files": "files", "файлы": "files", "файл": "files",
}
REQUIRED = ("id", "title", "type")
LIST_FIELDS = ("subjects", "authors", "keywords", "collections")
TYPE_LABELS = {label.casefold(): code for code, labels in RESOURCE_TYPES.items()
               for label in (code, *labels)}
GRADE_RANGE = re.compile(r"^(\d{1,2})\s*[-–]\s*(\d{1,2})$")
MAX_ROWS = 100_000
CHUNK = 1 << 20


@dataclass
class ImportReport:
    published: int = 0
    unchanged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (CSV line, message)
    rows: int = 0


@dataclass
class _Row:
    line: int
    data: dict[str, Any]
    files: list[tuple[str, str, Path, str, int]]  # name, mime, path, sha256, size


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(";") if p.strip()]


def _grades(value: str) -> list[int]:
    out: list[int] = []
    for part in _split(value.replace(",", ";")):
        m = GRADE_RANGE.match(part)
        if m:
            lo, hi = int(m[1]), int(m[2])
            if lo > hi:
                raise ValueError(f"grade range {part!r} goes backwards")
            out.extend(range(lo, hi + 1))
        elif part.isdigit():
            out.append(int(part))
        else:
            raise ValueError(f"grade {part!r} is not a number or a range like 5-7")
    return out


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_csv(csv_path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """``(fields, [(line number, {field: value})])`` with headers mapped to field names."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{csv_path} is not UTF-8 text (save it as \"CSV UTF-8\")") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{csv_path} is empty") from None
    fields: list[str] = []
    for h in header:
        key = HEADERS.get(" ".join(h.split()).casefold())
        if key is None:
            raise ValueError(f"{csv_path}: unknown column {h!r}; known: "
                             f"{', '.join(sorted(set(HEADERS.values())))} (or in Russian)")
        if key in fields:
            raise ValueError(f"{csv_path}: column {key!r} is given twice")
        fields.append(key)
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise ValueError(f"{csv_path}: missing column(s) {', '.join(missing)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ValueError(f"{csv_path}: more than {MAX_ROWS} rows; split the file")
        line = reader.line_num
        if len(values) > len(fields):
            rows.append((line, {"__error__": f"{len(values)} values for {len(fields)} "
                                              "columns"}))
            continue
        rows.append((line, {k: v.strip() for k, v in zip(fields, values, strict=False)}))
    return fields, rows


def _check_row(folder: Path, line: int, raw: dict[str, str], extra_collections: list[str],
               known_collections: set[str]) -> _Row:
    if "__error__" in raw:
        raise ValueError(raw["__error__"])
    rtype = TYPE_LABELS.get(raw.get("type", "").casefold())
    if rtype is None:
        raise ValueError(f"unknown type {raw.get('type', '')!r}; use one of "
                         f"{', '.join(RESOURCE_TYPES)} (or the Russian names)")
    data: dict[str, Any] = {
        "id": raw.get("id", ""), "title": raw.get("title", ""), "type": rtype,
        "description": raw.get("description", ""), "language": raw.get("language") or "ru",
        "license": raw.get("license", ""), "grades": _grades(raw.get("grades", "")),
    }
    for key in LIST_FIELDS:
        data[key] = _split(raw.get(key, ""))
    data["collections"] = list(dict.fromkeys(data["collections"] + extra_collections))
    unknown = [c for c in data["collections"] if c not in known_collections]
    if unknown:
        raise ValueError(f"unknown collection(s) {', '.join(unknown)}")
    files: list[tuple[str, str, Path, str, int]] = []
    root = folder.resolve()
    for rel in _split(raw.get("files", "")):
        path = (folder / rel).resolve()
        if root not in path.parents:
            raise ValueError(f"file {rel!r} is outside the folder")
        if not path.is_file():
            raise ValueError(f"file {rel!r} is not in the folder")
        sha, size = _hash(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files.append((path.name, mime, path, sha, size))
    entries = [{"sha256": s, "name": n, "mime": m, "size": z} for n, m, _, s, z in files]
    try:
        validate_resource({**data, "files": entries, "version": 1, "created": "x",
                           "modified": "x"})
    except ProtocolError as exc:
        raise ValueError(str(exc)) from None
    return _Row(line, data, files)


def _same(current: dict[str, Any] | None, row: _Row) -> bool:
    if current is None:
        return False
    wanted = validate_resource({**row.data, "version": 1, "created": "x", "modified": "x",
                                "files": [{"sha256": s, "name": n, "mime": m, "size": z}
                                          for n, m, _, s, z in row.files]})
    skip = {"version", "created", "modified"}
    return {k: v for k, v in current.items() if k not in skip} == \
        {k: v for k, v in wanted.items() if k not in skip}


def import_folder(store: PortalStore, folder: Path, csv_path: Path, *,
                  collections: list[str] | None = None, skip_bad: bool = False,
                  dry_run: bool = False) -> ImportReport:
    """Validate every row, then publish; see the module docstring."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    _fields, raw_rows = read_csv(csv_path)
    report = ImportReport(rows=len(raw_rows))
    with store.engine.connect() as conn:
        known = set(conn.execute(select(db.collections.c.id)).scalars())
    checked: list[_Row] = []
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        try:
            row = _check_row(folder, line, raw, collections or [], known)
            if row.data["id"] in seen:
                raise ValueError(f"id {row.data['id']!r} is also on line {seen[row.data['id']]}")
            seen[row.data["id"]] = line
            checked.append(row)
        except (ValueError, OSError) as exc:
            report.bad.append((line, str(exc)))
    if (report.bad and not skip_bad) or dry_run:
        return report
    for row in checked:
        if _same(store.get_resource(row.data["id"]), row):
            report.unchanged += 1
            continue
        store.publish_resource(row.data, [(n, m, p) for n, m, p, _, _ in row.files])
        report.published += 1
    return report
