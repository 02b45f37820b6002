"""Consultations, the association calendar and contribution levels on the desktop: local
writes that go out through the outbox (each with its op, in one durable transaction, as
in :mod:`desktop.store.community`), and the reads the Consultations, Events and Leaders
pages need.

    question_id, op_id, changes = store.ask_question("reg-45", "catalog", "Как списать…", "…")
    store.write_answer(question_id, "Ответ")          # depends on the unsent question op
    store.accept_answer(question_id, answer_id)        # the portal decides; see pending_accept
    n = store.take_answer_notices()                    # after a sync: "n of your questions…"
    store.mark_event("ev-0001", True, remind_minutes=60)
    store.due_reminders(now)                           # now: an injected clock (UTC)

Writes raise ``StoreError`` (plain English) and write nothing for bad input.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.errors import StoreError
from desktop.store.types import Changes
from protocol.community import MAX_BODY_MD, MAX_THREAD_TITLE
from protocol.consultations import (
    CATEGORIES,
    DEFAULT_REMIND_MINUTES,
    EVENT_KINDS,
    MAX_REMIND_MINUTES,
    OP_ANSWER_ACCEPT,
    OP_ANSWER_CREATE,
    OP_EVENT_CANCEL,
    OP_EVENT_CREATE,
    OP_EVENT_MARK,
    OP_LEVEL_GRANT,
    OP_QUESTION_ASK,
    validate_event_time,
)
from protocol.wire import ProtocolError

_STAMP = "%Y-%m-%dT%H:%M:%SZ"

_QUESTION_SELECT = (
    "SELECT q.rowid, q.id, q.association_id, q.author_id, q.category, q.title, q.body_md, "
    "q.status, q.answer_count, q.accepted_answer_id, q.last_answer_at, q.created, "
    "q.modified, q.version, q.local, q.answers_seen, "
    "max(q.answer_count - q.answers_seen, 0) AS unseen, "
    "coalesce(p.display_name, '') AS author_name, coalesce(l.level, 0) AS author_level, "
    "coalesce(a.name, '') AS association_name "
    "FROM questions q LEFT JOIN profiles p ON p.id = q.author_id "
    "LEFT JOIN levels l ON l.association_id = q.association_id AND l.user_id = q.author_id "
    "LEFT JOIN associations a ON a.id = q.association_id"
)
_ANSWER_SELECT = (
    "SELECT an.rowid, an.id, an.question_id, an.association_id, an.author_id, an.body_md, "
    "an.accepted, an.created, an.modified, an.version, an.local, "
    "coalesce(p.display_name, '') AS author_name, coalesce(l.level, 0) AS author_level "
    "FROM answers an LEFT JOIN profiles p ON p.id = an.author_id "
    "LEFT JOIN levels l ON l.association_id = an.association_id AND l.user_id = an.author_id"
)
_EVENT_SELECT = (
    "SELECT e.*, coalesce(a.name, '') AS association_name, "
    "(em.event_id IS NOT NULL) AS marked, em.remind_minutes "
    "FROM events e LEFT JOIN event_marks em ON em.event_id = e.id "
    "LEFT JOIN associations a ON a.id = e.association_id"
)


def _dicts(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime(_STAMP)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"the {what} is empty")
    if len(value) > limit:
        raise StoreError(f"the {what} is longer than {limit} characters")
    return value


class ConsultReads(ReaderBase):
    """Reads for the Consultations, Events and Leaders pages (rows are plain dicts)."""

    def _me(self) -> str | None:
        raw = self._meta("community_user")
        return json.loads(raw)["id"] if raw else None

    # -- consultations ------------------------------------------------------------------

    def questions(self, association_id: str | None = None, *, mine: bool = False,
                  status: str | None = None, category: str | None = None, offset: int = 0,
                  limit: int = 100) -> list[dict[str, Any]]:
        """Questions, newest first (unsent ones first of all); ``mine`` = asked by the
        signed-in user. Each row has ``unseen`` (answers not opened yet), ``author_name``,
        ``author_level`` (in the question's association) and ``association_name``."""
        where, params = ["1"], []
        if association_id is not None:
            where.append("q.association_id = ?")
            params.append(association_id)
        if mine:
            where.append("q.author_id = ?")
            params.append(self._me() or "")
        if status is not None:
            where.append("q.status = ?")
            params.append(status)
        if category is not None:
            where.append("q.category = ?")
            params.append(category)
        return self._mine(_dicts(
            self._conn, f"{_QUESTION_SELECT} WHERE {' AND '.join(where)} "
            "ORDER BY q.local DESC, CASE WHEN q.local THEN q.rowid END DESC, "
            "q.created DESC, q.rowid DESC LIMIT ? OFFSET ?",  # portal clock: synced rows only
            (*params, limit, offset)))

    def question(self, question_id: str) -> dict[str, Any] | None:
        rows = self._mine(_dicts(self._conn, f"{_QUESTION_SELECT} WHERE q.id = ?",
                                 (question_id,)))
        return rows[0] if rows else None

    def _mine(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        me = self._me()
        for r in rows:
            r["mine"] = me is not None and r["author_id"] == me
        return rows

    def answers(self, question_id: str) -> list[dict[str, Any]]:
        """A question's answers in the order written; unsent ones last."""
        return _dicts(self._conn, f"{_ANSWER_SELECT} WHERE an.question_id = ? "
                      "ORDER BY an.local, CASE WHEN an.local THEN an.rowid END, "
                      "an.created, an.rowid",  # portal clock: synced rows only
                      (question_id,))

    def pending_accept(self, question_id: str) -> str | None:
        """The answer the user accepted offline (op not answered yet), or None."""
        row = self._conn.execute(
            "SELECT json_extract(data, '$.answer_id') FROM outbox WHERE type = ? AND "
            "json_extract(data, '$.question_id') = ? AND state IN ('pending', 'sent') "
            "ORDER BY local_order DESC LIMIT 1", (OP_ANSWER_ACCEPT, question_id)).fetchone()
        return row[0] if row else None

    def unseen_answered_count(self) -> int:
        """My questions with answers I have not opened yet (the page's badge)."""
        me = self._me()
        if me is None:
            return 0
        return self._conn.execute(
            "SELECT count(*) FROM questions WHERE author_id = ? AND status = 'answered' AND "
            "answer_count > answers_seen", (me,)).fetchone()[0]

    def methodologist_of(self, association_id: str) -> bool:
        """Whether the signed-in user may accept any answer there (moderator, coordinator,
        or a portal-wide moderator or administrator)."""
        raw = self._meta("community_user")
        user = json.loads(raw) if raw else {}
        if user.get("role") in ("moderator", "administrator"):
            return True
        row = self._conn.execute("SELECT role FROM memberships WHERE association_id = ?",
                                 (association_id,)).fetchone()
        return bool(row and row[0] in ("moderator", "coordinator"))

    def coordinator_of(self, association_id: str) -> bool:
        raw = self._meta("community_user")
        user = json.loads(raw) if raw else {}
        if user.get("role") == "administrator":
            return True
        row = self._conn.execute("SELECT role FROM memberships WHERE association_id = ?",
                                 (association_id,)).fetchone()
        return bool(row and row[0] == "coordinator")

    # -- events -------------------------------------------------------------------------

    def events(self, *, association_id: str | None = None, since: str | None = None,
               marked_only: bool = False, limit: int = 500) -> list[dict[str, Any]]:
        """Events by start time (``since``: UTC stamp; events ending before it are left
        out). Each row has ``marked`` and ``remind_minutes`` (None when not marked)."""
        where, params = ["1"], []
        if association_id is not None:
            where.append("e.association_id = ?")
            params.append(association_id)
        if since is not None:
            where.append("e.ends >= ?")
            params.append(since)
        if marked_only:
            where.append("em.event_id IS NOT NULL")
        return _dicts(self._conn, f"{_EVENT_SELECT} WHERE {' AND '.join(where)} "
                      "ORDER BY e.starts, e.id LIMIT ?", (*params, limit))

    def event(self, event_id: str) -> dict[str, Any] | None:
        rows = _dicts(self._conn, f"{_EVENT_SELECT} WHERE e.id = ?", (event_id,))
        return rows[0] if rows else None

    def due_reminders(self, now: datetime) -> list[dict[str, Any]]:
        """Marked, not cancelled events starting within their reminder time of ``now``
        (an aware datetime from the caller's clock) whose reminder has not been shown."""
        stamp = _stamp(now)
        rows = _dicts(self._conn,
                      f"{_EVENT_SELECT} WHERE em.event_id IS NOT NULL AND e.cancelled = 0 "
                      "AND e.starts > ? AND NOT EXISTS (SELECT 1 FROM reminders_shown r "
                      "WHERE r.event_id = e.id AND r.starts = e.starts) ORDER BY e.starts",
                      (stamp,))
        return [r for r in rows
                if _parse(r["starts"]) - timedelta(minutes=r["remind_minutes"] or 0) <= now]

    # -- leaders ------------------------------------------------------------------------

    def leaders(self, association_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The association's members by rank, with ``display_name`` and ``sources``."""
        rows = _dicts(self._conn,
                      "SELECT l.user_id, l.level, l.score, l.rank, l.granted, l.sources, "
                      "coalesce(p.display_name, l.user_id) AS display_name, "
                      "coalesce(p.school, '') AS school FROM levels l "
                      "LEFT JOIN profiles p ON p.id = l.user_id WHERE l.association_id = ? "
                      "ORDER BY l.rank, l.user_id LIMIT ?", (association_id, limit))
        for r in rows:
            r["sources"] = json.loads(r["sources"] or "{}")
        return rows

    def member_levels(self, user_id: str) -> dict[str, int]:
        """A member's level in every association this replica holds: {association_id: n}."""
        return dict(self._conn.execute(
            "SELECT association_id, level FROM levels WHERE user_id = ?", (user_id,)))

    def author_levels(self, association_id: str) -> dict[str, int]:
        """{user_id: level} for one association (for author names in threads)."""
        return dict(self._conn.execute(
            "SELECT user_id, level FROM levels WHERE association_id = ?", (association_id,)))


class ConsultWrites(WriterBase):
    """Local writes of consultations and events; each with its outbox op (``_add_op`` and
    ``_creating_op`` come from CommunityWrites, which ``Store`` also inherits)."""

    _add_op: Any
    _creating_op: Any
    _author: Any

    def ask_question(self, association_id: str, category: str, title: str,
                     body_md: str) -> tuple[str, str, Changes]:
        """A question to the association's methodologists, written offline. Returns
        (question_id, op_id, changes)."""
        from desktop.store.community import new_id

        if category not in CATEGORIES:
            raise StoreError(f"unknown question category {category!r:.40}")
        title = _text(title.strip() if isinstance(title, str) else "", "question title",
                      MAX_THREAD_TITLE)
        body_md = _text(body_md, "question", MAX_BODY_MD)
        question_id = new_id()
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM associations WHERE id = ?",
                            (association_id,)).fetchone() is None:
                raise StoreError(f"there is no association {association_id!r:.60} here")
            now = _stamp(datetime.now(UTC))  # display only; the portal stamps its own
            author = self._author()
            conn.execute(
                "INSERT INTO questions (id, association_id, author_id, category, title, "
                "body_md, status, answer_count, created, modified, version, seq, local) "
                "VALUES (?, ?, ?, ?, ?, ?, 'open', 0, ?, ?, 0, 0, 1)",
                (question_id, association_id, author, category, title, body_md, now, now))
            op_id = self._add_op(conn, OP_QUESTION_ASK, {
                "id": question_id, "association_id": association_id, "category": category,
                "title": title, "body_md": body_md})
        return question_id, op_id, Changes(community=True, outbox=True)

    def write_answer(self, question_id: str, body_md: str) -> tuple[str, str, Changes]:
        """An answer written offline. Returns (answer_id, op_id, changes)."""
        from desktop.store.community import new_id

        body_md = _text(body_md, "answer", MAX_BODY_MD)
        answer_id = new_id()
        with self._write() as conn:
            q = conn.execute("SELECT association_id FROM questions WHERE id = ?",
                             (question_id,)).fetchone()
            if q is None:
                raise StoreError(f"there is no question {question_id!r:.60} here")
            now = _stamp(datetime.now(UTC))
            conn.execute(
                "INSERT INTO answers (id, question_id, association_id, author_id, body_md, "
                "accepted, created, modified, version, seq, local) "
                "VALUES (?, ?, ?, ?, ?, 0, ?, ?, 0, 0, 1)",
                (answer_id, question_id, q[0], self._author(), body_md, now, now))
            op_id = self._add_op(conn, OP_ANSWER_CREATE,
                                 {"id": answer_id, "question_id": question_id,
                                  "body_md": body_md},
                                 depends_on=self._creating_op(conn, OP_QUESTION_ASK,
                                                              question_id))
        return answer_id, op_id, Changes(community=True, outbox=True)

    def accept_answer(self, question_id: str, answer_id: str) -> tuple[str, Changes]:
        """Accept an answer (the asker or a methodologist). The portal decides: nothing
        changes locally until its records arrive; :meth:`pending_accept` shows the choice
        meanwhile."""
        with self._write() as conn:
            row = conn.execute("SELECT question_id FROM answers WHERE id = ?",
                               (answer_id,)).fetchone()
            if row is None or row[0] != question_id:
                raise StoreError("that answer does not belong to this question")
            # A newer choice before a sync replaces the older unsent one.
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.question_id') = ?",
                         (OP_ANSWER_ACCEPT, question_id))
            op_id = self._add_op(conn, OP_ANSWER_ACCEPT,
                                 {"question_id": question_id, "answer_id": answer_id},
                                 depends_on=self._creating_op(conn, OP_ANSWER_CREATE,
                                                              answer_id))
        return op_id, Changes(community=True, outbox=True)

    def mark_answers_seen(self, question_id: str) -> Changes:
        """The user opened the question: its answers so far are seen (local only)."""
        with self._write() as conn:
            cur = conn.execute("UPDATE questions SET answers_seen = answer_count, "
                               "answers_notified = max(answers_notified, answer_count) "
                               "WHERE id = ? AND answers_seen < answer_count", (question_id,))
        return Changes(community=True) if cur.rowcount else Changes()

    def take_answer_notices(self) -> int:
        """After a sync: how many of my questions got answers (from someone else) that no
        earlier sync reported and I have not opened; they are reported once."""
        with self._write() as conn:
            raw = conn.execute("SELECT value FROM meta WHERE key = 'community_user'").fetchone()
            if not raw:
                return 0
            me = json.loads(raw[0])["id"]
            ids = [r[0] for r in conn.execute(
                "SELECT q.id FROM questions q WHERE q.author_id = ? AND q.status = 'answered' "
                "AND q.answers_notified < q.answer_count AND q.answers_seen < q.answer_count "
                "AND EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND "
                "a.author_id != ? AND a.local = 0)", (me, me))]
            conn.executemany("UPDATE questions SET answers_notified = answer_count WHERE id = ?",
                             [(i,) for i in ids])
        return len(ids)

    # -- events -------------------------------------------------------------------------

    def create_event(self, association_id: str, kind: str, title: str, starts: str,
                     ends: str, description: str = "", location: str = "",
                     url: str = "") -> tuple[str, str, Changes]:
        """A coordinator's new event (times: UTC stamps). Returns (event_id, op_id, changes)."""
        from desktop.store.community import new_id

        if kind not in EVENT_KINDS:
            raise StoreError(f"unknown event kind {kind!r:.40}")
        title = _text(title.strip() if isinstance(title, str) else "", "event title",
                      MAX_THREAD_TITLE)
        try:
            validate_event_time(starts, "starts")
            validate_event_time(ends, "ends")
        except ProtocolError as exc:
            raise StoreError(str(exc)) from None
        if ends < starts:
            raise StoreError("the event ends before it starts")
        if url and not url.startswith(("https://", "http://")):
            raise StoreError("the event's address must start with https://")
        event_id = new_id()
        data = {"id": event_id, "association_id": association_id, "kind": kind,
                "title": title, "starts": starts, "ends": ends, "description": description,
                "location": location, "url": url}
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM associations WHERE id = ?",
                            (association_id,)).fetchone() is None:
                raise StoreError(f"there is no association {association_id!r:.60} here")
            conn.execute(
                "INSERT INTO events (id, association_id, author_id, kind, title, description, "
                "location, url, starts, ends, cancelled, version, seq, local) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 1)",
                (event_id, association_id, self._author(), kind, title, description,
                 location, url, starts, ends))
            op_id = self._add_op(conn, OP_EVENT_CREATE, data)
        return event_id, op_id, Changes(community=True, outbox=True)

    def cancel_event(self, event_id: str) -> tuple[str, Changes]:
        """Cancel an event (coordinators; applied when the portal's record comes)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
                raise StoreError(f"there is no event {event_id!r:.60} here")
            op_id = self._add_op(conn, OP_EVENT_CANCEL, {"event_id": event_id},
                                 depends_on=self._creating_op(conn, OP_EVENT_CREATE, event_id))
        return op_id, Changes(community=True, outbox=True)

    def mark_event(self, event_id: str, on: bool,
                   remind_minutes: int = DEFAULT_REMIND_MINUTES) -> tuple[str, Changes]:
        """Mark an event ("remind me ``remind_minutes`` before it starts") or unmark it."""
        if not 0 <= int(remind_minutes) <= MAX_REMIND_MINUTES:
            raise StoreError("a reminder can be at most a week before the event")
        with self._write() as conn:
            row = conn.execute("SELECT association_id FROM events WHERE id = ?",
                               (event_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no event {event_id!r:.60} here")
            if on:
                conn.execute(
                    "INSERT INTO event_marks (event_id, association_id, remind_minutes, "
                    "version, seq) VALUES (?, ?, ?, 0, 0) ON CONFLICT (event_id) DO UPDATE "
                    "SET remind_minutes = excluded.remind_minutes",
                    (event_id, row[0], int(remind_minutes)))
            else:
                conn.execute("DELETE FROM event_marks WHERE event_id = ?", (event_id,))
            # Only the latest choice matters: drop older unsent marks of this event.
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.event_id') = ?", (OP_EVENT_MARK, event_id))
            op_id = self._add_op(conn, OP_EVENT_MARK,
                                 {"event_id": event_id, "on": bool(on),
                                  "remind_minutes": int(remind_minutes)},
                                 depends_on=self._creating_op(conn, OP_EVENT_CREATE, event_id))
        return op_id, Changes(community=True, outbox=True)

    def note_reminder_shown(self, event_id: str, starts: str) -> Changes:
        """The reminder of this event (at this start time) was shown: not again."""
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO reminders_shown (event_id, starts) "
                         "VALUES (?, ?)", (event_id, starts))
        return Changes()

    # -- leaders ------------------------------------------------------------------------

    def grant_level(self, association_id: str, user_id: str, on: bool = True
                    ) -> tuple[str, Changes]:
        """A coordinator grants (or takes back) the top level; the portal recomputes."""
        with self._write() as conn:
            op_id = self._add_op(conn, OP_LEVEL_GRANT, {"association_id": association_id,
                                                        "user_id": user_id, "on": bool(on)})
        return op_id, Changes(outbox=True)
