"""The Downloads page: the queue with per-file progress, speed and time left."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.downloads import DownloadController
from desktop.ui.formatting import human_size
from desktop.ui.models import DownloadsModel
from desktop.ui.resources import icon
from desktop.ui.tasks import Lane


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        fraction = index.data(DownloadsModel.FractionRole)
        if fraction is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 4, -4, -4)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(fraction * 1000)
        bar.text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class DownloadsPage(QWidget):
    def __init__(self, ctx: AppContext, controller: DownloadController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller
        self.model = DownloadsModel(self)
        self.heading = QLabel(self)
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.heading.setFont(f)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("background:#fdecea;color:#8a1c12;padding:6px;"
                                   "border-radius:4px;")
        self.problem.hide()
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(self.model.column_of("progress"),
                                           ProgressDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(90)
        self.view.setColumnWidth(self.model.column_of("progress"), 160)
        header.setSectionResizeMode(self.model.column_of("progress"),
                                    QHeaderView.ResizeMode.Fixed)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text);")

        self.pause_button = QPushButton(icon("pause"), "", self)
        self.resume_button = QPushButton(icon("resume"), "", self)
        self.cancel_button = QPushButton(icon("cancel"), "", self)
        self.retry_button = QPushButton(icon("retry"), "", self)
        self.pause_button.clicked.connect(lambda: controller.pause(self._selected("pause")))
        self.resume_button.clicked.connect(lambda: controller.resume(self._selected("resume")))
        self.cancel_button.clicked.connect(lambda: controller.cancel(self._selected("cancel")))
        self.retry_button.clicked.connect(lambda: controller.retry(self._selected("retry")))
        buttons = QHBoxLayout()
        for b in (self.pause_button, self.resume_button, self.cancel_button, self.retry_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.heading)
        layout.addWidget(self.info)
        layout.addWidget(self.problem)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)

        controller.progress.connect(self._on_progress)
        controller.problem.connect(self.show_problem)
        ctx.hub.changed.connect(self.on_changes)
        ctx.hub.settings_changed.connect(self._update_info)
        self.model.rowsInserted.connect(lambda *_: self._update_empty())
        self.model.rowsRemoved.connect(lambda *_: self._update_empty())
        self.model.modelReset.connect(self._update_empty)
        self.retranslate()
        self._update_empty()
        self._update_buttons()

    _ALLOWED = {"pause": ("queued", "downloading"), "resume": ("paused",),
                "cancel": ("queued", "downloading", "paused", "failed"),
                "retry": ("failed", "cancelled")}

    def _selected(self, action: str) -> list[str]:
        rows = {i.row() for i in self.view.selectionModel().selectedRows()}
        items = [self.model.item(r) for r in sorted(rows)]
        return [it.sha256 for it in items if it is not None and it.state in self._ALLOWED[action]]

    def _update_buttons(self) -> None:
        for action, button in (("pause", self.pause_button), ("resume", self.resume_button),
                               ("cancel", self.cancel_button), ("retry", self.retry_button)):
            button.setEnabled(bool(self._selected(action)))

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Downloads"))
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button.setText(self.tr("Resume"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.retry_button.setText(self.tr("Retry"))
        self.view.setAccessibleName(self.tr("Download queue"))
        self.empty.setText(self.tr("Nothing is being downloaded. Choose a resource in the "
                                   "Library and press “Download”."))
        self._update_info()

    def _update_info(self) -> None:
        cap = self.ctx.settings.bandwidth_cap_kbps
        limit = self.tr("no speed limit") if cap <= 0 else \
            self.tr("speed limited to {speed}/s").format(speed=human_size(cap * 1024))
        self.info.setText(self.tr("Files are saved in {folder}; {limit} (change in Settings).")
                          .format(folder=self.ctx.paths.files, limit=limit))

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def refresh(self) -> None:
        """Reload the queue listing (small) and merge it into the model."""
        self.ctx.tasks.op(lambda reader: reader.download_queue(), Lane.SEARCH) \
            .success(self._set_items).run()

    def _set_items(self, items: list[Any]) -> None:
        visible = [it for it in items if it.state != "done"]
        self.model.set_items(visible)
        self._update_buttons()

    def _on_progress(self, batch: dict[str, Any]) -> None:
        for p in batch.values():
            self.model.update_progress(p.sha256, p.bytes_done, p.speed_bps, p.eta_s)

    def on_changes(self, changes: Changes) -> None:
        if changes.downloads:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
