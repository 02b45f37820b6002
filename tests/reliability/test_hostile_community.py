"""Community sync against a cut link and a hostile portal (issue 5, parts 2 and 5).

The portal is the real one (``--demo``) behind the fault proxy, which cuts or stalls the
answer, or rewrites its ``op`` result lines: results for op ids the client never sent
(random ids, another user's op, an op acknowledged long ago), a result twice, a result of an
unknown kind, a missing result, a result after the pages. Each hostile answer is refused
with a clear ``bad_data`` error before anything of it is recorded: the outbox keeps every
reply (only this request's ops are "sent", as before any request), no other outbox row
changes, and one clean sync then puts every reply on the portal exactly once.

A cut or stalled answer is a network category (``cut``/``stalled``) that the UI words in
the user's language (regression: it was category "other", shown in English).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.store.community import new_id
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy, SyncError
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.portal_process import running_portal

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "300", "--seed", "5")
FAST = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.1)
ONE_TRY = RetryPolicy(attempts=1)
SYNC = "/api/v1/sync"
ACKED = {"applied", "duplicate"}


class World:
    def __init__(self, url: str, proxy: FaultProxy, template: Path, fresh: Path, token: str,
                 thread_id: str, old_op: str, foreign_op: str, observer_token: str,
                 root: Path) -> None:
        self.url, self.proxy, self.template, self.fresh = url, proxy, template, fresh
        self.token, self.thread_id, self.old_op = token, thread_id, old_op
        self.foreign_op, self.observer_token, self.root = foreign_op, observer_token, root


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile-community")
    with running_portal(root / "portal", *PORTAL_ARGS) as url, FaultProxy(url) as proxy:
        token, _ = signin(url, "demo", "demo", "hostile test")
        # A never-synced data folder (signed in) and a synced one with one old reply.
        fresh = Paths(root / "fresh").ensure()
        Store(fresh.database).close()
        paths = Paths(root / "template").ensure()
        store = Store(paths.database)
        sync_community(store, url, token, paths=paths, policy=FAST)
        thread_id = reply_thread(store)
        _, old_op, _ = store.write_reply(thread_id, "Старый ответ, давно отправленный.")
        sync_community(store, url, token, paths=paths, policy=FAST)
        assert {o.op_id: o.state for o in store.outbox()}[old_op] == "applied"
        store.close()
        # Another user's op, really applied on the portal.
        other = Paths(root / "other").ensure()
        ostore = Store(other.database)
        observer_token, _ = signin(url, "metodist", "demo", "other user")
        sync_community(ostore, url, observer_token, paths=other, policy=FAST)
        _, foreign_op, _ = ostore.write_reply(thread_id, "Ответ другого пользователя.")
        sync_community(ostore, url, observer_token, paths=other, policy=FAST)
        ostore.close()
        yield World(url, proxy, paths.data, fresh.data, token, thread_id, old_op, foreign_op,
                    observer_token, root)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[tuple[Store, Paths]]:
    paths = Paths(tmp_path / "client")
    shutil.copytree(world.template, paths.data)
    store = Store(paths.database)
    world.proxy.clear()
    yield store, paths
    world.proxy.clear()
    store.close()


def _community_dump(db: Path) -> dict[str, list[Any]]:
    """Every community table except the outbox (checked separately)."""
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
            "('posts', 'threads', 'forums', 'reactions', 'associations', 'memberships', "
            "'cursors', 'community_streams')")]
        return {n: conn.execute(f"SELECT * FROM {n} ORDER BY 1").fetchall() for n in names}
    finally:
        conn.close()


def _on_op_lines(fn: Callable[[list[dict]], list[dict]]) -> Callable[[list[bytes]], list[bytes]]:
    """Rewrite the leading op result lines of a sync answer; the rest passes unchanged."""
    def rewrite(lines: list[bytes]) -> list[bytes]:
        ops = [json.loads(ln) for ln in lines if ln.strip() and json.loads(ln).get("t") == "op"]
        rest = [ln for ln in lines if not (ln.strip() and json.loads(ln).get("t") == "op")]
        return [json.dumps(o).encode() for o in fn(ops)] + rest
    return rewrite


def _with_result(op_id: Callable[[World], str], result: str = "applied"):
    def make(world: World) -> Callable[[list[dict]], list[dict]]:
        def fn(ops: list[dict]) -> list[dict]:
            extra = {**ops[0], "op_id": op_id(world), "result": result,
                     "reason": "not_authorized" if result == "rejected" else None}
            return [*ops, extra]
        return fn
    return make


def _op_after_pages(lines: list[bytes]) -> list[bytes]:
    ops = [ln for ln in lines if b'"t":"op"' in ln or b'"t": "op"' in ln]
    rest = [ln for ln in lines if ln not in ops]
    return [*rest[:-1], *[ln.replace(b'"t":"op"', b'"t": "op"') for ln in ops], rest[-1]]


HOSTILE: dict[str, tuple[Callable[[World], Callable[[list[bytes]], list[bytes]]], str]] = {
    "op-never-sent": (lambda w: _on_op_lines(_with_result(lambda _w: new_id())(w)),
                      "did not send"),
    "op-of-another-user": (lambda w: _on_op_lines(_with_result(lambda w: w.foreign_op)(w)),
                           "did not send"),
    # An op acknowledged in an earlier sync, now "rejected": a false failure for the user.
    "op-answered-long-ago": (
        lambda w: _on_op_lines(_with_result(lambda w: w.old_op, "rejected")(w)),
        "did not send"),
    "result-twice": (lambda w: _on_op_lines(lambda ops: [*ops, {**ops[0], "result": "conflict"}]),
                     "twice"),
    "unknown-result": (lambda w: _on_op_lines(
        lambda ops: [{**ops[0], "result": "exploded"}, *ops[1:]]), "unknown op result"),
    "result-missing": (lambda w: _on_op_lines(lambda ops: ops[1:]), "did not answer"),
    "result-after-pages": (lambda w: _op_after_pages, "op result"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_op_results_are_refused_and_record_nothing(world: World, client, case):
    store, paths = client
    ops = [store.write_reply(world.thread_id, f"{case}: ответ {i}")[1] for i in range(2)]
    before_states = {o.op_id: o.state for o in store.outbox()}
    before_rows = {o.op_id: (o.state, o.reason, o.message) for o in store.outbox()}
    before = _community_dump(paths.database)
    make, expect = HOSTILE[case]
    world.proxy.rewrite_lines(SYNC, make(world), times=1)
    with pytest.raises(SyncError) as err:
        sync_community(store, world.proxy.url, world.token, paths=paths, policy=ONE_TRY,
                       refresh_account=False)
    message = str(err.value)
    assert err.value.code == "bad_data" and not err.value.retryable, (err.value.code, message)
    assert expect in message, message
    assert "Traceback" not in message and len(message) < 1000
    after = {o.op_id: (o.state, o.reason, o.message) for o in store.outbox()}
    # This request's ops are "sent" (as they were before the request left); nothing else
    # moved, in particular not the old acknowledged op nor any row for a foreign id.
    assert set(after) == set(before_rows)
    if case == "result-missing":
        # The result that did arrive is genuine and kept; the unanswered op stays "sent".
        assert [after[op][0] for op in ops] == ["sent", "applied"]
    else:
        assert {op: after[op][0] for op in ops} == {op: "sent" for op in ops}
    assert {k: v for k, v in after.items() if k not in ops} == \
        {k: v for k, v in before_rows.items() if k not in ops}
    assert before_states[world.old_op] == "applied"
    if case not in ("result-missing", "result-after-pages"):
        # Refused at the op lines, before any page: nothing of the answer was applied.
        assert _community_dump(paths.database) == before
    assert not store.check_integrity()
    # The honest portal then acknowledges each reply exactly once (the first request was
    # applied there: the resend is "duplicate").
    sync_community(store, world.url, world.token, paths=paths, policy=FAST,
                   refresh_account=False)
    states = {o.op_id: o.state for o in store.outbox()}
    assert {states[op] for op in ops} <= ACKED and states[world.old_op] == "applied"
    assert store.outbox_count() == 0
    bodies = [p["body_md"] for p in store.posts(world.thread_id, limit=100_000)]
    assert [bodies.count(f"{case}: ответ {i}") for i in range(2)] == [1, 1]


# -- cut and stalled answers: network categories, in the user's language -------------------
@pytest.mark.parametrize("kind,cut_at", [("fresh", 1), ("fresh", 3000), ("push", 200)])
def test_community_answer_cut_mid_stream_is_a_translated_network_error(world: World, tmp_path,
                                                                        qapp, kind, cut_at):
    """Regression: a community answer cut mid-stream raised SyncError category "other", so
    the UI showed the core's English sentence."""
    from desktop.ui.i18n import Translations
    from desktop.ui.tasks import describe_error

    paths = Paths(tmp_path / "client")
    shutil.copytree(world.fresh if kind == "fresh" else world.template, paths.data)
    store = Store(paths.database)
    ops = [store.write_reply(world.thread_id, f"cut {cut_at}: ответ")[1]] \
        if kind == "push" else []
    world.proxy.clear()
    world.proxy.cut_after(SYNC, cut_at, times=1)
    try:
        with pytest.raises(SyncError) as err:
            sync_community(store, world.proxy.url, world.token, paths=paths, policy=ONE_TRY)
    finally:
        world.proxy.clear()
    assert err.value.code == "cut" and err.value.retryable, (err.value.code, str(err.value))
    translations = Translations(qapp)
    try:
        translations.use("ru")
        text = describe_error(err.value)
    finally:
        translations.use("en")
    assert text != str(err.value) and "соединение" in text.lower(), text
    # With retries the same cut is invisible: the sync converges.
    world.proxy.cut_after(SYNC, cut_at, times=1)
    try:
        sync_community(store, world.proxy.url, world.token, paths=paths, policy=FAST)
    finally:
        world.proxy.clear()
    assert store.outbox_count() == 0
    states = {o.op_id: o.state for o in store.outbox()}
    assert all(states[op] in ACKED for op in ops)
    assert not store.check_integrity()
    store.close()


