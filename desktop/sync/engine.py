"""Catalog sync: first from the portal's snapshot, then by following the change log.

Every page is applied together with its cursor in one local transaction, so an interruption
anywhere costs at most the page that was in flight. Runs on the thread that owns the Store.

    result = sync_catalog(store, "http://127.0.0.1:8765", paths=paths)
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from desktop.paths import Paths
from desktop.store.errors import StoreError, StoreFull
from desktop.store.types import Changes
from desktop.sync.downloads import check_free_space, sha256_file
from desktop.sync.http import (
    CONNECT_TIMEOUT,
    STALL_TIMEOUT,
    CancelToken,
    InsufficientSpace,
    RetryPolicy,
    SyncCancelled,
    SyncError,
    check_content_range,
    disk_error,
    error_from_response,
    iter_raw,
    network_error,
    new_session,
    stream_error,
    with_retries,
)
from protocol.compression import StreamDecompressor
from protocol.wire import (
    API_PREFIX,
    CATALOG_STREAM,
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    End,
    OpResult,
    PageEnd,
    PortalFailure,
    ProtocolError,
    Rec,
    Tombstone,
    parse_line,
)

__all__ = [
    "CancelToken", "InsufficientSpace", "SyncCancelled", "SyncError", "SyncProgress",
    "SyncResult", "hello", "sync_catalog",
]

CHUNK = 64 * 1024
PORTAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
# Snapshot pages (a local file) are applied ~this many records per transaction: fewer
# commits and search-index flushes, same resumability.
LOCAL_MERGE_RECORDS = 2000
MAX_ROUNDS = 10_000  # "more" loops are bounded even against a portal that never says done


@dataclass(slots=True)
class SyncProgress:
    phase: str  # hello | snapshot | changes | files | done | waiting
    records: int = 0
    bytes_wire: int = 0
    total_records: int | None = None
    message: str = ""


@dataclass(slots=True)
class SyncResult:
    records: int = 0
    bytes_wire: int = 0
    round_trips: int = 0
    changes: Changes = Changes()
    seconds: float = 0.0
    snapshot_used: bool = False
    pages: int = 0
    # Set when a lab's shared catalog was not synced (read-only for this user, or another
    # process was syncing it); note_code ("library_read_only" | "library_busy") for the UI.
    note: str = ""
    note_code: str = ""


ProgressFn = Callable[[SyncProgress], None]


def _header_bytes(headers: Any) -> int:
    return 16 + sum(len(k) + len(v) + 4 for k, v in headers.items())


def hello(portal_url: str, *, session: requests.Session | None = None,
          timeout: float = 10.0) -> dict[str, Any]:
    """Ask the portal who it is. Raises SyncError in plain words when it cannot be reached."""
    session = session or new_session()
    url = f"{portal_url}{API_PREFIX}/hello"
    try:
        resp = session.get(url, timeout=(min(timeout, CONNECT_TIMEOUT), timeout))
    except requests.RequestException as exc:
        raise network_error(exc, portal_url) from None
    if resp.status_code != 200:
        raise error_from_response(resp, "hello")
    try:
        info = resp.json()
    except (ValueError, RecursionError):
        raise SyncError("The portal's greeting is not valid JSON: is this an Okno portal?",
                        code="not_portal") from None
    if not isinstance(info, dict) or not isinstance(info.get("protocol"), int):
        raise SyncError("The address answers, but not as an Okno portal.", code="not_portal")
    if info["protocol"] != PROTOCOL_VERSION:
        raise SyncError(f"The portal speaks protocol version {info['protocol']}, this Okno "
                        f"speaks {PROTOCOL_VERSION}. Update Okno or the portal.",
                        code="version")
    pid = info.get("portal_id")
    if not isinstance(pid, str) or not PORTAL_ID_RE.match(pid):
        raise SyncError("The portal's greeting has no valid portal id.", code="not_portal")
    return info


class _Meter:
    """Counts bytes on the wire and round trips for one sync."""

    def __init__(self) -> None:
        self.bytes = 0
        self.round_trips = 0


class _Run:
    def __init__(self, store: Any, portal_url: str, paths: Paths,
                 session: requests.Session, progress: ProgressFn | None,
                 cancel: CancelToken, policy: RetryPolicy) -> None:
        self.store = store
        self.url = portal_url
        self.paths = paths
        self.session = session
        self.progress_fn = progress
        self.cancel = cancel
        self.policy = policy
        self.meter = _Meter()
        self.result = SyncResult()
        self.total: int | None = None
        self.phase = "changes"
        self.use_snapshot = True
        self.page_bytes: int | None = None
        self.stall_timeout = STALL_TIMEOUT
        self.cut_reason: SyncError | None = None
        self.streams = frozenset({CATALOG_STREAM})  # the streams this sync asks for

    # -- progress ---------------------------------------------------------------------
    def report(self, message: str = "") -> None:
        if self.progress_fn:
            self.progress_fn(SyncProgress(self.phase, self.result.records, self.meter.bytes,
                                          self.total, message))

    def on_wait(self, why: str, seconds: float) -> None:
        if self.progress_fn:
            self.progress_fn(SyncProgress("waiting", self.result.records, self.meter.bytes,
                                          self.total, f"{why} Retrying in {seconds:.0f} s."))

    # -- applying ---------------------------------------------------------------------
    def apply_lines(self, lines: Iterable[bytes], portal_id: str, *,
                    skip_applied: bool, merge_records: int = 0) -> End | None:
        """Parse lines; apply each page with its cursor. Returns the End line, or None if
        the stream stopped before it (a cut connection).

        ``merge_records`` (local files only: snapshots, sample) applies consecutive pages
        together in transactions of about that many records; the cursor stored is still a
        page's own, so an interrupted import resumes exactly. Network pages are never merged:
        a cut must cost at most one page.
        """
        items: list[Rec | Tombstone] = []
        pending: list[Rec | Tombstone] = []
        pending_page: PageEnd | None = None

        def flush() -> None:
            nonlocal pending, pending_page
            if pending_page is not None:
                merged = PageEnd(pending_page.stream, pending_page.cursor, len(pending))
                self.apply_page(merged, pending, portal_id, skip_applied=skip_applied)
            pending, pending_page = [], None

        for raw in lines:
            if not raw.strip():
                continue
            line = parse_line(raw)
            if isinstance(line, Rec | Tombstone | PageEnd) and line.stream not in self.streams:
                # A known stream, but not one this sync asked for (say another association's
                # forum): never store what the user did not subscribe to.
                raise ProtocolError(f"the portal sent data of the stream {line.stream!r:.60}, "
                                    "which this sync did not ask for")
            if isinstance(line, Rec | Tombstone):
                items.append(line)
            elif isinstance(line, PageEnd):
                if line.count != len(items):
                    raise ProtocolError(f"a page announced {line.count} records but carried "
                                        f"{len(items)}")
                if merge_records:
                    if pending_page is not None and pending_page.stream != line.stream:
                        flush()
                    pending.extend(items)
                    pending_page = line
                    if len(pending) >= merge_records:
                        flush()
                else:
                    self.apply_page(line, items, portal_id, skip_applied=skip_applied)
                items = []
                self.cancel.check()
            elif isinstance(line, OpResult):
                # Op results come first, and only in a community sync that sent ops (which
                # takes them off the stream before this point): anywhere else they are refused.
                raise ProtocolError("an op result arrived among the changes")
            elif isinstance(line, End):
                if items:
                    raise ProtocolError("records arrived after the last page ended")
                flush()
                self.store_end_cursors(line, portal_id, skip_applied=skip_applied)
                return line
        flush()
        return None

    def store_end_cursors(self, end: End, portal_id: str, *, skip_applied: bool) -> None:
        """Store the ``end`` line's cursors. One may be above the stream's last page (the
        newest changes were tombstones since purged, or entities changed again after the
        portal read its heads): nothing lies between, and docs/protocol.md says to store it.
        Without this the replica would ask again from the lower cursor forever, and after a
        purge that cursor is below the horizon (a resync loop)."""
        for stream, cursor in sorted(end.cursors.items()):
            if stream not in self.streams:
                continue
            current = self.store.cursor(stream)
            if cursor < current and not skip_applied:
                raise ProtocolError(f"the portal's final cursor {cursor} for {stream!r:.60} is "
                                    f"behind the pages it sent ({current})")
            if cursor > current:
                self.result.changes = self.result.changes | self.store.apply_page(
                    stream, [], cursor, portal_id)

    def apply_page(self, page: PageEnd, items: list[Rec | Tombstone], portal_id: str, *,
                   skip_applied: bool) -> None:
        current = self.store.cursor(page.stream)
        if skip_applied:
            # Resuming a local file: what the replica already has is skipped.
            if page.cursor <= current:
                return
            items = [it for it in items if it.seq > current]
        elif page.cursor <= current:
            raise ProtocolError(f"the portal sent cursor {page.cursor}, which is not after "
                                f"the stored cursor {current} (a cursor going backwards)")
        for it in items:
            if it.stream != page.stream or not current < it.seq <= page.cursor:
                raise ProtocolError(f"record {it.id} has seq {it.seq} outside its page "
                                    f"({current}, {page.cursor}]")
        changes = self.store.apply_page(page.stream, items, page.cursor, portal_id)
        self.result.changes = self.result.changes | changes
        self.result.records += len(items)
        self.result.pages += 1
        self.report()

    # -- snapshot ---------------------------------------------------------------------
    def first_sync_from_snapshot(self, info: dict[str, Any]) -> None:
        snap = info.get("snapshot")
        if not isinstance(snap, dict):
            return
        try:
            name = str(snap["url"]).rsplit("/", 1)[-1]
            cursor, size, sha = int(snap["cursor"]), int(snap["size"]), str(snap["sha256"])
            records = int(snap.get("records", 0))
        except (KeyError, TypeError, ValueError):
            raise SyncError("The portal described its snapshot in a form this Okno does not "
                            "understand.", code="bad_data") from None
        if not name or name.startswith(".") or "/" in name or "\\" in name:
            raise SyncError("The portal's snapshot has an unsafe file name.", code="bad_data")
        if 0 < cursor < _portal_horizon(info):
            # Older than the deletions the portal still remembers: following the change log
            # from its cursor would be refused, so start from the beginning of the log.
            return
        self.phase = "snapshot"
        self.total = records
        self.report("Downloading the library snapshot")
        path = self.paths.snapshots / name
        if not path.exists():
            with_retries(lambda: self._download_snapshot(snap["url"], path, size, sha),
                         policy=self.policy, cancel=self.cancel, on_wait=self.on_wait)
        self.report("Applying the library snapshot")
        portal_id = info["portal_id"]
        try:
            end = self.apply_lines(_zstd_file_lines(path), portal_id, skip_applied=True,
                                   merge_records=LOCAL_MERGE_RECORDS)
        except ProtocolError:
            path.unlink(missing_ok=True)  # a corrupt snapshot must not be reused
            raise
        if end is None or end.cursors.get(CATALOG_STREAM, -1) != cursor:
            path.unlink(missing_ok=True)
            raise SyncError("The library snapshot is incomplete. It will be downloaded again.",
                            retryable=True, code="cut")
        path.unlink(missing_ok=True)
        self.result.snapshot_used = True
        self.phase = "changes"
        self.total = None

    def _download_snapshot(self, url_path: str, path: Path, size: int, sha: str) -> None:
        part = path.with_name(path.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        if have > size:
            part.unlink()
            have = 0
        if have < size:
            check_free_space(path.parent, size - have)
        headers = {"Range": f"bytes={have}-", "If-Range": f'"{sha}"'} if have else {}
        if have < size:
            url = f"{self.url}{url_path}" if url_path.startswith("/") else url_path
            try:
                resp = self.session.get(url, headers=headers, stream=True,
                                        timeout=(CONNECT_TIMEOUT, self.stall_timeout))
            except requests.RequestException as exc:
                raise network_error(exc, self.url) from None
            self.meter.round_trips += 1
            self.result.round_trips += 1
            with resp:
                self.meter.bytes += _header_bytes(resp.headers)
                if resp.status_code == 200:
                    have = 0
                elif resp.status_code == 416:
                    part.unlink(missing_ok=True)
                    raise SyncError("The snapshot download could not resume; starting over.",
                                    retryable=True, code="cut")
                elif resp.status_code != 206:
                    raise error_from_response(resp, "snapshot")
                elif not have:
                    raise SyncError("The portal sent part of the snapshot when the whole file "
                                    "was asked for.", retryable=True, code="bad_data")
                else:
                    try:
                        check_content_range(resp.headers.get("Content-Range"), have, size,
                                            "the library snapshot")
                    except SyncError:
                        part.unlink(missing_ok=True)
                        raise
                self._write_body(resp, part, have, size)
        if part.stat().st_size < size:
            raise SyncError("The snapshot download was interrupted.", retryable=True,
                            code="cut")
        if sha256_file(part) != sha:
            part.unlink()
            raise SyncError("The downloaded snapshot is damaged (checksum mismatch); it will "
                            "be downloaded again.", retryable=True, code="bad_data")
        os.replace(part, path)

    def _write_body(self, resp: requests.Response, part: Path, have: int, size: int) -> None:
        """Append the response body to ``part`` from offset ``have``; a read problem is a
        (retryable) network error, a write problem a disk error."""
        try:
            fh = open(part, "r+b" if have else "wb")  # closed by the with below
        except OSError as exc:
            raise disk_error(exc, self.paths.data) from None
        with fh:
            try:
                fh.seek(have)
                fh.truncate()
                chunks = iter_raw(resp, CHUNK)
                while True:
                    try:
                        chunk = next(chunks, None)
                    except requests.RequestException as exc:
                        raise network_error(exc, self.url) from None
                    except Exception as exc:
                        err = stream_error(exc, "the snapshot download")
                        if err is None:
                            raise
                        raise err from None
                    if chunk is None:
                        break
                    if have + len(chunk) > size:
                        part.unlink(missing_ok=True)
                        raise SyncError("The portal sent more snapshot data than announced.",
                                        retryable=True, code="bad_data")
                    fh.write(chunk)
                    have += len(chunk)
                    self.meter.bytes += len(chunk)
                    self.report("Downloading the library snapshot")
                    self.cancel.check()
            except OSError as exc:
                raise disk_error(exc, self.paths.data) from None
            finally:
                try:
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError:
                    pass

    # -- change log -------------------------------------------------------------------
    def follow_changes(self, portal_id: str) -> None:
        for _ in range(MAX_ROUNDS):
            self.cancel.check()
            end = with_retries(lambda: self._one_round(portal_id), policy=self.policy,
                               cancel=self.cancel, on_wait=self.on_wait)
            if not end.more:
                return
        raise SyncError("The portal kept saying there is more; stopping to be safe.",
                        code="bad_data")

    def _one_round(self, portal_id: str) -> End:
        request: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "portal_id": portal_id,
            "cursors": {CATALOG_STREAM: self.store.cursor(CATALOG_STREAM)},
        }
        if self.page_bytes:
            request["page_bytes"] = self.page_bytes
        body = json.dumps(request, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "zstd, gzip"}
        try:
            resp = self.session.post(f"{self.url}{API_PREFIX}/sync", data=body,
                                     headers=headers, stream=True,
                                     timeout=(CONNECT_TIMEOUT, self.stall_timeout))
        except requests.RequestException as exc:
            raise network_error(exc, self.url) from None
        self.meter.round_trips += 1
        self.result.round_trips += 1
        self.meter.bytes += len(body) + 200  # request line + our few headers
        with resp:
            self.meter.bytes += _header_bytes(resp.headers)
            if resp.status_code == 409:
                raise _ResyncNeeded()
            if resp.status_code != 200:
                err = error_from_response(resp, "sync")
                self.meter.bytes += len(resp.content)
                raise err
            try:
                decoder = StreamDecompressor(resp.headers.get("Content-Encoding", "identity"))
            except ValueError as exc:
                raise SyncError(f"The portal answered in an unknown encoding ({exc}).",
                                code="bad_data", params={"detail": str(exc)}) from None
            try:
                end = self.apply_lines(self._body_lines(resp, decoder), portal_id,
                                       skip_applied=False)
            except PortalFailure as exc:
                raise portal_failure(exc) from None
        if end is None:
            raise self.cut_error()
        if end.cursors.get(CATALOG_STREAM, 0) != self.store.cursor(CATALOG_STREAM):
            raise ProtocolError("the portal's final cursor disagrees with the pages it sent")
        return end

    def cut_error(self) -> SyncError:
        """The answer ended before its End line: a cut or a stall (retryable; the pages that
        arrived completely are kept), in the categories the UI translates."""
        why, self.cut_reason = self.cut_reason, None
        if why is not None and why.code == "stalled":
            return SyncError("The connection stalled in the middle of the data; what arrived "
                             "completely is saved and the sync continues from there.",
                             retryable=True, code="stalled")
        return SyncError("The connection was cut in the middle of the data; what arrived "
                         "completely is saved and the sync continues from there.",
                         retryable=True, code="cut")

    def _body_lines(self, resp: requests.Response, decoder: StreamDecompressor
                    ) -> Iterator[bytes]:
        """Complete lines of the body as they arrive. A cut connection (or a stall) ends
        the iteration early; the caller then sees no End line. A trailing piece without its
        newline is the torn end of a truncated response, never a line: it is dropped."""
        buf = b""
        chunks = iter_raw(resp, CHUNK)
        while True:
            try:
                chunk = next(chunks, None)
            except (requests.RequestException, OSError) as exc:
                self.cut_reason = network_error(exc, self.url)
                return
            except Exception as exc:
                err = stream_error(exc, "the transfer of changes")
                if err is None:
                    raise
                self.cut_reason = err
                return
            if chunk is None:
                return
            self.meter.bytes += len(chunk)
            try:
                buf += decoder.decompress(chunk)
            except Exception:
                raise ProtocolError("the portal's compressed data is corrupt") from None
            *lines, buf = buf.split(b"\n")
            if len(buf) > MAX_LINE_BYTES:  # never buffer an endless line from a hostile peer
                raise ProtocolError(f"a line exceeds the {MAX_LINE_BYTES}-byte limit")
            yield from lines

SQLITE_FULL = 13


def portal_failure(exc: PortalFailure) -> SyncError:
    """An in-band ``error`` line: the portal failed after its answer began (retryable)."""
    return SyncError(f"The portal failed while sending changes (it said: "
                     f"{exc.portal_message}); what arrived completely is saved and the sync "
                     "continues from there.", retryable=True, code="portal_failed",
                     params={"message": exc.portal_message})


def database_error(exc: sqlite3.Error, paths: Paths) -> SyncError:
    """A failed write to the local database, in plain words. The transaction was rolled
    back, so the replica is as it was after the last complete page."""
    code = getattr(exc, "sqlite_errorcode", None)
    if (code is not None and code & 0xFF == SQLITE_FULL) or "disk is full" in str(exc):
        return InsufficientSpace(
            f"Not enough disk space: the disk holding the data folder {paths.data} is full. "
            "The library is intact up to the last complete page; free some space and sync "
            "again to continue.")
    return SyncError(f"The local library database could not be written ({exc}). The "
                     "library is intact up to the last complete page.", code="disk",
                     params={"where": str(paths.database), "reason": str(exc)})


def local_error(exc: Exception, paths: Paths) -> SyncError:
    """What sync_catalog and sync_community say when the portal's data or the local disk
    fails them: one translation for both, so the UI sees the same categories."""
    if isinstance(exc, ProtocolError):
        return SyncError(f"The portal sent data this Okno cannot accept: {exc}. Nothing from "
                         "the faulty part was saved.", code="bad_data",
                         params={"detail": str(exc)})
    if isinstance(exc, StoreFull):  # the store's plain word for SQLITE_FULL
        return database_error(exc.__cause__ or sqlite3.OperationalError("disk is full"), paths)
    if isinstance(exc, StoreError):
        return SyncError(f"The local library refused the portal's data: {exc}. Nothing from "
                         "the faulty part was saved.", code="bad_data",
                         params={"detail": str(exc)})
    if isinstance(exc, sqlite3.Error):
        return database_error(exc, paths)
    if isinstance(exc, OSError):
        return disk_error(exc, paths.data)
    raise TypeError(f"not a local failure: {exc!r}")


class _ResyncNeeded(SyncError):
    def __init__(self) -> None:
        super().__init__("The portal asks for a full resync.")


def _zstd_file_lines(path: Path) -> Iterator[bytes]:
    import zstandard

    buf = b""
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh)
        try:
            while chunk := reader.read(CHUNK):
                buf += chunk
                *lines, buf = buf.split(b"\n")
                yield from lines
        except zstandard.ZstdError:
            raise ProtocolError("the snapshot file is corrupt") from None
    if buf.strip():
        yield buf


def sync_catalog(store: Any, portal_url: str, *, paths: Paths, library_locked: bool = False,
                 **options: Any) -> SyncResult:
    """Bring the local catalog up to date with the portal; optionally fetch queued files.

    Takes the options of :func:`sync_here`. With a lab's shared library (``store.library``)
    only one process syncs it at a time and users who may only read it do not sync it:
    then nothing is done and ``SyncResult.note`` says why (desktop/sync/shared.py).
    ``library_locked``: the caller already holds the shared library's sync lock.
    """
    if getattr(store, "library", None) is None:
        return sync_here(store, portal_url, paths=paths, **options)
    from desktop.sync.shared import shared_catalog_sync

    return shared_catalog_sync(
        store, paths, lambda: sync_here(store, portal_url, paths=paths, **options),
        locked=library_locked)


def sync_here(store: Any, portal_url: str, *, paths: Paths,
              session: requests.Session | None = None,
              progress: ProgressFn | None = None, cancel: CancelToken | None = None,
              files: bool = False, policy: RetryPolicy | None = None,
              rate_limit_bps: int | None = None, use_snapshot: bool = True,
              page_bytes: int | None = None,
              stall_timeout: float = STALL_TIMEOUT) -> SyncResult:
    """Bring the local catalog up to date with the portal; optionally fetch queued files.

    Raises SyncError (plain words; ``InsufficientSpace`` for a full disk) or SyncCancelled.
    Whatever was applied stays applied. ``stall_timeout`` is how long a transfer may
    deliver no byte before it counts as stalled and is retried.
    """
    started = time.monotonic()
    try:
        paths.ensure()
    except OSError as exc:
        raise disk_error(exc, paths.data) from None
    run = _Run(store, portal_url.rstrip("/"), paths, session or new_session(), progress,
               cancel or CancelToken(), policy or RetryPolicy())
    run.use_snapshot = use_snapshot
    run.page_bytes = page_bytes
    run.stall_timeout = stall_timeout
    try:
        portal_id = store.portal_id()
        if portal_id is None or store.cursor(CATALOG_STREAM) == 0:
            portal_id = _start_fresh(run)
        try:
            run.follow_changes(portal_id)
        except _ResyncNeeded:
            store.reset_catalog(portal_id)
            run.result.changes = run.result.changes | Changes(catalog=True)
            portal_id = _start_fresh(run)
            run.follow_changes(portal_id)
        _remove_leftover_snapshots(paths)
        if files:
            from desktop.sync.downloads import Downloader

            run.phase = "files"
            run.report("Downloading queued files")
            dl = Downloader(store, run.url, paths.files, session=run.session,
                            cancel=run.cancel, rate_limit_bps=rate_limit_bps,
                            policy=run.policy, stall_timeout=stall_timeout,
                            on_wait=run.on_wait)
            run.result.changes = run.result.changes | dl.run()
    except (ProtocolError, StoreError, sqlite3.Error, OSError) as exc:
        raise local_error(exc, paths) from None
    finally:
        run.result.bytes_wire = run.meter.bytes
        run.result.seconds = time.monotonic() - started
    run.phase = "done"
    run.report()
    return run.result


def _remove_leftover_snapshots(paths: Paths) -> None:
    """A caught-up replica never needs a snapshot again (until a resync): drop the files and
    partial downloads a crash between download and apply may have left behind."""
    try:
        leftovers = [p for p in paths.snapshots.iterdir()
                     if p.is_file() and (p.name.endswith(".ndjson.zst")
                                         or p.name.endswith(".ndjson.zst.part"))]
    except OSError:
        return
    for p in leftovers:
        p.unlink(missing_ok=True)


def apply_snapshot_file(store: Any, path: Path, portal_id: str) -> SyncResult:
    """Apply a snapshot-format file (portal snapshot, sample library) with the sync code.

    Pages already in the replica are skipped, so an interrupted import resumes.
    """
    run = _Run(store, "", Paths(path.parent), new_session(), None, CancelToken(),
               RetryPolicy())
    try:
        end = run.apply_lines(_zstd_file_lines(path), portal_id, skip_applied=True,
                              merge_records=LOCAL_MERGE_RECORDS)
    except ProtocolError as exc:
        raise SyncError(f"The file {path.name} cannot be accepted: {exc}.", code="bad_data",
                        params={"detail": str(exc)}) from None
    if end is None:
        raise SyncError(f"The file {path.name} is truncated.", code="bad_data",
                        params={"detail": f"{path.name}: truncated"})
    if run.result.pages:
        # The file held only live records: deletions before its cursor are unknown here.
        store.set_serving_horizon(portal_id, store.cursor(CATALOG_STREAM))
    return run.result


def _start_fresh(run: _Run) -> str:
    """A replica with no cursor: learn the portal, then load its snapshot if it has one."""
    run.phase = "hello"
    run.report("Connecting to the portal")
    info = with_retries(lambda: hello(run.url, session=run.session), policy=run.policy,
                        cancel=run.cancel, on_wait=run.on_wait)
    run.meter.round_trips += 1
    run.result.round_trips += 1
    run.meter.bytes += 600
    portal_id = info["portal_id"]
    if run.store.portal_id() not in (None, portal_id):
        # Another portal (or a rebuilt one): its seqs mean nothing against ours.
        run.store.reset_catalog(portal_id)
        run.result.changes = run.result.changes | Changes(catalog=True)
    if run.store.cursor(CATALOG_STREAM) == 0:
        horizon = _portal_horizon(info)
        if run.use_snapshot:
            run.first_sync_from_snapshot(info)
            if run.result.snapshot_used:
                horizon = max(horizon, run.store.cursor(CATALOG_STREAM))
        # Where this replica's log begins, should it serve a lab (desktop/hub).
        run.store.set_serving_horizon(portal_id, horizon)
    run.phase = "changes"  # progress must not say "hello" while pages are applied
    return portal_id


def _portal_horizon(info: dict[str, Any]) -> int:
    try:
        value = info["streams"][CATALOG_STREAM]["horizon"]
    except (KeyError, TypeError):
        return 0
    return value if type(value) is int and value >= 0 else 0
