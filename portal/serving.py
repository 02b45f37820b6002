"""How ``okno-portal serve`` runs uvicorn: protection settings from the command line,
timeouts for slow clients, and JSON logs.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` seconds, but it
has no limit on how long the *headers* of a request may take, nor on a fresh connection
that sends nothing. :class:`GuardedHttpToolsProtocol` adds one: a connection whose request
headers are not complete ``header_timeout`` seconds after the connection (or the previous
response) is closed. Slow *bodies* are the app's job (:mod:`portal.protection`).

>>> config = uvicorn_config(app, args)
>>> uvicorn.Server(config).run(sockets=[sock])
"""

from __future__ import annotations

import argparse
import asyncio
import gc
from dataclasses import replace
from typing import Any

from portal.config import AppSettings

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE = 5
H11_MAX_HEADER_BYTES = 64 * 1024


def _guarded_protocol(header_timeout: float) -> type | None:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools missing: uvicorn's h11 protocol, without this guard
        return None

    class GuardedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc, valid-type]
        """Closes connections whose request headers take longer than ``header_timeout``."""

        _header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                if not self.transport.is_closing():
                    self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedHttpToolsProtocol


def add_serve_options(p: argparse.ArgumentParser) -> None:
    """The protection and logging options of ``okno-portal serve``."""
    d = AppSettings()
    g = p.add_argument_group("protection and logging (see docs/operating.md)")
    g.add_argument("--max-heavy-syncs", type=int, default=d.max_concurrent_syncs, metavar="N",
                   help="heavy syncs and snapshot downloads at once per process; the rest "
                        f"get 503 + Retry-After ({d.max_concurrent_syncs})")
    g.add_argument("--retry-after", type=int, default=d.retry_after_seconds, metavar="S",
                   help=f"Retry-After of a busy answer ({d.retry_after_seconds})")
    g.add_argument("--heavy-backlog", type=int, default=d.heavy_backlog, metavar="N",
                   help=f"a sync more than N changes behind is heavy ({d.heavy_backlog})")
    g.add_argument("--rate-limit", type=int, default=d.rate_limit_per_minute, metavar="N",
                   help="requests per minute per device token, counted in the database "
                        f"(0: no limit; {d.rate_limit_per_minute})")
    g.add_argument("--max-body", type=int, default=d.max_request_bytes, metavar="BYTES",
                   help=f"largest request body of any endpoint ({d.max_request_bytes})")
    g.add_argument("--body-timeout", type=float, default=d.body_timeout, metavar="S",
                   help="seconds a request body may pause between chunks "
                        f"({d.body_timeout:g}; the whole body: 4x that, at least "
                        f"{d.body_deadline:g})")
    g.add_argument("--send-timeout", type=float, default=d.send_timeout, metavar="S",
                   help=f"seconds a client may leave a response unread ({d.send_timeout:g})")
    g.add_argument("--header-timeout", type=float, default=DEFAULT_HEADER_TIMEOUT, metavar="S",
                   help="seconds for a connection to send its request headers "
                        f"({DEFAULT_HEADER_TIMEOUT:g})")
    g.add_argument("--keep-alive", type=int, default=DEFAULT_KEEP_ALIVE, metavar="S",
                   help=f"idle keep-alive connections close after S seconds ({DEFAULT_KEEP_ALIVE})")
    g.add_argument("--limit-concurrency", type=int, default=None, metavar="N",
                   help="connections + tasks at once per process before plain 503s "
                        "(default: no limit)")
    g.add_argument("--accel-redirect", metavar="PREFIX", default=None,
                   help="answer blob and snapshot downloads with X-Accel-Redirect to this "
                        "internal nginx location (e.g. /_okno_files)")
    g.add_argument("--min-free-disk", type=int, default=d.min_free_bytes, metavar="BYTES",
                   help=f"/health fails below this much free disk ({d.min_free_bytes})")
    g.add_argument("--log-format", choices=["text", "json"], default="text",
                   help="json: one JSON line per request on stderr (text: warnings only)")


def serve_settings(args: argparse.Namespace, base: AppSettings | None = None) -> AppSettings:
    """AppSettings from the ``serve`` options (and ``--name``)."""
    body_timeout = args.body_timeout
    return replace(
        base or AppSettings(), name=args.name, max_concurrent_syncs=args.max_heavy_syncs,
        retry_after_seconds=args.retry_after, heavy_backlog=args.heavy_backlog,
        rate_limit_per_minute=args.rate_limit, max_request_bytes=args.max_body,
        body_timeout=body_timeout, body_deadline=max(4 * body_timeout,
                                                     min(60.0, 8 * body_timeout)),
        send_timeout=args.send_timeout, accel_redirect=args.accel_redirect or None,
        min_free_bytes=args.min_free_disk, access_log=args.log_format == "json")


def freeze_heap() -> None:
    """Move everything allocated so far (modules, the app, the engine) out of the garbage
    collector's reach: a full collection then walks only request garbage, instead of
    pausing every request for tens of milliseconds now and then."""
    gc.collect()
    gc.freeze()


def uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` (also usable with ``workers``)."""
    if args.log_format == "json":
        from portal.accesslog import configure_json_logging

        configure_json_logging()
    options: dict[str, Any] = {
        "log_level": "warning", "timeout_graceful_shutdown": 5, "server_header": False,
        "timeout_keep_alive": args.keep_alive, "limit_concurrency": args.limit_concurrency,
        "h11_max_incomplete_event_size": H11_MAX_HEADER_BYTES,
    }
    if args.log_format == "json":
        options["log_config"] = None  # keep the JSON handlers configured above
    protocol = _guarded_protocol(args.header_timeout)
    if protocol is not None:
        options["http"] = protocol
    return options
