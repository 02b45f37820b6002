"""Applying ops exactly once.

:func:`apply_op` runs one op in one write transaction: it looks the op id up in
``applied_ops``, checks ``depends_on``, authorizes, applies the effect, writes the change log
and records the result — all committed together. A repeat of the op id (a lost response, a
second copy of the outbox, a retry after a restart) finds the stored result instead of
applying twice.

Results (the ``op`` line of a sync response, see docs/protocol.md):

* ``applied`` — done now; ``entity`` names what changed, at its new version.
* ``duplicate`` — this user's op with this id was applied before; ``entity`` as it was then.
* ``conflict`` — ``post.edit`` based on an older text than the portal's; ``current`` is the
  portal's post, so the client can show both. Nothing changed.
* ``rejected`` — with a ``reason`` code. Permanent rejections are recorded (a repeat gets the
  same answer); ``rate_limited``, ``op_id_taken`` and ``parent_failed`` for a parent the
  portal never saw are transient ("held"): they are not recorded, and the same op may be sent
  again later.

>>> outcome = apply_op(engine, user, op)
>>> outcome.line()["result"]
'applied'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.community import access, records
from portal.community.accounts import User
from portal.community.records import ChangeSet
from protocol import community as pc
from protocol.community import BadOp, Op

# Posting rate limit per user (new threads + replies). Generous: a day of offline writing
# must fit, a runaway script must not.
MAX_POSTS_PER_HOUR = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one op; ``record`` says whether it is stored in ``applied_ops``."""

    op_id: str
    result: str
    reason: str | None = None
    message: str | None = None
    entity: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    record: bool = True

    def line(self) -> dict[str, Any]:
        """The op line of the sync response."""
        return {"t": "op", "op_id": self.op_id, "result": self.result, "reason": self.reason,
                "message": self.message, "entity": self.entity, "current": self.current}


class Rejected(Exception):
    """Raised by a handler before it writes anything."""

    def __init__(self, reason: str, message: str, *, record: bool = True) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.record = record


@dataclass(frozen=True, slots=True)
class Done:
    """What a handler returns: the entity it changed (or that stands), maybe conflict data."""

    entity: dict[str, Any] | None
    current: dict[str, Any] | None = None
    conflict: bool = False


def _entity(kind: str, d: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "id": d["id"], "version": d["version"]}


