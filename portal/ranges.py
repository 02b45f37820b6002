"""Serving immutable files (snapshots, blobs) with single byte ranges and a strong ETag.

Bodies are sent exactly as stored: no content coding is ever applied, and ``no-transform``
asks proxies not to add one, because clients resume downloads by byte offset and verify
the sha256 of what they wrote.

>>> parse_range("bytes=100-", 1000)
(100, 999)
>>> parse_range("bytes=-10", 1000)
(990, 999)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from portal.errors import NOT_FOUND, RANGE_NOT_SATISFIABLE, ApiError, error_response

CHUNK = 256 * 1024


class RangeNotSatisfiable(Exception):
    """The Range header is valid but lies entirely outside the file."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions a Range header asks for.

    None means "send the whole file": no header, a unit other than bytes, several ranges or
    a malformed value, all of which RFC 9110 lets a server ignore.
    Raises :class:`RangeNotSatisfiable` when no byte of the range exists.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, (min(int(last), size - 1) if last else size - 1)


def _etag_listed(header: str, etag: str) -> bool:
    """If-None-Match: ``*`` or a list of tags (weak comparison, as RFC 9110 asks)."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


class FileSliceResponse(Response):
    """Streams ``length`` bytes of an open file from ``start``; closes the file in all cases."""

    def __init__(self, fh: BinaryIO, start: int, length: int, *, status_code: int,
                 headers: dict[str, str], send_body: bool) -> None:
        self._fh = fh
        self._start = start
        self._length = length
        self._send_body = send_body
        super().__init__(status_code=status_code, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            if not self._send_body or self._length == 0:
                await send({"type": "http.response.body", "body": b""})
                return
            await anyio.to_thread.run_sync(self._fh.seek, self._start)
            remaining = self._length
            while remaining:
                chunk = await anyio.to_thread.run_sync(self._fh.read, min(CHUNK, remaining))
                if not chunk:
                    # Stored files never shrink; if one did, break the connection rather
                    # than let a client take a short body for a complete one.
                    raise OSError("file ended before its advertised length")
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk,
                            "more_body": remaining > 0})
        finally:
            self._fh.close()


def file_response(request: Request, path: Path, *, etag: str, media_type: str,
                  cache_control: str) -> Response:
    """GET or HEAD of an immutable file: 200, 206 for one satisfiable range, 304, or 416.

    ``etag`` is the quoted strong tag (``'"<sha256>"'``); ``If-Range`` must match it exactly
    for the range to be honoured.
    """
    try:
        fh = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ApiError(404, NOT_FOUND, "no such file") from None
    size = os.fstat(fh.fileno()).st_size
    headers = {"accept-ranges": "bytes", "etag": etag,
               "cache-control": f"{cache_control}, no-transform"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _etag_listed(if_none_match, etag):
        fh.close()
        return Response(status_code=304, headers=headers)
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        range_header = None  # the client's partial copy is of another version: send it all
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        fh.close()
        return error_response(416, RANGE_NOT_SATISFIABLE,
                              f"the range {range_header!r:.80} is outside the {size}-byte file",
                              headers={**headers, "content-range": f"bytes */{size}"})
    if wanted is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = wanted[0], wanted[1] - wanted[0] + 1, 206
        headers["content-range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
    headers["content-length"] = str(length)
    # Set verbatim: Starlette would append a charset to text/* types.
    headers["content-type"] = media_type
    return FileSliceResponse(fh, start, length, status_code=status, headers=headers,
                             send_body=request.method != "HEAD")
