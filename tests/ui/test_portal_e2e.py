"""The window against the real portal (a process on 127.0.0.1:0), with real worker threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from tests.portal_process import running_portal

pytestmark = [pytest.mark.e2e, pytest.mark.ui]


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: Any) -> Any:
    with running_portal(tmp_path_factory.mktemp("portal"), "--demo", "--resources",
                        "300") as url:
        yield url


@pytest.fixture
def live_window(qtbot: Any, make_ctx: Any, tmp_path: Path, portal_url: str) -> Any:
    from desktop.ui.mainwindow import MainWindow

    paths = Paths(tmp_path / "client").ensure()
    ctx = make_ctx(paths, inline=False, portal_url=portal_url)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    yield win
    win.close()
    ctx.tasks.shutdown()


def test_sync_fills_the_library_then_a_download_completes_and_opens(live_window: Any,
                                                                    qtbot: Any) -> None:
    from desktop.ui.viewer import FileViewer

    win = live_window
    with qtbot.waitSignal(win.sync_controller.finished, timeout=60_000) as done:
        assert win.sync_now()
    assert done.args[1] is None, done.args[1]
    qtbot.waitUntil(lambda: win.library.model.rowCount() >= 300, timeout=10_000)
    assert win.sync.history_model.rowCount() == 1
    assert win.last_sync_label.text().startswith("Last sync")

    lib = win.library
    pdf_row = next(r for r in range(lib.model.rowCount())
                   if any(f["mime"] == "application/pdf" for f in
                          (win.ctx.reader.get_resource(lib.model.index(r).data(
                              lib.model.RowidRole)) or {}).get("files", [])))
    lib.select_row(pdf_row)
    assert lib.detail.download_button.isEnabled()
    lib.detail.download_button.click()
    qtbot.waitUntil(lambda: lib.detail.open_button.isEnabled(), timeout=60_000)
    pdf = next(r for r, f in enumerate(lib.detail.files_model.files())
               if f["mime"] == "application/pdf")
    lib.detail.files.selectRow(pdf)
    lib.detail.open_button.click()
    viewer = lib.viewers[-1]
    assert isinstance(viewer, FileViewer) and viewer.kind == "pdf"
    qtbot.waitUntil(lambda: viewer.document.pageCount() > 0, timeout=5000)
    viewer.close()
    # The resource's other files finish too, and done files leave the queue.
    qtbot.waitUntil(lambda: win.downloads.model.rowCount() == 0, timeout=60_000)


def test_cancelling_a_sync_leaves_a_consistent_replica(live_window: Any, qtbot: Any) -> None:
    from desktop.store import Store

    win = live_window
    with qtbot.waitSignal(win.sync_controller.finished, timeout=60_000):
        assert win.sync_now()
        win.sync.cancel_button.click()
    qtbot.waitUntil(lambda: win.sync.sync_button.isEnabled(), timeout=10_000)
    assert not win.sync_controller.is_syncing
    qtbot.waitUntil(lambda: win.sync.history_model.rowCount() == 1, timeout=5000)
    win.ctx.tasks.shutdown()
    store = Store(win.ctx.paths.database)
    try:
        assert store.check_integrity() == []
        n = store.counts()["resources"]
        assert n == len(store.search(""))
    finally:
        store.close()


def test_a_capped_download_can_be_paused_and_resumed(live_window: Any, qtbot: Any) -> None:
    win = live_window
    with qtbot.waitSignal(win.sync_controller.finished, timeout=60_000):
        win.sync_now()
    qtbot.waitUntil(lambda: win.library.model.rowCount() >= 300, timeout=10_000)
    win.ctx.settings.bandwidth_cap_kbps = 1  # 1 KB/s: long enough to pause mid-file
    lib = win.library
    biggest = max(range(lib.model.rowCount()), key=lambda r: sum(
        f["size"] for f in win.ctx.reader.get_resource(
            lib.model.index(r).data(lib.model.RowidRole))["files"]))
    lib.select_row(biggest)
    lib.detail.download_button.click()
    page = win.downloads
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and win.download_controller.running,
                    timeout=10_000)
    qtbot.wait(500)  # the capped transfer is now waiting inside its first chunk
    page.view.selectRow(0)
    page.pause_button.click()
    qtbot.waitUntil(lambda: page.model.item(0).state == "paused", timeout=10_000)
    win.ctx.settings.bandwidth_cap_kbps = 0
    page.view.selectRow(0)
    page.resume_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=60_000)  # all files done
    assert lib.detail.open_button.isEnabled()
