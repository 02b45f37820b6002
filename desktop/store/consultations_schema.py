"""Schema step: consultations, the association calendar and contribution levels on the
desktop, and how their records map to rows (used by community_apply).

Frozen history like every migration: change the schema by appending a new step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from protocol.consultations import (
    KIND_ANSWER,
    KIND_EVENT,
    KIND_EVENT_MARK,
    KIND_LEVEL,
    KIND_QUESTION,
)
from protocol.wire import Rec

_STATEMENTS = [
    # Association streams. Rows written offline have version 0 and local = 1 until the
    # portal's record replaces them. answers_seen / answers_notified are local only (the
    # portal's records never set them): how many answers the user has read, and how many
    # a sync has already reported ("N of your questions were answered").
    """CREATE TABLE questions (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        association_id TEXT NOT NULL,
        author_id TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT 'other',
        title TEXT NOT NULL,
        body_md TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open',
        answer_count INTEGER NOT NULL DEFAULT 0,
        accepted_answer_id TEXT,
        last_answer_at TEXT,
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        local INTEGER NOT NULL DEFAULT 0,
        answers_seen INTEGER NOT NULL DEFAULT 0,
        answers_notified INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX questions_by_association ON questions (association_id, created)",
    "CREATE INDEX questions_by_author ON questions (author_id)",
    """CREATE TABLE answers (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        question_id TEXT NOT NULL,
        association_id TEXT NOT NULL,
        author_id TEXT NOT NULL DEFAULT '',
        body_md TEXT NOT NULL DEFAULT '',
        accepted INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        local INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX answers_by_question ON answers (question_id, created)",
    """CREATE TABLE events (
        id TEXT PRIMARY KEY,
        association_id TEXT NOT NULL,
        author_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        location TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        starts TEXT NOT NULL,
        ends TEXT NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        local INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX events_by_start ON events (starts)",
    # id = "<association_id>:<user_id>"
    """CREATE TABLE levels (
        id TEXT PRIMARY KEY,
        association_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        level INTEGER NOT NULL,
        score INTEGER NOT NULL,
        rank INTEGER NOT NULL,
        granted INTEGER NOT NULL DEFAULT 0,
        sources TEXT NOT NULL DEFAULT '{}',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX levels_by_association ON levels (association_id, rank)",
    "CREATE INDEX levels_by_user ON levels (user_id)",
    # The user's private stream: events marked "remind me".
    """CREATE TABLE event_marks (
        event_id TEXT PRIMARY KEY,
        association_id TEXT NOT NULL,
        remind_minutes INTEGER NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    # Local only: reminders already shown (per event and start time, so a moved event
    # reminds again).
    """CREATE TABLE reminders_shown (
        event_id TEXT NOT NULL,
        starts TEXT NOT NULL,
        PRIMARY KEY (event_id, starts)
    )""",
]


def v_consultations(db: Database) -> None:
    for sql in _STATEMENTS:
        db.execute(sql)


def _b(value: Any) -> int:
    return 1 if value else 0


def _question(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "author_id": d["author_id"],
            "category": d["category"], "title": d["title"], "body_md": d["body_md"],
            "status": d["status"], "answer_count": d["answer_count"],
            "accepted_answer_id": d.get("accepted_answer_id"),
            "last_answer_at": d.get("last_answer_at"), "created": d.get("created", ""),
            "modified": d.get("modified", ""), "local": 0}


def _answer(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"question_id": d["question_id"], "association_id": d["association_id"],
            "author_id": d["author_id"], "body_md": d["body_md"],
            "accepted": _b(d.get("accepted")), "created": d.get("created", ""),
            "modified": d.get("modified", ""), "local": 0}


def _event(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "author_id": d["author_id"],
            "kind": d["kind"], "title": d["title"], "description": d.get("description", ""),
            "location": d.get("location", ""), "url": d.get("url", ""), "starts": d["starts"],
            "ends": d["ends"], "cancelled": _b(d.get("cancelled")),
            "created": d.get("created", ""), "modified": d.get("modified", ""), "local": 0}


def _level(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "user_id": d["user_id"],
            "level": d["level"], "score": d["score"], "rank": d["rank"],
            "granted": _b(d.get("granted")),
            "sources": json.dumps(d.get("sources") or {}, ensure_ascii=False)}


def _event_mark(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"association_id": d["association_id"], "remind_minutes": d["remind_minutes"]}


# kind -> (table, key column, row builder), as community_apply's _Table takes them.
CONSULT_TABLES: dict[str, tuple[str, str, Callable[[Rec], dict[str, Any]]]] = {
    KIND_QUESTION: ("questions", "id", _question),
    KIND_ANSWER: ("answers", "id", _answer),
    KIND_EVENT: ("events", "id", _event),
    KIND_LEVEL: ("levels", "id", _level),
    KIND_EVENT_MARK: ("event_marks", "event_id", _event_mark),
}

# What evicting a stream forgets, per family: (table, WHERE with one "?" = the owner, or
# None for the whole table). Rows written offline (local = 1) stay with their outbox ops.
EVICT: dict[str, list[tuple[str, str | None]]] = {
    "assoc": [("questions", "association_id = ? AND local = 0"),
              ("answers", "association_id = ? AND local = 0"),
              ("events", "association_id = ?"), ("levels", "association_id = ?")],
    "user": [("event_marks", None)],
}
