"""The Library page over a real SQLite library: typing, facets, details, downloads."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.data import resource
from tests.ui.helpers import type_text


def test_the_library_opens_with_every_resource_listed(window: Any) -> None:
    lib = window.library
    assert lib.model.rowCount() == 300
    assert "300" in lib.count_label.text()


def test_typing_a_russian_query_filters_the_results(window: Any, qtbot: Any) -> None:
    lib = window.library
    lib.search_edit.setFocus()
    expected = sum("Фотосинтез" in resource(i)["title"] for i in range(300))
    assert 0 < expected < 300
    type_text(lib.search_edit, "фотосинтез")
    qtbot.waitUntil(lambda: lib.model.rowCount() == expected, timeout=2000)
    titles = [lib.model.index(r).data() for r in range(lib.model.rowCount())]
    assert all("Фотосинтез" in t for t in titles)


def test_a_facet_narrows_the_results(window: Any, qtbot: Any) -> None:
    lib = window.library
    subjects = lib.facet_models["subject"]
    values = {subjects.index(r).data(subjects.ValueRole): subjects.index(r).data(subjects.CountRole)
              for r in range(subjects.rowCount())}
    assert values["Физика"] == 50
    row = [subjects.index(r).data(subjects.ValueRole) for r in range(subjects.rowCount())
           ].index("Физика")
    subjects.setData(subjects.index(row), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: lib.model.rowCount() == 50, timeout=2000)
    grades = lib.facet_models["grade"]
    assert sum(grades.index(r).data(grades.CountRole) for r in range(grades.rowCount())) >= 50


def test_selecting_a_result_shows_its_details(window: Any) -> None:
    lib = window.library
    lib.select_row(0)
    row = lib.model.row(0)
    assert row is not None
    detail = lib.detail
    assert detail.body.isVisible()
    assert detail.title.text() == row["title"]
    assert "CC BY 4.0" in detail.meta.text()
    assert detail.files_model.rowCount() == 1
    assert detail.download_button.isEnabled()
    assert not detail.open_button.isEnabled()


def test_search_runs_off_the_gui_thread_and_the_latest_query_wins(qtbot: Any, make_ctx: Any,
                                                                  library_paths: Any) -> None:
    from desktop.ui.mainwindow import MainWindow

    ctx = make_ctx(library_paths, inline=False)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.start()
    lib = win.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 300, timeout=5000)
    lib.search_edit.setFocus()
    type_text(lib.search_edit, "закон")
    expected = sum("Законы Ньютона" in resource(i)["title"] for i in range(300))
    qtbot.waitUntil(lambda: lib.model.rowCount() == expected and not lib._inflight,
                    timeout=5000)
    assert lib.last_latency_ms is not None
    subjects = lib.facet_models["subject"]
    qtbot.waitUntil(lambda: subjects.rowCount() == 1, timeout=5000)
    assert subjects.index(0).data(subjects.ValueRole) == "Физика"
    win.close()
    ctx.tasks.shutdown()


def test_a_finished_download_refreshes_the_row_and_the_details(window: Any) -> None:
    import hashlib

    from desktop.sync.downloads import cache_relpath

    lib = window.library
    lib.select_row(0)
    res = lib.detail.resource
    sha = res["files"][0]["sha256"]
    data = b"not really the file, but the store only records it"
    path = window.ctx.paths.files / cache_relpath(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert hashlib.sha256(data).hexdigest() != sha  # the store trusts its caller here
    window.ctx.tasks.op(lambda s: s.mark_file_cached(sha, len(data), cache_relpath(sha))) \
        .success(window.ctx.hub.publish).run()
    assert lib.model.index(0).data(lib.model.DownloadedRole) is True
    assert lib.detail.files_model.index(0, 2).data() == "downloaded"
    assert lib.detail.open_button.isEnabled()
    lib.downloaded_only.setChecked(True)
    assert lib.model.rowCount() == 1
    assert "(1)" in lib.downloaded_only.text()
