"""Hostile input (issue 5, part 5): malformed and adversarial portal answers through the
fault proxy. Complements tests/e2e (wrong types, unknown kind, cursor going backwards,
truncation, garbage bytes, a blob with the wrong hash): each case here is refused with a
clear error, nothing is written outside the data folder, and the replica is unchanged —
then the real portal makes it converge."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.downloads import Downloader, cache_relpath, open_copy, sha256_file
from desktop.sync.engine import SyncError, sync_catalog
from desktop.sync.http import RetryPolicy
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli
from tests.reliability.conftest import BIG_RESOURCE
from tests.reliability.support import FAST, resource_json

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

NO_RETRY = RetryPolicy(attempts=1)
SYNC, HELLO, BLOB, SNAP = "/api/v1/sync", "/api/v1/hello", "/api/v1/blobs/", "/api/v1/snapshots/"


@pytest.fixture(scope="module")
def synced(big_portal, tmp_path_factory):
    """A replica synced with the big portal, copied for each test (faster than a sync)."""
    url, _ = big_portal
    paths = Paths(tmp_path_factory.mktemp("synced") / "desktop").ensure()
    store = Store(paths.database)
    sync_catalog(store, url, paths=paths, policy=FAST)
    store.close()
    return paths.data


@pytest.fixture
def client(synced, tmp_path, big_portal):
    """(store, paths, sandbox): the replica lives in sandbox/desktop; the test checks that
    nothing appears in the sandbox outside it."""
    sandbox = tmp_path / "sandbox"
    data = sandbox / "desktop"
    shutil.copytree(synced, data)
    paths = Paths(data)
    store = Store(paths.database)
    yield store, paths, sandbox
    store.close()


def _dump(store: Store) -> list:
    db = sqlite3.connect(store.path)
    try:
        return [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("resources", "collections", "cursors", "tombstones", "downloads",
                          "files_cache")]
    finally:
        db.close()


def _outside(sandbox: Path, data: Path) -> list[Path]:
    return [p for p in sandbox.rglob("*") if p != data and data not in p.parents]


def _publish(data: Path, tmp: Path, rid: str, **extra) -> None:
    meta = tmp / f"{rid}.json"
    meta.write_text(json.dumps(resource_json(rid, "Дроби и проценты", **extra),
                               ensure_ascii=False), "utf-8")
    portal_cli(data, "publish", "--json", str(meta), "--no-snapshot")


def _on_records(fn: Callable[[dict], None]) -> Callable[[list[bytes]], list[bytes]]:
    def rewrite(lines: list[bytes]) -> list[bytes]:
        out = []
        for ln in lines:
            obj = json.loads(ln)
            if obj.get("t") == "rec":
                fn(obj)
            out.append(json.dumps(obj, ensure_ascii=False).encode())
        return out
    return rewrite


def _set(path: str, value) -> Callable[[dict], None]:
    def fn(obj: dict) -> None:
        target = obj
        *parents, last = path.split(".")
        for p in parents:
            target = target[p]
        target[last] = value(obj) if callable(value) else value
    return fn


def _file_named(name: str) -> Callable[[dict], None]:
    def fn(obj: dict) -> None:
        obj["d"]["files"] = [{"sha256": "ab" * 32, "name": name, "mime": "text/plain",
                              "size": 10}]
    return fn


def _raw_body(body: bytes) -> Callable[[bytes], bytes]:
    return lambda _old: body


def _error_line(lines: list[bytes]) -> list[bytes]:
    return [*lines[:1], b'{"t":"error","code":"internal","message":"disk on fire"}']


HOSTILE = {
    # field too long for the protocol
    "huge-title": (_on_records(_set("d.title", "Я" * 100_000)), "longer than"),
    # a line over the 1 MiB limit
    "huge-line": (_on_records(_set("d.description", "ы" * 700_000)), "limit"),
    # an endless line (no newline at all): refused before it fills memory
    "endless-line": (_raw_body(b'{"t":"rec","d":"' + b"x" * (3 << 20)), "limit"),
    "deep-nesting": (_raw_body(b'{"t":"rec","d":' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"),
                     "nested"),
    "invalid-utf8": (_raw_body(b'{"t":"rec","s":"catalog","k":"resource","id":"\xff\xfe"}\n'),
                     "JSON"),
    "unknown-stream": (_on_records(_set("s", "community")), "stream"),
    # known stream names this client did not ask for (another association's forum)
    "stream-not-asked-for": (_on_records(_set("s", "assoc:other-region")), "stream"),
    "page-of-stream-not-asked-for": (
        lambda body: body.replace(b'"t":"page","s":"catalog"',
                                  b'"t":"page","s":"directory"', 1), "did not ask"),
    "name-dotdot-slash": (_on_records(_file_named("../../x")), "plain file name"),
    "name-windows-path": (_on_records(_file_named("C:\\x")), "plain file name"),
    "name-dotdot": (_on_records(_file_named("..")), "plain file name"),
    "seq-outside-page": (_on_records(_set("seq", lambda o: o["seq"] + 10**9)), "seq"),
    "id-disagrees": (_on_records(_set("d.id", "res-someone-else")), "disagrees"),
    "negative-size": (_on_records(lambda o: o["d"]["files"].append(
        {"sha256": "cd" * 32, "name": "a.pdf", "mime": "x/y", "size": -1})
        if "files" in o["d"] else None), "size"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_change_stream_is_refused_and_changes_nothing(big_portal, client, tmp_path,
                                                                name):
    url, data = big_portal
    store, paths, sandbox = client
    rid = f"res-hostile-{name}"
    _publish(data, tmp_path, rid)
    before = _dump(store)
    fault, expect = HOSTILE[name]
    with FaultProxy(url) as proxy:
        if callable(fault) and fault.__name__ == "<lambda>":
            proxy.rewrite_decoded(SYNC, fault, times=5)
        else:
            proxy.rewrite_lines(SYNC, fault, times=5)
        with pytest.raises(SyncError) as err:
            sync_catalog(store, proxy.url, paths=paths, policy=NO_RETRY)
    message = str(err.value)
    assert expect.lower() in message.lower(), message
    assert "Traceback" not in message and len(message) < 1000
    assert _dump(store) == before
    assert not store.check_integrity()
    assert _outside(sandbox, paths.data) == []
    sync_catalog(store, url, paths=paths, policy=FAST)
    assert store.get_resource(rid) is not None


def test_error_line_mid_stream_is_retried_not_refused(big_portal, client, tmp_path):
    """Regression: an in-band ``error`` line (the portal failed after streaming began) was
    reported as bad data and never retried; the protocol says: keep the pages, sync again."""
    url, data = big_portal
    store, paths, _ = client
    _publish(data, tmp_path, "res-after-portal-error")
    waits: list[str] = []
    with FaultProxy(url) as proxy:
        proxy.rewrite_lines(SYNC, _error_line, times=1)
        sync_catalog(store, proxy.url, paths=paths, policy=FAST,
                     progress=lambda p: waits.append(p.message) if p.phase == "waiting"
                     else None)
    assert len(waits) == 1 and "disk on fire" in waits[0]
    assert store.get_resource("res-after-portal-error") is not None


def test_windows_device_name_is_never_a_path(big_portal, client, tmp_path):
    """``CON`` is a legal display name, but it must never become a file name."""
    url, data = big_portal
    store, paths, sandbox = client
    blob = tmp_path / "CON"
    blob.write_bytes(b"device names are only names")
    meta = tmp_path / "con.json"
    meta.write_text(json.dumps(resource_json("res-con", "CON"), ensure_ascii=False), "utf-8")
    portal_cli(data, "publish", "--json", str(meta), "--file", str(blob), "--no-snapshot")
    sync_catalog(store, url, paths=paths, policy=FAST)
    f = store.get_resource("res-con")["files"][0]
    assert f["name"] == "CON"
    store.enqueue_resource_files("res-con")
    Downloader(store, url, paths.files, policy=FAST).run()
    cached = paths.files / cache_relpath(f["sha256"])
    assert cached.is_file()
    opened = open_copy(paths.files, f["sha256"], f["name"], paths.data / "open")
    assert opened.name == "file" and paths.data in opened.parents
    names = {p.name for p in paths.data.rglob("*")}
    assert "CON" not in names
    assert _outside(sandbox, paths.data) == []


# -- hello ----------------------------------------------------------------------------------
def _hello_with(fn: Callable[[dict], None]):
    def respond(status, headers, body, _req):
        info = json.loads(body)
        fn(info)
        return status, headers, json.dumps(info).encode()
    return respond


@pytest.mark.parametrize("case,respond,expect", [
    ("deep-json", lambda s, h, b, r: (200, h, b"[" * 100_000 + b"]" * 100_000), "not valid JSON"),
    ("huge-portal-id", _hello_with(lambda i: i.update(portal_id="p" * 1_000_000)), "portal id"),
    ("snapshot-dotdot", _hello_with(lambda i: i["snapshot"].update(
        url="/api/v1/snapshots/..")), "unsafe"),
    ("snapshot-windows", _hello_with(lambda i: i["snapshot"].update(
        url="/api/v1/snapshots/C:\\x")), "unsafe"),
])
def test_hostile_hello_is_refused(big_portal, tmp_path, case, respond, expect):
    url, _ = big_portal
    sandbox = tmp_path / "sandbox"
    paths = Paths(sandbox / "desktop").ensure()
    store = Store(paths.database)
    with FaultProxy(url) as proxy:
        proxy.respond(HELLO, respond, times=5)
        with pytest.raises(SyncError) as err:
            sync_catalog(store, proxy.url, paths=paths, policy=NO_RETRY)
    assert expect in str(err.value), str(err.value)
    assert store.cursor("catalog") == 0 and store.counts()["resources"] == 0
    assert _outside(sandbox, paths.data) == []
    assert list(paths.snapshots.iterdir()) == []
    store.close()


# -- Range answers --------------------------------------------------------------------------
def _wrong_offset(status, headers, body, req):
    """A 206 that starts 1000 bytes before what was asked for (the bytes match the label,
    so only the offset check can catch it)."""
    asked = int(req["Range"].split("=")[1].rstrip("-"))
    hdr = dict(headers)
    size = int(hdr["content-range"].split("/")[1])
    start = asked - 1000
    hdr["content-range"] = f"bytes {start}-{size - 1}/{size}"
    return 206, list(hdr.items()), b"\0" * 1000 + body


def _no_content_range(status, headers, body, req):
    return 206, [(k, v) for k, v in headers if k.lower() != "content-range"], body


def _whole_file_as_206(status, headers, body, req):
    """Ignores Range but still says 206 for the asked range: the body is the whole file."""
    hdr = dict(headers)
    return 206, list(hdr.items()), body


@pytest.mark.parametrize("fault", [_wrong_offset, _no_content_range])
def test_range_answer_at_the_wrong_offset_is_refused(big_portal, client, fault):
    """Regression: the downloader appended any 206 body at the end of its .part file without
    checking Content-Range, splicing wrong bytes in; only the final hash caught it, after the
    whole file had been fetched again."""
    url, _ = big_portal
    store, paths, sandbox = client
    store.enqueue_resource_files(BIG_RESOURCE)
    item = store.download_queue()[0]
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 200_000, times=1)
        proxy.respond(BLOB, fault, times=1)
        reasons: list[str] = []
        Downloader(store, proxy.url, paths.files, policy=FAST,
                   on_wait=lambda why, s: reasons.append(why)).run()
        ranges = [r for p, r in zip(proxy.requests, proxy.range_headers, strict=True)
                  if p.startswith(BLOB)]
    assert ranges[:2] == [None, "bytes=200000-"]
    assert any("Content-Range" in r or "wrong part" in r for r in reasons), reasons
    # The bad answer was refused before a byte was written: the retry started over, and
    # the file was fetched whole once more (not twice: no hash mismatch round).
    assert ranges[2] is None and len(ranges) == 3
    final = paths.files / cache_relpath(item.sha256)
    assert sha256_file(final) == item.sha256
    assert _outside(sandbox, paths.data) == []


def test_range_refused_every_time_fails_cleanly(big_portal, client):
    url, _ = big_portal
    store, paths, _ = client
    store.enqueue_resource_files(BIG_RESOURCE)
    item = store.download_queue()[0]
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 200_000, times=1)
        proxy.respond(BLOB, _wrong_offset, times=1)
        proxy.cut_after(BLOB, 100_000, times=1)
        proxy.respond(BLOB, _wrong_offset, times=1)
        Downloader(store, proxy.url, paths.files,
                   policy=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.02)).run()
    row = store.download_queue()[0]
    assert row.state == "failed" and "wrong part" in row.error
    assert not (paths.files / cache_relpath(item.sha256)).exists()
    # Later, with an honest portal, the queue item resumes and completes.
    store.enqueue_resource_files(BIG_RESOURCE)
    Downloader(store, url, paths.files, policy=FAST).run()
    assert sha256_file(paths.files / cache_relpath(item.sha256)) == item.sha256


def test_range_ignored_restarts_from_zero(big_portal, client):
    """A proxy that strips Range gets the whole file (200): the client starts over."""
    url, _ = big_portal
    store, paths, _ = client
    store.enqueue_resource_files(BIG_RESOURCE)
    item = store.download_queue()[0]
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 300_000, times=1)
        proxy.respond(BLOB, lambda s, h, b, r: (s, h, b), times=1,
                      drop_request_headers=("Range", "If-Range"))
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
        assert proxy.statuses[-1] == 200
    assert sha256_file(paths.files / cache_relpath(item.sha256)) == item.sha256


def test_range_ignored_but_labelled_206_is_refused(big_portal, client):
    url, _ = big_portal
    store, paths, _ = client
    store.enqueue_resource_files(BIG_RESOURCE)
    item = store.download_queue()[0]
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 300_000, times=1)
        proxy.respond(BLOB, _whole_file_as_206, times=1,
                      drop_request_headers=("Range", "If-Range"))
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
    assert sha256_file(paths.files / cache_relpath(item.sha256)) == item.sha256


def test_snapshot_range_at_the_wrong_offset_is_refused(big_portal, tmp_path):
    url, _ = big_portal
    paths = Paths(tmp_path / "desktop").ensure()
    store = Store(paths.database)
    with FaultProxy(url) as proxy:
        proxy.cut_after(SNAP, 50_000, times=1)
        proxy.respond(SNAP, _wrong_offset, times=1)
        result = sync_catalog(store, proxy.url, paths=paths, policy=FAST)
        ranges = [r for p, r in zip(proxy.requests, proxy.range_headers, strict=True)
                  if p.startswith(SNAP)]
    assert result.snapshot_used and ranges == [None, "bytes=50000-", None]
    assert not store.check_integrity()
    store.close()
