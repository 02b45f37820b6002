"""One thread: its posts (safely rendered), "useful" and edit actions, and the composer.

The composer autosaves a draft (debounced ``save_draft`` on the DB lane); "Saved" appears
only when the write has returned. Opening a thread marks it read up to its last post shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.consult_models import author_with_level
from desktop.ui.context import AppContext
from desktop.ui.flag_dialog import FlagDialog
from desktop.ui.markdown_view import MarkdownView
from desktop.ui.tasks import Lane
from desktop.ui.thread_html import ACTION_SCHEME, POST_ANCHOR, ThreadPage, render_thread

DRAFT_DELAY_MS = 700
READ_DELAY_MS = 600  # reading position settles after scrolling stops
MAX_POSTS = 1000


class ThreadBrowser(MarkdownView):
    """A MarkdownView that also answers our own ``okno-action:N`` links."""

    action = Signal(str, str)  # action, post_id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = ThreadPage("")

    def show_page(self, page: ThreadPage, scroll_to: int | None = None) -> None:
        """Show the posts; keep the scroll position, or go to post ``scroll_to``."""
        self.page = page
        bar = self.verticalScrollBar()
        keep = bar.value()
        self.setHtml(page.html)
        if scroll_to is None:
            bar.setValue(keep)
        elif scroll_to == 0:
            bar.setValue(0)
        else:
            self.scrollToAnchor(f"{POST_ANCHOR}{scroll_to}")

    def post_starts(self) -> list[tuple[int, int]]:
        """(document position, post index) of every post header, in order."""
        starts: list[tuple[int, int]] = []
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                for name in fragment.charFormat().anchorNames():
                    if name.startswith(POST_ANCHOR):
                        starts.append((fragment.position(), int(name[len(POST_ANCHOR):])))
                it += 1
            block = block.next()
        return starts

    def last_visible_post(self) -> int | None:
        """The index of the last post whose beginning is on screen (or above it)."""
        bottom = self.viewport().height() - 1
        position = self.cursorForPosition(QPoint(0, bottom)).position()
        shown = [index for start, index in self.post_starts() if start <= position]
        return max(shown) if shown else None

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == ACTION_SCHEME:
            try:
                action, post_id = self.page.actions[int(url.path())]
            except (ValueError, IndexError):
                return
            self.action.emit(action, post_id)
            return
        super()._on_anchor(url)


class Composer(QWidget):
    """Writing a new thread (with a title) or a reply, or editing a post."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        self.title_edit = QLineEdit(self)
        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setTabChangesFocus(True)
        self.save_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self.status = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.title_edit)
        layout.addWidget(self.body_edit, 1)
        layout.addLayout(row)


