"""The background-task API: lanes, callbacks on the main thread, failures, progress."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop.sync.http import CancelToken, SyncCancelled, SyncError
from desktop.ui.tasks import Connections, Lane, TaskManager, describe_error


class Conn:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.thread = threading.get_ident()
        self.closed_on: int | None = None

    def close(self) -> None:
        self.closed_on = threading.get_ident()


def opened(log: list[Conn], kind: str) -> Any:
    def open_() -> Conn:
        c = Conn(kind)
        log.append(c)
        return c
    return open_


def test_inline_ops_run_at_once_and_call_back(qtbot: Any) -> None:
    log: list[Conn] = []
    tasks = TaskManager(Connections(opened(log, "w"), opened(log, "r")), inline=True)
    got: list[Any] = []
    tasks.op(lambda store: store.kind).success(got.append).run()
    tasks.op(lambda reader: reader.kind, Lane.SEARCH).success(got.append).run()
    tasks.op(lambda: 42, Lane.NET).success(got.append).run()
    assert got == ["w", "r", 42]
    assert tasks.idle()
    tasks.shutdown()
    assert all(c.closed_on is not None for c in log)


def test_a_failure_goes_to_the_failure_callback_or_the_error_handler(qtbot: Any) -> None:
    shown: list[BaseException] = []
    tasks = TaskManager(Connections(), inline=True,
                        error_handler=lambda _p, exc: shown.append(exc))
    failures: list[BaseException] = []

    def boom() -> None:
        raise SyncError("The portal cannot be reached.")

    tasks.op(boom, Lane.NET).failure(failures.append).run()
    tasks.op(boom, Lane.NET).run()
    assert [str(e) for e in failures] == ["The portal cannot be reached."]
    assert [describe_error(e) for e in shown] == ["The portal cannot be reached."]


def test_cancellation_is_not_reported_as_an_error(qtbot: Any) -> None:
    shown: list[BaseException] = []
    tasks = TaskManager(Connections(), inline=True,
                        error_handler=lambda _p, exc: shown.append(exc))
    finished: list[bool] = []

    def cancelled() -> None:
        raise SyncCancelled()

    tasks.op(cancelled, Lane.NET).finally_(lambda: finished.append(True)).run()
    assert shown == [] and finished == [True]


def test_each_lane_opens_its_own_connection_on_its_own_thread(qtbot: Any) -> None:
    log: list[Conn] = []
    tasks = TaskManager(Connections(opened(log, "w"), opened(log, "r")))
    main = threading.get_ident()
    results: list[tuple[str, int, int]] = []

    def where(conn: Conn) -> tuple[str, int, int]:
        return conn.kind, conn.thread, threading.get_ident()

    for lane in (Lane.DB, Lane.DB, Lane.DOWNLOADS, Lane.SEARCH):
        tasks.op(where, lane).success(
            lambda r: results.append((*r[:2], threading.get_ident()))).run()
    qtbot.waitUntil(tasks.idle, timeout=3000)
    assert len(results) == 4
    assert all(callback_thread == main for *_, callback_thread in results)
    assert all(c.thread != main for c in log)
    assert len(log) == 3  # DB twice on one connection; DOWNLOADS and SEARCH their own
    assert log[0].kind == "w"
    tasks.shutdown()
    assert all(c.closed_on == c.thread for c in log)  # closed on the thread that opened it


def test_db_lane_runs_work_one_at_a_time_in_order(qtbot: Any) -> None:
    tasks = TaskManager(Connections(writer=lambda: object()))
    order: list[int] = []
    active = {"n": 0, "max": 0}

    def work(i: int) -> Any:
        def run(_store: Any) -> int:
            active["n"] += 1
            active["max"] = max(active["max"], active["n"])
            time.sleep(0.01)
            order.append(i)
            active["n"] -= 1
            return i
        return run

    for i in range(5):
        tasks.op(work(i)).run()
    qtbot.waitUntil(tasks.idle, timeout=3000)
    assert order == [0, 1, 2, 3, 4] and active["max"] == 1
    tasks.shutdown()


def progress_dialogs(parent: QWidget) -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets() + parent.findChildren(QProgressDialog)
            if isinstance(w, QProgressDialog) and w.isVisible()]


def test_progress_appears_only_for_slow_work(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    tasks = TaskManager(Connections())
    release = threading.Event()
    token = CancelToken()

    def slow() -> str:
        release.wait(5)
        token.check()
        return "done"

    tasks.op(lambda: "fast", Lane.NET).with_progress(parent, "Fast").run()
    qtbot.waitUntil(tasks.idle, timeout=2000)
    qtbot.wait(700)
    assert progress_dialogs(parent) == []
    op = tasks.op(slow, Lane.NET).with_progress(parent, "Slow", cancel=token).run()
    qtbot.wait(200)
    assert progress_dialogs(parent) == []
    qtbot.waitUntil(lambda: bool(progress_dialogs(parent)), timeout=2000)
    progress_dialogs(parent)[0].canceled.emit()  # what its Cancel button does
    assert token.cancelled
    release.set()
    qtbot.waitUntil(lambda: op.done, timeout=2000)
    qtbot.waitUntil(lambda: progress_dialogs(parent) == [], timeout=2000)
    tasks.shutdown()


@pytest.mark.parametrize("exc, words", [
    (PermissionError(13, "Permission denied", "/data/x"), "not allowed"),
    (FileNotFoundError(2, "No such file", "/data/y"), "does not exist"),
])
def test_errors_are_described_in_plain_words(exc: BaseException, words: str) -> None:
    assert words in describe_error(exc)
