"""HTTP plumbing shared by sync and downloads: sessions, stall timeouts, retries, plain errors."""

from __future__ import annotations

import email.utils
import errno
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import requests

USER_AGENT = "Okno-desktop/0.1"
CONNECT_TIMEOUT = 15.0
# A read that delivers no byte for this long is a stall. There is deliberately no total
# timeout: a big page over 256 kbit/s may take minutes and still be healthy.
STALL_TIMEOUT = 60.0
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 600.0

T = TypeVar("T")


class SyncError(Exception):
    """A sync or download failed. ``str()`` is a message for people; ``retryable`` says if
    trying again later may help."""

    def __init__(self, message: str, *, retryable: bool = False,
                 retry_after: float | None = None, code: str = "other",
                 params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        # A stable category (see ERROR_CODES) so the UI can say it in the user's language;
        # ``params`` fill the translated text, ``str()`` stays the English detail.
        self.code = code
        self.params = params or {}


ERROR_CODES = ("unreachable", "stalled", "cut", "network", "busy", "server_error",
               "portal_failed", "not_found", "refused", "disk_full", "disk", "bad_data",
               "not_portal", "version", "signin_required", "signin_failed", "cancelled",
               "other")


class InsufficientSpace(SyncError):
    """The disk is full (or would be): not retryable until someone frees space."""

    def __init__(self, message: str, **kw: object) -> None:
        kw.setdefault("code", "disk_full")
        super().__init__(message, **kw)  # type: ignore[arg-type]


class SyncCancelled(SyncError):
    def __init__(self) -> None:
        super().__init__("Cancelled by the user.", code="cancelled")


class CancelToken:
    """Set from any thread; the engine checks it between pages and chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if cancelled meanwhile."""
        return self._event.wait(seconds)

    def check(self) -> None:
        if self._event.is_set():
            raise SyncCancelled()


def new_session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    s.trust_env = False  # a lab's proxy variables must not reroute loopback/LAN traffic
    return s


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_retry_after(value: str | None, server_date: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date).

    An HTTP date is measured against the response's own ``Date`` header (the server's
    clock) when there is one: a client clock set years off must not turn "retry at 12:00:05"
    into no wait at all or into the maximum wait.

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT")
    30.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    when = _http_date(value)
    if when is None:
        return None
    now = _http_date(server_date)
    if now is None:
        now = time.time()
    return max(0.0, min(when - now, MAX_RETRY_AFTER))


def error_from_response(resp: requests.Response, what: str) -> SyncError:
    """Turn an HTTP error answer into a plain-words SyncError."""
    message = ""
    try:
        body = resp.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = str(body["error"].get("message", ""))[:300]
    except (ValueError, RecursionError):
        pass
    retry_after = parse_retry_after(resp.headers.get("Retry-After"), resp.headers.get("Date"))
    if resp.status_code in (429, 503):
        code, text = "busy", f"The portal is busy and asked to try again later ({what})."
    elif resp.status_code >= 500:
        code = "server_error"
        text = f"The portal had an internal error ({what}, HTTP {resp.status_code})."
    elif resp.status_code == 404:
        code, text = "not_found", f"The portal does not have this ({what}, HTTP 404)."
    elif resp.status_code == 401:
        code = "signin_required"
        text = f"The portal asks to sign in again ({what}, HTTP 401)."
    else:
        code = "refused"
        text = f"The portal refused the request ({what}, HTTP {resp.status_code})."
    if message:
        text += f" It said: {message}"
    return SyncError(text, retryable=resp.status_code in RETRYABLE_STATUS,
                     retry_after=retry_after, code=code,
                     params={"status": str(resp.status_code), "message": message})


def network_error(exc: Exception, url: str) -> SyncError:
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError):
        if "Read timed out" in str(exc):
            return SyncError("The connection stalled: no data arrived for a long time.",
                             retryable=True, code="stalled")
        return SyncError(f"Cannot reach the portal at {url}. Check the network connection "
                         "and the portal address.", retryable=True, code="unreachable",
                         params={"url": url})
    if isinstance(exc, requests.exceptions.Timeout):
        return SyncError("The connection stalled: no data arrived for a long time.",
                         retryable=True, code="stalled")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return SyncError("The connection was cut in the middle of a transfer.", retryable=True,
                         code="cut")
    return SyncError(f"Network error talking to the portal: {exc.__class__.__name__}.",
                     retryable=True, code="network")


