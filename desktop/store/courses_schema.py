"""Schema step: courses, enrolments, progress, reviews and lesson sets on the desktop, and how
their records map to rows (used by community_apply).

Frozen history like every migration: change the schema by appending a new step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from protocol.courses import (
    KIND_COURSE,
    KIND_COURSE_PROGRESS,
    KIND_ENROLLMENT,
    KIND_LESSON_SET,
    KIND_REVIEW,
    KIND_SHARED_LESSON_SET,
)
from protocol.wire import Rec

_SET_COLUMNS = """
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        resource_ids TEXT NOT NULL DEFAULT '[]',
        shared_with TEXT,
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL"""

_STATEMENTS = [
    # Directory stream: courses (the whole structure as JSON) and reviews of resources.
    """CREATE TABLE courses (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        association_id TEXT,
        hours INTEGER NOT NULL DEFAULT 0,
        content TEXT NOT NULL,
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    # Rows written offline have version 0 until the portal's record replaces them.
    """CREATE TABLE reviews (
        id TEXT PRIMARY KEY,
        resource_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        rating INTEGER NOT NULL,
        body_md TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX reviews_by_resource ON reviews (resource_id)",
    # The user's stream: enrolments, the portal's progress records, own lesson sets.
    """CREATE TABLE enrollments (
        course_id TEXT PRIMARY KEY,
        enrolled TEXT NOT NULL DEFAULT '',
        completed TEXT,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE course_progress (
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        state TEXT NOT NULL,
        answer TEXT,
        checked TEXT,
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX course_progress_by_course ON course_progress (course_id)",
    # The user's own marks, written offline and never touched by sync (the portal's record
    # may lag behind an unsent op): progress shown = the further of the two.
    """CREATE TABLE course_marks (
        user_id TEXT NOT NULL,
        course_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        state TEXT NOT NULL,
        answer TEXT,
        checked TEXT,
        updated TEXT NOT NULL,
        PRIMARY KEY (user_id, course_id, item_id)
    )""",
    f"CREATE TABLE lesson_sets ({_SET_COLUMNS}\n    )",
    # Association streams: sets members shared with the association.
    f"CREATE TABLE shared_lesson_sets ({_SET_COLUMNS}\n    )",
    "CREATE INDEX shared_lesson_sets_by_association ON shared_lesson_sets (shared_with)",
]


def v_courses(db: Database) -> None:
    for sql in _STATEMENTS:
        db.execute(sql)


# ---- record -> row ----


def _course(r: Rec) -> dict[str, Any]:
    d = r.data
    content = {k: d[k] for k in ("id", "title", "description", "association_id", "author",
                                 "hours", "modules") if k in d}
    return {"title": d["title"], "description": d.get("description", ""),
            "association_id": d.get("association_id"), "hours": d.get("hours", 0),
            "content": json.dumps(content, ensure_ascii=False),
            "modified": d.get("modified", "")}


def _review(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"resource_id": d["resource_id"], "author_id": d["author_id"],
            "rating": d["rating"], "body_md": d.get("body_md", ""),
            "created": d.get("created", ""), "modified": d.get("modified", "")}


def _enrollment(r: Rec) -> dict[str, Any]:
    return {"enrolled": r.data.get("created", ""), "completed": r.data.get("completed")}


def _progress(r: Rec) -> dict[str, Any]:
    d = r.data
    checked = d.get("checked")
    return {"course_id": d["course_id"], "item_id": d["item_id"], "state": d["state"],
            "answer": d.get("answer"),
            "checked": None if checked is None else json.dumps(checked),
            "modified": d.get("modified", "")}


def _lesson_set(r: Rec) -> dict[str, Any]:
    d = r.data
    return {"owner_id": d["owner_id"], "title": d["title"],
            "description": d.get("description", ""),
            "resource_ids": json.dumps(d.get("resource_ids", []), ensure_ascii=False),
            "shared_with": d.get("shared_with"), "modified": d.get("modified", "")}


# kind -> (table, key column, row builder): registered in community_apply.TABLES
COURSE_TABLES: dict[str, tuple[str, str, Callable[[Rec], dict[str, Any]]]] = {
    KIND_COURSE: ("courses", "id", _course),
    KIND_REVIEW: ("reviews", "id", _review),
    KIND_ENROLLMENT: ("enrollments", "course_id", _enrollment),
    KIND_COURSE_PROGRESS: ("course_progress", "id", _progress),
    KIND_LESSON_SET: ("lesson_sets", "id", _lesson_set),
    KIND_SHARED_LESSON_SET: ("shared_lesson_sets", "id", _lesson_set),
}

# What evicting a stream forgets, per stream family: (table, WHERE with one "?" = owner or
# None for the whole table). Rows written offline (version 0) stay with their outbox ops.
EVICT: dict[str, list[tuple[str, str | None]]] = {
    "directory": [("courses", None), ("reviews", "version > 0")],
    "user": [("enrollments", "version > 0"), ("course_progress", None),
             ("lesson_sets", "version > 0")],
    "assoc": [("shared_lesson_sets", "shared_with = ?")],
}
