"""``POST /api/v1/sync``: the request body's validation and the streamed NDJSON response.

The response is a series of pages; each page is compressed and flushed on its own so a
client can decode, apply and commit it (with its cursor) while the next one is in flight.

>>> req = parse_sync_request(b'{"protocol":1,"cursors":{"catalog":0}}')
>>> body = b"".join(sync_chunks(store, req, heads={"catalog": 5}, encoding="zstd"))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.catalog import PortalStore
from portal.errors import BAD_REQUEST, RESYNC, TOO_LARGE, ApiError
from portal.fastpath import CompressorPool, changes_after
from protocol.community import MAX_OPS, BadOp, Op, parse_ops
from protocol.compression import StreamCompressor
from protocol.wire import (
    PROTOCOL_VERSION,
    ProtocolError,
    dumps,
    end_line,
    is_stream_name,
    page_line,
)

log = logging.getLogger(__name__)

KiB = 1024
MiB = 1024 * KiB
PAGE_DEFAULT, PAGE_MIN, PAGE_MAX = 256 * KiB, 16 * KiB, 4 * MiB
BUDGET_DEFAULT, BUDGET_MIN, BUDGET_MAX = 8 * MiB, 64 * KiB, 64 * MiB
MAX_BODY = 64 * KiB
MAX_BODY_WITH_OPS = 1 * MiB  # a signed-in client's request may carry up to MAX_OPS ops
READ_BATCH = 1000
MAX_CURSOR = 1 << 62
REQUEST_FIELDS = frozenset({"protocol", "portal_id", "cursors", "page_bytes", "budget_bytes",
                            "ops"})
STREAM_PATTERN = r"^(catalog|directory|(assoc|user):[A-Za-z0-9][A-Za-z0-9_.:-]{0,43})$"
# What protocol.community.client_id accepts (an identifier of at most 64 characters).
CLIENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
KNOWN_STREAM_NAMES = "catalog, directory, assoc:<association id>, user:<your user id>"

# For the OpenAPI document: the body is validated by hand to give plain-words 400s.
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["protocol", "cursors"],
    "additionalProperties": False,
    "properties": {
        "protocol": {"type": "integer", "enum": [PROTOCOL_VERSION]},
        "portal_id": {"type": "string", "description": "portal_id from /hello; a mismatch "
                      "answers 409 resync"},
        "cursors": {"type": "object", "minProperties": 1,
                    "propertyNames": {"pattern": STREAM_PATTERN, "maxLength": 50},
                    "additionalProperties": {"type": "integer", "minimum": 0,
                                             "maximum": 2**53 - 1},  # exact in every JSON parser
                    "example": {"catalog": 0}},
        "page_bytes": {"type": "integer", "description": "raw bytes per page, clamped to "
                       f"{PAGE_MIN}..{PAGE_MAX}; default {PAGE_DEFAULT}"},
        "budget_bytes": {"type": "integer", "description": "raw bytes per response, clamped "
                         f"to {BUDGET_MIN}..{BUDGET_MAX}; default {BUDGET_DEFAULT}"},
        "ops": {"type": "array", "maxItems": MAX_OPS, "description": "community writes "
                "(signed-in clients only), applied in order, exactly once; see "
                "docs/protocol.md", "items": {
                    "type": "object", "required": ["op_id", "type", "data"],
                    "additionalProperties": False,
                    "properties": {"op_id": {"type": "string", "pattern": CLIENT_ID_PATTERN},
                                   "type": {"type": "string"},
                                   "data": {"type": "object"},
                                   "base_version": {"type": ["integer", "null"]},
                                   "depends_on": {"type": ["string", "null"],
                                                  "pattern": CLIENT_ID_PATTERN}}}},
    },
}


@dataclass(frozen=True, slots=True)
class SyncRequest:
    cursors: dict[str, int]
    portal_id: str | None = None
    page_bytes: int = PAGE_DEFAULT
    budget_bytes: int = BUDGET_DEFAULT
    ops: Sequence[Op | BadOp] = field(default_factory=tuple)


def _bad(message: str) -> ApiError:
    return ApiError(400, BAD_REQUEST, message)


def _as_int(value: Any) -> int | None:
    """A JSON integer; ``100.0`` counts too (JSON Schema's "integer", which the OpenAPI
    document promises), ``1.5``, ``true`` and ``"7"`` do not."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer() and abs(value) <= MAX_CURSOR:
        return int(value)
    return None


def _opt_int(body: dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = _as_int(body.get(key, default))
    if value is None:
        raise _bad(f"{key} must be an integer number of bytes")
    return min(max(value, lo), hi)


def parse_sync_request(raw: bytes, *, max_body: int = MAX_BODY) -> SyncRequest:
    """Validate a sync request body; raises :class:`ApiError` (400) with a plain message.

    ``max_body`` is :data:`MAX_BODY_WITH_OPS` for a signed-in client; a body over
    :data:`MAX_BODY` must then carry ops.
    """
    if len(raw) > max_body:
        raise _bad(f"the request body is larger than {max_body} bytes")
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
    protocol = _as_int(body.get("protocol"))
    if protocol is None:
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
    checked: dict[str, int] = {}
    for stream, raw_cursor in cursors.items():
        if not is_stream_name(stream):
            raise _bad(f"unknown stream {stream[:60]!r}; known: {KNOWN_STREAM_NAMES}")
        cursor = _as_int(raw_cursor)
        if cursor is None or not 0 <= cursor <= MAX_CURSOR:
            raise _bad(f"the cursor of stream {stream!r} must be a non-negative integer")
        checked[stream] = cursor
    ops: list[Op | BadOp] = []
    if "ops" in body:
        try:
            ops = parse_ops(body["ops"])
        except ProtocolError as exc:
            raise _bad(f"ops: {exc}") from None
    if len(raw) > MAX_BODY and not ops:
        raise ApiError(413, TOO_LARGE, f"the request body is larger than {MAX_BODY} bytes "
                       "(only a request carrying ops may be larger)")
    return SyncRequest(
        ops=tuple(ops),
        cursors=checked,
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
    while batch := changes_after(store.engine, stream, cursor, READ_BATCH):
        for change in batch:
            line = change.line(stream)
            lines.append(line)
            size += len(line)
            cursor = change.seq
            if size >= page_bytes:
                lines.append(dumps(page_line(stream, cursor, len(lines))))
                yield b"".join(lines), cursor
                lines, size = [], 0
        if len(batch) < READ_BATCH:
            break  # drained (rows up to the head read before were all committed and seen)
    if lines:
        lines.append(dumps(page_line(stream, cursor, len(lines))))
        yield b"".join(lines), cursor


def sync_chunks(store: PortalStore, req: SyncRequest, heads: dict[str, int],
                encoding: str, prefix: Sequence[bytes] = (),
                compressors: CompressorPool | None = None) -> Iterator[bytes]:
    """The compressed response body: the ``prefix`` lines (op results) in one flushed chunk,
    one chunk per page, then the ``end`` line.

    ``heads`` are the streams' heads read *before* any row: when a stream is drained, every
    seq up to its head has been sent (or moved above it), so the end cursor may jump there.
    """
    comp = compressors.stream(encoding) if compressors else StreamCompressor(encoding)
    cursors = dict(req.cursors)
    spent = 0
    more = False
    try:
        if prefix:
            yield comp.compress(b"".join(prefix)) + comp.flush()
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
