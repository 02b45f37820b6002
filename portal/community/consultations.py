"""Op handlers for consultations, the association calendar and hand-granted levels.

Registered into :data:`portal.community.ops.HANDLERS`; each runs inside the exactly-once
wrapper of :func:`portal.community.ops.apply_op` (one transaction with the change log and the
stored result).

Who may do what (see docs/protocol.md, *Consultations, events, leaders*):

* ``question.ask``, ``answer.create``: members of the association (as for posting).
* ``answer.accept``: the question's author, or a methodologist of the association
  (its moderators and coordinators; portal moderators and administrators).
* ``event.create``, ``event.cancel``, ``level.grant``: the association's coordinators and
  portal administrators.
* ``event.mark``: anyone who may read the association.

>>> HANDLERS["question.ask"]   # doctest: +SKIP
<function question_ask ...>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update

from portal import db
from portal.community import access, leaders
from portal.community.ops import Done, Rejected, _Ctx, _entity
from protocol import community as pc
from protocol import consultations as cq

# ---- records (table row -> record d, without version) -------------------------------------


def question_record(q: Mapping[str, Any]) -> dict[str, Any]:
    return {k: q[k] for k in (
        "id", "association_id", "author_id", "category", "title", "body_md", "status",
        "answer_count", "accepted_answer_id", "last_answer_at", "created", "modified")}


def answer_record(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": a["id"], "question_id": a["question_id"],
            "association_id": a["association_id"], "author_id": a["author_id"],
            "body_md": a["body_md"], "accepted": bool(a["accepted"]), "created": a["created"],
            "modified": a["modified"]}


def event_record(e: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: e[k] for k in ("id", "association_id", "author_id", "kind", "title",
                             "description", "location", "url", "starts", "ends", "created",
                             "modified")}
    out["cancelled"] = bool(e["cancelled"])
    return out


def event_mark_record(m: Mapping[str, Any], now: str) -> dict[str, Any]:
    return {"id": m["event_id"], "event_id": m["event_id"],
            "association_id": m["association_id"], "remind_minutes": m["remind_minutes"],
            "modified": now}


# ---- roles -------------------------------------------------------------------------------------


def is_methodologist(ctx: _Ctx, role: str | None) -> bool:
    """Methodologists answer for an association's content: its moderators and coordinators."""
    return access.can_moderate(ctx.user, role)


def is_coordinator(ctx: _Ctx, role: str | None) -> bool:
    return role == "coordinator" or ctx.user.role == "administrator"


def _require_member(ctx: _Ctx, role: str | None) -> None:
    if not access.can_post(ctx.user, role):
        raise Rejected(pc.REASON_NOT_MEMBER, "join the association to ask and answer questions")


def _row(ctx: _Ctx, table: Any, entity_id: str, what: str) -> dict[str, Any]:
    row = ctx.conn.execute(select(table).where(table.c.id == entity_id).with_for_update()
                           ).mappings().first()
    if row is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no {what} {entity_id!r}")
    return dict(row)


def _save(ctx: _Ctx, table: Any, row: Mapping[str, Any]) -> None:
    ctx.conn.execute(update(table).where(table.c.id == row["id"]).values(
        {k: v for k, v in row.items() if k != "id"}))


