"""The library in use on the portal: reviews of resources (a 1-5 rating and a "how I used it
in class" note; one per user and resource, editable) and lesson sets (personal collections of
resources, private by default, optionally shared with one association the owner belongs to).

Records: ``review`` in ``directory`` (everyone signed in reads them); ``lesson_set`` in the
owner's ``user:<id>``; while shared, a ``shared_lesson_set`` copy in ``assoc:<id>`` — taken
back with a tombstone when the owner unshares, moves or deletes the set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update

from portal import db
from portal.community import access
from portal.community.course_schema import lesson_sets, reviews
from portal.community.ops import Done, Rejected, _Ctx, _entity
from portal.community.records import current_record
from protocol import community as pc
from protocol import courses as pcourses


def review_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "resource_id": row["resource_id"], "author_id": row["user_id"],
            "rating": row["rating"], "body_md": row["body_md"], "created": row["created"],
            "modified": row["modified"]}


def lesson_set_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "owner_id": row["owner_id"], "title": row["title"],
            "description": row["description"],
            "resource_ids": json.loads(row["resource_ids"]) if isinstance(
                row["resource_ids"], str) else list(row["resource_ids"]),
            "shared_with": row["shared_with"], "created": row["created"],
            "modified": row["modified"]}


def _require_resources(ctx: _Ctx, ids: list[str]) -> None:
    r = db.resources.c
    known = set(ctx.conn.execute(select(r.id).where(r.id.in_(ids))).scalars()) if ids else set()
    missing = [i for i in ids if i not in known]
    if missing:
        raise Rejected(pc.REASON_NOT_FOUND, "not in the catalog: " + ", ".join(missing[:5]))


def review_set(ctx: _Ctx, data: dict[str, Any]) -> Done:
    _require_resources(ctx, [data["resource_id"]])
    rid = pcourses.review_id(ctx.user.id, data["resource_id"])
    t = reviews.c
    old = ctx.conn.execute(select(reviews).where(t.id == rid)).mappings().first()
    if old is not None and (old["rating"], old["body_md"]) == (data["rating"], data["body_md"]):
        d = current_record(ctx.conn, pc.DIRECTORY_STREAM, pcourses.KIND_REVIEW, rid)
        return Done(_entity(pcourses.KIND_REVIEW, d) if d else None)
    row = {"id": rid, "resource_id": data["resource_id"], "user_id": ctx.user.id,
           "rating": data["rating"], "body_md": data["body_md"],
           "created": old["created"] if old else ctx.now, "modified": ctx.now}
    if old is None:
        ctx.conn.execute(insert(reviews).values(row))
    else:
        ctx.conn.execute(update(reviews).where(t.id == rid).values(row))
    d = ctx.cs.put(pc.DIRECTORY_STREAM, pcourses.KIND_REVIEW, review_record(row))
    return Done(_entity(pcourses.KIND_REVIEW, d))


def review_delete(ctx: _Ctx, data: dict[str, Any]) -> Done:
    rid = pcourses.review_id(ctx.user.id, data["resource_id"])
    gone = ctx.conn.execute(delete(reviews).where(reviews.c.id == rid)).rowcount
    if gone:
        ctx.cs.tombstone(pc.DIRECTORY_STREAM, pcourses.KIND_REVIEW, rid)
    return Done(None)


def _own_set(ctx: _Ctx, set_id: str) -> Mapping[str, Any] | None:
    s = lesson_sets.c
    row = ctx.conn.execute(select(lesson_sets).where(s.id == set_id).with_for_update()
                           ).mappings().first()
    if row is not None and row["owner_id"] != ctx.user.id:
        raise Rejected(pc.REASON_ID_TAKEN, f"a lesson set with id {set_id!r} already exists")
    return row


def lesson_set_save(ctx: _Ctx, data: dict[str, Any]) -> Done:
    old = _own_set(ctx, data["id"])
    _require_resources(ctx, data["resource_ids"])
    target = data["shared_with"]
    if target is not None:
        _, role = ctx.association(target)
        if not access.can_post(ctx.user, role):
            raise Rejected(pc.REASON_NOT_MEMBER, "join the association to share with it")
    row = {"id": data["id"], "owner_id": ctx.user.id, "title": data["title"],
           "description": data["description"],
           "resource_ids": json.dumps(data["resource_ids"], ensure_ascii=False),
           "shared_with": target, "created": old["created"] if old else ctx.now,
           "modified": ctx.now}
    if old is None:
        ctx.conn.execute(insert(lesson_sets).values(row))
    else:
        ctx.conn.execute(update(lesson_sets).where(lesson_sets.c.id == row["id"]).values(row))
        if old["shared_with"] is not None and old["shared_with"] != target:
            ctx.cs.tombstone(pc.assoc_stream(old["shared_with"]),
                             pcourses.KIND_SHARED_LESSON_SET, row["id"])
    record = lesson_set_record(row)
    d = ctx.cs.put(ctx.user_stream(), pcourses.KIND_LESSON_SET, dict(record))
    if target is not None:
        ctx.cs.put(pc.assoc_stream(target), pcourses.KIND_SHARED_LESSON_SET, dict(record))
    return Done(_entity(pcourses.KIND_LESSON_SET, d))


def lesson_set_delete(ctx: _Ctx, data: dict[str, Any]) -> Done:
    old = _own_set(ctx, data["id"])
    if old is None:
        return Done(None)
    ctx.conn.execute(delete(lesson_sets).where(lesson_sets.c.id == old["id"]))
    ctx.cs.tombstone(ctx.user_stream(), pcourses.KIND_LESSON_SET, old["id"])
    if old["shared_with"] is not None:
        ctx.cs.tombstone(pc.assoc_stream(old["shared_with"]), pcourses.KIND_SHARED_LESSON_SET,
                         old["id"])
    return Done(None)


HANDLERS = {
    pcourses.OP_REVIEW_SET: review_set,
    pcourses.OP_REVIEW_DELETE: review_delete,
    pcourses.OP_LESSON_SET_SAVE: lesson_set_save,
    pcourses.OP_LESSON_SET_DELETE: lesson_set_delete,
}
