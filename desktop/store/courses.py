"""Professional development courses on the desktop: the catalogue of courses, enrolment,
progress recorded offline, the offline download plan and what a certificate says.

Progress shown for an item is the further of the portal's record (``course_progress``,
arriving with sync) and the user's own marks (``course_marks``, written offline, durable,
never overwritten by sync). Each mark also queues one ``course.progress`` op (an unsent op
for the same item is folded into the new one), so progress reaches the portal exactly once.

>>> op_id, changes = store.enroll("pd-librarians")
>>> store.mark_item("pd-librarians", "m1-l1-r1", "completed")
('6f1c…', Changes(...))
>>> store.course_status("pd-librarians")["complete"]
False
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.db import utc_now
from desktop.store.errors import StoreError
from desktop.store.types import Changes
from protocol.courses import (
    OP_COURSE_ENROLL,
    OP_COURSE_PROGRESS,
    PROGRESS_STATES,
    STATE_COMPLETED,
    resource_ids,
    task_answer_complete,
    trackable,
)
from protocol.wire import MAX_TEXT


def _further(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=PROGRESS_STATES.index)


def certificate_number(user_id: str, course_id: str) -> str:
    """The same number on every computer and every reprint: derived from user and course."""
    digest = hashlib.sha256(f"{user_id}\n{course_id}".encode()).hexdigest().upper()
    return f"OKNO-{digest[:4]}-{digest[4:8]}"


class CourseReads(ReaderBase):
    """Course reads; rows are plain dicts."""

    def _user_id(self) -> str | None:
        raw = self._meta("community_user")
        return json.loads(raw)["id"] if raw else None

    def courses(self) -> list[dict[str, Any]]:
        """Every course in the replica by title, with ``enrolled`` and ``complete``."""
        rows = self._conn.execute(
            "SELECT c.id, c.title, c.description, c.hours, c.association_id, "
            "e.course_id IS NOT NULL, e.completed FROM courses c "
            "LEFT JOIN enrollments e ON e.course_id = c.id ORDER BY c.title, c.id").fetchall()
        out = []
        for cid, title, description, hours, assoc, enrolled, completed in rows:
            status = self.course_status(cid) if enrolled else None
            out.append({"id": cid, "title": title, "description": description,
                        "hours": hours, "association_id": assoc, "enrolled": bool(enrolled),
                        "complete": bool(status and status["complete"]),
                        "required_done": status["required_done"] if status else 0,
                        "required_total": status["required_total"] if status else 0,
                        "completed": completed})
        return out

    def course(self, course_id: str) -> dict[str, Any] | None:
        """The course's content (modules -> lessons -> materials and tasks), or None."""
        row = self._conn.execute("SELECT content FROM courses WHERE id = ?",
                                 (course_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def course_progress(self, course_id: str) -> dict[str, dict[str, Any]]:
        """``{item_id: {"state", "answer", "checked", "unsent"}}``: the further of the portal's
        record and the user's own mark; the latest answer wins."""
        out: dict[str, dict[str, Any]] = {}
        for item, state, answer, checked in self._conn.execute(
                "SELECT item_id, state, answer, checked FROM course_progress "
                "WHERE course_id = ?", (course_id,)):
            out[item] = {"state": state, "answer": answer,
                         "checked": json.loads(checked) if checked else None, "unsent": False}
        user = self._user_id()
        if user is None:
            return out
        for item, state, answer, checked in self._conn.execute(
                "SELECT item_id, state, answer, checked FROM course_marks "
                "WHERE user_id = ? AND course_id = ?", (user, course_id)):
            old = out.get(item)
            mark = {"state": _further(state, old and old["state"]),
                    "answer": answer if answer is not None else (old or {}).get("answer"),
                    "checked": (json.loads(checked) if checked else
                                (old or {}).get("checked")),
                    "unsent": old is None or old["state"] != _further(state, old["state"])
                    or (answer is not None and answer != old["answer"])}
            out[item] = mark
        return out

    def enrollment(self, course_id: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT course_id, enrolled, completed, version FROM "
                                 "enrollments WHERE course_id = ?", (course_id,)).fetchone()
        if row is None:
            return None
        return {"course_id": row[0], "enrolled": row[1], "completed": row[2],
                "local": row[3] == 0}

    def course_status(self, course_id: str) -> dict[str, Any]:
        """Enrolment, counts of required items done, and whether the course is complete
        (every required material and task completed: a certificate may be printed)."""
        course = self.course(course_id)
        if course is None:
            raise StoreError(f"there is no course {course_id!r:.60} in this replica")
        items = trackable(course)
        required = [i for i, (_k, it) in items.items() if it["required"]]
        progress = self.course_progress(course_id)
        done = [i for i in required if progress.get(i, {}).get("state") == STATE_COMPLETED]
        enrolment = self.enrollment(course_id)
        completed_at = enrolment["completed"] if enrolment else None
        complete = enrolment is not None and len(done) == len(required)
        if complete and completed_at is None:
            user = self._user_id()
            row = self._conn.execute(
                "SELECT max(updated) FROM course_marks WHERE user_id = ? AND course_id = ?",
                (user, course_id)).fetchone()
            completed_at = row[0] if row and row[0] else utc_now()
        return {"enrolled": enrolment is not None, "required_total": len(required),
                "required_done": len(done), "items_total": len(items),
                "opened": len(progress), "complete": complete,
                "completed_at": completed_at if complete else None}

    def course_download_plan(self, course_id: str) -> dict[str, Any]:
        """What "download this course" would fetch: every file of the course's resources not
        yet downloaded. ``bytes_needed`` is their sum (files already partly downloaded count
        what is left); ``missing`` are resources the replica does not have."""
        course = self.course(course_id)
        if course is None:
            raise StoreError(f"there is no course {course_id!r:.60} in this replica")
        files: dict[str, dict[str, Any]] = {}
        missing: list[str] = []
        total = 0
        for rid in resource_ids(course):
            row = self._conn.execute("SELECT files FROM resources WHERE id = ?",
                                     (rid,)).fetchone()
            if row is None:
                missing.append(rid)
                continue
            for f in json.loads(row[0]):
                total += f["size"] if f["sha256"] not in files else 0
                files.setdefault(f["sha256"], {**f, "resource_id": rid})
        need = 0
        pending = []
        for sha, f in files.items():
            if self._conn.execute("SELECT 1 FROM files_cache WHERE sha256 = ?",
                                  (sha,)).fetchone():
                continue
            done = self._conn.execute("SELECT bytes_done FROM downloads WHERE sha256 = ? AND "
                                      "state != 'done'", (sha,)).fetchone()
            need += max(0, f["size"] - (done[0] if done else 0))
            pending.append(f)
        return {"resources": len(resource_ids(course)) - len(missing), "missing": missing,
                "files_total": len(files), "bytes_total": total, "files_needed": len(pending),
                "bytes_needed": need, "files": pending}

    def certificate_info(self, course_id: str) -> dict[str, Any]:
        """What the certificate of a completed course says (raises unless complete)."""
        status = self.course_status(course_id)
        if not status["complete"]:
            raise StoreError("the course is not completed yet")
        course = self.course(course_id) or {}
        raw = self._meta("community_user")
        user = json.loads(raw) if raw else {}
        return {"name": user.get("display_name", ""), "school": user.get("school", ""),
                "region": user.get("region", ""), "course_title": course.get("title", ""),
                "author": course.get("author", ""), "hours": course.get("hours", 0),
                "completed_at": status["completed_at"],
                "number": certificate_number(user.get("id", ""), course_id)}


class CourseWrites(WriterBase):
    """Enrolment and progress written offline, each with its outbox op."""

    def _course_or_fail(self, course_id: str) -> dict[str, Any]:
        course = self.course(course_id)  # type: ignore[attr-defined]
        if course is None:
            raise StoreError(f"there is no course {course_id!r:.60} in this replica")
        return course

    def enroll(self, course_id: str) -> tuple[str | None, Changes]:
        """Enrol in a course (offline too). Returns (op_id, changes); (None, Changes()) when
        already enrolled."""
        self._course_or_fail(course_id)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM enrollments WHERE course_id = ?",
                            (course_id,)).fetchone():
                return None, Changes()
            conn.execute("INSERT INTO enrollments (course_id, enrolled, completed, version, seq) "
                         "VALUES (?, ?, NULL, 0, 0)", (course_id, utc_now()))
            op_id = self._add_op(conn, OP_COURSE_ENROLL,  # type: ignore[attr-defined]
                                 {"course_id": course_id})
        return op_id, Changes(community=True, outbox=True)

    def mark_item(self, course_id: str, item_id: str, state: str, *,
                  answer: str | None = None,
                  checked: list[int] | None = None) -> tuple[str | None, Changes]:
        """Record progress on a material (``opened``/``completed``) or a task (``completed``
        with its ``answer`` or ``checked`` checklist items). Forward only: returns (None,
        Changes()) when nothing would change."""
        if state not in PROGRESS_STATES:
            raise StoreError(f"unknown progress state {state!r:.40}")
        course = self._course_or_fail(course_id)
        items = trackable(course)
        if item_id not in items:
            raise StoreError(f"the course has no material or task {item_id!r:.60}")
        kind, item = items[item_id]
        if kind == "material":
            answer = checked = None
        else:
            if answer is not None and len(answer) > MAX_TEXT:
                raise StoreError(f"the answer is longer than {MAX_TEXT} characters")
            if checked is not None:
                checked = sorted({int(i) for i in checked if 0 <= int(i) < len(item["items"])})
            if state == STATE_COMPLETED and not task_answer_complete(item, answer, checked):
                raise StoreError("write an answer (or check every item) to complete the task")
        user = self._author()  # type: ignore[attr-defined]
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM enrollments WHERE course_id = ?",
                            (course_id,)).fetchone() is None:
                raise StoreError("enrol in the course first")
            current = self.course_progress(course_id).get(item_id)  # type: ignore[attr-defined]
            new_state = _further(state, current and current["state"])
            checked_json = json.dumps(checked) if checked is not None else None
            if current is not None and new_state == current["state"] and (
                    answer is None or answer == current["answer"]) and (
                    checked is None or checked == current["checked"]):
                return None, Changes()
            conn.execute(
                "INSERT INTO course_marks (user_id, course_id, item_id, state, answer, checked, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, course_id, item_id) "
                "DO UPDATE SET state = excluded.state, updated = excluded.updated, "
                "answer = coalesce(excluded.answer, answer), "
                "checked = coalesce(excluded.checked, checked)",
                (user, course_id, item_id, new_state, answer, checked_json, utc_now()))
            op_id = self._queue_progress(conn, course_id, item_id, new_state, answer, checked)
        return op_id, Changes(community=True, outbox=True)

    def _queue_progress(self, conn: sqlite3.Connection, course_id: str, item_id: str,
                        state: str, answer: str | None, checked: list[int] | None) -> str:
        # An unsent op for the same item is folded into this one (keeping its answer when
        # this mark has none): the portal sees one op with the furthest state.
        row = conn.execute(
            "SELECT op_id, data FROM outbox WHERE type = ? AND state = 'pending' AND "
            "json_extract(data, '$.course_id') = ? AND json_extract(data, '$.item_id') = ?",
            (OP_COURSE_PROGRESS, course_id, item_id)).fetchone()
        if row is not None:
            old = json.loads(row[1])
            answer = answer if answer is not None else old.get("answer")
            checked = checked if checked is not None else old.get("checked")
            conn.execute("DELETE FROM outbox WHERE op_id = ?", (row[0],))
        data: dict[str, Any] = {"course_id": course_id, "item_id": item_id, "state": state}
        if answer is not None:
            data["answer"] = answer
        if checked is not None:
            data["checked"] = checked
        enrol = conn.execute(
            "SELECT op_id FROM outbox WHERE type = ? AND state IN ('pending', 'sent') AND "
            "json_extract(data, '$.course_id') = ?", (OP_COURSE_ENROLL, course_id)).fetchone()
        return self._add_op(conn, OP_COURSE_PROGRESS, data,  # type: ignore[attr-defined]
                            depends_on=enrol[0] if enrol else None)

    def queue_course_download(self, course_id: str) -> Changes:
        """Queue every not yet downloaded file of the course's resources (the caller checks
        the plan's size against free space first: ``course_download_plan``)."""
        course = self._course_or_fail(course_id)
        changes = Changes()
        for rid in resource_ids(course):
            if self._conn.execute("SELECT 1 FROM resources WHERE id = ?", (rid,)).fetchone():
                changes = changes | self.enqueue_resource_files(rid)  # type: ignore[attr-defined]
        return changes
