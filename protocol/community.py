"""The community part of the wire format: stream names, record kinds and ops.

Streams (besides ``catalog``):

``directory``
    associations, their forums and public user profiles; any signed-in user
``assoc:<association id>``
    the threads and posts of one association; anyone signed in for a public association,
    members only for a private one
``user:<user id>``
    one user's private data: memberships, follows, read positions, reactions

Writes travel as **ops** in the sync request (see :func:`parse_ops`); their results come back
first in the sync response as ``op`` lines (:class:`protocol.wire.OpResult`).

>>> stream_family("assoc:reg-45")
'assoc'
>>> validate_op({"op_id": "6f1c…", "type": "reaction.set",
...              "data": {"post_id": "p-1", "useful": True}})   # doctest: +SKIP
Op(op_id='6f1c…', type='reaction.set', data={'post_id': 'p-1', 'useful': True}, ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protocol.wire import (
    CATALOG_STREAM,
    ID_RE,
    MAX_POSITION,
    MAX_SHORT,
    MAX_TEXT,
    MAX_TITLE,
    ProtocolError,
    _id,
    _int,
    _known,
    _opt_id,
    _str,
)

DIRECTORY_STREAM = "directory"
ASSOC_PREFIX = "assoc:"
USER_PREFIX = "user:"
MAX_STREAM = 50  # streams.name is VARCHAR(50): association and user ids are kept short
MAX_OWNER_ID = MAX_STREAM - len(ASSOC_PREFIX)  # 44

# Ids a client generates (op ids, thread and post ids): UUIDs fit with room to spare; the cap
# keeps derived ids ("thread:<id>" follows, "<thread id>.1" first posts) within MAX_ID.
MAX_CLIENT_ID = 64

KIND_ASSOCIATION = "association"
KIND_FORUM = "forum"
KIND_PROFILE = "profile"
KIND_THREAD = "thread"
KIND_POST = "post"
KIND_MEMBERSHIP = "membership"
KIND_FOLLOW = "follow"
KIND_READ_POSITION = "read_position"
KIND_REACTION = "reaction"

ASSOCIATION_KINDS = frozenset({"national", "regional", "municipal", "topic"})
VISIBILITIES = frozenset({"public", "private"})
USER_ROLES = frozenset({"member", "moderator", "coordinator", "administrator"})
MEMBER_ROLES = frozenset({"member", "moderator", "coordinator"})
MODERATING_ROLES = frozenset({"moderator", "coordinator"})
FOLLOW_TARGETS = frozenset({KIND_ASSOCIATION, KIND_FORUM, KIND_THREAD})

MAX_BODY_MD = MAX_TEXT  # characters of Markdown in one post
MAX_THREAD_TITLE = 300
MAX_REASON = 500
MAX_OPS = 500  # per sync request

RESULT_APPLIED = "applied"
RESULT_DUPLICATE = "duplicate"
RESULT_CONFLICT = "conflict"
RESULT_REJECTED = "rejected"
OP_RESULTS = frozenset({RESULT_APPLIED, RESULT_DUPLICATE, RESULT_CONFLICT, RESULT_REJECTED})

# Rejection reasons (``reason`` of a rejected op). Clients translate these; the message is
# English for logs.
REASON_INVALID = "invalid"
REASON_NOT_FOUND = "not_found"
REASON_NOT_AUTHORIZED = "not_authorized"
REASON_NOT_MEMBER = "not_member"
REASON_THREAD_LOCKED = "thread_locked"
REASON_POST_REMOVED = "post_removed"
REASON_ID_TAKEN = "id_taken"
REASON_OP_ID_TAKEN = "op_id_taken"
REASON_PARENT_FAILED = "parent_failed"
REASON_RATE_LIMITED = "rate_limited"
REASONS = frozenset({
    REASON_INVALID, REASON_NOT_FOUND, REASON_NOT_AUTHORIZED, REASON_NOT_MEMBER,
    REASON_THREAD_LOCKED, REASON_POST_REMOVED, REASON_ID_TAKEN, REASON_OP_ID_TAKEN,
    REASON_PARENT_FAILED, REASON_RATE_LIMITED,
})


def _fail(msg: str) -> ProtocolError:
    return ProtocolError(msg)


# ---- streams ---------------------------------------------------------------------------------


def assoc_stream(association_id: str) -> str:
    return f"{ASSOC_PREFIX}{association_id}"


def user_stream(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


def stream_family(name: Any) -> str | None:
    """``"catalog"``, ``"directory"``, ``"assoc"``, ``"user"`` or None for a bad name."""
    if not isinstance(name, str) or len(name) > MAX_STREAM:
        return None
    if name in (CATALOG_STREAM, DIRECTORY_STREAM):
        return name
    prefix, sep, owner = name.partition(":")
    if sep and prefix in ("assoc", "user") and ID_RE.match(owner):
        return prefix
    return None


def stream_owner(name: str) -> str:
    """The association or user id of an ``assoc:``/``user:`` stream name."""
    return name.partition(":")[2]


def owner_id(value: Any, what: str) -> str:
    """An association or user id: a protocol id short enough to name a stream."""
    ident = _id(value, what)
    if len(ident) > MAX_OWNER_ID:
        raise _fail(f"{what} is longer than {MAX_OWNER_ID} characters")
    return ident


def client_id(value: Any, what: str) -> str:
    ident = _id(value, what)
    if len(ident) > MAX_CLIENT_ID:
        raise _fail(f"{what} is longer than {MAX_CLIENT_ID} characters")
    return ident


# ---- records ---------------------------------------------------------------------------------


def _obj(d: Any, kind: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _fail(f"{kind} data must be an object")
    return d


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"{what} must be true or false")
    return value


def _choice(value: Any, names: frozenset[str], what: str) -> str:
    if not _known(value, names):
        raise _fail(f"{what} {value!r:.40} is not one of {', '.join(sorted(names))}")
    return value


def _stamp(value: Any, what: str) -> str:
    return _str(value, what, 40, empty=False)


def _opt_stamp(value: Any, what: str) -> str | None:
    return None if value is None else _stamp(value, what)


def _opt_text(value: Any, what: str, limit: int) -> str | None:
    return None if value is None else _str(value, what, limit)


def _common(d: dict[str, Any], kind: str, *, created: bool = True) -> dict[str, Any]:
    out = {"version": _int(d.get("version"), f"{kind}.version", 1)}
    if created:
        out["created"] = _stamp(d.get("created"), f"{kind}.created")
    out["modified"] = _stamp(d.get("modified"), f"{kind}.modified")
    return out


def validate_association(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_ASSOCIATION)
    return {
        "id": owner_id(d.get("id"), "association.id"),
        "name": _str(d.get("name"), "association.name", MAX_TITLE, empty=False),
        "description": _str(d.get("description", ""), "association.description", MAX_TEXT),
        "kind": _choice(d.get("kind"), ASSOCIATION_KINDS, "association.kind"),
        "visibility": _choice(d.get("visibility"), VISIBILITIES, "association.visibility"),
        "parent_id": _opt_id(d.get("parent_id"), "association.parent_id"),
        "region": _str(d.get("region", ""), "association.region", MAX_SHORT),
        "municipality": _str(d.get("municipality", ""), "association.municipality", MAX_SHORT),
        "topic": _str(d.get("topic", ""), "association.topic", MAX_SHORT),
        **_common(d, KIND_ASSOCIATION),
    }


def validate_forum(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_FORUM)
    return {
        "id": _id(d.get("id"), "forum.id"),
        "association_id": owner_id(d.get("association_id"), "forum.association_id"),
        "title": _str(d.get("title"), "forum.title", MAX_TITLE, empty=False),
        "description": _str(d.get("description", ""), "forum.description", MAX_TEXT),
        "position": _int(d.get("position", 0), "forum.position", 0, MAX_POSITION),
        **_common(d, KIND_FORUM),
    }


def validate_profile(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_PROFILE)
    return {
        "id": owner_id(d.get("id"), "profile.id"),
        "display_name": _str(d.get("display_name"), "profile.display_name", MAX_SHORT,
                             empty=False),
        "school": _str(d.get("school", ""), "profile.school", MAX_TITLE),
        "municipality": _str(d.get("municipality", ""), "profile.municipality", MAX_SHORT),
        "region": _str(d.get("region", ""), "profile.region", MAX_SHORT),
        "role": _choice(d.get("role"), USER_ROLES, "profile.role"),
        **_common(d, KIND_PROFILE),
    }


def validate_thread(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_THREAD)
    return {
        "id": _id(d.get("id"), "thread.id"),
        "association_id": owner_id(d.get("association_id"), "thread.association_id"),
        "forum_id": _id(d.get("forum_id"), "thread.forum_id"),
        "author_id": owner_id(d.get("author_id"), "thread.author_id"),
        "title": _str(d.get("title"), "thread.title", MAX_THREAD_TITLE, empty=False),
        "first_post_id": _id(d.get("first_post_id"), "thread.first_post_id"),
        "post_count": _int(d.get("post_count"), "thread.post_count", 0),
        "last_post_at": _stamp(d.get("last_post_at"), "thread.last_post_at"),
        "locked": _bool(d.get("locked"), "thread.locked"),
        "pinned": _bool(d.get("pinned"), "thread.pinned"),
        **_common(d, KIND_THREAD),
    }


def validate_post(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_POST)
    out = {
        "id": _id(d.get("id"), "post.id"),
        "thread_id": _id(d.get("thread_id"), "post.thread_id"),
        "forum_id": _id(d.get("forum_id"), "post.forum_id"),
        "association_id": owner_id(d.get("association_id"), "post.association_id"),
        "author_id": owner_id(d.get("author_id"), "post.author_id"),
        "number": _int(d.get("number"), "post.number", 1),
        "body_md": _str(d.get("body_md"), "post.body_md", MAX_BODY_MD),
        "revision": _int(d.get("revision"), "post.revision", 1),
        "edited": _opt_stamp(d.get("edited"), "post.edited"),
        "useful": _int(d.get("useful"), "post.useful", 0),
        "deleted": _bool(d.get("deleted"), "post.deleted"),
        "hidden": _bool(d.get("hidden"), "post.hidden"),
        "hidden_reason": _opt_text(d.get("hidden_reason"), "post.hidden_reason", MAX_REASON),
        "removed": _bool(d.get("removed"), "post.removed"),
        "removed_reason": _opt_text(d.get("removed_reason"), "post.removed_reason",
                                    MAX_REASON),
        **_common(d, KIND_POST),
    }
    if (out["removed"] or out["deleted"]) and out["body_md"]:
        raise _fail(f"post {out['id']} is removed or deleted but still carries a body")
    return out


def validate_membership(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_MEMBERSHIP)
    association_id = owner_id(d.get("association_id"), "membership.association_id")
    if d.get("id") != association_id:
        raise _fail("membership.id must equal its association_id")
    return {
        "id": association_id,
        "association_id": association_id,
        "role": _choice(d.get("role"), MEMBER_ROLES, "membership.role"),
        **_common(d, KIND_MEMBERSHIP),
    }


def follow_id(target_kind: str, target_id: str) -> str:
    return f"{target_kind}:{target_id}"


def validate_follow(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_FOLLOW)
    target_kind = _choice(d.get("target_kind"), FOLLOW_TARGETS, "follow.target_kind")
    target_id = _id(d.get("target_id"), "follow.target_id")
    if d.get("id") != follow_id(target_kind, target_id):
        raise _fail("follow.id must be <target_kind>:<target_id>")
    return {"id": follow_id(target_kind, target_id), "target_kind": target_kind,
            "target_id": target_id, **_common(d, KIND_FOLLOW)}


def validate_read_position(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_READ_POSITION)
    thread_id = _id(d.get("thread_id"), "read_position.thread_id")
    if d.get("id") != thread_id:
        raise _fail("read_position.id must equal its thread_id")
    return {"id": thread_id, "thread_id": thread_id,
            "post_id": _id(d.get("post_id"), "read_position.post_id"),
            "number": _int(d.get("number"), "read_position.number", 1),
            **_common(d, KIND_READ_POSITION, created=False)}


def validate_reaction(d: Any) -> dict[str, Any]:
    d = _obj(d, KIND_REACTION)
    post_id = _id(d.get("post_id"), "reaction.post_id")
    if d.get("id") != post_id:
        raise _fail("reaction.id must equal its post_id")
    return {"id": post_id, "post_id": post_id,
            "useful": _bool(d.get("useful"), "reaction.useful"),
            **_common(d, KIND_REACTION, created=False)}


Validator = Callable[[Any], dict[str, Any]]

# Which kinds each stream family carries; a record of another kind is a protocol error.
STREAM_KINDS: dict[str, dict[str, Validator]] = {
    DIRECTORY_STREAM: {KIND_ASSOCIATION: validate_association, KIND_FORUM: validate_forum,
                       KIND_PROFILE: validate_profile},
    "assoc": {KIND_THREAD: validate_thread, KIND_POST: validate_post},
    "user": {KIND_MEMBERSHIP: validate_membership, KIND_FOLLOW: validate_follow,
             KIND_READ_POSITION: validate_read_position, KIND_REACTION: validate_reaction},
}
COMMUNITY_VALIDATORS: dict[str, Validator] = {
    kind: v for kinds in STREAM_KINDS.values() for kind, v in kinds.items()}


# ---- ops -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Op:
    """One write from a client's outbox. ``data`` is validated for ``type``."""

    op_id: str
    type: str
    data: dict[str, Any]
    base_version: int | None = None
    depends_on: str | None = None


