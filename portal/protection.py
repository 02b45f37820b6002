"""Fairness and protection: heavy-sync slots, per-token rate limits, request size limits
and timeouts for slow clients.

Where the state lives, and why:

* **Heavy-sync slots** (:class:`Slots`) are counted per process, on purpose: they protect
  the process's own threads, memory and database connections from too many long streams at
  once. With N processes the portal as a whole streams at most N x ``max_concurrent_syncs``
  heavy syncs, which is what each process can afford. Nothing another process needs is kept.
* **Rate limits** (:class:`RateLimiter`) are counted in the database (``rate_counters``), so a
  token gets one budget however many portal processes its requests reach.
* **Size limits and timeouts** (:class:`ProtectionMiddleware`) concern one request on one
  connection: nothing to share.

>>> app.add_middleware(ProtectionMiddleware, max_body=2 * MiB, body_timeout=15.0)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import db
from portal.community.accounts import bearer_token, token_digest
from portal.errors import TOO_LARGE, ApiError, error_response

REQUEST_TIMEOUT = "request_timeout"
RATE_LIMITED = "rate_limited"
MiB = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Slots:
    """At most ``limit`` holders at once (per process, see the module docstring)."""

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._free <= 0:
                return False
            self._free -= 1
            return True

    def release(self) -> None:
        with self._lock:
            self._free += 1


def is_heavy(cursors: Mapping[str, int], states: Mapping[str, tuple[int, int]],
             backlog_limit: int) -> bool:
    """A sync is heavy when it starts a stream from nothing (the whole log) or has more than
    ``backlog_limit`` seqs to catch up on; no-change and small incremental syncs are light."""
    backlog = 0
    for stream, cursor in cursors.items():
        head = states[stream][0]
        if cursor == 0:
            return True
        backlog += max(0, head - cursor)
    return backlog > backlog_limit


class RateLimiter:
    """Fixed-window request counting per key (a token digest), in the database.

    ``hit(key)`` counts one request and returns 0 when allowed, else the seconds until the
    window ends (the Retry-After). One small write transaction per call.
    """

    def __init__(self, engine: Engine, per_window: int, window_seconds: int = 60,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.clock = clock

    def hit(self, key: str) -> int:
        now = self.clock()
        window = int(now // self.window_seconds)
        t = db.rate_counters
        for _attempt in range(3):
            try:
                # A write, but not one of the change log: on PostgreSQL it skips the portal's
                # writer lock (the row lock orders concurrent hits on one key).
                with db.write_transaction(self.engine, exclusive=False) as conn:
                    row = conn.execute(select(t.c.window, t.c.count).where(t.c.key == key)
                                       .with_for_update()).first()
                    if row is None:
                        # Old windows of every key go when a new key arrives: bounded table.
                        conn.execute(delete(t).where(t.c.window < window - 1))
                        conn.execute(insert(t).values(key=key, window=window, count=1))
                        count = 1
                    else:
                        count = 1 if row[0] != window else int(row[1]) + 1
                        conn.execute(update(t).where(t.c.key == key)
                                     .values(window=window, count=count))
                break
            except IntegrityError:
                continue  # another process inserted the key first: count again
        else:
            return 0
        if count <= self.per_window:
            return 0
        return max(1, int((window + 1) * self.window_seconds - now + 0.999))


def rate_key(authorization: str | None) -> str | None:
    """The counter key of a request's bearer token (its digest: never the token itself)."""
    token = bearer_token(authorization)
    return f"t:{token_digest(token)}" if token else None


class _BodyTooLarge(Exception):
    pass


class ProtectionMiddleware:
    """Pure ASGI middleware over every HTTP request:

    * a body over ``max_body`` bytes gets ``413`` (at once when Content-Length says so);
    * a body that does not arrive within ``body_timeout`` seconds of the last chunk, or
      within ``body_deadline`` seconds in all, gets ``408``: a client dribbling its body
      never holds a slot or a connection for long;
    * a response chunk the client does not take within ``send_timeout`` seconds ends the
      connection (a client that stops reading frees its sync slot);
    * with a ``limiter``, requests carrying a bearer token are counted; over the budget
      they get ``429`` with Retry-After.
    """

    def __init__(self, app: ASGIApp, *, max_body: int = 2 * MiB, body_timeout: float = 15.0,
                 body_deadline: float = 60.0, send_timeout: float = 60.0,
                 limiter: RateLimiter | None = None,
                 limited_prefixes: tuple[str, ...] = ("/api/",)) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.body_deadline = body_deadline
        self.send_timeout = send_timeout
        self.limiter = limiter
        self.limited_prefixes = limited_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._reject(scope, receive, send, 413, TOO_LARGE,
                               f"the request body is larger than {self.max_body} bytes")
            return
        if self.limiter is not None and scope["path"].startswith(self.limited_prefixes):
            key = rate_key(headers.get("authorization"))
            if key is not None:
                wait = await asyncio.to_thread(self.limiter.hit, key)
                if wait:
                    await self._reject(
                        scope, receive, send, 429, RATE_LIMITED,
                        f"too many requests from this device; retry in {wait} s",
                        {"retry-after": str(wait)})
                    return

        started = time.monotonic()
        received = 0
        body_done = scope["method"] not in BODY_METHODS and not declared
        response_started = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                return await receive()  # only http.disconnect is left: wait as long as needed
            left = self.body_deadline - (time.monotonic() - started)
            try:
                async with asyncio.timeout(max(0.0, min(self.body_timeout, left))):
                    message = await receive()
            except TimeoutError:
                raise ApiError(408, REQUEST_TIMEOUT, "the request body arrived too slowly",
                               headers={"connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise ApiError(413, TOO_LARGE,
                                   f"the request body is larger than {self.max_body} bytes",
                                   headers={"connection": "close"})
                if not message.get("more_body", False):
                    body_done = True
            else:
                body_done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            try:
                async with asyncio.timeout(self.send_timeout):
                    await send(message)
            except TimeoutError:
                raise OSError("the client stopped reading the response") from None

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except ApiError as exc:
            # Raised outside the app's own handlers (e.g. by a route that reads the body in
            # a background task): answer in the usual shape if nothing was sent yet.
            if response_started:
                raise
            await self._reject(scope, receive, send, exc.status, exc.code, exc.message,
                               exc.headers)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, status: int,
                      code: str, message: str, headers: dict[str, str] | None = None) -> None:
        response = error_response(status, code, message, headers={"connection": "close",
                                                                  **(headers or {})})
        await response(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def limiter_from(engine: Engine, per_minute: int) -> RateLimiter | None:
    return RateLimiter(engine, per_minute) if per_minute > 0 else None
