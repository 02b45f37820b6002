"""Online backup and restore of the portal database, the same way on SQLite and PostgreSQL.

A backup is one zstd-compressed JSON-lines file (``.okno-backup``): a header line, then for
each table a ``columns`` line and one line per row, then an ``end`` line with the row counts
and the sha256 of every line before it. It is read inside one transaction, so it is
consistent while the portal keeps serving (SQLite: a WAL read snapshot; PostgreSQL:
``REPEATABLE READ``), and it can be restored into either database (moving a region from
SQLite to PostgreSQL is a backup and a restore).

Blobs are not in the file: they are immutable, content-addressed files under
``DATA/blobs``; copy that directory (rsync) alongside. :func:`restore` reports referenced
blobs that are missing. Snapshots are rebuilt by the portal on start.

>>> info = backup(engine, Path("/var/backups/okno-2026-11-26.okno-backup"))
>>> restore(other_engine, Path("/var/backups/okno-2026-11-26.okno-backup"))
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard
from sqlalchemy import Engine, MetaData, Table, delete, func, insert, select, text

from portal import db
from portal.blobs import write_atomically

FORMAT = "okno-backup"
FORMAT_VERSION = 1
SKIPPED_TABLES = frozenset({"rate_counters"})  # transient: rebuilt by traffic
BATCH = 1000
ZSTD_LEVEL = 6


class BackupError(ValueError):
    """A backup file that cannot be trusted, or a restore that would lose data."""


@dataclass
class BackupInfo:
    path: Path
    schema_version: int
    portal_id: str
    tables: dict[str, int] = field(default_factory=dict)
    sha256: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$b64"}:
        return base64.b64decode(value["$b64"])
    return value


def _tables(conn: Any) -> list[Table]:
    md = MetaData()
    md.reflect(conn)
    return [t for t in md.sorted_tables if t.name not in SKIPPED_TABLES]


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def backup(engine: Engine, out: Path) -> BackupInfo:
    """Write a consistent backup of every table to ``out`` (atomically)."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ"}
    info = BackupInfo(out, 0, "")
    digest = hashlib.sha256()

    def lines() -> Iterator[bytes]:
        with engine.connect().execution_options(**options) as conn, conn.begin():
            info.schema_version = db.current_version(conn)
            info.portal_id = db.get_meta(conn, "portal_id") or ""
            header = {"format": FORMAT, "version": FORMAT_VERSION,
                      "schema_version": info.schema_version, "portal_id": info.portal_id,
                      "created": db.utc_now(), "dialect": engine.dialect.name}
            yield _line(header)
            for table in _tables(conn):
                cols = [c.name for c in table.columns]
                yield _line({"table": table.name, "columns": cols})
                n = 0
                result = conn.execution_options(yield_per=BATCH).execute(select(table))
                for row in result:
                    yield _line({"r": [_encode(v) for v in row]})
                    n += 1
                info.tables[table.name] = n
        yield b""

    def hashed() -> Iterator[bytes]:
        for chunk in lines():
            digest.update(chunk)
            yield chunk
        info.sha256 = digest.hexdigest()
        yield _line({"end": {"tables": info.tables, "sha256": info.sha256}})

    def compressed() -> Iterator[bytes]:
        z = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).compressobj()
        for chunk in hashed():
            out_chunk = z.compress(chunk)
            if out_chunk:
                yield out_chunk
        yield z.flush()

    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, compressed())
    return info


