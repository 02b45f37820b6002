"""The Sync page: Sync now / Cancel, live progress, and the history of past syncs."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QLocale, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.formatting import human_duration, human_size, human_time
from desktop.ui.models import SyncHistoryModel
from desktop.ui.resources import icon
from desktop.ui.sync_controller import SyncController
from desktop.ui.tasks import Lane

PROGRESS_DELAY_MS = 500  # progress appears only for work longer than half a second


class SyncPage(QWidget):
    def __init__(self, ctx: AppContext, controller: SyncController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller
        self.heading = QLabel(self)
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.heading.setFont(f)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.sync_button = QPushButton(icon("sync"), "", self)
        self.cancel_button = QPushButton(icon("cancel"), "", self)
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(controller.cancel)
        self.cancel_button.setEnabled(False)
        self.usb_button = QPushButton(self)  # USB bundles (desktop/ui/bundle_dialog.py)
        self.usb_button.clicked.connect(self.open_usb)

        self.progress_box = QFrame(self)
        self.progress_box.setFrameShape(QFrame.Shape.StyledPanel)
        pl = QVBoxLayout(self.progress_box)
        self.phase_label = QLabel(self.progress_box)
        self.bar = QProgressBar(self.progress_box)
        self.stats_label = QLabel(self.progress_box)
        pl.addWidget(self.phase_label)
        pl.addWidget(self.bar)
        pl.addWidget(self.stats_label)
        self.progress_box.hide()
        self._reveal = QTimer(self, singleShot=True, interval=PROGRESS_DELAY_MS)
        self._reveal.timeout.connect(self._show_progress)

        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_label = QLabel(self)
        hf = self.history_label.font()
        hf.setBold(True)
        self.history_label.setFont(hf)
        self.history_model = SyncHistoryModel(self)
        self.history = QTableView(self)
        self.history.setModel(self.history_model)
        self.history.verticalHeader().hide()
        self.history.setShowGrid(False)
        self.history.setAlternatingRowColors(True)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setWordWrap(False)
        header = self.history.horizontalHeader()
        for col in range(self.history_model.columnCount() - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.usb_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_box)
        layout.addWidget(self.result_label)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history, 1)

        controller.started.connect(self._started)
        controller.progressed.connect(self._progressed)
        controller.finished.connect(self._finished)
        ctx.hub.changed.connect(self.on_changes)
        ctx.hub.settings_changed.connect(self._update_summary)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Synchronisation"))
        self.sync_button.setText(self.tr("Sync now (F5)"))
        self.sync_button.setAccessibleName(self.tr("Sync now"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the sync"))
        self.usb_button.setText(self.tr("USB drive…"))
        self.usb_button.setToolTip(self.tr("Bring the library or the outbox to or from a "
                                           "computer without Internet"))
        self.history_label.setText(self.tr("History"))
        self.history.setAccessibleName(self.tr("Sync history"))
        self.bar.setAccessibleName(self.tr("Sync progress"))
        self._update_summary()

    def _update_summary(self) -> None:
        s = self.ctx.settings
        url = self.ctx.portal_url
        lines = [self.tr("Portal: {url}").format(url=url) if url else
                 self.tr("No portal is set: Okno works with the sample library. "
                         "Enter a portal address in Settings.")]
        if s.sync_interval_min > 0:
            auto = self.tr("Automatic sync every {n} min").format(n=s.sync_interval_min)
            if s.sync_window_enabled:
                auto += self.tr(", only between {a} and {b}").format(a=s.sync_window_start,
                                                                     b=s.sync_window_end)
            lines.append(auto + ".")
        else:
            lines.append(self.tr("Automatic sync is off (see Settings)."))
        if s.metered:
            lines.append(self.tr("Metered connection: only the catalog is synchronised, "
                                 "files are not downloaded."))
        self.summary.setText("\n".join(lines))

    # -- actions --------------------------------------------------------------------------
    def sync_now(self) -> bool:
        return self.controller.start()

    def open_usb(self) -> Any:
        from desktop.ui.bundle_dialog import BundleDialog

        dialog = BundleDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _started(self) -> None:
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.result_label.clear()
        self.bar.setRange(0, 0)
        self.phase_label.setText(self.tr("Connecting to the portal…"))
        self.stats_label.clear()
        self._reveal.start()

    def _show_progress(self) -> None:
        if self.controller.is_syncing:
            self.progress_box.show()

    def phase_text(self, phase: str) -> str:
        return {
            "hello": self.tr("Connecting to the portal…"),
            "snapshot": self.tr("Receiving the library snapshot…"),
            "changes": self.tr("Receiving changes…"),
            "files": self.tr("Downloading files…"),
            "waiting": self.tr("The connection failed; waiting to retry…"),
            "done": self.tr("Finishing…"),
        }.get(phase, phase)

    def _progressed(self, p: Any) -> None:
        self.phase_label.setText(self.phase_text(p.phase))
        elapsed = max(time.monotonic() - self.controller.started_at, 1e-3)
        stats = self.tr("{records} records, {bytes} received").format(
            records=QLocale().toString(int(p.records)), bytes=human_size(p.bytes_wire))
        if p.total_records:
            self.bar.setRange(0, int(p.total_records))
            self.bar.setValue(min(int(p.records), int(p.total_records)))
            rate = p.records / elapsed
            if rate > 0 and p.records < p.total_records:
                stats += " · " + self.tr("about {t} left").format(
                    t=human_duration((p.total_records - p.records) / rate))
        else:
            self.bar.setRange(0, 0)
        self.stats_label.setText(stats)

    def _finished(self, result: Any, error: str | None) -> None:
        self._reveal.stop()
        self.progress_box.hide()
        self.sync_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if error:
            self.result_label.setStyleSheet("color:#8a1c12;")
            self.result_label.setText(error)
        elif result is not None:
            self.result_label.setStyleSheet("")
            text = self.tr("Done: {records} records, {bytes} in {time}.").format(
                records=result.records, bytes=human_size(result.bytes_wire),
                time=human_duration(result.seconds))
            note = getattr(result, "note_code", "")
            if note == "library_read_only":
                text += " " + self.tr("The shared library of this computer is read-only for "
                                      "your account; the administrator's scheduled sync keeps "
                                      "it up to date.")
            elif note == "library_busy":
                text += " " + self.tr("The shared library is being updated right now (by the "
                                      "scheduled sync or another user); it will be up to date "
                                      "when that finishes.")
            self.result_label.setText(text)

    # -- data -----------------------------------------------------------------------------
    def refresh(self) -> None:
        self.ctx.tasks.op(lambda reader: reader.sync_history(50), Lane.SEARCH) \
            .success(self.history_model.set_records).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.sync_state:
            self.refresh()

    def last_sync_text(self) -> str:
        last = self.ctx.reader.last_sync()
        return human_time(last.finished) if last is not None else ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
