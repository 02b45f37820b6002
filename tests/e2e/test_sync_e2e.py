"""End to end: the real portal process on 127.0.0.1:0, a real SQLite replica, real HTTP.

Faults (cuts, corrupt bytes, hostile answers) are injected by tests/faultproxy.py between
the two; the portal and the client are never mocked.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from desktop.paths import Paths
from desktop.store import Store
from desktop.store.types import Filters
from desktop.sync.downloads import Downloader, cache_relpath, sha256_file
from desktop.sync.engine import SyncError, sync_catalog
from desktop.sync.http import RetryPolicy
from protocol.wire import CATALOG_STREAM
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, "--demo", "--resources", "300", "--seed", "3") as url:
        yield url, data


def _client(tmp_path: Path) -> tuple[Store, Paths]:
    paths = Paths(tmp_path / "desktop").ensure()
    return Store(paths.database), paths


def _replica(store: Store) -> dict[str, int]:
    """id -> version of every resource in the local replica."""
    db = sqlite3.connect(store_path(store))
    try:
        return dict(db.execute("select id, version from resources"))
    finally:
        db.close()


def store_path(store: Store) -> str:
    return str(store.path)


def _portal_state(url: str) -> dict[str, int]:
    """The portal's view, read through a full sync into a fresh throwaway replica."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        store, paths = _client(Path(d))
        sync_catalog(store, url, paths=paths, use_snapshot=False, policy=FAST)
        state = _replica(store)
        store.close()
    return state


