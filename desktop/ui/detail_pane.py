"""The detail pane: everything about one resource, with download / cancel / open."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.formatting import as_list, grades_text
from desktop.ui.i18n import resource_type_label
from desktop.ui.models import FilesModel, file_state
from desktop.ui.resources import icon


class DetailPane(QWidget):
    """Everything about one resource, with download / cancel / open."""

    download_requested = Signal(str)
    cancel_requested = Signal(list)  # sha256s
    open_requested = Signal(dict)  # a file

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self.resource: dict[str, Any] | None = None
        self.sections: list[Any] = []  # features' sections: show_resource(res) each
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.placeholder = QLabel(self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.placeholder, 1)

        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self.body)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        self.title.setFont(f)
        self.meta = QLabel(self.body)
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.description = QTextBrowser(self.body)
        self.description.setOpenLinks(False)
        self.description.setFrameShape(QFrame.Shape.NoFrame)
        self.files_label = QLabel(self.body)
        self.files_model = FilesModel(self)
        self.files = QTableView(self.body)
        self.files.setModel(self.files_model)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.verticalHeader().hide()
        self.files.setShowGrid(False)
        self.files.setAlternatingRowColors(True)
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.files.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        self.files.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents)
        self.files.setWordWrap(False)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.files.doubleClicked.connect(lambda _i: self._open())
        self.files.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        self.download_button = QPushButton(icon("download"), "", self.body)
        self.cancel_button = QPushButton(icon("cancel"), "", self.body)
        self.open_button = QPushButton(icon("open"), "", self.body)
        for b in (self.download_button, self.cancel_button, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.download_button.clicked.connect(self._download)
        self.cancel_button.clicked.connect(self._cancel)
        self.open_button.clicked.connect(self._open)
        for w in (self.title, self.meta, self.files_label, self.files):
            body.addWidget(w)
        body.addLayout(buttons)
        body.addWidget(self.description, 1)
        self._body_layout = body
        layout.addWidget(self.body, 3)
        self.show_resource(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.placeholder.setText(self.tr("Select a resource to see its description and files."))
        self.files_label.setText(self.tr("Files"))
        self.download_button.setText(self.tr("Download"))
        self.download_button.setToolTip(self.tr("Download the files of this resource"))
        self.cancel_button.setText(self.tr("Cancel download"))
        self.open_button.setText(self.tr("Open"))
        self.open_button.setToolTip(self.tr("Open the selected file (double-click works too)"))
        self.description.setAccessibleName(self.tr("Description"))
        self.files.setAccessibleName(self.tr("Files of the resource"))
        self.title.setAccessibleName(self.tr("Title"))
        if self.resource is not None:
            self.show_resource(self.resource)

    def add_section(self, widget: QWidget) -> None:
        """Add a feature's section below the description (e.g. reviews and notes)."""
        self.sections.append(widget)
        self._body_layout.addWidget(widget, 2)
        widget.show_resource(self.resource)

    def show_resource(self, res: dict[str, Any] | None) -> None:
        self.resource = res
        for section in self.sections:
            section.show_resource(res)
        self.placeholder.setVisible(res is None)
        self.body.setVisible(res is not None)
        if res is None:
            self.files_model.set_files([])
            return
        self.title.setText(res.get("title", ""))
        rows: list[tuple[str, str]] = [
            (self.tr("Type"), resource_type_label(str(res.get("type", "")), self.language)),
            (self.tr("Subjects"), ", ".join(map(str, as_list(res.get("subjects"))))),
            (self.tr("Grades"), grades_text(as_list(res.get("grades")))),
            (self.tr("Authors"), ", ".join(map(str, as_list(res.get("authors"))))),
            (self.tr("License"), str(res.get("license") or "")),
        ]
        collections = res.get("collection_titles") or []
        if collections:
            rows.append((self.tr("Collections"), ", ".join(map(str, collections))))
        self.meta.setText("<table cellspacing=2>" + "".join(
            f"<tr><td style='color:gray;padding-right:8px'>{escape(k)}</td>"
            f"<td>{escape(v)}</td></tr>" for k, v in rows if v) + "</table>")
        self.description.setPlainText(str(res.get("description") or ""))
        files = list(res.get("files") or [])
        self.files_model.set_files(files)
        row_h = self.files.verticalHeader().defaultSectionSize()
        self.files.setFixedHeight(self.files.horizontalHeader().sizeHint().height()
                                  + row_h * min(max(len(files), 1), 5)
                                  + 2 * self.files.frameWidth())
        if files:
            first_done = next((i for i, f in enumerate(files) if file_state(f) == "done"), 0)
            self.files.selectRow(first_done)
        self._update_buttons()

    def selected_file(self) -> dict[str, Any] | None:
        rows = self.files.selectionModel().selectedRows()
        if rows:
            return self.files_model.file(rows[0].row())
        return None

    def _update_buttons(self) -> None:
        files = self.files_model.files()
        states = [file_state(f) for f in files]
        self.download_button.setEnabled(any(s in ("", "none", "failed", "cancelled")
                                            for s in states))
        self.cancel_button.setEnabled(any(s in ("queued", "downloading", "paused")
                                          for s in states))
        sel = self.selected_file()
        self.open_button.setEnabled(sel is not None and file_state(sel) == "done")

    def _download(self) -> None:
        if self.resource is not None:
            self.download_requested.emit(str(self.resource["id"]))

    def _cancel(self) -> None:
        shas = [f["sha256"] for f in self.files_model.files()
                if file_state(f) in ("queued", "downloading", "paused")]
        if shas:
            self.cancel_requested.emit(shas)

    def _open(self) -> None:
        f = self.selected_file()
        if f is not None and file_state(f) == "done":
            self.open_requested.emit(f)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
