"""Contribution levels: who helps an association most, computed from what they did.

A member's **score** in an association is the weighted sum of their counts from every
:class:`Source` in :data:`SOURCES`; the score gives a **level** (:data:`THRESHOLDS`), and a
coordinator may grant the top level by hand (``level.grant``). Each member with a non-zero
count or a grant gets a ``level`` record in the association's stream; a recompute writes only
the records that changed. The full description is docs/leaders.md.

Adding a source is one entry in :data:`SOURCES` — a name (an identifier: it is the key in the
record's ``sources``), a weight (negative counts against), and a function
``count(conn, association_id) -> {user_id: count}``::

    SOURCES.append(Source("reviews", 3, count_reviews, "reviews of library resources"))

Recomputed inside the op that changes an input that matters most (an accepted answer, a
grant) and for every association by ``okno-portal leaders-recompute`` (run it nightly, e.g.
from cron or a systemd timer, for reactions and presence).

>>> changed = recompute(conn, changeset, "reg-45", now)
>>> recompute_all(engine)
12
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, distinct, func, insert, select, union_all, update

from portal import db
from portal.community.course_schema import count_course_completions, count_reviews
from portal.community.records import ChangeSet
from protocol import community as pc
from protocol import consultations as cq

CountFn = Callable[[Connection, str], dict[str, int]]


@dataclass(frozen=True, slots=True)
class Source:
    """One kind of helpful (or, with a negative weight, harmful) activity."""

    name: str
    weight: int
    count: CountFn
    description: str


def _pairs(conn: Connection, stmt: Any) -> dict[str, int]:
    return {str(user): int(n) for user, n in conn.execute(stmt) if user is not None and n}


def count_accepted_answers(conn: Connection, association_id: str) -> dict[str, int]:
    """Answers of the user accepted by the asker or a methodologist; accepting one's own
    answer to one's own question does not count."""
    a, q = db.answers.c, db.questions.c
    return _pairs(conn, select(a.author_id, func.count())
                  .select_from(db.answers.join(db.questions, q.id == a.question_id))
                  .where(a.association_id == association_id, a.accepted == True,  # noqa: E712
                         a.author_id != q.author_id)
                  .group_by(a.author_id))


def count_reactions_received(conn: Connection, association_id: str) -> dict[str, int]:
    """"Полезно" marks other members gave the user's posts (not on hidden or removed ones)."""
    r, p = db.reactions.c, db.posts.c
    return _pairs(conn, select(p.author_id, func.count())
                  .select_from(db.reactions.join(db.posts, p.id == r.post_id))
                  .where(p.association_id == association_id, r.kind == "useful",
                         p.hidden == False, p.removed == False,  # noqa: E712
                         r.user_id != p.author_id)
                  .group_by(p.author_id))


def count_active_days(conn: Connection, association_id: str) -> dict[str, int]:
    """Regular presence: distinct days (UTC) on which the user wrote a post, a question or
    an answer in the association."""
    p, q, a = db.posts.c, db.questions.c, db.answers.c
    day = func.substr
    parts = union_all(
        select(p.author_id.label("u"), day(p.created, 1, 10).label("d"))
        .where(p.association_id == association_id, p.deleted == False),  # noqa: E712
        select(q.author_id.label("u"), day(q.created, 1, 10).label("d"))
        .where(q.association_id == association_id),
        select(a.author_id.label("u"), day(a.created, 1, 10).label("d"))
        .where(a.association_id == association_id),
    ).subquery()
    return _pairs(conn, select(parts.c.u, func.count(distinct(parts.c.d))).group_by(parts.c.u))


def count_moderated(conn: Connection, association_id: str) -> dict[str, int]:
    """The user's posts a moderator hid or removed (moderation confirmed, not mere flags)."""
    p = db.posts.c
    return _pairs(conn, select(p.author_id, func.count())
                  .where(p.association_id == association_id,
                         (p.hidden == True) | (p.removed == True))  # noqa: E712
                  .group_by(p.author_id))


# The documented list (docs/leaders.md). Order is the order of ``sources`` in the records.
SOURCES: list[Source] = [
    Source("accepted_answers", 10, count_accepted_answers,
           "answers accepted by the asker or a methodologist"),
    Source("reactions_received", 2, count_reactions_received,
           "\"полезно\" marks on the user's posts from other members"),
    Source("active_days", 1, count_active_days,
           "distinct days with a post, question or answer in the association"),
    Source("moderated", -15, count_moderated,
           "the user's posts hidden or removed by moderators (counts against)"),
    Source("reviews", 3, count_reviews,
           "reviews of library resources (rating and \"how I used it in class\")"),
    Source("course_completions", 15, count_course_completions,
           "professional development courses completed"),
]