class _Ctx:
    """One op's transaction: the connection, the user, the clock and the pending changes."""

    def __init__(self, conn: Connection, user: User, op: Op) -> None:
        self.conn = conn
        self.user = user
        self.op = op
        self.now = db.utc_now()
        self.cs = ChangeSet(conn, self.now)

    # -- lookups ------------------------------------------------------------------------------
    def association(self, association_id: str) -> tuple[Mapping[str, Any], str | None]:
        """The association and the user's role in it; rejects unknown or unreadable ones."""
        row = access.association_row(self.conn, association_id)
        if row is None:
            raise Rejected(pc.REASON_NOT_FOUND, f"there is no association {association_id!r}")
        role = access.membership_role(self.conn, self.user.id, association_id)
        if not access.can_read(self.user, row, role):
            raise Rejected(pc.REASON_NOT_AUTHORIZED,
                           f"association {association_id!r} is private to its members")
        return row, role

    def forum(self, forum_id: str) -> Mapping[str, Any]:
        f = db.forums
        row = self.conn.execute(select(f).where(f.c.id == forum_id)).mappings().first()
        if row is None:
            raise Rejected(pc.REASON_NOT_FOUND, f"there is no forum {forum_id!r}")
        return row

    def thread(self, thread_id: str) -> tuple[dict[str, Any], str | None]:
        t = db.threads
        # FOR UPDATE (PostgreSQL; SQLite's writer lock already serializes): concurrent ops on
        # one thread or post apply one after the other, each seeing the other's result.
        row = self.conn.execute(select(t).where(t.c.id == thread_id).with_for_update()
                                ).mappings().first()
        if row is None:
            raise Rejected(pc.REASON_NOT_FOUND, f"there is no thread {thread_id!r}")
        _, role = self.association(row["association_id"])
        return dict(row), role

    def post(self, post_id: str) -> tuple[dict[str, Any], str | None]:
        p = db.posts
        row = self.conn.execute(select(p).where(p.c.id == post_id).with_for_update()
                                ).mappings().first()
        if row is None:
            raise Rejected(pc.REASON_NOT_FOUND, f"there is no post {post_id!r}")
        _, role = self.association(row["association_id"])
        return dict(row), role

    def id_free(self, table: Any, entity_id: str, what: str) -> None:
        if self.conn.execute(select(table.c.id).where(table.c.id == entity_id)).first():
            raise Rejected(pc.REASON_ID_TAKEN, f"a {what} with id {entity_id!r} already exists")

    def check_rate(self) -> None:
        since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        p = db.posts.c
        n = self.conn.execute(select(func.count()).where(
            p.author_id == self.user.id, p.created >= since)).scalar_one()
        if n >= MAX_POSTS_PER_HOUR:
            raise Rejected(pc.REASON_RATE_LIMITED, f"at most {MAX_POSTS_PER_HOUR} posts an "
                           "hour; the rest will go with a later sync", record=False)

    # -- writes -------------------------------------------------------------------------------
    def put_thread(self, t: dict[str, Any]) -> dict[str, Any]:
        return self.cs.put(pc.assoc_stream(t["association_id"]), pc.KIND_THREAD,
                           records.thread_record(t))

    def put_post(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.cs.put(pc.assoc_stream(p["association_id"]), pc.KIND_POST,
                           records.post_record(p))

    def save_post(self, p: dict[str, Any]) -> None:
        t = db.posts
        self.conn.execute(update(t).where(t.c.id == p["id"]).values(
            {k: v for k, v in p.items() if k != "id"}))

    def save_thread(self, th: dict[str, Any]) -> None:
        t = db.threads
        self.conn.execute(update(t).where(t.c.id == th["id"]).values(
            {k: v for k, v in th.items() if k != "id"}))

    def user_stream(self) -> str:
        return pc.user_stream(self.user.id)


# ---- handlers ---------------------------------------------------------------------------------


def _new_post(ctx: _Ctx, thread: Mapping[str, Any], post_id: str, number: int,
              body: str) -> dict[str, Any]:
    p = {"id": post_id, "thread_id": thread["id"], "forum_id": thread["forum_id"],
         "association_id": thread["association_id"], "author_id": ctx.user.id,
         "number": number, "body_md": body, "revision": 1, "body_version": 1, "edited": None,
         "useful": 0, "deleted": False, "hidden": False, "hidden_reason": None,
         "removed": False, "removed_reason": None, "created": ctx.now, "modified": ctx.now}
    d = ctx.put_post(p)
    p["body_version"] = d["version"]
    ctx.conn.execute(insert(db.posts).values(p))
    ctx.conn.execute(insert(db.post_revisions).values(
        post_id=post_id, revision=1, body_md=body, author_id=ctx.user.id, created=ctx.now,
        op_id=ctx.op.op_id))
    return d


def _require_poster(ctx: _Ctx, role: str | None) -> None:
    if not access.can_post(ctx.user, role):
        raise Rejected(pc.REASON_NOT_MEMBER, "join the association to write in its forums")


def thread_create(ctx: _Ctx, data: dict[str, Any]) -> Done:
    forum = ctx.forum(data["forum_id"])
    _, role = ctx.association(forum["association_id"])
    _require_poster(ctx, role)
    ctx.id_free(db.threads, data["id"], "thread")
    ctx.id_free(db.posts, data["post_id"], "post")
    ctx.check_rate()
    th = {"id": data["id"], "association_id": forum["association_id"], "forum_id": forum["id"],
          "author_id": ctx.user.id, "title": data["title"], "first_post_id": data["post_id"],
          "post_count": 1, "last_post_at": ctx.now, "locked": False, "pinned": False,
          "created": ctx.now, "modified": ctx.now}
    d = ctx.put_thread(th)
    ctx.conn.execute(insert(db.threads).values(th))
    _new_post(ctx, th, data["post_id"], 1, data["body_md"])
    return Done(_entity(pc.KIND_THREAD, d))


def post_create(ctx: _Ctx, data: dict[str, Any]) -> Done:
    th, role = ctx.thread(data["thread_id"])
    _require_poster(ctx, role)
    if th["locked"] and not access.can_moderate(ctx.user, role):
        raise Rejected(pc.REASON_THREAD_LOCKED, "the thread is locked by a moderator")
    ctx.id_free(db.posts, data["id"], "post")
    ctx.check_rate()
    t = db.threads
    # The UPDATE takes the thread's row lock first, so concurrent replies number in order.
    ctx.conn.execute(update(t).where(t.c.id == th["id"]).values(
        post_count=t.c.post_count + 1, last_post_at=ctx.now, modified=ctx.now))
    th = dict(ctx.conn.execute(select(t).where(t.c.id == th["id"])).mappings().one())
    ctx.put_thread(th)
    d = _new_post(ctx, th, data["id"], th["post_count"], data["body_md"])
    return Done(_entity(pc.KIND_POST, d))


def _own_live_post(ctx: _Ctx, post_id: str) -> tuple[dict[str, Any], str | None]:
    p, role = ctx.post(post_id)
    if p["author_id"] != ctx.user.id:
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "only its author can change a post")
    if p["removed"]:
        raise Rejected(pc.REASON_POST_REMOVED,
                       f"a moderator removed the post: {p['removed_reason'] or ''}".strip())
    return p, role


