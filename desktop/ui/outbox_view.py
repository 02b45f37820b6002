"""The outbox: everything written offline, with its state; conflicts side by side.

Nothing is dropped silently: an answered item leaves only when the user discards it. For a
conflict the user keeps their text (a new edit on the portal's version) or discards it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.discussion_models import OutboxModel
from desktop.ui.markdown_view import MarkdownView
from desktop.ui.tasks import Lane

ANSWERED = ("applied", "duplicate", "conflict", "rejected")


class ConflictPane(QWidget):
    """Your text and the portal's, side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mine_label = QLabel(self)
        self.theirs_label = QLabel(self)
        self.mine = MarkdownView(self)
        self.theirs = MarkdownView(self)
        self.keep_button = QPushButton(self)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.mine_label, 0, 0)
        grid.addWidget(self.theirs_label, 0, 1)
        grid.addWidget(self.mine, 1, 0)
        grid.addWidget(self.theirs, 1, 1)
        grid.addWidget(self.keep_button, 2, 0)


class OutboxView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size:15px;font-weight:600;")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.model = OutboxModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        self.discard_button = QPushButton(self)
        self.discard_button.clicked.connect(self.discard)
        self.conflict = ConflictPane(self)
        self.conflict.keep_button.clicked.connect(self.keep_mine)
        self.conflict.hide()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.conflict, 2)
        layout.addLayout(row)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Outbox"))
        self.hint.setText(self.tr("What you wrote offline is sent with the next sync, once. "
                                  "Answered items stay here until you remove them."))
        self.conflict.mine_label.setText(self.tr("Your text"))
        self.conflict.theirs_label.setText(self.tr("On the portal now"))
        self.conflict.keep_button.setText(self.tr("Keep mine"))
        self._selected()  # the discard button's text depends on the item

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        self.ctx.tasks.op(lambda reader: reader.outbox(), Lane.SEARCH) \
            .success(self._show).run()

    def _show(self, items: list[Any]) -> None:
        current = self.current()
        self.model.set_items(list(reversed(items)))  # newest first
        if current is not None:
            for row in range(self.model.rowCount()):
                if self.model.item(row).op_id == current.op_id:
                    self.table.selectRow(row)
        self._selected()

    def current(self) -> Any:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _selected(self) -> None:
        item = self.current()
        self.discard_button.setEnabled(item is not None and item.state in ANSWERED)
        if item is not None and item.state == "conflict":
            current = (item.result or {}).get("current") or {}
            self.conflict.mine.set_markdown(str(item.data.get("body_md", "")))
            self.conflict.theirs.set_markdown(str(current.get("body_md", "")))
            self.conflict.show()
            self.discard_button.setText(self.tr("Discard my text"))
        else:
            self.conflict.hide()
            self.discard_button.setText(self.tr("Remove from the list"))

    def discard(self) -> None:
        item = self.current()
        if item is None or item.state not in ANSWERED:
            return
        op_id = item.op_id
        self.ctx.tasks.op(lambda store: store.discard_op(op_id)) \
            .success(lambda ch: self.ctx.hub.publish(ch | Changes(outbox=True))).run()

    def keep_mine(self) -> None:
        """Send the local text again, now based on the portal's current version."""
        item = self.current()
        if item is None or item.state != "conflict":
            return
        op_id, post_id = item.op_id, str(item.data.get("id", ""))
        body = str(item.data.get("body_md", ""))
        version = ((item.result or {}).get("entity") or {}).get("version")

        def write(store: Any) -> Changes:
            _op, changes = store.edit_post(post_id, body, base_version=version)
            return changes | store.discard_op(op_id)

        self.ctx.tasks.op(write).success(
            lambda ch: self.ctx.hub.publish(ch | Changes(outbox=True))).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.outbox or changes.sync_state:
            self.refresh()
