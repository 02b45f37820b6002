"""The main window: pages, shortcuts, status bar, geometry, and the download/sync pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.store.types import SyncRecord
from desktop.ui.settings import Settings


def test_sidebar_lists_every_page_and_navigates(window: Any) -> None:
    names = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert names == ["Library", "Discussions", "Downloads", "Sync", "Settings"]
    window.navigate("downloads")
    assert window.stack.currentWidget() is window.downloads
    window.sidebar.setCurrentRow(1)
    assert window.current_page() == "discussions"
    assert "community" in window.discussions.text.text()


def test_ctrl_f_focuses_the_search_box(window: Any, qtbot: Any) -> None:
    window.navigate("settings")
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "library"
    qtbot.waitUntil(lambda: window.library.search_edit.hasFocus(), timeout=1000)


def test_f5_starts_a_sync_and_without_a_portal_says_so(window: Any) -> None:
    QTest.keyClick(window, Qt.Key.Key_F5)
    assert "No portal is set" in window.sync.result_label.text()
    assert not window.sync_controller.is_syncing


def test_controls_have_accessible_names(window: Any) -> None:
    for widget in (window.library.search_edit, window.library.results_view,
                   window.downloads.view, window.sync.history, window.settings_page.portal_edit,
                   window.settings_page.language_combo, window.sidebar):
        assert widget.accessibleName(), widget


def test_status_bar_shows_connection_downloads_unsent_and_last_sync(window: Any) -> None:
    assert window.online_label.text() == "Offline"
    assert window.pending_label.text() == "Downloads pending: 0"
    assert window.unsent_label.text() == "Unsent: 0"
    assert window.last_sync_label.text() == "Never synchronised"


def test_downloading_from_the_library_queues_the_files(window: Any, qtbot: Any) -> None:
    lib = window.library
    lib.select_row(0)
    lib.detail.download_button.click()
    # No portal is set in this window: the file waits in the queue, and the page says why.
    assert window.downloads.model.rowCount() == 1
    assert window.downloads.model.item(0).state == "queued"
    assert "No portal" in window.downloads.problem.text()
    assert window.pending_label.text() == "Downloads pending: 1"
    assert lib.detail.files_model.index(0, 2).data() == "queued"
    assert lib.detail.cancel_button.isEnabled() and not lib.detail.download_button.isEnabled()


def test_pause_resume_cancel_and_retry_change_the_queue(window: Any) -> None:
    window.library.select_row(0)
    window.library.detail.download_button.click()
    page = window.downloads
    page.view.selectRow(0)
    assert page.pause_button.isEnabled() and not page.resume_button.isEnabled()
    page.pause_button.click()
    assert page.model.item(0).state == "paused"
    page.view.selectRow(0)
    page.resume_button.click()
    assert page.model.item(0).state == "queued"
    page.view.selectRow(0)
    page.cancel_button.click()
    assert page.model.item(0).state == "cancelled"
    page.view.selectRow(0)
    assert page.retry_button.isEnabled()
    page.retry_button.click()
    assert page.model.item(0).state == "queued"


def test_sync_history_lists_past_syncs_in_plain_words(window: Any) -> None:
    def record(store: Any) -> None:
        store.record_sync(SyncRecord("2026-11-25T20:00:00+00:00", "2026-11-25T20:00:40+00:00",
                                     False, message="The portal cannot be reached."))

    from desktop.store.types import Changes

    window.ctx.tasks.op(record).success(
        lambda _r: window.ctx.hub.publish(Changes(sync_state=True))).run()
    model = window.sync.history_model
    assert model.rowCount() == 1
    assert model.index(0, model.column_of("message")).data() == "The portal cannot be reached."
    assert window.last_sync_label.text().startswith("Last sync failed")


def test_geometry_is_remembered(window: Any, make_ctx: Any, qtbot: Any) -> None:
    from desktop.ui.mainwindow import MainWindow

    window.resize(740, 520)  # inside the 800x600 offscreen screen
    size = (window.width(), window.height())
    window.close()
    saved = Settings.load(window.ctx.paths.settings)
    assert saved.window_geometry
    ctx = make_ctx(window.ctx.paths)
    ctx.settings = saved
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == size


def test_settings_changes_are_saved_at_once(window: Any) -> None:
    page = window.settings_page
    page.interval_spin.setValue(120)
    page.window_check.setChecked(True)
    page.cap_spin.setValue(64)
    page.metered_check.setChecked(True)
    page.portal_edit.setText("portal.school.local:8765")
    page.portal_edit.editingFinished.emit()
    saved = Settings.load(window.ctx.paths.settings)
    assert saved.sync_interval_min == 120 and saved.sync_window_enabled
    assert saved.bandwidth_cap_kbps == 64 and saved.metered
    assert saved.portal_url == "http://portal.school.local:8765"
    assert "every 120 min" in window.sync.summary.text()
    assert "64" in window.downloads.info.text()


def test_storage_used_is_shown_and_can_be_freed(window: Any, tmp_path: Any) -> None:
    import hashlib

    from desktop.sync.downloads import cache_relpath

    data = b"%PDF-1.4 test"
    sha = hashlib.sha256(data).hexdigest()
    target = window.ctx.paths.files / cache_relpath(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    window.ctx.tasks.op(lambda store: store.mark_file_cached(sha, len(data), cache_relpath(sha))) \
        .success(window.ctx.hub.publish).run()
    assert "1 files" in window.settings_page.used_value.text()
    window.settings_page.free_space()
    assert not target.exists()
    assert "0 files" in window.settings_page.used_value.text()



def test_moving_the_data_folder_keeps_the_library(window: Any, tmp_path: Any,
                                                  qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("OKNO_CONFIG_DIR", str(tmp_path / "config"))
    old = window.ctx.paths.data
    results: list[bool] = []
    window.settings_page.move_data(tmp_path / "moved", on_done=results.append)
    qtbot.waitUntil(lambda: results != [], timeout=5000)
    assert results == [True], window.settings_page.move_error
    assert window.ctx.paths.data == (tmp_path / "moved").resolve()
    assert not old.exists()
    assert window.ctx.paths.database.exists()
    assert window.library.model.rowCount() == 300
    assert str(tmp_path / "moved") in window.settings_page.data_path.text()
    from desktop.ui.settings import read_data_pointer

    assert read_data_pointer() == str((tmp_path / "moved").resolve())


def test_tab_moves_from_the_search_box_to_the_results(window: Any, qtbot: Any) -> None:
    window.activateWindow()
    window.focus_search()
    qtbot.waitUntil(lambda: window.library.search_edit.hasFocus(), timeout=1000)
    QTest.keyClick(window.library.search_edit, Qt.Key.Key_Tab)
    assert window.library.results_view.hasFocus()


def test_the_community_feature_can_replace_the_placeholder_and_report_unsent(
        window: Any) -> None:
    from PySide6.QtWidgets import QLabel

    forum = QLabel("forums")
    window.replace_page("discussions", forum)
    window.navigate("discussions")
    assert window.stack.currentWidget() is forum and window.discussions is forum
    window.set_unsent(3)
    assert window.unsent_label.text() == "Unsent: 3"
