"""The moderation queue: posts that members flagged (op ``post.flag``), and what moderators
decide about them.

A flag is private to the moderators: it never reaches the change log. Deciding on a post
resolves all its open flags at once:

* ``hide`` — the post is hidden (``hidden`` + ``hidden_reason`` in its record, like the
  ``mod.post.hide`` op) and its flags are closed as ``hidden``;
* ``restore`` — a hidden post is shown again, its flags closed as ``restored``;
* ``dismiss`` — nothing wrong with the post: its open flags are closed as ``dismissed``.

Everything lives in the database, so any portal process (and ``okno-portal moderation``)
sees the same queue.

>>> queue = open_flags(engine)
>>> decide(engine, queue[0].post_id, "hide", by="admin (cli)", reason="реклама")
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from portal import db
from portal.community import access, records
from portal.community.accounts import User
from portal.community.records import ChangeSet
from protocol import community as pc

ACTIONS = ("hide", "restore", "dismiss")
OPEN = "open"
EXCERPT = 200


class ModerationError(ValueError):
    """An unknown post, or a decision that does not fit the post's state."""


@dataclass(frozen=True, slots=True)
class FlaggedPost:
    """One post of the queue with the flags it gathered."""

    post_id: str
    association_id: str
    thread_id: str
    author_id: str
    excerpt: str
    hidden: bool
    flags: int
    reasons: list[str]
    first_flagged: str
    last_flagged: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def open_flags(engine: Engine, association_ids: Collection[str] | None = None,
               limit: int = 500) -> list[FlaggedPost]:
    """Posts with open flags, most flagged first; only the given associations if named."""
    f, p = db.post_flags.c, db.posts.c
    query = (select(f.post_id, f.reason, f.created, p.association_id, p.thread_id,
                    p.author_id, p.body_md, p.hidden)
             .join(db.posts, p.id == f.post_id)
             .where(f.status == OPEN).order_by(f.created))
    if association_ids is not None:
        if not association_ids:
            return []
        query = query.where(p.association_id.in_(sorted(association_ids)))
    grouped: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            g = grouped.setdefault(r.post_id, {
                "post_id": r.post_id, "association_id": r.association_id,
                "thread_id": r.thread_id, "author_id": r.author_id,
                "excerpt": " ".join(r.body_md.split())[:EXCERPT], "hidden": bool(r.hidden),
                "flags": 0, "reasons": [], "first_flagged": r.created,
                "last_flagged": r.created})
            g["flags"] += 1
            if r.reason not in g["reasons"]:
                g["reasons"].append(r.reason)
            g["last_flagged"] = r.created
    posts = sorted(grouped.values(), key=lambda g: (-g["flags"], g["first_flagged"]))
    return [FlaggedPost(**g) for g in posts[:limit]]


def moderated_associations(engine: Engine, user: User) -> list[str] | None:
    """The associations whose queue ``user`` may see; None means all (portal moderators)."""
    if user.role in access.PORTAL_MODERATORS:
        return None
    m = db.memberships.c
    with engine.connect() as conn:
        return list(conn.execute(select(m.association_id).where(
            m.user_id == user.id, m.role.in_(sorted(pc.MODERATING_ROLES)))).scalars())


def decide(engine: Engine, post_id: str, action: str, *, by: str,
           reason: str | None = None,
           allowed: Collection[str] | None = None) -> dict[str, Any]:
    """Apply a moderator's decision on a post; returns ``{"post_id", "action", "flags",
    "version"}`` (``version`` of the post record, None when it did not change).

    ``allowed`` limits the associations the decision may touch (None: any).
    """
    if action not in ACTIONS:
        raise ModerationError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if reason is not None and len(reason) > pc.MAX_REASON:
        raise ModerationError(f"the reason is longer than {pc.MAX_REASON} characters")
    now = db.utc_now()
    t, f = db.posts, db.post_flags.c
    with db.write_transaction(engine) as conn:
        row = conn.execute(select(t).where(t.c.id == post_id).with_for_update()
                           ).mappings().first()
        if row is None or (allowed is not None and row["association_id"] not in allowed):
            raise ModerationError(f"there is no post {post_id!r} in your associations")
        post = dict(row)
        version = None
        if action == "hide" and not post["hidden"]:
            post.update(hidden=True, modified=now,
                        hidden_reason=reason or _flag_reasons(conn, post_id) or None)
        elif action == "restore" and post["hidden"]:
            post.update(hidden=False, hidden_reason=None, modified=now)
        else:
            post = {}
        if post:
            cs = ChangeSet(conn, now)
            d = cs.put(pc.assoc_stream(post["association_id"]), pc.KIND_POST,
                       records.post_record(post))
            conn.execute(update(t).where(t.c.id == post_id).values(
                hidden=post["hidden"], hidden_reason=post["hidden_reason"], modified=now))
            cs.flush()
            version = d["version"]
        status = {"hide": "hidden", "restore": "restored", "dismiss": "dismissed"}[action]
        pending = [OPEN] if action != "restore" else [OPEN, "hidden"]
        done = conn.execute(update(db.post_flags).where(
            f.post_id == post_id, f.status.in_(pending)).values(
            status=status, resolved_by=by[:200], resolved_at=now))
    return {"post_id": post_id, "action": action, "flags": int(done.rowcount),
            "version": version}


def _flag_reasons(conn: Any, post_id: str) -> str:
    f = db.post_flags.c
    reasons = list(dict.fromkeys(conn.execute(select(f.reason).where(
        f.post_id == post_id, f.status == OPEN).order_by(f.created)).scalars()))
    return "; ".join(reasons)[:pc.MAX_REASON]
