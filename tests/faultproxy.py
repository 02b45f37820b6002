"""A fault-injecting HTTP proxy on 127.0.0.1:0 in front of the real portal.

It forwards each request to the portal and can, per request path, cut the response after a
number of body bytes, rewrite the (decompressed) NDJSON body, or answer with an error status.
The portal behind it is real; only the faults are made up.

    with FaultProxy(portal_url) as proxy:
        proxy.cut_after("/api/v1/sync", 5000, times=1)
        sync_catalog(store, proxy.url, paths=paths)
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zstandard


@dataclass
class _Rule:
    path_prefix: str
    times: int
    cut_after: int | None = None
    rewrite: Callable[[list[bytes]], list[bytes]] | None = None
    rewrite_raw: Callable[[bytes], bytes] | None = None
    status: int | None = None
    headers: dict[str, str] | None = None


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        u = urllib.parse.urlsplit(upstream)
        self.up_host, self.up_port = u.hostname or "127.0.0.1", u.port or 80
        self.rules: list[_Rule] = []
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.range_headers: list[str | None] = []
        self.bytes_sent = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_HEAD(self) -> None:
                proxy._handle(self, "HEAD")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- configuring faults -------------------------------------------------------------
    def cut_after(self, path_prefix: str, n_bytes: int, times: int = 1) -> None:
        """Close the connection after ``n_bytes`` of the response body."""
        self.rules.append(_Rule(path_prefix, times, cut_after=n_bytes))

    def rewrite_lines(self, path_prefix: str, fn: Callable[[list[bytes]], list[bytes]],
                      times: int = 1) -> None:
        """Replace the decompressed NDJSON body by ``fn(lines)`` (re-compressed as zstd)."""
        self.rules.append(_Rule(path_prefix, times, rewrite=fn))

    def rewrite_body(self, path_prefix: str, fn: Callable[[bytes], bytes],
                     times: int = 1) -> None:
        """Replace the raw response body by ``fn(body)`` (e.g. flip a byte of a file)."""
        self.rules.append(_Rule(path_prefix, times, rewrite_raw=fn))

    def fail(self, path_prefix: str, status: int, times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        self.rules.append(_Rule(path_prefix, times, status=status, headers=headers))

    def _take_rule(self, path: str, range_header: str | None = None) -> _Rule | None:
        with self.lock:
            self.requests.append(path)
            self.range_headers.append(range_header)
            for rule in self.rules:
                if rule.times > 0 and path.startswith(rule.path_prefix):
                    rule.times -= 1
                    return rule
        return None

    # -- forwarding ---------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        rule = self._take_rule(h.path, h.headers.get("Range"))
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        if rule and rule.status:
            payload = b'{"error":{"code":"injected","message":"injected fault"}}'
            h.send_response(rule.status)
            for k, v in (rule.headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        conn = http.client.HTTPConnection(self.up_host, self.up_port, timeout=30)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(method, h.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        out_headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in ("transfer-encoding", "content-length", "connection")]
        if rule and rule.rewrite:
            enc = resp.getheader("Content-Encoding", "identity")
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(data) \
                if enc == "zstd" else data
            lines = [ln for ln in raw.split(b"\n") if ln]
            new = b"".join(ln + b"\n" for ln in rule.rewrite(lines))
            data = zstandard.ZstdCompressor().compress(new) if enc == "zstd" else new
        if rule and rule.rewrite_raw:
            data = rule.rewrite_raw(data)
        h.send_response(resp.status)
        for k, v in out_headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        if rule and rule.cut_after is not None:
            data = data[: rule.cut_after]
            h.wfile.write(data)
            h.wfile.flush()
            h.close_connection = True
            with self.lock:
                self.bytes_sent += len(data)
            return
        if method != "HEAD":
            h.wfile.write(data)
        h.close_connection = True
        with self.lock:
            self.bytes_sent += len(data)
