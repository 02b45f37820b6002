"""Every item model passes qtmodeltester; the result list is lazy and refreshes by value."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.store.types import DownloadItem, SyncRecord
from desktop.ui.models import (
    DownloadsModel,
    FacetModel,
    FilesModel,
    ResourceListModel,
    SyncHistoryModel,
)


class Rows:
    """A row source that counts how often it is asked."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.version = 1

    def __call__(self, rowids: list[int]) -> list[dict[str, Any]]:
        self.calls.append(list(rowids))
        return [{"rowid": r, "id": f"res-{r}", "title": f"Урок {r} v{self.version}",
                 "type": "lesson", "subjects": ["Математика"], "grades": [5, 6, 7],
                 "downloaded": r % 2 == 0} for r in rowids]


def test_resource_model_passes_modeltester(qtmodeltester: Any) -> None:
    model = ResourceListModel(Rows())
    model.set_rowids(range(1, 1001))
    qtmodeltester.check(model)
    model.set_rowids([])
    qtmodeltester.check(model)


def test_resource_model_fetches_pages_on_demand_and_evicts(qtmodeltester: Any) -> None:
    rows = Rows()
    model = ResourceListModel(rows)
    model.set_rowids(range(1, 200_001))
    assert model.rowCount() == 200_000
    assert rows.calls == []  # nothing is read until a row is shown
    assert model.index(199_999).data() == "Урок 200000 v1"
    assert len(rows.calls) == 1 and len(rows.calls[0]) == model.PAGE
    model.index(199_998).data()
    assert len(rows.calls) == 1  # same page: from the cache
    for page in range(model.MAX_PAGES + 5):
        model.index(page * model.PAGE).data()
    assert len(model._pages) == model.MAX_PAGES


def test_resource_model_subtitle_and_roles() -> None:
    model = ResourceListModel(Rows(), language="ru")
    model.set_rowids([4, 5])
    index = model.index(0)
    assert index.data(model.RowidRole) == 4
    assert index.data(model.IdRole) == "res-4"
    assert index.data(model.DownloadedRole) is True
    assert model.index(1).data(model.DownloadedRole) is False
    assert "урок" in index.data(model.SubtitleRole)
    assert "Математика" in index.data(model.SubtitleRole)


def test_refreshing_changed_resources_repaints_only_their_rows(qtbot: Any) -> None:
    rows = Rows()
    model = ResourceListModel(rows)
    model.set_rowids(range(1, 1001))
    model.index(10).data()
    model.index(500).data()
    rows.version = 2
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_resources({"res-11"})
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (10, 10)
    assert model.index(10).data() == "Урок 11 v2"
    assert model.index(500).data() == "Урок 501 v1"  # other pages untouched


def test_facet_model_passes_modeltester_and_keeps_checked_values(qtmodeltester: Any,
                                                                  qtbot: Any) -> None:
    model = FacetModel("subject")
    model.set_counts([("Математика", 10), ("История", 3)])
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.checkedChanged):
        assert model.setData(model.index(1), Qt.CheckState.Checked,
                             Qt.ItemDataRole.CheckStateRole)
    assert model.checked() == ("История",)
    model.set_counts([("Математика", 4)])
    labels = [model.index(r).data() for r in range(model.rowCount())]
    assert labels == ["Математика  (4)", "История  (0)"]
    qtmodeltester.check(model)


def test_files_model_passes_modeltester(qtmodeltester: Any) -> None:
    model = FilesModel()
    model.set_files([{"sha256": "a" * 64, "name": "урок.pdf", "size": 2048, "cached": True},
                     {"sha256": "b" * 64, "name": "видео.mp4", "size": 5 << 20,
                      "download": {"state": "queued"}}])
    qtmodeltester.check(model)
    assert model.index(0, 2).data() == "downloaded"
    assert model.index(1, 2).data() == "queued"
    assert model.index(0, 1).data() == "2.0 KB"


def item(sha: str, state: str = "queued", done: int = 0) -> DownloadItem:
    return DownloadItem(sha * 64, "res-1", f"{sha}.pdf", "application/pdf", 1000, state, done)


def test_downloads_model_merges_listings_without_reset(qtmodeltester: Any, qtbot: Any) -> None:
    model = DownloadsModel()
    model.set_items([item("a"), item("b"), item("c")])
    qtmodeltester.check(model)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_items([item("a", "downloading", 500), item("c"), item("d")])
    assert [model.item(r).sha256[0] for r in range(model.rowCount())] == ["a", "c", "d"]
    assert model.index(0, model.column_of("progress")).data() == "50%"
    model.update_progress("c" * 64, 250, 2048.0, 12.0)
    assert model.index(1, model.column_of("speed")).data() == "2.0 KB/s"
    assert model.index(1, model.column_of("eta")).data() == "12 s"
    assert resets == []
    qtmodeltester.check(model)


def test_sync_history_model_passes_modeltester(qtmodeltester: Any) -> None:
    model = SyncHistoryModel()
    model.set_records([
        SyncRecord("2026-11-25T20:00:00+00:00", "2026-11-25T20:01:30+00:00", True, 1200, 350_000),
        SyncRecord("2026-11-25T21:00:00+00:00", "2026-11-25T21:00:05+00:00", False,
                   message="The portal cannot be reached."),
    ])
    qtmodeltester.check(model)
    assert model.index(0, model.column_of("result")).data() == "completed"
    assert model.index(0, model.column_of("duration")).data() == "1 min 30 s"
    assert model.index(1, model.column_of("message")).data() == "The portal cannot be reached."
