"""``POST /api/v1/sync``: the request body's validation and the streamed NDJSON response.

The response is a series of pages; each page is compressed and flushed on its own so a
client can decode, apply and commit it (with its cursor) while the next one is in flight.

>>> req = parse_sync_request(b'{"protocol":1,"cursors":{"catalog":0}}')
>>> body = b"".join(sync_chunks(store, req, heads={"catalog": 5}, encoding="zstd"))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from portal.catalog import PortalStore
from portal.errors import BAD_REQUEST, RESYNC, ApiError
from protocol.compression import StreamCompressor
from protocol.wire import (
    KNOWN_STREAMS,
    PROTOCOL_VERSION,
    dumps,
    end_line,
    page_line,
)

log = logging.getLogger(__name__)

KiB = 1024
MiB = 1024 * KiB
PAGE_DEFAULT, PAGE_MIN, PAGE_MAX = 256 * KiB, 16 * KiB, 4 * MiB
BUDGET_DEFAULT, BUDGET_MIN, BUDGET_MAX = 8 * MiB, 64 * KiB, 64 * MiB
MAX_BODY = 64 * KiB
READ_BATCH = 1000
MAX_CURSOR = 1 << 62
REQUEST_FIELDS = frozenset({"protocol", "portal_id", "cursors", "page_bytes", "budget_bytes"})

# For the OpenAPI document: the body is validated by hand to give plain-words 400s.
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["protocol", "cursors"],
    "additionalProperties": False,
    "properties": {
        "protocol": {"type": "integer", "enum": [PROTOCOL_VERSION]},
        "portal_id": {"type": "string", "description": "portal_id from /hello; a mismatch "
                      "answers 409 resync"},
        "cursors": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                    "example": {"catalog": 0}},
        "page_bytes": {"type": "integer", "description": "raw bytes per page, clamped to "
                       f"{PAGE_MIN}..{PAGE_MAX}; default {PAGE_DEFAULT}"},
        "budget_bytes": {"type": "integer", "description": "raw bytes per response, clamped "
                         f"to {BUDGET_MIN}..{BUDGET_MAX}; default {BUDGET_DEFAULT}"},
    },
}


@dataclass(frozen=True, slots=True)
class SyncRequest:
    cursors: dict[str, int]
    portal_id: str | None = None
    page_bytes: int = PAGE_DEFAULT
    budget_bytes: int = BUDGET_DEFAULT


def _bad(message: str) -> ApiError:
    return ApiError(400, BAD_REQUEST, message)


def _opt_int(body: dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = body.get(key, default)
    if type(value) is not int:
        raise _bad(f"{key} must be an integer number of bytes")
    return min(max(value, lo), hi)


def parse_sync_request(raw: bytes) -> SyncRequest:
    """Validate a sync request body; raises :class:`ApiError` (400) with a plain message."""
    if len(raw) > MAX_BODY:
        raise _bad(f"the request body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise _bad("the request body is not valid JSON") from None
    except RecursionError:
        raise _bad("the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    unknown = sorted(set(body) - REQUEST_FIELDS)
    if unknown:
        raise _bad(f"unknown field(s) in the request: {', '.join(unknown)[:200]}")
    protocol = body.get("protocol")
    if type(protocol) is not int:
        raise _bad("protocol must be the integer protocol version")
    if protocol != PROTOCOL_VERSION:
        raise _bad(f"protocol version {protocol} is not supported; this portal speaks "
                   f"{PROTOCOL_VERSION}")
    portal_id = body.get("portal_id")
    if portal_id is not None and not isinstance(portal_id, str):
        raise _bad("portal_id must be text")
    cursors = body.get("cursors")
    if not isinstance(cursors, dict) or not cursors:
        raise _bad("cursors must be an object naming at least one stream, "
                   'e.g. {"catalog": 0}')
    for stream, cursor in cursors.items():
        if stream not in KNOWN_STREAMS:
            raise _bad(f"unknown stream {stream[:60]!r}; known: {', '.join(sorted(KNOWN_STREAMS))}")
        if type(cursor) is not int or not 0 <= cursor <= MAX_CURSOR:
            raise _bad(f"the cursor of stream {stream!r} must be a non-negative integer")
    return SyncRequest(
        cursors=dict(cursors),
        portal_id=portal_id,
        page_bytes=_opt_int(body, "page_bytes", PAGE_DEFAULT, PAGE_MIN, PAGE_MAX),
        budget_bytes=_opt_int(body, "budget_bytes", BUDGET_DEFAULT, BUDGET_MIN, BUDGET_MAX),
    )


def check_cursors(req: SyncRequest, portal_id: str, states: dict[str, tuple[int, int]]) -> None:
    """Raise 409 "resync" when the client's replica cannot be brought up to date by the log.

    ``states`` maps each stream to ``(head, horizon)``. Cursor 0 (an empty replica) never
    needs the purged tombstones, so it is always accepted.
    """
    if req.portal_id is not None and req.portal_id != portal_id:
        raise ApiError(409, RESYNC, "this is a different portal (or it was rebuilt): discard "
                       "the local copy and start again from a snapshot",
                       streams=sorted(req.cursors))
    for stream, cursor in sorted(req.cursors.items()):
        head, horizon = states[stream]
        if cursor > head:
            raise ApiError(409, RESYNC, f"the {stream} cursor {cursor} is ahead of the portal "
                           f"({head}): the portal was restored from a backup; start again",
                           streams=[stream])
        if 0 < cursor < horizon:
            raise ApiError(409, RESYNC, f"the {stream} cursor {cursor} is behind the horizon "
                           f"{horizon}: older deletions were forgotten; start again from a "
                           "snapshot", streams=[stream])


def _pages(store: PortalStore, stream: str, cursor: int,
           page_bytes: int) -> Iterator[tuple[bytes, int]]:
    """``(raw page including its page line, cursor)`` for every page after ``cursor``."""
    lines: list[bytes] = []
    size = 0
    while batch := store.changes_since(stream, cursor, READ_BATCH):
        for change in batch:
            line = change.line(stream)
            lines.append(line)
            size += len(line)
            cursor = change.seq
            if size >= page_bytes:
                lines.append(dumps(page_line(stream, cursor, len(lines))))
                yield b"".join(lines), cursor
                lines, size = [], 0
    if lines:
        lines.append(dumps(page_line(stream, cursor, len(lines))))
        yield b"".join(lines), cursor


def sync_chunks(store: PortalStore, req: SyncRequest, heads: dict[str, int],
                encoding: str) -> Iterator[bytes]:
    """The compressed response body, one chunk per page, then the ``end`` line.

    ``heads`` are the streams' heads read *before* any row: when a stream is drained, every
    seq up to its head has been sent (or moved above it), so the end cursor may jump there.
    """
    comp = StreamCompressor(encoding)
    cursors = dict(req.cursors)
    spent = 0
    more = False
    try:
        for stream in sorted(cursors):
            if spent >= req.budget_bytes:
                more = True
                break
            drained = True
            for raw, cursor in _pages(store, stream, cursors[stream], req.page_bytes):
                yield comp.compress(raw) + comp.flush()
                cursors[stream] = cursor
                spent += len(raw)
                if spent >= req.budget_bytes:
                    drained = not store.changes_since(stream, cursor, 1)
                    break
            if drained:
                cursors[stream] = max(cursors[stream], heads[stream])
            else:
                more = True
        yield comp.compress(dumps(end_line(more, cursors))) + comp.finish()
    except Exception:
        # Headers are gone already: tell the client in-band; it keeps the pages it applied.
        log.exception("sync failed while streaming")
        line = {"t": "error", "code": "internal", "message": "the portal failed while "
                "sending changes; retry later"}
        yield comp.compress(dumps(line)) + comp.finish()
