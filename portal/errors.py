"""API errors and their JSON shape: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

BAD_REQUEST = "bad_request"
RESYNC = "resync"
BUSY = "busy"
NOT_FOUND = "not_found"
RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
TOO_LARGE = "too_large"


class ApiError(Exception):
    """Raised by request handling; the app turns it into a JSON error response.

    >>> raise ApiError(409, RESYNC, "the catalog cursor is older than the tombstone horizon")
    """

    def __init__(self, status: int, code: str, message: str, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def error_response(status: int, code: str, message: str, *,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"error": {"code": code, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store",
                                                           **(headers or {})})


def api_error_response(exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers, **exc.extra)
