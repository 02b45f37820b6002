"""The main window: a sidebar of pages, a status bar, shortcuts, remembered geometry.

For tests and automation every page and action is an attribute: ``library``,
``discussions``, ``downloads``, ``sync``, ``settings_page``, ``download_controller``,
``sync_controller``, ``action_search`` (Ctrl+F), ``action_sync`` (F5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.downloads import DownloadController
from desktop.ui.downloads_page import DownloadsPage
from desktop.ui.formatting import human_time
from desktop.ui.library import LibraryPage
from desktop.ui.resources import icon
from desktop.ui.settings_page import SettingsPage
from desktop.ui.sync_controller import SyncController
from desktop.ui.sync_page import SyncPage

PAGES = ("library", "discussions", "downloads", "sync", "settings")


class DiscussionsPage(QWidget):
    """A placeholder until the community feature arrives."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        self.icon.setPixmap(icon("discussions").pixmap(64, 64))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        layout.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.text.setText(self.tr("Discussions arrive with the community feature: forums of "
                                  "associations, questions to methodologists and replies "
                                  "written offline."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, set_language: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._set_language = set_language
        self.setWindowIcon(icon("okno"))
        self.download_controller = DownloadController(ctx, self)
        self.sync_controller = SyncController(ctx, self.download_controller, self)

        self.library = LibraryPage(ctx, self.download_controller, self)
        self.discussions = DiscussionsPage(self)
        self.downloads = DownloadsPage(ctx, self.download_controller, self)
        self.sync = SyncPage(ctx, self.sync_controller, self)
        self.settings_page = SettingsPage(ctx, self)
        self.pages: dict[str, QWidget] = {
            "library": self.library, "discussions": self.discussions,
            "downloads": self.downloads, "sync": self.sync, "settings": self.settings_page}

        self.sidebar = QListWidget(self)
        self.sidebar.setIconSize(QSize(24, 24))
        self.sidebar.setSpacing(2)
        self.sidebar.setFixedWidth(190)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setStyleSheet(
            "QListWidget{background:palette(window);padding-top:8px;}"
            "QListWidget::item{padding:8px 6px;border-radius:4px;}"
            "QListWidget::item:selected{background:palette(highlight);"
            "color:palette(highlighted-text);}")
        self.stack = QStackedWidget(self)
        self.page_names = list(PAGES)  # add_page inserts features' pages (Courses, ...)
        for name in PAGES:
            QListWidgetItem(icon(name), "", self.sidebar)
            self.stack.addWidget(self.pages[name])
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # Status bar
        self.online_icon = QLabel(self)
        self.online_label = QLabel(self)
        self.pending_label = QLabel(self)
        self.unsent_label = QLabel(self)
        self.last_sync_label = QLabel(self)
        self.online_icon.setContentsMargins(8, 0, 0, 0)
        self.statusBar().addPermanentWidget(self.online_icon)
        for w in (self.online_label, self.pending_label, self.unsent_label,
                  self.last_sync_label):
            w.setContentsMargins(4, 0, 8, 0)
            self.statusBar().addPermanentWidget(w)
        self.unsent_count = 0  # the community feature's outbox fills this

        # Actions
        self.action_search = QAction(icon("search"), "", self)
        self.action_search.setShortcut(QKeySequence.StandardKey.Find)
        self.action_search.triggered.connect(self.focus_search)
        self.action_sync = QAction(icon("sync"), "", self)
        self.action_sync.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.action_sync.triggered.connect(self.sync_now)
        self.page_actions: list[QAction] = []
        for i, name in enumerate(PAGES):
            act = QAction(self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _c=False, n=name: self.navigate(n))
            act.setData(name)
            self.page_actions.append(act)
        for act in (self.action_search, self.action_sync, *self.page_actions):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(act)

        self.setTabOrder(self.sidebar, self.library.search_edit)
        ctx.hub.changed.connect(self.on_changes)
        ctx.hub.online_changed.connect(lambda _on: self.update_status())
        ctx.hub.settings_changed.connect(self.update_status)
        self.settings_page.language_chosen.connect(self.set_language)
        self.settings_page.portal_changed.connect(self._portal_changed)
        self.settings_page.before_move = self._before_move
        self.settings_page.data_moved.connect(lambda _p: self.sync_controller.start_timers())
        self.settings_page.move_failed.connect(lambda _m: self.sync_controller.start_timers())
        self.sync_controller.finished.connect(lambda *_: self.update_status())
        self.download_controller.running_changed.connect(lambda _r: self.update_status())
        self.resize(1200, 760)
        self.restore_geometry()
        self.retranslate()

    # -- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Okno — library of educational resources"))
        names = {"library": self.tr("Library"), "discussions": self.tr("Discussions"),
                 "downloads": self.tr("Downloads"), "sync": self.tr("Sync"),
                 "settings": self.tr("Settings")}
        for i, name in enumerate(self.page_names):
            item = self.sidebar.item(i)
            title = names[name] if name in names else self.pages[name].page_title()
            item.setText(title)
            item.setToolTip(self.tr("{page} (Ctrl+{n})").format(page=title, n=i + 1))
        self.sidebar.setAccessibleName(self.tr("Sections"))
        self.action_search.setText(self.tr("Search the library"))
        self.action_sync.setText(self.tr("Sync now"))
        self.update_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        self.library.set_language(language)
        if self._set_language is not None:
            self._set_language(language)  # installs translators: LanguageChange follows

    # -- navigation and actions -------------------------------------------------------
    def navigate(self, name: str) -> None:
        self.sidebar.setCurrentRow(self.page_names.index(name))

    def current_page(self) -> str:
        return self.page_names[self.stack.currentIndex()]

    def replace_page(self, name: str, widget: QWidget) -> None:
        """Put a real page where a placeholder was (the community feature's Discussions)."""
        index = self.page_names.index(name)
        old = self.pages[name]
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.pages[name] = widget
        if name == "discussions":
            self.discussions = widget
        self.stack.setCurrentIndex(self.sidebar.currentRow())

    def add_page(self, name: str, widget: QWidget, after: str = "discussions") -> None:
        """Add a feature's page to the sidebar after another; ``widget.page_title()`` names
        it. Ctrl+1… follow the sidebar's order."""
        index = self.page_names.index(after) + 1
        current = self.current_page()
        self.page_names.insert(index, name)
        self.pages[name] = widget
        self.stack.insertWidget(index, widget)
        self.sidebar.insertItem(index, QListWidgetItem(icon(name), ""))
        act = QAction(self)
        act.triggered.connect(lambda _c=False, n=name: self.navigate(n))
        act.setData(name)
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(act)
        self.page_actions.append(act)
        for a in self.page_actions:
            position = self.page_names.index(a.data()) + 1
            a.setShortcut(QKeySequence(f"Ctrl+{position}") if position <= 9 else QKeySequence())
        self.navigate(current)
        self.retranslate()

    def set_unsent(self, count: int) -> None:
        """The outbox's count of items written offline and not yet sent."""
        self.unsent_count = count
        self.update_status()

    def focus_search(self) -> None:
        self.navigate("library")
        self.library.focus_search()

    def sync_now(self) -> bool:
        return self.sync.sync_now()

    def start(self) -> None:
        """Load every page's data and start the timers (after the window is built)."""
        self.library.refresh()
        self.downloads.refresh()
        self.sync.refresh()
        self.settings_page.refresh()
        self.update_status()
        self.sync_controller.start_timers()

        def resume(pending: bool) -> None:
            if pending and self.ctx.portal_url:
                self.download_controller.start()  # resume what an earlier session left

        # The writer opens first (it re-queues files a crash left "downloading"), then the
        # download lane may open its own connection.
        self.ctx.tasks.op(lambda store: bool(store.download_queue(["queued"]))) \
            .success(resume).run()

    def _portal_changed(self, url: str) -> None:
        self.sync_controller.check_online()
        if url and self.ctx.reader.download_queue(["queued"]):
            self.download_controller.start()  # files queued while no portal was set

    def _before_move(self, go: Callable[[], None]) -> None:
        """Nothing may sync or download while the data folder moves; timers restart after."""
        self.sync_controller.cancel()
        self.sync_controller.stop_timers()
        self.download_controller.stop(go)

    # -- status bar -------------------------------------------------------------------
    def update_status(self) -> None:
        online = self.ctx.online and bool(self.ctx.portal_url)
        self.online_label.setText(self.tr("Online") if online else self.tr("Offline"))
        self.online_icon.setPixmap(icon("online" if online else "offline").pixmap(14, 14))
        self.online_label.setToolTip(self.ctx.portal_url or self.tr("No portal is set"))
        pending = 0
        last = None
        try:
            counts: dict[str, Any] = self.ctx.reader.counts()
            pending = int(counts.get("pending_downloads", 0) or 0)
            last = self.ctx.reader.last_sync()
        except Exception:  # noqa: BLE001 - the status bar must never break the window
            pass
        self.pending_label.setText(self.tr("Downloads pending: {n}").format(n=pending))
        self.unsent_label.setText(self.tr("Unsent: {n}").format(n=self.unsent_count))
        if last is None:
            self.last_sync_label.setText(self.tr("Never synchronised"))
        else:
            text = human_time(last.finished)
            self.last_sync_label.setText(self.tr("Last sync: {time}").format(time=text) if
                                         last.ok else
                                         self.tr("Last sync failed: {time}").format(time=text))
        self.online_label.setAccessibleName(self.online_label.text())

    def on_changes(self, changes: Changes) -> None:
        if changes.downloads or changes.sync_state or changes.catalog:
            self.update_status()

    # -- geometry ---------------------------------------------------------------------
    def restore_geometry(self) -> None:
        s = self.ctx.settings
        if s.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(s.window_geometry.encode()))
        if s.splitter_state:
            self.library.splitter.restoreState(QByteArray.fromBase64(s.splitter_state.encode()))

    def save_geometry(self) -> None:
        s = self.ctx.settings
        s.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        s.splitter_state = bytes(self.library.splitter.saveState().toBase64().data()).decode()
        s.save(self.ctx.paths.settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        self.sync_controller.stop_timers()
        self.sync_controller.cancel()
        self.download_controller.stop()
        super().closeEvent(event)
