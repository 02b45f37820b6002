"""Structured access logs: one JSON line per request (``okno-portal serve --log-format json``).

    {"ts": "2026-11-26T01:02:03.456Z", "level": "info", "event": "request",
     "method": "POST", "path": "/api/v1/sync", "status": 200, "duration_ms": 3.1,
     "bytes": 412, "user": "u-1a2b3c", "request_id": "5f0c...", "client": "10.0.0.7"}

``user`` is the id of the token's user (never the token); ``request_id`` comes from the
client's ``X-Request-ID`` header when it is sane, else it is made here, and it is echoed in
the response's ``X-Request-ID`` so that a school's report can be found in the log.

>>> app.add_middleware(AccessLogMiddleware, logger=logging.getLogger(ACCESS_LOGGER))
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "okno.access"
USER_STATE_KEY = "okno_user"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def remember_user(scope: Scope, user_id: str) -> None:
    """Called once the request's token is known, so the log line can name the user."""
    state = scope.get("state")
    if isinstance(state, dict):
        state[USER_STATE_KEY] = user_id


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = ""
        for k, v in scope["headers"]:
            if k == b"x-request-id":
                given = v.decode("latin-1")
                break
        request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        status = 500
        size = 0

        async def logged_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            client = scope.get("client")
            line: dict[str, Any] = {
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"),
                "level": "info" if status < 500 else "error", "event": "request",
                "method": scope["method"], "path": scope["path"], "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "bytes": size, "user": state.get(USER_STATE_KEY) if isinstance(state, dict)
                else None, "request_id": request_id,
                "client": client[0] if client else None,
            }
            self.logger.info(json.dumps(line, ensure_ascii=False))


class JsonFormatter(logging.Formatter):
    """Other log records (warnings, tracebacks) as JSON lines too; access lines pass as is."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == ACCESS_LOGGER:
            return record.getMessage()
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "event": "log", "logger": record.name,
            "message": record.getMessage()}
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_json_logging(stream: Any = None) -> logging.Logger:
    """Send the access log and the portal's and uvicorn's own logs to ``stream`` (stderr)
    as JSON lines; returns the access logger."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in (ACCESS_LOGGER, "portal", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.propagate = False
        lg.setLevel(logging.INFO if name == ACCESS_LOGGER else logging.WARNING)
    return logging.getLogger(ACCESS_LOGGER)
