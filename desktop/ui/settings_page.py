"""The Settings page: portal, data folder, language, bandwidth, sync schedule, storage.

Every change is saved at once (there is no "Apply" to forget).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.paths import Paths
from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.formatting import human_size
from desktop.ui.lab_hub import LabHubSection
from desktop.ui.resources import icon
from desktop.ui.settings import write_data_pointer
from desktop.ui.tasks import Connections, Lane, ProgressHolder


def copy_data_folder(src: Path, dst: Path, report: Callable[[int, int], None]) -> None:
    """Copy everything under ``src`` into ``dst`` (which must be empty), reporting bytes."""
    entries = [p for p in src.rglob("*") if p.is_file() and not p.name.endswith(".part")]
    total = sum(p.stat().st_size for p in entries) or 1
    done = 0
    dst.mkdir(parents=True, exist_ok=True)
    for p in entries:
        target = dst / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "rb") as fin, open(target, "wb") as fout:
            while chunk := fin.read(1 << 20):
                fout.write(chunk)
                done += len(chunk)
                report(done, total)
            fout.flush()
            os.fsync(fout.fileno())
        shutil.copystat(p, target)
    report(total, total)


def _form(parent: QWidget) -> QFormLayout:
    form = QFormLayout(parent)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


def folder_is_empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


class SettingsPage(QWidget):
    language_chosen = Signal(str)
    portal_changed = Signal(str)
    data_moved = Signal(object)  # Paths
    move_failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.move_error = ""
        # Set by the main window: stop syncs and downloads, then call the continuation.
        self.before_move: Callable[[Callable[[], None]], None] = lambda go: go()
        s = ctx.settings
        self.heading = QLabel(self)
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.heading.setFont(f)

        # Portal
        self.portal_box = QGroupBox(self)
        self.portal_edit = QLineEdit(s.portal_url, self.portal_box)
        self.portal_edit.setPlaceholderText("http://portal.example.ru")
        self.portal_edit.setMinimumWidth(380)
        self.portal_edit.editingFinished.connect(self._portal_edited)
        self.check_button = QPushButton(self.portal_box)
        self.check_button.clicked.connect(self.check_portal)
        self.portal_status = QLabel(self.portal_box)
        self.portal_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.portal_edit, 1)
        row.addWidget(self.check_button)
        self.portal_label = QLabel(self.portal_box)
        self.portal_label.setBuddy(self.portal_edit)
        pl = _form(self.portal_box)
        pl.addRow(self.portal_label, row)
        pl.addRow("", self.portal_status)
        self.portal_status.hide()

        # Data and storage
        self.storage_box = QGroupBox(self)
        self.data_label = QLabel(self.storage_box)
        self.data_path = QLabel(str(ctx.paths.data), self.storage_box)
        self.data_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_path.setMinimumWidth(380)
        self.move_button = QPushButton(icon("folder"), "", self.storage_box)
        self.move_button.clicked.connect(self._choose_folder)
        self.used_label = QLabel(self.storage_box)
        self.used_value = QLabel(self.storage_box)
        self.free_button = QPushButton(self.storage_box)
        self.free_button.clicked.connect(self._confirm_free_space)
        dl = QHBoxLayout()
        dl.addWidget(self.data_path, 1)
        dl.addWidget(self.move_button)
        ul = QHBoxLayout()
        ul.addWidget(self.used_value, 1)
        ul.addWidget(self.free_button)
        sl = _form(self.storage_box)
        sl.addRow(self.data_label, dl)
        sl.addRow(self.used_label, ul)

        # Language
        self.language_box = QGroupBox(self)
        self.language_combo = QComboBox(self.language_box)
        self.language_combo.addItem("Русский", "ru")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(ctx.language)))
        self.language_combo.currentIndexChanged.connect(self._language_changed)
        self.language_label = QLabel(self.language_box)
        self.language_label.setBuddy(self.language_combo)
        ll = _form(self.language_box)
        ll.addRow(self.language_label, self.language_combo)

        # Network and schedule
        self.sync_box = QGroupBox(self)
        self.cap_spin = QSpinBox(self.sync_box)
        self.cap_spin.setRange(0, 1_000_000)
        self.cap_spin.setSingleStep(16)
        self.cap_spin.setValue(s.bandwidth_cap_kbps)
        self.cap_spin.setMinimumWidth(200)
        self.cap_spin.valueChanged.connect(self._cap_changed)
        self.interval_spin = QSpinBox(self.sync_box)
        self.interval_spin.setRange(0, 7 * 24 * 60)
        self.interval_spin.setSingleStep(15)
        self.interval_spin.setValue(s.sync_interval_min)
        self.interval_spin.setMinimumWidth(200)
        self.interval_spin.valueChanged.connect(self._interval_changed)
        self.window_check = QCheckBox(self.sync_box)
        self.window_check.setChecked(s.sync_window_enabled)
        self.window_start = QTimeEdit(QTime.fromString(s.sync_window_start, "HH:mm"),
                                      self.sync_box)
        self.window_end = QTimeEdit(QTime.fromString(s.sync_window_end, "HH:mm"), self.sync_box)
        for w in (self.window_start, self.window_end):
            w.setDisplayFormat("HH:mm")
            w.timeChanged.connect(self._window_changed)
        self.window_check.toggled.connect(self._window_changed)
        self.metered_check = QCheckBox(self.sync_box)
        self.metered_check.setChecked(s.metered)
        self.metered_check.toggled.connect(self._metered_changed)
        self.cap_label = QLabel(self.sync_box)
        self.cap_label.setBuddy(self.cap_spin)
        self.interval_label = QLabel(self.sync_box)
        self.interval_label.setBuddy(self.interval_spin)
        self.window_and = QLabel(self.sync_box)
        wl = QHBoxLayout()
        wl.addWidget(self.window_check)
        wl.addWidget(self.window_start)
        wl.addWidget(self.window_and)
        wl.addWidget(self.window_end)
        wl.addStretch(1)
        nl = _form(self.sync_box)
        nl.addRow(self.cap_label, self.cap_spin)
        nl.addRow(self.interval_label, self.interval_spin)
        nl.addRow("", wl)
        nl.addRow("", self.metered_check)

        # Local network: use lab hubs, share this library as one (desktop/ui/lab_hub.py).
        self.lab_hub = LabHubSection(ctx, self)

        # Settings the administrator fixed in the machine-wide preset (desktop.lab.presets).
        self.locked_note = QLabel(self)
        self.locked_note.setWordWrap(True)
        self.locked_note.setVisible(bool(ctx.locked))

        content = QWidget(self)
        cl = QVBoxLayout(content)
        cl.setContentsMargins(12, 10, 12, 10)
        cl.addWidget(self.heading)
        cl.addWidget(self.locked_note)
        for box in (self.portal_box, self.sync_box, self.lab_hub, self.storage_box,
                    self.language_box):
            cl.addWidget(box)
        cl.addStretch(1)
        content.setMaximumWidth(900)
        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._update_window_enabled()
        self.retranslate()
        ctx.hub.changed.connect(self.on_changes)

    def locked_widgets(self) -> list[QWidget]:
        """The editors of settings the administrator locked (shown disabled)."""
        by_field: dict[str, list[QWidget]] = {
            "portal_url": [self.portal_edit],
            "language": [self.language_combo],
            "bandwidth_cap_kbps": [self.cap_spin],
            "sync_interval_min": [self.interval_spin],
            "sync_window_enabled": [self.window_check, self.window_start, self.window_end],
            "metered": [self.metered_check],
        }
        return [w for name, widgets in by_field.items() if self.ctx.is_locked(name)
                for w in widgets] + self.lab_hub.locked_widgets()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Settings"))
        self.portal_box.setTitle(self.tr("Portal"))
        self.portal_label.setText(self.tr("Portal &address:"))
        self.portal_edit.setAccessibleName(self.tr("Portal address"))
        self.check_button.setText(self.tr("Check connection"))
        self.storage_box.setTitle(self.tr("Data and storage"))
        self.data_label.setText(self.tr("Data folder:"))
        self.move_button.setText(self.tr("Move…"))
        self.move_button.setAccessibleName(self.tr("Move the data folder"))
        self.used_label.setText(self.tr("Downloaded files:"))
        self.free_button.setText(self.tr("Free space…"))
        self.free_button.setAccessibleName(self.tr("Delete downloaded files to free space"))
        self.language_box.setTitle(self.tr("Language"))
        self.language_label.setText(self.tr("&Interface language:"))
        self.language_combo.setAccessibleName(self.tr("Interface language"))
        self.sync_box.setTitle(self.tr("Network and synchronisation"))
        self.cap_label.setText(self.tr("Download speed &limit:"))
        self.cap_spin.setSuffix(self.tr(" KB/s"))
        self.cap_spin.setSpecialValueText(self.tr("no limit"))
        self.cap_spin.setAccessibleName(self.tr("Download speed limit, kilobytes per second"))
        self.interval_label.setText(self.tr("&Automatic sync every:"))
        self.interval_spin.setSuffix(self.tr(" min"))
        self.interval_spin.setSpecialValueText(self.tr("off (only when asked)"))
        self.interval_spin.setAccessibleName(self.tr("Automatic sync interval in minutes"))
        self.window_check.setText(self.tr("only between"))
        self.window_and.setText(self.tr("and"))
        self.window_start.setAccessibleName(self.tr("Sync window start"))
        self.window_end.setAccessibleName(self.tr("Sync window end"))
        self.metered_check.setText(self.tr("Metered connection: catalog only, no automatic "
                                           "file downloads"))
        locked_tip = self.tr("Set by the administrator")
        for w in self.locked_widgets():
            w.setToolTip(locked_tip)
        self.locked_note.setText(self.tr("Some settings are set by the administrator and "
                                         "cannot be changed here ({path}).").format(
            path=self.ctx.machine_config))

    # -- edits ----------------------------------------------------------------------------
    def _portal_edited(self) -> None:
        url = self.portal_edit.text().strip().rstrip("/")
        if url and "://" not in url:
            url = "http://" + url
            self.portal_edit.setText(url)
        if url != self.ctx.settings.portal_url:
            self.ctx.settings.portal_url = url
            self.ctx.save_settings()
            self.portal_changed.emit(url)

    def check_portal(self) -> None:
        self._portal_edited()
        url = self.ctx.portal_url
        self.portal_status.show()
        if not url:
            self.portal_status.setText(self.tr("Enter the portal address first."))
            return
        self.portal_status.setText(self.tr("Checking…"))
        self.check_button.setEnabled(False)
        from desktop.sync.engine import hello

        def ok(info: dict[str, Any]) -> None:
            name = info.get("name") or info.get("title") or url
            self.portal_status.setText(self.tr("Connected: {name}.").format(name=name))

        def failed(exc: BaseException) -> None:
            from desktop.ui.tasks import describe_error

            self.portal_status.setText(self.tr("Not reachable: {reason}").format(
                reason=describe_error(exc)))

        self.ctx.tasks.op(lambda: hello(url, timeout=5), Lane.NET).success(ok) \
            .failure(failed).finally_(lambda: self.check_button.setEnabled(True)).run()

    def _language_changed(self) -> None:
        lang = self.language_combo.currentData()
        self.ctx.settings.language = lang
        self.ctx.save_settings()
        self.language_chosen.emit(lang)

    def _cap_changed(self, value: int) -> None:
        self.ctx.settings.bandwidth_cap_kbps = value
        self.ctx.save_settings()

    def _interval_changed(self, value: int) -> None:
        self.ctx.settings.sync_interval_min = value
        self._update_window_enabled()
        self.ctx.save_settings()

    def _window_changed(self, *_args: Any) -> None:
        s = self.ctx.settings
        s.sync_window_enabled = self.window_check.isChecked()
        s.sync_window_start = self.window_start.time().toString("HH:mm")
        s.sync_window_end = self.window_end.time().toString("HH:mm")
        self._update_window_enabled()
        self.ctx.save_settings()

    def _update_window_enabled(self) -> None:
        on = self.window_check.isChecked()
        self.window_start.setEnabled(on)
        self.window_end.setEnabled(on)
        for w in self.locked_widgets():
            w.setEnabled(False)

    def _metered_changed(self, on: bool) -> None:
        self.ctx.settings.metered = on
        self.ctx.save_settings()

    # -- storage --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.data_path.setText(str(self.ctx.paths.data))
        self.ctx.tasks.op(lambda reader: reader.counts(), Lane.SEARCH) \
            .success(self._show_counts).run()

    def _show_counts(self, counts: dict[str, Any]) -> None:
        self.used_value.setText(self.tr("{size} in {n} files").format(
            size=human_size(int(counts.get("cache_bytes", 0) or 0)),
            n=int(counts.get("downloaded_files", 0) or 0)))

    def _confirm_free_space(self) -> None:
        answer = QMessageBox.question(
            self, self.tr("Free space"),
            self.tr("Delete all downloaded files? The catalog stays; files can be downloaded "
                    "again later."))
        if answer == QMessageBox.StandardButton.Yes:
            self.free_space()

    def free_space(self) -> None:
        files_dir = self.ctx.paths.files

        def work(store: Any) -> Changes:
            for rel in store.remove_cached_files():
                (files_dir / rel).unlink(missing_ok=True)
            return Changes(catalog=True, downloads=True)

        self.ctx.tasks.op(work).success(self.ctx.hub.publish) \
            .with_progress(self, self.tr("Deleting downloaded files…")).run()

    def _choose_folder(self) -> None:
        target = QFileDialog.getExistingDirectory(self, self.tr("Choose a new data folder"),
                                                  str(self.ctx.paths.data.parent))
        if target:
            self.move_data(Path(target))

    def move_data(self, target: Path, on_done: Callable[[bool], None] | None = None) -> None:
        """Move the whole data folder to ``target`` (empty or new); the app keeps running."""
        src = self.ctx.paths.data
        target = target.resolve()
        if target == src or src in target.parents:
            self._move_failed(self.tr("Choose a folder outside the current data folder."),
                              on_done)
            return
        if not target.exists() or folder_is_empty(target):
            dst = target
        else:
            dst = target / "okno"
            if not folder_is_empty(dst):
                self._move_failed(self.tr("The folder “{path}” is not empty.").format(
                    path=dst), on_done)
                return
        ctx = self.ctx
        if ctx.connections_for is None or ctx.reader_for is None:
            self._move_failed("internal: no way to reopen the store", on_done)
            return
        holder = ProgressHolder()
        label = self.tr("Moving the data folder…")

        def copy() -> None:
            copy_data_folder(src, dst, lambda d, t: holder.set(label, d / t))

        def moved(_none: None) -> None:
            new_paths = Paths(dst, library=ctx.paths.library)  # a lab's shared one stays
            old_reader = ctx.reader
            ctx.paths = new_paths
            assert ctx.connections_for is not None and ctx.reader_for is not None
            ctx.tasks.set_connections(ctx.connections_for(new_paths))
            ctx.reader = ctx.reader_for(new_paths)
            getattr(old_reader, "close", lambda: None)()
            write_data_pointer(dst)
            ctx.settings.save(new_paths.settings, base=ctx.settings_base)
            shutil.rmtree(src, ignore_errors=True)
            self.refresh()
            self.data_moved.emit(new_paths)
            ctx.hub.publish(Changes(catalog=True, downloads=True, sync_state=True))
            if on_done is not None:
                on_done(True)

        def failed(exc: BaseException) -> None:
            ctx.tasks.set_connections(ctx.connections_for(ctx.paths))  # type: ignore[misc]
            shutil.rmtree(dst, ignore_errors=True)
            from desktop.ui.tasks import describe_error

            self._move_failed(describe_error(exc), on_done)

        def closed() -> None:
            ctx.tasks.op(copy, Lane.DB, connection=False).success(moved).failure(failed) \
                .with_progress(self, label, holder=holder).run()

        def start() -> None:
            # Close every connection (nothing may write while the files are copied), then copy.
            ctx.tasks.reset_connections(Connections(), then=closed)

        self.before_move(start)

    def _move_failed(self, message: str, on_done: Callable[[bool], None] | None) -> None:
        self.move_error = message
        self.move_failed.emit(message)
        if on_done is not None:
            on_done(False)
        else:
            QMessageBox.warning(self, self.tr("Data folder"), message)

    def on_changes(self, changes: Changes) -> None:
        if changes.downloads or changes.catalog:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
