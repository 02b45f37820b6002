"""Lesson sets: personal collections of library resources, private by default, shareable with
one association the user belongs to (its members then see the set). A tab of the Courses page.

Own sets are edited offline (each change is one outbox op); colleagues' shared sets are read
only. Resources are added from a resource's page (desktop/ui/resource_community.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.context import AppContext
from desktop.ui.tasks import Lane

SET_ROLE = Qt.ItemDataRole.UserRole + 1
RESOURCE_ROLE = Qt.ItemDataRole.UserRole + 2


class LessonSetsPanel(QWidget):
    resource_requested = Signal(str)  # show this resource in the library

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: dict[str, Any] | None = None
        self._data: dict[str, Any] = {"names": {}, "own": [], "shared": [], "titles": {},
                                      "memberships": []}
        self.own = False
        self.sets = QListWidget(self)
        self.sets.setWordWrap(True)
        self.sets.setSpacing(3)
        self.sets.setAlternatingRowColors(True)
        self.sets.currentItemChanged.connect(lambda cur, _p: self.show_set(
            cur.data(SET_ROLE) if cur is not None else None))
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)

        detail = QWidget(self)
        dv = QVBoxLayout(detail)
        self.title = QLabel(detail)
        f = self.title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.2)
        self.title.setFont(f)
        self.title.setWordWrap(True)
        self.info = QLabel(detail)
        self.info.setWordWrap(True)
        self.resources = QListWidget(detail)
        self.resources.setSpacing(2)
        self.resources.itemActivated.connect(
            lambda it: self.resource_requested.emit(it.data(RESOURCE_ROLE)))
        share = QHBoxLayout()
        self.share_label = QLabel(detail)
        self.share = QComboBox(detail)
        self.share.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.share.activated.connect(lambda _i: self.change_sharing())
        self.remove_button = QPushButton(detail)
        self.remove_button.clicked.connect(self.remove_resource)
        self.delete_button = QPushButton(detail)
        self.delete_button.clicked.connect(self.delete_set)
        for w in (self.share_label, self.share):
            share.addWidget(w)
        share.addStretch(1)
        share.addWidget(self.remove_button)
        share.addWidget(self.delete_button)
        for w in (self.title, self.info):
            dv.addWidget(w)
        dv.addLayout(share)
        dv.addWidget(self.resources, 1)
        self.detail = detail

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.addWidget(self.sets, 1)
        lv.addWidget(self.empty)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(detail)
        split.setSizes([320, 760])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.retranslate()

    def retranslate(self) -> None:
        self.sets.setAccessibleName(self.tr("Lesson sets"))
        self.empty.setText(self.tr("No lesson sets yet. On a resource's page (Library), "
                                   "choose “New set…” to start one."))
        self.share_label.setText(self.tr("Shared with:"))
        self.share.setAccessibleName(self.tr("Shared with"))
        self.remove_button.setText(self.tr("Remove from set"))
        self.delete_button.setText(self.tr("Delete set"))
        self.resources.setAccessibleName(self.tr("Resources of the set"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self.isVisible():
            self.retranslate()
            self.refresh()
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        def read(reader: Any) -> dict[str, Any]:
            # Off the GUI thread (house rule): everything the list and the detail show.
            own = reader.lesson_sets()
            shared = [s for s in reader.shared_lesson_sets()
                      if s["id"] not in {o["id"] for o in own}]
            titles = {}
            for s in [*own, *shared]:
                for rid in s["resource_ids"]:
                    if rid not in titles:
                        res = reader.get_resource(rid)
                        titles[rid] = res["title"] if res else rid
            return {"names": {a["id"]: a["name"] for a in reader.associations()},
                    "own": own, "shared": shared, "titles": titles,
                    "memberships": list(reader.memberships())}

        self.ctx.tasks.op(read, Lane.SEARCH).success(self._show_sets).parent(self).run()

    def _show_sets(self, data: dict[str, Any]) -> None:
        self._data = data
        keep = self.current["id"] if self.current else None
        names = data["names"]
        self.sets.blockSignals(True)
        self.sets.clear()
        select = None
        for s in data["own"]:
            where = (self.tr("shared: {association}").format(
                association=names.get(s["shared_with"], s["shared_with"]))
                if s["shared_with"] else self.tr("private"))
            it = QListWidgetItem(f"{s['title']}\n{self.tr('mine')} · {where}", self.sets)
            it.setData(SET_ROLE, s["id"])
            select = it if s["id"] == keep else select
        for s in data["shared"]:
            it = QListWidgetItem(f"{s['title']}\n{s.get('owner', '')} · "
                                 f"{s.get('association', '')}", self.sets)
            it.setData(SET_ROLE, s["id"])
            select = it if s["id"] == keep else select
        self.sets.blockSignals(False)
        self.empty.setVisible(self.sets.count() == 0)
        if select is None and self.sets.count():
            select = self.sets.item(0)
        if select is not None:
            self.sets.setCurrentItem(select)
        self.show_set(select.data(SET_ROLE) if select is not None else None)

    def show_set(self, set_id: str | None) -> None:
        data = self._data
        own = {s["id"]: s for s in data["own"]}
        shared = {s["id"]: s for s in data["shared"]}
        s = own.get(set_id or "") or shared.get(set_id or "")
        self.current, self.own = s, bool(s and s["id"] in own)
        self.detail.setEnabled(s is not None)
        if s is None:
            self.title.setText("")
            self.info.setText("")
            self.resources.clear()
            return
        self.title.setText(s["title"])
        info = s.get("description") or ""
        if not self.own:
            info = (self.tr("Shared by {owner}").format(owner=s.get("owner", ""))
                    + (f"\n{info}" if info else ""))
        self.info.setText(info)
        self.resources.clear()
        for rid in s["resource_ids"]:
            it = QListWidgetItem(data["titles"].get(rid, rid), self.resources)
            it.setData(RESOURCE_ROLE, rid)
        self.share.clear()
        self.share.addItem(self.tr("Nobody (private)"), None)
        names = data["names"]
        for aid in sorted(data["memberships"], key=lambda a: names.get(a, a)):
            self.share.addItem(names.get(aid, aid), aid)
        index = self.share.findData(s["shared_with"]) if s["shared_with"] else 0
        self.share.setCurrentIndex(max(index, 0))
        for w in (self.share, self.remove_button, self.delete_button):
            w.setEnabled(self.own)

    # -- writes ----------------------------------------------------------------------------
    def _save(self, **changes: Any) -> None:
        s = self.current
        if s is None or not self.own:
            return
        values = {"title": s["title"], "resource_ids": s["resource_ids"],
                  "description": s["description"], "shared_with": s["shared_with"], **changes}
        self.ctx.tasks.op(lambda store: store.save_lesson_set(
            s["id"], values["title"], values["resource_ids"],
            description=values["description"], shared_with=values["shared_with"])) \
            .success(lambda r: self.ctx.hub.publish(r[-1])).parent(self).run()

    def change_sharing(self) -> None:
        if self.current is not None and self.share.currentData() != self.current["shared_with"]:
            self._save(shared_with=self.share.currentData())

    def remove_resource(self) -> None:
        it = self.resources.currentItem()
        if it is not None and self.current is not None:
            rid = it.data(RESOURCE_ROLE)
            self._save(resource_ids=[r for r in self.current["resource_ids"] if r != rid])

    def delete_set(self) -> None:
        s = self.current
        if s is not None and self.own:
            self.current = None
            self.ctx.tasks.op(lambda store: store.delete_lesson_set(s["id"])) \
                .success(lambda r: self.ctx.hub.publish(r[-1])).parent(self).run()