class ThreadPanel(QWidget):
    opened = Signal(str)  # thread id, once its posts are shown

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.thread_id: str | None = None
        self.forum_id: str | None = None  # set when composing a new thread
        self.editing: str | None = None  # post id being edited
        self.flag_dialog: FlagDialog | None = None  # the last "Report…" dialog opened
        self.thread: dict[str, Any] | None = None
        self.posts: list[dict[str, Any]] = []
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size:15px;font-weight:600;")
        self.browser = ThreadBrowser(self)
        self.browser.action.connect(self._on_action)
        self.composer = Composer(self)
        self.composer.save_button.clicked.connect(self.save)
        self.composer.cancel_button.clicked.connect(self.cancel_edit)
        self.composer.body_edit.textChanged.connect(self._schedule_draft)
        self.composer.title_edit.textChanged.connect(self._schedule_draft)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._loading_draft = False
        self._read_timer = QTimer(self, singleShot=True, interval=READ_DELAY_MS)
        self._read_timer.timeout.connect(self._mark_read)
        self.browser.verticalScrollBar().valueChanged.connect(
            lambda _v: self._read_timer.start())
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.browser)
        split.addWidget(self.composer)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 170])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()
        self.show_nothing()

    # -- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.composer.title_edit.setPlaceholderText(self.tr("Thread title"))
        self.composer.body_edit.setPlaceholderText(
            self.tr("Text (Markdown). It is kept on this computer and sent with the next "
                    "sync."))
        self.composer.cancel_button.setText(self.tr("Cancel editing"))
        self._update_mode()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if self._draft_timer.isActive():
            self.save_draft()  # typing just before leaving the page is kept
        self._read_timer.stop()
        super().hideEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _update_mode(self) -> None:
        c = self.composer
        new_thread = self.thread_id is None and self.forum_id is not None
        c.title_edit.setVisible(new_thread)
        c.cancel_button.setVisible(self.editing is not None)
        if self.editing is not None:
            c.heading.setText(self.tr("Edit your post"))
            c.save_button.setText(self.tr("Save the edit"))
        elif new_thread:
            c.heading.setText(self.tr("New thread"))
            c.save_button.setText(self.tr("Save the thread"))
        else:
            c.heading.setText(self.tr("Your reply"))
            c.save_button.setText(self.tr("Save the reply"))
        locked = bool(self.thread and self.thread.get("locked")) and self.editing is None
        c.setEnabled((self.thread_id is not None or new_thread) and not locked)

    def draft_key(self) -> str | None:
        if self.editing is not None:
            return f"edit:{self.editing}"
        if self.thread_id is not None:
            return f"reply:{self.thread_id}"
        if self.forum_id is not None:
            return f"thread:{self.forum_id}"
        return None

    # -- showing ----------------------------------------------------------------------
    def show_nothing(self) -> None:
        self.thread_id = self.forum_id = self.editing = None
        self.thread, self.posts = None, []
        self.title.setText(self.tr("Choose a thread on the left."))
        self.browser.show_page(ThreadPage(""))
        self._set_composer_text("", "")
        self._update_mode()

    def open_thread(self, thread_id: str) -> None:
        self.thread_id, self.forum_id, self.editing = thread_id, None, None
        self._update_mode()
        self.reload(mark_read=True)
        self._load_draft()

    def new_thread(self, forum_id: str) -> None:
        self.thread_id, self.forum_id, self.editing = None, forum_id, None
        self.thread, self.posts = None, []
        self.title.setText(self.tr("A new thread"))
        self.browser.show_page(ThreadPage(""))
        self._update_mode()
        self._load_draft()
        self.composer.title_edit.setFocus()

    def reload(self, mark_read: bool = False) -> None:
        thread_id = self.thread_id
        if thread_id is None:
            return

        def read(reader: Any) -> Any:
            thread = reader.thread(thread_id)
            posts = reader.posts(thread_id, 0, MAX_POSTS)
            names = {}
            # Contribution levels in the thread's association go beside the names.
            levels = reader.author_levels(thread["association_id"]) if thread else {}
            for p in posts:
                aid = p.get("author_id") or ""
                if aid and aid not in names:
                    prof = reader.profile(aid)
                    names[aid] = author_with_level((prof or {}).get("display_name", ""),
                                                   levels.get(aid, 0))
            user = reader.community_user()
            return thread, posts, names, (user or {}).get("id")

        def shown(answer: Any) -> None:
            if thread_id != self.thread_id:
                return
            thread, posts, names, my_id = answer
            self.thread, self.posts = thread, posts
            self.title.setText(thread["title"] if thread else self.tr("The thread is gone."))
            first_unread = None
            if mark_read:  # just opened: start at the first unread post
                read = (thread or {}).get("read_number") or 0
                first_unread = next((i for i, p in enumerate(posts)
                                     if (p.get("number") or 0) > read), 0)
            self.browser.show_page(render_thread(thread or {}, posts, names, my_id),
                                   first_unread)
            self._update_mode()
            if mark_read:
                self._mark_read()
            self.opened.emit(thread_id)

        self.ctx.tasks.op(read, Lane.SEARCH).success(shown).run()

    def _mark_read(self) -> None:
        """Read up to the last post on screen (forward only, the store ignores going back)."""
        self._read_timer.stop()
        thread = self.thread
        if self.ctx.tasks.closed or not thread or not thread.get("unread") \
                or not self.isVisible():
            return
        index = self.browser.last_visible_post()
        if index is None:
            return
        numbered = [p for p in self.posts[:index + 1] if p.get("number") is not None]
        if not numbered or numbered[-1]["number"] <= (self.thread.get("read_number") or 0):
            return
        thread_id, last = self.thread_id, numbered[-1]["id"]
        self.ctx.tasks.op(lambda store: store.mark_read(thread_id, last)[1]) \
            .success(self.ctx.hub.publish).run()

    # -- actions on posts -------------------------------------------------------------
    def _on_action(self, action: str, post_id: str) -> None:
        post = next((p for p in self.posts if p["id"] == post_id), None)
        if post is None:
            return
        if action == "useful":
            on = not post.get("my_useful")
            self.ctx.tasks.op(lambda store: store.set_reaction(post_id, on)[1]) \
                .success(self.ctx.hub.publish).run()
        elif action == "edit":
            self.start_edit(post)
        elif action == "flag":
            self.start_flag(post_id)

    def start_flag(self, post_id: str) -> None:
        """Open the "Report…" dialog (window-modal, not blocking); OK writes the op."""
        dialog = FlagDialog(self)
        self.flag_dialog = dialog
        dialog.accepted.connect(lambda: self.flag(post_id, dialog.reason()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def flag(self, post_id: str, reason: str) -> None:
        """Write the complaint into the outbox (one durable transaction)."""
        def saved(changes: Changes) -> None:
            self.ctx.hub.publish(changes)
            self.composer.status.setText(self.tr("The complaint is saved and will be sent "
                                                 "with the next sync."))

        def failed(exc: BaseException) -> None:
            self.composer.status.setText(self.tr("Complaint not saved: {reason}")
                                         .format(reason=exc))

        self.ctx.tasks.op(lambda store: store.flag_post(post_id, reason)[1]) \
            .success(saved).failure(failed).run()

    def start_edit(self, post: dict[str, Any]) -> None:
        self.editing = post["id"]
        self._update_mode()
        body = post.get("local_body_md")
        self._set_composer_text("", body if body is not None else post.get("body_md", ""))
        self._load_draft()
        self.composer.body_edit.setFocus()

    def cancel_edit(self) -> None:
        key = self.draft_key()
        self.editing = None
        self._update_mode()
        if key:
            self.ctx.tasks.op(lambda store: store.delete_draft(key)).run()
        self._set_composer_text("", "")
        self._load_draft()

    # -- drafts and saving ------------------------------------------------------------
    def _set_composer_text(self, title: str, body: str) -> None:
        self._loading_draft = True
        self.composer.title_edit.setText(title)
        self.composer.body_edit.setPlainText(body)
        self._loading_draft = False

    def _load_draft(self) -> None:
        key = self.draft_key()
        if key is None:
            return

        def shown(draft: Any) -> None:
            if key != self.draft_key() or not draft:
                if key == self.draft_key() and self.editing is None:
                    self._set_composer_text("", "")
                return
            self._set_composer_text(draft.get("title", ""), draft.get("body_md", ""))
            self.composer.status.setText(self.tr("Draft restored."))

        self.ctx.tasks.op(lambda reader: reader.draft(key), Lane.SEARCH).success(shown).run()

    def _schedule_draft(self) -> None:
        if not self._loading_draft:
            self.composer.status.setText("")
            self._draft_timer.start()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        key = self.draft_key()
        if key is None or self.ctx.tasks.closed:
            return
        title = self.composer.title_edit.text()
        body = self.composer.body_edit.toPlainText()

        def saved(_changes: Any) -> None:
            if key == self.draft_key():
                self.composer.status.setText(self.tr("Draft saved."))

        self.ctx.tasks.op(lambda store: store.save_draft(key, body, title)) \
            .success(saved).run()

    def save(self) -> None:
        """Write the reply / thread / edit into the outbox (one durable transaction)."""
        self._draft_timer.stop()
        body = self.composer.body_edit.toPlainText().strip()
        title = self.composer.title_edit.text().strip()
        if not body or (self.thread_id is None and self.forum_id is not None and not title):
            self.composer.status.setText(self.tr("Write the text first.") if body or
                                         self.thread_id is not None else
                                         self.tr("Write a title and the text first."))
            return
        key = self.draft_key()
        thread_id, forum_id, editing = self.thread_id, self.forum_id, self.editing
        base = None
        if editing is not None:
            post = next((p for p in self.posts if p["id"] == editing), None)
            base = post.get("version") if post else None

        def write(store: Any) -> tuple[str | None, Changes]:
            if editing is not None:
                _op, changes = store.edit_post(editing, body, base_version=base or None)
                new_thread = None
            elif thread_id is not None:
                _post, _op, changes = store.write_reply(thread_id, body)
                new_thread = None
            else:
                new_thread, _op, changes = store.create_thread(forum_id, title, body)
            if key:
                changes = changes | store.delete_draft(key)
            return new_thread, changes

        def saved(answer: tuple[str | None, Changes]) -> None:
            new_thread, changes = answer
            self.ctx.hub.publish(changes | Changes(outbox=True))
            self._set_composer_text("", "")
            self.composer.status.setText(self.tr("Saved. It will be sent with the next "
                                                 "sync."))
            if new_thread is not None:
                self.open_thread(new_thread)
                self.composer.status.setText(self.tr("Saved. It will be sent with the next "
                                                     "sync."))
            elif editing is not None:
                self.editing = None
                self._update_mode()

        def failed(exc: BaseException) -> None:
            self.composer.status.setText(self.tr("Not saved: {reason}").format(reason=exc))

        self.composer.save_button.setEnabled(False)
        self.ctx.tasks.op(write).success(saved).failure(failed) \
            .finally_(lambda: self.composer.save_button.setEnabled(True)).run()

    def on_changes(self, changes: Changes) -> None:
        if self.thread_id is not None and self.thread_id in changes.threads:
            self.reload()
