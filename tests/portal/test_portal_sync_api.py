"""/hello and /sync through the real app (Starlette TestClient over a real SQLite store)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from portal.config import AppSettings, PortalConfig
from portal.snapshot import ensure_snapshot
from portal.sync import parse_sync_request, sync_chunks
from protocol.compression import StreamDecompressor
from protocol.wire import End, Rec, Tombstone
from tests.portal.factories import (
    check_pages,
    decode,
    end,
    pages,
    parse_body,
    records,
    resource,
)

SYNC = "/api/v1/sync"


def _sync(client, cursor=0, encoding="zstd", **extra):
    body = {"protocol": 1, "cursors": {"catalog": cursor}, **extra}
    with client.stream("POST", SYNC, json=body, headers={"accept-encoding": encoding}) as r:
        raw = b"".join(r.iter_raw())
    assert r.status_code == 200, raw
    return r, parse_body(decode(raw, r.headers.get("content-encoding")))


def _fill(store, n, size=2000):
    for i in range(n):
        store.publish_resource(resource(f"r-{i:03}", description="Описание " * (size // 16)))


def test_hello_describes_the_portal_streams_and_snapshot(store, client):
    _fill(store, 3)
    info = ensure_snapshot(store)
    hello = client.get("/api/v1/hello").json()
    assert len(hello.pop("bundle_key")) == 44  # the key of its USB bundles (docs/bundles.md)
    assert hello == {
        "protocol": 1, "portal_id": store.portal_id, "name": "Okno portal",
        "capabilities": ["zstd", "gzip", "snapshot", "range", "community", "bundles"],
        "streams": {"catalog": {"head": 3, "horizon": 0}},
        "snapshot": {"url": f"/api/v1/snapshots/{info.name}", "cursor": 3,
                     "size": info.size, "sha256": info.sha256, "records": 3},
    }


def test_hello_without_a_snapshot_says_null(client):
    assert client.get("/api/v1/hello").json()["snapshot"] is None


def test_full_sync_sends_every_record_in_pages_then_end(store, client):
    _fill(store, 40)
    store.delete_resource("r-003")
    _, lines = _sync(client, page_bytes=16 * 1024)
    check_pages(lines)
    recs = records(lines)
    assert len(recs) == 40 and isinstance(recs[-1], Tombstone)
    assert len(pages(lines)) >= 4
    assert end(lines) == End(False, {"catalog": 41})


def test_budget_stops_with_more_and_the_cursor_resumes_without_gaps(store, client):
    _fill(store, 120, size=4000)
    seen: list[int] = []
    cursor, rounds = 0, 0
    while True:
        rounds += 1
        _, lines = _sync(client, cursor, page_bytes=16 * 1024, budget_bytes=64 * 1024)
        check_pages(lines)
        seen += [r.seq for r in records(lines)]
        last = end(lines)
        if pages(lines):
            assert last.cursors["catalog"] >= pages(lines)[-1].cursor
        cursor = last.cursors["catalog"]
        if not last.more:
            break
    assert rounds > 3
    assert seen == list(range(1, 121)) and cursor == 120


def test_budget_ending_exactly_at_the_head_says_no_more(store, client):
    _fill(store, 2, size=20_000)
    _, lines = _sync(client, page_bytes=16 * 1024, budget_bytes=16 * 1024)
    # The budget is reached on the last page, but nothing is left: no pointless extra round.
    assert end(lines) == End(False, {"catalog": 2})


def test_incremental_sync_sends_only_what_changed(store, client):
    _fill(store, 5)
    store.update_resource("r-001", title="Новое")
    store.delete_resource("r-002")
    _, lines = _sync(client, 5)
    assert [(type(r).__name__, r.id, r.seq) for r in records(lines)] == [
        ("Rec", "r-001", 6), ("Tombstone", "r-002", 7)]
    rec = records(lines)[0]
    assert isinstance(rec, Rec) and rec.version == 2 and rec.data["title"] == "Новое"


def test_no_change_sync_is_tiny(store, client):
    _fill(store, 3)
    body = {"protocol": 1, "cursors": {"catalog": 3}, "portal_id": store.portal_id}
    with client.stream("POST", SYNC, json=body, headers={"accept-encoding": "zstd"}) as r:
        raw = b"".join(r.iter_raw())
    header_bytes = sum(len(k) + len(v) + 4 for k, v in r.headers.raw) + len("HTTP/1.1 200 OK\r\n")
    assert header_bytes + len(raw) < 2048
    assert parse_body(decode(raw, "zstd")) == [End(False, {"catalog": 3})]


def test_end_cursor_reaches_the_head_past_purged_tombstones(store, client):
    _fill(store, 3)
    store.delete_resource("r-002")
    store.purge_tombstones(0)
    _, lines = _sync(client, 0)
    assert [r.id for r in records(lines)] == ["r-000", "r-001"]
    assert end(lines).cursors == {"catalog": 4}


@pytest.mark.parametrize("encoding", ["zstd", "gzip", "identity"])
def test_compression_follows_accept_encoding(store, client, encoding):
    _fill(store, 10)
    r, lines = _sync(client, encoding=encoding)
    assert r.headers.get("content-encoding") == (None if encoding == "identity" else encoding)
    assert r.headers["content-type"] == "application/x-ndjson"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert len(records(lines)) == 10


def test_zstd_is_preferred_over_gzip(store, client):
    r, _ = _sync(client, encoding="gzip, deflate, zstd")
    assert r.headers["content-encoding"] == "zstd"


@pytest.mark.parametrize("encoding", ["zstd", "gzip", "identity"])
def test_each_page_is_flushed_so_it_decodes_on_arrival(store, encoding):
    _fill(store, 30)
    req = parse_sync_request(b'{"protocol":1,"cursors":{"catalog":0},"page_bytes":16384}')
    dec = StreamDecompressor(encoding)
    chunks = list(sync_chunks(store, req, {"catalog": 30}, encoding))
    assert len(chunks) > 3
    for chunk in chunks[:-1]:
        text = dec.decompress(chunk)
        # Everything up to and including the page line is decodable from this chunk alone.
        assert text.endswith(b"\n") and b'"t":"page"' in text.splitlines()[-1]


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"cursors": {"catalog": 0}}', "protocol"),
    (b'{"protocol": 2, "cursors": {"catalog": 0}}', "version 2 is not supported"),
    (b'{"protocol": "1", "cursors": {"catalog": 0}}', "protocol"),
    (b'{"protocol": 1}', "cursors"),
    (b'{"protocol": 1, "cursors": {}}', "at least one stream"),
    (b'{"protocol": 1, "cursors": [0]}', "cursors"),
    (b'{"protocol": 1, "cursors": {"forum": 0}}', "unknown stream"),
    (b'{"protocol": 1, "cursors": {"catalog": -1}}', "non-negative integer"),
    (b'{"protocol": 1, "cursors": {"catalog": "5"}}', "non-negative integer"),
    (b'{"protocol": 1, "cursors": {"catalog": true}}', "non-negative integer"),
    (b'{"protocol": 1, "cursors": {"catalog": 1.5}}', "non-negative integer"),
    (b'{"protocol": 1, "cursors": {"catalog": 0}, "page_bytes": "big"}', "page_bytes"),
    (b'{"protocol": 1, "cursors": {"catalog": 0}, "portal_id": 7}', "portal_id"),
    (b'{"protocol": 1, "cursors": {"catalog": 0}, "cursor": 5}', "unknown field"),
])
def test_bad_bodies_get_400_with_a_message(client, body, message):
    r = client.post(SYNC, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "bad_request" and message in error["message"]


def test_oversized_body_is_refused(client):
    r = client.post(SYNC, content=b" " * 100_000)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def _resync(client, **body):
    r = client.post(SYNC, json={"protocol": 1, **body})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "resync"
    return r.json()["error"]


def test_cursor_ahead_of_the_head_needs_resync(store, client):
    _fill(store, 2)
    assert "ahead" in _resync(client, cursors={"catalog": 3})["message"]


def test_cursor_behind_the_horizon_needs_resync(store, client):
    _fill(store, 4)
    store.delete_resource("r-001")  # seq 5
    store.publish_resource(resource("r-009"))  # seq 6
    store.purge_tombstones(0)
    assert store.horizon() == 5
    assert _resync(client, cursors={"catalog": 4})["streams"] == ["catalog"]
    # At the horizon nothing was missed; an empty replica (cursor 0) never needs tombstones.
    assert [r.id for r in records(_sync(client, 5)[1])] == ["r-009"]
    assert len(records(_sync(client, 0)[1])) == 4


def test_another_portal_id_needs_resync(store, client):
    assert "different portal" in _resync(client, cursors={"catalog": 0}, portal_id="x")["message"]
    _sync(client, 0, portal_id=store.portal_id)


def test_too_many_concurrent_syncs_get_503_with_retry_after(store):
    app = create_app(store, AppSettings(max_concurrent_syncs=0, retry_after_seconds=7))
    with TestClient(app) as c:
        r = c.post(SYNC, json={"protocol": 1, "cursors": {"catalog": 0}})
    assert r.status_code == 503 and r.headers["retry-after"] == "7"
    assert r.json()["error"]["code"] == "busy"


def test_sync_slots_are_given_back(store):
    with TestClient(create_app(store, AppSettings(max_concurrent_syncs=1))) as c:
        for _ in range(3):
            _sync(c)
        assert c.post(SYNC, content=b"bad").status_code == 400
        _sync(c)


def test_unknown_routes_answer_in_the_error_shape(client):
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get(SYNC)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/hello", "/api/v1/sync", "/api/v1/snapshots/{name}",
            "/api/v1/blobs/{sha256}"} <= set(paths)
    assert "requestBody" in paths["/api/v1/sync"]["post"]


def test_app_can_open_its_own_store_from_a_config(tmp_path):
    config = PortalConfig(tmp_path / "portal", settings=AppSettings(name="Районный портал"))
    with TestClient(create_app(config)) as c:
        hello = c.get("/api/v1/hello").json()
    assert hello["name"] == "Районный портал" and hello["streams"]["catalog"]["head"] == 0
    assert (tmp_path / "portal" / "portal.sqlite3").is_file()
