"""Professional development courses and the library in use: record kinds and ops.

Kinds (see docs/protocol.md, *Courses and the library in use*):

``course`` (stream ``directory``)
    a whole course in one record: modules -> lessons -> materials (library resources by id)
    and tasks (a text answer or a checklist)
``review`` (``directory``)
    one user's rating (1-5) of one resource with a "how I used it in class" note
``enrollment``, ``course_progress``, ``lesson_set`` (``user:<id>``)
    the user's own courses, their progress per material and task, their lesson sets
``shared_lesson_set`` (``assoc:<id>``)
    a lesson set its owner shared with the association

A post links to a resource with a Markdown link to ``okno://resource/<resource id>``
(:func:`resource_link`); :func:`linked_resources` finds such links in a text.

>>> progress_id("pd-2026", "m1-l2-r1")
'pd-2026:m1-l2-r1'
>>> sorted(linked_resources("См. [урок](okno://resource/res-000012)."))
['res-000012']
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from protocol.wire import (
    ID_RE,
    MAX_SHORT,
    MAX_TEXT,
    MAX_TITLE,
    ProtocolError,
    _id,
    _int,
    _str,
)

KIND_COURSE = "course"
KIND_REVIEW = "review"
KIND_ENROLLMENT = "enrollment"
KIND_COURSE_PROGRESS = "course_progress"
KIND_LESSON_SET = "lesson_set"
KIND_SHARED_LESSON_SET = "shared_lesson_set"

OP_COURSE_ENROLL = "course.enroll"
OP_COURSE_PROGRESS = "course.progress"
OP_REVIEW_SET = "review.set"
OP_REVIEW_DELETE = "review.delete"
OP_LESSON_SET_SAVE = "lesson_set.save"
OP_LESSON_SET_DELETE = "lesson_set.delete"

MAX_COURSE_ID = 60  # progress ids are "<course id>:<item id>" and must fit MAX_ID (100)
MAX_ITEM_ID = 39
MAX_MODULES = 50
MAX_LESSONS = 50
MAX_MATERIALS = 50
MAX_TASKS = 20
MAX_CHECKLIST = 30
MAX_SET_RESOURCES = 200
MAX_HOURS = 2000
# A course is one record: keep it far below the 1 MiB line limit of the sync stream.
MAX_COURSE_ITEMS = 1000  # modules + lessons + materials + tasks
MAX_COURSE_BYTES = 512 * 1024  # its JSON
MIN_RATING, MAX_RATING = 1, 5

STATE_OPENED = "opened"
STATE_COMPLETED = "completed"
PROGRESS_STATES = (STATE_OPENED, STATE_COMPLETED)  # in order: progress never goes back
TASK_TEXT = "text"
TASK_CHECKLIST = "checklist"
TASK_KINDS = frozenset({TASK_TEXT, TASK_CHECKLIST})

RESOURCE_SCHEME = "okno://resource/"
_LINK_RE = re.compile(r"okno://resource/([A-Za-z0-9][A-Za-z0-9_.:-]{0,99})")


def _pc() -> Any:
    from protocol import community  # late: community registers the kinds of this module

    return community


def _fail(msg: str) -> ProtocolError:
    return ProtocolError(msg)


def _list(value: Any, what: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise _fail(f"{what} must be a list of at most {limit} items")
    return value


def _short_id(value: Any, what: str, limit: int) -> str:
    ident = _id(value, what)
    if len(ident) > limit:
        raise _fail(f"{what} is longer than {limit} characters")
    return ident


# ---- ids and links ------------------------------------------------------------------------------


def progress_id(course_id: str, item_id: str) -> str:
    return f"{course_id}:{item_id}"


def review_id(user_id: str, resource_id: str) -> str:
    """One review per user and resource: the id is derived from both, on either side."""
    digest = hashlib.sha256(f"{user_id}\n{resource_id}".encode()).hexdigest()
    return f"rv-{digest[:32]}"


def resource_link(resource_id: str) -> str:
    """The Markdown link target by which a post refers to a library resource."""
    return f"{RESOURCE_SCHEME}{resource_id}"


def linked_resources(text: str) -> set[str]:
    """Resource ids that ``text`` links to with ``okno://resource/<id>`` (a trailing dot or
    colon ends a sentence, not the id)."""
    out = set()
    for m in _LINK_RE.finditer(text or ""):
        ident = m.group(1).rstrip(".:")
        if ident and ID_RE.match(ident):
            out.add(ident)
    return out


# ---- the course ---------------------------------------------------------------------------------


def _material(d: Any, what: str) -> dict[str, Any]:
    d = _pc()._obj(d, what)
    return {"id": _short_id(d.get("id"), f"{what}.id", MAX_ITEM_ID),
            "resource_id": _id(d.get("resource_id"), f"{what}.resource_id"),
            "title": _str(d.get("title", ""), f"{what}.title", MAX_TITLE),
            "required": _pc()._bool(d.get("required", True), f"{what}.required")}


def _task(d: Any, what: str) -> dict[str, Any]:
    pc = _pc()
    d = pc._obj(d, what)
    kind = pc._choice(d.get("kind", TASK_TEXT), TASK_KINDS, f"{what}.kind")
    items = [_str(v, f"{what}.items[{i}]", MAX_TITLE, empty=False)
             for i, v in enumerate(_list(d.get("items", []), f"{what}.items", MAX_CHECKLIST))]
    if kind == TASK_CHECKLIST and not items:
        raise _fail(f"{what} is a checklist without items")
    return {"id": _short_id(d.get("id"), f"{what}.id", MAX_ITEM_ID),
            "title": _str(d.get("title"), f"{what}.title", MAX_TITLE, empty=False),
            "kind": kind,
            "prompt_md": _str(d.get("prompt_md", ""), f"{what}.prompt_md", MAX_TEXT),
            "items": items if kind == TASK_CHECKLIST else [],
            "required": pc._bool(d.get("required", True), f"{what}.required")}


def _lesson(d: Any, what: str) -> dict[str, Any]:
    d = _pc()._obj(d, what)
    return {"id": _short_id(d.get("id"), f"{what}.id", MAX_ITEM_ID),
            "title": _str(d.get("title"), f"{what}.title", MAX_TITLE, empty=False),
            "body_md": _str(d.get("body_md", ""), f"{what}.body_md", MAX_TEXT),
            "materials": [_material(m, f"{what}.materials[{i}]") for i, m in enumerate(
                _list(d.get("materials", []), f"{what}.materials", MAX_MATERIALS))],
            "tasks": [_task(t, f"{what}.tasks[{i}]") for i, t in enumerate(
                _list(d.get("tasks", []), f"{what}.tasks", MAX_TASKS))]}


def _module(d: Any, what: str) -> dict[str, Any]:
    d = _pc()._obj(d, what)
    return {"id": _short_id(d.get("id"), f"{what}.id", MAX_ITEM_ID),
            "title": _str(d.get("title"), f"{what}.title", MAX_TITLE, empty=False),
            "lessons": [_lesson(x, f"{what}.lessons[{i}]") for i, x in enumerate(
                _list(d.get("lessons", []), f"{what}.lessons", MAX_LESSONS))]}


def course_content(d: Any) -> dict[str, Any]:
    """A course's authored fields, checked and with defaults filled (what ``course-import``
    reads); item ids (modules, lessons, materials, tasks) are unique within the course."""
    pc = _pc()
    d = pc._obj(d, KIND_COURSE)
    out = {
        "id": _short_id(d.get("id"), "course.id", MAX_COURSE_ID),
        "title": _str(d.get("title"), "course.title", MAX_TITLE, empty=False),
        "description": _str(d.get("description", ""), "course.description", MAX_TEXT),
        "association_id": (None if d.get("association_id") is None
                           else pc.owner_id(d["association_id"], "course.association_id")),
        "author": _str(d.get("author", ""), "course.author", MAX_SHORT),
        "hours": _int(d.get("hours", 0), "course.hours", 0, MAX_HOURS),
        "modules": [_module(m, f"course.modules[{i}]") for i, m in enumerate(
            _list(d.get("modules", []), "course.modules", MAX_MODULES))],
    }
    seen: set[str] = set()
    if sum(1 for _ in walk(out)) > MAX_COURSE_ITEMS:
        raise _fail(f"course {out['id']} has more than {MAX_COURSE_ITEMS} modules, lessons, "
                    "materials and tasks: split it into several courses")
    if len(json.dumps(out, ensure_ascii=False).encode()) > MAX_COURSE_BYTES:
        raise _fail(f"course {out['id']} is larger than {MAX_COURSE_BYTES // 1024} KiB: "
                    "split it into several courses")
    for _kind, item in walk(out):
        if item["id"] in seen:
            raise _fail(f"course {out['id']}: the id {item['id']!r} is used twice")
        seen.add(item["id"])
    return out


def validate_course(d: Any) -> dict[str, Any]:
    pc = _pc()
    obj = pc._obj(d, KIND_COURSE)
    return {**course_content(obj), **pc._common(obj, KIND_COURSE)}


def walk(course: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every module, lesson, material and task of a course in reading order, as
    ``(kind, item)`` with kind ``module``, ``lesson``, ``material`` or ``task``."""
    for module in course.get("modules", []):
        yield "module", module
        for lesson in module.get("lessons", []):
            yield "lesson", lesson
            for material in lesson.get("materials", []):
                yield "material", material
            for task in lesson.get("tasks", []):
                yield "task", task


