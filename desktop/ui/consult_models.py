"""Models and labels of the Consultations, Events and Leaders pages.

``QuestionListModel`` is lazy (pages of questions fetched off the GUI thread, like the
forum's threads); the calendar and the leaders list are short by nature (an association's
events, its ranked members) and are set whole.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from desktop.ui.discussion_models import ThreadListModel
from desktop.ui.formatting import human_time

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
USER = Qt.ItemDataRole.UserRole
q = QCoreApplication


def category_label(category: str) -> str:
    return {
        "catalog": q.translate("Consultations", "Library stock and catalogue"),
        "lessons": q.translate("Consultations", "Lessons and digital resources"),
        "digital": q.translate("Consultations", "Computers and software"),
        "programmes": q.translate("Consultations", "Programmes and standards"),
        "reading": q.translate("Consultations", "Reading and school events"),
        "other": q.translate("Consultations", "Other"),
    }.get(category, category)


CATEGORY_ORDER = ("catalog", "lessons", "digital", "programmes", "reading", "other")


def status_label(status: str) -> str:
    return {"open": q.translate("Consultations", "awaiting an answer"),
            "answered": q.translate("Consultations", "answered")}.get(status, status)


def level_label(level: int) -> str:
    names = (q.translate("Leaders", "Newcomer"), q.translate("Leaders", "Participant"),
             q.translate("Leaders", "Active participant"), q.translate("Leaders", "Expert"),
             q.translate("Leaders", "Network leader"))
    return names[level] if 0 <= level < len(names) else str(level)


def source_label(name: str) -> str:
    return {
        "accepted_answers": q.translate("Leaders", "accepted answers"),
        "reactions_received": q.translate("Leaders", "“useful” marks received"),
        "active_days": q.translate("Leaders", "days of activity"),
        "moderated": q.translate("Leaders", "posts hidden by moderators"),
        "reviews": q.translate("Leaders", "reviews"),
        "course_completions": q.translate("Leaders", "courses completed"),
    }.get(name, name)


def kind_label(kind: str) -> str:
    return {"seminar": q.translate("Events", "Seminar"),
            "webinar": q.translate("Events", "Webinar"),
            "meeting": q.translate("Events", "Meeting")}.get(kind, kind)


def local_time(stamp: str) -> datetime:
    """A UTC stamp from the portal in this computer's time zone (display only)."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone()


def author_with_level(name: str, level: int) -> str:
    if not name:
        name = q.translate("Consultations", "unknown author")
    return f"{name} · {level_label(level)}" if level > 0 else name


class QuestionListModel(ThreadListModel):
    """Questions, newest first; bold when one of mine has answers I have not opened."""

    QuestionIdRole = USER + 11
    UnseenRole = USER + 12

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        item = self.row(index.row())
        if role == DISPLAY:
            answers = int(item.get("answer_count") or 0)
            parts = [category_label(item.get("category", "")),
                     status_label(item.get("status", ""))]
            parts.append(q.translate("Consultations", "answers: {n}").format(n=answers))
            if item.get("accepted_answer_id"):
                parts.append(q.translate("Consultations", "an answer is accepted"))
            if item.get("local"):
                parts.append(q.translate("Consultations", "not sent"))
            unseen = int(item.get("unseen") or 0)
            mark = "● " if unseen and item.get("mine") else ""
            when = human_time(item["created"]) if item.get("created") else ""
            author = author_with_level(item.get("author_name", ""),
                                       item.get("author_level", 0))
            return (f"{mark}{item['title']}\n{' · '.join(parts)}\n{author}"
                    f"{' · ' + when if when else ''}")
        if role == Qt.ItemDataRole.FontRole and item.get("mine") and item.get("unseen"):
            font = QFont()
            font.setBold(True)
            return font
        if role == self.QuestionIdRole:
            return item["id"]
        if role == self.UnseenRole:
            return int(item.get("unseen") or 0)
        return None


class _RowsTableModel(QAbstractTableModel):
    """A short table set whole: rows of dicts, ``COLUMNS`` columns named by ``headers()``."""

    COLUMNS = 0

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != DISPLAY:
            return None
        names = self.headers()
        return names[section] if 0 <= section < len(names) else None

    def headers(self) -> tuple[str, ...]:
        raise NotImplementedError


class EventTableModel(_RowsTableModel):
    """An association calendar: when, what, where, and whether I asked to be reminded."""

    COLUMNS = 5
    EventIdRole = USER + 21

    def headers(self) -> tuple[str, ...]:
        return (q.translate("Events", "When"), q.translate("Events", "Event"),
                q.translate("Events", "Kind"), q.translate("Events", "Association"),
                q.translate("Events", "Reminder"))

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e = self._rows[index.row()]
        col = index.column()
        if role == DISPLAY:
            if col == 0:
                start, end = local_time(e["starts"]), local_time(e["ends"])
                return f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}"
            if col == 1:
                title = e["title"]
                if e.get("cancelled"):
                    title = q.translate("Events", "{title} (cancelled)").format(title=title)
                if e.get("local"):
                    title += q.translate("Events", " · not sent")
                return title
            if col == 2:
                return kind_label(e.get("kind", ""))
            if col == 3:
                return e.get("association_name", "")
            if col == 4:
                if not e.get("marked"):
                    return ""
                return q.translate("Events", "★ {n} min before").format(
                    n=e.get("remind_minutes") or 0)
        if role == Qt.ItemDataRole.FontRole and e.get("cancelled"):
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == self.EventIdRole:
            return e["id"]
        return None


class LeadersModel(_RowsTableModel):
    """An association's members by rank: level, score and where the score comes from."""

    COLUMNS = 4
    UserIdRole = USER + 31

    def headers(self) -> tuple[str, ...]:
        return (q.translate("Leaders", "#"), q.translate("Leaders", "Member"),
                q.translate("Leaders", "Level"), q.translate("Leaders", "Score"))

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == DISPLAY:
            if col == 0:
                return str(r["rank"])
            if col == 1:
                school = r.get("school") or ""
                return f"{r['display_name']}\n{school}" if school else r["display_name"]
            if col == 2:
                label = level_label(int(r["level"]))
                return f"★ {label}" if r.get("granted") else label
            if col == 3:
                return str(r["score"])
        if role == Qt.ItemDataRole.ToolTipRole:
            sources = r.get("sources") or {}
            if isinstance(sources, str):
                sources = json.loads(sources)
            lines = [f"{source_label(k)}: {v}" for k, v in sources.items() if v]
            if r.get("granted"):
                lines.append(q.translate("Leaders", "top level granted by a coordinator"))
            return "\n".join(lines) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == self.UserIdRole:
            return r["user_id"]
        return None