def test_community_answer_stalled_is_a_stalled_error(world: World, client):
    store, paths = client
    store.write_reply(world.thread_id, "Ответ при зависшей связи.")
    world.proxy.stall(SYNC, after=50, seconds=3.0, times=1)
    with pytest.raises(SyncError) as err:
        sync_community(store, world.proxy.url, world.token, paths=paths, policy=ONE_TRY,
                       stall_timeout=0.8, refresh_account=False)
    assert err.value.code == "stalled" and err.value.retryable, (err.value.code, str(err.value))


def test_in_band_portal_failure_is_retryable_and_categorised(world: World, client):
    """An ``error`` line after the op results: the results are kept, the rest retried."""
    store, paths = client
    op = store.write_reply(world.thread_id, "Ответ перед сбоем портала.")[1]

    def fail_after_ops(lines: list[bytes]) -> list[bytes]:
        ops = [ln for ln in lines if b'"t":"op"' in ln]
        return [*ops, b'{"t":"error","code":"internal","message":"disk on fire"}']

    world.proxy.rewrite_lines(SYNC, fail_after_ops, times=1)
    with pytest.raises(SyncError) as err:
        sync_community(store, world.proxy.url, world.token, paths=paths, policy=ONE_TRY,
                       refresh_account=False)
    assert err.value.code == "portal_failed" and err.value.retryable
    assert err.value.params["message"] == "disk on fire"
    # The op result before the failure was recorded (not resent as if lost).
    assert {o.op_id: o.state for o in store.outbox()}[op] in ACKED


