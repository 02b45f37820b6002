"""Consultations, events and leaders on the wire: record kinds and ops.

They travel in the community streams like threads and posts (see :mod:`protocol.community`,
which registers everything here into its ``STREAM_KINDS``, ``COMMUNITY_VALIDATORS`` and
``OP_VALIDATORS``):

``assoc:<association id>``
    ``question`` (a question to the association's methodologists), ``answer``, ``event``
    (the association's calendar) and ``level`` (a member's contribution level there)
``user:<user id>``
    ``event_mark`` (the user marked an event: "remind me")

"Methodologists" are not a separate role: they are the association's moderators and
coordinators (and portal-wide moderators and administrators), the people who already
answer for its content. Coordinators (membership role ``coordinator``, or portal
administrators) manage the calendar and grant the top contribution level.

>>> validate_event_time("2026-12-01T10:00:00Z", "starts")
'2026-12-01T10:00:00Z'
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from protocol.community import (
    MAX_BODY_MD,
    MAX_THREAD_TITLE,
    Validator,
    _bool,
    _choice,
    _common,
    _fields,
    _obj,
    _opt_stamp,
    client_id,
    owner_id,
)
from protocol.wire import MAX_SHORT, MAX_TEXT, ProtocolError, _id, _int, _opt_id, _str

KIND_QUESTION = "question"
KIND_ANSWER = "answer"
KIND_EVENT = "event"
KIND_LEVEL = "level"
KIND_EVENT_MARK = "event_mark"

# Question categories; clients translate them (Russian labels live in the desktop UI).
CATEGORIES = frozenset({"catalog", "lessons", "digital", "programmes", "reading", "other"})
QUESTION_STATUSES = frozenset({"open", "answered"})
EVENT_KINDS = frozenset({"seminar", "webinar", "meeting"})

# Contribution levels 0..4; LEVEL_TOP ("leader of the network") is also the one coordinators
# grant by hand. The names are for logs and docs; clients translate the numbers.
LEVEL_NAMES = ("newcomer", "participant", "active", "expert", "leader")
LEVEL_TOP = len(LEVEL_NAMES) - 1
MAX_SOURCES = 20

MAX_URL = 500
MAX_REMIND_MINUTES = 7 * 24 * 60
DEFAULT_REMIND_MINUTES = 60
# Event times are UTC, to the second, with a Z: what iCalendar's DTSTART...Z needs.
_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _fail(msg: str) -> ProtocolError:
    return ProtocolError(msg)


def validate_event_time(value: Any, what: str) -> str:
    """A UTC time ``YYYY-MM-DDTHH:MM:SSZ`` that is a real date."""
    if not isinstance(value, str) or not _UTC_RE.match(value):
        raise _fail(f"{what} must be a UTC time like 2026-12-01T10:00:00Z")
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise _fail(f"{what} is not a real date and time") from None
    return value


def _url(value: Any, what: str) -> str:
    text = _str(value, what, MAX_URL)
    if text and not text.startswith(("https://", "http://")):
        raise _fail(f"{what} must be an http(s) address")
    if any(c.isspace() for c in text):
        raise _fail(f"{what} must not contain spaces")
    return text


# ---- records ---------------------------------------------------------------------------------


def validate_question(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_QUESTION)
    return {
        "id": _id(d.get("id"), "question.id"),
        "association_id": owner_id(d.get("association_id"), "question.association_id"),
        "author_id": owner_id(d.get("author_id"), "question.author_id"),
        "category": _choice(d.get("category"), CATEGORIES, "question.category"),
        "title": _str(d.get("title"), "question.title", MAX_THREAD_TITLE, empty=False),
        "body_md": _str(d.get("body_md"), "question.body_md", MAX_BODY_MD),
        "status": _choice(d.get("status"), QUESTION_STATUSES, "question.status"),
        "answer_count": _int(d.get("answer_count"), "question.answer_count", 0),
        "accepted_answer_id": _opt_id(d.get("accepted_answer_id"),
                                      "question.accepted_answer_id"),
        "last_answer_at": _opt_stamp(d.get("last_answer_at"), "question.last_answer_at"),
        **_common(d, KIND_QUESTION),
    }


def validate_answer(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_ANSWER)
    return {
        "id": _id(d.get("id"), "answer.id"),
        "question_id": _id(d.get("question_id"), "answer.question_id"),
        "association_id": owner_id(d.get("association_id"), "answer.association_id"),
        "author_id": owner_id(d.get("author_id"), "answer.author_id"),
        "body_md": _str(d.get("body_md"), "answer.body_md", MAX_BODY_MD, empty=False),
        "accepted": _bool(d.get("accepted"), "answer.accepted"),
        **_common(d, KIND_ANSWER),
    }


def validate_event(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_EVENT)
    out = {
        "id": _id(d.get("id"), "event.id"),
        "association_id": owner_id(d.get("association_id"), "event.association_id"),
        "author_id": owner_id(d.get("author_id"), "event.author_id"),
        "kind": _choice(d.get("kind"), EVENT_KINDS, "event.kind"),
        "title": _str(d.get("title"), "event.title", MAX_THREAD_TITLE, empty=False),
        "description": _str(d.get("description", ""), "event.description", MAX_TEXT),
        "location": _str(d.get("location", ""), "event.location", MAX_SHORT),
        "url": _url(d.get("url", ""), "event.url"),
        "starts": validate_event_time(d.get("starts"), "event.starts"),
        "ends": validate_event_time(d.get("ends"), "event.ends"),
        "cancelled": _bool(d.get("cancelled"), "event.cancelled"),
        **_common(d, KIND_EVENT),
    }
    if out["ends"] < out["starts"]:
        raise _fail(f"event {out['id']} ends before it starts")
    return out


def _sources(value: Any, what: str) -> dict[str, int]:
    if not isinstance(value, dict) or len(value) > MAX_SOURCES:
        raise _fail(f"{what} must be an object of at most {MAX_SOURCES} counts")
    return {_id(k, f"{what} name"): _int(v, f"{what}.{k}", -(1 << 31), 1 << 31)
            for k, v in value.items()}


def level_id(association_id: str, user_id: str) -> str:
    """A level record's id: one member in one association (unique on a client holding many
    associations' streams)."""
    return f"{association_id}:{user_id}"


