"""The community on the desktop: local writes that go out through the outbox, the outbox
itself, drafts, and the reads the Discussions UI needs.

Every local write creates its local row AND its outbox op in one durable transaction
(synchronous=FULL), so when the method returns the UI may say "saved": a power cut after
that loses nothing, and the op reaches the portal on the next sync, exactly once (its
client-generated ``op_id`` is reused by every retry).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.community_apply import evict_stream, index_post, index_thread
from desktop.store.db import utc_now
from desktop.store.errors import StoreError
from desktop.store.search import match_expression
from desktop.store.types import Changes
from protocol.community import (
    DIRECTORY_STREAM,
    FOLLOW_TARGETS,
    MAX_BODY_MD,
    MAX_REASON,
    MAX_THREAD_TITLE,
    OP_FLAG,
    OP_FOLLOW_SET,
    OP_HIDE,
    OP_LOCK,
    OP_PIN,
    OP_POST_CREATE,
    OP_POST_DELETE,
    OP_POST_EDIT,
    OP_REACTION_SET,
    OP_READ_SET,
    OP_REMOVE,
    OP_THREAD_CREATE,
    OP_UNHIDE,
    OP_UNLOCK,
    OP_UNPIN,
    RESULT_APPLIED,
    RESULT_CONFLICT,
    RESULT_DUPLICATE,
    RESULT_REJECTED,
    assoc_stream,
    follow_id,
    stream_family,
    stream_owner,
    user_stream,
)
from protocol.wire import OpResult

OUTBOX_STATES = ("pending", "sent", "applied", "duplicate", "conflict", "rejected")
UNSENT_STATES = ("pending", "sent")  # still to be (re)sent; "sent" = no answer seen yet
DONE_STATES = ("applied", "duplicate")
FAILED_STATES = ("conflict", "rejected")
# Rejections the portal does not store: the same op may succeed later (protocol: "held").
HELD_REASONS = frozenset({"rate_limited", "op_id_taken"})


def new_id() -> str:
    """A client-generated id (op, thread, post): uuid4 hex matches the protocol's id rule."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class OutboxItem:
    local_order: int
    op_id: str
    type: str
    data: dict[str, Any]
    base_version: int | None
    depends_on: str | None
    state: str  # pending | sent | applied | duplicate | conflict | rejected
    result: dict[str, Any] | None  # the portal's op line (entity, current) once answered
    reason: str | None
    message: str | None
    created: str
    updated: str

    def wire(self) -> dict[str, Any]:
        """The op as sent in a sync request."""
        return {"op_id": self.op_id, "type": self.type, "data": self.data,
                "base_version": self.base_version, "depends_on": self.depends_on}


_OUTBOX_COLS = ("local_order, op_id, type, data, base_version, depends_on, state, result, "
                "reason, message, created, updated")


def _outbox_item(row: tuple) -> OutboxItem:
    return OutboxItem(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6],
                      json.loads(row[7]) if row[7] else None, row[8], row[9], row[10], row[11])


def _check_body(body_md: str) -> None:
    if not isinstance(body_md, str) or not body_md.strip():
        raise StoreError("the message is empty")
    if len(body_md) > MAX_BODY_MD:
        raise StoreError(f"the message is longer than {MAX_BODY_MD} characters")


