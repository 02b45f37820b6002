"""Community sync: sign-in, and one request per round that sends the outbox as ``ops`` and
the cursors of every followed community stream, then applies the op results (first lines of
the answer) and the pages that follow.

Exactly once: an op keeps its ``op_id`` forever. When an answer is lost after the portal
applied the ops, the retry resends the same ids and the portal says ``duplicate``.

    token, user = signin(url, "demo", "demo", "Кабинет информатики")
    result = sync_community(store, url, token, paths=paths)
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from typing import Any

import requests

from desktop.paths import Paths
from desktop.store.errors import StoreError
from desktop.store.types import Changes
from desktop.sync.engine import (
    ProgressFn,
    SyncResult,
    _header_bytes,
    _Run,
    local_error,
    portal_failure,
)
from desktop.sync.http import (
    CONNECT_TIMEOUT,
    STALL_TIMEOUT,
    CancelToken,
    RetryPolicy,
    SyncError,
    error_from_response,
    network_error,
    new_session,
    with_retries,
)
from protocol.community import MAX_OPS, stream_family
from protocol.compression import StreamDecompressor
from protocol.wire import (
    API_PREFIX,
    PROTOCOL_VERSION,
    End,
    OpResult,
    PortalFailure,
    ProtocolError,
    parse_line,
)

MAX_OPS_BYTES = 900_000  # the portal takes 1 MiB with ops; cursors and envelope fit in the rest
MAX_ROUNDS = 1000

SIGNIN_AGAIN = ("Sign in again: the portal no longer accepts this computer's sign-in. "
                "Your unsent messages are kept and will be sent after you sign in.")


def _json_error(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        return {}
    err = body.get("error") if isinstance(body, dict) else None
    return err if isinstance(err, dict) else {}


def signin(portal_url: str, login: str, password: str, device_name: str = "",
           *, session: requests.Session | None = None) -> tuple[str, dict[str, Any]]:
    """Exchange login and password for a long-lived device token. Returns (token, user).

    Raises SyncError: code ``signin_failed`` (wrong login or password), ``busy`` (too many
    attempts; ``retry_after`` says how long), or a network error."""
    session = session or new_session()
    body: dict[str, Any] = {"login": login, "password": password}
    if device_name:
        body["device_name"] = device_name[:200]
    url = portal_url.rstrip("/")
    try:
        resp = session.post(f"{url}{API_PREFIX}/auth/signin", json=body,
                            timeout=(CONNECT_TIMEOUT, STALL_TIMEOUT))
    except requests.RequestException as exc:
        raise network_error(exc, url) from None
    with resp:
        if resp.status_code == 401:
            raise SyncError("Wrong login or password.", code="signin_failed")
        if resp.status_code != 200:
            raise error_from_response(resp, "sign-in")
        try:
            data = resp.json()
            token, user = data["token"], data["user"]
            if not isinstance(token, str) or not isinstance(user, dict) or "id" not in user:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise SyncError("The portal's sign-in answer is malformed.",
                            code="bad_data") from None
    return token, user


def signout(portal_url: str, token: str, *, session: requests.Session | None = None) -> bool:
    """Revoke the token on the portal (best effort: offline, the local sign-out still
    happens). Returns True when the portal confirmed it."""
    session = session or new_session()
    try:
        resp = session.post(f"{portal_url.rstrip('/')}{API_PREFIX}/auth/signout",
                            headers={"Authorization": f"Bearer {token}"},
                            timeout=(CONNECT_TIMEOUT, STALL_TIMEOUT))
    except requests.RequestException:
        return False
    with resp:
        return resp.status_code == 200


def me(portal_url: str, token: str, *, session: requests.Session | None = None
       ) -> dict[str, Any]:
    """``GET /me``: the user, memberships and the streams a client normally follows."""
    session = session or new_session()
    url = portal_url.rstrip("/")
    try:
        resp = session.get(f"{url}{API_PREFIX}/me", headers={"Authorization": f"Bearer {token}"},
                           timeout=(CONNECT_TIMEOUT, STALL_TIMEOUT))
    except requests.RequestException as exc:
        raise network_error(exc, url) from None
    with resp:
        if resp.status_code == 401:
            raise SyncError(SIGNIN_AGAIN, code="signin_required")
        if resp.status_code != 200:
            raise error_from_response(resp, "account")
        try:
            data = resp.json()
            if not isinstance(data.get("user"), dict) or not isinstance(data.get("streams"), list):
                raise TypeError
        except (ValueError, TypeError, AttributeError):
            raise SyncError("The portal's account answer is malformed.", code="bad_data") \
                from None
    return data


class _StreamsRefused(SyncError):
    def __init__(self, streams: list[str], resync: bool) -> None:
        super().__init__("The portal refused some community streams.")
        self.streams = streams
        self.resync = resync


class _CommunityRun(_Run):
    """One community sync: rounds of (ops + cursors) -> (op results + pages)."""

    def __init__(self, *args: Any, token: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token
        self.answered: set[str] = set()  # ops this run got a result for (held ones included)
        self.ops_sent = 0
        self.round_answered: set[str] = set()  # ops of the current round answered so far

    def with_op_results(self, lines: Iterable[bytes], sent: frozenset[str]
                        ) -> Iterator[bytes]:
        """Record the op results (they come first) durably as soon as the first non-op
        line arrives, so a cut later in the body does not lose them.

        Only one result per op sent in this request is accepted: a result for any other op
        id (one never sent, one still waiting in the outbox, another user's, a repeat) is
        refused before anything of the answer is recorded; a hostile or confused portal
        must not mark an unsent reply "applied" and so lose it."""
        results: list[OpResult] = []
        in_results = True
        self.round_answered = set()
        for raw in lines:
            if in_results and raw.strip():
                try:
                    line = parse_line(raw)  # a malformed line stops the sync (apply_lines)
                except PortalFailure:
                    if results:  # the portal failed after answering the ops: keep those
                        self._record(results)
                    raise
                if isinstance(line, OpResult):
                    if line.op_id not in sent:
                        raise ProtocolError(f"the portal answered the op {line.op_id!r:.60}, "
                                            "which this sync did not send")
                    if line.op_id in self.round_answered:
                        raise ProtocolError(f"the portal answered the op {line.op_id!r:.60} "
                                            "twice")
                    self.round_answered.add(line.op_id)
                    results.append(line)
                    continue
                in_results = False
                if results:
                    self._record(results)
                    results = []
            elif not in_results and b'"t":"op"' in raw[:40]:
                raise ProtocolError("an op result arrived after the changes began")
            yield raw
        if results:
            self._record(results)

    def _record(self, results: list[OpResult]) -> None:
        self.answered.update(r.op_id for r in results)
        self.result.changes = self.result.changes | self.store.record_op_results(results)

    def follow_community(self, portal_id: str) -> None:
        for _ in range(MAX_ROUNDS):
            self.cancel.check()
            try:
                end = with_retries(lambda: self._one_round(portal_id), policy=self.policy,
                                   cancel=self.cancel, on_wait=self.on_wait)
            except _StreamsRefused as exc:
                for stream in exc.streams:
                    self.result.changes = (self.result.changes | self.store
                                           .evict_community_stream(stream,
                                                                   unfollow=not exc.resync))
                continue
            if not end.more and not self._unsent():
                return
        raise SyncError("The portal kept saying there is more; stopping to be safe.",
                        code="bad_data")

    def _unsent(self) -> list[Any]:
        """Ops still to send in this run: unsent, and not already answered in it (a held op
        waits for the next sync instead of looping)."""
        return [op for op in self.store.ops_to_send(MAX_OPS * 4, MAX_OPS_BYTES * 4)
                if op.op_id not in self.answered]

    def _one_round(self, portal_id: str) -> End:
        self.streams = frozenset(self.store.community_streams())
        if not self.streams:
            raise SyncError("Not signed in to the community.", code="signin_required")
        ops: list[Any] = []
        size = 0
        for op in self._unsent():
            cost = len(json.dumps(op.wire(), ensure_ascii=False).encode()) + 2
            if len(ops) >= MAX_OPS or (ops and size + cost > MAX_OPS_BYTES):
                break
            ops.append(op)
            size += cost
        request: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION, "portal_id": portal_id,
            "cursors": {s: self.store.cursor(s) for s in sorted(self.streams)},
        }
        if ops:
            request["ops"] = [op.wire() for op in ops]
            # Durably "sent" before the request leaves: after a crash the UI says so, and
            # the same op ids go out again (answered "duplicate" if they arrived).
            self.result.changes = self.result.changes | self.store.mark_ops_sent(
                [op.op_id for op in ops])
        if self.page_bytes:
            request["page_bytes"] = self.page_bytes
        body = json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "zstd, gzip",
                   "Authorization": f"Bearer {self.token}"}
        try:
            resp = self.session.post(f"{self.url}{API_PREFIX}/sync", data=body, headers=headers,
                                     stream=True, timeout=(CONNECT_TIMEOUT, self.stall_timeout))
        except requests.RequestException as exc:
            raise network_error(exc, self.url) from None
        self.meter.round_trips += 1
        self.result.round_trips += 1
        self.meter.bytes += len(body) + 250
        self.ops_sent += len(ops)
        with resp:
            self.meter.bytes += _header_bytes(resp.headers)
            if resp.status_code != 200:
                self._refuse(resp)
            try:
                decoder = StreamDecompressor(resp.headers.get("Content-Encoding", "identity"))
            except ValueError as exc:
                raise SyncError(f"The portal answered in an unknown encoding ({exc}).",
                                code="bad_data", params={"detail": str(exc)}) from None
            try:
                sent = frozenset(op.op_id for op in ops)
                end = self.apply_lines(self.with_op_results(self._body_lines(resp, decoder),
                                                            sent),
                                       portal_id, skip_applied=False)
            except PortalFailure as exc:
                raise portal_failure(exc) from None
        if end is None:
            # Cut or stalled: a network category (translated by the UI), retried; the op
            # results and pages that arrived completely are kept.
            raise self.cut_error()
        unanswered = sent - self.round_answered
        if unanswered:
            # They stay "sent" and go out again with the same ids (answered "duplicate" if
            # they were applied), so nothing is lost or doubled.
            raise ProtocolError(f"the portal did not answer {len(unanswered)} of the "
                                f"{len(sent)} ops sent")
        return end

    def _refuse(self, resp: requests.Response) -> None:
        err = _json_error(resp)
        streams = [s for s in err.get("streams", []) or []
                   if isinstance(s, str) and s in self.streams and stream_family(s)]
        if resp.status_code == 401:
            raise SyncError(SIGNIN_AGAIN, code="signin_required")
        if resp.status_code in (403, 404, 409) and streams:
            raise _StreamsRefused(streams, resync=resp.status_code == 409)
        raise error_from_response(resp, "community sync")


def sync_community(store: Any, portal_url: str, token: str, *, paths: Paths,
                   session: requests.Session | None = None,
                   progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                   policy: RetryPolicy | None = None, page_bytes: int | None = None,
                   stall_timeout: float = STALL_TIMEOUT, refresh_account: bool = True
                   ) -> SyncResult:
    """Send the outbox and bring the followed community streams up to date.

    Raises SyncError; ``code == "signin_required"`` means the token was revoked (the outbox
    is kept: sign in again as the same user and sync). Whatever was applied stays applied.
    """
    started = time.monotonic()
    run = _CommunityRun(store, portal_url.rstrip("/"), paths, session or new_session(),
                        progress, cancel or CancelToken(), policy or RetryPolicy(), token=token)
    run.page_bytes = page_bytes
    run.stall_timeout = stall_timeout
    run.phase = "community"
    try:
        if refresh_account:
            info = with_retries(lambda: me(run.url, token, session=run.session),
                                policy=run.policy, cancel=run.cancel, on_wait=run.on_wait)
            run.result.round_trips += 1
            streams = [s for s in info["streams"] if isinstance(s, str) and stream_family(s)]
            run.result.changes = run.result.changes | store.set_community_user(
                info["user"], streams)
        portal_id = store.portal_id()
        if portal_id is None:
            from desktop.sync.engine import hello

            portal_id = hello(run.url, session=run.session)["portal_id"]
            store.set_portal_id(portal_id)
        run.follow_community(portal_id)
    except (ProtocolError, StoreError, sqlite3.Error, OSError) as exc:
        raise local_error(exc, paths) from None
    finally:
        run.result.bytes_wire = run.meter.bytes
        run.result.seconds = time.monotonic() - started
    run.result.changes = run.result.changes | Changes(sync_state=True)
    run.phase = "done"
    run.report()
    return run.result