# -- hostile community records ------------------------------------------------------------
def _community_lines(fn: Callable[[dict], None]) -> Callable[[list[bytes]], list[bytes]]:
    def rewrite(lines: list[bytes]) -> list[bytes]:
        out = []
        for ln in lines:
            obj = json.loads(ln)
            if obj.get("t") in ("rec", "del", "page", "end"):
                fn(obj)
            out.append(json.dumps(obj, ensure_ascii=False).encode())
        return out
    return rewrite


def _other_stream(obj: dict) -> None:
    if obj["t"] in ("rec", "del", "page"):
        obj["s"] = "assoc:not-followed-here"


def _backwards(obj: dict) -> None:
    if obj["t"] == "page":
        obj["cursor"] = 1
    elif obj["t"] in ("rec", "del"):
        obj["seq"] = 1
    elif obj["t"] == "end":
        obj["cursors"] = {s: 1 for s in obj["cursors"]}


def _kind(obj: dict) -> None:
    if obj["t"] == "rec":
        obj["k"] = "spaceship"


def _deep(obj: dict) -> None:
    if obj["t"] == "rec":
        obj["d"]["body_md"] = [[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]


COMMUNITY_HOSTILE = {
    "stream-not-followed": (_other_stream, "did not ask"),
    "cursor-backwards": (_backwards, "backwards"),
    "unknown-kind": (_kind, "kind"),
    "wrong-type-nested": (_deep, "body_md"),
}


@pytest.mark.parametrize("case", sorted(COMMUNITY_HOSTILE))
def test_hostile_community_records_are_refused_and_change_nothing(world: World, client, case):
    store, paths = client
    # Something new on the portal for this replica: another user's reply.
    other = Paths(world.root / "other")
    ostore = Store(other.database)
    ostore.write_reply(world.thread_id, f"Новый ответ для проверки {case}.")
    sync_community(ostore, world.url, world.observer_token, paths=other, policy=FAST)
    ostore.close()
    before = _community_dump(paths.database)
    fn, expect = COMMUNITY_HOSTILE[case]
    world.proxy.rewrite_lines(SYNC, _community_lines(fn), times=1)
    with pytest.raises(SyncError) as err:
        sync_community(store, world.proxy.url, world.token, paths=paths, policy=ONE_TRY,
                       refresh_account=False)
    assert err.value.code == "bad_data", (err.value.code, str(err.value))
    assert expect in str(err.value), str(err.value)
    assert _community_dump(paths.database) == before
    assert not store.check_integrity()
    sync_community(store, world.url, world.token, paths=paths, policy=FAST,
                   refresh_account=False)
    bodies = [p["body_md"] for p in store.posts(world.thread_id, limit=100_000)]
    assert bodies.count(f"Новый ответ для проверки {case}.") == 1