def _put(ctx: _Ctx, kind: str, row: Mapping[str, Any],
         build: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    return ctx.cs.put(pc.assoc_stream(row["association_id"]), kind, build(row))


# ---- consultations -------------------------------------------------------------------------


def question_ask(ctx: _Ctx, data: dict[str, Any]) -> Done:
    _, role = ctx.association(data["association_id"])
    _require_member(ctx, role)
    ctx.id_free(db.questions, data["id"], "question")
    ctx.check_rate()
    q = {"id": data["id"], "association_id": data["association_id"], "author_id": ctx.user.id,
         "category": data["category"], "title": data["title"], "body_md": data["body_md"],
         "status": "open", "answer_count": 0, "accepted_answer_id": None,
         "last_answer_at": None, "created": ctx.now, "modified": ctx.now}
    d = _put(ctx, cq.KIND_QUESTION, q, question_record)
    ctx.conn.execute(insert(db.questions).values(q))
    return Done(_entity(cq.KIND_QUESTION, d))


def _question(ctx: _Ctx, question_id: str) -> tuple[dict[str, Any], str | None]:
    q = _row(ctx, db.questions, question_id, "question")
    _, role = ctx.association(q["association_id"])
    return q, role


def answer_create(ctx: _Ctx, data: dict[str, Any]) -> Done:
    q, role = _question(ctx, data["question_id"])
    _require_member(ctx, role)
    ctx.id_free(db.answers, data["id"], "answer")
    ctx.check_rate()
    a = {"id": data["id"], "question_id": q["id"], "association_id": q["association_id"],
         "author_id": ctx.user.id, "body_md": data["body_md"], "accepted": False,
         "created": ctx.now, "modified": ctx.now}
    d = _put(ctx, cq.KIND_ANSWER, a, answer_record)
    ctx.conn.execute(insert(db.answers).values(a))
    # "Answered" once someone other than the asker replied (the asker's own follow-up is not
    # an answer); an accepted answer also makes it answered.
    answered = q["status"] == "answered" or ctx.user.id != q["author_id"]
    q.update(answer_count=q["answer_count"] + 1, last_answer_at=ctx.now, modified=ctx.now,
             status="answered" if answered else "open")
    _save(ctx, db.questions, q)
    _put(ctx, cq.KIND_QUESTION, q, question_record)
    return Done(_entity(cq.KIND_ANSWER, d))


def answer_accept(ctx: _Ctx, data: dict[str, Any]) -> Done:
    q, role = _question(ctx, data["question_id"])
    if q["author_id"] != ctx.user.id and not is_methodologist(ctx, role):
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "only the asker or a methodologist of the "
                       "association can accept an answer")
    a = _row(ctx, db.answers, data["answer_id"], "answer")
    if a["question_id"] != q["id"]:
        raise Rejected(pc.REASON_NOT_FOUND, "the answer belongs to another question")
    stream = pc.assoc_stream(q["association_id"])
    if a["accepted"]:
        current = _current(ctx, stream, cq.KIND_ANSWER, a["id"])
        return Done(_entity(cq.KIND_ANSWER, current) if current else None)
    if q["accepted_answer_id"]:
        old = ctx.conn.execute(select(db.answers).where(
            db.answers.c.id == q["accepted_answer_id"])).mappings().first()
        if old is not None:
            old = dict(old, accepted=False, modified=ctx.now)
            _save(ctx, db.answers, old)
            _put(ctx, cq.KIND_ANSWER, old, answer_record)
    a.update(accepted=True, modified=ctx.now)
    _save(ctx, db.answers, a)
    d = _put(ctx, cq.KIND_ANSWER, a, answer_record)
    q.update(accepted_answer_id=a["id"], status="answered", modified=ctx.now)
    _save(ctx, db.questions, q)
    _put(ctx, cq.KIND_QUESTION, q, question_record)
    # Accepted answers weigh most in the contribution levels: recompute this association's.
    leaders.recompute(ctx.conn, ctx.cs, q["association_id"], ctx.now)
    return Done(_entity(cq.KIND_ANSWER, d))


def _current(ctx: _Ctx, stream: str, kind: str, entity_id: str) -> dict[str, Any] | None:
    from portal.community.records import current_record

    return current_record(ctx.conn, stream, kind, entity_id)


# ---- events --------------------------------------------------------------------------------


def _require_coordinator(ctx: _Ctx, role: str | None) -> None:
    if not is_coordinator(ctx, role):
        raise Rejected(pc.REASON_NOT_AUTHORIZED, "only the association's coordinators can do "
                       "this")


def event_create(ctx: _Ctx, data: dict[str, Any]) -> Done:
    _, role = ctx.association(data["association_id"])
    _require_coordinator(ctx, role)
    ctx.id_free(db.events, data["id"], "event")
    e = {**data, "author_id": ctx.user.id, "cancelled": False, "created": ctx.now,
         "modified": ctx.now}
    d = _put(ctx, cq.KIND_EVENT, e, event_record)
    ctx.conn.execute(insert(db.events).values(e))
    return Done(_entity(cq.KIND_EVENT, d))


def event_cancel(ctx: _Ctx, data: dict[str, Any]) -> Done:
    e = _row(ctx, db.events, data["event_id"], "event")
    _, role = ctx.association(e["association_id"])
    _require_coordinator(ctx, role)
    if e["cancelled"]:
        current = _current(ctx, pc.assoc_stream(e["association_id"]), cq.KIND_EVENT, e["id"])
        return Done(_entity(cq.KIND_EVENT, current) if current else None)
    e.update(cancelled=True, modified=ctx.now)
    _save(ctx, db.events, e)
    return Done(_entity(cq.KIND_EVENT, _put(ctx, cq.KIND_EVENT, e, event_record)))


def event_mark(ctx: _Ctx, data: dict[str, Any]) -> Done:
    m = db.event_marks.c
    where = (m.user_id == ctx.user.id, m.event_id == data["event_id"])
    have = ctx.conn.execute(select(db.event_marks).where(*where)).mappings().first()
    stream = ctx.user_stream()
    if not data["on"]:  # unmarking is always allowed, even an event one can no longer read
        if have is None:
            return Done(None)
        ctx.conn.execute(delete(db.event_marks).where(*where))
        version = ctx.cs.tombstone(stream, cq.KIND_EVENT_MARK, data["event_id"])
        return Done({"kind": cq.KIND_EVENT_MARK, "id": data["event_id"], "version": version})
    e = ctx.conn.execute(select(db.events).where(db.events.c.id == data["event_id"])
                         ).mappings().first()
    if e is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no event {data['event_id']!r}")
    ctx.association(e["association_id"])
    row = {"user_id": ctx.user.id, "event_id": e["id"], "association_id": e["association_id"],
           "remind_minutes": data["remind_minutes"], "created": ctx.now}
    if have is not None and have["remind_minutes"] == data["remind_minutes"]:
        current = _current(ctx, stream, cq.KIND_EVENT_MARK, e["id"])
        return Done(_entity(cq.KIND_EVENT_MARK, current) if current else None)
    if have is None:
        ctx.conn.execute(insert(db.event_marks).values(row))
    else:
        ctx.conn.execute(update(db.event_marks).where(*where).values(
            remind_minutes=data["remind_minutes"]))
    d = ctx.cs.put(stream, cq.KIND_EVENT_MARK, event_mark_record(row, ctx.now))
    return Done(_entity(cq.KIND_EVENT_MARK, d))