def test_first_sync_uses_snapshot_and_search_works(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    result = sync_catalog(store, url, paths=paths, policy=FAST)
    assert result.snapshot_used
    hello = requests.get(f"{url}/api/v1/hello", timeout=5).json()
    assert store.cursor(CATALOG_STREAM) == hello["streams"]["catalog"]["head"]
    assert store.counts()["resources"] == 300
    ids = store.search("уравнения")
    titles = [r["title"].lower() for r in store.rows(ids)]
    assert any("уравнен" in t for t in titles)
    assert not store.check_integrity()
    assert _replica(store) == _portal_state(url)
    # The snapshot file is not kept once applied.
    assert not any(paths.snapshots.iterdir())
    store.close()


def test_no_change_sync_is_one_small_round_trip(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    again = sync_catalog(store, url, paths=paths, policy=FAST)
    assert again.round_trips == 1
    assert again.records == 0
    assert again.bytes_wire < 2048
    assert not again.changes
    store.close()


def _resource_json(tmp_path: Path, rid: str, title: str) -> Path:
    p = tmp_path / f"{rid}.json"
    p.write_text(json.dumps({
        "id": rid, "title": title, "description": "Проверка синхронизации.",
        "authors": ["Петрова Анна Сергеевна"], "subjects": ["Алгебра"], "grades": [8],
        "type": "lesson", "language": "ru", "license": "CC BY 4.0",
        "keywords": ["проверка"], "collections": [],
    }, ensure_ascii=False), "utf-8")
    return p


def test_incremental_sync_sees_publish_update_delete(portal, tmp_path):
    url, data = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    attachment = tmp_path / "конспект.txt"
    attachment.write_text("Конспект урока о биквадратных уравнениях.", "utf-8")
    rid = "res-e2e-incremental"
    portal_cli(data, "publish", "--json", str(_resource_json(tmp_path, rid,
               "Биквадратные уравнения")), "--file", str(attachment))
    r = sync_catalog(store, url, paths=paths, policy=FAST)
    assert rid in r.changes.resources
    assert store.get_resource(rid)["title"] == "Биквадратные уравнения"
    assert store.search("биквадратное уравнение")

    portal_cli(data, "update", rid, "--title", "Биквадратные уравнения: решение")
    r = sync_catalog(store, url, paths=paths, policy=FAST)
    assert r.records == 1
    res = store.get_resource(rid)
    assert res["title"] == "Биквадратные уравнения: решение" and res["version"] == 2

    portal_cli(data, "delete", rid)
    r = sync_catalog(store, url, paths=paths, policy=FAST)
    assert store.get_resource(rid) is None
    assert not store.search("биквадратное")
    assert _replica(store) == _portal_state(url)
    store.close()


def test_cut_mid_page_resumes_without_gap_or_duplicate(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    with FaultProxy(url) as proxy:
        # Small pages so the cut lands in the middle of the stream, after some whole pages.
        proxy.cut_after("/api/v1/sync", 20_000, times=2)
        result = sync_catalog(store, proxy.url, paths=paths, policy=FAST,
                              use_snapshot=False, page_bytes=16 * 1024)
        assert proxy.requests.count("/api/v1/sync") >= 3
    assert _replica(store) == _portal_state(url)
    # Every record (resources and collections) applied exactly once: whole pages before a
    # cut were kept, and nothing was fetched twice.
    counts = store.counts()
    db = sqlite3.connect(store_path(store))
    tombstones = db.execute("select count(*) from tombstones").fetchone()[0]
    db.close()
    assert result.records == counts["resources"] + counts["collections"] + tombstones
    assert not store.check_integrity()
    store.close()


def test_cut_snapshot_download_resumes_with_range(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    with FaultProxy(url) as proxy:
        proxy.cut_after("/api/v1/snapshots/", 3000, times=1)
        result = sync_catalog(store, proxy.url, paths=paths, policy=FAST)
        snap_ranges = [r for p, r in zip(proxy.requests, proxy.range_headers, strict=True)
                       if p.startswith("/api/v1/snapshots/")]
    assert result.snapshot_used
    assert snap_ranges[0] is None and snap_ranges[1] == "bytes=3000-"
    assert _replica(store) == _portal_state(url)
    store.close()


def _first_file(store: Store) -> tuple[str, dict]:
    for rowid in store.search("", Filters()):
        res = store.get_resource(rowid)
        if res and res["files"]:
            return res["id"], res["files"][0]
    raise AssertionError("demo library has no files")


def test_download_cut_mid_file_resumes_and_verifies(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    rid, f = _first_file(store)
    assert f["size"] > 2000
    store.enqueue_resource_files(rid)
    with FaultProxy(url) as proxy:
        proxy.cut_after("/api/v1/blobs/", 1000, times=1)
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
        blob_ranges = [r for p, r in zip(proxy.requests, proxy.range_headers, strict=True)
                       if p.startswith("/api/v1/blobs/" + f["sha256"])]
    assert blob_ranges[0] is None and blob_ranges[1] == "bytes=1000-"
    cached = paths.files / cache_relpath(f["sha256"])
    assert sha256_file(cached) == f["sha256"]
    assert store.get_resource(rid)["files"][0]["cached"]
    store.close()


def test_file_with_wrong_hash_is_rejected_and_fetched_again(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    rid, f = _first_file(store)
    store.enqueue_resource_files(rid)

    def flip(body: bytes) -> bytes:
        return bytes([body[0] ^ 0xFF]) + body[1:]

    with FaultProxy(url) as proxy:
        proxy.rewrite_body("/api/v1/blobs/", flip, times=1)
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
        assert proxy.requests.count(f"/api/v1/blobs/{f['sha256']}") == 2
    assert sha256_file(paths.files / cache_relpath(f["sha256"])) == f["sha256"]

    # Damaged every time: the item fails with a reason, nothing corrupt is kept.
    rid2, f2 = next((r, x) for r, x in _all_files(store) if x["sha256"] != f["sha256"])
    store.enqueue_resource_files(rid2)
    with FaultProxy(url) as proxy:
        proxy.rewrite_body("/api/v1/blobs/", flip, times=10)
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
    state = {d.sha256: d for d in store.download_queue()}[f2["sha256"]]
    assert state.state == "failed" and "damaged" in state.error
    assert not (paths.files / cache_relpath(f2["sha256"])).exists()
    store.close()


def _all_files(store: Store):
    for rowid in store.search("", Filters()):
        res = store.get_resource(rowid)
        for f in res["files"]:
            yield res["id"], f


def _dump(store: Store) -> list:
    db = sqlite3.connect(store_path(store))
    try:
        return [db.execute("select * from resources order by id").fetchall(),
                db.execute("select * from cursors").fetchall()]
    finally:
        db.close()


def _set_field(field: str, value) -> callable:
    def fn(lines: list[bytes]) -> list[bytes]:
        out = []
        for ln in lines:
            obj = json.loads(ln)
            if obj.get("t") == "rec":
                obj["d"][field] = value
            out.append(json.dumps(obj, ensure_ascii=False).encode())
        return out
    return fn


def _unknown_kind(lines: list[bytes]) -> list[bytes]:
    out = []
    for ln in lines:
        obj = json.loads(ln)
        if obj.get("t") == "rec":
            obj["k"] = "spaceship"
        out.append(json.dumps(obj).encode())
    return out


def _cursor_backwards(lines: list[bytes]) -> list[bytes]:
    out = []
    for ln in lines:
        obj = json.loads(ln)
        if obj.get("t") == "page":
            obj["cursor"] = 1
        if obj.get("t") == "rec":
            obj["seq"] = 1
        if obj.get("t") == "end":
            obj["cursors"] = {"catalog": 1}
        out.append(json.dumps(obj).encode())
    return out


def _truncate(lines: list[bytes]) -> list[bytes]:
    """The stream stops in the middle of its only page."""
    return [ln for ln in lines if b'"t":"end"' not in ln and b'"t":"page"' not in ln]


def _garbage(lines: list[bytes]) -> list[bytes]:
    return [b"\xff\xfe not json at all", *lines]


@pytest.mark.parametrize("fault,expect", [
    (_set_field("grades", "восьмой"), "grades"),
    (_set_field("title", 42), "title"),
    (_unknown_kind, "kind"),
    (_cursor_backwards, "cursor"),
    (_truncate, "cut"),
    (_garbage, "JSON"),
], ids=["wrong-type-list", "wrong-type-title", "unknown-kind", "cursor-backwards",
        "truncated", "not-json"])
def test_malformed_answer_gives_clear_error_and_changes_nothing(portal, tmp_path, fault,
                                                                expect):
    url, data = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    rid = f"res-e2e-bad-{fault.__name__ if hasattr(fault, '__name__') else 'x'}"[:60]
    portal_cli(data, "publish", "--json", str(_resource_json(tmp_path, rid, "Дроби")))
    before = _dump(store)
    with FaultProxy(url) as proxy:
        proxy.rewrite_lines("/api/v1/sync", fault, times=10)
        with pytest.raises(SyncError) as err:
            sync_catalog(store, proxy.url, paths=paths, policy=NO_RETRY)
    assert expect.lower() in str(err.value).lower()
    assert _dump(store) == before
    assert not store.check_integrity()
    # The real portal afterwards: the replica converges.
    sync_catalog(store, url, paths=paths, policy=FAST)
    assert store.get_resource(rid) is not None
    store.close()


def test_busy_portal_is_retried_honouring_retry_after(portal, tmp_path):
    url, _ = portal
    store, paths = _client(tmp_path)
    sync_catalog(store, url, paths=paths, policy=FAST)
    waits: list[str] = []
    with FaultProxy(url) as proxy:
        proxy.fail("/api/v1/sync", 503, times=2, headers={"Retry-After": "0"})
        sync_catalog(store, proxy.url, paths=paths, policy=FAST,
                     progress=lambda p: waits.append(p.message) if p.phase == "waiting"
                     else None)
    assert len(waits) == 2 and "busy" in waits[0]
    store.close()


def test_unreachable_portal_fails_in_plain_words(tmp_path):
    store, paths = _client(tmp_path)
    with pytest.raises(SyncError) as err:
        sync_catalog(store, "http://127.0.0.1:9", paths=paths, policy=NO_RETRY)
    assert "Cannot reach the portal" in str(err.value)
    store.close()


def test_cli_sync_status_search(portal, tmp_path):
    url, _ = portal
    env_args = ["--data", str(tmp_path / "cli"), "--portal", url]
    run = [sys.executable, "-m", "desktop.cli", *env_args]
    out = subprocess.run([*run, "sync", "--no-files"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"{len(_portal_state(url))} resources" in out.stdout
    out = subprocess.run([*run, "status", "--json"], capture_output=True, text=True,
                         timeout=60)
    status = json.loads(out.stdout)
    assert status["counts"]["resources"] >= 300 and status["last_sync"]["ok"]
    out = subprocess.run([*run, "search", "уравнения", "--json"], capture_output=True,
                         text=True, timeout=60)
    found = json.loads(out.stdout)
    assert found["total"] > 0
    bad = subprocess.run([sys.executable, "-m", "desktop.cli", "--data",
                          str(tmp_path / "cli2"), "--portal", "http://127.0.0.1:9", "sync",
                          "--retries", "1"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "Sync failed" in bad.stderr


def test_end_cursor_above_the_last_page_is_stored(tmp_path):
    """Regression: when the newest changes were deletions whose tombstones have since been
    purged, the portal's ``end`` cursor is above the last page it sent. The protocol says to
    store it; the client used to refuse the whole answer ("final cursor disagrees")."""
    data = tmp_path / "portal"
    with running_portal(data, "--demo", "--resources", "30", "--seed", "5") as url:
        store, paths = _client(tmp_path)
        sync_catalog(store, url, paths=paths, policy=FAST)
        before = store.cursor(CATALOG_STREAM)
        for n in range(2):
            rid = f"res-e2e-purged-{n}"
            portal_cli(data, "publish", "--json",
                       str(_resource_json(tmp_path, rid, "Временный ресурс")))
            portal_cli(data, "delete", rid)
        portal_cli(data, "purge-tombstones", "--days", "0")
        hello = requests.get(f"{url}/api/v1/hello", timeout=10).json()
        sync_catalog(store, url, paths=paths, policy=FAST)
        after = store.cursor(CATALOG_STREAM)
        assert after == hello["streams"][CATALOG_STREAM]["head"] > before
        again = sync_catalog(store, url, paths=paths, policy=FAST)
        assert again.records == 0 and store.cursor(CATALOG_STREAM) == after
        assert _replica(store) == _portal_state(url)
        store.close()
