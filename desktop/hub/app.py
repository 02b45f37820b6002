"""The lab hub's HTTP API: the portal's public catalog endpoints, served from a replica.

Speaks the protocol of docs/protocol.md for ``/hello``, ``/sync`` (stream ``catalog`` only)
and ``/blobs/{sha256}``, so a client's sync engine points at a hub unchanged. It is
read-only and public: community streams, ops, sign-in and everything else are refused with
a clear 403/404, and it never asks for or accepts a token.

    app = create_hub_app(HubConfig(paths.database, portal_url="https://okno.example"))
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from desktop.hub.feed import ReplicaFeed, ReplicaState
from protocol.compression import GZIP, IDENTITY, ZSTD, StreamCompressor, choose_encoding
from protocol.wire import API_PREFIX, CATALOG_STREAM, PROTOCOL_VERSION, dumps, end_line, page_line

HUB_VERSION = "1"
CAPABILITIES = [ZSTD, GZIP, "range", "hub"]
MAX_BODY = 64 * 1024
KiB, MiB = 1024, 1024 * 1024
PAGE_DEFAULT, PAGE_MIN, PAGE_MAX = 256 * KiB, 16 * KiB, 4 * MiB
BUDGET_DEFAULT, BUDGET_MIN, BUDGET_MAX = 8 * MiB, 64 * KiB, 64 * MiB
READ_BATCH = 500
REQUEST_FIELDS = frozenset({"protocol", "portal_id", "cursors", "page_bytes", "budget_bytes",
                            "ops"})
NDJSON = "application/x-ndjson"
BLOB_CACHE = "public, max-age=31536000, immutable, no-transform"


@dataclass
class HubConfig:
    database: Path
    portal_url: str = ""  # the portal this replica mirrors (advertised, informative)
    name: str = "Okno lab hub"
    files_dir: Path | None = None
    counters: dict[str, int] = field(default_factory=lambda: {"syncs": 0, "blobs": 0,
                                                              "blob_bytes": 0})


class HubRefusal(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}},
                        status_code=status, headers={"cache-control": "no-store"})


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True, slots=True)
class _Request:
    cursor: int
    portal_id: str | None
    page_bytes: int
    budget_bytes: int


def parse_request(raw: bytes) -> _Request:
    """The sync body, validated like the portal does; only the catalog may be asked for."""
    if len(raw) > MAX_BODY:
        raise HubRefusal(413, "too_large", f"the request body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HubRefusal(400, "bad_request", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HubRefusal(400, "bad_request", "the request body must be a JSON object")
    unknown = sorted(set(body) - REQUEST_FIELDS)
    if unknown:
        raise HubRefusal(400, "bad_request", f"unknown field(s): {', '.join(unknown)[:200]}")
    if _int(body.get("protocol")) != PROTOCOL_VERSION:
        raise HubRefusal(400, "bad_request", f"this hub speaks protocol {PROTOCOL_VERSION}")
    if body.get("ops"):
        raise HubRefusal(403, "forbidden", "a lab hub is read-only: send posts and other "
                         "changes to the portal")
    cursors = body.get("cursors")
    if not isinstance(cursors, dict) or not cursors:
        raise HubRefusal(400, "bad_request", 'cursors must name at least one stream, e.g. '
                         '{"catalog": 0}')
    others = sorted(str(s)[:60] for s in cursors if s != CATALOG_STREAM)
    if others:
        raise HubRefusal(403, "forbidden", "a lab hub serves only the public catalog; ask the "
                         "portal for community and personal streams", streams=others)
    cursor = _int(cursors[CATALOG_STREAM])
    if cursor is None or not 0 <= cursor < 1 << 62:
        raise HubRefusal(400, "bad_request", "the catalog cursor must be a non-negative integer")
    portal_id = body.get("portal_id")
    if portal_id is not None and not isinstance(portal_id, str):
        raise HubRefusal(400, "bad_request", "portal_id must be text")

    def clamp(key: str, default: int, lo: int, hi: int) -> int:
        value = _int(body.get(key, default))
        if value is None:
            raise HubRefusal(400, "bad_request", f"{key} must be an integer number of bytes")
        return min(max(value, lo), hi)

    return _Request(cursor, portal_id, clamp("page_bytes", PAGE_DEFAULT, PAGE_MIN, PAGE_MAX),
                    clamp("budget_bytes", BUDGET_DEFAULT, BUDGET_MIN, BUDGET_MAX))


def check_cursor(req: _Request, state: ReplicaState) -> None:
    """409 when this hub cannot bring the client's replica up to date (the client then
    asks the portal; a hub's 409 never means the client's own copy is wrong)."""
    if state.portal_id is None:
        raise HubRefusal(503, "busy", "this hub has no library yet")
    if req.portal_id is not None and req.portal_id != state.portal_id:
        raise HubRefusal(409, "resync", "this hub mirrors another portal", streams=["catalog"])
    if req.cursor > state.head:
        raise HubRefusal(409, "resync", f"the catalog cursor {req.cursor} is ahead of this hub "
                         f"({state.head}); continue with the portal", streams=["catalog"])
    if 0 < req.cursor < state.horizon:
        raise HubRefusal(409, "resync", f"the catalog cursor {req.cursor} is older than this "
                         f"hub's copy of the log ({state.horizon}); continue with the portal",
                         streams=["catalog"])


def sync_body(feed: ReplicaFeed, req: _Request, encoding: str) -> Iterator[bytes]:
    """Pages after the cursor, each compressed and flushed on its own, then the end line."""
    comp = StreamCompressor(encoding)
    cursor, spent, more = req.cursor, 0, False
    lines: list[bytes] = []
    size = 0
    try:
        while True:
            batch = feed.changes_since(cursor, READ_BATCH)
            if not batch:
                break
            for seq, line in batch:
                lines.append(line)
                size += len(line)
                cursor = seq
                if size >= req.page_bytes:
                    lines.append(dumps(page_line(CATALOG_STREAM, cursor, len(lines))))
                    yield comp.compress(b"".join(lines)) + comp.flush()
                    spent += size
                    lines, size = [], 0
                    if spent >= req.budget_bytes:
                        break
            if spent >= req.budget_bytes:
                more = bool(feed.changes_since(cursor, 1))
                break
        if lines:
            lines.append(dumps(page_line(CATALOG_STREAM, cursor, len(lines))))
            yield comp.compress(b"".join(lines)) + comp.flush()
        # Unlike the portal, never jump to the head: a replica's rows may end below its
        # cursor, and clients store only page cursors. The portal covers the rest.
        yield comp.compress(dumps(end_line(more, {CATALOG_STREAM: cursor}))) + comp.finish()
    except Exception:  # headers are gone: say so in-band; the client keeps its pages
        line = {"t": "error", "code": "internal", "message": "the hub failed while sending "
                "changes"}
        yield comp.compress(dumps(line)) + comp.finish()


def create_hub_app(config: HubConfig) -> Starlette:
    feed = ReplicaFeed(config.database, config.files_dir)

    def hello_body() -> dict[str, Any]:
        state = feed.state()
        return {
            "protocol": PROTOCOL_VERSION,
            "portal_id": state.portal_id or "",
            "name": config.name,
            "capabilities": CAPABILITIES,
            "streams": {CATALOG_STREAM: {"head": state.head, "horizon": state.horizon}},
            "snapshot": None,
            "hub": {"version": HUB_VERSION, "portal_url": config.portal_url},
        }

    async def hello(_request: Request) -> Response:
        body = await run_in_threadpool(hello_body)
        if not body["portal_id"]:
            return _error(503, "busy", "this hub has no library yet")
        return JSONResponse(body, headers={"cache-control": "no-store"})

    async def sync(request: Request) -> Response:
        if request.headers.get("authorization"):
            # Never take a user's token: it belongs to the portal only.
            return _error(403, "forbidden", "a lab hub serves only the public catalog and "
                          "takes no sign-in; send personal requests to the portal")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return _error(413, "too_large", f"the request body is larger than {MAX_BODY} "
                              "bytes")
        try:
            req = parse_request(raw)
            state = await run_in_threadpool(feed.state)
            check_cursor(req, state)
        except HubRefusal as exc:
            return _error(exc.status, exc.code, exc.message, **exc.extra)
        config.counters["syncs"] += 1
        encoding = choose_encoding(request.headers.get("accept-encoding"))
        headers = {"cache-control": "no-store", "vary": "Accept-Encoding"}
        if encoding != IDENTITY:
            headers["content-encoding"] = encoding
        return StreamingResponse(sync_body(feed, req, encoding), headers=headers,
                                 media_type=NDJSON)

    async def blob(request: Request) -> Response:
        sha256 = request.path_params["sha256"]
        found = await run_in_threadpool(feed.file, sha256)
        if found is None:
            return _error(404, "not_found", "this hub does not have the file; ask the portal")
        path, mime = found
        config.counters["blobs"] += 1
        response = FileResponse(path, media_type=mime, headers={
            "etag": f'"{sha256}"', "cache-control": BLOB_CACHE})
        response.headers["content-type"] = mime  # verbatim: no charset added to text/*
        return response

    async def refuse_private(_request: Request) -> Response:
        return _error(403, "forbidden", "a lab hub serves only the public catalog and files; "
                      "sign-in, personal data and changes go to the portal")

    async def no_snapshot(_request: Request) -> Response:
        return _error(404, "not_found", "a lab hub has no snapshot; sync from cursor 0")

    async def not_found(_request: Request) -> Response:
        return _error(404, "not_found", "no such path on a lab hub")

    routes = [
        Route(f"{API_PREFIX}/hello", hello, methods=["GET"]),
        Route(f"{API_PREFIX}/sync", sync, methods=["POST"]),
        Route(f"{API_PREFIX}/blobs/{{sha256}}", blob, methods=["GET", "HEAD"]),
        Route(f"{API_PREFIX}/snapshots/{{name}}", no_snapshot, methods=["GET", "HEAD"]),
        Route(f"{API_PREFIX}/auth/{{rest:path}}", refuse_private,
              methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route(f"{API_PREFIX}/me", refuse_private, methods=["GET", "POST"]),
        Route("/{rest:path}", not_found, methods=["GET", "HEAD", "POST", "PUT", "DELETE",
                                                   "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.config = config
    return app
