"""The Library page: search as you type, facet filters, lazy results, a detail pane."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes, Filters
from desktop.ui.context import AppContext
from desktop.ui.detail_pane import DetailPane
from desktop.ui.downloads import DownloadController
from desktop.ui.formatting import as_list, grade_label
from desktop.ui.i18n import resource_type_label
from desktop.ui.library_widgets import FacetBox, ResourceDelegate
from desktop.ui.models import FacetModel, ResourceListModel
from desktop.ui.resources import icon
from desktop.ui.tasks import Lane
from desktop.ui.viewer import open_file, viewer_kind

# Results must be visible <= 100 ms after typing stops, so the debounce is short and a
# query typed while another runs is coalesced into one follow-up search (latest wins).
SEARCH_DEBOUNCE_MS = 25
FACETS = ("subject", "grade", "type", "collection")


class LibraryPage(QWidget):
    """Search box, facets, results and details. ``search_done`` fires after each search."""

    search_done = Signal(int)  # number of results

    def __init__(self, ctx: AppContext, downloads: DownloadController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.downloads = downloads
        self._generation = 0
        self._inflight = False
        self._facets_inflight = False
        self._facets_next: tuple[int, str, Filters] | None = None
        self._dirty = False
        self._typed_at = 0.0
        self.last_latency_ms: float | None = None
        self._collection_titles: dict[str, str] = {}
        self.viewers: list[Any] = []

        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.textChanged.connect(self._typed)
        self.search_edit.returnPressed.connect(self._search_now)
        self.count_label = QLabel(self)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_now)

        # Facets
        self.facet_models = {name: FacetModel(name, self) for name in FACETS}
        self.facet_boxes = {name: FacetBox(m, self) for name, m in self.facet_models.items()}
        for m in self.facet_models.values():
            m.checkedChanged.connect(self._search_now)
        self.downloaded_only = QCheckBox(self)
        self.downloaded_only.toggled.connect(self._search_now)
        self.clear_filters = QPushButton(self)
        self.clear_filters.clicked.connect(self.reset_filters)
        facet_panel = QWidget(self)
        fl = QVBoxLayout(facet_panel)
        fl.setContentsMargins(4, 4, 4, 4)
        self.filters_label = QLabel(facet_panel)
        bold = self.filters_label.font()
        bold.setBold(True)
        self.filters_label.setFont(bold)
        fl.addWidget(self.filters_label)
        fl.addWidget(self.downloaded_only)
        for box in self.facet_boxes.values():
            fl.addWidget(box)
        fl.addWidget(self.clear_filters)
        fl.addStretch(1)
        self.facet_scroll = QScrollArea(self)
        self.facet_scroll.setWidget(facet_panel)
        self.facet_scroll.setWidgetResizable(True)
        self.facet_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.facet_scroll.setMinimumWidth(240)

        # Results
        self.model = ResourceListModel(lambda ids: self.ctx.reader.rows(ids), ctx.language, self)
        self.results_view = QListView(self)
        self.results_view.setModel(self.model)
        self.results_view.setItemDelegate(ResourceDelegate(self.results_view))
        self.results_view.setUniformItemSizes(True)
        # Lay out 200,000 rows in slices between events, never in one long pass.
        self.results_view.setLayoutMode(QListView.LayoutMode.Batched)
        self.results_view.setBatchSize(500)
        self.results_view.setAlternatingRowColors(True)
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results_view.selectionModel().currentChanged.connect(self._current_changed)
        self.results_view.activated.connect(lambda _i: self.detail.open_button.click())
        self.model.modelReset.connect(self._restore_selection)
        self._selected_rowid: int | None = None

        self.detail = DetailPane(ctx.language, self)
        self.detail.download_requested.connect(self.download_resource)
        self.detail.cancel_requested.connect(self.downloads.cancel)
        self.detail.open_requested.connect(self.open_resource_file)

        results_panel = QWidget(self)
        rl = QVBoxLayout(results_panel)
        rl.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        rl.addLayout(top)
        rl.addWidget(self.count_label)
        rl.addWidget(self.results_view, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.facet_scroll)
        self.splitter.addWidget(results_panel)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([250, 520, 420])
        self.splitter.setChildrenCollapsible(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.splitter)

        self.setTabOrder(self.search_edit, self.results_view)
        self.setTabOrder(self.results_view, self.detail.description)
        self.setTabOrder(self.detail.description, self.detail.files)
        self.setTabOrder(self.detail.files, self.detail.download_button)
        self.setTabOrder(self.detail.download_button, self.detail.cancel_button)
        self.setTabOrder(self.detail.cancel_button, self.detail.open_button)
        self.setTabOrder(self.detail.open_button, self.downloaded_only)

        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()

    # -- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.search_edit.setPlaceholderText(
            self.tr("Search the library: title, topic, author… (Ctrl+F)"))
        self.search_edit.setAccessibleName(self.tr("Search the library"))
        self.results_view.setAccessibleName(self.tr("Search results"))
        self.filters_label.setText(self.tr("Filters"))
        self.downloaded_only.setText(self.tr("Downloaded only"))
        self.downloaded_only.setAccessibleName(self.tr("Show downloaded resources only"))
        self.clear_filters.setText(self.tr("Clear filters"))
        titles = {"subject": self.tr("Subject"), "grade": self.tr("Grade"),
                  "type": self.tr("Resource type"), "collection": self.tr("Collection")}
        for name, box in self.facet_boxes.items():
            box.setTitle(titles[name])
            box.view.setAccessibleName(titles[name])
            box.model.relabel(self._labeler(name))
        self._update_count(self.model.rowCount())

    def set_language(self, language: str) -> None:
        self.ctx.language = language
        self.model.language = language
        self.model.invalidate()
        self.detail.language = language

    def _labeler(self, facet: str) -> Any:
        language = self.ctx.language
        if facet == "type":
            return lambda v: resource_type_label(v, language)
        if facet == "grade":
            return grade_label
        if facet == "collection":
            return lambda v: self._collection_titles.get(v, v)
        return str

    def _update_count(self, n: int) -> None:
        total = self._total_resources()
        if total is not None and n == total and not self._has_query():
            self.count_label.setText(self.tr("{n} resources in the library").format(n=n))
        else:
            self.count_label.setText(self.tr("Found: {n}").format(n=n))

    def _total_resources(self) -> int | None:
        try:
            counts = self.ctx.reader.counts()
        except Exception:  # noqa: BLE001 - the label is decoration
            return None
        return counts.get("resources") if isinstance(counts, dict) else None

    def _has_query(self) -> bool:
        return bool(self.search_edit.text().strip()) or self.filters() != Filters()

    # -- searching --------------------------------------------------------------------
    def filters(self) -> Filters:
        grades = tuple(int(g) for g in self.facet_models["grade"].checked() if g.isdigit())
        return Filters(subjects=self.facet_models["subject"].checked(), grades=grades,
                       types=self.facet_models["type"].checked(),
                       collections=self.facet_models["collection"].checked(),
                       downloaded_only=self.downloaded_only.isChecked())

    def reset_filters(self) -> None:
        for m in self.facet_models.values():
            m.clear_checked(notify=False)
        self.downloaded_only.blockSignals(True)
        self.downloaded_only.setChecked(False)
        self.downloaded_only.blockSignals(False)
        self._search_now()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _typed(self, _text: str) -> None:
        self._typed_at = time.perf_counter()
        self._debounce.start()

    def refresh(self) -> None:
        """Search again with the current query (e.g. after the catalog changed)."""
        self._refresh_collections()
        self._search_now()

    def _search_now(self) -> None:
        self._debounce.stop()
        if self._inflight:
            self._dirty = True
            return
        query = self.search_edit.text().strip()
        filters = self.filters()
        self._generation += 1
        gen = self._generation
        self._inflight = True
        self._dirty = False

        def done(rowids: list[int]) -> None:
            if gen == self._generation:
                self._show_results(rowids)
                if self._typed_at:
                    self.last_latency_ms = (time.perf_counter() - self._typed_at) * 1000
                    self._typed_at = 0.0
                self._load_facets(gen, query, filters)

        def finished() -> None:
            self._inflight = False
            if self._dirty:
                self._search_now()

        self.ctx.tasks.op(lambda reader: reader.search(query, filters), Lane.SEARCH) \
            .success(done).finally_(finished).run()

    def _show_results(self, rowids: list[int]) -> None:
        self.model.set_rowids(rowids)
        self._update_count(len(rowids))
        self.search_done.emit(len(rowids))

    def _load_facets(self, gen: int, query: str, filters: Filters) -> None:
        """Count facets on their own lane; while one count runs, only the latest waits."""
        if self._facets_inflight:
            self._facets_next = (gen, query, filters)
            return
        self._facets_inflight = True

        def work(reader: Any) -> dict[str, list[tuple[str, int]]] | None:
            if gen != self._generation:
                return None  # a newer search is on its way; its facets will follow
            return reader.facets(query, filters)

        def finished() -> None:
            self._facets_inflight = False
            pending, self._facets_next = self._facets_next, None
            if pending is not None and pending[0] == self._generation:
                self._load_facets(*pending)

        self.ctx.tasks.op(work, Lane.FACETS).success(self._show_facets) \
            .finally_(finished).run()

    def _show_facets(self, facets: dict[str, list[tuple[str, int]]] | None) -> None:
        if facets is None:
            return
        for name, model in self.facet_models.items():
            values = facets.get(name, [])
            if name == "grade":
                values = sorted(values, key=lambda vc: int(vc[0]) if str(vc[0]).isdigit() else 99)
            model.set_counts(values, self._labeler(name))
        downloaded = sum(int(n) for v, n in facets.get("downloaded", [])
                         if str(v).lower() in ("1", "true", "yes", "downloaded"))
        self.downloaded_only.setText(self.tr("Downloaded only ({n})").format(n=downloaded))

    def _refresh_collections(self) -> None:
        try:
            self._collection_titles = {str(c["id"]): str(c.get("title", c["id"]))
                                       for c in self.ctx.reader.collections()}
        except Exception:  # noqa: BLE001 - titles are a nicety; ids still work
            self._collection_titles = {}

    # -- selection and details --------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rowid = current.data(ResourceListModel.RowidRole) if current.isValid() else None
        self._selected_rowid = rowid
        self.show_details(rowid)

    def _restore_selection(self) -> None:
        if self._selected_rowid is None:
            self.detail.show_resource(None)
            return
        row = self.model.row_of_rowid(self._selected_rowid)
        if row >= 0:
            self.results_view.setCurrentIndex(self.model.index(row))
        else:
            self._selected_rowid = None
            self.detail.show_resource(None)

    def show_details(self, rowid: int | None) -> None:
        res = self.ctx.reader.get_resource(rowid) if rowid is not None else None
        if res is not None and "collection_titles" not in res:
            res = dict(res)
            res["collection_titles"] = [self._collection_titles.get(str(c), str(c))
                                        for c in as_list(res.get("collections"))]
        self.detail.show_resource(res)

    def select_row(self, row: int) -> None:
        self.results_view.setCurrentIndex(self.model.index(row))

    # -- actions ----------------------------------------------------------------------
    def download_resource(self, resource_id: str) -> None:
        self.downloads.enqueue_resource(resource_id)

    def open_resource_file(self, f: dict[str, Any]) -> None:
        from desktop.sync.downloads import cache_relpath, open_copy

        sha = str(f["sha256"])
        path = self.ctx.paths.files / cache_relpath(sha)
        if f.get("path"):
            candidate = Path(str(f["path"]))
            path = candidate if candidate.is_absolute() else self.ctx.paths.files / candidate
        name, mime = str(f.get("name", sha)), str(f.get("mime", ""))
        if viewer_kind(mime, name) is not None:
            viewer = open_file(path, mime, name, self.window())
            if viewer is not None:
                self.viewers.append(viewer)
                viewer.destroyed.connect(lambda *_: self.viewers.remove(viewer)
                                         if viewer in self.viewers else None)
            return
        files_dir, open_dir = self.ctx.paths.files, self.ctx.paths.data / "open"
        self.ctx.tasks.op(lambda: open_copy(files_dir, sha, name, open_dir), Lane.NET) \
            .success(lambda p: open_file(p, mime, name, self.window())).run()

    # -- change notification ----------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        if changes.catalog:
            self.refresh()
            self.show_details(self._selected_rowid)
            return
        if changes.resources:
            self.model.refresh_resources(changes.resources)
            if self.detail.resource and self.detail.resource.get("id") in changes.resources:
                self.show_details(self._selected_rowid)
        elif changes.downloads and self.detail.resource is not None:
            self.show_details(self._selected_rowid)
        if changes.downloads and self.downloaded_only.isChecked():
            self._search_now()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

