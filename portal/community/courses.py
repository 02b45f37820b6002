"""Professional development courses on the portal: authoring (``course-import``), the ops
``course.enroll`` and ``course.progress`` (applied exactly once by portal.community.ops),
completion, and the coordinators' progress report (HTTP and ``okno-portal course-progress``).

A course is one ``course`` record in the ``directory`` stream; a user's enrolment and
progress are ``enrollment`` and ``course_progress`` records in their own ``user:<id>``
stream. Progress only moves forward (opened -> completed); a task's answer may be sent again
(the latest one counts). An enrolment is completed, once and for good, when every required
material and task is completed.

>>> import_course(engine, json.loads(Path("course.json").read_text()))
{'id': 'pd-librarians', 'version': 1, ...}
>>> association_progress(engine, "reg-45")
[{'user_id': 'u-0000', 'display_name': 'Иванова Мария Петровна', 'course_id': ...}, ...]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from portal import db
from portal.community import access
from portal.community.course_schema import courses, enrollments, progress
from portal.community.ops import Done, Rejected, _Ctx, _entity
from portal.community.records import ChangeSet, current_record
from protocol import community as pc
from protocol import courses as pcourses
from protocol.wire import ProtocolError

COORDINATING_ROLES = frozenset({"coordinator"})


# ---- records ------------------------------------------------------------------------------------


def course_record(content: Mapping[str, Any], created: str, modified: str) -> dict[str, Any]:
    return {**content, "created": created, "modified": modified}


def enrollment_record(course_id: str, enrolled: str, completed: str | None,
                      modified: str) -> dict[str, Any]:
    return {"id": course_id, "course_id": course_id, "completed": completed,
            "created": enrolled, "modified": modified}


def progress_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": pcourses.progress_id(row["course_id"], row["item_id"]),
            "course_id": row["course_id"], "item_id": row["item_id"], "state": row["state"],
            "answer": row["answer"],
            "checked": json.loads(row["checked"]) if row["checked"] else None,
            "modified": row["modified"]}


# ---- authoring ----------------------------------------------------------------------------------


def import_course(engine: Engine, data: Any) -> dict[str, Any]:
    """Create or replace a course from its authored form (JSON/YAML object, see
    docs/courses.md). Raises ValueError with a plain message for bad content or a material
    whose resource is not in the catalog. Progress already recorded for items that remain
    is kept; completions stay completed."""
    try:
        content = pcourses.course_content(data)
    except ProtocolError as exc:
        raise ValueError(f"the course is not valid: {exc}") from None
    now = db.utc_now()
    with db.write_transaction(engine) as conn:
        if content["association_id"] is not None and access.association_row(
                conn, content["association_id"]) is None:
            raise ValueError(f"there is no association {content['association_id']!r}")
        wanted = pcourses.resource_ids(content)
        r = db.resources.c
        known = set()
        for start in range(0, len(wanted), 500):
            known.update(conn.execute(select(r.id).where(
                r.id.in_(wanted[start:start + 500]))).scalars())
        missing = [i for i in wanted if i not in known]
        if missing:
            raise ValueError("the course refers to resources that are not in the catalog: "
                             + ", ".join(missing[:10]))
        c = courses.c
        old = conn.execute(select(c.created).where(c.id == content["id"])).scalar()
        row = {"id": content["id"], "title": content["title"],
               "association_id": content["association_id"],
               "content": json.dumps(content, ensure_ascii=False), "modified": now}
        if old is None:
            conn.execute(insert(courses).values(created=now, **row))
        else:
            conn.execute(update(courses).where(c.id == content["id"]).values(row))
        cs = ChangeSet(conn, now)
        d = cs.put(pc.DIRECTORY_STREAM, pcourses.KIND_COURSE,
                   course_record(content, old or now, now))
        cs.flush()
    return d


def load_course(conn: Connection, course_id: str) -> dict[str, Any] | None:
    text = conn.execute(select(courses.c.content).where(courses.c.id == course_id)).scalar()
    return None if text is None else json.loads(text)


def list_courses(engine: Engine) -> list[dict[str, Any]]:
    c = courses.c
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(c.id, c.title, c.association_id, c.modified).order_by(c.title))]


# ---- ops ----------------------------------------------------------------------------------------


def _course(ctx: _Ctx, course_id: str) -> dict[str, Any]:
    course = load_course(ctx.conn, course_id)
    if course is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no course {course_id!r}")
    return course


def _enrollment(ctx: _Ctx, course_id: str) -> Mapping[str, Any] | None:
    e = enrollments.c
    return ctx.conn.execute(select(enrollments).where(
        e.user_id == ctx.user.id, e.course_id == course_id).with_for_update()).mappings().first()


def _current_entity(ctx: _Ctx, kind: str, entity_id: str) -> Done:
    d = current_record(ctx.conn, ctx.user_stream(), kind, entity_id)
    return Done(_entity(kind, d) if d else None)


def course_enroll(ctx: _Ctx, data: dict[str, Any]) -> Done:
    course_id = data["course_id"]
    _course(ctx, course_id)
    if _enrollment(ctx, course_id) is not None:
        return _current_entity(ctx, pcourses.KIND_ENROLLMENT, course_id)
    ctx.conn.execute(insert(enrollments).values(user_id=ctx.user.id, course_id=course_id,
                                                enrolled=ctx.now, completed=None))
    d = ctx.cs.put(ctx.user_stream(), pcourses.KIND_ENROLLMENT,
                   enrollment_record(course_id, ctx.now, None, ctx.now))
    return Done(_entity(pcourses.KIND_ENROLLMENT, d))


def course_progress(ctx: _Ctx, data: dict[str, Any]) -> Done:
    course = _course(ctx, data["course_id"])
    enrolment = _enrollment(ctx, course["id"])
    if enrolment is None:
        raise Rejected(pc.REASON_NOT_MEMBER, "enrol in the course first")
    items = pcourses.trackable(course)
    if data["item_id"] not in items:
        raise Rejected(pc.REASON_NOT_FOUND, f"the course has no material or task "
                       f"{data['item_id']!r}")
    kind, item = items[data["item_id"]]
    answer, checked = data["answer"], data["checked"]
    if kind == "material":
        answer = checked = None
    elif data["state"] == pcourses.STATE_COMPLETED and not pcourses.task_answer_complete(
            item, answer, checked):
        raise Rejected(pc.REASON_INVALID, "a task is completed by an answer (text) or by "
                       "checking every item (checklist)")
    p = progress.c
    where = (p.user_id == ctx.user.id, p.course_id == course["id"], p.item_id == item["id"])
    old = ctx.conn.execute(select(progress).where(*where)).mappings().first()
    states = pcourses.PROGRESS_STATES
    state = data["state"]
    if old is not None:
        state = max(old["state"], state, key=states.index)  # never back
    has_answer = answer is not None or checked is not None
    row = {"state": state, "modified": ctx.now,
           "answer": answer if has_answer else (old["answer"] if old else None),
           "checked": (json.dumps(checked) if checked is not None else None) if has_answer
           else (old["checked"] if old else None)}
    if old is not None and all(old[k] == row[k] for k in ("state", "answer", "checked")):
        return _current_entity(ctx, pcourses.KIND_COURSE_PROGRESS,
                               pcourses.progress_id(course["id"], item["id"]))
    if old is None:
        ctx.conn.execute(insert(progress).values(user_id=ctx.user.id, course_id=course["id"],
                                                 item_id=item["id"], **row))
    else:
        ctx.conn.execute(update(progress).where(*where).values(row))
    d = ctx.cs.put(ctx.user_stream(), pcourses.KIND_COURSE_PROGRESS, progress_record(
        {"course_id": course["id"], "item_id": item["id"], **row}))
    if enrolment["completed"] is None and _all_done(ctx.conn, ctx.user.id, course):
        e = enrollments.c
        ctx.conn.execute(update(enrollments).where(
            e.user_id == ctx.user.id, e.course_id == course["id"]).values(completed=ctx.now))
        ctx.cs.put(ctx.user_stream(), pcourses.KIND_ENROLLMENT,
                   enrollment_record(course["id"], enrolment["enrolled"], ctx.now, ctx.now))
    return Done(_entity(pcourses.KIND_COURSE_PROGRESS, d))


def _all_done(conn: Connection, user_id: str, course: dict[str, Any]) -> bool:
    required = set(pcourses.required_items(course))
    p = progress.c
    done = set(conn.execute(select(p.item_id).where(
        p.user_id == user_id, p.course_id == course["id"],
        p.state == pcourses.STATE_COMPLETED)).scalars())
    return required <= done


HANDLERS = {
    pcourses.OP_COURSE_ENROLL: course_enroll,
    pcourses.OP_COURSE_PROGRESS: course_progress,
}


# ---- the coordinators' report -------------------------------------------------------------------


def may_see_progress(conn: Connection, user: Any, association_id: str) -> bool:
    """Coordinators of the association (and portal administrators) see its members'
    progress; nobody else, not even its moderators."""
    if user.role == "administrator":
        return True
    return access.membership_role(conn, user.id, association_id) in COORDINATING_ROLES


def association_progress(engine: Engine, association_id: str,
                         course_id: str | None = None) -> list[dict[str, Any]]:
    """One row per member and course they enrolled in: counts of completed required items,
    answered tasks, and the completion time."""
    m, u, e, p = db.memberships.c, db.users.c, enrollments.c, progress.c
    with engine.connect() as conn:
        query = (select(u.id, u.display_name, u.school, e.course_id, e.enrolled, e.completed)
                 .join(db.memberships, m.user_id == u.id)
                 .join(enrollments, e.user_id == u.id)
                 .where(m.association_id == association_id))
        if course_id is not None:
            query = query.where(e.course_id == course_id)
        rows = conn.execute(query.order_by(u.display_name, e.course_id)).all()
        cache: dict[str, dict[str, Any] | None] = {}
        out = []
        for uid, name, school, cid, enrolled, completed in rows:
            if cid not in cache:
                cache[cid] = load_course(conn, cid)
            course = cache[cid]
            if course is None:
                continue
            items = pcourses.trackable(course)
            required = set(pcourses.required_items(course))
            marks = dict(conn.execute(select(p.item_id, p.state).where(
                p.user_id == uid, p.course_id == cid)).all())
            done = {i for i, s in marks.items() if s == pcourses.STATE_COMPLETED}
            tasks = [i for i, (k, _it) in items.items() if k == "task"]
            out.append({"user_id": uid, "display_name": name, "school": school,
                        "course_id": cid, "course_title": course["title"],
                        "enrolled": enrolled, "completed": completed,
                        "required_done": len(required & done), "required_total": len(required),
                        "tasks_answered": sum(1 for t in tasks if t in done),
                        "tasks_total": len(tasks), "opened": len(marks)})
    return out
