"""Applying community pages (directory, assoc:<id>, user:<id>) inside ``apply_page``'s
transaction, with the catalog's rules: upsert when the incoming version is newer than the
stored one (so a replayed page changes nothing), tombstones kept with their seq.

Rows written offline carry version 0, so the portal's record (version >= 1) replaces them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from desktop.store.apply import Item, _plan, _Stored, _tombstones, _write_tombstones
from desktop.store.community_payloads import forget_stream, keep_payloads, note_page, passable
from desktop.store.consultations_schema import CONSULT_TABLES
from desktop.store.consultations_schema import EVICT as CONSULT_EVICT
from desktop.store.courses_schema import COURSE_TABLES
from desktop.store.courses_schema import EVICT as COURSE_EVICT
from desktop.store.errors import StoreError
from desktop.store.indexing import dumps
from desktop.store.text import terms
from desktop.store.types import Changes
from protocol.community import (
    KIND_ASSOCIATION,
    KIND_FOLLOW,
    KIND_FORUM,
    KIND_MEMBERSHIP,
    KIND_POST,
    KIND_PROFILE,
    KIND_REACTION,
    KIND_READ_POSITION,
    KIND_THREAD,
)
from protocol.wire import Rec

_IN_JSON = "(SELECT value FROM json_each(?))"


def post_fts_rowid(rowid: int) -> int:
    return 2 * rowid


def thread_fts_rowid(rowid: int) -> int:
    return 2 * rowid + 1


def index_post(conn: sqlite3.Connection, rowid: int, body: str) -> None:
    conn.execute("DELETE FROM discussion_fts WHERE rowid = ?", (post_fts_rowid(rowid),))
    if body:
        conn.execute("INSERT INTO discussion_fts (rowid, terms) VALUES (?, ?)",
                     (post_fts_rowid(rowid), terms(body)))


def index_thread(conn: sqlite3.Connection, rowid: int, title: str) -> None:
    conn.execute("DELETE FROM discussion_fts WHERE rowid = ?", (thread_fts_rowid(rowid),))
    conn.execute("INSERT INTO discussion_fts (rowid, terms) VALUES (?, ?)",
                 (thread_fts_rowid(rowid), terms(title)))


class _Table:
    """How one kind maps to one table: key column and the row built from a record."""

    def __init__(self, table: str, key: str, row: Callable[[Rec], dict[str, Any]]) -> None:
        self.table = table
        self.key = key
        self.row = row

    def stored(self, conn: sqlite3.Connection, ids_json: str) -> dict[str, _Stored]:
        return {
            ident: _Stored(rowid, version, seq)
            for ident, rowid, version, seq in conn.execute(
                f"SELECT {self.key}, rowid, version, seq FROM {self.table} "
                f"WHERE {self.key} IN {_IN_JSON}", (ids_json,))
        }

    def upsert(self, conn: sqlite3.Connection, rec: Rec) -> int:
        row = self.row(rec)
        row[self.key] = rec.id
        row["version"] = rec.version
        row["seq"] = rec.seq
        cols = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != self.key)
        conn.execute(
            f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT ({self.key}) DO UPDATE SET {updates}",
            [row[c] for c in cols],
        )
        return conn.execute(f"SELECT rowid FROM {self.table} WHERE {self.key} = ?",
                            (rec.id,)).fetchone()[0]

    def delete(self, conn: sqlite3.Connection, ident: str) -> None:
        conn.execute(f"DELETE FROM {self.table} WHERE {self.key} = ?", (ident,))


def _b(value: Any) -> int:
    return 1 if value else 0


def _association(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"name": d["name"], "description": d.get("description", ""), "kind": d["kind"],
            "visibility": d["visibility"], "parent_id": d.get("parent_id"),
            "region": d.get("region", ""), "municipality": d.get("municipality", ""),
            "topic": d.get("topic", ""), "modified": d.get("modified", "")}


def _forum(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "title": d["title"],
            "description": d.get("description", ""), "position": d.get("position", 0),
            "modified": d.get("modified", "")}


def _profile(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"display_name": d["display_name"], "school": d.get("school", ""),
            "municipality": d.get("municipality", ""), "region": d.get("region", ""),
            "role": d.get("role", "member")}


def _thread(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "forum_id": d["forum_id"],
            "author_id": d["author_id"], "title": d["title"],
            "first_post_id": d.get("first_post_id", ""), "post_count": d.get("post_count", 0),
            "last_post_at": d.get("last_post_at") or "", "locked": _b(d.get("locked")),
            "pinned": _b(d.get("pinned")), "created": d.get("created", ""),
            "modified": d.get("modified", ""), "local": 0}


def _post(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"thread_id": d["thread_id"], "forum_id": d.get("forum_id", ""),
            "association_id": d["association_id"], "author_id": d["author_id"],
            "number": d["number"], "body_md": d.get("body_md", ""),
            "revision": d.get("revision", 1), "edited": d.get("edited"),
            "useful": d.get("useful", 0), "deleted": _b(d.get("deleted")),
            "hidden": _b(d.get("hidden")), "hidden_reason": d.get("hidden_reason"),
            "removed": _b(d.get("removed")), "removed_reason": d.get("removed_reason"),
            "created": d.get("created", ""), "modified": d.get("modified", ""), "local": 0}


def _membership(r: Rec) -> dict[str, Any]:
    return {"role": r.data["role"]}


def _follow(r: Rec) -> dict[str, Any]:
    return {"target_kind": r.data["target_kind"], "target_id": r.data["target_id"]}


def _read_position(r: Rec) -> dict[str, Any]:
    return {"post_id": r.data["post_id"], "number": r.data["number"]}


def _reaction(r: Rec) -> dict[str, Any]:
    return {"useful": _b(r.data.get("useful", True))}


TABLES: dict[str, _Table] = {
    KIND_ASSOCIATION: _Table("associations", "id", _association),
    KIND_FORUM: _Table("forums", "id", _forum),
    KIND_PROFILE: _Table("profiles", "id", _profile),
    KIND_THREAD: _Table("threads", "id", _thread),
    KIND_POST: _Table("posts", "id", _post),
    KIND_MEMBERSHIP: _Table("memberships", "association_id", _membership),
    KIND_FOLLOW: _Table("follows", "id", _follow),
    KIND_READ_POSITION: _Table("read_positions", "thread_id", _read_position),
    KIND_REACTION: _Table("reactions", "post_id", _reaction),
}
TABLES.update({kind: _Table(*spec) for kind, spec in COURSE_TABLES.items()})
TABLES.update({kind: _Table(*spec) for kind, spec in CONSULT_TABLES.items()})


def _thread_of(conn: sqlite3.Connection, kind: str, ident: str, rec: Rec | None) -> str | None:
    """The thread a changed row belongs to, for ``Changes.threads``."""
    if kind == KIND_THREAD or kind == KIND_READ_POSITION:
        return ident
    if kind in (KIND_POST, KIND_REACTION):
        if rec is not None and kind == KIND_POST:
            return rec.data.get("thread_id")
        post_id = ident
        row = conn.execute("SELECT thread_id FROM posts WHERE id = ?", (post_id,)).fetchone()
        return row[0] if row else None
    return None


def apply_community(conn: sqlite3.Connection, stream: str,
                    latest: dict[str, dict[str, Item]], cursor: int | None = None) -> Changes:
    """Apply one page's latest word per kind and id; return what changed. Records of the
    public streams also keep their exact payload (community_payloads.py)."""
    threads: set[str] = set()
    community = False
    keep = passable(stream)
    if keep:
        note_page(conn, stream, cursor)
    for kind, items in latest.items():
        table = TABLES[kind]
        ids_json = dumps(list(items))
        stored = table.stored(conn, ids_json)
        if kind == KIND_READ_POSITION:
            # "Read up to" only moves forward, whatever the versions say (another device's
            # older position, or our own unsent one being ahead).
            stored_numbers = dict(conn.execute(
                f"SELECT thread_id, number FROM read_positions WHERE thread_id IN {_IN_JSON}",
                (ids_json,)))
        plan = _plan(items.values(), stored, _tombstones(conn, stream, kind, ids_json))
        for tomb in plan.deletes:
            if kind == KIND_POST or kind == KIND_THREAD:
                old = stored[tomb.id]
                fts = post_fts_rowid if kind == KIND_POST else thread_fts_rowid
                conn.execute("DELETE FROM discussion_fts WHERE rowid = ?", (fts(old.rowid),))
            thread = _thread_of(conn, kind, tomb.id, None)
            table.delete(conn, tomb.id)
            if thread:
                threads.add(thread)
            else:
                community = True
        _write_tombstones(conn, stream, kind, plan)
        for seq, ident in plan.seq_only:
            conn.execute(f"UPDATE {table.table} SET seq = ? WHERE {table.key} = ?", (seq, ident))
        for rec in plan.upserts:
            if (kind == KIND_READ_POSITION
                    and stored_numbers.get(rec.id, 0) > rec.data.get("number", 0)):
                conn.execute("UPDATE read_positions SET version = ?, seq = ? WHERE thread_id = ?",
                             (rec.version, rec.seq, rec.id))
                continue
            try:
                rowid = table.upsert(conn, rec)
            except (KeyError, TypeError) as exc:
                raise StoreError(f"{kind} {rec.id} has malformed data ({exc}); "
                                 "the page was not applied") from None
            if kind == KIND_POST:
                index_post(conn, rowid, rec.data.get("body_md", ""))
            elif kind == KIND_THREAD:
                index_thread(conn, rowid, rec.data["title"])
            thread = _thread_of(conn, kind, rec.id, rec)
            if thread:
                threads.add(thread)
            else:
                community = True
        if keep:
            keep_payloads(conn, stream, kind, table.table, table.key, items)
    return Changes(community=community, threads=frozenset(threads))


def evict_stream(conn: sqlite3.Connection, stream: str, family: str, owner: str) -> None:
    """Forget a stream's rows, tombstones and cursor (403/404, or unfollowed)."""
    if family == "assoc":
        for table, fts in (("posts", post_fts_rowid), ("threads", thread_fts_rowid)):
            rows = [r[0] for r in conn.execute(
                f"SELECT rowid FROM {table} WHERE association_id = ? AND local = 0", (owner,))]
            conn.executemany("DELETE FROM discussion_fts WHERE rowid = ?",
                             [(fts(r),) for r in rows])
            # Unsent local rows stay: they belong to outbox ops that must stay visible.
            conn.execute(f"DELETE FROM {table} WHERE association_id = ? AND local = 0", (owner,))
    elif family == "user":
        for table in ("memberships", "follows", "read_positions", "reactions"):
            conn.execute(f"DELETE FROM {table}")
    elif family == "directory":
        for table in ("associations", "forums", "profiles"):
            conn.execute(f"DELETE FROM {table}")
    for table, where in (*COURSE_EVICT.get(family, ()),  # courses and the library in use
                         *CONSULT_EVICT.get(family, ())):  # consultations, events, levels
        conn.execute(f"DELETE FROM {table}" + (f" WHERE {where}" if where else ""),
                     (owner,) if where and "?" in where else ())
    conn.execute("DELETE FROM tombstones WHERE stream = ?", (stream,))
    conn.execute("DELETE FROM cursors WHERE stream = ?", (stream,))
    forget_stream(conn, stream)
