"""Snapshots and blobs over HTTP: Range, ETag, HEAD, and names that are not paths."""

from __future__ import annotations

import hashlib

import pytest

from portal.ranges import RangeNotSatisfiable, parse_range
from portal.snapshot import ensure_snapshot
from tests.portal.factories import resource

CONTENT = bytes(range(256)) * 40  # 10240 bytes
SHA = hashlib.sha256(CONTENT).hexdigest()
BLOB = f"/api/v1/blobs/{SHA}"


@pytest.fixture
def blob_client(store, client):
    store.publish_resource(resource(), files=[("урок.pdf", "application/pdf", CONTENT)])
    return client


@pytest.mark.parametrize(("header", "size", "expected"), [
    (None, 100, None),
    ("bytes=0-9", 100, (0, 9)),
    ("bytes=90-", 100, (90, 99)),
    ("bytes=90-1000", 100, (90, 99)),
    ("bytes=-10", 100, (90, 99)),
    ("bytes=-1000", 100, (0, 99)),
    ("Bytes = 5-5", 100, (5, 5)),
    ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file instead
    ("items=0-1", 100, None),
    ("bytes=5-1", 100, None),
    ("bytes=x-1", 100, None),
    ("bytes=-", 100, None),
    ("bytes=+1-2", 100, None),
])
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [
    ("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100), ("bytes=-5", 0),
    ("bytes=0-", 0),
])
def test_parse_range_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


def test_blob_is_served_whole_with_a_strong_etag(blob_client):
    r = blob_client.get(BLOB, headers={"accept-encoding": "gzip, zstd"})
    assert r.status_code == 200 and r.content == CONTENT
    assert r.headers["etag"] == f'"{SHA}"'
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-length"] == str(len(CONTENT))
    assert "content-encoding" not in r.headers, "files are never re-encoded"
    assert "no-transform" in r.headers["cache-control"]


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=100-199", 100, 199),
    ("bytes=10000-", 10000, 10239),
    ("bytes=-40", 10200, 10239),
    ("bytes=10230-99999", 10230, 10239),
])
def test_blob_ranges_answer_206(blob_client, header, first, last):
    r = blob_client.get(BLOB, headers={"range": header})
    assert r.status_code == 206
    assert r.content == CONTENT[first:last + 1]
    assert r.headers["content-range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert r.headers["content-length"] == str(last - first + 1)
    assert r.headers["etag"] == f'"{SHA}"'


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_range_answers_416(blob_client, header):
    r = blob_client.get(BLOB, headers={"range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(CONTENT)}"
    assert r.json()["error"]["code"] == "range_not_satisfiable"


def test_if_range_with_another_etag_sends_the_whole_file(blob_client):
    r = blob_client.get(BLOB, headers={"range": "bytes=5-9", "if-range": '"other"'})
    assert r.status_code == 200 and r.content == CONTENT
    r = blob_client.get(BLOB, headers={"range": "bytes=5-9", "if-range": f'"{SHA}"'})
    assert r.status_code == 206 and r.content == CONTENT[5:10]


def test_if_none_match_answers_304(blob_client):
    r = blob_client.get(BLOB, headers={"if-none-match": f'"{SHA}"'})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == f'"{SHA}"'


def test_head_gives_headers_without_a_body(blob_client):
    r = blob_client.head(BLOB)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-length"] == str(len(CONTENT))
    assert r.headers["etag"] == f'"{SHA}"'
    r = blob_client.head(BLOB, headers={"range": "bytes=0-9"})
    assert r.status_code == 206 and r.headers["content-length"] == "10"


@pytest.mark.parametrize("name", [
    "0" * 64,  # well-formed but unknown
    SHA.upper(),
    SHA[:63],
    SHA + "0",
    "..%2F..%2Fportal.sqlite3",
    "%2e%2e",
])
def test_unknown_or_malformed_blob_names_are_404(blob_client, name):
    r = blob_client.get(f"/api/v1/blobs/{name}")
    assert r.status_code == 404


def test_blob_known_to_the_catalog_but_missing_on_disk_is_404(store, blob_client):
    store.blobs.path_for(SHA).unlink()
    assert blob_client.get(BLOB).status_code == 404


def test_snapshot_download_with_range_and_etag(store, client):
    for i in range(20):
        store.publish_resource(resource(f"r-{i}"))
    info = ensure_snapshot(store)
    url = client.get("/api/v1/hello").json()["snapshot"]["url"]
    whole = client.get(url)
    assert whole.status_code == 200 and len(whole.content) == info.size
    assert hashlib.sha256(whole.content).hexdigest() == info.sha256
    assert whole.headers["etag"] == f'"{info.sha256}"'
    assert whole.headers["content-type"] == "application/zstd"
    assert "content-encoding" not in whole.headers
    part = client.get(url, headers={"range": "bytes=10-", "if-range": f'"{info.sha256}"'})
    assert part.status_code == 206 and part.content == whole.content[10:]
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(info.size)


@pytest.mark.parametrize("name", [
    "catalog-999.ndjson.zst",  # well-formed but not the current snapshot
    "portal.sqlite3",
    "..%2Fportal.sqlite3",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2fportal.sqlite3",
    ".catalog-1.ndjson.zst",
])
def test_other_snapshot_names_are_404(store, client, name):
    store.publish_resource(resource())
    ensure_snapshot(store)
    r = client.get(f"/api/v1/snapshots/{name}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