def post_edit(ctx: _Ctx, data: dict[str, Any]) -> Done:
    p, role = _own_live_post(ctx, data["id"])
    if p["deleted"]:
        raise Rejected(pc.REASON_NOT_FOUND, "the post was deleted")
    stream = pc.assoc_stream(p["association_id"])
    version = ctx.cs.version_of(stream, pc.KIND_POST, p["id"])
    base = ctx.op.base_version or 0
    if ctx.op.depends_on is not None:
        # An edit queued after the author's own unacknowledged create or edit of this post
        # is based on what that op produced (the client could not know its version).
        parent = _stored(ctx.conn, ctx.op.depends_on)
        entity = (parent[1].get("entity") or {}) if parent else {}
        if entity.get("kind") == pc.KIND_POST and entity.get("id") == p["id"]:
            base = max(base, int(entity.get("version") or 0))
    if base > version:
        raise Rejected(pc.REASON_INVALID, f"base_version {base} is newer than the post "
                       f"({version})")
    if base < p["body_version"]:
        # Someone (the author on another device) changed the text after the client's copy.
        current = records.current_record(ctx.conn, stream, pc.KIND_POST, p["id"])
        return Done(_entity(pc.KIND_POST, current or {"id": p["id"], "version": version}),
                    current=current, conflict=True)
    th, _ = ctx.thread(p["thread_id"])
    if th["locked"] and not access.can_moderate(ctx.user, role):
        raise Rejected(pc.REASON_THREAD_LOCKED, "the thread is locked by a moderator")
    if data["body_md"] == p["body_md"]:
        current = records.current_record(ctx.conn, stream, pc.KIND_POST, p["id"])
        return Done(_entity(pc.KIND_POST, current or {"id": p["id"], "version": version}))
    # Only author-owned fields change; hidden/removed and their reasons stay the moderators'.
    p.update(body_md=data["body_md"], revision=p["revision"] + 1, edited=ctx.now,
             modified=ctx.now)
    d = ctx.put_post(p)
    p["body_version"] = d["version"]
    ctx.save_post(p)
    ctx.conn.execute(insert(db.post_revisions).values(
        post_id=p["id"], revision=p["revision"], body_md=p["body_md"], author_id=ctx.user.id,
        created=ctx.now, op_id=ctx.op.op_id))
    return Done(_entity(pc.KIND_POST, d))


def post_delete(ctx: _Ctx, data: dict[str, Any]) -> Done:
    p, _ = _own_live_post(ctx, data["id"])
    stream = pc.assoc_stream(p["association_id"])
    if p["deleted"]:
        current = records.current_record(ctx.conn, stream, pc.KIND_POST, p["id"])
        return Done(_entity(pc.KIND_POST, current) if current else None)
    p.update(deleted=True, modified=ctx.now)
    d = ctx.put_post(p)
    p["body_version"] = d["version"]
    ctx.save_post(p)
    return Done(_entity(pc.KIND_POST, d))


