"""The "USB drive" dialog: export the library or the outbox to a drive, and check and import
a bundle from one (who made it, what it carries), all off the GUI thread via tasks.py.

    BundleDialog(ctx, parent).exec()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.sync.http import CancelToken
from desktop.ui.context import AppContext
from desktop.ui.formatting import human_size
from desktop.ui.tasks import Lane, ProgressHolder
from protocol import bundle as pb


class BundleDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: Any = None  # the last checked bundle (importer.Report)
        self.last_result = ""
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._export_tab(), "")
        self.tabs.addTab(self._import_tab(), "")
        self.close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.close_box)
        self.resize(640, 560)
        self.retranslate()
        self._load_choices()

    # -- building ---------------------------------------------------------------------------
    def _export_tab(self) -> QWidget:
        page = QWidget(self)
        self.what_library = QRadioButton(page)
        self.what_outbox = QRadioButton(page)
        self.what_library.setChecked(True)
        self.with_files = QCheckBox(page)
        self.with_forums = QCheckBox(page)
        self.full = QCheckBox(page)
        self.subjects = QListWidget(page)
        self.subjects.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.collections = QListWidget(page)
        self.collections.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grade_boxes = [QCheckBox(str(g), page) for g in range(1, 12)]
        grades = QHBoxLayout()
        for box in self.grade_boxes:
            grades.addWidget(box)
        grades.addStretch(1)
        self.choice_box = QGroupBox(page)
        grid = QGridLayout(self.choice_box)
        self.subjects_label = QLabel(self.choice_box)
        self.collections_label = QLabel(self.choice_box)
        self.grades_label = QLabel(self.choice_box)
        grid.addWidget(self.subjects_label, 0, 0)
        grid.addWidget(self.collections_label, 0, 1)
        grid.addWidget(self.subjects, 1, 0)
        grid.addWidget(self.collections, 1, 1)
        grid.addWidget(self.grades_label, 2, 0, 1, 2)
        grid.addLayout(grades, 3, 0, 1, 2)
        self.dest = QLineEdit(page)
        self.dest_button = QPushButton(page)
        self.dest_button.clicked.connect(self._choose_dest)
        dest = QHBoxLayout()
        dest.addWidget(self.dest, 1)
        dest.addWidget(self.dest_button)
        self.export_button = QPushButton(page)
        self.export_button.clicked.connect(self.export)
        self.export_result = QLabel(page)
        self.export_result.setWordWrap(True)
        self.export_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dest_label = QLabel(page)
        for w in (self.what_outbox, self.what_library, self.with_files):
            w.toggled.connect(self._update_enabled)
        layout = QVBoxLayout(page)
        layout.addWidget(self.what_library)
        layout.addWidget(self.with_files)
        layout.addWidget(self.choice_box, 1)
        layout.addWidget(self.with_forums)
        layout.addWidget(self.full)
        layout.addWidget(self.what_outbox)
        layout.addWidget(self.dest_label)
        layout.addLayout(dest)
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.export_result)
        return page

    def _import_tab(self) -> QWidget:
        page = QWidget(self)
        self.source = QLineEdit(page)
        self.source_button = QPushButton(page)
        self.source_button.clicked.connect(self._choose_source)
        self.check_button = QPushButton(page)
        self.check_button.clicked.connect(self.check)
        src = QHBoxLayout()
        src.addWidget(self.source, 1)
        src.addWidget(self.source_button)
        src.addWidget(self.check_button)
        self.summary = QLabel(page)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.trust_button = QPushButton(page)
        self.trust_button.clicked.connect(self.trust_key)
        self.trust_button.hide()
        self.import_button = QPushButton(page)
        self.import_button.clicked.connect(self.do_import)
        self.import_button.setEnabled(False)
        self.deliver_button = QPushButton(page)
        self.deliver_button.clicked.connect(self.deliver)
        self.deliver_button.hide()
        self.source_label = QLabel(page)
        form = QFormLayout()
        form.addRow(self.source_label, src)
        buttons = QHBoxLayout()
        buttons.addWidget(self.trust_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.deliver_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)
        return page

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("USB drive"))
        self.tabs.setTabText(0, self.tr("Write to a drive"))
        self.tabs.setTabText(1, self.tr("Read from a drive"))
        self.what_library.setText(self.tr("The library (catalog; only what the receiving "
                                          "computers do not have yet)"))
        self.with_files.setText(self.tr("With the downloaded files"))
        self.choice_box.setTitle(self.tr("Files only of (nothing ticked: all files)"))
        self.subjects_label.setText(self.tr("Subjects"))
        self.collections_label.setText(self.tr("Collections"))
        self.grades_label.setText(self.tr("Grades"))
        self.with_forums.setText(self.tr("With the followed forums (open associations and "
                                         "the directory; never personal data)"))
        self.full.setText(self.tr("Everything, ignoring the receipts on the drive"))
        self.what_outbox.setText(self.tr("My outbox: posts, reactions and read marks "
                                         "written here, for a computer with Internet"))
        self.dest_label.setText(self.tr("Folder on the drive:"))
        self.dest_button.setText(self.tr("Choose…"))
        self.export_button.setText(self.tr("Write to the drive"))
        self.source_label.setText(self.tr("Bundle file:"))
        self.source_button.setText(self.tr("Choose…"))
        self.check_button.setText(self.tr("Check"))
        self.trust_button.setText(self.tr("Trust this portal key"))
        self.import_button.setText(self.tr("Import"))
        self.deliver_button.setText(self.tr("Deliver to the portal"))
        self._update_enabled()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _load_choices(self) -> None:
        reader = self.ctx.reader
        try:
            subjects = reader.facets().get("subject", [])
            collections = reader.collections()
        except Exception:  # an empty or missing library: nothing to choose from
            subjects, collections = [], []
        for value, n in subjects:
            item = QListWidgetItem(f"{value} ({n})", self.subjects)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setCheckState(Qt.CheckState.Unchecked)
        for c in collections[:500]:
            item = QListWidgetItem(c["title"], self.collections)
            item.setData(Qt.ItemDataRole.UserRole, c["id"])
            item.setCheckState(Qt.CheckState.Unchecked)

    def _update_enabled(self) -> None:
        library = self.what_library.isChecked()
        self.with_files.setEnabled(library)
        self.with_forums.setEnabled(library)
        self.full.setEnabled(library)
        self.choice_box.setEnabled(library and self.with_files.isChecked())

    @staticmethod
    def _ticked(widget: QListWidget) -> list[str]:
        return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked]

    def _choose_dest(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder on the drive"))
        if folder:
            self.dest.setText(folder)

    def _choose_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Bundle file"), "",
                                              self.tr("Okno bundles (*.okb)"))
        if path:
            self.source.setText(path)
            self.check()

    # -- export ---------------------------------------------------------------------------
    def export(self) -> None:
        dest = self.dest.text().strip()
        if not dest:
            self.export_result.setText(self.tr("Choose a folder on the drive first."))
            return
        paths = self.ctx.paths
        outbox = self.what_outbox.isChecked()
        options = {"files": self.with_files.isChecked(), "full": self.full.isChecked(),
                   "forums": self.with_forums.isChecked(),
                   "subjects": self._ticked(self.subjects),
                   "collections": self._ticked(self.collections),
                   "grades": [g for g, b in enumerate(self.grade_boxes, 1) if b.isChecked()]}
        cancel = CancelToken()
        holder = ProgressHolder()

        def work(store: Any) -> Any:
            from desktop.bundle.export import export_library, export_outbox

            if outbox:
                return export_outbox(store, paths, Path(dest))
            return export_library(
                store, paths, Path(dest), progress=lambda d, t: holder.set(
                    "", d / max(t, 1)), cancel=cancel.check, **options)

        self.export_button.setEnabled(False)
        self.ctx.tasks.op(work, Lane.DB).with_progress(
            self, self.tr("Writing the bundle…"), cancel, holder) \
            .success(lambda s: self._exported(s, outbox)).failure(self._export_failed) \
            .finally_(lambda: self.export_button.setEnabled(True)).run()

    def _exported(self, summary: Any, outbox: bool) -> None:
        if outbox:
            self.ctx.hub.publish(Changes(outbox=True))
        if not summary.volumes:
            text = (self.tr("The outbox is empty: there is nothing to send.") if outbox else
                    self.tr("The computers that left receipts on this drive already have "
                            "everything; nothing was written."))
        elif outbox:
            text = self.tr("Written: {n} item(s) of the outbox to {file}. Take the drive to "
                           "a computer with Internet and import it there.").format(
                n=summary.ops, file=summary.volumes[0])
        else:
            text = self.tr("Written: {file} ({volumes} part(s)); {records} records, {files} "
                           "file(s), {size}.").format(
                file=summary.volumes[0], volumes=len(summary.volumes),
                records=sum(s[2] for s in summary.streams.values()), files=summary.files,
                size=human_size(summary.file_bytes))
        later = getattr(summary, "forums_later", [])
        if later and not outbox:
            text += "\n" + self.tr("Not included: {forums}. They were received before this "
                                   "version of Okno; synchronise once more to include "
                                   "them.").format(
                forums=", ".join(self.tr("the directory of associations") if s == "directory"
                                 else n for s, n in later))
        self.last_result = text
        self.export_result.setStyleSheet("")
        self.export_result.setText(text)

    def _export_failed(self, exc: BaseException) -> None:
        self._fail(self.export_result, exc)

    def _fail(self, label: QLabel, exc: BaseException) -> None:
        from desktop.ui.tasks import describe_error

        text = self.bundle_error_text(exc) if isinstance(exc, pb.BundleError) else \
            describe_error(exc)
        self.last_result = text
        label.setStyleSheet("color:#8a1c12;")
        label.setText(text)

    def bundle_error_text(self, exc: pb.BundleError) -> str:
        return {
            "unsigned": self.tr("The bundle is not signed. Okno imports only signed bundles; "
                                "nothing was imported."),
            "tampered": self.tr("The bundle was changed after it was made, or it is damaged. "
                                "Nothing was imported."),
            "truncated": self.tr("The bundle is incomplete (the copy did not finish, or a "
                                 "part is missing). Nothing was imported."),
            "wrong_key": self.tr("The bundle is signed by a key this computer does not "
                                 "trust. Nothing was imported."),
            "untrusted": self.tr("This computer cannot confirm who made the bundle. Nothing "
                                 "was imported."),
            "gap": self.tr("The bundle continues from a later point than this computer has: "
                           "import the earlier bundle first, or ask for a full one."),
            "other_portal": self.tr("The bundle belongs to another portal than this "
                                    "computer's library."),
            "space": self.tr("There is not enough free space for the bundle."),
            "not_a_bundle": self.tr("This file is not an Okno bundle."),
        }.get(exc.code, str(exc))

    # -- import ---------------------------------------------------------------------------
    def _pinned(self) -> tuple[str, bool]:
        s = self.ctx.settings
        return s.portal_bundle_key, not s.bundles_portal_only

    def check(self) -> None:
        path = Path(self.source.text().strip())
        pinned, allow_device = self._pinned()
        paths = self.ctx.paths
        self.import_button.setEnabled(False)
        self.trust_button.hide()
        self.deliver_button.hide()

        def work(store: Any) -> Any:
            from desktop.bundle.importer import inspect

            return inspect(path, paths, pinned=pinned, allow_device=allow_device, store=store)

        self.ctx.tasks.op(work, Lane.DB).success(self._checked).failure(self._check_failed) \
            .run()

    def _checked(self, report: Any) -> None:
        self.report = report
        self.summary.setStyleSheet("")
        self.summary.setText(self.describe(report))
        if report.kind == "outbox":
            self.deliver_button.setVisible(True)
            self.deliver_button.setEnabled(bool(self.ctx.portal_url))
        else:
            self.import_button.setEnabled(True)

    def _check_failed(self, exc: BaseException) -> None:
        self.report = None
        self._fail(self.summary, exc)
        if isinstance(exc, pb.BundleError) and exc.code == "untrusted" \
                and exc.params.get("fingerprint"):
            self.summary.setText(self.summary.text() + "\n" + self.tr(
                "The bundle names the portal key {fp}. If your district office confirms this "
                "key, you may trust it.").format(fp=exc.params["fingerprint"]))
            self.trust_button.show()

    def describe(self, report: Any) -> str:
        c = report.creator
        fp = pb.short_fingerprint(report.fingerprint)
        if report.trust == "portal":
            who = self.tr("Made by the portal «{name}» (key {fp}, trusted).").format(
                name=c.get("name", ""), fp=fp)
        else:
            who = self.tr("Made on the computer «{device}» by {user} (key {fp}). Import it "
                          "only if you know where it comes from.").format(
                device=c.get("device_name") or "?",
                user=c.get("user_name") or self.tr("an unknown user"), fp=fp)
        lines = [who]
        if report.kind == "outbox":
            lines.append(self.tr("An outbox: {n} item(s) written offline, to be delivered to "
                                 "the portal.").format(n=report.ops))
        for s in report.streams:
            state = {"skip_have": self.tr(" — already here"),
                     "skip_user": self.tr(" — another user's, will be skipped"),
                     "skip_old": self.tr(" — an older copy is here; it will be kept and "
                                         "brought up to date by a sync")}.get(
                s.action, "")
            lines.append(self.tr("{stream}: {n} records").format(stream=s.stream, n=s.count)
                         + state)
        if report.files:
            lines.append(self.tr("Files: {n}, {size}").format(
                n=report.files, size=human_size(report.file_bytes)))
        if report.results:
            lines.append(self.tr("Answers of the portal to {n} outbox item(s)").format(
                n=report.results))
        return "\n".join(lines)

    def trust_key(self) -> None:
        path = Path(self.source.text().strip())
        try:
            from desktop.bundle.keys import remember_portal_key

            with pb.open_volumes(path) as reader:
                header = pb.read_header(reader)
            remember_portal_key(self.ctx.paths, header.creator["key"],
                                header.manifest["portal_id"], "confirmed by the user")
        except (OSError, pb.BundleError) as exc:
            self._fail(self.summary, exc)
            return
        self.trust_button.hide()
        self.check()

    def do_import(self) -> None:
        path = Path(self.source.text().strip())
        pinned, allow_device = self._pinned()
        paths = self.ctx.paths
        cancel = CancelToken()
        holder = ProgressHolder()
        phases = {"verify": self.tr("Checking the bundle…"),
                  "apply": self.tr("Importing…")}

        def work(store: Any) -> Any:
            from desktop.bundle.importer import import_bundle

            return import_bundle(store, paths, path, pinned=pinned, allow_device=allow_device,
                                 cancel=cancel.check,
                                 progress=lambda ph, d, t: holder.set(phases.get(ph, ""),
                                                                      d / max(t, 1)))

        self.import_button.setEnabled(False)
        self.ctx.tasks.op(work, Lane.DB).with_progress(
            self, self.tr("Importing the bundle…"), cancel, holder) \
            .success(self._imported).failure(self._import_failed).run()

    def _imported(self, report: Any) -> None:
        self.ctx.hub.publish(report.changes | Changes(sync_state=True))
        text = self.tr("Imported: {records} records, {files} new file(s).").format(
            records=report.applied_records, files=report.files_new)
        if report.results:
            text += " " + self.tr("The outbox was updated with the portal's answers.")
        if report.receipt is not None:
            text += " " + self.tr("A receipt was left on the drive: the next bundle will "
                                  "carry only what is new.")
        self.last_result = text
        self.summary.setText(self.summary.text() + "\n\n" + text)

    def _import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self._fail(self.summary, exc)

    def deliver(self) -> None:
        path = Path(self.source.text().strip())
        portal = self.ctx.portal_url

        def work() -> Any:
            from desktop.bundle.deliver import deliver

            return deliver(path, portal)

        self.deliver_button.setEnabled(False)
        self.ctx.tasks.op(work, Lane.NET).with_progress(self, self.tr("Delivering…")) \
            .success(self._delivered).failure(self._import_failed) \
            .finally_(lambda: self.deliver_button.setEnabled(True)).run()

    def _delivered(self, result: tuple[Path, int]) -> None:
        target, count = result
        text = self.tr("Delivered {n} item(s). The portal's answer is on the drive ({file}): "
                       "import it on the computer that wrote them.").format(n=count,
                                                                           file=target.name)
        self.last_result = text
        self.summary.setText(self.summary.text() + "\n\n" + text)