# ---- leaders -------------------------------------------------------------------------------


def level_grant(ctx: _Ctx, data: dict[str, Any]) -> Done:
    aid, uid = data["association_id"], data["user_id"]
    _, role = ctx.association(aid)
    _require_coordinator(ctx, role)
    if ctx.conn.execute(select(db.users.c.id).where(db.users.c.id == uid)).first() is None:
        raise Rejected(pc.REASON_NOT_FOUND, f"there is no user {uid!r}")
    g = db.level_grants.c
    where = (g.association_id == aid, g.user_id == uid)
    has = ctx.conn.execute(select(g.user_id).where(*where)).first() is not None
    if data["on"] and not has:
        ctx.conn.execute(insert(db.level_grants).values(
            association_id=aid, user_id=uid, granted_by=ctx.user.id, created=ctx.now))
    elif not data["on"] and has:
        ctx.conn.execute(delete(db.level_grants).where(*where))
    changed = leaders.recompute(ctx.conn, ctx.cs, aid, ctx.now)
    current = changed.get(uid) or _current(ctx, pc.assoc_stream(aid), cq.KIND_LEVEL,
                                           cq.level_id(aid, uid))
    return Done(_entity(cq.KIND_LEVEL, current) if current else None)


HANDLERS: dict[str, Callable[[_Ctx, dict[str, Any]], Done]] = {
    cq.OP_QUESTION_ASK: question_ask,
    cq.OP_ANSWER_CREATE: answer_create,
    cq.OP_ANSWER_ACCEPT: answer_accept,
    cq.OP_EVENT_CREATE: event_create,
    cq.OP_EVENT_CANCEL: event_cancel,
    cq.OP_EVENT_MARK: event_mark,
    cq.OP_LEVEL_GRANT: level_grant,
}


# ---- administration (okno-portal event-add, leader-grant) ----------------------------------

EVENT_FIELDS = frozenset({"id", "association_id", "kind", "title", "description", "location",
                          "url", "starts", "ends"})


def add_event(engine: Any, data: Mapping[str, Any], author_id: str) -> dict[str, Any]:
    """Publish an event from the command line (as ``event.create`` would, without an op);
    ``data`` as the op's fields, ``id`` optional. Returns the record."""
    import secrets

    from portal.community.records import ChangeSet
    from protocol.wire import ProtocolError

    unknown = sorted(set(data) - EVENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown event field(s): {', '.join(unknown)}")
    fields = {"id": f"ev-{secrets.token_hex(6)}", **data}
    try:
        fields = cq.OP_VALIDATORS[cq.OP_EVENT_CREATE](fields)
    except ProtocolError as exc:
        raise ValueError(f"invalid event: {exc}") from None
    with db.write_transaction(engine) as conn:
        if access.association_row(conn, fields["association_id"]) is None:
            raise ValueError(f"there is no association {fields['association_id']!r}")
        if conn.execute(select(db.events.c.id).where(db.events.c.id == fields["id"])).first():
            raise ValueError(f"an event with id {fields['id']!r} already exists")
        now = db.utc_now()
        e = {**fields, "author_id": author_id, "cancelled": False, "created": now,
             "modified": now}
        cs = ChangeSet(conn, now)
        d = cs.put(pc.assoc_stream(e["association_id"]), cq.KIND_EVENT, event_record(e))
        conn.execute(insert(db.events).values(e))
        cs.flush()
    return d


def grant_level(engine: Any, association_id: str, user_id: str, granted_by: str,
                on: bool = True) -> dict[str, Any] | None:
    """Grant (or take back) the top level from the command line; returns the user's level
    record after the recompute."""
    from portal.community.records import ChangeSet, current_record

    with db.write_transaction(engine) as conn:
        if access.association_row(conn, association_id) is None:
            raise ValueError(f"there is no association {association_id!r}")
        now = db.utc_now()
        g = db.level_grants.c
        conn.execute(delete(db.level_grants).where(g.association_id == association_id,
                                                   g.user_id == user_id))
        if on:
            conn.execute(insert(db.level_grants).values(
                association_id=association_id, user_id=user_id, granted_by=granted_by,
                created=now))
        cs = ChangeSet(conn, now)
        changed = leaders.recompute(conn, cs, association_id, now)
        cs.flush()
        return changed.get(user_id) or current_record(
            conn, pc.assoc_stream(association_id), cq.KIND_LEVEL,
            cq.level_id(association_id, user_id))
