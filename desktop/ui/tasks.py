"""The one way the UI runs work off the GUI thread (Anki's CollectionOp, Picard's run_task).

    Op(tasks, lambda store: store.enqueue_resource_files(rid)).success(refresh).run()

Work goes to a *lane*; each lane is one or more threads, and each store-using thread opens
its own connection, on itself, the first time it needs one, and keeps it:

- ``Lane.DB``: one thread owning the writer ``Store``. Every catalog write and every sync
  runs here, one after another.
- ``Lane.DOWNLOADS``: one thread with its own ``Store`` connection, so a long file transfer
  never holds up the DB lane. Its writes are short transactions on download rows; SQLite
  (WAL, busy timeout) serialises them with the DB lane's.
- ``Lane.SEARCH``: one thread with its own read connection; search never blocks on writes.
- ``Lane.FACETS``: the same for facet counts, which take longer than the search itself and
  must not delay the next keystroke's results.
- ``Lane.NET``: a small pool for network-only work (portal checks); no database.

Callbacks run on the main thread: the worker emits a Qt signal carrying a closure. Failures
default to one error dialog in plain words. Tests pass ``inline=True`` to run everything
synchronously in the calling thread (Picard's FakeThreadPool).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from desktop.sync.http import CancelToken, SyncCancelled, SyncError

T = TypeVar("T")

PROGRESS_DELAY_MS = 600  # fast operations never flash a dialog
PROGRESS_POLL_MS = 150


class Lane(enum.Enum):
    DB = "db"
    DOWNLOADS = "downloads"
    SEARCH = "search"
    FACETS = "facets"
    NET = "net"


Opener = Callable[[], Any]


@dataclass(slots=True)
class Connections:
    """How each lane opens its connection (called on the lane's own thread)."""

    writer: Opener | None = None
    reader: Opener | None = None

    def opener(self, lane: Lane) -> Opener | None:
        if lane in (Lane.DB, Lane.DOWNLOADS):
            return self.writer
        if lane in (Lane.SEARCH, Lane.FACETS):
            return self.reader
        return None


class ProgressHolder:
    """The latest progress a worker reported; the main thread polls it (no signal flood)."""

    def __init__(self) -> None:
        self.text = ""
        self.fraction: float | None = None
        self.value: Any = None

    def set(self, text: str = "", fraction: float | None = None, value: Any = None) -> None:
        self.text, self.fraction, self.value = text, fraction, value


def describe_sync_error(exc: SyncError) -> str:
    """The core's error category in the user's language; the English detail stays only
    where it carries information a person can act on (what the portal said, which data)."""
    q = QCoreApplication
    p = exc.params
    texts = {
        "unreachable": q.translate("SyncErrors", "Cannot reach the portal at {url}. Check the "
                                   "network connection and the portal address."),
        "stalled": q.translate("SyncErrors", "The connection stalled: no data arrived for a "
                               "long time. What arrived is kept; it will be resumed."),
        "cut": q.translate("SyncErrors", "The connection was cut in the middle of a transfer. "
                           "What arrived is kept; it will be resumed."),
        "network": q.translate("SyncErrors", "A network error interrupted the exchange with the "
                               "portal. Try again later."),
        "busy": q.translate("SyncErrors", "The portal is busy and asked to try again later."),
        "server_error": q.translate("SyncErrors", "The portal had an internal error (HTTP "
                                    "{status}). Try again later."),
        "portal_failed": q.translate("SyncErrors", "The portal failed while sending data. What "
                                     "arrived completely is kept; try again later."),
        "not_found": q.translate("SyncErrors", "The portal does not have what was asked for."),
        "refused": q.translate("SyncErrors", "The portal refused the request (HTTP {status})."),
        "signin_required": q.translate("SyncErrors", "The portal asks you to sign in again. "
                                       "Nothing written offline is lost."),
        "disk_full": q.translate("SyncErrors", "Not enough disk space. Free some space or "
                                 "choose another data folder; what was completed is kept."),
        "disk": q.translate("SyncErrors", "Okno could not write its data ({reason})."),
        "bad_data": q.translate("SyncErrors", "The portal sent data Okno cannot accept; nothing "
                                "from the faulty part was saved."),
        "not_portal": q.translate("SyncErrors", "The address answers, but not as an Okno "
                                  "portal. Check the portal address."),
        "version": q.translate("SyncErrors", "The portal speaks a different protocol version. "
                               "Update Okno or the portal."),
        "signin_failed": q.translate("SyncErrors", "Wrong login or password."),
        "cancelled": q.translate("SyncErrors", "Cancelled."),
    }
    text = texts.get(exc.code)
    if text is None:
        return str(exc)
    try:
        text = text.format(**{k: v for k, v in p.items() if k != "detail"})
    except (KeyError, IndexError, ValueError):
        return str(exc)
    detail = p.get("message") or p.get("detail")
    if detail and exc.code in ("refused", "bad_data", "not_found", "server_error",
                               "portal_failed"):
        text += " " + q.translate("SyncErrors", "Details: {detail}").format(detail=detail)
    return text


def describe_recorded_error(text: str, code: str = "", params: dict | None = None) -> str:
    """A failure stored in the database (a download's, a sync's) in the user's language:
    its category when one was stored, else the stored text (rows from older versions)."""
    if not text or not code or code == "other":
        return text
    return describe_sync_error(SyncError(text, code=code, params=dict(params or {})))


def describe_error(exc: BaseException) -> str:
    """Plain words for an exception. Our core's errors already speak to people."""
    q = QCoreApplication
    if isinstance(exc, SyncError):
        return describe_sync_error(exc)
    from desktop.store.library import LibraryReadOnly

    if isinstance(exc, LibraryReadOnly):  # a lab user who may only read the shared library
        return q.translate("Errors", "The shared library of this computer ({folder}) is "
                           "read-only for your account: the administrator updates it and "
                           "downloads its files. Your own data is not affected.").format(
            folder=exc.folder)
    if isinstance(exc, PermissionError):
        return q.translate("Errors", "Okno is not allowed to read or write “{name}”.").format(
            name=exc.filename)
    if isinstance(exc, FileNotFoundError):
        return q.translate("Errors", "The file or folder “{name}” does not exist.").format(
            name=exc.filename)
    if isinstance(exc, OSError):
        return q.translate("Errors", "A file could not be read or written: {reason}.").format(
            reason=exc.strerror or exc)
    return str(exc) or exc.__class__.__name__


class _Lanes:
    def __init__(self, connections: Connections, inline: bool) -> None:
        self.connections = connections
        self.inline = inline
        self._locals = {lane: threading.local() for lane in Lane}
        self._pools: dict[Lane, ThreadPoolExecutor] = {}
        if not inline:
            for lane, n in ((Lane.DB, 1), (Lane.DOWNLOADS, 1), (Lane.SEARCH, 1),
                            (Lane.FACETS, 1), (Lane.NET, 3)):
                self._pools[lane] = ThreadPoolExecutor(n, thread_name_prefix=f"okno-{lane.value}")

    def connection(self, lane: Lane) -> Any:
        local = self._locals[lane]
        conn = getattr(local, "conn", None)
        if conn is None:
            opener = self.connections.opener(lane)
            if opener is None:
                raise RuntimeError(f"no connection for the {lane.value} lane")
            conn = local.conn = opener()
        return conn

    def close_connection(self, lane: Lane) -> None:
        local = self._locals[lane]
        conn = getattr(local, "conn", None)
        local.conn = None
        close = getattr(conn, "close", None)
        if close is not None:
            close()

    def submit(self, lane: Lane, job: Callable[[], None]) -> None:
        if self.inline:
            job()
        else:
            self._pools[lane].submit(job)

    def shutdown(self) -> None:
        for lane, pool in self._pools.items():
            if lane is not Lane.NET:
                pool.submit(self.close_connection, lane)
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        if self.inline:
            for lane in Lane:
                self.close_connection(lane)


class TaskManager(QObject):
    """Owns the worker threads. Create one per application; pass it to every page."""

    _deliver = Signal(object)

    def __init__(self, connections: Connections, *, inline: bool = False,
                 error_handler: Callable[[QWidget | None, BaseException], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes = _Lanes(connections, inline)
        self._pending = 0
        self._closed = False
        self.error_handler = error_handler or show_error
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def inline(self) -> bool:
        return self._lanes.inline

    def op(self, fn: Callable[..., T], lane: Lane = Lane.DB, *,
           connection: bool = True) -> Op[T]:
        return Op(self, fn, lane, connection=connection)

    @property
    def closed(self) -> bool:
        """Shut down: timers that fire late (draft autosave, read marks) must not start work."""
        return self._closed

    def idle(self) -> bool:
        """No work queued or running, and every callback delivered (for tests)."""
        return self._pending == 0

    def run_on_main(self, fn: Callable[[], None]) -> None:
        """Schedule ``fn`` on the main thread; safe to call from any thread."""
        if self._lanes.inline:
            fn()
        else:
            self._deliver.emit(fn)

    def _on_deliver(self, fn: Callable[[], None]) -> None:
        fn()

    def _start(self, lane: Lane, work: Callable[[Any], T] | Callable[[], T],
               done: Callable[[T | None, BaseException | None], None],
               connection: bool = True) -> None:
        if self._closed:
            raise RuntimeError("the task manager is shut down")
        self._pending += 1

        def job() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                if lane is Lane.NET or not connection:
                    result = work()  # type: ignore[call-arg]
                else:
                    result = work(self._lanes.connection(lane))  # type: ignore[call-arg]
            except Exception as exc:  # noqa: BLE001 - every failure goes to the callback
                error = exc

            def finish() -> None:
                self._pending -= 1
                done(result, error)

            self.run_on_main(finish)

        self._lanes.submit(lane, job)

    def set_connections(self, connections: Connections) -> None:
        self._lanes.connections = connections

    def reset_connections(self, connections: Connections,
                          then: Callable[[], None] | None = None) -> None:
        """Use new openers and close every lane's current connection (after the work queued
        before it). Used when the data folder moves, with empty openers until the move is
        done. ``then`` runs on the main thread when all are closed.
        """
        self._lanes.connections = connections
        store_lanes = [Lane.DB, Lane.DOWNLOADS, Lane.SEARCH, Lane.FACETS]
        remaining = {"n": len(store_lanes)}

        def closed(_result: Any, _error: BaseException | None) -> None:
            remaining["n"] -= 1
            if remaining["n"] == 0 and then is not None:
                then()

        for lane in store_lanes:
            self._start(lane, lambda lane=lane: self._lanes.close_connection(lane), closed,
                        connection=False)

    def shutdown(self) -> None:
        """Finish queued work, close the connections on their own threads, stop threads."""
        if not self._closed:
            self._closed = True
            self._lanes.shutdown()


class Op(Generic[T]):
    """A unit of background work with main-thread callbacks.

    ``fn`` receives the lane's connection (writer Store, reader), or nothing on the NET lane
    or with ``connection=False`` (work that must not open the database, e.g. moving it).
    """

    def __init__(self, tasks: TaskManager, fn: Callable[..., T], lane: Lane = Lane.DB, *,
                 connection: bool = True) -> None:
        self._tasks = tasks
        self._connection = connection
        self._fn = fn
        self._lane = lane
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._parent: QWidget | None = None
        self._label: str | None = None
        self._cancel: CancelToken | None = None
        self._holder: ProgressHolder | None = None
        self.done = False

    def success(self, cb: Callable[[T], None]) -> Op[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op[T]:
        """Replace the default error dialog. Cancellation never reaches it."""
        self._failure = cb
        return self

    def finally_(self, cb: Callable[[], None]) -> Op[T]:
        self._finally = cb
        return self

    def parent(self, widget: QWidget | None) -> Op[T]:
        self._parent = widget
        return self

    def with_progress(self, parent: QWidget | None, label: str,
                      cancel: CancelToken | None = None,
                      holder: ProgressHolder | None = None) -> Op[T]:
        """Show a progress dialog if the work is still running after 600 ms."""
        self._parent, self._label, self._cancel, self._holder = parent, label, cancel, holder
        return self

    def run(self) -> Op[T]:
        dialog = _DelayedProgress(self._parent, self._label, self._cancel, self._holder) \
            if self._label is not None and not self._tasks.inline else None

        def done(result: T | None, error: BaseException | None) -> None:
            self.done = True
            if dialog is not None:
                dialog.close()
            try:
                if error is None:
                    if self._success is not None:
                        self._success(result)  # type: ignore[arg-type]
                elif isinstance(error, SyncCancelled):
                    pass
                elif self._failure is not None:
                    self._failure(error)
                else:
                    self._tasks.error_handler(self._parent, error)
            finally:
                if self._finally is not None:
                    self._finally()

        self._tasks._start(self._lane, self._fn, done, self._connection)
        return self


class _DelayedProgress(QObject):
    def __init__(self, parent: QWidget | None, label: str | None, cancel: CancelToken | None,
                 holder: ProgressHolder | None) -> None:
        super().__init__(parent)
        self._label = label or ""
        self._cancel = cancel
        self._holder = holder
        self._dialog: QProgressDialog | None = None
        self._closed = False
        self._show_timer = QTimer(self, singleShot=True, interval=PROGRESS_DELAY_MS)
        self._show_timer.timeout.connect(self._show)
        self._show_timer.start()
        self._poll = QTimer(self, interval=PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._update)
        self._parent_widget = parent

    def _show(self) -> None:
        if self._closed:
            return
        cancel_text = self.tr("Cancel") if self._cancel is not None else ""
        dlg = QProgressDialog(self._label, cancel_text, 0, 0, self._parent_widget)
        dlg.setWindowTitle(self._label)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        if self._cancel is None:
            dlg.setCancelButton(None)
        else:
            dlg.canceled.connect(self._cancel.cancel)
        dlg.show()
        self._dialog = dlg
        self._poll.start()

    def _update(self) -> None:
        if self._dialog is None or self._holder is None:
            return
        if self._holder.text:
            self._dialog.setLabelText(self._holder.text)
        if self._holder.fraction is not None:
            self._dialog.setMaximum(1000)
            self._dialog.setValue(int(self._holder.fraction * 1000))

    def close(self) -> None:
        self._closed = True
        self._show_timer.stop()
        self._poll.stop()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        self.deleteLater()


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """The default failure handler: one non-blocking message box in plain words."""
    box = QMessageBox(QMessageBox.Icon.Warning,
                      QCoreApplication.translate("Errors", "Okno"), describe_error(exc),
                      QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