def reaction_set(ctx: _Ctx, data: dict[str, Any]) -> Done:
    p, _ = ctx.post(data["post_id"])
    if p["author_id"] == ctx.user.id:
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "you cannot mark your own post useful")
    if p["removed"] or p["deleted"]:
        raise Rejected(pc.REASON_POST_REMOVED, "the post is no longer there")
    r = db.reactions.c
    where = (r.post_id == p["id"], r.user_id == ctx.user.id, r.kind == "useful")
    has = ctx.conn.execute(select(r.post_id).where(*where)).first() is not None
    stream = pc.assoc_stream(p["association_id"])
    if has == data["useful"]:
        current = records.current_record(ctx.conn, stream, pc.KIND_POST, p["id"])
        return Done(_entity(pc.KIND_POST, current) if current else None)
    t = db.posts
    delta = 1 if data["useful"] else -1
    ctx.conn.execute(update(t).where(t.c.id == p["id"]).values(useful=t.c.useful + delta))
    if data["useful"]:
        ctx.conn.execute(insert(db.reactions).values(
            post_id=p["id"], user_id=ctx.user.id, kind="useful", created=ctx.now))
        ctx.cs.put(ctx.user_stream(), pc.KIND_REACTION, records.reaction_record(p["id"], ctx.now))
    else:
        ctx.conn.execute(delete(db.reactions).where(*where))
        ctx.cs.tombstone(ctx.user_stream(), pc.KIND_REACTION, p["id"])
    p = dict(ctx.conn.execute(select(t).where(t.c.id == p["id"])).mappings().one())
    p["modified"] = ctx.now
    ctx.save_post({"id": p["id"], "modified": ctx.now})
    return Done(_entity(pc.KIND_POST, ctx.put_post(p)))


def read_set(ctx: _Ctx, data: dict[str, Any]) -> Done:
    th, _ = ctx.thread(data["thread_id"])
    t = db.posts.c
    number = ctx.conn.execute(select(t.number).where(
        t.id == data["post_id"], t.thread_id == th["id"])).scalar()
    if number is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no post {data['post_id']!r} in the thread")
    r = db.read_positions.c
    where = (r.user_id == ctx.user.id, r.thread_id == th["id"])
    have = ctx.conn.execute(select(r.number).where(*where)).scalar()
    stream = ctx.user_stream()
    if have is not None and have >= number:
        # "Read up to" only moves forward: an older device's position never undoes a newer one.
        current = records.current_record(ctx.conn, stream, pc.KIND_READ_POSITION, th["id"])
        return Done(_entity(pc.KIND_READ_POSITION, current) if current else None)
    if have is None:
        ctx.conn.execute(insert(db.read_positions).values(
            user_id=ctx.user.id, thread_id=th["id"], post_id=data["post_id"], number=number,
            modified=ctx.now))
    else:
        ctx.conn.execute(update(db.read_positions).where(*where).values(
            post_id=data["post_id"], number=number, modified=ctx.now))
    d = ctx.cs.put(stream, pc.KIND_READ_POSITION, records.read_position_record(
        th["id"], data["post_id"], number, ctx.now))
    return Done(_entity(pc.KIND_READ_POSITION, d))


def follow_set(ctx: _Ctx, data: dict[str, Any]) -> Done:
    kind, target = data["target_kind"], data["target_id"]
    if data["on"]:  # unfollowing is always allowed, even what one can no longer read
        if kind == pc.KIND_ASSOCIATION:
            ctx.association(target)
        elif kind == pc.KIND_FORUM:
            ctx.association(ctx.forum(target)["association_id"])
        else:
            ctx.thread(target)
    f = db.follows.c
    where = (f.user_id == ctx.user.id, f.target_kind == kind, f.target_id == target)
    has = ctx.conn.execute(select(f.created).where(*where)).first() is not None
    fid = pc.follow_id(kind, target)
    stream = ctx.user_stream()
    if has == data["on"]:
        current = records.current_record(ctx.conn, stream, pc.KIND_FOLLOW, fid)
        return Done(_entity(pc.KIND_FOLLOW, current) if current else None)
    if data["on"]:
        ctx.conn.execute(insert(db.follows).values(
            user_id=ctx.user.id, target_kind=kind, target_id=target, created=ctx.now))
        d = ctx.cs.put(stream, pc.KIND_FOLLOW, records.follow_record(kind, target, ctx.now))
        return Done(_entity(pc.KIND_FOLLOW, d))
    ctx.conn.execute(delete(db.follows).where(*where))
    version = ctx.cs.tombstone(stream, pc.KIND_FOLLOW, fid)
    return Done({"kind": pc.KIND_FOLLOW, "id": fid, "version": version})


def membership_join(ctx: _Ctx, data: dict[str, Any]) -> Done:
    a = access.association_row(ctx.conn, data["association_id"])
    if a is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no association {data['association_id']!r}")
    role = access.membership_role(ctx.conn, ctx.user.id, a["id"])
    stream = ctx.user_stream()
    if role is not None:
        current = records.current_record(ctx.conn, stream, pc.KIND_MEMBERSHIP, a["id"])
        return Done(_entity(pc.KIND_MEMBERSHIP, current) if current else None)
    if a["visibility"] != "public":
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "a private association is joined through its "
                       "coordinator")
    m = {"association_id": a["id"], "user_id": ctx.user.id, "role": "member",
         "created": ctx.now}
    ctx.conn.execute(insert(db.memberships).values(m))
    d = ctx.cs.put(stream, pc.KIND_MEMBERSHIP,
                   records.membership_record({**m, "modified": ctx.now}))
    return Done(_entity(pc.KIND_MEMBERSHIP, d))


