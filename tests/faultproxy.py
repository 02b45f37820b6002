"""A fault-injecting HTTP proxy on 127.0.0.1:0 in front of the real portal.

It forwards each request to the portal and can, per request path, cut the response after a
number of body bytes, stall (send nothing for a while), throttle, truncate the decompressed
stream cleanly, rewrite the (decompressed) NDJSON body or the whole answer, or answer with
an error status. When the portal is down it answers 502, as a real reverse proxy would.
The portal behind it is real; only the faults are made up.

    with FaultProxy(portal_url) as proxy:
        proxy.cut_after("/api/v1/sync", 5000, times=1)
        proxy.stall("/api/v1/sync", after=2000, seconds=3)
        sync_catalog(store, proxy.url, paths=paths)

Every sleep is bounded (``MAX_SLEEP``) and ``close()`` wakes sleeping handlers, so a test
never hangs on the proxy.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zstandard

MAX_SLEEP = 30.0  # no injected stall or throttle may hold a handler longer than this

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]


@dataclass
class _Rule:
    path_prefix: str
    times: int
    cut_after: int | None = None
    rewrite: Callable[[list[bytes]], list[bytes]] | None = None
    rewrite_raw: Callable[[bytes], bytes] | None = None
    rewrite_decoded: Callable[[bytes], bytes] | None = None
    respond: Callable[[int, Headers, bytes, dict[str, str]], Answer] | None = None
    status: int | None = None
    headers: dict[str, str] | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0
    stall_then_close: bool = True
    rate_bps: int | None = None
    drop_request_headers: tuple[str, ...] = ()


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        u = urllib.parse.urlsplit(upstream)
        self.up_host, self.up_port = u.hostname or "127.0.0.1", u.port or 80
        self.rules: list[_Rule] = []
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.range_headers: list[str | None] = []
        self.statuses: list[int] = []
        self.bytes_sent = 0
        self._closing = threading.Event()
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
        self.close()

    def close(self) -> None:
        self._closing.set()  # wakes handlers that are stalling or throttling
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        """Forget every rule not used up yet (and the request log)."""
        with self.lock:
            self.rules.clear()
            self.requests.clear()
            self.range_headers.clear()
            self.statuses.clear()

    def _sleep(self, seconds: float) -> bool:
        """Bounded sleep; True if the proxy is closing."""
        return self._closing.wait(min(max(seconds, 0.0), MAX_SLEEP))

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

    def stall(self, path_prefix: str, *, after: int, seconds: float, times: int = 1,
              then_close: bool = True) -> None:
        """Send ``after`` body bytes, then nothing for ``seconds``; then close the connection
        (``then_close``) or send the rest."""
        self.rules.append(_Rule(path_prefix, times, stall_after=after, stall_seconds=seconds,
                                stall_then_close=then_close))

    def throttle(self, path_prefix: str, bytes_per_second: int, times: int = 1_000_000
                 ) -> None:
        """Deliver the body at about ``bytes_per_second`` (in small slices)."""
        self.rules.append(_Rule(path_prefix, times, rate_bps=max(1, bytes_per_second)))

    def truncate_stream(self, path_prefix: str, n_bytes: int, times: int = 1) -> None:
        """End the *decompressed* body after ``n_bytes``, re-compressed and with a matching
        Content-Length: the transfer itself looks complete, only the data stops."""
        self.rules.append(_Rule(path_prefix, times,
                                rewrite_decoded=lambda body: body[:n_bytes]))

    def rewrite_decoded(self, path_prefix: str, fn: Callable[[bytes], bytes],
                        times: int = 1) -> None:
        """Replace the decompressed body by ``fn(body)`` (re-compressed as zstd if it was)."""
        self.rules.append(_Rule(path_prefix, times, rewrite_decoded=fn))

    def respond(self, path_prefix: str,
                fn: Callable[[int, Headers, bytes, dict[str, str]], Answer],
                times: int = 1, drop_request_headers: tuple[str, ...] = ()) -> None:
        """Replace the whole answer: ``fn(status, headers, body, request_headers)`` returns
        ``(status, headers, body)``. ``drop_request_headers`` are not forwarded upstream
        (e.g. ``("Range",)`` to get the whole file back)."""
        self.rules.append(_Rule(path_prefix, times, respond=fn,
                                drop_request_headers=tuple(h.lower()
                                                           for h in drop_request_headers)))

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
            self._simple(h, rule.status, payload, rule.headers or {})
            return
        dropped = rule.drop_request_headers if rule else ()
        headers = {k: v for k, v in h.headers.items()
                   if k.lower() not in ("host", "connection", *dropped)}
        try:
            conn = http.client.HTTPConnection(self.up_host, self.up_port, timeout=30)
            conn.request(method, h.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
        except (OSError, http.client.HTTPException):
            # The portal is down or restarting: what nginx would say.
            self._simple(h, 502, b'{"error":{"code":"bad_gateway","message":"portal down"}}',
                         {})
            return
        status = resp.status
        out_headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in ("transfer-encoding", "content-length", "connection")]
        enc = resp.getheader("Content-Encoding", "identity")
        if rule and (rule.rewrite or rule.rewrite_decoded):
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(data) \
                if enc == "zstd" else data
            if rule.rewrite:
                lines = [ln for ln in raw.split(b"\n") if ln]
                raw = b"".join(ln + b"\n" for ln in rule.rewrite(lines))
            if rule.rewrite_decoded:
                raw = rule.rewrite_decoded(raw)
            data = zstandard.ZstdCompressor().compress(raw) if enc == "zstd" else raw
        if rule and rule.rewrite_raw:
            data = rule.rewrite_raw(data)
        if rule and rule.respond:
            status, out_headers, data = rule.respond(status, out_headers, data,
                                                     dict(h.headers.items()))
        with self.lock:
            self.statuses.append(status)
        h.send_response(status)
        for k, v in out_headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        if method == "HEAD":
            return
        if rule and rule.cut_after is not None:
            data = data[: rule.cut_after]
        sent = 0
        try:
            if rule and rule.stall_after is not None:
                first = data[: rule.stall_after]
                h.wfile.write(first)
                h.wfile.flush()
                sent += len(first)
                if self._sleep(rule.stall_seconds) or rule.stall_then_close:
                    return
                data = data[rule.stall_after:]
            if rule and rule.rate_bps:
                step = max(1, min(16384, rule.rate_bps // 20))
                for i in range(0, len(data), step):
                    piece = data[i:i + step]
                    h.wfile.write(piece)
                    h.wfile.flush()
                    sent += len(piece)
                    if self._sleep(len(piece) / rule.rate_bps):
                        return
            else:
                h.wfile.write(data)
                h.wfile.flush()
                sent += len(data)
        except OSError:
            pass  # the client went away (or was killed): nothing to do
        finally:
            with self.lock:
                self.bytes_sent += sent

    def _simple(self, h: BaseHTTPRequestHandler, status: int, payload: bytes,
                headers: dict[str, str]) -> None:
        with self.lock:
            self.statuses.append(status)
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(payload)
        except OSError:
            pass
        h.close_connection = True