_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def disk_error(exc: OSError, where: object) -> SyncError:
    """A local write failed: say so plainly (never as a network problem)."""
    if exc.errno in _NO_SPACE:
        return InsufficientSpace(
            f"Not enough disk space: the disk holding {where} is full. Free some space (or "
            "choose another data folder) and try again; what was completed is kept.")
    return SyncError(f"Cannot write to {where}: {exc.strerror or exc}.", code="disk",
                     params={"where": str(where), "reason": str(exc.strerror or exc)})


def stream_error(exc: BaseException, what: str) -> SyncError | None:
    """Classify an exception raised while reading a response body (urllib3 raises its own
    exception types there). None means "not a transfer problem": let it propagate."""
    name = exc.__class__.__name__
    if not exc.__class__.__module__.startswith("urllib3"):
        return None
    if "Timeout" in name:
        return SyncError(f"The connection stalled: no data arrived for a long time "
                         f"({what}). It will be resumed.", retryable=True, code="stalled")
    return SyncError(f"The connection was cut during {what}; it will be resumed.",
                     retryable=True, code="cut")


def iter_raw(resp: requests.Response, chunk: int) -> Iterator[bytes]:
    """The raw (still encoded) body, each piece handed over as soon as it arrives.

    ``resp.raw.stream(n)`` waits until it has ``n`` bytes: on a slow link a complete page
    would sit in its buffer, and a cut or a stall would throw that page away with it.
    """
    raw = resp.raw
    while True:
        data = raw.read1(chunk, decode_content=False)
        if not data:
            return
        yield data


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def check_content_range(header: str | None, offset: int, size: int, what: str) -> None:
    """A 206 answer must continue exactly where the local partial file ends.

    A proxy or server that answers another range (or none) would otherwise splice the wrong
    bytes into the file; this refuses it before a byte is written.

    >>> check_content_range("bytes 100-199/200", 100, 200, "a file")
    """
    m = _CONTENT_RANGE.match(header or "")
    if m is None:
        raise SyncError(f"The portal answered a resumed download of {what} without a valid "
                        f"Content-Range ({(header or 'none')!r:.60}); starting over.",
                        retryable=True, code="bad_data")
    first, last, total = int(m[1]), int(m[2]), m[3]
    if first != offset or last < first or (total != "*" and int(total) != size):
        raise SyncError(f"The portal answered a resumed download of {what} with the wrong "
                        f"part (bytes {first}-{last}/{total} instead of {offset}-…/{size}); "
                        "starting over.", retryable=True, code="bad_data")


@dataclass
class RetryPolicy:
    """How often and how long to retry. The default rides out a rural blackout of 20-30 s
    (a link that is down fails each attempt at once): its waits add up to at least
    ``patience()`` = 31.5 s and at most 63 s before the error is reported."""

    attempts: int = 7
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        # Half fixed, half jitter: the jitter keeps a lab of 30 PCs from retrying in
        # lock-step, the fixed half guarantees the total patience (full jitter could spend
        # all attempts within a second of a blackout's start).
        cap = min(self.max_delay, self.base_delay * 2 ** attempt)
        return cap / 2 + random.uniform(0, cap / 2)

    def patience(self) -> float:
        """The least total wait before giving up (Retry-After aside)."""
        return sum(min(self.max_delay, self.base_delay * 2 ** a) / 2
                   for a in range(self.attempts - 1))


def with_retries(fn: Callable[[], T], *, policy: RetryPolicy, cancel: CancelToken,
                 on_wait: Callable[[str, float], None] | None = None) -> T:
    """Run ``fn``; on a retryable SyncError wait (honouring Retry-After) and try again."""
    attempt = 0
    while True:
        cancel.check()
        try:
            return fn()
        except SyncCancelled:
            raise
        except SyncError as exc:
            attempt += 1
            if not exc.retryable or attempt >= policy.attempts:
                raise
            wait = policy.delay(attempt - 1, exc.retry_after)
            if on_wait:
                on_wait(str(exc), wait)
            if cancel.wait(wait):
                raise SyncCancelled() from None