def membership_leave(ctx: _Ctx, data: dict[str, Any]) -> Done:
    aid = data["association_id"]
    if access.association_row(ctx.conn, aid) is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no association {aid!r}")
    if access.membership_role(ctx.conn, ctx.user.id, aid) is None:
        return Done(None)
    m = db.memberships.c
    ctx.conn.execute(delete(db.memberships).where(m.user_id == ctx.user.id,
                                                  m.association_id == aid))
    version = ctx.cs.tombstone(ctx.user_stream(), pc.KIND_MEMBERSHIP, aid)
    return Done({"kind": pc.KIND_MEMBERSHIP, "id": aid, "version": version})


def _moderated_post(ctx: _Ctx, post_id: str) -> dict[str, Any]:
    p, role = ctx.post(post_id)
    if not access.can_moderate(ctx.user, role):
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "only the association's moderators can do this")
    return p


def _moderate_post(fields: Callable[[dict[str, Any]], dict[str, Any]]
                   ) -> Callable[[_Ctx, dict[str, Any]], Done]:
    def handler(ctx: _Ctx, data: dict[str, Any]) -> Done:
        p = _moderated_post(ctx, data["post_id"])
        # Moderation fields only: the author's text and body_version are left alone.
        p.update(fields(data), modified=ctx.now)
        d = ctx.put_post(p)
        ctx.save_post(p)
        return Done(_entity(pc.KIND_POST, d))
    return handler


def _moderate_thread(flag: str, value: bool) -> Callable[[_Ctx, dict[str, Any]], Done]:
    def handler(ctx: _Ctx, data: dict[str, Any]) -> Done:
        th, role = ctx.thread(data["thread_id"])
        if not access.can_moderate(ctx.user, role):
            raise Rejected(pc.REASON_NOT_AUTHORIZED,
                           "only the association's moderators can do this")
        th[flag] = value
        th["modified"] = ctx.now
        d = ctx.put_thread(th)
        ctx.save_thread(th)
        return Done(_entity(pc.KIND_THREAD, d))
    return handler


def post_flag(ctx: _Ctx, data: dict[str, Any]) -> Done:
    """Put a post in the moderation queue (see portal.moderation); nothing public changes."""
    p, _ = ctx.post(data["post_id"])
    if p["removed"] or p["deleted"]:
        raise Rejected(pc.REASON_POST_REMOVED, "the post is no longer there")
    f = db.post_flags.c
    already = ctx.conn.execute(select(f.id).where(
        f.post_id == p["id"], f.user_id == ctx.user.id, f.status == "open")).first()
    if already is None:
        ctx.conn.execute(insert(db.post_flags).values(
            post_id=p["id"], association_id=p["association_id"], user_id=ctx.user.id,
            reason=data["reason"], created=ctx.now, status="open"))
    return Done(None)


HANDLERS: dict[str, Callable[[_Ctx, dict[str, Any]], Done]] = {
    pc.OP_THREAD_CREATE: thread_create,
    pc.OP_POST_CREATE: post_create,
    pc.OP_POST_EDIT: post_edit,
    pc.OP_POST_DELETE: post_delete,
    pc.OP_REACTION_SET: reaction_set,
    pc.OP_READ_SET: read_set,
    pc.OP_FOLLOW_SET: follow_set,
    pc.OP_JOIN: membership_join,
    pc.OP_LEAVE: membership_leave,
    pc.OP_HIDE: _moderate_post(lambda d: {"hidden": True, "hidden_reason": d["reason"]}),
    pc.OP_UNHIDE: _moderate_post(lambda d: {"hidden": False, "hidden_reason": None}),
    pc.OP_REMOVE: _moderate_post(lambda d: {"removed": True, "removed_reason": d["reason"]}),
    pc.OP_LOCK: _moderate_thread("locked", True),
    pc.OP_UNLOCK: _moderate_thread("locked", False),
    pc.OP_PIN: _moderate_thread("pinned", True),
    pc.OP_UNPIN: _moderate_thread("pinned", False),
    pc.OP_FLAG: post_flag,
}
# Courses and the library in use build on _Ctx above: imported here, registered once.
from portal.community import courses as _courses  # noqa: E402
from portal.community import library_use as _library_use  # noqa: E402

