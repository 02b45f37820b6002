"""The demo community generator: deterministic, realistic, valid on the wire."""

from __future__ import annotations

import json

from portal.catalog import PortalStore
from portal.community import CommunityStore
from portal.community.demo import DEMO_PASSWORD, load_demo_community
from protocol.community import COMMUNITY_VALIDATORS


def _load(tmp_path, name, **kw):
    store = PortalStore.open(tmp_path / name)
    community = CommunityStore(store.engine)
    summary = load_demo_community(community, **kw)
    return store, community, summary


def _log(store):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT stream, kind, entity_id, seq, payload FROM changelog "
            "WHERE stream != 'catalog' ORDER BY stream, seq").all()


def test_demo_is_deterministic_and_valid(tmp_path):
    a, ca, sa = _load(tmp_path, "a", n_users=30, n_posts=400, seed=7)
    b, _, sb = _load(tmp_path, "b", n_users=30, n_posts=400, seed=7)
    assert str(sa) == str(sb)
    assert sa.posts == 400 and sa.users == 30 and sa.associations >= 7
    rows_a, rows_b = _log(a), _log(b)
    strip = [(s, k, i, q) for s, k, i, q, _ in rows_a]
    assert strip == [(s, k, i, q) for s, k, i, q, _ in rows_b]
    for _, kind, _, _, payload in rows_a:
        if payload is not None:
            COMMUNITY_VALIDATORS[kind](json.loads(payload))
    kinds = {(s.partition(":")[0], k) for s, k, *_ in rows_a}
    assert {("directory", "association"), ("directory", "forum"), ("directory", "profile"),
            ("assoc", "thread"), ("assoc", "post"), ("user", "membership"),
            ("user", "reaction"), ("user", "follow")} <= kinds
    user = ca.get_user("demo")
    assert user is not None and user.school == "МБОУ СОШ № 2 с. Покровское"
    token, _ = ca.signin("demo", DEMO_PASSWORD, "тест")
    assert ca.authenticate(token) == user
    assert ca.signin("metodist", DEMO_PASSWORD, "тест")[1].role == "moderator"
    a.close()
    b.close()


def test_demo_texts_are_russian(tmp_path):
    store, community, _ = _load(tmp_path, "a", n_users=10, n_posts=50)
    post = community.post("t-000001.1")
    assert post is not None and any("а" <= ch <= "я" for ch in post["body_md"])
    store.close()


def test_a_large_demo_stays_in_the_past(tmp_path):
    """Posts dated in the future would count against the hourly posting limit forever
    (found by bench/bench_community.py: 100 offline replies were held as rate_limited)."""
    store, _, summary = _load(tmp_path, "big", n_users=30, n_posts=20_000, seed=3)
    with store.engine.connect() as conn:
        newest = conn.exec_driver_sql("SELECT max(created) FROM posts").scalar_one()
    assert newest < "2026-10-07"
    store.close()
