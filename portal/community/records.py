"""Community records as clients receive them, and the change-log writer for their streams.

A :class:`ChangeSet` collects the records one transaction changes and writes them to the
change log at the end, one seq allocation per stream, streams in name order (every writer
locks ``streams`` rows in the same order, so two transactions cannot deadlock on them).

>>> cs = ChangeSet(conn, now)
>>> d = cs.put("assoc:reg-45", "post", post_record(row, version=None))
>>> d["version"]
3
>>> cs.flush()
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from portal import db
from protocol.community import COMMUNITY_VALIDATORS, follow_id
from protocol.wire import ProtocolError

Row = Mapping[str, Any]


class ChangeSet:
    """The change-log rows of one transaction, written by :meth:`flush`."""

    def __init__(self, conn: Connection, now: str) -> None:
        self.conn = conn
        self.now = now
        # (stream, kind, id) -> record d, or None for a tombstone; insertion order is seq order
        self._pending: dict[tuple[str, str, str], dict[str, Any] | None] = {}
        self._versions: dict[tuple[str, str, str], int] = {}

    def version_of(self, stream: str, kind: str, entity_id: str) -> int:
        """The entity's current version in the log (0 if it never existed)."""
        key = (stream, kind, entity_id)
        if key not in self._versions:
            c = db.changelog.c
            found = self.conn.execute(select(c.version).where(
                c.stream == stream, c.kind == kind, c.entity_id == entity_id)).scalar()
            self._versions[key] = int(found or 0)
        return self._versions[key]

    def put(self, stream: str, kind: str, d: dict[str, Any], *,
            new: bool = False) -> dict[str, Any]:
        """Give ``d`` the next version (above any tombstone's) and queue it; returns ``d``.

        ``new`` skips the version lookup for entities known not to exist (bulk loads).
        """
        key = (stream, kind, d["id"])
        if new:
            self._versions.setdefault(key, 0)
        d["version"] = self.version_of(*key) + 1
        self._versions[key] = d["version"]
        try:  # never send clients what they would refuse
            COMMUNITY_VALIDATORS[kind](d)
        except ProtocolError as exc:
            raise ValueError(f"invalid {kind} {d['id']!r}: {exc}") from None
        self._pending.pop(key, None)
        self._pending[key] = d
        return d

    def tombstone(self, stream: str, kind: str, entity_id: str) -> int:
        """Queue a deletion; returns the version the tombstone keeps."""
        key = (stream, kind, entity_id)
        self._pending.pop(key, None)
        self._pending[key] = None
        return self.version_of(*key)

    def flush(self) -> None:
        """Write the queued rows: the seqs are allocated here, inside the caller's transaction."""
        by_stream: dict[str, list[tuple[str, str, dict[str, Any] | None]]] = {}
        for (stream, kind, entity_id), d in self._pending.items():
            by_stream.setdefault(stream, []).append((kind, entity_id, d))
        c = db.changelog.c
        for stream in sorted(by_stream):
            items = by_stream[stream]
            first = db.allocate_seqs(self.conn, stream, len(items))
            live = [(k, i, d) for k, i, d in items if d is not None]
            for kind in {k for k, _, _ in live}:
                ids = [i for k, i, _ in live if k == kind]
                for start in range(0, len(ids), 500):  # bounded IN lists
                    self.conn.execute(delete(db.changelog).where(
                        c.stream == stream, c.kind == kind,
                        c.entity_id.in_(ids[start:start + 500])))
            rows = []
            for n, (kind, entity_id, d) in enumerate(items):
                seq = first + n
                if d is None:
                    self.conn.execute(update(db.changelog).where(
                        c.stream == stream, c.kind == kind, c.entity_id == entity_id,
                    ).values(seq=seq, deleted=True, payload=None, changed_at=self.now))
                else:
                    rows.append({"stream": stream, "kind": kind, "entity_id": entity_id,
                                 "seq": seq, "version": d["version"], "deleted": False,
                                 "payload": payload(d), "changed_at": self.now})
            if rows:
                self.conn.execute(insert(db.changelog), rows)
        self._pending.clear()


def payload(d: Mapping[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def current_record(conn: Connection, stream: str, kind: str, entity_id: str
                   ) -> dict[str, Any] | None:
    """The record ``d`` clients hold for a live entity, straight from the log."""
    c = db.changelog.c
    text = conn.execute(select(c.payload).where(
        c.stream == stream, c.kind == kind, c.entity_id == entity_id,
        c.deleted == False)).scalar()  # noqa: E712 (SQL expression)
    return None if text is None else json.loads(text)


# ---- builders: table row -> record d (without version; ChangeSet.put sets it) ------------------


def profile_record(u: Row) -> dict[str, Any]:
    """Public profile fields only: never the login, password hash or tokens."""
    return {"id": u["id"], "display_name": u["display_name"], "school": u["school"],
            "municipality": u["municipality"], "region": u["region"], "role": u["role"],
            "created": u["created"], "modified": u["modified"]}


def association_record(a: Row) -> dict[str, Any]:
    return {k: a[k] for k in ("id", "name", "description", "kind", "visibility", "parent_id",
                              "region", "municipality", "topic", "created", "modified")}


def forum_record(f: Row) -> dict[str, Any]:
    return {k: f[k] for k in ("id", "association_id", "title", "description", "position",
                              "created", "modified")}


def thread_record(t: Row) -> dict[str, Any]:
    return {k: (bool(t[k]) if k in ("locked", "pinned") else t[k]) for k in (
        "id", "association_id", "forum_id", "author_id", "title", "first_post_id",
        "post_count", "last_post_at", "locked", "pinned", "created", "modified")}


def post_record(p: Row) -> dict[str, Any]:
    """A deleted or removed post keeps its place (and its moderation fields, so the author
    sees why) but not its text; the text stays on the portal, with its revisions."""
    gone = bool(p["deleted"]) or bool(p["removed"])
    return {
        "id": p["id"], "thread_id": p["thread_id"], "forum_id": p["forum_id"],
        "association_id": p["association_id"], "author_id": p["author_id"],
        "number": p["number"], "body_md": "" if gone else p["body_md"],
        "revision": p["revision"], "edited": p["edited"], "useful": p["useful"],
        "deleted": bool(p["deleted"]), "hidden": bool(p["hidden"]),
        "hidden_reason": p["hidden_reason"], "removed": bool(p["removed"]),
        "removed_reason": p["removed_reason"], "created": p["created"],
        "modified": p["modified"],
    }


def membership_record(m: Row) -> dict[str, Any]:
    return {"id": m["association_id"], "association_id": m["association_id"],
            "role": m["role"], "created": m["created"], "modified": m["modified"]}


def follow_record(target_kind: str, target_id: str, created: str) -> dict[str, Any]:
    return {"id": follow_id(target_kind, target_id), "target_kind": target_kind,
            "target_id": target_id, "created": created, "modified": created}


def read_position_record(thread_id: str, post_id: str, number: int, now: str) -> dict[str, Any]:
    return {"id": thread_id, "thread_id": thread_id, "post_id": post_id, "number": number,
            "modified": now}


def reaction_record(post_id: str, now: str) -> dict[str, Any]:
    return {"id": post_id, "post_id": post_id, "useful": True, "modified": now}