HANDLERS.update(_courses.HANDLERS)
HANDLERS.update(_library_use.HANDLERS)
# Consultations, events and levels (portal/community/consultations.py), likewise.
from portal.community.consultations import HANDLERS as _CONSULT_HANDLERS  # noqa: E402

HANDLERS.update(_CONSULT_HANDLERS)
assert set(HANDLERS) == pc.OP_TYPES


# ---- the exactly-once wrapper -----------------------------------------------------------------


def _stored(conn: Connection, op_id: str) -> tuple[str, dict[str, Any]] | None:
    a = db.applied_ops.c
    row = conn.execute(select(a.user_id, a.result).where(a.op_id == op_id)).first()
    return None if row is None else (row[0], json.loads(row[1]))


def _outcome(stored: dict[str, Any], *, duplicate: bool) -> Outcome:
    result = stored["result"]
    if duplicate and result == pc.RESULT_APPLIED:
        result = pc.RESULT_DUPLICATE
    return Outcome(stored["op_id"], result, stored.get("reason"), stored.get("message"),
                   stored.get("entity"), stored.get("current"))


def _repeat(user: User, op_id: str, stored: tuple[str, dict[str, Any]]) -> Outcome:
    owner, result = stored
    if owner != user.id:
        return Outcome(op_id, pc.RESULT_REJECTED, pc.REASON_OP_ID_TAKEN,
                       "this op id was used by someone else; make a new one", record=False)
    return _outcome(result, duplicate=True)


def _decide(ctx: _Ctx, op: Op) -> Outcome:
    if op.depends_on is not None:
        parent = _stored(ctx.conn, op.depends_on)
        if parent is None or parent[0] != ctx.user.id:
            return Outcome(op.op_id, pc.RESULT_REJECTED, pc.REASON_PARENT_FAILED,
                           f"op {op.depends_on} it depends on has not been applied",
                           record=False)
        if parent[1]["result"] != pc.RESULT_APPLIED:
            return Outcome(op.op_id, pc.RESULT_REJECTED, pc.REASON_PARENT_FAILED,
                           f"op {op.depends_on} it depends on was {parent[1]['result']}")
    # A savepoint: should a handler reject after writing, none of its writes survive.
    nested = ctx.conn.begin_nested()
    try:
        done = HANDLERS[op.type](ctx, op.data)
    except Rejected as exc:
        nested.rollback()
        return Outcome(op.op_id, pc.RESULT_REJECTED, exc.reason, exc.message, record=exc.record)
    nested.commit()
    if done.conflict:
        return Outcome(op.op_id, pc.RESULT_CONFLICT, None, "the post changed since this edit "
                       "was made", done.entity, done.current)
    return Outcome(op.op_id, pc.RESULT_APPLIED, entity=done.entity)


def apply_op(engine: Engine, user: User, op: Op | BadOp, *, retry: bool = True) -> Outcome:
    """Apply one op exactly once (see the module docstring); never raises for bad ops."""
    try:
        with db.write_transaction(engine) as conn:
            stored = _stored(conn, op.op_id)
            if stored is not None:
                return _repeat(user, op.op_id, stored)
            if isinstance(op, BadOp):
                outcome = Outcome(op.op_id, pc.RESULT_REJECTED, pc.REASON_INVALID, op.message)
            else:
                ctx = _Ctx(conn, user, op)
                outcome = _decide(ctx, op)
                if outcome.result == pc.RESULT_APPLIED:
                    ctx.cs.flush()
            if outcome.record:
                line = outcome.line()
                del line["t"]
                conn.execute(insert(db.applied_ops).values(
                    op_id=op.op_id, user_id=user.id, type=getattr(op, "type", "")[:40],
                    result=json.dumps(line, ensure_ascii=False), created=db.utc_now()))
            return outcome
    except IntegrityError:
        # The same op id committed by a concurrent request (another copy of the outbox) first:
        # this transaction rolled back, so answer as a repeat.
        with engine.connect() as conn:
            stored = _stored(conn, op.op_id)
        if stored is not None:
            return _repeat(user, op.op_id, stored)
        if not retry:
            raise
        # Another op created the same entity id meanwhile: the retry sees it and says so.
        return apply_op(engine, user, op, retry=False)