@dataclass(frozen=True, slots=True)
class BadOp:
    """An op whose id is readable but whose content is not: it is answered ``rejected``
    (reason ``invalid``) instead of failing the whole request."""

    op_id: str
    type: str
    message: str


def _fields(data: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail("data must be an object")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        raise _fail(f"unknown field(s) in data: {', '.join(unknown)[:200]}")
    missing = [k for k in required if k not in data]
    if missing:
        raise _fail(f"missing field(s) in data: {', '.join(missing)}")
    return data


def _body(value: Any) -> str:
    return _str(value, "body_md", MAX_BODY_MD, empty=False)


def _reason(value: Any, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    return _str(value, "reason", MAX_REASON, empty=not required)


def _thread_create(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "forum_id", "title", "body_md"), ("post_id",))
    tid = client_id(d["id"], "id")
    return {"id": tid, "forum_id": _id(d["forum_id"], "forum_id"),
            "title": _str(d["title"], "title", MAX_THREAD_TITLE, empty=False),
            "body_md": _body(d["body_md"]),
            "post_id": client_id(d.get("post_id") or f"{tid}.1", "post_id")}


def _post_create(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "thread_id", "body_md"))
    return {"id": client_id(d["id"], "id"), "thread_id": _id(d["thread_id"], "thread_id"),
            "body_md": _body(d["body_md"])}


