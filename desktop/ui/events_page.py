"""The Events page: the calendars of the user's associations (kept on this computer, so it
works offline), "remind me", reminders while the app runs, and iCalendar export.

    page = install_events(window)

Reminders use an injected clock (``clock()`` -> aware datetime; ``datetime.now(UTC)`` by
default) and only decide when to show a reminder: nothing synced is ever ordered by it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ics import calendar_ics, event_filename
from desktop.store.types import Changes
from desktop.ui.consult_models import EventTableModel, kind_label, local_time
from desktop.ui.consultations_page import (
    NOTICE_STYLE,
    my_associations_coordinated,
    set_sidebar_title,
)
from desktop.ui.context import AppContext
from desktop.ui.markdown_view import MarkdownView
from desktop.ui.tasks import Lane, show_error

REMINDER_CHECK_MS = 30_000
REMIND_CHOICES = (15, 60, 180, 1440)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def write_ics(path: Path, data: bytes) -> None:
    """Write atomically: a half-written calendar file never replaces a good one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".okno-", suffix=".ics")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NewEventDialog(QDialog):
    """A coordinator's new event: kind, title, local start, length, place or link."""

    def __init__(self, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New event"))
        self.kind = QComboBox(self)
        for k in ("seminar", "webinar", "meeting"):
            self.kind.addItem(kind_label(k), k)
        self.title_edit = QLineEdit(self)
        self.title_edit.setMaxLength(300)
        self.starts = QDateTimeEdit(self)
        self.starts.setCalendarPopup(True)
        start = (now.astimezone() + timedelta(days=7)).replace(minute=0, second=0,
                                                               microsecond=0)
        self.starts.setDateTime(QDateTime(start.year, start.month, start.day, start.hour, 0, 0))
        self.hours = QSpinBox(self)
        self.hours.setRange(1, 72)
        self.hours.setValue(2)
        self.location = QLineEdit(self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://")
        self.description = QPlainTextEdit(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Kind:"), self.kind)
        form.addRow(self.tr("Title:"), self.title_edit)
        form.addRow(self.tr("Starts (local time):"), self.starts)
        form.addRow(self.tr("Hours:"), self.hours)
        form.addRow(self.tr("Place:"), self.location)
        form.addRow(self.tr("Link:"), self.url)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.description, 1)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.title_edit.text().strip():
            self.accept()

    def values(self) -> dict[str, str]:
        start = self.starts.dateTime().toSecsSinceEpoch()
        starts = datetime.fromtimestamp(start, UTC)
        ends = starts + timedelta(hours=self.hours.value())
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return {"kind": self.kind.currentData(), "title": self.title_edit.text().strip(),
                "starts": starts.strftime(fmt), "ends": ends.strftime(fmt),
                "location": self.location.text().strip(), "url": self.url.text().strip(),
                "description": self.description.toPlainText()}


class EventsPage(QWidget):
    reminder = Signal(str)  # the text of a reminder being shown

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.clock = clock
        self.associations: list[dict[str, Any]] = []
        self.coordinates: set[str] = set()
        self.current_event: dict[str, Any] | None = None
        self.shown_reminders: list[dict[str, Any]] = []  # this session's (tests read it)
        self.ask_file: Callable[[str, str], str] = self._ask_file

        self.assoc_combo = QComboBox(self)
        self.assoc_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.past_box = QCheckBox(self)
        self.past_box.toggled.connect(lambda _on: self.reload())
        self.new_button = QPushButton(self)
        self.new_button.clicked.connect(self.new_event)
        self.export_all_button = QPushButton(self)
        self.export_all_button.clicked.connect(self.export_calendar)
        top = QHBoxLayout()
        top.addWidget(self.assoc_combo, 2)
        top.addWidget(self.past_box)
        top.addStretch(1)
        top.addWidget(self.new_button)
        top.addWidget(self.export_all_button)

        self.notice = QLabel(self)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.model = EventTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(3, 260)  # long association names elide; the title gets the room
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._selected(cur.row()))

        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size:15px;font-weight:600;")
        self.meta = QLabel(self)
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = MarkdownView(self)
        self.remind_box = QCheckBox(self)
        self.remind_box.clicked.connect(self._remind_toggled)
        self.remind_combo = QComboBox(self)
        self.remind_combo.activated.connect(
            lambda _i: self._remind_toggled() if self.remind_box.isChecked() else None)
        self.export_button = QPushButton(self)
        self.export_button.clicked.connect(self.export_event)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.cancel_event)
        actions = QHBoxLayout()
        actions.addWidget(self.remind_box)
        actions.addWidget(self.remind_combo)
        actions.addStretch(1)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.export_button)
        details = QWidget(self)
        dl = QVBoxLayout(details)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.title)
        dl.addWidget(self.meta)
        dl.addWidget(self.description, 1)
        dl.addLayout(actions)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(details)
        self.splitter.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)

        self.timer = QTimer(self, interval=REMINDER_CHECK_MS)
        self.timer.timeout.connect(self.check_reminders)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()
        self.show_event(None)

    # -- texts ------------------------------------------------------------------------
    def page_title(self) -> str:
        return self.tr("Events")

    def retranslate(self) -> None:
        self.past_box.setText(self.tr("Show past events"))
        self.new_button.setText(self.tr("New event…"))
        self.export_all_button.setText(self.tr("Export calendar (.ics)…"))
        self.export_button.setText(self.tr("Export event (.ics)…"))
        self.cancel_button.setText(self.tr("Cancel event"))
        self.remind_box.setText(self.tr("Remind me"))
        keep = self.remind_combo.currentData()
        self.remind_combo.clear()
        for minutes in REMIND_CHOICES:
            if minutes < 60:
                text = self.tr("{n} minutes before").format(n=minutes)
            elif minutes < 1440:
                text = self.tr("{n} h before").format(n=minutes // 60)
            else:
                text = self.tr("a day before")
            self.remind_combo.addItem(text, minutes)
        self.remind_combo.setCurrentIndex(max(self.remind_combo.findData(keep or 60), 0))
        self._fill_associations()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _fill_associations(self) -> None:
        keep = self.assoc_combo.currentData()
        self.assoc_combo.blockSignals(True)
        self.assoc_combo.clear()
        self.assoc_combo.addItem(self.tr("All my associations"), None)
        for a in self.associations:
            self.assoc_combo.addItem(a["name"], a["id"])
        self.assoc_combo.setCurrentIndex(max(self.assoc_combo.findData(keep), 0))
        self.assoc_combo.blockSignals(False)
        aid = self.assoc_combo.currentData()
        self.new_button.setEnabled(aid in self.coordinates)

    # -- data -------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        self.ctx.tasks.op(my_associations_coordinated, Lane.SEARCH) \
            .success(self._show_associations).run()

    def _show_associations(self, data: Any) -> None:
        self.associations, self.coordinates = data
        self._fill_associations()
        self.reload()

    def reload(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        aid = self.assoc_combo.currentData()
        since = None if self.past_box.isChecked() else \
            self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        known = {a["id"] for a in self.associations}
        self.new_button.setEnabled(aid in self.coordinates)

        def read(reader: Any) -> Any:
            rows = reader.events(association_id=aid, since=since)
            return [r for r in rows if aid is not None or r["association_id"] in known]

        self.ctx.tasks.op(read, Lane.SEARCH).success(self._show_rows).run()

    def _show_rows(self, rows: list[dict[str, Any]]) -> None:
        current = self.current_event["id"] if self.current_event else None
        self.model.set_rows(rows)
        for row in range(self.model.rowCount()):
            if self.model.row(row)["id"] == current:
                self.table.selectRow(row)
                self.show_event(self.model.row(row))
                return
        self.show_event(None)

    def _selected(self, row: int) -> None:
        self.show_event(self.model.row(row) if 0 <= row < self.model.rowCount() else None)

    def show_event(self, e: dict[str, Any] | None) -> None:
        self.current_event = e
        for w in (self.remind_box, self.remind_combo, self.export_button):
            w.setEnabled(e is not None and not (e or {}).get("cancelled"))
        self.cancel_button.setVisible(e is not None and e["association_id"] in self.coordinates
                                      and not e.get("cancelled"))
        if e is None:
            self.title.setText(self.tr("Choose an event to see the details."))
            self.meta.clear()
            self.description.set_markdown("")
            self.remind_box.setChecked(False)
            return
        start, end = local_time(e["starts"]), local_time(e["ends"])
        title = e["title"]
        if e.get("cancelled"):
            title = self.tr("{title} (cancelled)").format(title=title)
        self.title.setText(title)
        lines = [f"{kind_label(e['kind'])} · {start:%d.%m.%Y %H:%M}–{end:%H:%M} · "
                 f"{e.get('association_name', '')}"]
        if e.get("location"):
            lines.append(self.tr("Place: {place}").format(place=e["location"]))
        if e.get("url"):
            lines.append(self.tr("Link: {url}").format(url=e["url"]))
        self.meta.setText("\n".join(lines))
        self.description.set_markdown(e.get("description") or "")
        self.remind_box.setChecked(bool(e.get("marked")))
        if e.get("remind_minutes") is not None:
            index = self.remind_combo.findData(e["remind_minutes"])
            if index >= 0:
                self.remind_combo.setCurrentIndex(index)

    # -- actions ----------------------------------------------------------------------
    def _remind_toggled(self, _checked: bool = False) -> None:
        """"Remind me" ticked or unticked, or another time chosen while it is ticked."""
        e = self.current_event
        if e is None:
            return
        on = self.remind_box.isChecked()
        minutes = int(self.remind_combo.currentData() or 60)
        event_id = e["id"]
        self.ctx.tasks.op(lambda store: store.mark_event(event_id, on, minutes)[1]) \
            .success(self.ctx.hub.publish).failure(lambda exc: show_error(self, exc)).run()

    def set_reminder(self, on: bool, minutes: int = 60) -> None:
        """Tick "remind me" with ``minutes`` (for tests and keyboard users)."""
        index = self.remind_combo.findData(minutes)
        if index >= 0:
            self.remind_combo.setCurrentIndex(index)
        self.remind_box.setChecked(on)
        self._remind_toggled()

    def new_event(self) -> None:
        aid = self.assoc_combo.currentData()
        if aid not in self.coordinates:
            return
        dlg = NewEventDialog(self.clock(), self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.submit_event(aid, dlg.values()))
        self.new_dialog = dlg
        dlg.open()

    def submit_event(self, association_id: str, v: dict[str, str]) -> None:
        self.ctx.tasks.op(lambda store: store.create_event(
            association_id, v["kind"], v["title"], v["starts"], v["ends"],
            v.get("description", ""), v.get("location", ""), v.get("url", ""))[2]) \
            .success(self.ctx.hub.publish).failure(lambda exc: show_error(self, exc)).run()

    def cancel_event(self) -> None:
        e = self.current_event
        if e is None:
            return
        answer = QMessageBox.question(self, self.tr("Cancel event"),
                                      self.tr("Cancel “{title}” for everyone?").format(
                                          title=e["title"]))
        if answer == QMessageBox.StandardButton.Yes:
            event_id = e["id"]
            self.ctx.tasks.op(lambda store: store.cancel_event(event_id)[1]) \
                .success(self.ctx.hub.publish).failure(lambda exc: show_error(self, exc)).run()

    def _ask_file(self, suggested: str, caption: str) -> str:
        start = str(Path.home() / suggested)
        path, _ = QFileDialog.getSaveFileName(self, caption, start,
                                              self.tr("iCalendar files (*.ics)"))
        return path

    def export_event(self) -> None:
        if self.current_event is not None:
            self.export([self.current_event], event_filename(self.current_event),
                        self.tr("Export event"))

    def export_calendar(self) -> None:
        rows = [self.model.row(r) for r in range(self.model.rowCount())]
        if rows:
            self.export(rows, "okno-calendar.ics", self.tr("Export calendar"))

    def export(self, rows: list[dict[str, Any]], suggested: str, caption: str) -> None:
        path = self.ask_file(suggested, caption)
        if not path:
            return
        if not path.lower().endswith(".ics"):
            path += ".ics"
        name = self.assoc_combo.currentText()
        now = self.clock()
        data = calendar_ics(rows, now=now, name=name)
        self.ctx.tasks.op(lambda _reader: write_ics(Path(path), data), Lane.SEARCH) \
            .success(lambda _r: self._notice(self.tr("Saved to {path}").format(path=path))) \
            .failure(lambda exc: show_error(self, exc)).run()

    # -- reminders --------------------------------------------------------------------
    def start_reminders(self) -> None:
        self.timer.start()
        self.check_reminders()

    def check_reminders(self) -> None:
        if self.ctx.tasks.closed:
            return
        now = self.clock()
        self.ctx.tasks.op(lambda reader: reader.due_reminders(now), Lane.SEARCH) \
            .success(self._remind).run()

    def _remind(self, due: list[dict[str, Any]]) -> None:
        for e in due:
            minutes = max(0, int((local_time(e["starts"]) - self.clock()).total_seconds()
                                 // 60))
            text = self.tr("Reminder: “{title}” starts in {n} min ({when}).").format(
                title=e["title"], n=minutes, when=f"{local_time(e['starts']):%d.%m %H:%M}")
            self.shown_reminders.append(e)
            self._notice(text)
            self.reminder.emit(text)
            self.ctx.tasks.op(lambda store, i=e["id"], s=e["starts"]:
                              store.note_reminder_shown(i, s)).run()

    def _notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    # -- changes ----------------------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        if changes.community or changes.sync_state or changes.outbox:
            self.refresh()


def install_events(window: Any) -> EventsPage:
    """Add the Events page after Consultations (or Discussions); reminders start now."""
    page = EventsPage(window.ctx, window)
    after = "consultations" if "consultations" in window.page_names else "discussions"
    window.add_page("events", page, after=after)
    page.reminder.connect(lambda text: window.statusBar().showMessage(text, 60_000))
    page.refresh()
    page.start_reminders()
    set_sidebar_title(window, "events", page)
    return page