def _read_lines(path: Path) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    try:
        with path.open("rb") as fh, dctx.stream_reader(fh) as reader:
            buf = b""
            while chunk := reader.read(1 << 20):
                buf += chunk
                *complete, buf = buf.split(b"\n")
                for line in complete:
                    yield line + b"\n"
            if buf:
                yield buf
    except zstandard.ZstdError as exc:
        raise BackupError(f"{path} is damaged (zstd: {exc})") from None


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """``("header", h)``, ``("columns", (table, cols))``, ``("row", values)``, then
    ``("end", counts)`` after checking the counts and the hash."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    current: str | None = None
    header_seen = False
    for raw in _read_lines(path):
        try:
            obj = json.loads(raw)
        except ValueError:
            raise BackupError(f"{path} holds a line that is not JSON: truncated or "
                              "damaged") from None
        if not header_seen:
            if obj.get("format") != FORMAT or obj.get("version") != FORMAT_VERSION:
                raise BackupError(f"{path} is not an Okno portal backup")
            header_seen = True
            digest.update(raw)
            yield "header", obj
            continue
        if "end" in obj:
            end = obj["end"]
            if end.get("sha256") != digest.hexdigest() or end.get("tables") != counts:
                raise BackupError(f"{path} does not match its own checksum: damaged")
            yield "end", counts
            return
        digest.update(raw)
        if "table" in obj:
            current = obj["table"]
            counts[current] = 0
            yield "columns", (current, obj["columns"])
        elif "r" in obj and current is not None:
            counts[current] += 1
            yield "row", [_decode(v) for v in obj["r"]]
        else:
            raise BackupError(f"{path} holds an unexpected line")
    raise BackupError(f"{path} ends early (no end line): the backup is incomplete")


def verify(path: Path) -> BackupInfo:
    """Read the whole backup and check it; raises :class:`BackupError`."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    info = BackupInfo(path, 0, "")
    for kind, value in _records(path):
        if kind == "header":
            info.schema_version = int(value["schema_version"])
            info.portal_id = str(value.get("portal_id", ""))
        elif kind == "end":
            info.tables = dict(value)
    return info


def is_empty(engine: Engine) -> bool:
    """True when the database holds no catalog change, no user and no community record."""
    with engine.connect() as conn:
        if not conn.dialect.has_table(conn, "changelog"):
            return True
        changes = conn.execute(select(func.count()).select_from(db.changelog)).scalar_one()
        users = conn.execute(select(func.count()).select_from(db.users)).scalar_one() \
            if conn.dialect.has_table(conn, "users") else 0
    return changes == 0 and users == 0


def restore(engine: Engine, path: Path, *, force: bool = False) -> BackupInfo:
    """Replace the database's content with the backup's.

    The backup is verified completely first; a database with data is refused unless
    ``force``. The target is migrated to the current schema, which must be the backup's.
    """
    info = verify(path)
    version = db.migrate(engine)
    if info.schema_version != version:
        raise BackupError(f"the backup has schema version {info.schema_version}, this portal "
                          f"{version}: restore it with the Okno version that made it, then "
                          "upgrade")
    if not force and not is_empty(engine):
        raise BackupError("the database is not empty; give --force to replace its content")
    with db.write_transaction(engine) as conn:
        tables = {t.name: t for t in _tables(conn)}
        for t in reversed(list(tables.values())):
            conn.execute(delete(t))
        if "rate_counters" in tables:
            conn.execute(delete(db.rate_counters))
        table: Table | None = None
        cols: list[str] = []
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch and table is not None:
                conn.execute(insert(table), batch)
                batch.clear()

        for kind, value in _records(path):
            if kind == "columns":
                flush()
                name, cols = value
                table = tables.get(name)
                if table is None:
                    raise BackupError(f"the backup has table {name!r} which this portal lacks")
                missing = set(cols) - {c.name for c in table.columns}
                if missing:
                    raise BackupError(f"table {name}: unknown column(s) {sorted(missing)}")
            elif kind == "row":
                batch.append(dict(zip(cols, value, strict=True)))
                if len(batch) >= BATCH:
                    flush()
        flush()
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, list(tables.values()))
    return info


def _reset_sequences(conn: Any, tables: list[Table]) -> None:
    """Explicit ids were inserted: move PostgreSQL's serial sequences past them."""
    for t in tables:
        for c in t.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": t.name, "c": c.name}).scalar()
            if seq:
                top = conn.execute(select(func.max(c))).scalar()
                conn.execute(text("SELECT setval(:s, :v, :called)"),
                             {"s": seq, "v": top or 1, "called": top is not None})


def missing_blobs(engine: Engine, blobs_root: Path, limit: int = 20) -> list[str]:
    """sha256s the ``files`` table names that have no file under ``blobs_root``."""
    out: list[str] = []
    with engine.connect() as conn:
        for sha in conn.execute(select(db.files.c.sha256)).scalars():
            if not os.path.isfile(blobs_root / sha[:2] / sha):
                out.append(sha)
                if len(out) >= limit:
                    break
    return out
