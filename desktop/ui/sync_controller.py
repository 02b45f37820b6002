"""Sync in the background: now, on cancel, on an interval, inside a time window.

The sync runs on the DB lane (it writes the store). Progress is a snapshot the worker
overwrites and a 150 ms timer reads (Anki's sync.py), so a fast sync never floods the GUI.
Files are not fetched inside the sync: after it, the one DownloadController takes the queue
(unless the connection is metered), so two downloaders never touch the same file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.store.types import Changes, SyncRecord
from desktop.sync.http import CancelToken, SyncCancelled, SyncError
from desktop.ui.context import AppContext
from desktop.ui.downloads import DownloadController
from desktop.ui.settings import in_window
from desktop.ui.tasks import Lane, describe_error

AUTO_CHECK_MS = 30_000
ONLINE_CHECK_MS = 60_000


@dataclass(slots=True)
class FullSyncResult:
    """The catalog's SyncResult plus the community's; ``community_error`` when only the
    community part failed (the catalog's changes are kept and shown)."""

    records: int = 0
    bytes_wire: int = 0
    round_trips: int = 0
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0
    snapshot_used: bool = False
    pages: int = 0
    community: bool = False  # the community was synchronised (someone is signed in)
    community_error: BaseException | None = None
    note_code: str = ""  # a lab's shared library was not synced: see desktop/sync/shared.py


def sync_community_after(store: Any, url: str, paths: Any, catalog: Any, progress: Any,
                         cancel: CancelToken) -> FullSyncResult:
    """Run on the DB lane after the catalog sync, as ``okno sync`` does; only when signed in.
    A community failure (e.g. a revoked token) keeps the catalog's result and the outbox."""
    from desktop.sync.community import sync_community
    from desktop.sync.credentials import load_token
    from desktop.sync.http import SyncError

    out = FullSyncResult(catalog.records, catalog.bytes_wire, catalog.round_trips,
                         catalog.changes, catalog.seconds, catalog.snapshot_used, catalog.pages,
                         note_code=getattr(catalog, "note_code", ""))
    token = load_token(paths.data, url)
    from desktop.bundle.keys import after_sync as bundle_keys

    try:  # learn the portal's bundle key; register this computer's (best effort)
        bundle_keys(paths, url, token if store.community_user() is not None else None)
    except OSError:
        pass
    if token is None or store.community_user() is None:
        return out
    out.community = True
    try:
        extra = sync_community(store, url, token, paths=paths, progress=progress,
                               cancel=cancel)
    except SyncCancelled:
        raise
    except SyncError as exc:
        out.community_error = exc
        out.changes = out.changes | Changes(outbox=True)
        return out
    out.records += extra.records
    out.bytes_wire += extra.bytes_wire
    out.round_trips += extra.round_trips
    out.seconds += extra.seconds
    out.changes = out.changes | extra.changes
    return out


def _error_fields(exc: BaseException | None) -> dict[str, Any]:
    """A SyncError's category for the history row, so it reads in the user's language later."""
    if isinstance(exc, SyncError):
        return {"error_code": exc.code, "error_params": dict(exc.params)}
    return {}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SyncController(QObject):
    started = Signal()
    progressed = Signal(object)  # SyncProgress
    finished = Signal(object, object)  # SyncResult | None, error message | None

    def __init__(self, ctx: AppContext, downloads: DownloadController,
                 parent: QObject | None = None,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.downloads = downloads
        self.clock = clock
        self._cancel: CancelToken | None = None
        self._latest: Any = None
        self.started_at = 0.0
        self.last_error: str | None = None
        self.last_result: Any = None
        self._poll = QTimer(self, interval=150)
        self._poll.timeout.connect(self._flush)
        self.auto_timer = QTimer(self, interval=AUTO_CHECK_MS)
        self.auto_timer.timeout.connect(self.auto_tick)
        self.online_timer = QTimer(self, interval=ONLINE_CHECK_MS)
        self.online_timer.timeout.connect(self.check_online)
        self._checking = False

    @property
    def is_syncing(self) -> bool:
        return self._cancel is not None

    def start_timers(self) -> None:
        self.auto_timer.start()
        self.online_timer.start()
        self.check_online()

    def stop_timers(self) -> None:
        self.auto_timer.stop()
        self.online_timer.stop()

    # -- sync -----------------------------------------------------------------------------
    def start(self) -> bool:
        """Start a sync now; False if one is running or no portal is set."""
        if self.is_syncing:
            return False
        url = self.ctx.portal_url
        if not url:
            self.last_error = self.tr("No portal is set. Enter the portal address in Settings "
                                      "to synchronise the library.")
            self.finished.emit(None, self.last_error)
            return False
        from desktop.sync.hubsync import sync_catalog_preferring_hub

        use_hubs = self.ctx.settings.use_lab_hubs
        lab_hub: list[str | None] = [None]  # the hub the catalog came from, for the files
        self._lab_hub = lab_hub
        token = CancelToken()
        self._cancel = token
        self._latest = None
        self.started_at = time.monotonic()
        paths = self.ctx.paths
        holder = self

        def progress(p: Any) -> None:  # on the DB thread
            holder._latest = p

        cancelled_text = self.tr("Cancelled by the user; everything received so far is kept.")

        def work(store: Any) -> Any:
            started = _now_iso()
            try:
                result, lab_hub[0] = sync_catalog_preferring_hub(
                    store, url, paths=paths, use_hubs=use_hubs, progress=progress,
                    cancel=token)
                result = sync_community_after(store, url, paths, result, progress, token)
            except SyncCancelled:
                store.record_sync(SyncRecord(started, _now_iso(), False,
                                             message=cancelled_text))
                raise
            except Exception as exc:
                store.record_sync(SyncRecord(started, _now_iso(), False,
                                             message=describe_error(exc),
                                             **_error_fields(exc)))
                raise
            community_error = getattr(result, "community_error", None)
            message = describe_error(community_error) if community_error else ""
            store.record_sync(SyncRecord(
                started, _now_iso(), community_error is None, result.records,
                result.bytes_wire, result.round_trips, message,
                {"snapshot": result.snapshot_used, "pages": result.pages},
                **_error_fields(community_error)))
            return result

        self._poll.start()
        self.started.emit()
        self.ctx.tasks.op(work, Lane.DB).success(self._succeeded).failure(self._failed) \
            .finally_(self._done).run()
        return True

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def _flush(self) -> None:
        if self._latest is not None:
            self.progressed.emit(self._latest)

    def _succeeded(self, result: Any) -> None:
        community_error = getattr(result, "community_error", None)
        self.last_error = describe_error(community_error) if community_error else None
        self.last_result = result
        self.downloads.lab_hub_url = getattr(self, "_lab_hub", [None])[0]
        self.ctx.hub.publish(result.changes | Changes(sync_state=True))
        self._set_online(True)
        if not self.ctx.settings.metered and self.ctx.reader.download_queue(["queued"]):
            self.downloads.start()
        self.finished.emit(result, self.last_error)

    def _failed(self, exc: BaseException) -> None:
        self.last_error = describe_error(exc)
        self.finished.emit(None, self.last_error)
        self.check_online()  # a failed sync often means the link went down

    def _done(self) -> None:
        self._flush()
        self._poll.stop()
        was_cancelled = self._cancel is not None and self._cancel.cancelled
        self._cancel = None
        self.ctx.hub.publish(Changes(sync_state=True))
        if was_cancelled:
            self.last_error = self.tr("The sync was cancelled.")
            self.finished.emit(None, self.last_error)

    # -- automatic sync and the online indicator --------------------------------------------
    def due(self) -> bool:
        """Whether an automatic sync should run now (interval elapsed, inside the window)."""
        s = self.ctx.settings
        if s.sync_interval_min <= 0 or not self.ctx.portal_url or self.is_syncing:
            return False
        now = self.clock()
        if s.sync_window_enabled and not in_window(now.strftime("%H:%M"), s.sync_window_start,
                                                   s.sync_window_end):
            return False
        last = self.ctx.reader.last_sync()
        if last is None:
            return True
        try:
            finished = datetime.fromisoformat(str(last.finished))
        except ValueError:
            return True
        if finished.tzinfo is not None:
            finished = finished.astimezone().replace(tzinfo=None)
        return (now - finished).total_seconds() >= s.sync_interval_min * 60

    def auto_tick(self) -> None:
        if not self.due():
            return
        # Only when the portal answers: an unreachable portal is the normal case, not an error.
        self.check_online(then=lambda online: self.start() if online and self.due() else None)

    def check_online(self, then: Callable[[bool], Any] | None = None) -> None:
        url = self.ctx.portal_url
        if not url or self._checking:
            if not url:
                self._set_online(False)
            return
        from desktop.sync.engine import hello

        self._checking = True

        def done(online: bool) -> None:
            self._checking = False
            self._set_online(online)
            if then is not None:
                then(online)

        def work() -> bool:
            try:
                hello(url, timeout=5)
            except Exception:  # noqa: BLE001 - unreachable is an answer, not a failure
                return False
            return True

        self.ctx.tasks.op(work, Lane.NET).success(done).run()

    def _set_online(self, online: bool) -> None:
        if online != self.ctx.online:
            self.ctx.online = online
        self.ctx.hub.online_changed.emit(online)
