"""The Discussions page: associations and forums, a forum's threads, a thread, the outbox.

    page = install_discussions(window)   # replaces the placeholder, feeds the status bar

Reads run on the SEARCH lane (its own read connection), writes on the DB lane; each view
redraws from the ``Changes`` the hub broadcasts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.discussion_models import ThreadListModel
from desktop.ui.outbox_view import OutboxView
from desktop.ui.signin_dialog import SignInDialog, sign_out
from desktop.ui.tasks import Lane
from desktop.ui.thread_panel import ThreadPanel

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "association" | "forum"
ID_ROLE = Qt.ItemDataRole.UserRole + 2
FOLLOWED_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_DELAY_MS = 250


def load_directory(reader: Any) -> dict[str, Any]:
    """Everything the left column and the top bar show (on the SEARCH lane)."""
    follows = {(f["target_kind"], f["target_id"]) for f in reader.follows()}
    associations = []
    for a in reader.associations():
        followed = ("association", a["id"]) in follows or a.get("my_role") is not None
        forums = [dict(f, followed=("forum", f["id"]) in follows)
                  for f in reader.forums(a["id"])]
        associations.append(dict(a, followed=followed, forums=forums))
    associations.sort(key=lambda a: (not a["followed"], a["name"]))
    return {"user": reader.community_user(), "associations": associations,
            "unsent": reader.outbox_count()}


class DiscussionsPage(QWidget):
    unsent_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: dict[str, Any] | None = None
        self.forum_id: str | None = None
        self.unsent = 0
        self.needs_signin = False  # the portal revoked the token: sign in again

        # Top bar: account, search, outbox
        self.account_label = QLabel(self)
        self.signin_button = QPushButton(self)
        self.signin_button.clicked.connect(self.sign_in_or_out)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search)
        self.outbox_button = QPushButton(self)
        self.outbox_button.setCheckable(True)
        self.outbox_button.toggled.connect(self._show_outbox)
        top = QHBoxLayout()
        top.addWidget(self.account_label)
        top.addWidget(self.signin_button)
        top.addSpacing(12)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.outbox_button)

        # Left: associations and forums
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.currentItemChanged.connect(lambda *_: self._tree_selected())
        self.follow_button = QPushButton(self)
        self.follow_button.clicked.connect(self.toggle_follow)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.follow_button)

        # Middle: threads of a forum, or search results
        self.threads_model = ThreadListModel(self)
        self.thread_list = QListView(self)
        self.thread_list.setModel(self.threads_model)
        self.thread_list.setUniformItemSizes(False)
        self.thread_list.setWordWrap(True)
        self.thread_list.setSpacing(0)  # the delegate wraps text for the width without spacing
        self.thread_list.setResizeMode(QListView.ResizeMode.Adjust)  # re-wrap on resize
        self.thread_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.thread_list.setAlternatingRowColors(True)
        self.threads_model.rowsInserted.connect(lambda *_: self._keep_thread_selected())
        self.thread_list.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._thread_selected(cur.row()))
        self.results = QListWidget(self)
        self.results.setWordWrap(True)
        self.results.itemActivated.connect(self._result_chosen)
        self.results.itemClicked.connect(self._result_chosen)
        self.middle_stack = QStackedWidget(self)
        self.middle_stack.addWidget(self.thread_list)
        self.middle_stack.addWidget(self.results)
        self.new_thread_button = QPushButton(self)
        self.new_thread_button.clicked.connect(self.new_thread)
        middle = QWidget(self)
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.middle_stack, 1)
        middle_layout.addWidget(self.new_thread_button)

        # Right: a thread, or the outbox
        self.thread_panel = ThreadPanel(ctx, self)
        self.outbox = OutboxView(ctx, self)
        self.right_stack = QStackedWidget(self)
        self.right_stack.addWidget(self.thread_panel)
        self.right_stack.addWidget(self.outbox)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.right_stack)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 5)
        self.splitter.setSizes([230, 260, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()
        self._tree_selected()

    # -- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.search_edit.setPlaceholderText(self.tr("Search discussions"))
        self.new_thread_button.setText(self.tr("New thread…"))
        self._update_account()
        self._update_follow_button()
        self._update_outbox_button()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _update_account(self) -> None:
        if self.user is None:
            self.account_label.setText(self.tr("Not signed in"))
            self.signin_button.setText(self.tr("Sign in…"))
        elif self.needs_signin:
            self.account_label.setText(self.tr("Sign in again to send what you wrote"))
            self.account_label.setStyleSheet("color:#8a1c12;")
            self.signin_button.setText(self.tr("Sign in…"))
        else:
            name = self.user.get("display_name") or self.user.get("login") or ""
            self.account_label.setText(self.tr("Signed in as {name}").format(name=name))
            self.account_label.setStyleSheet("")
            self.signin_button.setText(self.tr("Sign out"))

    def _update_outbox_button(self) -> None:
        self.outbox_button.setText(self.tr("Outbox ({n})").format(n=self.unsent))

    # -- data -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.ctx.tasks.op(load_directory, Lane.SEARCH).success(self._show_directory).run()
        self.outbox.refresh()

    def _show_directory(self, data: dict[str, Any]) -> None:
        self.user = data["user"]
        self._update_account()
        if data["unsent"] != self.unsent:
            self.unsent = data["unsent"]
            self._update_outbox_button()
        self.unsent_changed.emit(self.unsent)
        current = self._current_key()
        self.tree.blockSignals(True)
        self.tree.clear()
        restore = None
        for a in data["associations"]:
            node = self._tree_item(None, "association", a["id"], a["name"], a["followed"])
            for f in a["forums"]:
                child = self._tree_item(node, "forum", f["id"], f["title"], f["followed"])
                if current == ("forum", f["id"]):
                    restore = child
            if current == ("association", a["id"]):
                restore = node
            node.setExpanded(a["followed"])
        self.tree.blockSignals(False)
        if restore is not None:
            self.tree.setCurrentItem(restore)
        self._update_follow_button()

    def _tree_item(self, parent: QTreeWidgetItem | None, kind: str, id_: str, text: str,
                   followed: bool) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree if parent is None else parent)
        item.setText(0, ("★ " if followed else "") + text)
        item.setToolTip(0, text)
        item.setData(0, KIND_ROLE, kind)
        item.setData(0, ID_ROLE, id_)
        item.setData(0, FOLLOWED_ROLE, followed)
        return item

    def _current_key(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        return (item.data(0, KIND_ROLE), item.data(0, ID_ROLE)) if item else None

    # -- selection --------------------------------------------------------------------
    def _tree_selected(self) -> None:
        key = self._current_key()
        self._update_follow_button()
        forum_id = key[1] if key and key[0] == "forum" else None
        self.new_thread_button.setEnabled(forum_id is not None)
        if forum_id == self.forum_id:
            return
        self.open_forum(forum_id)

    def open_forum(self, forum_id: str | None) -> None:
        self.forum_id = forum_id
        self.middle_stack.setCurrentWidget(self.thread_list)
        if forum_id is None:
            self.threads_model.reset(None)
            return
        tasks = self.ctx.tasks

        def fetch(offset: int, limit: int, deliver: Any) -> None:
            tasks.op(lambda reader: reader.threads(forum_id, offset, limit), Lane.SEARCH) \
                .success(deliver).run()

        self.threads_model.reset(fetch)

    def select_forum(self, forum_id: str) -> bool:
        """Select a forum in the tree (for tests and search results)."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                child = top.child(j)
                if child.data(0, ID_ROLE) == forum_id:
                    self.tree.setCurrentItem(child)
                    return True
        return False

    def _keep_thread_selected(self) -> None:
        """The list is refetched after every change; keep the open thread highlighted."""
        thread_id = self.thread_panel.thread_id
        for row in range(self.threads_model.rowCount()):
            if self.threads_model.row(row)["id"] == thread_id:
                selection = self.thread_list.selectionModel()
                selection.blockSignals(True)
                self.thread_list.setCurrentIndex(self.threads_model.index(row))
                selection.blockSignals(False)
                self.thread_list.viewport().update()
                return

    def _thread_selected(self, row: int) -> None:
        if 0 <= row < self.threads_model.rowCount():
            self.open_thread(self.threads_model.row(row)["id"])

    def open_thread(self, thread_id: str) -> None:
        self.outbox_button.setChecked(False)
        self.thread_panel.open_thread(thread_id)

    def new_thread(self) -> None:
        if self.forum_id is not None:
            self.outbox_button.setChecked(False)
            self.thread_list.clearSelection()
            self.thread_panel.new_thread(self.forum_id)

    def _show_outbox(self, on: bool) -> None:
        self.right_stack.setCurrentWidget(self.outbox if on else self.thread_panel)
        if on:
            self.outbox.refresh()

    # -- follow -----------------------------------------------------------------------
    def _update_follow_button(self) -> None:
        item = self.tree.currentItem()
        self.follow_button.setEnabled(item is not None and self.user is not None)
        followed = bool(item and item.data(0, FOLLOWED_ROLE))
        self.follow_button.setText(self.tr("Unfollow") if followed else self.tr("Follow"))

    def toggle_follow(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        kind, id_ = item.data(0, KIND_ROLE), item.data(0, ID_ROLE)
        on = not item.data(0, FOLLOWED_ROLE)
        self.ctx.tasks.op(lambda store: store.follow(kind, id_, on)[1]) \
            .success(self.ctx.hub.publish).run()

    # -- search -----------------------------------------------------------------------
    def search(self) -> None:
        self._search_timer.stop()
        if self.ctx.tasks.closed:
            return
        query = self.search_edit.text().strip()
        if not query:
            self.middle_stack.setCurrentWidget(self.thread_list)
            return
        self.ctx.tasks.op(lambda reader: reader.search_discussions(query, 100), Lane.SEARCH) \
            .success(lambda hits: self._show_hits(query, hits)).run()

    def _show_hits(self, query: str, hits: list[dict[str, Any]]) -> None:
        if query != self.search_edit.text().strip():
            return
        self.results.clear()
        for hit in hits:
            body = " ".join(str(hit.get("body_md") or "").split())
            text = hit.get("title") or ""
            if body:
                text += "\n" + (body[:140] + "…" if len(body) > 140 else body)
            item = QListWidgetItem(text, self.results)
            item.setData(Qt.ItemDataRole.UserRole, hit["thread_id"])
        if not hits:
            QListWidgetItem(self.tr("Nothing found."), self.results).setFlags(
                Qt.ItemFlag.NoItemFlags)
        self.middle_stack.setCurrentWidget(self.results)

    def _result_chosen(self, item: QListWidgetItem) -> None:
        thread_id = item.data(Qt.ItemDataRole.UserRole)
        if thread_id:
            self.open_thread(thread_id)

    # -- account ----------------------------------------------------------------------
    def sign_in_or_out(self) -> None:
        if self.user is not None and not self.needs_signin:
            sign_out(self.ctx, then=self.refresh)
            return
        dlg = SignInDialog(self.ctx, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.signed_in.connect(lambda _u: self._signed_in())
        dlg.open()
        self.signin_dialog = dlg

    def _signed_in(self) -> None:
        self.needs_signin = False
        self.refresh()

    def on_sync_finished(self, result: Any, _error: str | None) -> None:
        """A revoked token shows as "sign in again"; the outbox stays as it is."""
        if result is None or not getattr(result, "community", False):
            return  # the catalog part failed, or nobody is signed in: nothing learnt
        error = getattr(result, "community_error", None)
        self.needs_signin = getattr(error, "code", None) == "signin_required"
        self._update_account()

    # -- changes ----------------------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        if changes.community or changes.outbox or changes.sync_state:
            self.refresh()
        if changes.threads and self.forum_id is not None:
            self.open_forum(self.forum_id)  # unread counts and new threads


def install_discussions(window: Any) -> DiscussionsPage:
    """Put the real Discussions page in the window and feed its status bar."""
    page = DiscussionsPage(window.ctx, window)
    window.replace_page("discussions", page)
    page.unsent_changed.connect(window.set_unsent)
    window.sync_controller.finished.connect(page.on_sync_finished)
    page.refresh()
    return page
