"""Models of the Discussions page: a forum's threads (lazy, fetched in pages off the GUI
thread) and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from desktop.ui.formatting import human_time

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
USER = Qt.ItemDataRole.UserRole
PAGE = 100

# fetch(offset, limit, deliver): runs the read in the background, then deliver(rows).
PageFetcher = Callable[[int, int, Callable[[list[dict[str, Any]]], None]], None]


class ThreadListModel(QAbstractListModel):
    """A forum's threads, pinned first; bold when unread. Pages arrive via ``fetch``."""

    ThreadIdRole = USER + 1
    UnreadRole = USER + 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self._fetch: PageFetcher | None = None
        self._more = False
        self._loading = False
        self._generation = 0
        self._resetting = False

    def reset(self, fetch: PageFetcher | None) -> None:
        """Show another forum (``None``: nothing); the first page is fetched at once."""
        self._resetting = True  # no fetch while views react to the reset (nested signals)
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._fetch = fetch
        self._more = fetch is not None
        self._loading = False
        self.endResetModel()
        self._resetting = False
        if fetch is not None:
            self.fetchMore(QModelIndex())

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index) -> bool:
        return (not parent.isValid() and self._more and not self._loading
                and not self._resetting)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or not self.canFetchMore(parent) or self._fetch is None:
            return
        self._loading = True
        generation = self._generation
        self._fetch(len(self._rows), PAGE,
                    lambda rows: self._arrived(generation, rows))

    def _arrived(self, generation: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return  # a page for a forum no longer shown
        self._loading = False
        self._more = len(rows) >= PAGE
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def row(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        t = self._rows[index.row()]
        if role == DISPLAY:
            q = QCoreApplication
            marks = ("📌 " if t.get("pinned") else "") + ("🔒 " if t.get("locked") else "")
            unread = int(t.get("unread") or 0)
            tail = q.translate("Discussions", " · {n} new").format(n=unread) if unread else ""
            when = human_time(t["last_post_at"]) if t.get("last_post_at") else ""
            local = q.translate("Discussions", " · not sent") if t.get("local") else ""
            return f"{marks}{t['title']}\n{when}{tail}{local}"
        if role == Qt.ItemDataRole.FontRole and t.get("unread"):
            font = QFont()
            font.setBold(True)
            return font
        if role == self.ThreadIdRole:
            return t["id"]
        if role == self.UnreadRole:
            return int(t.get("unread") or 0)
        return None


def outbox_state_text(item: Any) -> str:
    """"not sent" / "sent" / "failed: reason", as the issue asks."""
    q = QCoreApplication
    if item.state in ("pending", "sent"):
        return q.translate("Discussions", "not sent")
    if item.state in ("applied", "duplicate"):
        return q.translate("Discussions", "sent")
    reason = item.message or item.reason or item.state
    if item.state == "conflict":
        reason = q.translate("Discussions", "edited on the portal meanwhile")
    return q.translate("Discussions", "failed: {reason}").format(reason=reason)


def outbox_what(item: Any) -> str:
    q = QCoreApplication
    names = {"thread.create": q.translate("Discussions", "New thread"),
             "post.create": q.translate("Discussions", "Reply"),
             "post.edit": q.translate("Discussions", "Edit"),
             "reaction.set": q.translate("Discussions", "Reaction"),
             "read.set": q.translate("Discussions", "Read mark"),
             "follow.set": q.translate("Discussions", "Follow"),
             "post.delete": q.translate("Discussions", "Deletion"),
             "post.flag": q.translate("Discussions", "Complaint to moderators"),
             "question.ask": q.translate("Discussions", "Question to methodologists"),
             "answer.create": q.translate("Discussions", "Answer"),
             "answer.accept": q.translate("Discussions", "Accepted answer"),
             "event.create": q.translate("Discussions", "New event"),
             "event.cancel": q.translate("Discussions", "Event cancelled"),
             "event.mark": q.translate("Discussions", "Event reminder"),
             "level.grant": q.translate("Discussions", "Top level grant"),
             "course.enroll": q.translate("Discussions", "Course enrolment"),
             "course.progress": q.translate("Discussions", "Course progress"),
             "review.set": q.translate("Discussions", "Review of a resource"),
             "review.delete": q.translate("Discussions", "Review deleted"),
             "lesson_set.save": q.translate("Discussions", "Lesson set"),
             "lesson_set.delete": q.translate("Discussions", "Lesson set deleted")}
    text = str(item.data.get("title") or item.data.get("body_md") or "")
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:79] + "…"
    name = names.get(item.type, item.type)
    return f"{name}: {text}" if text else name


class OutboxModel(QAbstractTableModel):
    """Outbox items in writing order: what, state, when."""

    ItemRole = USER + 1
    COLUMNS = 3

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Any] = []

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != DISPLAY:
            return None
        q = QCoreApplication
        names = (q.translate("Discussions", "What"), q.translate("Discussions", "State"),
                 q.translate("Discussions", "Written"))
        return names[section] if 0 <= section < len(names) else None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == DISPLAY:
            col = index.column()
            if col == 0:
                return outbox_what(item)
            if col == 1:
                return outbox_state_text(item)
            if col == 2:
                return human_time(item.created)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and item.state in ("conflict", "rejected"):
            from PySide6.QtGui import QColor

            return QColor("#8a1c12")
        if role == self.ItemRole:
            return item
        return None