def _post_edit(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id", "body_md"))
    return {"id": _id(d["id"], "id"), "body_md": _body(d["body_md"])}


def _post_ref(d: Any) -> dict[str, Any]:
    d = _fields(d, ("id",))
    return {"id": _id(d["id"], "id")}


def _reaction_set(d: Any) -> dict[str, Any]:
    d = _fields(d, ("post_id", "useful"))
    return {"post_id": _id(d["post_id"], "post_id"), "useful": _bool(d["useful"], "useful")}


def _read_set(d: Any) -> dict[str, Any]:
    d = _fields(d, ("thread_id", "post_id"))
    return {"thread_id": _id(d["thread_id"], "thread_id"), "post_id": _id(d["post_id"], "post_id")}


def _follow_set(d: Any) -> dict[str, Any]:
    d = _fields(d, ("target_kind", "target_id", "on"))
    return {"target_kind": _choice(d["target_kind"], FOLLOW_TARGETS, "target_kind"),
            "target_id": _id(d["target_id"], "target_id"), "on": _bool(d["on"], "on")}


def _association_ref(d: Any) -> dict[str, Any]:
    d = _fields(d, ("association_id",))
    return {"association_id": owner_id(d["association_id"], "association_id")}


def _moderate_post(required_reason: bool) -> Validator:
    def check(d: Any) -> dict[str, Any]:
        d = _fields(d, ("post_id",), ("reason",))
        return {"post_id": _id(d["post_id"], "post_id"),
                "reason": _reason(d.get("reason"), required=required_reason)}
    return check


def _thread_ref(d: Any) -> dict[str, Any]:
    d = _fields(d, ("thread_id",))
    return {"thread_id": _id(d["thread_id"], "thread_id")}


OP_THREAD_CREATE = "thread.create"
OP_POST_CREATE = "post.create"
OP_POST_EDIT = "post.edit"
OP_POST_DELETE = "post.delete"
OP_REACTION_SET = "reaction.set"
OP_READ_SET = "read.set"
OP_FOLLOW_SET = "follow.set"
OP_JOIN = "membership.join"
OP_LEAVE = "membership.leave"
OP_HIDE = "mod.post.hide"
OP_UNHIDE = "mod.post.unhide"
OP_REMOVE = "mod.post.remove"
OP_LOCK = "mod.thread.lock"
OP_UNLOCK = "mod.thread.unlock"
OP_PIN = "mod.thread.pin"
OP_UNPIN = "mod.thread.unpin"
# A member asks the moderators to look at a post (the moderation queue; never public).
OP_FLAG = "post.flag"

OP_VALIDATORS: dict[str, Validator] = {
    OP_THREAD_CREATE: _thread_create,
    OP_POST_CREATE: _post_create,
    OP_POST_EDIT: _post_edit,
    OP_POST_DELETE: _post_ref,
    OP_REACTION_SET: _reaction_set,
    OP_READ_SET: _read_set,
    OP_FOLLOW_SET: _follow_set,
    OP_JOIN: _association_ref,
    OP_LEAVE: _association_ref,
    OP_HIDE: _moderate_post(False),
    OP_UNHIDE: _moderate_post(False),
    OP_REMOVE: _moderate_post(True),
    OP_LOCK: _thread_ref,
    OP_UNLOCK: _thread_ref,
    OP_PIN: _thread_ref,
    OP_UNPIN: _thread_ref,
    OP_FLAG: _moderate_post(True),
}
OP_TYPES = frozenset(OP_VALIDATORS)
OP_FIELDS = frozenset({"op_id", "type", "data", "base_version", "depends_on"})


def validate_op(obj: Any) -> Op | BadOp:
    """Check one op. Raises ProtocolError when not even its ``op_id`` can be trusted (the
    whole request is then refused); returns :class:`BadOp` for any other defect."""
    if not isinstance(obj, dict):
        raise _fail("each op must be an object")
    op_id = client_id(obj.get("op_id"), "op_id")
    op_type = obj.get("type")
    try:
        unknown = sorted(set(obj) - OP_FIELDS)
        if unknown:
            raise _fail(f"unknown op field(s): {', '.join(unknown)[:200]}")
        if not _known(op_type, OP_VALIDATORS):
            raise _fail(f"unknown op type {op_type!r:.40}")
        data = OP_VALIDATORS[op_type](obj.get("data"))
        base = obj.get("base_version")
        if base is not None:
            base = _int(base, "base_version", 1)
        if op_type == OP_POST_EDIT and base is None:
            raise _fail("post.edit needs the base_version the edit was made on")
        depends_on = obj.get("depends_on")
        if depends_on is not None:
            depends_on = client_id(depends_on, "depends_on")
            if depends_on == op_id:
                raise _fail("an op cannot depend on itself")
    except ProtocolError as exc:
        return BadOp(op_id, op_type if isinstance(op_type, str) else "", str(exc))
    return Op(op_id, op_type, data, base, depends_on)


def parse_ops(value: Any) -> list[Op | BadOp]:
    """The ``ops`` array of a sync request, in order; at most :data:`MAX_OPS`."""
    if not isinstance(value, list):
        raise _fail("ops must be a list")
    if len(value) > MAX_OPS:
        raise _fail(f"at most {MAX_OPS} ops fit in one request; send the rest next time")
    return [validate_op(o) for o in value]


# ---- consultations, events and leaders (protocol/consultations.py) ---------------------------
# Imported last: that module builds on the helpers above. protocol/__init__.py imports this
# module first, so the registration has happened whichever module a caller imports.
from protocol import consultations as _consultations  # noqa: E402

STREAM_KINDS["assoc"].update(_consultations.ASSOC_KINDS)
STREAM_KINDS["user"].update(_consultations.USER_KINDS)
COMMUNITY_VALIDATORS.update(_consultations.ASSOC_KINDS)
COMMUNITY_VALIDATORS.update(_consultations.USER_KINDS)
OP_VALIDATORS.update(_consultations.OP_VALIDATORS)
OP_TYPES = frozenset(OP_VALIDATORS)

# ---- courses and the library in use (protocol/courses.py) -------------------------------------
from protocol import courses as _courses  # noqa: E402

STREAM_KINDS[DIRECTORY_STREAM].update(_courses.DIRECTORY_KINDS)
STREAM_KINDS["user"].update(_courses.USER_KINDS)
STREAM_KINDS["assoc"].update(_courses.ASSOC_KINDS)
for _kinds in (_courses.DIRECTORY_KINDS, _courses.USER_KINDS, _courses.ASSOC_KINDS):
    COMMUNITY_VALIDATORS.update(_kinds)
OP_VALIDATORS.update(_courses.OPS)
OP_TYPES = frozenset(OP_VALIDATORS)
