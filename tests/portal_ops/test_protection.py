"""Size limits, rate limits, heavy-sync slots, health, X-Accel-Redirect and access logs over
the real app and store (TestClient); slow clients are in test_process.py."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from sqlalchemy import delete
from starlette.testclient import TestClient

from portal import db
from portal.accesslog import ACCESS_LOGGER
from portal.app import create_app
from portal.catalog import PortalStore
from portal.config import AppSettings
from portal.snapshot import ensure_snapshot
from tests.portal_community.conftest import signin

SYNC = "/api/v1/sync"


def _sync_body(cursor: int) -> dict:
    return {"protocol": 1, "cursors": {"catalog": cursor}}


def test_every_body_taking_endpoint_answers_413_in_the_error_shape(store, community):
    settings = AppSettings(max_request_bytes=4096)
    with TestClient(create_app(store, settings)) as c:
        for path in (SYNC, "/api/v1/auth/signin", "/api/v1/auth/signout",
                     "/api/v1/moderation/posts/p/hide"):
            r = c.post(path, content=b"x" * 5000)
            assert r.status_code == 413, (path, r.text)
            assert r.json()["error"]["code"] == "too_large"

            def chunks():  # no Content-Length: counted while it streams
                for _ in range(10):
                    yield b"y" * 1000

            if path in (SYNC, "/api/v1/auth/signin"):  # the others never read a body
                r = c.post(path, content=chunks())
                assert r.status_code == 413, (path, r.text)


def test_rate_limit_per_token_is_shared_by_processes(store, community, tmp_path,
                                                     portal_database):
    settings = AppSettings(rate_limit_per_minute=3)
    # A second store over the same database stands for a second portal process.
    with PortalStore.open(tmp_path / "portal", portal_database) as other, \
            TestClient(create_app(store, settings)) as one, \
            TestClient(create_app(other, settings)) as two:
        anna, boris = signin(one, "anna"), signin(one, "boris")
        codes = [(one if i % 2 else two).get(
            "/api/v1/me", headers={"authorization": f"Bearer {anna}"}).status_code
            for i in range(4)]
        assert codes == [200, 200, 200, 429]
        r = one.get("/api/v1/me", headers={"authorization": f"Bearer {anna}"})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
        assert r.json()["error"]["code"] == "rate_limited"
        assert two.get("/api/v1/me", headers={"authorization": f"Bearer {boris}"}
                       ).status_code == 200
        # Anonymous catalog syncs are not counted per token.
        assert two.post(SYNC, json=_sync_body(0)).status_code == 200


def test_only_heavy_syncs_wait_for_a_slot(store):
    store.publish_collection({"id": "c1", "title": "Математика", "kind": "subject"})
    head = store.head()
    settings = AppSettings(max_concurrent_syncs=0, retry_after_seconds=9, heavy_backlog=10)
    with TestClient(create_app(store, settings)) as c:
        busy = c.post(SYNC, json=_sync_body(0))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "9"
        assert c.post(SYNC, json=_sync_body(head)).status_code == 200  # no change: light
        for i in range(12):
            store.publish_collection({"id": f"c{i + 2}", "title": "Тема", "kind": "topic"})
        assert c.post(SYNC, json=_sync_body(head)).status_code == 503  # 12 behind: heavy
        assert c.post(SYNC, json=_sync_body(head + 5)).status_code == 200
        info = ensure_snapshot(store)
        r = c.get(f"/api/v1/snapshots/{info.name}")
        assert r.status_code == 503 and r.headers["retry-after"] == "9"


def test_snapshot_slots_are_given_back(store):
    store.publish_collection({"id": "c1", "title": "Математика", "kind": "subject"})
    info = ensure_snapshot(store)
    with TestClient(create_app(store, AppSettings(max_concurrent_syncs=1))) as c:
        for _ in range(3):
            assert c.get(f"/api/v1/snapshots/{info.name}").status_code == 200
            assert c.post(SYNC, json=_sync_body(0)).status_code == 200


def test_health_reports_database_migrations_and_disk(store):
    with TestClient(create_app(store)) as c:
        r = c.get("/health")
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert set(r.json()["checks"]) == {"database", "migrations", "disk"}
    with TestClient(create_app(store, AppSettings(min_free_bytes=1 << 60))) as c:
        r = c.get("/health")
        assert r.status_code == 503 and r.json()["checks"]["disk"]["ok"] is False
    with db.write_transaction(store.engine) as conn:
        conn.execute(delete(db.schema_version).where(
            db.schema_version.c.version == len(db.MIGRATIONS)))
    with TestClient(create_app(store)) as c:
        r = c.get("/health")
        assert r.status_code == 503
        assert r.json()["checks"]["migrations"] == {
            "ok": False, "version": len(db.MIGRATIONS) - 1, "expected": len(db.MIGRATIONS)}


def test_accel_redirect_hands_validated_files_to_the_front_server(store):
    d = store.publish_resource(
        {"id": "r1", "title": "Дроби", "type": "lesson", "language": "ru", "grades": [5]},
        files=[("drobi.pdf", "application/pdf", b"%PDF-1.4 fractions")])
    sha = d["files"][0]["sha256"]
    info = ensure_snapshot(store)
    settings = replace(AppSettings(), accel_redirect="/_okno_files/")
    with TestClient(create_app(store, settings)) as c:
        r = c.get(f"/api/v1/blobs/{sha}")
        assert r.status_code == 200 and r.content == b""
        assert r.headers["x-accel-redirect"] == f"/_okno_files/blobs/{sha[:2]}/{sha}"
        assert r.headers["x-okno-etag"] == f'"{sha}"'
        assert r.headers["content-type"] == "application/pdf"
        r = c.get(f"/api/v1/snapshots/{info.name}")
        assert r.headers["x-accel-redirect"] == f"/_okno_files/snapshots/{info.name}"
        # Validation still happens here: unknown names never reach the front server.
        r = c.get(f"/api/v1/blobs/{'0' * 64}")
        assert r.status_code == 404 and "x-accel-redirect" not in r.headers
        assert c.get("/api/v1/snapshots/catalog-999.ndjson.zst").status_code == 404


def test_access_log_lines_are_json_and_never_hold_the_token(store, community, caplog):
    with TestClient(create_app(store, AppSettings(access_log=True))) as c, \
            caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        token = signin(c, "anna")
        r = c.get("/api/v1/me", headers={"authorization": f"Bearer {token}",
                                         "x-request-id": "school-45-req-1"})
        assert r.headers["x-request-id"] == "school-45-req-1"
        c.post(SYNC, content=b"not json")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]
    me = next(x for x in lines if x["path"] == "/api/v1/me")
    assert me["user"] == "u-anna" and me["status"] == 200 and me["method"] == "GET"
    assert me["request_id"] == "school-45-req-1" and me["bytes"] > 0
    assert me["duration_ms"] >= 0
    bad = next(x for x in lines if x["path"] == SYNC)
    assert bad["status"] == 400 and bad["user"] is None
    assert all(token not in json.dumps(x) for x in lines)