def validate_level(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_LEVEL)
    user_id = owner_id(d.get("user_id"), "level.user_id")
    association_id = owner_id(d.get("association_id"), "level.association_id")
    if d.get("id") != level_id(association_id, user_id):
        raise _fail("level.id must be <association_id>:<user_id>")
    return {
        "id": level_id(association_id, user_id), "user_id": user_id,
        "association_id": association_id,
        "level": _int(d.get("level"), "level.level", 0, LEVEL_TOP),
        "score": _int(d.get("score"), "level.score", -(1 << 31), 1 << 31),
        "rank": _int(d.get("rank"), "level.rank", 1),
        "granted": _bool(d.get("granted"), "level.granted"),
        "sources": _sources(d.get("sources"), "level.sources"),
        **_common(d, KIND_LEVEL, created=False),
    }


def validate_event_mark(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_EVENT_MARK)
    event_id = _id(d.get("event_id"), "event_mark.event_id")
    if d.get("id") != event_id:
        raise _fail("event_mark.id must equal its event_id")
    return {
        "id": event_id, "event_id": event_id,
        "association_id": owner_id(d.get("association_id"), "event_mark.association_id"),
        "remind_minutes": _int(d.get("remind_minutes"), "event_mark.remind_minutes", 0,
                               MAX_REMIND_MINUTES),
        **_common(d, KIND_EVENT_MARK, created=False),
    }


ASSOC_KINDS: dict[str, Validator] = {
    KIND_QUESTION: validate_question, KIND_ANSWER: validate_answer,
    KIND_EVENT: validate_event, KIND_LEVEL: validate_level,
}
USER_KINDS: dict[str, Validator] = {KIND_EVENT_MARK: validate_event_mark}


# ---- ops -------------------------------------------------------------------------------------

OP_QUESTION_ASK = "question.ask"
OP_ANSWER_CREATE = "answer.create"
OP_ANSWER_ACCEPT = "answer.accept"
OP_EVENT_CREATE = "event.create"
OP_EVENT_CANCEL = "event.cancel"
OP_EVENT_MARK = "event.mark"
OP_LEVEL_GRANT = "level.grant"


def _question_ask(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "association_id", "category", "title", "body_md"))
    return {"id": client_id(d["id"], "id"),
            "association_id": owner_id(d["association_id"], "association_id"),
            "category": _choice(d["category"], CATEGORIES, "category"),
            "title": _str(d["title"], "title", MAX_THREAD_TITLE, empty=False),
            "body_md": _str(d["body_md"], "body_md", MAX_BODY_MD, empty=False)}


def _answer_create(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "question_id", "body_md"))
    return {"id": client_id(d["id"], "id"), "question_id": _id(d["question_id"], "question_id"),
            "body_md": _str(d["body_md"], "body_md", MAX_BODY_MD, empty=False)}


def _answer_accept(d: Any) -> dict[str, Any]:
    d = _fields(d, ("question_id", "answer_id"))
    return {"question_id": _id(d["question_id"], "question_id"),
            "answer_id": _id(d["answer_id"], "answer_id")}


def _event_create(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "association_id", "kind", "title", "starts", "ends"),
                ("description", "location", "url"))
    out = {"id": client_id(d["id"], "id"),
           "association_id": owner_id(d["association_id"], "association_id"),
           "kind": _choice(d["kind"], EVENT_KINDS, "kind"),
           "title": _str(d["title"], "title", MAX_THREAD_TITLE, empty=False),
           "description": _str(d.get("description", ""), "description", MAX_TEXT),
           "location": _str(d.get("location", ""), "location", MAX_SHORT),
           "url": _url(d.get("url", ""), "url"),
           "starts": validate_event_time(d["starts"], "starts"),
           "ends": validate_event_time(d["ends"], "ends")}
    if out["ends"] < out["starts"]:
        raise _fail("the event ends before it starts")
    return out


def _event_ref(d: Any) -> dict[str, Any]:
    d = _fields(d, ("event_id",))
    return {"event_id": _id(d["event_id"], "event_id")}


def _event_mark(d: Any) -> dict[str, Any]:
    d = _fields(d, ("event_id", "on"), ("remind_minutes",))
    return {"event_id": _id(d["event_id"], "event_id"), "on": _bool(d["on"], "on"),
            "remind_minutes": _int(d.get("remind_minutes", DEFAULT_REMIND_MINUTES),
                                   "remind_minutes", 0, MAX_REMIND_MINUTES)}


def _level_grant(d: Any) -> dict[str, Any]:
    d = _fields(d, ("association_id", "user_id", "on"))
    return {"association_id": owner_id(d["association_id"], "association_id"),
            "user_id": owner_id(d["user_id"], "user_id"), "on": _bool(d["on"], "on")}


OP_VALIDATORS: dict[str, Validator] = {
    OP_QUESTION_ASK: _question_ask,
    OP_ANSWER_CREATE: _answer_create,
    OP_ANSWER_ACCEPT: _answer_accept,
    OP_EVENT_CREATE: _event_create,
    OP_EVENT_CANCEL: _event_ref,
    OP_EVENT_MARK: _event_mark,
    OP_LEVEL_GRANT: _level_grant,
}
