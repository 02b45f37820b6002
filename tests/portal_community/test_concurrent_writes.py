"""Concurrent writers of the same entities (two admins, one user's two devices) on SQLite and
PostgreSQL: every write gets its own version and seq, none fails, none is lost.

On PostgreSQL these read-then-write transactions would race in READ COMMITTED (two updates
reading the same version, a duplicate key on the change log) without the writer lock every
``write_transaction`` takes (portal.db._postgresql_engine).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from portal import db
from portal.catalog import PortalStore
from portal.community import CommunityStore
from protocol import community as pc
from protocol.community import parse_ops
from tests.portal.factories import resource
from tests.portal_community.conftest import FORUM

THREADS = 6


def _race(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """Run ``work(i)`` for i in range(n) at once; re-raise the first failure."""
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            start.wait(10)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    return results


def test_concurrent_updates_of_one_resource_get_distinct_versions(store: PortalStore):
    store.publish_resource(resource("r-1"))
    rounds = 5

    def work(i: int) -> list[int]:
        return [store.update_resource("r-1", title=f"Правка {i}-{k}")["version"]
                for k in range(rounds)]

    versions = sorted(v for vs in _race(work) for v in vs)
    assert versions == list(range(2, 2 + THREADS * rounds))
    final = store.get_resource("r-1")
    assert final is not None and final["version"] == 1 + THREADS * rounds
    changes = store.changes_since("catalog", 0)
    assert [(c.entity_id, c.version) for c in changes] == [("r-1", final["version"])]
    assert changes[0].seq == store.head() == 1 + THREADS * rounds


def test_concurrent_publish_and_delete_leave_one_consistent_row(store: PortalStore):
    def work(i: int) -> None:
        for k in range(4):
            if (i + k) % 3 == 0:
                try:
                    store.delete_resource("r-x")
                except ValueError:
                    pass  # already deleted by another writer
            else:
                store.publish_resource(resource("r-x", title=f"Версия {i}-{k}"))

    _race(work)
    changes = store.changes_since("catalog", 0)
    assert len(changes) == 1 and changes[0].seq == store.head()
    with store.engine.connect() as conn:
        rows = conn.execute(db.resources.select()).all()
    assert len(rows) == (0 if changes[0].deleted else 1)


def _ops(*ops: dict[str, Any]) -> list[Any]:
    return parse_ops([{"op_id": str(uuid.uuid4()), "base_version": None, "depends_on": None,
                       **op} for op in ops])


def test_one_users_ops_from_many_devices_at_once(store: PortalStore,
                                                 community: CommunityStore):
    anna, boris = community.require_user("anna"), community.require_user("boris")
    [done] = community.apply_ops(anna, _ops({"type": pc.OP_THREAD_CREATE, "data": {
        "id": "t-1", "forum_id": FORUM, "title": "Тема", "body_md": "Первое"}}))
    assert done.result == "applied"
    posts = [f"p-{n}" for n in range(THREADS)]
    community.apply_ops(anna, _ops(*({"type": pc.OP_POST_CREATE, "data": {
        "id": p, "thread_id": "t-1", "body_md": f"Ответ {p}"}} for p in posts)))

    def device(i: int) -> list[str]:
        # Boris's devices at once: read positions (only move forward), follows on and off,
        # and reactions to the same posts.
        ops = _ops(
            {"type": pc.OP_READ_SET, "data": {"thread_id": "t-1", "post_id": posts[i]}},
            {"type": pc.OP_FOLLOW_SET, "data": {"target_kind": "thread", "target_id": "t-1",
                                                "on": i % 2 == 0}},
            {"type": pc.OP_REACTION_SET, "data": {"post_id": posts[i % 2], "useful": True}},
        )
        return [o.result for o in community.apply_ops(boris, ops)]

    results = _race(device)
    assert all(r in ("applied", "duplicate") for rs in results for r in rs), results
    stream = pc.user_stream(boris.id)
    with community.engine.connect() as conn:
        position = conn.execute(db.read_positions.select()).mappings().one()
        follows = conn.execute(db.follows.select()).all()
        reactions = conn.execute(db.reactions.select()).all()
        useful = dict(conn.execute(db.posts.select().with_only_columns(
            db.posts.c.id, db.posts.c.useful)).all())
    assert position["number"] == THREADS + 1  # the furthest post (the thread's first is 1)
    assert len(reactions) == 2 and useful["p-0"] == useful["p-1"] == 1
    # The change log agrees with the tables, one row per entity, seqs unique up to the head.
    changes = store.changes_since(stream, 0)
    by_kind = {(c.kind, c.entity_id): c for c in changes}
    assert by_kind[(pc.KIND_READ_POSITION, "t-1")].payload is not None
    follow = by_kind[(pc.KIND_FOLLOW, pc.follow_id("thread", "t-1"))]
    assert follow.deleted == (not follows)
    assert len({c.seq for c in changes}) == len(changes)
    assert max(c.seq for c in changes) == store.head(stream)


def test_positions_are_limited_to_what_every_database_stores(store: PortalStore,
                                                              community: CommunityStore):
    """An INTEGER column holds 2**31 - 1 at most on PostgreSQL (SQLite would take more): the
    largest position is accepted on both, the next one refused with a plain message."""
    top = (1 << 31) - 1
    assert store.publish_collection({"id": "c-top", "title": "Последняя", "kind": "subject",
                                     "position": top})["position"] == top
    with pytest.raises(ValueError, match="collection.position"):
        store.publish_collection({"id": "c-over", "title": "Дальше", "kind": "subject",
                                  "position": top + 1})
    assert community.add_forum({"id": "f-top", "association_id": "reg-45", "title": "Форум",
                                "position": top})["position"] == top
    with pytest.raises(ValueError, match="forum.position"):
        community.add_forum({"id": "f-over", "association_id": "reg-45", "title": "Форум",
                             "position": top + 1})