def trackable(course: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Materials and tasks by id: the items progress is recorded for."""
    return {item["id"]: (kind, item) for kind, item in walk(course)
            if kind in ("material", "task")}


def required_items(course: dict[str, Any]) -> list[str]:
    return [i for i, (_k, item) in trackable(course).items() if item["required"]]


def resource_ids(course: dict[str, Any]) -> list[str]:
    """The library resources a course's materials refer to, in order, without repeats."""
    return list(dict.fromkeys(item["resource_id"] for kind, item in walk(course)
                              if kind == "material"))


def task_answer_complete(task: dict[str, Any], answer: str | None,
                         checked: list[int] | None) -> bool:
    """A text task is done with a non-empty answer; a checklist with every item checked."""
    if task["kind"] == TASK_CHECKLIST:
        return set(checked or ()) >= set(range(len(task["items"])))
    return bool((answer or "").strip())


# ---- other records ------------------------------------------------------------------------------


def validate_review(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._obj(d, KIND_REVIEW)
    return {"id": _id(d.get("id"), "review.id"),
            "resource_id": _id(d.get("resource_id"), "review.resource_id"),
            "author_id": pc.owner_id(d.get("author_id"), "review.author_id"),
            "rating": _int(d.get("rating"), "review.rating", MIN_RATING, MAX_RATING),
            "body_md": _str(d.get("body_md", ""), "review.body_md", pc.MAX_BODY_MD),
            **pc._common(d, KIND_REVIEW)}


def validate_enrollment(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._obj(d, KIND_ENROLLMENT)
    course_id = _id(d.get("course_id"), "enrollment.course_id")
    if d.get("id") != course_id:
        raise _fail("enrollment.id must equal its course_id")
    return {"id": course_id, "course_id": course_id,
            "completed": pc._opt_stamp(d.get("completed"), "enrollment.completed"),
            **pc._common(d, KIND_ENROLLMENT)}


def _checked(value: Any, what: str) -> list[int] | None:
    if value is None:
        return None
    return sorted({_int(v, f"{what}[]", 0, MAX_CHECKLIST - 1)
                   for v in _list(value, what, MAX_CHECKLIST)})


def validate_course_progress(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._obj(d, KIND_COURSE_PROGRESS)
    course_id = _id(d.get("course_id"), "course_progress.course_id")
    item_id = _id(d.get("item_id"), "course_progress.item_id")
    if d.get("id") != progress_id(course_id, item_id):
        raise _fail("course_progress.id must be <course_id>:<item_id>")
    return {"id": d["id"], "course_id": course_id, "item_id": item_id,
            "state": pc._choice(d.get("state"), frozenset(PROGRESS_STATES),
                                "course_progress.state"),
            "answer": pc._opt_text(d.get("answer"), "course_progress.answer", MAX_TEXT),
            "checked": _checked(d.get("checked"), "course_progress.checked"),
            **pc._common(d, KIND_COURSE_PROGRESS, created=False)}


def _set_fields(d: dict[str, Any], kind: str) -> dict[str, Any]:
    pc = _pc()
    return {"id": _id(d.get("id"), f"{kind}.id"),
            "owner_id": pc.owner_id(d.get("owner_id"), f"{kind}.owner_id"),
            "title": _str(d.get("title"), f"{kind}.title", MAX_TITLE, empty=False),
            "description": _str(d.get("description", ""), f"{kind}.description", MAX_TEXT),
            "resource_ids": [_id(r, f"{kind}.resource_ids[]") for r in _list(
                d.get("resource_ids", []), f"{kind}.resource_ids", MAX_SET_RESOURCES)],
            "shared_with": (None if d.get("shared_with") is None
                            else pc.owner_id(d["shared_with"], f"{kind}.shared_with")),
            **pc._common(d, kind)}


def validate_lesson_set(d: Any) -> dict[str, Any]:
    return _set_fields(_pc()._obj(d, KIND_LESSON_SET), KIND_LESSON_SET)


def validate_shared_lesson_set(d: Any) -> dict[str, Any]:
    return _set_fields(_pc()._obj(d, KIND_SHARED_LESSON_SET), KIND_SHARED_LESSON_SET)


DIRECTORY_KINDS = {KIND_COURSE: validate_course, KIND_REVIEW: validate_review}
USER_KINDS = {KIND_ENROLLMENT: validate_enrollment,
              KIND_COURSE_PROGRESS: validate_course_progress,
              KIND_LESSON_SET: validate_lesson_set}
ASSOC_KINDS = {KIND_SHARED_LESSON_SET: validate_shared_lesson_set}


# ---- ops ----------------------------------------------------------------------------------------


def _enroll(d: Any) -> dict[str, Any]:
    d = _pc()._fields(d, ("course_id",))
    return {"course_id": _id(d["course_id"], "course_id")}


def _progress(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._fields(d, ("course_id", "item_id", "state"), ("answer", "checked"))
    return {"course_id": _id(d["course_id"], "course_id"),
            "item_id": _id(d["item_id"], "item_id"),
            "state": pc._choice(d["state"], frozenset(PROGRESS_STATES), "state"),
            "answer": pc._opt_text(d.get("answer"), "answer", MAX_TEXT),
            "checked": _checked(d.get("checked"), "checked")}


def _review_set(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._fields(d, ("resource_id", "rating"), ("body_md",))
    return {"resource_id": _id(d["resource_id"], "resource_id"),
            "rating": _int(d["rating"], "rating", MIN_RATING, MAX_RATING),
            "body_md": _str(d.get("body_md", ""), "body_md", pc.MAX_BODY_MD)}


def _review_delete(d: Any) -> dict[str, Any]:
    d = _pc()._fields(d, ("resource_id",))
    return {"resource_id": _id(d["resource_id"], "resource_id")}


def _set_save(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._fields(d, ("id", "title"), ("description", "resource_ids", "shared_with"))
    return {"id": pc.client_id(d["id"], "id"),
            "title": _str(d["title"], "title", MAX_TITLE, empty=False),
            "description": _str(d.get("description", ""), "description", MAX_TEXT),
            "resource_ids": list(dict.fromkeys(_id(r, "resource_ids[]") for r in _list(
                d.get("resource_ids", []), "resource_ids", MAX_SET_RESOURCES))),
            "shared_with": (None if d.get("shared_with") is None
                            else pc.owner_id(d["shared_with"], "shared_with"))}


def _set_delete(d: Any) -> dict[str, Any]:
    pc = _pc()
    d = pc._fields(d, ("id",))
    return {"id": pc.client_id(d["id"], "id")}


OPS = {
    OP_COURSE_ENROLL: _enroll,
    OP_COURSE_PROGRESS: _progress,
    OP_REVIEW_SET: _review_set,
    OP_REVIEW_DELETE: _review_delete,
    OP_LESSON_SET_SAVE: _set_save,
    OP_LESSON_SET_DELETE: _set_delete,
}
