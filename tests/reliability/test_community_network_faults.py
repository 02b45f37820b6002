"""Network faults for the community sync and outbox (issue 5, part 2; the catalog's are in
test_network_faults.py): 500/502/503 with and without Retry-After, and the portal killed
right after it applied the user's replies (their answer lost), restarted on the same port a
moment later. Each case: the client retries with backoff, says why in plain words, and
converges with every reply on the portal exactly once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.engine import SyncProgress
from desktop.sync.http import RetryPolicy
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli
from tests.reliability.support import PortalProcess

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

SYNC = "/api/v1/sync"
ACKED = {"applied", "duplicate"}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("community-faults") / "portal"
    portal_cli(data, "demo", "--resources", "30", "--posts", "300", "--seed", "5")
    process = PortalProcess(data)
    process.start()
    yield process
    process.stop()


def _client(portal: PortalProcess, where: Path) -> tuple[Store, Paths, str, str]:
    paths = Paths(where / "client").ensure()
    store = Store(paths.database)
    token, _ = signin(portal.url, "demo", "demo", "faults test")
    sync_community(store, portal.url, token, paths=paths,
                   policy=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2))
    return store, paths, token, reply_thread(store)


def _exactly_once(store: Store, thread_id: str, bodies: list[str]) -> None:
    assert store.outbox_count() == 0
    assert {o.state for o in store.outbox()} <= ACKED
    seen = [p["body_md"] for p in store.posts(thread_id, limit=100_000)]
    assert [seen.count(b) for b in bodies] == [1] * len(bodies), seen


@pytest.mark.parametrize("status,retry_after", [
    (500, None), (502, "1"), (503, None), (503, "1"),
])
def test_community_sync_retries_server_errors(portal, tmp_path, status, retry_after):
    store, paths, token, thread_id = _client(portal, tmp_path)
    bodies = [f"Ответ при ошибке {status}/{retry_after}: {i}" for i in range(2)]
    for body in bodies:
        store.write_reply(thread_id, body)
    waits: list[str] = []
    headers = {"Retry-After": retry_after} if retry_after else None
    with FaultProxy(portal.url) as proxy:
        proxy.fail(SYNC, status, times=2, headers=headers)
        started = time.monotonic()
        sync_community(store, proxy.url, token, paths=paths,
                       policy=RetryPolicy(attempts=6, base_delay=0.2, max_delay=0.4),
                       progress=lambda p: waits.append(p.message) if p.phase == "waiting"
                       else None)
        elapsed = time.monotonic() - started
    assert len(waits) == 2, waits
    assert all(("busy" if status == 503 else "internal error") in m for m in waits), waits
    if retry_after:
        assert elapsed >= 2.0 and all("Retrying in 1 s" in m for m in waits), waits
    _exactly_once(store, thread_id, bodies)
    store.close()


def test_portal_restarted_after_applying_replies(portal, tmp_path):
    """The portal applies the replies, then dies before answering (a power cut), and comes
    back on the same port: the client retries through "cannot reach", resends the same op
    ids, the portal says "duplicate", and nothing is doubled or lost."""
    store, paths, token, thread_id = _client(portal, tmp_path)
    bodies = [f"Ответ до перезапуска портала: {i}" for i in range(3)]
    for body in bodies:
        store.write_reply(thread_id, body)
    restarted = threading.Event()

    def die_after_applying(status, headers, body, _req):
        # The real portal has applied the ops; its answer never reaches the client.
        restarted.set()
        portal.stop(kill=True)
        threading.Thread(target=portal.restart, kwargs={"down_for": 1.0}, daemon=True).start()
        return 502, [("content-type", "text/plain")], b"upstream went away"

    waits: list[str] = []

    def progress(p: SyncProgress) -> None:
        if p.phase == "waiting":
            waits.append(p.message)

    try:
        with FaultProxy(portal.url) as proxy:
            proxy.respond(SYNC, die_after_applying, times=1)
            sync_community(store, proxy.url, token, paths=paths, refresh_account=False,
                           policy=RetryPolicy(attempts=10, base_delay=0.5, max_delay=2.0),
                           progress=progress)
    finally:
        deadline = time.monotonic() + 60
        while portal.proc is None and time.monotonic() < deadline:
            time.sleep(0.1)  # let the restart finish
    assert restarted.is_set() and waits, waits
    states = [o.state for o in store.outbox()]
    assert states.count("duplicate") == 3, states
    _exactly_once(store, thread_id, bodies)
    store.close()
