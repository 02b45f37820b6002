"""The Leaders page: an association's members by contribution level (computed on the
portal from helpful activity; docs/leaders.md), and the coordinator's hand-granted top level.

    page = install_leaders(window)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.consult_models import LeadersModel, source_label
from desktop.ui.consultations_page import my_associations_coordinated, set_sidebar_title
from desktop.ui.context import AppContext
from desktop.ui.tasks import Lane, show_error


class LeadersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.associations: list[dict[str, Any]] = []
        self.coordinates: set[str] = set()

        self.assoc_combo = QComboBox(self)
        self.assoc_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.grant_button = QPushButton(self)
        self.grant_button.clicked.connect(self.toggle_grant)
        top = QHBoxLayout()
        top.addWidget(self.assoc_combo, 1)
        top.addWidget(self.grant_button)

        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color:#555;")
        self.model = LeadersModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Two lines per member (name, school), whatever the width: no re-measuring on resize.
        self.table.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().lineSpacing() * 2 + 12)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_grant())
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.empty_label = QLabel(self)
        self.empty_label.setStyleSheet("color:#666;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.explain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.detail)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()

    def page_title(self) -> str:
        return self.tr("Leaders")

    def retranslate(self) -> None:
        self.explain.setText(self.tr(
            "Levels grow with helpful work in the association: accepted answers to "
            "consultations, “useful” marks on posts, regular activity; posts hidden by "
            "moderators count against. The portal recalculates them; a coordinator may "
            "grant the top level by hand (★)."))
        self._update_grant()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- data -------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        self.ctx.tasks.op(my_associations_coordinated, Lane.SEARCH) \
            .success(self._show_associations).run()

    def _show_associations(self, data: Any) -> None:
        self.associations, self.coordinates = data
        keep = self.assoc_combo.currentData()
        self.assoc_combo.blockSignals(True)
        self.assoc_combo.clear()
        for a in self.associations:
            self.assoc_combo.addItem(a["name"], a["id"])
        index = self.assoc_combo.findData(keep)
        if index < 0:  # start with the regional association, where the leaders are
            index = next((i for i, a in enumerate(self.associations)
                          if a.get("kind") == "regional" and a.get("my_role")), 0)
        self.assoc_combo.setCurrentIndex(index)
        self.assoc_combo.blockSignals(False)
        self.reload()

    def select_association(self, association_id: str) -> None:
        index = self.assoc_combo.findData(association_id)
        if index >= 0:
            self.assoc_combo.setCurrentIndex(index)

    def reload(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        aid = self.assoc_combo.currentData()
        if aid is None:
            self.model.set_rows([])
            self._after_rows()
            return
        self.ctx.tasks.op(lambda reader: reader.leaders(aid, 100), Lane.SEARCH) \
            .success(lambda rows: self._show_rows(aid, rows)).run()

    def _show_rows(self, aid: str, rows: list[dict[str, Any]]) -> None:
        if aid != self.assoc_combo.currentData():
            return
        self.model.set_rows(rows)
        self._after_rows()

    def _after_rows(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_label.setText(self.tr("No levels here yet: they appear after the portal "
                                         "counts the association's activity.") if empty else "")
        self.empty_label.setVisible(empty)
        self._update_grant()

    def _current(self) -> dict[str, Any] | None:
        row = self.table.currentIndex().row()
        return self.model.row(row) if 0 <= row < self.model.rowCount() else None

    def _update_grant(self) -> None:
        r = self._current()
        aid = self.assoc_combo.currentData()
        self.grant_button.setVisible(aid in self.coordinates)
        self.grant_button.setEnabled(r is not None)
        self.grant_button.setText(self.tr("Take back the top level") if r and r.get("granted")
                                  else self.tr("Grant the top level"))
        if r is None:
            self.detail.clear()
            return
        parts = [f"{source_label(k)}: {v}" for k, v in (r.get("sources") or {}).items() if v]
        self.detail.setText(f"{r['display_name']}: " + (", ".join(parts) or "—"))

    def toggle_grant(self) -> None:
        r = self._current()
        aid = self.assoc_combo.currentData()
        if r is None or aid is None:
            return
        on = not r.get("granted")
        user_id = r["user_id"]

        def done(changes: Changes) -> None:
            self.ctx.hub.publish(changes)
            self.detail.setText(self.tr("Saved. The portal applies it with the next sync."))

        self.ctx.tasks.op(lambda store: store.grant_level(aid, user_id, on)[1]) \
            .success(done).failure(lambda exc: show_error(self, exc)).run()

    def on_changes(self, changes: Changes) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        if changes.community or changes.sync_state:
            self.refresh()


def install_leaders(window: Any) -> LeadersPage:
    """Add the Leaders page after Events (or Discussions)."""
    page = LeadersPage(window.ctx, window)
    after = next((n for n in ("events", "consultations", "discussions")
                  if n in window.page_names), "library")
    window.add_page("leaders", page, after=after)
    page.refresh()
    set_sidebar_title(window, "leaders", page)
    return page
