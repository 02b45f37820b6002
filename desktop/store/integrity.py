"""Consistency checks of a replica: SQLite's own, and that the derived tables (search
index, facets, facet totals, file links) agree with the resources they were built from.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.check_integrity()
[]
>>> store.close()
"""

from __future__ import annotations

import sqlite3

from desktop.store.apply import STORED_STREAMS
from desktop.store.base import ReaderBase
from desktop.store.indexing import TERM_COLUMNS, stored_terms, terms_version
from desktop.store.search import quote

SAMPLE = 50
MAX_REPORTED = 20

_EXPECTED_FACETS = """
SELECT rowid, 'type', type FROM resources
UNION SELECT r.rowid, 'subject', j.value FROM resources r, json_each(r.subjects) j
UNION SELECT r.rowid, 'grade', CAST(j.value AS TEXT) FROM resources r, json_each(r.grades) j
UNION SELECT r.rowid, 'collection', j.value FROM resources r, json_each(r.collections) j
"""
_ACTUAL_FACETS = """
SELECT f.res, v.facet, v.value FROM resource_facets f JOIN facet_values v ON v.id = f.value_id
WHERE v.facet != 'downloaded'
"""
_EXPECTED_DOWNLOADED = """
SELECT r.rowid FROM resources r WHERE json_array_length(r.files) > 0 AND NOT EXISTS (
    SELECT 1 FROM json_each(r.files) f WHERE NOT EXISTS (
        SELECT 1 FROM files_cache c WHERE c.sha256 = json_extract(f.value, '$.sha256')))
"""
_ACTUAL_DOWNLOADED = """
SELECT f.res FROM resource_facets f JOIN facet_values v ON v.id = f.value_id
WHERE v.facet = 'downloaded'
"""
_EXPECTED_FILES = """
SELECT r.rowid, (SELECT group_concat(sha, ' ') FROM (
    SELECT DISTINCT json_extract(f.value, '$.sha256') AS sha FROM json_each(r.files) f
    ORDER BY sha))
FROM resources r WHERE json_array_length(r.files) > 0
"""
_ACTUAL_FILES = "SELECT res, shas FROM resource_files"
_COUNTED_TOTALS = "SELECT value_id, count(*) FROM resource_facets GROUP BY value_id"
_STORED_TOTALS = "SELECT id, n FROM facet_values WHERE n != 0"


def _differ(conn: sqlite3.Connection, expected: str, actual: str) -> tuple[int, int]:
    """(rows missing from actual, rows in actual that should not be there)."""
    # Each side in its own subquery: "a EXCEPT b UNION c" would mean "(a EXCEPT b) UNION c".
    missing, extra = (
        conn.execute(
            f"SELECT count(*) FROM (SELECT * FROM ({a}) EXCEPT SELECT * FROM ({b}))"
        ).fetchone()[0]
        for a, b in ((expected, actual), (actual, expected))
    )
    return missing, extra


def check(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    """``schema``: where the catalog's meta, cursors and tombstones are (a lab: "library")."""
    problems: list[str] = []
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    if rows != ["ok"]:
        problems += [f"SQLite integrity: {r}" for r in rows]

    resources = conn.execute("SELECT count(*) FROM resources").fetchone()[0]
    indexed = conn.execute("SELECT count(*) FROM resources_fts_docsize").fetchone()[0]
    if indexed != resources:
        problems.append(f"search index holds {indexed} resources, the library {resources}")
    stored_version = conn.execute(
        f"SELECT value FROM {schema}.meta WHERE key = 'text_version'"
    ).fetchone()
    if resources and (stored_version is None or stored_version[0] != terms_version()):
        problems.append("search terms were built with other text rules (reindex needed)")
    problems += _check_sample(conn)
    if not conn.execute("PRAGMA query_only").fetchone()[0]:
        try:  # FTS5's own structural check; it is an INSERT, so the writer only
            conn.execute("INSERT INTO resources_fts (resources_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"search index is damaged: {exc}")

    for what, expected, actual in (
        ("facet rows", _EXPECTED_FACETS, _ACTUAL_FACETS),
        ("'downloaded' marks", _EXPECTED_DOWNLOADED, _ACTUAL_DOWNLOADED),
        ("file links", _EXPECTED_FILES, _ACTUAL_FILES),
        ("facet totals", _COUNTED_TOTALS, _STORED_TOTALS),
    ):
        missing, extra = _differ(conn, expected, actual)
        if missing or extra:
            problems.append(f"{what} disagree with resources: {missing} missing, {extra} extra")

    problems += _check_cursors(conn, schema)
    orphans = conn.execute(
        "SELECT count(*) FROM downloads d WHERE d.state = 'done' "
        "AND NOT EXISTS (SELECT 1 FROM files_cache c WHERE c.sha256 = d.sha256)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} downloads are marked done but their files are not cached")
    return problems[:MAX_REPORTED] if len(problems) > MAX_REPORTED else problems


def _check_sample(conn: sqlite3.Connection) -> list[str]:
    """Random resources must be found by words of their own title and body."""
    problems = []
    for row in conn.execute(
        f"SELECT rowid, id, {TERM_COLUMNS} FROM resources ORDER BY random() LIMIT {SAMPLE}"
    ):
        rowid, rid = row[0], row[1]
        for column, text in zip(("title_terms", "body_terms"), stored_terms(row[2:]), strict=True):
            words = list(dict.fromkeys(text.split()))[:4]
            if not words:
                continue
            match = f"{column} : (" + " AND ".join(quote(w) for w in words) + ")"
            hit = conn.execute(
                "SELECT 1 FROM resources_fts WHERE resources_fts MATCH ? AND rowid = ?",
                (match, rowid),
            ).fetchone()
            if hit is None:
                problems.append(f"resource {rid} is missing from the search index ({column})")
                break
    return problems


def _check_cursors(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    """Every stored record must be covered by its stream's cursor."""
    problems = []
    cursors = dict(conn.execute(f"SELECT stream, seq FROM {schema}.cursors"))
    for stream in sorted(STORED_STREAMS):
        newest = conn.execute(
            "SELECT max(s) FROM (SELECT max(seq) AS s FROM resources "
            "UNION ALL SELECT max(seq) FROM collections "
            f"UNION ALL SELECT max(seq) FROM {schema}.tombstones WHERE stream = ?)",
            (stream,),
        ).fetchone()[0]
        cursor = cursors.get(stream)
        if newest is not None and (cursor is None or newest > cursor):
            problems.append(f"stream {stream}: data up to seq {newest} but the cursor is {cursor}")
    return problems


class IntegrityReads(ReaderBase):
    def check_integrity(self) -> list[str]:
        """Problems found, in plain words; an empty list means the replica is consistent."""
        return check(self._conn, self._cat)
