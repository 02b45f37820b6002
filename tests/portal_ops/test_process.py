"""Slow clients against the real portal process: a dribbled body gets 408, dribbled headers
get the connection closed, a client that stops reading frees its heavy-sync slot, and the
real desktop sync engine honours the 503 Retry-After it gets meanwhile."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy
from protocol.wire import CATALOG_STREAM
from tests.portal_process import running_portal

pytestmark = pytest.mark.e2e


def _connect(url: str, rcvbuf: int | None = None) -> socket.socket:
    parts = urllib.parse.urlsplit(url)
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(20)
    sock.connect((parts.hostname, parts.port))
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def small_portal(tmp_path_factory):
    data = tmp_path_factory.mktemp("slow")
    with running_portal(data, "--demo", "--resources", "30", "--posts", "0", "--users", "3",
                        "--body-timeout", "1", "--header-timeout", "2") as url:
        yield url


def test_a_dribbled_body_gets_408_and_others_are_served_meanwhile(small_portal):
    body = json.dumps({"protocol": 1, "cursors": {"catalog": 0}}).encode()
    sock = _connect(small_portal)
    started = time.monotonic()
    sock.sendall(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode())
    sent = 0
    answer = b""
    sock.settimeout(0.4)
    while time.monotonic() - started < 15 and sent < len(body):
        sock.sendall(body[sent:sent + 1])  # one byte now and then: never the whole body
        sent += 1
        try:
            answer = sock.recv(65536)
            break
        except TimeoutError:
            pass
        # The portal keeps serving everyone else while this client dribbles.
        assert requests.get(f"{small_portal}/api/v1/hello", timeout=5).status_code == 200
    sock.settimeout(5)
    answer += _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in answer
    # A total deadline, not only a per-chunk one: 4x the body timeout at most (plus slack).
    assert time.monotonic() - started < 12


def test_dribbled_or_missing_headers_get_the_connection_closed(small_portal):
    idle = _connect(small_portal)
    slow = _connect(small_portal)
    started = time.monotonic()
    slow.sendall(b"GET /api/v1/hello HTTP/1.1\r\n")
    for _ in range(3):
        time.sleep(0.3)
        slow.sendall(b"X-Slow: 1\r\n")
    assert _read_all(idle) == b"" and _read_all(slow) == b""  # closed, nothing answered
    assert 1.5 < time.monotonic() - started < 10
    idle.close()
    slow.close()


def test_the_desktop_engine_honours_retry_after_while_the_slots_are_full(tmp_path: Path):
    with running_portal(tmp_path / "portal", "--demo", "--resources", "5000", "--posts", "0",
                        "--users", "3", "--max-heavy-syncs", "1", "--retry-after", "1",
                        "--send-timeout", "5") as url:
        # A heavy sync whose client stops reading holds the only slot (until send-timeout).
        # Its answer (about 7 MB) is more than the kernel's socket buffers can absorb.
        holder = _connect(url, rcvbuf=4096)
        body = json.dumps({"protocol": 1, "cursors": {"catalog": 0},
                           "budget_bytes": 64 << 20, "page_bytes": 4 << 20}).encode()
        holder.sendall(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\n"
                       + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        assert holder.recv(12).startswith(b"HTTP/1.1 200")
        r = requests.post(f"{url}/api/v1/sync", json={"protocol": 1,
                                                      "cursors": {"catalog": 0}}, timeout=10)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"

        paths = Paths(tmp_path / "desktop").ensure()
        store = Store(paths.database)
        waits: list[str] = []
        started = time.monotonic()
        # Without Retry-After this policy would wait up to 30 s between attempts.
        policy = RetryPolicy(attempts=20, base_delay=30.0, max_delay=30.0)
        result = sync_catalog(store, url, paths=paths, use_snapshot=False, policy=policy,
                              progress=lambda p: p.phase == "waiting" and waits.append(
                                  p.message))
        took = time.monotonic() - started
        holder.close()
        assert waits and all("Retrying in 1 s" in w for w in waits), waits
        assert result.records > 5000 and store.cursor(CATALOG_STREAM) > 0
        assert took < 30
        store.close()
