"""Runs the persistent download queue in the background; pause, resume, cancel, retry.

One ``Downloader`` at a time, on the DOWNLOADS lane (its own Store connection). Changing a
file's state while it is being fetched stops the downloader first (a ``.part`` resumes with
Range, so stopping costs nothing), applies the change on the writer, then starts again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.store.types import Changes
from desktop.sync.http import CancelToken
from desktop.ui.context import AppContext
from desktop.ui.tasks import Lane

POLL_MS = 250


class DownloadController(QObject):
    progress = Signal(object)  # dict sha256 -> DownloadProgress
    running_changed = Signal(bool)
    problem = Signal(str)  # a message for the user ("" clears it)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._cancel: CancelToken | None = None
        self._restart = False
        self._after_stop: list[Callable[[Any], Changes | None]] = []
        self._latest: dict[str, Any] = {}
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._flush_progress)
        self._rate: int | None = ctx.settings.rate_limit_bps
        ctx.hub.settings_changed.connect(self._settings_changed)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    # -- public actions -------------------------------------------------------------------
    def start(self) -> None:
        """Work through the queue (again, if it is running now: new items are picked up)."""
        if self.running:
            self._restart = True
            return
        url = self.ctx.portal_url
        if not url:
            self.problem.emit(self.tr("No portal is set, so files cannot be downloaded. "
                                      "Connect to a portal in Settings."))
            return
        from desktop.sync.downloads import Downloader

        token = CancelToken()
        self._cancel = token
        self._restart = False
        self.problem.emit("")
        paths = self.ctx.paths
        rate = self._rate = self.ctx.settings.rate_limit_bps
        latest = self._latest

        def record(p: Any) -> None:  # on the downloads thread: only remember the latest
            latest[p.sha256] = p

        hub_url = getattr(self, "lab_hub_url", None)

        def work(store: Any) -> Changes:
            if hub_url:  # the last sync found a lab hub: files from it, else the portal
                from desktop.sync.hubsync import HubFirstDownloader

                return HubFirstDownloader(store, url, hub_url, paths.files, rate_limit_bps=rate,
                                          progress=record, cancel=token).run()
            return Downloader(store, url, paths.files, rate_limit_bps=rate, progress=record,
                              cancel=token).run()

        self._poll.start()
        self.running_changed.emit(True)
        self.ctx.tasks.op(work, Lane.DOWNLOADS).success(self._finished) \
            .failure(self._failed).finally_(self._stopped).run()

    def stop(self, then: Callable[[], None] | None = None) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            if then is not None:
                self._after_stop.append(lambda _store: then())
        elif then is not None:
            then()

    def pause(self, shas: list[str]) -> None:
        self._change(lambda s: _merge(s.update_download(h, state="paused") for h in shas))

    def resume(self, shas: list[str]) -> None:
        self._change(lambda s: _merge(s.update_download(h, state="queued") for h in shas),
                     start=True)

    def retry(self, shas: list[str]) -> None:
        self._change(lambda s: _merge(s.update_download(h, state="queued", error="")
                                      for h in shas), start=True)

    def cancel(self, shas: list[str]) -> None:
        self._change(lambda s: _merge(s.cancel_download(h) for h in shas))

    def enqueue_resource(self, resource_id: str, on_done: Callable[[Changes], None] | None = None
                         ) -> None:
        """Queue a resource's files after checking they fit on the disk, then start."""
        files_dir = self.ctx.paths.files

        def work(store: Any) -> Changes:
            from desktop.sync.downloads import check_free_space

            res = store.get_resource(resource_id) or {}
            needed = sum(int(f.get("size") or 0) for f in res.get("files", [])
                         if not f.get("downloaded") and f.get("state") != "done")
            check_free_space(files_dir, needed)
            return store.enqueue_resource_files(resource_id) or Changes(downloads=True)

        def ok(changes: Changes) -> None:
            self.ctx.hub.publish(changes | Changes(downloads=True))
            self.start()
            if on_done is not None:
                on_done(changes)

        def failed(exc: BaseException) -> None:
            from desktop.ui.tasks import describe_error

            self.problem.emit(describe_error(exc))
            self.ctx.tasks.error_handler(None, exc)

        self.ctx.tasks.op(work).success(ok).failure(failed).run()

    # -- internals ------------------------------------------------------------------------
    def _settings_changed(self) -> None:
        """A new speed cap applies at once: restart the transfer (it resumes by Range)."""
        if self.running and self.ctx.settings.rate_limit_bps != self._rate:
            self._restart = True
            self.stop()

    def _change(self, fn: Callable[[Any], Changes | None], start: bool = False) -> None:
        def apply() -> None:
            def done(changes: Changes | None) -> None:
                self.ctx.hub.publish((changes or Changes()) | Changes(downloads=True))
                if start or was_running:
                    self.start()

            self.ctx.tasks.op(fn).success(done).run()

        was_running = self.running
        self.stop(apply)

    def _flush_progress(self) -> None:
        if self._latest:
            batch = dict(self._latest)
            self._latest.clear()
            self.progress.emit(batch)

    def _finished(self, changes: Changes) -> None:
        self.ctx.hub.publish(changes | Changes(downloads=True))

    def _failed(self, exc: BaseException) -> None:
        from desktop.ui.tasks import describe_error

        self.problem.emit(describe_error(exc))
        self.ctx.hub.publish(Changes(downloads=True))

    def _stopped(self) -> None:
        self._flush_progress()
        self._cancel = None
        self._poll.stop()
        self.running_changed.emit(False)
        pending, self._after_stop = self._after_stop, []
        for fn in pending:
            fn(None)
        if self._restart and not pending:
            self.start()


def _merge(items: Any) -> Changes:
    out = Changes(downloads=True)
    for c in items:
        if isinstance(c, Changes):
            out = out | c
    return out
