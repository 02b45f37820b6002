"""Convergence property (issue 5, part 4), with hypothesis: random interleavings of portal
changes (publish, update, delete, re-create the same id), client syncs cut at random bytes
or truncated, and client writes to the persistent download queue. Whatever the order, the
client ends equal to the portal's view, with nothing duplicated, and every queued file is
fetched exactly once (done and verified) or failed with a reason — never lost.

The portal is the real app over a real PortalStore, served by uvicorn in a thread on
127.0.0.1:0; its changes are made through PortalStore directly, as the admin CLI does."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.downloads import Downloader, cache_relpath, sha256_file
from desktop.sync.engine import SyncError, sync_catalog
from desktop.sync.http import RetryPolicy
from portal.app import create_app
from portal.catalog import PortalStore
from portal.snapshot import ensure_snapshot
from protocol.wire import CATALOG_STREAM
from tests.faultproxy import FaultProxy
from tests.portal.factories import collection, resource

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

ONE_TRY = RetryPolicy(attempts=1)
FAST = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
IDS = 5
SYNC = "/api/v1/sync"


class ThreadPortal:
    """The real portal app on 127.0.0.1:0 in a background thread."""

    def __init__(self, store: PortalStore) -> None:
        config = uvicorn.Config(create_app(store), host="127.0.0.1", port=0,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the portal thread did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[tuple[PortalStore, str, FaultProxy]]:
    store = PortalStore.open(tmp_path_factory.mktemp("hyp-portal"))
    store.publish_collection(collection("math"))
    with ThreadPortal(store) as url, FaultProxy(url) as proxy:
        yield store, url, proxy
    store.close()


def _portal_view(store: PortalStore) -> dict[str, tuple[int, str]]:
    """id -> (version, title) of every live resource, straight from the change log."""
    out: dict[str, tuple[int, str]] = {}
    import json

    seq = 0
    while batch := store.changes_since(CATALOG_STREAM, seq, 1000):
        for ch in batch:
            seq = ch.seq
            if ch.kind == "resource" and not ch.deleted:
                d = json.loads(ch.payload)
                out[ch.entity_id] = (ch.version, d["title"])
    return out


def _replica_view(db_path: Path) -> dict[str, tuple[int, str]]:
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT id, version, title FROM resources").fetchall()
    finally:
        db.close()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a resource is duplicated"
    return {i: (v, t) for i, v, t in rows}


steps = st.lists(st.one_of(
    st.tuples(st.just("publish"), st.integers(0, IDS - 1), st.integers(0, 3)),
    st.tuples(st.just("update"), st.integers(0, IDS - 1), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, IDS - 1), st.just(0)),
    st.tuples(st.just("sync"), st.sampled_from(["ok", "cut", "truncate"]),
              st.integers(0, 6000)),
    st.tuples(st.just("enqueue"), st.integers(0, IDS - 1), st.just(0)),
    st.tuples(st.just("download"), st.just(0), st.just(0)),
), min_size=1, max_size=25)

_examples = itertools.count()


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_client_always_converges_to_the_portal(portal, plan):
    pstore, url, proxy = portal
    n = next(_examples)
    prefix = f"h{n}"
    live: set[str] = set()
    queued: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp) / "okno").ensure()
        store = Store(paths.database)
        try:
            for op, a, b in plan:
                rid = f"{prefix}-r{a}"
                if op == "publish":  # publish, replace, or re-create after a delete
                    pstore.publish_resource(
                        resource(rid, title=f"Урок {rid} вариант {b}", collections=["math"]),
                        files=[(f"{rid}.txt", "text/plain",
                                f"{rid} {b} {time.monotonic_ns()}".encode())])
                    live.add(rid)
                elif op == "update" and rid in live:
                    pstore.update_resource(rid, title=f"Урок {rid} правка {b}")
                elif op == "delete" and rid in live:
                    pstore.delete_resource(rid)
                    live.discard(rid)
                elif op == "sync":
                    proxy.clear()
                    if a == "cut":
                        proxy.cut_after(SYNC, b, times=1)
                    elif a == "truncate":
                        proxy.truncate_stream(SYNC, b, times=1)
                    try:
                        sync_catalog(store, proxy.url, paths=paths, policy=ONE_TRY,
                                     use_snapshot=False)
                    except SyncError:
                        pass  # an interrupted sync: the next one picks up
                    assert not store.check_integrity()
                elif op == "enqueue" and store.get_resource(rid):
                    store.enqueue_resource_files(rid)
                    queued |= {f["sha256"] for f in store.get_resource(rid)["files"]}
                elif op == "download":
                    Downloader(store, url, paths.files, policy=FAST).run()
            proxy.clear()
            sync_catalog(store, url, paths=paths, policy=FAST)
            want = {k: v for k, v in _portal_view(pstore).items()}
            have = _replica_view(paths.database)
            assert {k: v for k, v in have.items() if k.startswith(f"{prefix}-")} == \
                {k: v for k, v in want.items() if k.startswith(f"{prefix}-")}
            assert have == want
            assert store.cursor(CATALOG_STREAM) == pstore.head(CATALOG_STREAM)
            assert not store.check_integrity()
            # Client writes: every queued file exactly once, done and verified or failed
            # with a reason (its resource was replaced or deleted on the portal meanwhile).
            Downloader(store, url, paths.files, policy=FAST).run()
            rows = {d.sha256: d for d in store.download_queue()}
            assert queued <= set(rows), "a queued download was lost"
            for sha in queued:
                row = rows[sha]
                if row.state == "done":
                    assert sha256_file(paths.files / cache_relpath(sha)) == sha
                else:
                    assert row.state == "failed" and row.error, row
        finally:
            store.close()
    # Now and then, a brand-new client from the snapshot sees the same catalog.
    if n % 10 == 0:
        ensure_snapshot(pstore)
        with tempfile.TemporaryDirectory() as tmp:
            paths = Paths(Path(tmp) / "fresh").ensure()
            fresh = Store(paths.database)
            try:
                assert sync_catalog(fresh, url, paths=paths, policy=FAST).snapshot_used
                assert _replica_view(paths.database) == _portal_view(pstore)
            finally:
                fresh.close()
