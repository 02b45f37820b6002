"""Item models. Large lists are lazy: the model holds ids and fetches rows in pages."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop.store.types import DownloadItem, SyncRecord
from desktop.ui.formatting import (
    ALIGN_RIGHT,
    as_list,
    grades_text,
    human_duration,
    human_size,
    human_speed,
    human_time,
)
from desktop.ui.i18n import resource_type_label

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
USER = Qt.ItemDataRole.UserRole

RowFetcher = Callable[[list[int]], list[dict[str, Any]]]


class ResourceListModel(QAbstractListModel):
    """Search results: a compact array of rowids; rows fetched in pages into an LRU cache.

    At 200,000 results the model holds 1.6 MB of ids and at most ``MAX_PAGES`` pages of rows.
    """

    IdRole = USER + 1
    RowidRole = USER + 2
    DownloadedRole = USER + 3
    SubtitleRole = USER + 4
    RowRole = USER + 5

    PAGE = 200
    MAX_PAGES = 12

    def __init__(self, fetch_rows: RowFetcher, language: str = "ru", parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch_rows = fetch_rows
        self._ids = array("q")
        self._pages: OrderedDict[int, list[dict[str, Any] | None]] = OrderedDict()
        self.language = language
        self.fetches = 0  # pages fetched (for tests and benchmarks)

    # -- contents ---------------------------------------------------------------------
    def set_rowids(self, rowids: Iterable[int]) -> None:
        self.beginResetModel()
        self._ids = array("q", rowids)
        self._pages.clear()
        self.endResetModel()

    def set_fetcher(self, fetch_rows: RowFetcher) -> None:
        self._fetch_rows = fetch_rows
        self.invalidate()

    def rowids(self) -> Sequence[int]:
        return self._ids

    def row_of_rowid(self, rowid: int) -> int:
        try:
            return self._ids.index(rowid)
        except ValueError:
            return -1

    def invalidate(self) -> None:
        """Forget every cached row (the catalog changed under the same ids)."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    def refresh_resources(self, ids: Iterable[str]) -> None:
        """Re-fetch only the cached rows of these resource ids, and repaint them."""
        wanted = set(ids)
        for page_no in list(self._pages):
            rows = self._pages[page_no]
            hit = [i for i, r in enumerate(rows) if r is not None and r.get("id") in wanted]
            if hit:
                del self._pages[page_no]
                base = page_no * self.PAGE
                self.dataChanged.emit(self.index(base + min(hit)), self.index(base + max(hit)))

    # -- lazy rows --------------------------------------------------------------------
    def row(self, row: int) -> dict[str, Any] | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // self.PAGE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_page(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[row - page_no * self.PAGE]

    def _load_page(self, page_no: int) -> list[dict[str, Any] | None]:
        start = page_no * self.PAGE
        ids = list(self._ids[start:start + self.PAGE])
        by_rowid = {r["rowid"]: r for r in self._fetch_rows(ids)}
        page = [by_rowid.get(i) for i in ids]
        self.fetches += 1
        self._pages[page_no] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == self.RowidRole:
            return self._ids[index.row()]
        if role not in (DISPLAY, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole,
                        self.IdRole, self.DownloadedRole, self.SubtitleRole, self.RowRole):
            return None
        r = self.row(index.row())
        if r is None:
            return "…" if role == DISPLAY else None
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return r.get("title", "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{r.get('title', '')}. {self.subtitle(r)}"
        if role == self.IdRole:
            return r.get("id")
        if role == self.DownloadedRole:
            return bool(r.get("downloaded"))
        if role == self.SubtitleRole:
            return self.subtitle(r)
        return r  # RowRole

    def subtitle(self, r: dict[str, Any]) -> str:
        parts = [resource_type_label(str(r.get("type", "")), self.language)]
        subjects = as_list(r.get("subjects"))
        if subjects:
            parts.append(", ".join(map(str, subjects)))
        grades = grades_text(as_list(r.get("grades")))
        if grades:
            parts.append(grades)
        return " · ".join(p for p in parts if p)


@dataclass(slots=True)
class FacetValue:
    value: str
    label: str
    count: int


class FacetModel(QAbstractListModel):
    """One facet's values with counts; checking values narrows the search."""

    ValueRole = USER + 1
    CountRole = USER + 2
    checkedChanged = Signal()

    def __init__(self, name: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.name = name
        self._items: list[FacetValue] = []
        self._checked: set[str] = set()

    def set_counts(self, counts: Iterable[tuple[str, int]],
                   label: Callable[[str], str] = str) -> None:
        items = [FacetValue(str(v), label(str(v)), int(n)) for v, n in counts]
        present = {i.value for i in items}
        # A checked value stays visible (with 0) so it can be unchecked.
        items += [FacetValue(v, label(v), 0) for v in sorted(self._checked - present)]
        if [i.value for i in items] == [i.value for i in self._items]:
            self._items = items
            if items:
                self.dataChanged.emit(self.index(0), self.index(len(items) - 1))
            return
        self.beginResetModel()
        self._items = items
        self.endResetModel()

    def relabel(self, label: Callable[[str], str]) -> None:
        for item in self._items:
            item.label = label(item.value)
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def checked(self) -> tuple[str, ...]:
        return tuple(i.value for i in self._items if i.value in self._checked)

    def set_checked(self, value: str, on: bool) -> None:
        for row, item in enumerate(self._items):
            if item.value == value:
                self.setData(self.index(row), Qt.CheckState.Checked if on
                             else Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
                return
        if on:
            self._checked.add(value)
            self.checkedChanged.emit()

    def clear_checked(self, notify: bool = True) -> None:
        """Uncheck everything; ``notify=False`` when the caller searches anyway."""
        if self._checked:
            self._checked.clear()
            if self._items:
                self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))
            if notify:
                self.checkedChanged.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role in (DISPLAY, Qt.ItemDataRole.AccessibleTextRole):
            return f"{item.label}  ({item.count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.label
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if item.value in self._checked \
                else Qt.CheckState.Unchecked
        if role == self.ValueRole:
            return item.value
        if role == self.CountRole:
            return item.count
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        item = self._items[index.row()]
        on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) \
            else value
        if on == (item.value in self._checked):
            return True
        if on:
            self._checked.add(item.value)
        else:
            self._checked.discard(item.value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checkedChanged.emit()
        return True


class _TableModel(QAbstractTableModel):
    """Columns declared once as (key, header) pairs; headers translated at paint time."""

    COLUMNS: tuple[tuple[str, str], ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == DISPLAY
                and 0 <= section < len(self.COLUMNS)):
            return column_titles()[self.COLUMNS[section][0]]
        return None

    def column_of(self, key: str) -> int:
        return [k for k, _ in self.COLUMNS].index(key)


def file_state_label(state: str) -> str:
    from PySide6.QtCore import QCoreApplication as Q

    labels = {
        "": Q.translate("FileState", "not downloaded"),
        "queued": Q.translate("FileState", "queued"),
        "downloading": Q.translate("FileState", "downloading"),
        "paused": Q.translate("FileState", "paused"),
        "done": Q.translate("FileState", "downloaded"),
        "failed": Q.translate("FileState", "failed"),
        "cancelled": Q.translate("FileState", "cancelled"),
    }
    return labels.get(state, state)


def column_titles() -> dict[str, str]:
    """Column headers, translated now (lupdate sees each string here)."""
    from PySide6.QtCore import QCoreApplication as Q

    return {
        "name": Q.translate("Columns", "Name"), "size": Q.translate("Columns", "Size"),
        "state": Q.translate("Columns", "Status"),
        "progress": Q.translate("Columns", "Progress"),
        "speed": Q.translate("Columns", "Speed"), "eta": Q.translate("Columns", "Time left"),
        "started": Q.translate("Columns", "Started"),
        "result": Q.translate("Columns", "Result"),
        "records": Q.translate("Columns", "Records"),
        "bytes": Q.translate("Columns", "Transferred"),
        "duration": Q.translate("Columns", "Duration"),
        "message": Q.translate("Columns", "Details"),
    }


def file_state(f: dict[str, Any]) -> str:
    """A file's local state: "done" when cached, else its download state, else ""."""
    if f.get("cached") or f.get("downloaded"):
        return "done"
    download = f.get("download")
    if isinstance(download, dict) and download.get("state"):
        return str(download["state"])
    return str(f.get("state") or "")


class FilesModel(_TableModel):
    """The files of the resource shown in the detail pane."""

    COLUMNS = (("name", "Name"), ("size", "Size"), ("state", "Status"))
    FileRole = USER + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._files: list[dict[str, Any]] = []

    def set_files(self, files: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._files = list(files)
        self.endResetModel()

    def file(self, row: int) -> dict[str, Any] | None:
        return self._files[row] if 0 <= row < len(self._files) else None

    def files(self) -> list[dict[str, Any]]:
        return list(self._files)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._files)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._files):
            return None
        f = self._files[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == DISPLAY:
            if key == "name":
                return f.get("name", "")
            if key == "size":
                return human_size(f.get("size"))
            return file_state_label(file_state(f))
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "size":
            return int(ALIGN_RIGHT.value)
        if role == self.FileRole:
            return f
        return None


@dataclass(slots=True)
class LiveProgress:
    bytes_done: int
    speed_bps: float
    eta_s: float | None


class DownloadsModel(_TableModel):
    """The download queue, updated in place: rows keyed by sha256, progress live."""

    COLUMNS = (("name", "Name"), ("size", "Size"), ("progress", "Progress"),
               ("speed", "Speed"), ("eta", "Time left"), ("state", "Status"))
    ItemRole = USER + 1
    FractionRole = USER + 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[DownloadItem] = []
        self._live: dict[str, LiveProgress] = {}

    def items(self) -> list[DownloadItem]:
        return list(self._items)

    def item(self, row: int) -> DownloadItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, sha256: str) -> int:
        for row, it in enumerate(self._items):
            if it.sha256 == sha256:
                return row
        return -1

    def set_items(self, items: Sequence[DownloadItem]) -> None:
        """Merge a fresh queue listing: remove, update and append rows, never reset."""
        new = {it.sha256: it for it in items}
        for row in range(len(self._items) - 1, -1, -1):
            if self._items[row].sha256 not in new:
                self.beginRemoveRows(QModelIndex(), row, row)
                self._live.pop(self._items[row].sha256, None)
                del self._items[row]
                self.endRemoveRows()
        last = self.columnCount() - 1
        for row, it in enumerate(self._items):
            fresh = new.pop(it.sha256)
            if fresh != it:
                self._items[row] = fresh
                if fresh.state != "downloading":
                    self._live.pop(fresh.sha256, None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        added = [it for it in items if it.sha256 in new]
        if added:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._items.extend(added)
            self.endInsertRows()

    def update_progress(self, sha256: str, bytes_done: int, speed_bps: float,
                        eta_s: float | None) -> None:
        row = self.row_of(sha256)
        if row < 0:
            return
        self._live[sha256] = LiveProgress(bytes_done, speed_bps, eta_s)
        item = self._items[row]
        if item.state in ("queued",):
            item.state = "downloading"
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def pending_count(self) -> int:
        return sum(1 for it in self._items if it.state in ("queued", "downloading", "paused"))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def _fraction(self, it: DownloadItem) -> float:
        if it.state == "done":
            return 1.0
        live = self._live.get(it.sha256)
        done = live.bytes_done if live else it.bytes_done
        return min(1.0, done / it.size) if it.size else 0.0

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        it = self._items[index.row()]
        key = self.COLUMNS[index.column()][0]
        live = self._live.get(it.sha256) if it.state == "downloading" else None
        if role == DISPLAY:
            if key == "name":
                return it.name
            if key == "size":
                return human_size(it.size)
            if key == "progress":
                return f"{self._fraction(it) * 100:.0f}%"
            if key == "speed":
                return human_speed(live.speed_bps) if live else ""
            if key == "eta":
                return human_duration(live.eta_s) if live and live.eta_s is not None else ""
            label = file_state_label(it.state)
            return f"{label}: {_download_error(it)}" if it.state == "failed" and it.error \
                else label
        if role == Qt.ItemDataRole.ToolTipRole:
            return _download_error(it) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("size", "speed", "eta"):
            return int(ALIGN_RIGHT.value)
        if role == self.ItemRole:
            return it
        if role == self.FractionRole:
            return self._fraction(it)
        return None


def _download_error(it: DownloadItem) -> str:
    """Why a file failed, in the user's language (the stored English text for old rows)."""
    from desktop.ui.tasks import describe_recorded_error

    return describe_recorded_error(it.error, it.error_code, it.error_params)


class SyncHistoryModel(_TableModel):
    COLUMNS = (("started", "Started"), ("result", "Result"), ("records", "Records"),
               ("bytes", "Transferred"), ("duration", "Duration"), ("message", "Details"))
    RecordRole = USER + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[SyncRecord] = []

    def set_records(self, records: Sequence[SyncRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        rec = self._records[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            from PySide6.QtCore import QCoreApplication

            if key == "started":
                return human_time(rec.started)
            if key == "result":
                return QCoreApplication.translate("SyncResult", "completed") if rec.ok \
                    else QCoreApplication.translate("SyncResult", "failed")
            if key == "records":
                from PySide6.QtCore import QLocale

                return QLocale().toString(rec.records)
            if key == "bytes":
                return human_size(rec.bytes_wire)
            if key == "duration":
                return human_duration(_seconds_between(rec.started, rec.finished))
            if rec.ok and rec.message == "ok":
                return ""  # what the command line writes for a clean sync
            from desktop.ui.tasks import describe_recorded_error

            return describe_recorded_error(rec.message, rec.error_code, rec.error_params)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("records", "bytes",
                                                                 "duration"):
            return int(ALIGN_RIGHT.value)
        if role == self.RecordRole:
            return rec
        return None


def _seconds_between(a: str, b: str) -> float | None:
    from datetime import datetime

    try:
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
    except (TypeError, ValueError):
        return None
