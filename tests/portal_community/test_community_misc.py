"""Concurrency of one op, the posting rate limit, public profiles, purging, /hello."""

from __future__ import annotations

import threading

from portal.community import ops as ops_module
from portal.community.ops import apply_op
from protocol.community import validate_op
from tests.portal_community.conftest import FORUM, PUBLIC, op, sync


def test_the_same_op_from_two_threads_at_once_is_applied_once(community, store):
    user = community.require_user("anna")
    the_op = validate_op(op("thread.create", {"id": "t-1", "forum_id": FORUM, "title": "Т",
                                              "body_md": "Текст"}))
    results: list[str] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        results.append(apply_op(store.engine, user, the_op).result)

    workers = [threading.Thread(target=send) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert sorted(results) == ["applied", "duplicate", "duplicate", "duplicate"]


def test_posting_rate_limit_holds_the_op(client, tokens, monkeypatch):
    monkeypatch.setattr(ops_module, "MAX_POSTS_PER_HOUR", 2)
    a = op("thread.create", {"id": "t-1", "forum_id": FORUM, "title": "Т", "body_md": "1"})
    b = op("post.create", {"id": "p-2", "thread_id": "t-1", "body_md": "2"})
    c = op("post.create", {"id": "p-3", "thread_id": "t-1", "body_md": "3"})
    got = sync(client, tokens["anna"], {"catalog": 0}, [a, b, c]).results
    assert [(r.result, r.reason) for r in got] == [
        ("applied", None), ("applied", None), ("rejected", "rate_limited")]
    monkeypatch.setattr(ops_module, "MAX_POSTS_PER_HOUR", 10)
    # Held, not recorded: the same op goes through later.
    assert sync(client, tokens["anna"], {"catalog": 0}, [c]).results[0].result == "applied"


def test_directory_carries_public_profile_fields_only(client, tokens):
    got = sync(client, tokens["anna"], {"directory": 0})
    profiles = [r for r in got.records("directory") if r.kind == "profile"]
    assert {p.id for p in profiles} == {"u-anna", "u-boris", "u-moder", "u-vera"}
    assert set(profiles[0].data) == {"id", "display_name", "school", "municipality", "region",
                                     "role", "version", "created", "modified"}
    kinds = {r.kind for r in got.records("directory")}
    assert kinds == {"profile", "association", "forum"}
    # The private association is listed (its name), its threads are not readable.
    assert any(r.kind == "association" and r.data["visibility"] == "private"
               for r in got.records("directory"))


def test_purge_forgets_old_community_tombstones_and_raises_the_horizon(client, tokens,
                                                                       community, store):
    on = op("follow.set", {"target_kind": "association", "target_id": PUBLIC, "on": True})
    off = op("follow.set", {"target_kind": "association", "target_id": PUBLIC, "on": False})
    sync(client, tokens["anna"], {"catalog": 0}, [on, off])
    assert community.purge_tombstones(older_than_days=0) == 1
    head, horizon = store.stream_state("user:u-anna")
    assert horizon == head
    got = sync(client, tokens["anna"], {"user:u-anna": 1})
    assert got.status == 409 and got.json["error"]["code"] == "resync"


def test_hello_announces_the_community(client):
    assert "community" in client.get("/api/v1/hello").json()["capabilities"]
