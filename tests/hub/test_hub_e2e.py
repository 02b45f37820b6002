"""The lab hub end to end on loopback: the real portal process, real replicas, real HTTP.

Client A fills from the portal and serves its replica as a hub on 127.0.0.1:0; client B
takes the catalog and files from the hub and only the tail from the portal. Faults between
B and the hub are injected by tests/faultproxy.py; nothing is mocked.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bench.netcount import CountingForwarder
from desktop.hub.app import HubConfig
from desktop.hub.server import HubError, HubServer
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.discovery import find_hub, load_cached_hub
from desktop.sync.http import RetryPolicy
from desktop.sync.hubsync import sync_with_hub
from protocol.wire import CATALOG_STREAM
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, "--demo", "--resources", "60", "--seed", "5") as url:
        yield url, data


def _client(root: Path, name: str) -> tuple[Store, Paths]:
    paths = Paths(root / name).ensure()
    return Store(paths.database), paths


def _fill(store: Store, paths: Paths, url: str, hub: str | None = None, **kw):
    return sync_with_hub(store, url, paths=paths, hub=hub, all_files=True, policy=FAST, **kw)


def replica_state(db_path: Path) -> dict:
    """Everything a replica holds of the catalog, row for row (rowids aside)."""
    db = sqlite3.connect(db_path)
    try:
        cols = ("id, title, description, authors, subjects, grades, type, language, license, "
                "keywords, collections, files, created, modified, version, seq")
        return {
            "resources": db.execute(f"SELECT {cols} FROM resources ORDER BY id").fetchall(),
            "collections": db.execute("SELECT * FROM collections ORDER BY id").fetchall(),
            "tombstones": db.execute("SELECT * FROM tombstones ORDER BY stream, kind, id"
                                     ).fetchall(),
            "cursor": db.execute("SELECT seq, portal_id FROM cursors WHERE stream = 'catalog'"
                                 ).fetchall(),
            "files": db.execute("SELECT sha256, size FROM files_cache ORDER BY sha256"
                                ).fetchall(),
        }
    finally:
        db.close()


def _serve(paths: Paths, portal_url: str) -> HubServer:
    return HubServer(HubConfig(paths.database, portal_url=portal_url, files_dir=paths.files),
                     "127.0.0.1", 0, advertise=False)


def _library_bytes(paths: Paths) -> int:
    return sum(p.stat().st_size for p in paths.files.rglob("*") if p.is_file())


def test_second_client_fills_from_the_hub_and_matches(portal, tmp_path):
    url, data = portal
    a, a_paths = _client(tmp_path, "a")
    b, b_paths = _client(tmp_path, "b")
    # B starts from the portal, then the catalog changes: B needs an update *and* a deletion
    # from the hub, which must carry the portal's seq and tombstones.
    _fill(b, b_paths, url)
    portal_cli(data, "update", "--no-snapshot", "res-000004", "--title",
               "Обновлённый урок для хаба")
    portal_cli(data, "delete", "--no-snapshot", "res-000009")
    report_a = _fill(a, a_paths, url)
    assert report_a.hub_url is None
    assert a.get_resource("res-000009") is None
    files_before = _library_bytes(b_paths)

    with _serve(a_paths, url) as hub, CountingForwarder(int(url.rsplit(":", 1)[1])) as uplink:
        report = _fill(b, b_paths, uplink.url, hub=hub.url)
        assert report.hub_url == hub.url and not report.fell_back
        assert report.hub_records >= 2  # the update and the tombstone came over the LAN
        assert report.portal_file_bytes == 0
        assert uplink.down_bytes < 4096  # the portal only confirmed "nothing newer"

    state_a, state_b = replica_state(a.path), replica_state(b.path)
    # B keeps the files of the deleted resource it had cached before; otherwise equal.
    assert set(state_b.pop("files")) >= set(state_a.pop("files"))
    assert state_b == state_a
    assert b.get_resource("res-000004")["title"] == "Обновлённый урок для хаба"
    assert b.get_resource("res-000009") is None
    assert _library_bytes(b_paths) >= files_before

    # A brand-new client fills completely from the hub; the uplink carries almost nothing.
    c, c_paths = _client(tmp_path, "c")
    with _serve(a_paths, url) as hub, CountingForwarder(int(url.rsplit(":", 1)[1])) as uplink:
        report = _fill(c, c_paths, uplink.url, hub=hub.url)
        assert report.hub_records > 50 and report.hub_file_bytes > 50_000
        assert report.portal_file_bytes == 0
        assert uplink.total < 0.05 * (report.hub_bytes + report.hub_file_bytes)
    assert replica_state(c.path) == replica_state(a.path)
    # C's replica is complete from the hub's horizon: it could serve the lab in turn.
    assert c.serving_horizon(c.portal_id()) is not None
    for s in (a, b, c):
        s.close()


def test_hub_behind_the_portal_client_continues_from_the_portal(portal, tmp_path):
    url, data = portal
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    portal_cli(data, "update", "--no-snapshot", "res-000011", "--title", "Новее, чем у хаба")
    b, b_paths = _client(tmp_path, "b")
    with _serve(a_paths, url) as hub:
        report = _fill(b, b_paths, url, hub=hub.url)
    assert report.hub_records > 50
    assert b.cursor(CATALOG_STREAM) > a.cursor(CATALOG_STREAM)
    assert b.get_resource("res-000011")["title"] == "Новее, чем у хаба"
    _fill(a, a_paths, url)
    assert replica_state(b.path) == replica_state(a.path)
    a.close()
    b.close()


def test_hub_refuses_writes_private_streams_and_sign_in(portal, tmp_path):
    url, _data = portal
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    with _serve(a_paths, url) as hub:
        api = f"{hub.url}/api/v1"
        s = requests.Session()
        s.trust_env = False
        hello = s.get(f"{api}/hello", timeout=10).json()
        assert hello["portal_id"] == a.portal_id() and hello["snapshot"] is None
        for cursors in ({"directory": 0}, {"catalog": 0, "user:u-0000": 0},
                        {"assoc:reg-45": 0}):
            r = s.post(f"{api}/sync", json={"protocol": 1, "cursors": cursors}, timeout=10)
            assert r.status_code == 403, cursors
            assert r.json()["error"]["code"] == "forbidden"
        op = {"op_id": "x1", "type": "post.create", "data": {}}
        r = s.post(f"{api}/sync", json={"protocol": 1, "cursors": {"catalog": 0},
                                        "ops": [op]}, timeout=10)
        assert r.status_code == 403
        r = s.post(f"{api}/sync", json={"protocol": 1, "cursors": {"catalog": 0}},
                   headers={"Authorization": "Bearer okno_secret"}, timeout=10)
        assert r.status_code == 403
        assert s.post(f"{api}/auth/signin", json={"login": "demo", "password": "x"},
                      timeout=10).status_code == 403
        assert s.get(f"{api}/me", timeout=10).status_code == 403
        assert s.get(f"{api}/snapshots/catalog-1.ndjson.zst", timeout=10).status_code == 404
        assert s.get(f"{api}/blobs/{'0' * 64}", timeout=10).status_code == 404
        assert s.get(f"{api}/blobs/..%2F..%2Fokno.sqlite3", timeout=10).status_code == 404
        assert s.put(f"{api}/blobs/{'0' * 64}", data=b"x", timeout=10).status_code in (404, 405)
        assert s.delete(f"{api}/hello", timeout=10).status_code in (404, 405)
        assert s.get(f"{hub.url}/okno.sqlite3", timeout=10).status_code == 404
        # A client ahead of the hub, or of another portal, is sent back to its portal.
        ahead = {"protocol": 1, "cursors": {"catalog": a.cursor(CATALOG_STREAM) + 5}}
        assert s.post(f"{api}/sync", json=ahead, timeout=10).status_code == 409
        other = {"protocol": 1, "portal_id": "another", "cursors": {"catalog": 0}}
        assert s.post(f"{api}/sync", json=other, timeout=10).status_code == 409
        # Files: the stored bytes, with a strong ETag and ranges.
        sha, size = replica_state(a.path)["files"][0]
        r = s.get(f"{api}/blobs/{sha}", headers={"Range": "bytes=3-"}, timeout=10)
        assert r.status_code == 206 and r.headers["etag"] == f'"{sha}"'
        assert r.headers["content-range"] == f"bytes 3-{size - 1}/{size}"
        assert r.content == (a_paths.files / sha[:2] / sha).read_bytes()[3:]
    with pytest.raises(HubError):
        HubServer(HubConfig(a_paths.database), "0.0.0.0", 0)
    a.close()


def test_hub_goes_away_mid_sync_client_falls_back_and_converges(portal, tmp_path):
    url, _data = portal
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    b, b_paths = _client(tmp_path, "b")
    with _serve(a_paths, url) as hub, FaultProxy(hub.url) as proxy, \
            CountingForwarder(int(url.rsplit(":", 1)[1])) as uplink:
        # The first catalog response is cut after a few pages, then the hub is gone (a
        # reverse proxy in front of a dead hub answers 502).
        proxy.cut_after("/api/v1/sync", 9_000, times=1)
        proxy.fail("/api/v1/sync", 502, times=100)
        proxy.fail("/api/v1/blobs", 502, times=10_000)
        report = _fill(b, b_paths, uplink.url, hub=proxy.url, page_bytes=16 * 1024)
        assert report.fell_back
        assert 0 < report.hub_records < report.result.records
        assert report.portal_bytes > 0 and report.portal_file_bytes > 0
    assert replica_state(b.path) == replica_state(a.path)
    a.close()
    b.close()


def test_partial_file_from_a_vanishing_hub_is_resumed_from_the_portal(portal, tmp_path):
    url, _data = portal
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    b, b_paths = _client(tmp_path, "b")
    with _serve(a_paths, url) as hub, FaultProxy(hub.url) as proxy, FaultProxy(url) as seen:
        proxy.cut_after("/api/v1/blobs", 700, times=1)
        proxy.fail("/api/v1/blobs", 502, times=10_000)
        report = _fill(b, b_paths, seen.url, hub=proxy.url)
        assert report.hub_file_bytes == 700 and report.portal_file_bytes > 0
        # The portal was asked to continue the partial file, not to start it again.
        assert "bytes=700-" in [h for h in seen.range_headers if h]
    assert replica_state(b.path) == replica_state(a.path)
    a.close()
    b.close()


def test_discovery_on_loopback_finds_the_hub_and_caches_it(portal, tmp_path):
    url, _data = portal
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    b, b_paths = _client(tmp_path, "b")
    config = HubConfig(a_paths.database, portal_url=url, files_dir=a_paths.files)
    with HubServer(config, "127.0.0.1", 0, advertise=True) as hub:
        found = find_hub(b_paths.data, portal_id=None, portal_url=url,
                         interfaces=["127.0.0.1"], browse_timeout=5.0)
        assert found is not None and found[0].url == hub.url
        assert found[0].portal_id == a.portal_id() and found[0].cursor == a.cursor("catalog")
        assert load_cached_hub(b_paths.data).url == hub.url
        report = sync_with_hub(b, url, paths=b_paths, hub="auto", interfaces=["127.0.0.1"],
                               policy=FAST)
        assert report.hub_url == hub.url and report.hub_records > 50
        # A hub that mirrors another portal is never used.
        assert find_hub(tmp_path / "nowhere", portal_id="another-portal", portal_url=url,
                        interfaces=["127.0.0.1"], browse_timeout=2.0) is None
    # The hub is gone: the cached entry no longer answers, and the sync uses the portal.
    c, c_paths = _client(tmp_path, "c")
    (c_paths.data / "lab-hub.json").write_text(json.dumps(
        {**json.loads((b_paths.data / "lab-hub.json").read_text())}), encoding="utf-8")
    report = sync_with_hub(c, url, paths=c_paths, hub="auto", interfaces=["127.0.0.1"],
                           browse_timeout=0.5, policy=FAST)
    assert report.hub_url is None and c.cursor("catalog") == a.cursor("catalog")
    for s in (a, b, c):
        s.close()


def test_a_client_behind_the_hubs_horizon_takes_the_catalog_from_the_portal(portal, tmp_path):
    """A hub that started from a snapshot never saw older deletions: a client whose cursor
    is older than that must not take the catalog from it (it would keep deleted records)."""
    url, data = portal
    b, b_paths = _client(tmp_path, "b")
    _fill(b, b_paths, url)
    portal_cli(data, "delete", "--no-snapshot", "res-000017")
    # A later change, and a snapshot rebuilt past both: it no longer knows of the deletion.
    portal_cli(data, "update", "res-000018", "--title", "Изменено после удаления")
    a, a_paths = _client(tmp_path, "a")
    _fill(a, a_paths, url)
    assert a.serving_horizon(a.portal_id()) > b.cursor(CATALOG_STREAM)
    with _serve(a_paths, url) as hub:
        report = _fill(b, b_paths, url, hub=hub.url)
    assert report.hub_url == hub.url and report.hub_records == 0 and not report.fell_back
    assert b.get_resource("res-000017") is None
    state_a, state_b = replica_state(a.path), replica_state(b.path)
    assert set(state_b.pop("files")) >= set(state_a.pop("files"))
    state_a.pop("tombstones"), state_b.pop("tombstones")  # A never saw the older deletions
    assert state_b == state_a
    a.close()
    b.close()
