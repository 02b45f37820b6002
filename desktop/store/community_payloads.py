"""The exact records of the public community streams (``directory``, ``assoc:<id>``), kept
as the portal sent them, so a desktop can pass followed forums on in a USB bundle.

The community tables keep only the fields the application shows; the protocol's validators
need more. So every applied record of a passable stream is also kept here verbatim (its
``data`` and ``seq``), written in the same transaction as its row by
``community_apply.apply_community``, and removed with it. Tombstones stay in ``tombstones``.

``community_payload_streams`` names the streams whose every record since cursor 0 went
through this code (with the cursor of the first page as their horizon): only those can be
exported. The migration resets the cursors of the passable streams (noting them in
``community_payload_pending``), so the next sync reads them again from 0 and fills the
payloads of rows applied before it (a record whose version is already stored still gets
its payload).

``user:<id>`` streams are never kept here: they are personal and never leave the machine.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from desktop.store.indexing import dumps as json_ids
from protocol.community import stream_family
from protocol.wire import Rec, dumps

PASSABLE_FAMILIES = frozenset({"directory", "assoc"})
_IN_JSON = "(SELECT value FROM json_each(?))"

_STATEMENTS = (
    "CREATE TABLE community_payloads (stream TEXT NOT NULL, kind TEXT NOT NULL, "
    "id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, "
    "PRIMARY KEY (stream, kind, id)) WITHOUT ROWID",
    "CREATE INDEX community_payloads_seq ON community_payloads (stream, seq)",
    "CREATE TABLE community_payload_streams (stream TEXT PRIMARY KEY, "
    "horizon INTEGER NOT NULL) WITHOUT ROWID",
    # Rows applied before this step have no payload: read those streams again from 0
    # (noted as pending until then, so an export can say "sync once more").
    "CREATE TABLE community_payload_pending (stream TEXT PRIMARY KEY) WITHOUT ROWID",
    "INSERT INTO community_payload_pending (stream) SELECT stream FROM cursors "
    "WHERE (stream = 'directory' OR stream LIKE 'assoc:%') AND seq > 0",
    "DELETE FROM cursors WHERE stream = 'directory' OR stream LIKE 'assoc:%'",
)


def v_community_payloads(db: Database) -> None:
    for sql in _STATEMENTS:
        db.execute(sql)


def passable(stream: str) -> bool:
    return stream_family(stream) in PASSABLE_FAMILIES


def note_page(conn: sqlite3.Connection, stream: str, cursor: int | None) -> None:
    """Before a page of a passable stream is applied: a stream read from cursor 0 on keeps
    every payload from here on."""
    if cursor is None:
        return
    row = conn.execute("SELECT seq FROM cursors WHERE stream = ?", (stream,)).fetchone()
    if row is None or row[0] == 0:
        conn.execute("INSERT OR IGNORE INTO community_payload_streams (stream, horizon) "
                     "VALUES (?, ?)", (stream, cursor))
        conn.execute("DELETE FROM community_payload_pending WHERE stream = ?", (stream,))


def keep_payloads(conn: sqlite3.Connection, stream: str, kind: str, table: str, key: str,
                  items: dict[str, Any]) -> None:
    """After one kind of a page was applied: make the payloads match the rows. A record
    whose row now holds its version keeps its data and the row's seq; an id without a row
    loses its payload."""
    ids_json = json_ids(list(items))
    rows = {ident: (version, seq) for ident, version, seq in conn.execute(
        f"SELECT {key}, version, seq FROM {table} WHERE {key} IN {_IN_JSON}", (ids_json,))}
    upserts, deletes = [], []
    for ident, item in items.items():
        row = rows.get(ident)
        if row is None:
            deletes.append((stream, kind, ident))
        elif isinstance(item, Rec) and row[0] == item.version:
            upserts.append((stream, kind, ident, row[1],
                            json.dumps(item.data, ensure_ascii=False, separators=(",", ":"))))
        else:  # the row keeps a newer version (or a seq-only change): just follow its seq
            conn.execute("UPDATE community_payloads SET seq = ? WHERE stream = ? AND kind = ? "
                         "AND id = ?", (row[1], stream, kind, ident))
    if deletes:
        conn.executemany("DELETE FROM community_payloads WHERE stream = ? AND kind = ? "
                         "AND id = ?", deletes)
    if upserts:
        conn.executemany(
            "INSERT INTO community_payloads (stream, kind, id, seq, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (stream, kind, id) DO UPDATE SET seq = excluded.seq, "
            "data = excluded.data", upserts)


def forget_stream(conn: sqlite3.Connection, stream: str) -> None:
    conn.execute("DELETE FROM community_payloads WHERE stream = ?", (stream,))
    conn.execute("DELETE FROM community_payload_streams WHERE stream = ?", (stream,))
    conn.execute("DELETE FROM community_payload_pending WHERE stream = ?", (stream,))


def pending_streams(conn: sqlite3.Connection) -> list[str]:
    """Streams followed before payloads were kept, not read again since."""
    return [row[0] for row in conn.execute(
        "SELECT stream FROM community_payload_pending ORDER BY stream")]


def payload_horizon(conn: sqlite3.Connection, stream: str) -> int | None:
    """The horizon of a stream whose payloads are complete, or None (not exportable)."""
    row = conn.execute("SELECT horizon FROM community_payload_streams WHERE stream = ?",
                       (stream,)).fetchone()
    return None if row is None else int(row[0])


def stream_changes(conn: sqlite3.Connection, stream: str, lo: int, hi: int
                   ) -> Iterator[tuple[int, bytes]]:
    """``(seq, line)`` of a passable stream in ``(lo, hi]``: the records as the portal sent
    them and the tombstones, in seq order (the lines of a sync response)."""
    sql = ("SELECT seq, kind, id, data FROM community_payloads "
           "WHERE stream = :s AND seq > :lo AND seq <= :hi "
           "UNION ALL SELECT seq, kind, id, NULL FROM tombstones "
           "WHERE stream = :s AND seq > :lo AND seq <= :hi ORDER BY 1")
    for seq, kind, ident, data in conn.execute(sql, {"s": stream, "lo": lo, "hi": hi}):
        if data is None:
            line = {"t": "del", "s": stream, "k": kind, "id": ident, "seq": seq}
        else:
            d = json.loads(data)
            line = {"t": "rec", "s": stream, "k": kind, "id": ident, "v": d.get("version"),
                    "seq": seq, "d": d}
        yield seq, dumps(line)
