"""Deterministic demo community: Russian users, associations, forums, threads and posts.

>>> summary = load_demo_community(CommunityStore(store.engine), n_users=60, n_posts=1500)
>>> str(summary)
'60 users, 14 associations, 37 forums, 187 threads, 1500 posts, ... reactions'

Everything follows from ``seed``: the same seed gives the same users, texts and structure
(ids included), so benchmarks and screenshots are repeatable. Two accounts can sign in with
the password :data:`DEMO_PASSWORD`: ``demo`` (a media specialist in a village school) and
``metodist`` (a regional methodologist who moderates). Other demo users have no password.

Threads and posts are written in bulk (one transaction per :data:`BATCH_POSTS` posts) through
the same change-log writer as ops, so clients see exactly what live use would produce;
50,000 posts load in well under a minute.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from portal import db
from portal.community import records
from portal.community.demo_data import (
    ANSWERS,
    CLOSINGS,
    DETAILS,
    FORUMS,
    NATIONAL,
    OPENINGS,
    QUESTIONS,
    REGIONS,
    SCHOOL_TEMPLATES,
    THREAD_TITLES,
    TOPICS,
)
from portal.community.records import ChangeSet
from portal.community.store import CommunityStore
from portal.demo_data import FEMALE_NAMES, MALE_NAMES, PATRONYMICS, SURNAMES
from protocol import community as pc

DEMO_PASSWORD = "demo"
DEMO_LOGINS = ("demo", "metodist")
BATCH_POSTS = 2000
MEAN_POSTS_PER_THREAD = 8
_EPOCH = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
DEMO_SPAN_DAYS = 400  # the demo's discussions end by early October 2026


@dataclass
class DemoSummary:
    users: int = 0
    associations: int = 0
    forums: int = 0
    threads: int = 0
    posts: int = 0
    reactions: int = 0

    def __str__(self) -> str:
        return (f"{self.users} users, {self.associations} associations, {self.forums} forums, "
                f"{self.threads} threads, {self.posts} posts, {self.reactions} reactions")


@dataclass
class _Person:
    id: str
    login: str
    name: str
    school: str
    municipality_id: str
    municipality: str
    region_code: str
    region: str
    memberships: dict[str, str] = field(default_factory=dict)


def _stamp(minutes: float) -> str:
    return (_EPOCH + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _people(rng: random.Random, n_users: int) -> list[_Person]:
    places = [(code, region, mid, mname, village)
              for region, code, munis in REGIONS for mid, mname, villages in munis
              for village in villages]
    people = []
    for i in range(n_users):
        code, region, mid, mname, village = places[0] if i < 2 else rng.choice(places)
        female = i == 0 or rng.random() < 0.8  # the profession is mostly women
        surname = rng.choice(SURNAMES)[1 if female else 0]
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        patronymic = rng.choice(PATRONYMICS)[1 if female else 0]
        school = rng.choice(SCHOOL_TEMPLATES).format(n=rng.randint(1, 12), village=village)
        # "-ская" adjectives read oddly for multi-word villages: fall back to the plain form.
        if " " in village or "-" in village:
            school = f"МБОУ СОШ № {rng.randint(1, 12)} с. {village}"
        login = DEMO_LOGINS[i] if i < len(DEMO_LOGINS) else f"user{i:03d}"
        people.append(_Person(f"u-{i:04d}", login, f"{surname} {first} {patronymic}",
                              school, f"mun-{code}-{mid}", mname, code, region))
    if people:
        people[0].school = "МБОУ СОШ № 2 с. Покровское"
    return people


def _associations() -> list[dict[str, Any]]:
    out = [{"id": NATIONAL[0], "name": NATIONAL[1], "description": NATIONAL[2],
            "kind": "national", "visibility": "public"}]
    for region, code, munis in REGIONS:
        out.append({"id": f"reg-{code}", "name": f"Медиаспециалисты: {region}",
                    "description": f"Региональное объединение школьных библиотекарей, учителей "
                    f"информатики и методистов ({region}).", "kind": "regional",
                    "visibility": "public", "parent_id": NATIONAL[0], "region": region})
        for mid, mname, _ in munis:
            out.append({"id": f"mun-{code}-{mid}", "name": f"РМО медиаспециалистов: {mname}",
                        "description": "Районное методическое объединение.",
                        "kind": "municipal", "visibility": "public",
                        "parent_id": f"reg-{code}", "region": region, "municipality": mname})
    for tid, name, description in TOPICS:
        out.append({"id": tid, "name": name, "description": description, "kind": "topic",
                    "visibility": "public", "topic": name})
    first_region, first_code = REGIONS[0][0], REGIONS[0][1]
    out.append({"id": f"reg-{first_code}-council", "name": f"Методический совет ({first_region})",
                "description": "Закрытое объединение методистов: планы, проверки, "
                "черновики документов.", "kind": "regional", "visibility": "private",
                "parent_id": f"reg-{first_code}", "region": first_region})
    return out


def _memberships(rng: random.Random, people: list[_Person], council: str) -> None:
    for i, p in enumerate(people):
        p.memberships = {NATIONAL[0]: "member", f"reg-{p.region_code}": "member",
                         p.municipality_id: "member"}
        for tid, _, _ in TOPICS:
            if i == 0 and tid == "topic-librarians" or i > 1 and rng.random() < 0.45:
                p.memberships[tid] = "member"
    if len(people) > 1:  # "metodist" moderates broadly and coordinates the closed council
        m = people[1]
        m.memberships.update({NATIONAL[0]: "moderator", f"reg-{m.region_code}": "coordinator",
                              m.municipality_id: "moderator", council: "coordinator"})
        for tid, _, _ in TOPICS:
            m.memberships[tid] = "moderator"
    for p in people[2:]:
        roll = rng.random()
        if roll < 0.06:
            p.memberships[f"reg-{p.region_code}"] = "moderator"
        elif roll < 0.12 and p.region_code == REGIONS[0][1]:
            p.memberships[council] = "member"


def _body(rng: random.Random, first: bool) -> str:
    if first:
        parts = [rng.choice(OPENINGS), rng.choice(QUESTIONS)]
        if rng.random() < 0.4:
            parts.append(rng.choice(DETAILS))
        parts.append(rng.choice(CLOSINGS))
    else:
        parts = [rng.choice(ANSWERS)]
        if rng.random() < 0.3:
            parts.append(rng.choice(DETAILS))
    return "\n\n".join(p for p in parts if p)


def load_demo_community(community: CommunityStore, *, n_users: int = 60, n_posts: int = 1500,
                        seed: int = 1) -> DemoSummary:
    """Create the demo community in an empty community store."""
    rng = random.Random(f"okno-community:{seed}")
    summary = DemoSummary()
    people = _people(rng, max(n_users, len(DEMO_LOGINS)))
    demo_hash = None
    for i, p in enumerate(people):
        if i < len(DEMO_LOGINS) and demo_hash is None:
            from portal.community.accounts import hash_password
            demo_hash = hash_password(DEMO_PASSWORD)
        community.add_user(p.login, p.name, user_id=p.id, school=p.school,
                           municipality=p.municipality, region=p.region,
                           role="moderator" if p.login == "metodist" else "member",
                           password_hash=demo_hash if i < len(DEMO_LOGINS) else None)
    summary.users = len(people)

    associations = _associations()
    for a in associations:
        community.add_association(a)
    summary.associations = len(associations)
    council = associations[-1]["id"]
    forums: list[tuple[str, str]] = []  # (forum id, association id)
    for a in associations:
        kind = "topic" if a["visibility"] == "private" else a["kind"]
        for position, (suffix, title, description) in enumerate(FORUMS[kind]):
            fid = f"{a['id']}-{suffix}"
            community.add_forum({"id": fid, "association_id": a["id"], "title": title,
                                 "description": description, "position": position})
            forums.append((fid, a["id"]))
    summary.forums = len(forums)

    _memberships(rng, people, council)
    members: dict[str, list[_Person]] = {}
    for p in people:
        for aid, role in p.memberships.items():
            community.set_membership(p.login, aid, role)
            members.setdefault(aid, []).append(p)

    _write_discussions(community, rng, forums, members, n_posts, summary)
    _demo_user_state(community, people[0], forums)
    from portal.community.demo_consult import load_demo_consultations

    load_demo_consultations(community, members)
    return summary


def _write_discussions(community: CommunityStore, rng: random.Random,
                       forums: list[tuple[str, str]], members: dict[str, list[_Person]],
                       n_posts: int, summary: DemoSummary) -> None:
    """Threads of 1..~20 posts until ``n_posts`` are written, in batches."""
    # Busy places first: regional and topic forums get most of the talk.
    weights = [1 if aid.endswith("-council") else 4 if aid.startswith(("reg-", "topic-"))
               else 2 if aid.startswith("mun-") else 1 for _, aid in forums]
    minute = 0.0
    # Spread the threads over a fixed span after _EPOCH, whatever n_posts is (deterministic,
    # and never in the future: such a post would count against its author's hourly limit).
    available = DEMO_SPAN_DAYS * 24 * 60
    expected = n_posts / MEAN_POSTS_PER_THREAD * (315 + MEAN_POSTS_PER_THREAD * 122)
    spacing = min(1.0, available / max(expected, 1.0))
    batch: list[tuple[dict[str, Any], list[dict[str, Any]], list[tuple[str, str]]]] = []
    batch_posts = 0
    written = 0
    n_thread = 0
    while written < n_posts:
        fid, aid = rng.choices(forums, weights)[0]
        people = members.get(aid) or []
        if not people:
            continue
        size = min(n_posts - written, max(1, int(rng.expovariate(1 / MEAN_POSTS_PER_THREAD))),
                   40)
        n_thread += 1
        tid = f"t-{n_thread:06d}"
        title = rng.choice(THREAD_TITLES)
        minute += rng.uniform(30, 600) * spacing
        start = minute
        posts, reactions = [], []
        for number in range(1, size + 1):
            author = rng.choice(people)
            created = _stamp(start + (number - 1) * rng.uniform(5, 240) * spacing)
            post = {"id": f"{tid}.{number}", "thread_id": tid, "forum_id": fid,
                    "association_id": aid, "author_id": author.id, "number": number,
                    "body_md": _body(rng, number == 1), "revision": 1, "body_version": 1,
                    "edited": None, "useful": 0, "deleted": False, "hidden": False,
                    "hidden_reason": None, "removed": False, "removed_reason": None,
                    "created": created, "modified": created}
            for fan in rng.sample(people, min(len(people), int(rng.expovariate(0.7)))):
                if fan.id != author.id:
                    reactions.append((post["id"], fan.id))
                    post["useful"] += 1
            roll = rng.random()
            if roll < 0.004:
                post.update(removed=True, removed_reason="Нарушение правил сообщества: реклама")
            elif roll < 0.01:
                post.update(hidden=True, hidden_reason="Скрыто модератором до уточнения")
            posts.append(post)
            start_last = created
        thread = {"id": tid, "association_id": aid, "forum_id": fid,
                  "author_id": posts[0]["author_id"], "title": title,
                  "first_post_id": posts[0]["id"], "post_count": size,
                  "last_post_at": start_last, "locked": rng.random() < 0.03,
                  "pinned": rng.random() < 0.04, "created": posts[0]["created"],
                  "modified": start_last}
        batch.append((thread, posts, reactions))
        batch_posts += size
        written += size
        if batch_posts >= BATCH_POSTS:
            _write_batch(community, batch, summary)
            batch, batch_posts = [], 0
    if batch:
        _write_batch(community, batch, summary)


def _write_batch(community: CommunityStore,
                 batch: list[tuple[dict[str, Any], list[dict[str, Any]], list[tuple[str, str]]]],
                 summary: DemoSummary) -> None:
    now = db.utc_now()
    with db.write_transaction(community.engine) as conn:
        cs = ChangeSet(conn, now)
        thread_rows, post_rows, revision_rows, reaction_rows = [], [], [], []
        for thread, posts, reactions in batch:
            stream = pc.assoc_stream(thread["association_id"])
            cs.put(stream, pc.KIND_THREAD, records.thread_record(thread), new=True)
            thread_rows.append(thread)
            for post in posts:
                cs.put(stream, pc.KIND_POST, records.post_record(post), new=True)
                post_rows.append(post)
                revision_rows.append({"post_id": post["id"], "revision": 1,
                                      "body_md": post["body_md"], "author_id": post["author_id"],
                                      "created": post["created"], "op_id": None})
            for post_id, user_id in reactions:
                reaction_rows.append({"post_id": post_id, "user_id": user_id, "kind": "useful",
                                      "created": now})
                cs.put(pc.user_stream(user_id), pc.KIND_REACTION,
                       records.reaction_record(post_id, now), new=True)
        conn.execute(insert(db.threads), thread_rows)
        conn.execute(insert(db.posts), post_rows)
        conn.execute(insert(db.post_revisions), revision_rows)
        if reaction_rows:
            conn.execute(insert(db.reactions), reaction_rows)
        cs.flush()
    summary.threads += len(thread_rows)
    summary.posts += len(post_rows)
    summary.reactions += len(reaction_rows)


def _demo_user_state(community: CommunityStore, demo: _Person,
                     forums: list[tuple[str, str]]) -> None:
    """The ``demo`` account follows its associations and a forum, like a real user would."""
    now = db.utc_now()
    with db.write_transaction(community.engine) as conn:
        cs = ChangeSet(conn, now)
        targets = [(pc.KIND_ASSOCIATION, aid) for aid in sorted(demo.memberships)]
        targets += [(pc.KIND_FORUM, fid) for fid, aid in forums
                    if aid == f"reg-{demo.region_code}"][:1]
        for kind, target in targets:
            conn.execute(insert(db.follows).values(user_id=demo.id, target_kind=kind,
                                                   target_id=target, created=now))
            cs.put(pc.user_stream(demo.id), pc.KIND_FOLLOW,
                   records.follow_record(kind, target, now))
        cs.flush()
