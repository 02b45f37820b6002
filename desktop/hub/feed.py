"""Reading the local replica the way the portal reads its change log (for the lab hub).

Every catalog row and tombstone in the replica carries the portal's ``seq``, so the lines
after a cursor, in seq order, are exactly what the portal would send for the entities the
replica holds. Opened read-only (``query_only``), one connection per call, so the hub never
blocks or disturbs the application that owns the database.

    feed = ReplicaFeed(paths.database)
    state = feed.state()          # portal_id, head, horizon
    for seq, line in feed.changes_since(120, limit=1000): ...
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from protocol.wire import (
    CATALOG_STREAM,
    KIND_COLLECTION,
    KIND_RESOURCE,
    SHA256_RE,
    del_line,
    dumps,
    rec_line,
)

BUSY_TIMEOUT_MS = 5000

# One ordered scan over the three sources of the catalog log; each uses its seq index or
# a small table. ``src`` says which table the id comes from.
_CHANGES_SQL = """
SELECT seq, 'r' AS src, id FROM resources WHERE seq > :c
UNION ALL SELECT seq, 'c', id FROM collections WHERE seq > :c
UNION ALL SELECT seq, 'd' || kind, id FROM tombstones WHERE stream = :s AND seq > :c
ORDER BY seq LIMIT :n
"""

_RESOURCE_SQL = (
    "SELECT id, title, description, authors, subjects, grades, type, language, license, "
    "keywords, collections, files, created, modified, version FROM resources WHERE id = ?"
)
_COLLECTION_SQL = (
    "SELECT id, parent_id, title, description, kind, position, version, created, modified "
    "FROM collections WHERE id = ?"
)
_JSON_COLUMNS = ("authors", "subjects", "grades", "keywords", "collections", "files")


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """Where the replica stands: the portal it follows, its cursor and log horizon."""

    portal_id: str | None
    head: int
    horizon: int


class ReplicaFeed:
    """Read access to one replica database (a file another process may be writing)."""

    def __init__(self, database: Path, files_dir: Path | None = None) -> None:
        self.database = Path(database)
        self.files_dir = files_dir if files_dir is not None else self.database.parent / "files"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        uri = self.database.resolve().as_uri() + "?mode=rw"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield conn
        finally:
            conn.close()

    def state(self) -> ReplicaState:
        with self._connect() as conn:
            return _state(conn)

    def changes_since(self, cursor: int, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` ``(seq, NDJSON line)`` of the catalog after ``cursor``, in seq order,
        read in one transaction (a page being applied meanwhile is seen whole or not at all)."""
        out: list[tuple[int, bytes]] = []
        with self._connect() as conn:
            conn.execute("BEGIN")
            rows = conn.execute(_CHANGES_SQL, {"c": cursor, "s": CATALOG_STREAM,
                                               "n": limit}).fetchall()
            for seq, src, entity_id in rows:
                if src == "r":
                    data = _resource(conn, entity_id)
                    line = None if data is None else rec_line(CATALOG_STREAM, KIND_RESOURCE,
                                                              data, seq)
                elif src == "c":
                    data = _collection(conn, entity_id)
                    line = None if data is None else rec_line(CATALOG_STREAM, KIND_COLLECTION,
                                                              data, seq)
                else:
                    line = del_line(CATALOG_STREAM, src[1:], entity_id, seq)
                if line is not None:
                    out.append((seq, dumps(line)))
            conn.execute("COMMIT")
        return out

    def file(self, sha256: str) -> tuple[Path, str] | None:
        """``(path, mime)`` of a complete cached file, or None. Only content-addressed
        paths under the files folder are ever returned."""
        if not SHA256_RE.match(sha256):
            return None
        with self._connect() as conn:
            row = conn.execute("SELECT size FROM files_cache WHERE sha256 = ?",
                               (sha256,)).fetchone()
            if row is None:
                return None
            mime = conn.execute("SELECT mime FROM downloads WHERE sha256 = ?",
                                (sha256,)).fetchone()
        path = self.files_dir / sha256[:2] / sha256
        try:
            if path.stat().st_size != row[0]:
                return None  # being replaced, or damaged: never serve a wrong length
        except OSError:
            return None
        return path, (mime[0] if mime else "application/octet-stream")


def _state(conn: sqlite3.Connection) -> ReplicaState:
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                             "('portal_id', 'serving_horizon')"))
    row = conn.execute("SELECT seq FROM cursors WHERE stream = ?", (CATALOG_STREAM,)).fetchone()
    head = row[0] if row else 0
    portal_id = meta.get("portal_id")
    horizon = head  # unknown start of the log: serve only fresh and caught-up replicas
    raw = meta.get("serving_horizon") or ""
    tag, _, value = raw.rpartition("|")
    if portal_id is not None and tag == portal_id and value.isdigit():
        horizon = min(int(value), head)
    return ReplicaState(portal_id, head, horizon)


def _resource(conn: sqlite3.Connection, entity_id: str) -> dict | None:
    cur = conn.execute(_RESOURCE_SQL, (entity_id,))
    row = cur.fetchone()
    if row is None:
        return None
    data = dict(zip([c[0] for c in cur.description], row, strict=True))
    for name in _JSON_COLUMNS:
        data[name] = json.loads(data[name])
    return data


def _collection(conn: sqlite3.Connection, entity_id: str) -> dict | None:
    cur = conn.execute(_COLLECTION_SQL, (entity_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cur.description], row, strict=True))
