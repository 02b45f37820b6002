"""End to end: a member flags a post offline; sync brings the flag to the real portal's
moderation queue (``okno-portal moderation list``) exactly once, even when the portal's
answer is lost and the op is sent again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy, SyncError
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
DEAD_URL = "http://127.0.0.1:9"  # nothing listens there: "no connection"
PORTAL_ARGS = ("--demo", "--resources", "10", "--posts", "60", "--seed", "9")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, *PORTAL_ARGS) as url:
        yield url, data


def _queue(data: Path) -> list[dict]:
    return json.loads(portal_cli(data, "moderation", "list", "--json").stdout)


def _someone_elses_post(store: Store) -> dict:
    me = store.community_user()["id"]
    thread_id = reply_thread(store)
    for post in store.posts(thread_id):
        if post["author_id"] != me and post["number"] is not None:
            return post
    raise AssertionError("no post of another member in the demo thread")


def test_flag_offline_reaches_moderation_queue_once(portal, tmp_path):
    url, data = portal
    paths = Paths(tmp_path / "desktop").ensure()
    store = Store(paths.database)
    try:
        with FaultProxy(url) as proxy:
            token, _user = signin(proxy.url, "demo", "demo", "test flag")
            sync_community(store, proxy.url, token, paths=paths, policy=FAST)
            post = _someone_elses_post(store)
            assert all(f["post_id"] != post["id"] for f in _queue(data))
            op_id, _changes = store.flag_post(post["id"], "spam: реклама курсов")
            with pytest.raises(SyncError):  # offline: the flag waits in the outbox
                sync_community(store, DEAD_URL, token, paths=paths,
                               policy=RetryPolicy(attempts=1))
            assert store.outbox()[0].state == "pending"
            # The portal's answer is lost once: the op goes again and is answered duplicate.
            proxy.cut_after("/api/v1/sync", 0)
            sync_community(store, proxy.url, token, paths=paths, policy=FAST,
                           refresh_account=False)
            [item] = store.outbox()
            assert (item.op_id, item.state) == (op_id, "duplicate")
            sync_community(store, proxy.url, token, paths=paths, policy=FAST,
                           refresh_account=False)
        [flagged] = [f for f in _queue(data) if f["post_id"] == post["id"]]
        assert flagged["flags"] == 1
        assert flagged["reasons"] == ["spam: реклама курсов"]
        assert [i.state for i in store.outbox()] == ["duplicate"]
    finally:
        store.close()