# Minimum score for levels 0..4 (newcomer, participant, active, expert, leader).
THRESHOLDS = (0, 10, 40, 120, 300)


def level_for(score: int) -> int:
    """``level_for(45) == 2``."""
    level = 0
    for n, threshold in enumerate(THRESHOLDS):
        if score >= threshold:
            level = n
    return level


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: str
    score: int
    level: int
    granted: bool
    sources: dict[str, int]


def compute(conn: Connection, association_id: str,
            sources: list[Source] | None = None) -> list[Standing]:
    """Every member with a non-zero count or a grant, best first (level, score, id)."""
    sources = SOURCES if sources is None else sources
    counts: dict[str, dict[str, int]] = {}
    for source in sources:
        for user, n in source.count(conn, association_id).items():
            counts.setdefault(user, {})[source.name] = n
    g = db.level_grants.c
    granted = set(conn.execute(select(g.user_id).where(
        g.association_id == association_id)).scalars())
    weights = {s.name: s.weight for s in sources}
    out = []
    for user in set(counts) | granted:
        mine = {s.name: counts.get(user, {}).get(s.name, 0) for s in sources}
        score = sum(weights[name] * n for name, n in mine.items())
        level = cq.LEVEL_TOP if user in granted else level_for(score)
        out.append(Standing(user, score, level, user in granted, mine))
    out.sort(key=lambda s: (-s.level, -s.score, s.user_id))
    return out


def recompute(conn: Connection, cs: ChangeSet, association_id: str, now: str
              ) -> dict[str, dict[str, Any]]:
    """Publish the association's changed level records through ``cs`` (the caller flushes);
    returns them by user id."""
    lv = db.levels.c
    stored = {r.user_id: r for r in conn.execute(
        select(db.levels).where(lv.association_id == association_id))}
    stream = pc.assoc_stream(association_id)
    changed: dict[str, dict[str, Any]] = {}
    standings = compute(conn, association_id)
    seen = set()
    for rank, s in enumerate(standings, start=1):
        seen.add(s.user_id)
        row = {"level": s.level, "score": s.score, "rank": rank, "granted": s.granted,
               "sources": json.dumps(s.sources, sort_keys=True)}
        old = stored.get(s.user_id)
        if old is not None and all(getattr(old, k) == v for k, v in row.items()):
            continue
        if old is None:
            conn.execute(insert(db.levels).values(association_id=association_id,
                                                  user_id=s.user_id, modified=now, **row))
        else:
            conn.execute(update(db.levels).where(and_(
                lv.association_id == association_id, lv.user_id == s.user_id))
                .values(modified=now, **row))
        changed[s.user_id] = cs.put(stream, cq.KIND_LEVEL, {
            "id": cq.level_id(association_id, s.user_id), "user_id": s.user_id,
            "association_id": association_id,
            "level": s.level, "score": s.score, "rank": rank, "granted": s.granted,
            "sources": s.sources, "modified": now})
    for user, old in stored.items():  # nothing left to count (e.g. a grant taken back)
        if user not in seen and (old.score, old.level, old.granted) != (0, 0, False):
            conn.execute(update(db.levels).where(and_(
                lv.association_id == association_id, lv.user_id == user)).values(
                level=0, score=0, rank=len(standings) + 1, granted=False, sources="{}",
                modified=now))
            changed[user] = cs.put(stream, cq.KIND_LEVEL, {
                "id": cq.level_id(association_id, user), "user_id": user,
                "association_id": association_id, "level": 0,
                "score": 0, "rank": len(standings) + 1, "granted": False, "sources": {},
                "modified": now})
    return changed


def recompute_all(engine: Engine, association_ids: list[str] | None = None) -> int:
    """Recompute every association (one transaction each); returns how many records
    changed."""
    if association_ids is None:
        with engine.connect() as conn:
            association_ids = list(conn.execute(select(db.associations.c.id)).scalars())
    total = 0
    for aid in association_ids:
        with db.write_transaction(engine) as conn:
            now = db.utc_now()
            cs = ChangeSet(conn, now)
            total += len(recompute(conn, cs, aid, now))
            cs.flush()
    return total
