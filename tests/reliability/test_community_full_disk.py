"""Community page apply on a full disk (issue 5, part 6): a first community sync into a
data folder on a tiny tmpfs stops with the plain "not enough disk space" category, the
database stays intact, and every community stream holds exactly the portal's posts up to its
cursor (checked against a replica synced on a roomy disk); once space is freed the same sync
finishes, and a reply written then reaches the portal once.
Needs root (mount); skipped otherwise."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import InsufficientSpace, RetryPolicy
from tests.community_support import reply_thread
from tests.portal_process import running_portal
from tests.reliability.support import sqlite_integrity, tiny_fs

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "3000", "--seed", "5")
FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)


def _posts_by_stream(db: Path) -> dict[str, set[tuple[str, int]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out: dict[str, set[tuple[str, int]]] = {}
        for stream, pid, seq in conn.execute(
                "SELECT 'assoc:' || association_id, id, seq FROM posts WHERE local = 0"):
            out.setdefault(stream, set()).add((pid, seq))
        return out
    finally:
        conn.close()


def _cursors(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT stream, seq FROM cursors"))
    finally:
        conn.close()


def test_community_page_apply_on_a_full_disk(tmp_path):
    with running_portal(tmp_path / "portal", *PORTAL_ARGS) as url:
        token, _ = signin(url, "demo", "demo", "full disk test")
        # The reference: the same user's data synced on a roomy disk.
        ref = Paths(tmp_path / "reference").ensure()
        store = Store(ref.database)
        sync_community(store, url, token, paths=ref, policy=FAST)
        thread_id = reply_thread(store)
        store.close()
        full = _posts_by_stream(ref.database)
        size_kb = ref.database.stat().st_size // 1024
        empty = Paths(tmp_path / "empty").ensure()
        Store(empty.database).close()
        empty_kb = empty.database.stat().st_size // 1024
        assert size_kb > empty_kb + 600, (size_kb, empty_kb)  # pages must not all fit
        # Room for the empty database, its journal and about a third of the posts.
        tiny_kb = empty_kb + 256 + (size_kb - empty_kb) // 3

        with tiny_fs(tmp_path / "disk", f"{tiny_kb}k") as disk:
            paths = Paths(disk / "okno").ensure()
            store = Store(paths.database)
            # The first sync learns the account and the streams (small), the pages do not fit.
            with pytest.raises(InsufficientSpace) as err:
                sync_community(store, url, token, paths=paths, policy=FAST, page_bytes=8 * 1024)
            assert err.value.code == "disk_full" and "disk space" in str(err.value).lower()
            assert "Traceback" not in str(err.value)
            store.close()
            assert sqlite_integrity(paths.database) == ["ok"]
            store = Store(paths.database)
            assert store.check_integrity() == []
            store.close()
            # Every stream holds exactly the portal's records up to its cursor.
            have, cursors = _posts_by_stream(paths.database), _cursors(paths.database)
            for stream, posts in have.items():
                cursor = cursors.get(stream, 0)
                assert posts == {p for p in full.get(stream, set()) if p[1] <= cursor}, stream
            assert sum(len(p) for p in have.values()) < sum(len(p) for p in full.values())

            subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
            store = Store(paths.database)
            _post, op_id, _ = store.write_reply(thread_id, "Ответ после нехватки места")
            sync_community(store, url, token, paths=paths, policy=FAST)
            assert {o.op_id: o.state for o in store.outbox()}[op_id] == "applied"
            assert store.outbox_count() == 0
            bodies = [p["body_md"] for p in store.posts(thread_id, limit=100_000)]
            store.close()
            assert bodies.count("Ответ после нехватки места") == 1
            assert sqlite_integrity(paths.database) == ["ok"]
            have = _posts_by_stream(paths.database)
            # Converged: everything the reference has (plus the new reply).
            for stream, posts in full.items():
                assert {p[0] for p in posts} <= {p[0] for p in have.get(stream, set())}, stream
