"""Screenshots of the main screens in Russian.

They are always rendered (so the screens are exercised in Russian); they are written to
docs/screenshots/ only with ``OKNO_UPDATE_SCREENSHOTS=1``, so a test run leaves the tree
clean:  OKNO_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/ui/test_screenshots.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from desktop.store.types import Changes, SyncRecord
from desktop.sync.engine import SyncProgress

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# What a school PC shows instead of the test's temporary folder.
SHOWN_DATA = "/home/biblioteka/.local/share/okno"


@pytest.fixture
def russian(qapp: Any) -> Iterator[None]:
    from desktop.ui.i18n import Translations

    translations = Translations(qapp)
    translations.use("ru")
    QCoreApplication.processEvents()
    yield
    translations.use("en")
    QCoreApplication.processEvents()


@pytest.fixture
def shown_library(tmp_path: Path, library_paths: Any) -> Any:
    """The sample library that ships with Okno (real titles), else the test library."""
    from desktop.paths import Paths
    from desktop.sample import install_sample, sample_dir
    from desktop.store import Store

    if not (sample_dir() / "manifest.json").exists():
        return library_paths
    paths = Paths(tmp_path / "sample").ensure()
    store = Store(paths.database)
    try:
        install_sample(store, paths)
    finally:
        store.close()
    return paths


@pytest.fixture
def ru_window(qtbot: Any, make_ctx: Any, shown_library: Any, russian: None) -> Any:
    from desktop.ui.mainwindow import MainWindow

    ctx = make_ctx(shown_library, language="ru", sync_interval_min=240,
                   sync_window_enabled=True, bandwidth_cap_kbps=64)
    ctx.settings.portal_url = "http://portal.edu-region.ru"
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    return win


def show_realistic_paths(win: Any) -> None:
    win.settings_page.data_path.setText(SHOWN_DATA)
    info = win.downloads.info.text().replace(str(win.ctx.paths.data), SHOWN_DATA)
    win.downloads.info.setText(info)


@pytest.fixture
def save(tmp_path: Path) -> Any:
    """``save(widget, "library")``: grab it, into docs/ when updating, else tmp_path."""
    out = DOCS if os.environ.get("OKNO_UPDATE_SCREENSHOTS") == "1" else tmp_path

    def grab(widget: Any, name: str) -> Path:
        QCoreApplication.processEvents()
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.png"
        assert widget.grab().save(str(path))
        return path

    return grab


def test_screenshot_library(ru_window: Any, qtbot: Any, save: Any) -> None:
    from tests.ui.helpers import type_text

    lib = ru_window.library
    lib.search_edit.setFocus()
    with qtbot.waitSignal(lib.search_done, timeout=3000):
        type_text(lib.search_edit, "урок")
    grades = lib.facet_models["grade"]
    lib.select_row(1)
    assert lib.detail.title.text()
    assert "Найдено" in lib.count_label.text()
    assert grades.rowCount() > 0
    save(ru_window, "library")


def test_screenshot_downloads(ru_window: Any, save: Any) -> None:
    win = ru_window
    model = win.library.model
    ids = [model.index(r).data(model.IdRole) for r in range(model.rowCount())
           if not model.index(r).data(model.DownloadedRole)][:12]

    def queue(store: Any) -> Changes:
        for rid in ids:
            store.enqueue_resource_files(rid)
        items = store.download_queue()[:4]
        store.update_download(items[0].sha256, state="downloading",
                              bytes_done=items[0].size // 3)
        store.update_download(items[2].sha256, state="paused", bytes_done=items[2].size // 4)
        store.update_download(items[3].sha256, state="failed",
                              error="Нет связи с порталом. Повторите позже.")
        return Changes(downloads=True)

    win.ctx.tasks.op(queue).success(win.ctx.hub.publish).run()
    model = win.downloads.model
    assert win.ctx.errors == []
    first = model.item(0)
    model.update_progress(first.sha256, first.size * 3 // 5, 7_800.0, 2.0)
    win.navigate("downloads")
    assert model.rowCount() >= 4
    show_realistic_paths(win)
    save(win, "downloads")


def test_screenshot_sync(ru_window: Any, save: Any) -> None:
    win = ru_window

    def history(store: Any) -> Changes:
        store.record_sync(SyncRecord("2026-11-24T19:00:02+00:00", "2026-11-24T19:03:41+00:00",
                                     True, 100_412, 9_871_233, 6))
        store.record_sync(SyncRecord("2026-11-25T03:00:00+00:00", "2026-11-25T03:00:31+00:00",
                                     False, message="Портал не отвечает: нет соединения с "
                                     "http://portal.edu-region.ru."))
        store.record_sync(SyncRecord("2026-11-25T19:00:00+00:00", "2026-11-25T19:00:04+00:00",
                                     True, 153, 41_020, 1))
        return Changes(sync_state=True)

    win.ctx.tasks.op(history).success(win.ctx.hub.publish).run()
    page = win.sync
    page._started()
    page.sync_button.setEnabled(False)
    page.cancel_button.setEnabled(True)
    page.controller.started_at -= 30
    page._progressed(SyncProgress("snapshot", 40_000, 3_500_000, 100_000, ""))
    page.progress_box.show()
    win.navigate("sync")
    save(win, "sync")
    page._finished(None, None)


def test_screenshot_settings(ru_window: Any, save: Any) -> None:
    ru_window.navigate("settings")
    show_realistic_paths(ru_window)
    save(ru_window, "settings")


def test_screenshot_wizard(qtbot: Any, make_ctx: Any, tmp_path: Path, russian: None,
                           save: Any) -> None:
    from desktop.paths import Paths
    from desktop.ui.wizard import FirstRunWizard

    ctx = make_ctx(Paths(tmp_path / "fresh").ensure())
    wiz = FirstRunWizard(ctx.tasks, "ru")
    qtbot.addWidget(wiz)
    wiz.show()
    assert wiz.welcome.title() == "Добро пожаловать в Окно"
    save(wiz, "wizard")
    wiz.next()
    wiz.portal.address.setText("portal.edu-region.ru")
    wiz.portal.status.setText("✔ Портал отвечает: Региональный портал образовательных "
                              "ресурсов.")
    save(wiz, "wizard-portal")