def _row_dict(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


_THREAD_SELECT = (
    "SELECT t.rowid, t.id, t.association_id, t.forum_id, t.author_id, t.title, "
    "t.first_post_id, t.post_count, t.last_post_at, t.locked, t.pinned, t.created, "
    "t.modified, t.version, t.local, coalesce(rp.number, 0) AS read_number, "
    "max(t.post_count - coalesce(rp.number, 0), 0) AS unread "
    "FROM threads t LEFT JOIN read_positions rp ON rp.thread_id = t.id"
)
_POST_SELECT = (
    "SELECT p.rowid, p.id, p.thread_id, p.forum_id, p.association_id, p.author_id, p.number, "
    "p.body_md, p.local_body_md, p.revision, p.edited, p.useful, p.deleted, p.hidden, "
    "p.hidden_reason, p.removed, p.removed_reason, p.created, p.modified, p.version, p.local, "
    "coalesce(r.useful, 0) AS my_useful FROM posts p LEFT JOIN reactions r ON r.post_id = p.id"
)


class CommunityReads(ReaderBase):
    """Reads for the Discussions UI; rows are plain dicts (column name -> value)."""

    def _dicts(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        cur = self._conn.execute(sql, params)
        return [_row_dict(cur, row) for row in cur.fetchall()]

    def community_user(self) -> dict[str, Any] | None:
        """The signed-in user's profile as the portal sent it at sign-in, or None."""
        raw = self._meta("community_user")
        return json.loads(raw) if raw else None

    def associations(self) -> list[dict[str, Any]]:
        return self._dicts(
            "SELECT a.*, m.role AS my_role FROM associations a "
            "LEFT JOIN memberships m ON m.association_id = a.id ORDER BY a.name")

    def forums(self, association_id: str) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM forums WHERE association_id = ? "
                           "ORDER BY position, title", (association_id,))

    def profile(self, user_id: str) -> dict[str, Any] | None:
        rows = self._dicts("SELECT * FROM profiles WHERE id = ?", (user_id,))
        return rows[0] if rows else None

    def follows(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT id, target_kind, target_id FROM follows ORDER BY id")

    def memberships(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT association_id, role FROM memberships"))

    def threads(self, forum_id: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """A forum's threads, pinned first, then the user's unsent ones (newest written
        first: their times are the client's clock, which may be years off), then by latest
        post; with ``unread`` counts (posts after the read position: ``post_count -
        read_number``)."""
        return self._dicts(
            f"{_THREAD_SELECT} WHERE t.forum_id = ? "
            "ORDER BY t.pinned DESC, t.local DESC, CASE WHEN t.local THEN t.rowid END DESC, "
            "t.last_post_at DESC, t.rowid DESC LIMIT ? OFFSET ?",
            (forum_id, limit, offset))

    def thread(self, thread_id: str) -> dict[str, Any] | None:
        rows = self._dicts(f"{_THREAD_SELECT} WHERE t.id = ?", (thread_id,))
        return rows[0] if rows else None

    def unread_count(self, thread_id: str) -> int:
        row = self.thread(thread_id)
        return row["unread"] if row else 0

    def posts(self, thread_id: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """A thread's posts by number; unsent ones (no number yet) last, in writing order.
        ``local_body_md`` (when not None) is the user's unsent or conflicting edit."""
        return self._dicts(
            f"{_POST_SELECT} WHERE p.thread_id = ? "
            "ORDER BY p.number IS NULL, p.number, p.rowid LIMIT ? OFFSET ?",
            (thread_id, limit, offset))

    def post(self, post_id: str) -> dict[str, Any] | None:
        rows = self._dicts(f"{_POST_SELECT} WHERE p.id = ?", (post_id,))
        return rows[0] if rows else None

    def outbox(self, states: tuple[str, ...] | None = None) -> list[OutboxItem]:
        """Outbox items in the order they were written (and are sent)."""
        if states is None:
            rows = self._conn.execute(f"SELECT {_OUTBOX_COLS} FROM outbox ORDER BY local_order")
        else:
            rows = self._conn.execute(
                f"SELECT {_OUTBOX_COLS} FROM outbox WHERE state IN "
                "(SELECT value FROM json_each(?)) ORDER BY local_order", (json.dumps(states),))
        return [_outbox_item(r) for r in rows]

    def outbox_count(self, states: tuple[str, ...] = UNSENT_STATES) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN (SELECT value FROM json_each(?))",
            (json.dumps(states),)).fetchone()[0]

    def draft(self, key: str) -> dict[str, Any] | None:
        rows = self._dicts("SELECT key, title, body_md, updated FROM drafts WHERE key = ?", (key,))
        return rows[0] if rows else None

    def drafts(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT key, title, body_md, updated FROM drafts ORDER BY key")

    def search_discussions(self, query: str, limit: int = 100) -> list[dict[str, Any]]:
        """Posts and threads matching ``query`` (Russian morphology, as the library search).
        Each hit: ``{"kind": "post"|"thread", "id", "thread_id", "title", "body_md"}``,
        best first. Posts hidden or removed by a moderator are not searched."""
        match = match_expression(query)
        if match is None:
            return []
        hits = self._conn.execute(
            "SELECT rowid FROM discussion_fts WHERE discussion_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit)).fetchall()
        out: list[dict[str, Any]] = []
        for (fts_rowid,) in hits:
            rowid, is_thread = divmod(fts_rowid, 2)
            if is_thread:
                row = self._conn.execute(
                    "SELECT id, id, title, '' FROM threads WHERE rowid = ?", (rowid,)).fetchone()
            else:
                row = self._conn.execute(
                    "SELECT p.id, p.thread_id, coalesce(t.title, ''), "
                    "coalesce(p.local_body_md, p.body_md) FROM posts p "
                    "LEFT JOIN threads t ON t.id = p.thread_id "
                    "WHERE p.rowid = ? AND p.hidden = 0 AND p.removed = 0", (rowid,)).fetchone()
            if row is not None:
                out.append({"kind": "thread" if is_thread else "post", "id": row[0],
                            "thread_id": row[1], "title": row[2], "body_md": row[3]})
        return out

    def community_streams(self) -> list[str]:
        """Streams to follow: directory, the user's own, and every association the user is a
        member of or follows (the portal's ``/me`` list is merged in by sync)."""
        user = self.community_user()
        if user is None:
            return []
        streams = {DIRECTORY_STREAM, user_stream(user["id"])}
        streams.update(assoc_stream(a) for a in self.memberships())
        streams.update(assoc_stream(f["target_id"]) for f in self.follows()
                       if f["target_kind"] == "association")
        streams.update(s for s in self._extra_streams())
        return sorted(streams)

    def _extra_streams(self) -> list[str]:
        raw = self._meta("community_streams")
        return json.loads(raw) if raw else []


class CommunityWrites(WriterBase):
    """Local writes (each with its outbox op), outbox bookkeeping for sync, drafts."""

    # -- account --------------------------------------------------------------------------

    def set_community_user(self, user: dict[str, Any] | None,
                           streams: list[str] | None = None) -> Changes:
        """Remember who signed in (and the portal's suggested streams); None signs out.
        Signing out keeps the outbox: it is sent after the same user signs in again."""
        with self._write() as conn:
            self._set_meta(conn, "community_user", json.dumps(user) if user else None)
            if streams is not None or user is None:
                self._set_meta(conn, "community_streams",
                               json.dumps(sorted(set(streams or ()))) if user else None)
        return Changes(community=True, sync_state=True)

    def _author(self) -> str:
        raw = self._meta("community_user")
        if not raw:
            raise StoreError("sign in to the community first")
        return json.loads(raw)["id"]

    # -- outbox ---------------------------------------------------------------------------

    def _add_op(self, conn: sqlite3.Connection, op_type: str, data: dict[str, Any], *,
                base_version: int | None = None, depends_on: str | None = None) -> str:
        op_id = new_id()
        now = utc_now()
        conn.execute(
            "INSERT INTO outbox (op_id, user_id, type, data, base_version, depends_on, state, "
            "created, updated) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (op_id, self._author(), op_type, json.dumps(data, ensure_ascii=False),
             base_version, depends_on, now, now))
        return op_id

    @staticmethod
    def _op_state(conn: sqlite3.Connection, op_id: str) -> str | None:
        row = conn.execute("SELECT state FROM outbox WHERE op_id = ?", (op_id,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _last_unacknowledged_edit(conn: sqlite3.Connection, post_id: str
                                  ) -> tuple[str, str] | None:
        """(op_id, state) of our latest edit of ``post_id`` with no answer yet."""
        row = conn.execute(
            "SELECT op_id, state FROM outbox WHERE type = ? AND json_extract(data, '$.id') = ? "
            "AND state IN ('pending', 'sent') ORDER BY local_order DESC LIMIT 1",
            (OP_POST_EDIT, post_id)).fetchone()
        return (row[0], row[1]) if row else None

    def _creating_op(self, conn: sqlite3.Connection, op_type: str, entity_id: str) -> str | None:
        """The unsent op that creates ``entity_id`` locally: a child op depends on it."""
        row = conn.execute(
            "SELECT op_id FROM outbox WHERE type = ? AND json_extract(data, '$.id') = ? "
            "AND state IN ('pending', 'sent') ORDER BY local_order DESC LIMIT 1",
            (op_type, entity_id)).fetchone()
        return row[0] if row else None

    def ops_to_send(self, max_ops: int = 500, max_bytes: int = 900_000) -> list[OutboxItem]:
        """Unsent ops in writing order (parents before children), at most ``max_ops`` and
        ``max_bytes`` of JSON so the request stays under the portal's 1 MiB limit."""
        out: list[OutboxItem] = []
        size = 0
        user = self.community_user()
        if user is None:
            return out
        mine = {row[0] for row in self._conn.execute(
            "SELECT op_id FROM outbox WHERE user_id = ? AND state IN ('pending', 'sent')",
            (user["id"],))}
        for item in self.outbox(UNSENT_STATES):
            if item.op_id not in mine:
                continue  # another user's op: waits until that user signs in again
            cost = len(json.dumps(item.wire(), ensure_ascii=False).encode()) + 2
            if len(out) >= max_ops or (out and size + cost > max_bytes):
                break
            out.append(item)
            size += cost
        return out

    def mark_ops_sent(self, op_ids: list[str]) -> Changes:
        """Durably note that these ops went out (shown as "sent"; still resent until a result
        line arrives: the portal answers a repeat with ``duplicate``)."""
        with self._write() as conn:
            conn.executemany("UPDATE outbox SET state = 'sent', updated = ? "
                             "WHERE op_id = ? AND state = 'pending'",
                             [(utc_now(), i) for i in op_ids])
        return Changes(outbox=True)

    def record_op_results(self, results: list[OpResult]) -> Changes:
        """Store the portal's answers. Applied/duplicate are done; conflict and rejected stay
        visible with their reason; held rejections stay pending to be resent."""
        threads: set[str] = set()
        with self._write() as conn:
            for res in results:
                row = conn.execute("SELECT type, data, state FROM outbox WHERE op_id = ?",
                                   (res.op_id,)).fetchone()
                if row is None:
                    continue  # not ours (another copy of the outbox): nothing to record
                op_type, data = row[0], json.loads(row[1])
                state = res.result
                if res.result == RESULT_REJECTED and self._held(conn, res):
                    state = "pending"
                result = {"entity": res.entity, "current": res.current}
                conn.execute(
                    "UPDATE outbox SET state = ?, result = ?, reason = ?, message = ?, "
                    "updated = ? WHERE op_id = ?",
                    (state, json.dumps(result, ensure_ascii=False), res.reason, res.message,
                     utc_now(), res.op_id))
                if op_type == OP_POST_EDIT and state in DONE_STATES:
                    # The portal has the text now; its record (arriving in the pages) is
                    # authoritative. Clear only if no newer local edit replaced it.
                    conn.execute("UPDATE posts SET local_body_md = NULL WHERE id = ? "
                                 "AND local_body_md = ?", (data["id"], data["body_md"]))
                thread = data.get("thread_id") or (
                    data.get("id") if op_type == OP_THREAD_CREATE else None)
                if thread is None and "id" in data:
                    found = conn.execute("SELECT thread_id FROM posts WHERE id = ?",
                                         (data["id"],)).fetchone()
                    thread = found[0] if found else None
                if thread:
                    threads.add(thread)
        return Changes(outbox=True, threads=frozenset(threads))

    def _held(self, conn: sqlite3.Connection, res: OpResult) -> bool:
        if res.reason in HELD_REASONS:
            return True
        if res.reason == "parent_failed":
            # Held when the portal has not seen the parent yet and ours is still unsent.
            parent = conn.execute(
                "SELECT p.state FROM outbox c JOIN outbox p ON p.op_id = c.depends_on "
                "WHERE c.op_id = ?", (res.op_id,)).fetchone()
            return parent is not None and parent[0] in UNSENT_STATES
        return False

    def discard_op(self, op_id: str) -> Changes:
        """The user dismisses a failed (conflict/rejected) item; nothing else is removable."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM outbox WHERE op_id = ? AND state IN "
                               "('conflict', 'rejected', 'applied', 'duplicate')", (op_id,))
            if cur.rowcount == 0:
                raise StoreError("only a sent or failed outbox item can be dismissed")
        return Changes(outbox=True)

    # -- local writes ---------------------------------------------------------------------

    def create_thread(self, forum_id: str, title: str, body_md: str) -> tuple[str, str, Changes]:
        """A new thread with its first post, written offline. Returns (thread_id, op_id,
        changes); the first post's id is ``<thread_id>.1`` as on the portal."""
        title = title.strip() if isinstance(title, str) else ""
        if not title or len(title) > MAX_THREAD_TITLE:
            raise StoreError(f"a thread needs a title of 1 to {MAX_THREAD_TITLE} characters")
        _check_body(body_md)
        thread_id = new_id()
        post_id = f"{thread_id}.1"
        with self._write() as conn:
            forum = conn.execute("SELECT association_id FROM forums WHERE id = ?",
                                 (forum_id,)).fetchone()
            if forum is None:
                raise StoreError(f"there is no forum {forum_id!r:.60} in this replica")
            now = utc_now()
            author = self._author()
            conn.execute(
                "INSERT INTO threads (id, association_id, forum_id, author_id, title, "
                "first_post_id, post_count, last_post_at, created, modified, version, seq, "
                "local) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0, 0, 1)",
                (thread_id, forum[0], forum_id, author, title, post_id, now, now, now))
            rowid = conn.execute("SELECT rowid FROM threads WHERE id = ?", (thread_id,)).fetchone()
            index_thread(conn, rowid[0], title)
            self._insert_local_post(conn, post_id, thread_id, forum_id, forum[0], body_md)
            op_id = self._add_op(conn, OP_THREAD_CREATE, {
                "id": thread_id, "forum_id": forum_id, "title": title, "body_md": body_md,
                "post_id": post_id})
        return thread_id, op_id, Changes(threads=frozenset({thread_id}), outbox=True)

    def _insert_local_post(self, conn: sqlite3.Connection, post_id: str, thread_id: str,
                           forum_id: str, association_id: str, body_md: str) -> None:
        now = utc_now()
        conn.execute(
            "INSERT INTO posts (id, thread_id, forum_id, association_id, author_id, number, "
            "body_md, created, modified, version, seq, local) "
            "VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 0, 0, 1)",
            (post_id, thread_id, forum_id, association_id, self._author(), body_md, now, now))
        rowid = conn.execute("SELECT rowid FROM posts WHERE id = ?", (post_id,)).fetchone()[0]
        index_post(conn, rowid, body_md)

    def write_reply(self, thread_id: str, body_md: str) -> tuple[str, str, Changes]:
        """A reply written offline. Returns (post_id, op_id, changes)."""
        _check_body(body_md)
        post_id = new_id()
        with self._write() as conn:
            thread = conn.execute("SELECT forum_id, association_id, locked FROM threads "
                                  "WHERE id = ?", (thread_id,)).fetchone()
            if thread is None:
                raise StoreError(f"there is no thread {thread_id!r:.60} in this replica")
            self._insert_local_post(conn, post_id, thread_id, thread[0], thread[1], body_md)
            op_id = self._add_op(conn, OP_POST_CREATE,
                                 {"id": post_id, "thread_id": thread_id, "body_md": body_md},
                                 depends_on=self._creating_op(conn, OP_THREAD_CREATE, thread_id))
        return post_id, op_id, Changes(threads=frozenset({thread_id}), outbox=True)

    def edit_post(self, post_id: str, body_md: str,
                  base_version: int | None = None) -> tuple[str, Changes]:
        """Edit one's own post offline; the op carries the version the edit was based on
        (``base_version`` overrides it: resolving a conflict by keeping the local text
        passes the portal's version). Returns (op_id, changes)."""
        _check_body(body_md)
        with self._write() as conn:
            row = conn.execute("SELECT thread_id, version, local FROM posts WHERE id = ?",
                               (post_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no post {post_id!r:.60} in this replica")
            thread_id, version, local = row
            # Our own acknowledged create/edit may be newer than the row: its answer arrived
            # but the post's record did not (a cut after the op lines). Base on that version,
            # or the portal answers "conflict" against the user's own earlier edit.
            acked = conn.execute(
                "SELECT max(CAST(json_extract(result, '$.entity.version') AS INTEGER)) "
                "FROM outbox WHERE type IN (?, ?) AND json_extract(data, '$.id') = ? "
                "AND state IN ('applied', 'duplicate')",
                (OP_POST_CREATE, OP_POST_EDIT, post_id)).fetchone()[0]
            version = max(version, acked or 0)
            parent = self._creating_op(conn, OP_POST_CREATE, post_id)
            previous = self._last_unacknowledged_edit(conn, post_id)
            if local and parent is not None and self._op_state(conn, parent) == "pending":
                # Not sent yet: change the unsent create op instead of queueing an edit.
                conn.execute("UPDATE outbox SET data = json_set(data, '$.body_md', ?), "
                             "updated = ? WHERE op_id = ?", (body_md, utc_now(), parent))
                conn.execute("UPDATE posts SET body_md = ? WHERE id = ?", (body_md, post_id))
                op_id = parent
            elif previous is not None and previous[1] == "pending" and base_version is None:
                # A second offline edit: fold it into the first one, never sent yet.
                conn.execute("UPDATE outbox SET data = json_set(data, '$.body_md', ?), "
                             "updated = ? WHERE op_id = ?", (body_md, utc_now(), previous[0]))
                conn.execute("UPDATE posts SET local_body_md = ? WHERE id = ?",
                             (body_md, post_id))
                op_id = previous[0]
            else:
                conn.execute("UPDATE posts SET local_body_md = ? WHERE id = ?",
                             (body_md, post_id))
                # Chained after our own unacknowledged create/edit: the portal takes that op's
                # resulting version as the base (the create may already be on the portal).
                chain = previous[0] if previous is not None else parent
                op_id = self._add_op(conn, OP_POST_EDIT, {"id": post_id, "body_md": body_md},
                                     base_version=base_version or max(version, 1),
                                     depends_on=chain)
            rowid = conn.execute("SELECT rowid FROM posts WHERE id = ?", (post_id,)).fetchone()[0]
            index_post(conn, rowid, body_md)
        return op_id, Changes(threads=frozenset({thread_id}), outbox=True)

    def set_reaction(self, post_id: str, useful: bool) -> tuple[str, Changes]:
        with self._write() as conn:
            row = conn.execute("SELECT thread_id FROM posts WHERE id = ?", (post_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no post {post_id!r:.60} in this replica")
            if useful:
                conn.execute("INSERT INTO reactions (post_id, useful, version, seq) "
                             "VALUES (?, 1, 0, 0) ON CONFLICT (post_id) DO UPDATE SET useful = 1",
                             (post_id,))
            else:
                conn.execute("DELETE FROM reactions WHERE post_id = ?", (post_id,))
            op_id = self._add_op(conn, OP_REACTION_SET, {"post_id": post_id, "useful": useful})
        return op_id, Changes(threads=frozenset({row[0]}), outbox=True)

    def flag_post(self, post_id: str, reason: str) -> tuple[str, Changes]:
        """Ask the association's moderators to look at someone else's post (op
        ``post.flag``; private to the moderators, nothing changes locally). A second flag
        of the same post before a sync replaces the unsent one's reason. Returns
        (op_id, changes)."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise StoreError("a complaint needs a reason")
        if len(reason) > MAX_REASON:
            raise StoreError(f"the reason is longer than {MAX_REASON} characters")
        with self._write() as conn:
            row = conn.execute("SELECT thread_id, author_id, number FROM posts WHERE id = ?",
                               (post_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no post {post_id!r:.60} in this replica")
            if row[1] == self._author():
                raise StoreError("you cannot complain about your own post")
            if row[2] is None:
                raise StoreError("the post is not on the portal yet")
            pending = conn.execute(
                "SELECT op_id FROM outbox WHERE type = ? AND state = 'pending' AND "
                "json_extract(data, '$.post_id') = ? ORDER BY local_order DESC LIMIT 1",
                (OP_FLAG, post_id)).fetchone()
            if pending is not None:
                conn.execute("UPDATE outbox SET data = json_set(data, '$.reason', ?), "
                             "updated = ? WHERE op_id = ?", (reason, utc_now(), pending[0]))
                op_id = pending[0]
            else:
                op_id = self._add_op(conn, OP_FLAG, {"post_id": post_id, "reason": reason})
        return op_id, Changes(threads=frozenset({row[0]}), outbox=True)

    def mark_read(self, thread_id: str, post_id: str) -> tuple[str | None, Changes]:
        """"Read up to" ``post_id`` (a numbered post). Only moves forward; returns
        (None, Changes()) when the position would not advance."""
        with self._write() as conn:
            post = conn.execute("SELECT number FROM posts WHERE id = ? AND thread_id = ?",
                                (post_id, thread_id)).fetchone()
            if post is None or post[0] is None:
                raise StoreError("only a post the portal has numbered can be marked read")
            old = conn.execute("SELECT number FROM read_positions WHERE thread_id = ?",
                               (thread_id,)).fetchone()
            if old is not None and old[0] >= post[0]:
                return None, Changes()
            conn.execute(
                "INSERT INTO read_positions (thread_id, post_id, number, version, seq) "
                "VALUES (?, ?, ?, 0, 0) ON CONFLICT (thread_id) DO UPDATE SET "
                "post_id = excluded.post_id, number = excluded.number",
                (thread_id, post_id, post[0]))
            # Several marks before a sync need only the latest: drop older unsent ones.
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.thread_id') = ?", (OP_READ_SET, thread_id))
            op_id = self._add_op(conn, OP_READ_SET, {"thread_id": thread_id, "post_id": post_id})
        return op_id, Changes(threads=frozenset({thread_id}), outbox=True)

    def follow(self, target_kind: str, target_id: str, on: bool) -> tuple[str, Changes]:
        if target_kind not in FOLLOW_TARGETS:
            raise StoreError(f"cannot follow a {target_kind!r:.40}")
        fid = follow_id(target_kind, target_id)
        with self._write() as conn:
            if on:
                conn.execute("INSERT INTO follows (id, target_kind, target_id, version, seq) "
                             "VALUES (?, ?, ?, 0, 0) ON CONFLICT (id) DO NOTHING",
                             (fid, target_kind, target_id))
            else:
                conn.execute("DELETE FROM follows WHERE id = ?", (fid,))
            op_id = self._add_op(conn, OP_FOLLOW_SET,
                                 {"target_kind": target_kind, "target_id": target_id, "on": on})
        return op_id, Changes(community=True, outbox=True)

    def delete_post(self, post_id: str) -> tuple[str, Changes]:
        """The author deletes a post (soft: it keeps its place, ``deleted`` set)."""
        with self._write() as conn:
            row = conn.execute("SELECT thread_id FROM posts WHERE id = ?", (post_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no post {post_id!r:.60} in this replica")
            conn.execute("UPDATE posts SET deleted = 1 WHERE id = ?", (post_id,))
            op_id = self._add_op(conn, OP_POST_DELETE, {"id": post_id},
                                 depends_on=self._creating_op(conn, OP_POST_CREATE, post_id))
        return op_id, Changes(threads=frozenset({row[0]}), outbox=True)

    def moderate_post(self, post_id: str, action: str, reason: str | None = None
                      ) -> tuple[str, Changes]:
        """``action``: hide, unhide or remove (remove needs a reason). Moderation fields are
        the portal's to set: nothing changes locally until its record arrives (a refused op
        must not leave a post looking hidden)."""
        op_type = {"hide": OP_HIDE, "unhide": OP_UNHIDE, "remove": OP_REMOVE}.get(action)
        if op_type is None:
            raise StoreError(f"unknown moderation action {action!r:.40}")
        if action == "remove" and not (reason or "").strip():
            raise StoreError("removing a post needs a reason")
        data: dict[str, Any] = {"post_id": post_id}
        if reason:
            data["reason"] = reason[:MAX_REASON]
        with self._write() as conn:
            row = conn.execute("SELECT thread_id FROM posts WHERE id = ?", (post_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no post {post_id!r:.60} in this replica")
            op_id = self._add_op(conn, op_type, data)
        return op_id, Changes(threads=frozenset({row[0]}), outbox=True)

    def moderate_thread(self, thread_id: str, action: str) -> tuple[str, Changes]:
        """``action``: lock, unlock, pin or unpin (applied when the portal's record comes)."""
        op_type = {"lock": OP_LOCK, "unlock": OP_UNLOCK, "pin": OP_PIN,
                   "unpin": OP_UNPIN}.get(action)
        if op_type is None:
            raise StoreError(f"unknown moderation action {action!r:.40}")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is None:
                raise StoreError(f"there is no thread {thread_id!r:.60} in this replica")
            op_id = self._add_op(conn, op_type, {"thread_id": thread_id})
        return op_id, Changes(threads=frozenset({thread_id}), outbox=True)

    # -- drafts (local only) --------------------------------------------------------------

    def save_draft(self, key: str, body_md: str, title: str = "") -> Changes:
        """Autosave of a compose box; ``key`` names what it answers (e.g. ``reply:<thread>``
        or ``thread:<forum>``). An empty draft is deleted."""
        with self._write() as conn:
            if not body_md.strip() and not title.strip():
                conn.execute("DELETE FROM drafts WHERE key = ?", (key,))
            else:
                conn.execute("INSERT INTO drafts (key, title, body_md, updated) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                             "title = excluded.title, body_md = excluded.body_md, "
                             "updated = excluded.updated", (key, title, body_md, utc_now()))
        return Changes(drafts=True)

    def delete_draft(self, key: str) -> Changes:
        return self.save_draft(key, "")

    # -- streams --------------------------------------------------------------------------

    def evict_community_stream(self, stream: str, *, unfollow: bool = True) -> Changes:
        """Forget a stream's data and cursor; with ``unfollow`` also stop following it
        (403/404 from the portal, or the user left). ``unfollow=False`` is a resync (409):
        the stream is fetched again from cursor 0. Unsent local posts and the outbox stay."""
        family = stream_family(stream)
        if family not in ("directory", "assoc", "user"):
            raise StoreError(f"{stream!r:.60} is not a community stream")
        with self._write() as conn:
            owner = stream_owner(stream) if family != "directory" else ""
            evict_stream(conn, stream, family, owner)
            if not unfollow:
                return Changes(community=True, sync_state=True)
            extra = [s for s in json.loads(self._meta("community_streams") or "[]")
                     if s != stream]
            self._set_meta(conn, "community_streams", json.dumps(extra))
            if family == "assoc":
                conn.execute("DELETE FROM follows WHERE target_kind = 'association' "
                             "AND target_id = ?", (owner,))
                conn.execute("DELETE FROM memberships WHERE association_id = ?", (owner,))
        return Changes(community=True, sync_state=True)


__all__ = ["CommunityReads", "CommunityWrites", "OutboxItem", "OUTBOX_STATES", "RESULT_APPLIED",
           "RESULT_CONFLICT", "RESULT_DUPLICATE", "new_id"]
