"""Sync through a lab hub: the catalog and files from the LAN, the rest from the portal.

A hub (desktop/hub) serves the public catalog and files of a replica that mirrors the same
portal. The client takes from it whatever the hub has beyond the client's cursor, then asks
the portal for the tail (a hub may be behind the portal) and for everything personal.
When the hub goes away mid-sync, the pages already applied stay (each with its cursor) and
the portal continues from that cursor: no gap, no duplicate. Files come from the hub when
it has them, else from the portal; a partial file from the hub is resumed from the portal.

    report = sync_with_hub(store, portal_url, paths=paths, hub="auto", files=True)
    report.result            # the combined SyncResult
    report.portal_bytes      # what crossed the uplink
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from desktop.paths import Paths
from desktop.store.errors import StoreError
from desktop.store.types import Changes, DownloadItem
from desktop.sync.discovery import find_hub, hub_hello, same_portal, save_cached_hub
from desktop.sync.downloads import Downloader
from desktop.sync.engine import (
    ProgressFn,
    SyncProgress,
    SyncResult,
    _Run,
    hello,
    local_error,
    sync_catalog,
    sync_here,
)
from desktop.sync.http import (
    STALL_TIMEOUT,
    CancelToken,
    InsufficientSpace,
    RetryPolicy,
    SyncCancelled,
    SyncError,
    new_session,
)
from protocol.wire import CATALOG_STREAM, ProtocolError

# The LAN is fast and the portal is the fallback: give up on a hub quickly.
HUB_POLICY = RetryPolicy(attempts=2, base_delay=0.3, max_delay=1.0)
HUB_STALL_TIMEOUT = 10.0
# A hub that vanished (rather than lacking one file) is not asked again in this sync.
HUB_GONE_CODES = frozenset({"unreachable", "stalled", "cut", "network", "server_error", "busy"})


@dataclass
class HubSyncReport:
    result: SyncResult
    hub_url: str | None = None
    hub_records: int = 0
    hub_bytes: int = 0  # catalog bytes from the hub (LAN)
    portal_bytes: int = 0  # catalog bytes from the portal (uplink)
    hub_file_bytes: int = 0
    portal_file_bytes: int = 0
    fell_back: str = ""  # why the hub was left mid-sync, in plain words ("" if it was not)
    portal_unreachable: str = ""  # the portal could not be reached after the hub (offline lab)
    notes: list[str] = field(default_factory=list)


class HubFirstDownloader(Downloader):
    """The download queue, each file fetched from the hub first and the portal otherwise."""

    def __init__(self, store: Any, portal_url: str, hub_url: str | None, files_dir: Path,
                 **kw: Any) -> None:
        super().__init__(store, portal_url, files_dir, **kw)
        self.portal_url = self.url
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        self.hub_bytes = 0
        self.portal_bytes = 0
        self.portal_stall = self.stall_timeout

    def _fetch(self, item: DownloadItem, part: Path) -> None:
        if self.hub_url is not None:
            self.url, self.stall_timeout = self.hub_url, HUB_STALL_TIMEOUT
            before = self.bytes_wire
            try:
                super()._fetch(item, part)
                return
            except (SyncCancelled, InsufficientSpace):
                raise
            except SyncError as exc:
                if exc.code in HUB_GONE_CODES:
                    self.hub_url = None
                # else (a 404: the hub lacks this file) the portal sends this one only
            finally:
                self.hub_bytes += self.bytes_wire - before
                self.url, self.stall_timeout = self.portal_url, self.portal_stall
        before = self.bytes_wire
        try:
            super()._fetch(item, part)
        finally:
            self.portal_bytes += self.bytes_wire - before


def _portal_identity(portal_url: str, session: requests.Session) -> str | None:
    try:
        return hello(portal_url, session=session, timeout=10.0)["portal_id"]
    except SyncError:
        return None


def choose_hub(store: Any, portal_url: str, paths: Paths, hub: str | None, *,
               session: requests.Session, interfaces: Sequence[str] | None = None,
               browse_timeout: float | None = None) -> tuple[str, dict[str, Any]] | None:
    """``(hub url, its hello)`` for a hub that mirrors this portal, or None.

    ``hub``: ``"auto"`` discovers one (zeroconf, with the cached last hub first), a URL uses
    that hub, None uses none.
    """
    if hub is None:
        return None
    portal_id = store.portal_id()
    if hub != "auto":
        if portal_id is None:
            portal_id = _portal_identity(portal_url, session)
        url = hub.rstrip("/")
        info = hub_hello(url, session=session)
        if info is None:
            return None
        if portal_id is not None:
            ok = info["portal_id"] == portal_id
        else:
            ok = same_portal(str(info["hub"].get("portal_url") or ""), portal_url)
        return (url, info) if ok else None
    kw: dict[str, Any] = {}
    if browse_timeout is not None:
        kw["browse_timeout"] = browse_timeout
    found = find_hub(paths.data, portal_id=portal_id, portal_url=portal_url,
                     interfaces=interfaces, session=session, **kw)
    if found is None:
        return None
    hub_info, info = found
    if portal_id is None:
        # Matched by the portal address it advertises: confirm with the portal when it
        # answers (an offline lab trusts the address).
        actual = _portal_identity(portal_url, session)
        if actual is not None and actual != info["portal_id"]:
            return None
    return hub_info.url, info


def _catalog_from_hub(store: Any, hub_url: str, info: dict[str, Any], paths: Paths,
                      session: requests.Session, progress: ProgressFn | None,
                      cancel: CancelToken, report: HubSyncReport, page_bytes: int | None
                      ) -> SyncResult | None:
    """Apply what the hub has beyond our cursor. Hub trouble ends this quietly (recorded in
    ``report.fell_back``); local trouble (disk, database) is raised."""
    portal_id = info["portal_id"]
    stored = store.portal_id()
    if stored not in (None, portal_id):
        return None
    try:
        head = int(info["streams"][CATALOG_STREAM]["head"])
        horizon = int(info["streams"][CATALOG_STREAM]["horizon"])
    except (KeyError, TypeError, ValueError):
        return None
    cursor = store.cursor(CATALOG_STREAM)
    if head <= cursor or 0 < cursor < horizon:
        return None  # nothing new there, or the hub's log does not reach back to us
    run = _Run(store, hub_url, paths, session, progress, cancel, HUB_POLICY)
    run.use_snapshot = False
    run.page_bytes = page_bytes
    run.stall_timeout = HUB_STALL_TIMEOUT
    if cursor == 0:
        # Started from the hub's log: complete from the hub's horizon on (it may serve too).
        store.set_serving_horizon(portal_id, horizon)
    try:
        run.follow_changes(portal_id)
    except SyncCancelled:
        raise
    except SyncError as exc:
        report.fell_back = str(exc)
    except ProtocolError as exc:
        report.fell_back = f"the hub sent data this Okno cannot accept: {exc}"
    return run.result


def _merge(a: SyncResult, b: SyncResult) -> SyncResult:
    merged = SyncResult(records=a.records + b.records, bytes_wire=a.bytes_wire + b.bytes_wire,
                        round_trips=a.round_trips + b.round_trips,
                        changes=a.changes | b.changes, seconds=a.seconds + b.seconds,
                        snapshot_used=a.snapshot_used or b.snapshot_used,
                        pages=a.pages + b.pages)
    for name in ("note", "note_code"):  # the lab's shared-library notes, when present
        if hasattr(merged, name):
            setattr(merged, name, getattr(b, name, "") or getattr(a, name, ""))
    return merged


def sync_with_hub(store: Any, portal_url: str, *, paths: Paths, hub: str | None = "auto",
                  session: requests.Session | None = None, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None, files: bool = False,
                  policy: RetryPolicy | None = None, rate_limit_bps: int | None = None,
                  use_snapshot: bool = True, page_bytes: int | None = None,
                  stall_timeout: float = STALL_TIMEOUT,
                  interfaces: Sequence[str] | None = None,
                  browse_timeout: float | None = None,
                  all_files: bool = False, library_locked: bool = False) -> HubSyncReport:
    """Like :func:`sync_catalog`, with a lab hub preferred for the catalog and files.

    Raises what ``sync_catalog`` raises when the portal is needed and fails; a lab that
    filled completely from its hub while the uplink is down is not an error
    (``report.portal_unreachable`` says so).
    """
    started = time.monotonic()
    session = session or new_session()
    cancel = cancel or CancelToken()
    try:
        paths.ensure()
    except OSError:
        pass  # sync_catalog reports it in plain words
    report = HubSyncReport(SyncResult())
    chosen: tuple[str, dict[str, Any]] | None = None

    def catalog_part() -> SyncResult:
        nonlocal chosen
        try:
            chosen = choose_hub(store, portal_url, paths, hub, session=session,
                                interfaces=interfaces, browse_timeout=browse_timeout)
            if chosen is not None:
                report.hub_url = chosen[0]
                if progress:
                    progress(SyncProgress("changes", 0, 0, None,
                                          f"Using the lab hub {chosen[0]}"))
                got = _catalog_from_hub(store, chosen[0], chosen[1], paths, session, progress,
                                        cancel, report, page_bytes)
                if got is not None:
                    report.result = got
                    report.hub_records = got.records
                    report.hub_bytes = got.bytes_wire
                if report.fell_back and hub == "auto":
                    save_cached_hub(paths.data, None)
        except (StoreError, sqlite3.Error, OSError) as exc:
            raise local_error(exc, paths) from None
        hub_filled = report.hub_records > 0 and not report.fell_back
        try:
            tail = sync_here(store, portal_url, paths=paths, session=session,
                             progress=progress, cancel=cancel, files=False, policy=policy,
                             use_snapshot=use_snapshot, page_bytes=page_bytes,
                             stall_timeout=stall_timeout)
        except SyncCancelled:
            raise
        except SyncError as exc:
            if not (hub_filled and exc.code in ("unreachable", "stalled", "network", "busy")):
                raise
            report.portal_unreachable = str(exc)
            tail = SyncResult()
        report.portal_bytes = tail.bytes_wire
        report.result = _merge(report.result, tail)
        return report.result

    if getattr(store, "library", None) is None:
        catalog_part()
    else:
        # A lab's shared catalog: one process updates it at a time (desktop/sync/shared.py).
        from desktop.sync.shared import shared_catalog_sync

        held = shared_catalog_sync(store, paths, catalog_part, locked=library_locked)
        if getattr(held, "note", ""):
            report.result = held
    if all_files:
        try:
            store.queue_all_files()
        except (StoreError, sqlite3.Error) as exc:
            raise local_error(exc, paths) from None
    if files or all_files:
        dl = HubFirstDownloader(store, portal_url, chosen[0] if chosen else None, paths.files,
                                session=session, cancel=cancel, rate_limit_bps=rate_limit_bps,
                                policy=policy, stall_timeout=stall_timeout)
        try:
            changes: Changes = dl.run()
        except (StoreError, sqlite3.Error) as exc:
            raise local_error(exc, paths) from None
        report.result.changes = report.result.changes | changes
        report.hub_file_bytes, report.portal_file_bytes = dl.hub_bytes, dl.portal_bytes
    report.result.seconds = time.monotonic() - started
    return report


def sync_catalog_preferring_hub(store: Any, portal_url: str, *, paths: Paths, use_hubs: bool,
                                progress: ProgressFn | None = None,
                                cancel: CancelToken | None = None) -> tuple[SyncResult, str | None]:
    """The application's catalog sync: through a discovered lab hub when ``use_hubs`` (and
    ``$OKNO_LAB_HUBS`` does not say off), else the portal alone. Returns the result and the
    hub used (for the file downloads that follow), or None."""
    from desktop.sync.discovery import hubs_allowed

    if not hubs_allowed(use_hubs):
        return sync_catalog(store, portal_url, paths=paths, progress=progress, cancel=cancel,
                            files=False), None
    report = sync_with_hub(store, portal_url, paths=paths, hub="auto", progress=progress,
                           cancel=cancel, files=False)
    return report.result, (report.hub_url if not report.fell_back else None)
