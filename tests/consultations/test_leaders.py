"""The contribution levels (portal/community/leaders.py) over a real portal database, with
every input written through the real ops; and the wire validators of the new kinds."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, update

from portal import db
from portal.catalog import PortalStore
from portal.community import CommunityStore
from portal.community import leaders as ld
from portal.community.ops import apply_op
from protocol import consultations as cq
from protocol.community import Op, validate_op
from protocol.wire import ProtocolError

ASSOC = "reg-45"
FORUM = "reg-45-lessons"


@pytest.fixture
def community(tmp_path, portal_database: str | None):
    """SQLite, then the same test on PostgreSQL (tests/conftest.py)."""
    with PortalStore.open(tmp_path / "portal", portal_database) as store:
        c = CommunityStore(store.engine)
        for login in ("asker", "helper", "other", "coord"):
            c.add_user(login, f"Пользователь {login}", user_id=f"u-{login}")
        c.add_association({"id": ASSOC, "name": "Медиаспециалисты", "kind": "regional",
                           "visibility": "public"})
        c.add_forum({"id": FORUM, "association_id": ASSOC, "title": "Уроки"})
        for login in ("asker", "helper", "other"):
            c.set_membership(login, ASSOC, "member")
        c.set_membership("coord", ASSOC, "coordinator")
        yield c


def run(c: CommunityStore, login: str, op_type: str, data: dict, **kw) -> dict:
    op = validate_op({"op_id": uuid.uuid4().hex, "type": op_type, "data": data, **kw})
    assert isinstance(op, Op), op
    return apply_op(c.engine, c.require_user(login), op).line()


def _standings(c: CommunityStore) -> dict[str, ld.Standing]:
    with c.engine.connect() as conn:
        return {s.user_id: s for s in ld.compute(conn, ASSOC)}


def test_each_source_counts_what_it_documents(community):
    c = community
    run(c, "asker", "question.ask", {"id": "q1", "association_id": ASSOC,
                                      "category": "lessons", "title": "Вопрос", "body_md": "?"})
    run(c, "helper", "answer.create", {"id": "a1", "question_id": "q1", "body_md": "Ответ"})
    run(c, "asker", "answer.create", {"id": "a2", "question_id": "q1", "body_md": "Спасибо"})
    # The helper also posts in the forum; the others mark it useful.
    run(c, "helper", "thread.create", {"id": "t1", "forum_id": FORUM, "title": "Тема",
                                       "body_md": "Текст"})
    for login in ("asker", "other"):
        run(c, login, "reaction.set", {"post_id": "t1.1", "useful": True})
    run(c, "other", "thread.create", {"id": "t2", "forum_id": FORUM, "title": "Реклама",
                                      "body_md": "Купите"})
    run(c, "coord", "mod.post.hide", {"post_id": "t2.1", "reason": "реклама"})
    assert run(c, "asker", "answer.accept", {"question_id": "q1", "answer_id": "a1"}
               )["result"] == "applied"

    s = _standings(c)
    mine = ("accepted_answers", "reactions_received", "active_days", "moderated")
    assert {k: s["u-helper"].sources[k] for k in mine} == {
        "accepted_answers": 1, "reactions_received": 2, "active_days": 1, "moderated": 0}
    assert set(s["u-helper"].sources) == {src.name for src in ld.SOURCES}
    assert s["u-helper"].score == 10 * 1 + 2 * 2 + 1  # no reviews or courses here
    assert s["u-other"].sources["moderated"] == 1
    assert s["u-other"].score == 1 - 15
    # Accepting one's own answer to one's own question would not count.
    assert s["u-asker"].sources["accepted_answers"] == 0
    with c.engine.connect() as conn:
        assert ld.compute(conn, ASSOC)[0].user_id == "u-helper"


def test_levels_thresholds_and_grant(community):
    assert [ld.level_for(n) for n in (-5, 0, 9, 10, 39, 40, 119, 120, 299, 300)] == \
        [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
    c = community
    refused = run(c, "helper", "level.grant", {"association_id": ASSOC, "user_id": "u-other",
                                               "on": True})
    assert (refused["result"], refused["reason"]) == ("rejected", "not_authorized")
    done = run(c, "coord", "level.grant", {"association_id": ASSOC, "user_id": "u-other",
                                           "on": True})
    assert done["result"] == "applied" and done["entity"]["kind"] == "level"
    s = _standings(c)
    assert (s["u-other"].level, s["u-other"].granted) == (cq.LEVEL_TOP, True)
    run(c, "coord", "level.grant", {"association_id": ASSOC, "user_id": "u-other", "on": False})
    with c.engine.connect() as conn:
        row = conn.execute(select(db.levels).where(db.levels.c.user_id == "u-other")).one()
    assert (row.level, row.granted) == (0, False)


def test_recompute_publishes_only_what_changed(community):
    c = community
    run(c, "helper", "thread.create", {"id": "t1", "forum_id": FORUM, "title": "Тема",
                                       "body_md": "Текст"})
    assert ld.recompute_all(c.engine) == 1  # the helper's first level record
    assert ld.recompute_all(c.engine) == 0  # nothing changed: nothing written
    run(c, "asker", "reaction.set", {"post_id": "t1.1", "useful": True})
    assert ld.recompute_all(c.engine) == 1
    with c.engine.connect() as conn:
        payload = conn.execute(select(db.changelog.c.payload).where(
            db.changelog.c.kind == "level")).scalar_one()
    d = cq.validate_level(json.loads(payload))
    assert d["id"] == f"{ASSOC}:u-helper" and d["sources"]["reactions_received"] == 1


def test_a_new_source_is_one_entry(community):
    c = community
    run(c, "helper", "thread.create", {"id": "t1", "forum_id": FORUM, "title": "Тема",
                                       "body_md": "Текст"})
    extra = ld.Source("mentoring", 3, lambda _conn, _aid: {"u-helper": 2, "u-asker": 1},
                      "colleagues mentored")
    with c.engine.connect() as conn:
        out = {s.user_id: s for s in ld.compute(conn, ASSOC, [*ld.SOURCES, extra])}
    assert out["u-helper"].sources["mentoring"] == 2
    assert out["u-helper"].score == 1 + 6 and out["u-asker"].score == 3


def test_answer_status_and_accept_rules(community):
    c = community
    run(c, "asker", "question.ask", {"id": "q1", "association_id": ASSOC,
                                      "category": "other", "title": "Вопрос", "body_md": "?"})
    run(c, "asker", "answer.create", {"id": "a0", "question_id": "q1", "body_md": "Уточню"})
    with c.engine.connect() as conn:
        assert conn.execute(select(db.questions.c.status)).scalar_one() == "open"
    run(c, "helper", "answer.create", {"id": "a1", "question_id": "q1", "body_md": "Ответ"})
    with c.engine.connect() as conn:
        assert conn.execute(select(db.questions.c.status)).scalar_one() == "answered"
    other = run(c, "other", "answer.accept", {"question_id": "q1", "answer_id": "a1"})
    assert other["reason"] == "not_authorized"
    wrong = run(c, "asker", "answer.accept", {"question_id": "q1", "answer_id": "nope"})
    assert wrong["reason"] == "not_found"
    outsider = c.add_user("outsider", "Посторонний", user_id="u-outsider")
    assert outsider
    asked = run(c, "outsider", "question.ask", {"id": "q2", "association_id": ASSOC,
                                                 "category": "other", "title": "Т",
                                                 "body_md": "?"})
    assert asked["reason"] == "not_member"
    with db.write_transaction(c.engine) as conn:  # a methodologist may accept
        conn.execute(update(db.memberships).where(db.memberships.c.user_id == "u-other")
                     .values(role="moderator"))
    assert run(c, "other", "answer.accept", {"question_id": "q1", "answer_id": "a1"}
               )["result"] == "applied"


@pytest.mark.parametrize("change, message", [
    ({"starts": "2026-13-01T10:00:00Z"}, "real date"),
    ({"starts": "2026-12-01 10:00"}, "UTC time"),
    ({"ends": "2026-11-30T10:00:00Z"}, "ends before"),
    ({"url": "javascript:alert(1)"}, "http"),
    ({"kind": "party"}, "kind"),
])
def test_event_validator_refuses(change, message):
    good = {"id": "ev-1", "association_id": ASSOC, "author_id": "u-1", "kind": "seminar",
            "title": "Семинар", "description": "", "location": "", "url": "",
            "starts": "2026-12-01T10:00:00Z", "ends": "2026-12-01T12:00:00Z",
            "cancelled": False, "version": 1, "created": "x", "modified": "x"}
    cq.validate_event(good)
    with pytest.raises(ProtocolError, match=message):
        cq.validate_event({**good, **change})


def test_level_id_names_association_and_user():
    d = {"id": "reg-45:u-1", "user_id": "u-1", "association_id": "reg-45", "level": 2,
         "score": 50, "rank": 1, "granted": False, "sources": {"active_days": 3},
         "version": 1, "modified": "x"}
    assert cq.validate_level(d)["id"] == "reg-45:u-1"
    with pytest.raises(ProtocolError):
        cq.validate_level({**d, "id": "u-1"})
    with pytest.raises(ProtocolError):
        cq.validate_level({**d, "level": 5})
