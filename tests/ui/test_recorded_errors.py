"""Failures stored in the database (a download's, a sync's) are shown in the user's language,
from their category; rows stored before categories existed show their stored text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.store.types import DownloadItem, SyncRecord
from desktop.ui.models import DownloadsModel, SyncHistoryModel

TIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def russian(qapp: Any) -> Iterator[None]:
    from desktop.ui.i18n import Translations

    translations = Translations(qapp)
    assert translations.use("ru")
    yield
    translations.use("en")


def _failed(sha: str, error: str, code: str = "", params: dict | None = None) -> DownloadItem:
    return DownloadItem(sha * 64, "res-1", f"{sha}.pdf", "application/pdf", 1000, "failed", 10,
                        error, "2026-11-25T20:00:00Z", code, params or {})


ITEMS = [
    _failed("a", "The connection was cut.", "cut"),
    _failed("b", "Not enough free disk space: the download needs 3.0 MB.", "disk_full"),
    _failed("c", "The file “c.pdf” arrived damaged twice.", "bad_data",
            {"detail": "c.pdf: checksum mismatch"}),
    _failed("d", "Cannot write to /x: Read-only file system.", "disk",
            {"where": "/x", "reason": "Read-only file system"}),
    _failed("e", "An error from an older Okno."),  # no category: stored before this change
    _failed("f", "Something unusual.", "other"),
]


def test_failed_downloads_read_in_russian(qtmodeltester: Any, russian: None) -> None:
    model = DownloadsModel()
    model.set_items(ITEMS)
    qtmodeltester.check(model)
    col = model.column_of("state")
    shown = [model.index(r, col).data() for r in range(model.rowCount())]
    assert shown[0].startswith("ошибка: Соединение оборвалось во время передачи")
    assert shown[1].startswith("ошибка: Недостаточно места на диске")
    assert shown[2].startswith("ошибка: Портал прислал данные, которые Окно не может принять")
    assert shown[2].endswith("Подробности: c.pdf: checksum mismatch")
    assert shown[3] == "ошибка: Окно не смогло записать свои данные (Read-only file system)."
    assert shown[4] == "ошибка: An error from an older Okno."  # old row: its stored text
    assert shown[5] == "ошибка: Something unusual."
    assert model.index(0, col).data(TIP).startswith("Соединение оборвалось")


def test_failed_downloads_read_in_english(qtmodeltester: Any, qapp: Any) -> None:
    model = DownloadsModel()
    model.set_items(ITEMS)
    qtmodeltester.check(model)
    col = model.column_of("state")
    assert model.index(0, col).data().startswith("failed: The connection was cut in the middle")
    assert model.index(4, col).data() == "failed: An error from an older Okno."
    # A queued file shows no reason, whatever was stored before.
    model.set_items([DownloadItem("a" * 64, "res-1", "a.pdf", "x/y", 10, "queued",
                                  error_code="cut")])
    assert model.index(0, col).data() == "queued" and model.index(0, col).data(TIP) is None


def test_sync_history_reads_in_russian(qtmodeltester: Any, russian: None) -> None:
    model = SyncHistoryModel()
    model.set_records([
        SyncRecord("2026-11-25T21:00:00+00:00", "2026-11-25T21:00:05+00:00", False,
                   message="Cannot reach the portal at http://p.", error_code="unreachable",
                   error_params={"url": "http://p"}),
        SyncRecord("2026-11-25T20:00:00+00:00", "2026-11-25T20:00:05+00:00", False,
                   message="The portal cannot be reached."),  # an old row
        SyncRecord("2026-11-25T19:00:00+00:00", "2026-11-25T19:01:00+00:00", True, 5,
                   message="ok"),  # what `okno sync` writes for a clean sync
    ])
    qtmodeltester.check(model)
    col = model.column_of("message")
    assert model.index(0, col).data() == ("Не удаётся связаться с порталом http://p. Проверьте "
                                          "подключение к сети и адрес портала.")
    assert model.index(1, col).data() == "The portal cannot be reached."
    assert model.index(2, col).data() == ""
