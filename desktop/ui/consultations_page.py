"""The Consultations page: questions to an association's methodologists, their answers,
the accepted answer, and "N of your questions were answered" after a sync.

    page = install_consultations(window)   # a sidebar page with a count of unread answers

Reads run on the SEARCH lane, writes on the DB lane (each one durable before "Saved");
views redraw from the ``Changes`` the hub broadcasts. Everything works offline: a question
or an answer written without a connection waits in the outbox (Discussions → Outbox).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.consult_models import (
    CATEGORY_ORDER,
    QuestionListModel,
    author_with_level,
    category_label,
    status_label,
)
from desktop.ui.context import AppContext
from desktop.ui.formatting import human_time
from desktop.ui.markdown_view import render_markdown
from desktop.ui.tasks import Lane, show_error
from desktop.ui.thread_html import ACTION_SCHEME, ThreadPage
from desktop.ui.thread_panel import ThreadBrowser

SCOPES = ("all", "mine", "open", "answered")
NOTICE_STYLE = ("background:#fff4d6;border:1px solid #e0c060;border-radius:4px;"
                "padding:4px 8px;")


def my_associations(reader: Any) -> list[dict[str, Any]]:
    """Associations the user is a member of or follows (their streams are on this computer)."""
    follows = {f["target_id"] for f in reader.follows() if f["target_kind"] == "association"}
    return [a for a in reader.associations()
            if a.get("my_role") is not None or a["id"] in follows]


def my_associations_coordinated(reader: Any) -> tuple[list[dict[str, Any]], set[str]]:
    """``my_associations`` and the ids of those among them that the user coordinates."""
    mine = my_associations(reader)
    return mine, {a["id"] for a in mine if reader.coordinator_of(a["id"])}


# ---- the question with its answers -----------------------------------------------------------


def render_question(q: dict[str, Any], answers: list[dict[str, Any]], *, can_accept: bool,
                    pending: str | None) -> ThreadPage:
    """Our frame around sanitised bodies; "accept" links are okno-action:N (see thread_html)."""
    from PySide6.QtCore import QCoreApplication as qca

    page = ThreadPage("")
    parts = [render_markdown(q.get("body_md", ""))]

    def link(action: str, answer_id: str, text: str) -> str:
        page.actions.append((action, answer_id))
        return f'<a href="{ACTION_SCHEME}:{len(page.actions) - 1}">{html.escape(text)}</a>'

    def note(text: str, color: str) -> str:
        return f"<span style='color:{color}'> · {html.escape(text)}</span>"

    if not answers:
        parts.append("<p style='color:#666'><i>" + html.escape(qca.translate(
            "Consultations", "No answers yet. The association's methodologists will see the "
            "question after your next sync.")) + "</i></p>")
    for a in answers:
        accepted = bool(a.get("accepted"))
        head = f"<b>{html.escape(author_with_level(a['author_name'], a['author_level']))}</b>"
        if a.get("created"):
            head += note(human_time(a["created"]), "#666")
        if a.get("local"):
            head += note(qca.translate("Consultations", "not sent yet"), "#8a5a00")
        if accepted:
            head += note(qca.translate("Consultations", "✔ accepted answer"), "#1b6e20")
        elif pending == a["id"]:
            head += note(qca.translate("Consultations", "✔ accepted (not sent yet)"), "#8a5a00")
        color = "#e3f2e1" if accepted else "#eef2f6"
        parts.append(f"<table width='100%' cellspacing='0' cellpadding='5' bgcolor='{color}' "
                     f"style='margin-top:10px'><tr><td>{head}</td></tr></table>")
        parts.append(render_markdown(a.get("body_md", "")))
        if can_accept and not accepted and not a.get("local") and pending != a["id"]:
            parts.append("<p style='margin-top:0'>" + link(
                "accept", a["id"], qca.translate("Consultations", "Accept this answer")) + "</p>")
    page.html = "\n".join(parts)
    return page


class QuestionPanel(QWidget):
    """One question, its answers, accepting one, and the answer composer."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.question_id: str | None = None
        self.question: dict[str, Any] | None = None
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size:15px;font-weight:600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel(self)
        self.meta.setWordWrap(True)
        self.meta.setStyleSheet("color:#555;")
        self.browser = ThreadBrowser(self)
        self.browser.action.connect(self._action)
        self.composer = QPlainTextEdit(self)
        self.composer.setMaximumHeight(110)
        self.send_button = QPushButton(self)
        self.send_button.clicked.connect(self.send_answer)
        self.saved_label = QLabel(self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.composer)
        layout.addLayout(bottom)
        self.retranslate()
        self.open_question(None)

    def retranslate(self) -> None:
        self.composer.setPlaceholderText(self.tr("Your answer (Markdown). It is saved on this "
                                                 "computer and sent with the next sync."))
        self.send_button.setText(self.tr("Send answer"))
        if self.question_id is None:
            self.title.setText(self.tr("Choose a question on the left, or ask your own."))

    def open_question(self, question_id: str | None) -> None:
        self.question_id = question_id
        self.composer.setEnabled(question_id is not None)
        self.send_button.setEnabled(question_id is not None)
        self.saved_label.clear()
        if question_id is None:
            self.question = None
            self.meta.clear()
            self.browser.show_page(ThreadPage(""), 0)
            self.retranslate()
            return
        self.reload(scroll_top=True)

    def reload(self, scroll_top: bool = False) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        question_id = self.question_id
        if question_id is None:
            return

        def read(reader: Any) -> Any:
            q = reader.question(question_id)
            if q is None:
                return None
            return (q, reader.answers(question_id),
                    q["mine"] or reader.methodologist_of(q["association_id"]),
                    reader.pending_accept(question_id))

        self.ctx.tasks.op(read, Lane.SEARCH).success(
            lambda answer: self._show(question_id, answer, scroll_top)).run()

    def _show(self, question_id: str, answer: Any, scroll_top: bool) -> None:
        if question_id != self.question_id or answer is None:
            return
        q, answers, can_accept, pending = answer
        self.question = q
        self.title.setText(q["title"])
        meta = [q.get("association_name", ""), category_label(q["category"]),
                status_label(q["status"]),
                author_with_level(q.get("author_name", ""), q.get("author_level", 0))]
        if q.get("created"):
            meta.append(human_time(q["created"]))
        if q.get("local"):
            meta.append(self.tr("not sent yet"))
        self.meta.setText(" · ".join(m for m in meta if m))
        self.browser.show_page(render_question(q, answers, can_accept=bool(can_accept),
                                               pending=pending), 0 if scroll_top else None)
        if q["mine"] and q.get("unseen") and not self.ctx.tasks.closed:
            self.ctx.tasks.op(lambda store: store.mark_answers_seen(question_id)) \
                .success(self.ctx.hub.publish).run()

    def _action(self, action: str, answer_id: str) -> None:
        question_id = self.question_id
        if action == "accept" and question_id is not None:
            self.ctx.tasks.op(lambda store: store.accept_answer(question_id, answer_id)[1]) \
                .success(self.ctx.hub.publish).failure(lambda e: show_error(self, e)).run()

    def send_answer(self) -> None:
        question_id = self.question_id
        body = self.composer.toPlainText()
        if question_id is None or not body.strip():
            return
        self.send_button.setEnabled(False)

        def done(changes: Changes) -> None:
            self.composer.clear()
            self.saved_label.setText(self.tr("Saved. It will be sent with the next sync."))
            self.ctx.hub.publish(changes)

        self.ctx.tasks.op(lambda store: store.write_answer(question_id, body)[2]) \
            .success(done).failure(lambda e: show_error(self, e)) \
            .finally_(lambda: self.send_button.setEnabled(self.question_id is not None)).run()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


# ---- asking ------------------------------------------------------------------------------------


class AskQuestionDialog(QDialog):
    """Association, category, title and text of a new question."""

    def __init__(self, associations: list[dict[str, Any]], current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Ask the methodologists"))
        self.association = QComboBox(self)
        for a in associations:
            self.association.addItem(a["name"], a["id"])
        if current is not None:
            self.association.setCurrentIndex(max(self.association.findData(current), 0))
        self.category = QComboBox(self)
        for c in CATEGORY_ORDER:
            self.category.addItem(category_label(c), c)
        self.title_edit = QLineEdit(self)
        self.title_edit.setMaxLength(300)
        self.body = QPlainTextEdit(self)
        self.body.setPlaceholderText(self.tr("Describe the situation: what you tried, what "
                                             "you need. Markdown is allowed."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Ask"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form = QFormLayout()
        form.addRow(self.tr("Association:"), self.association)
        form.addRow(self.tr("Topic:"), self.category)
        form.addRow(self.tr("Question:"), self.title_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def _accept(self) -> None:
        if self.title_edit.text().strip() and self.body.toPlainText().strip() \
                and self.association.currentData():
            self.accept()

    def values(self) -> tuple[str, str, str, str]:
        return (self.association.currentData(), self.category.currentData(),
                self.title_edit.text().strip(), self.body.toPlainText())


# ---- the page ------------------------------------------------------------------------------


class ConsultationsPage(QWidget):
    badge_changed = Signal(int)  # my questions with answers I have not opened
    answered_notice = Signal(str)  # "N of your questions were answered", after a sync

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: dict[str, Any] | None = None
        self.associations: list[dict[str, Any]] = []
        self.badge = 0
        self.notice_count = 0

        self.assoc_combo = QComboBox(self)
        self.assoc_combo.setMinimumContentsLength(24)
        self.assoc_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope_combo = QComboBox(self)
        self.category_combo = QComboBox(self)
        for combo in (self.assoc_combo, self.scope_combo, self.category_combo):
            combo.currentIndexChanged.connect(lambda _i: self.reload_list())
        self.ask_button = QPushButton(self)
        self.ask_button.clicked.connect(self.ask)
        top = QHBoxLayout()
        top.addWidget(self.assoc_combo, 2)
        top.addWidget(self.scope_combo, 1)
        top.addWidget(self.category_combo, 1)
        top.addWidget(self.ask_button)

        self.notice = QLabel(self)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.model = QuestionListModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setAlternatingRowColors(True)
        self.list.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._selected(cur.row()))
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color:#666;")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.empty_label)

        self.panel = QuestionPanel(ctx, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([420, 620])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()

    # -- texts ------------------------------------------------------------------------
    def page_title(self) -> str:
        """The sidebar's name of the page, with the count of my unread answers."""
        title = self.tr("Consultations")
        return f"{title} ({self.badge})" if self.badge else title

    def retranslate(self) -> None:
        self.ask_button.setText(self.tr("Ask a question…"))
        self._fill_combo(self.scope_combo, [
            (self.tr("All questions"), "all"), (self.tr("My questions"), "mine"),
            (self.tr("Awaiting an answer"), "open"), (self.tr("Answered"), "answered")])
        self._fill_combo(self.category_combo, [(self.tr("All topics"), None)]
                         + [(category_label(c), c) for c in CATEGORY_ORDER])
        self._fill_associations()
        self._update_empty()
        if self.notice_count:
            self._show_notice(self.notice_count)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @staticmethod
    def _fill_combo(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(keep)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)

    def _fill_associations(self) -> None:
        self._fill_combo(self.assoc_combo, [(self.tr("All my associations"), None)]
                         + [(a["name"], a["id"]) for a in self.associations])

    def _update_empty(self) -> None:
        if self.user is None:
            self.empty_label.setText(self.tr("Sign in on the Discussions page to ask the "
                                             "methodologists of your associations."))
        elif self.model.rowCount() == 0:
            self.empty_label.setText(self.tr("No questions here yet."))
        else:
            self.empty_label.clear()
        self.empty_label.setVisible(bool(self.empty_label.text()))
        self.ask_button.setEnabled(self.user is not None and bool(self.associations))

    # -- data -------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        def read(reader: Any) -> Any:
            return (reader.community_user(), my_associations(reader),
                    reader.unseen_answered_count())

        self.ctx.tasks.op(read, Lane.SEARCH).success(self._show_directory).run()

    def _show_directory(self, data: Any) -> None:
        self.user, self.associations, badge = data
        self._fill_associations()
        self.reload_list()
        if badge != self.badge:
            self.badge = badge
        self.badge_changed.emit(badge)

    def filters(self) -> dict[str, Any]:
        scope = self.scope_combo.currentData() or "all"
        return {"association_id": self.assoc_combo.currentData(), "mine": scope == "mine",
                "status": scope if scope in ("open", "answered") else None,
                "category": self.category_combo.currentData()}

    def reload_list(self) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        f = self.filters()
        tasks = self.ctx.tasks

        def fetch(offset: int, limit: int, deliver: Any) -> None:
            if tasks.closed:
                return
            tasks.op(lambda reader: reader.questions(f["association_id"], mine=f["mine"],
                                                     status=f["status"],
                                                     category=f["category"], offset=offset,
                                                     limit=limit), Lane.SEARCH) \
                .success(lambda rows: (deliver(rows), self._after_rows())).run()

        self.model.reset(fetch)

    def _after_rows(self) -> None:
        self._update_empty()
        if self.panel.question_id is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.row(row)["id"] == self.panel.question_id:
                sel = self.list.selectionModel()
                sel.blockSignals(True)
                self.list.setCurrentIndex(self.model.index(row))
                sel.blockSignals(False)
                return

    def _selected(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.open_question(self.model.row(row)["id"])

    def open_question(self, question_id: str) -> None:
        self.panel.open_question(question_id)

    # -- asking -----------------------------------------------------------------------
    def ask(self) -> None:
        if not self.associations:
            return
        dlg = AskQuestionDialog(self.associations, self.assoc_combo.currentData(), self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.submit_question(*dlg.values()))
        self.ask_dialog = dlg
        dlg.open()

    def submit_question(self, association_id: str, category: str, title: str,
                        body: str) -> None:
        def done(result: Any) -> None:
            question_id, _op, changes = result
            self.ctx.hub.publish(changes)
            self.panel.open_question(question_id)

        self.ctx.tasks.op(lambda store: store.ask_question(association_id, category, title,
                                                           body)) \
            .success(done).failure(lambda e: show_error(self, e)).run()

    # -- sync notices -----------------------------------------------------------------
    def on_sync_finished(self, result: Any, _error: Any) -> None:
        """After a sync: "N of your questions were answered" (each reported once)."""
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        if result is None or not getattr(result, "community", False):
            return
        self.ctx.tasks.op(lambda store: store.take_answer_notices()) \
            .success(self._show_notice).run()

    def _show_notice(self, count: int) -> None:
        self.notice_count = count
        if count <= 0:
            self.notice.hide()
            return
        self.notice.setText(self.tr("{n} of your questions were answered since the last "
                                    "sync. Open “My questions” to read the answers.")
                            .format(n=count))
        self.notice.show()
        self.answered_notice.emit(self.notice.text())

    # -- changes ----------------------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        if self.ctx.tasks.closed:
            return  # the app is closing: callbacks may still arrive
        if changes.community or changes.outbox or changes.sync_state:
            self.refresh()
            self.panel.reload()


def set_sidebar_title(window: Any, name: str, page: Any) -> None:
    """Refresh one sidebar item's text (e.g. a count in it) without retranslating all."""
    if name in getattr(window, "page_names", ()):
        item = window.sidebar.item(window.page_names.index(name))
        if item is not None:
            item.setText(page.page_title())


def install_consultations(window: Any) -> ConsultationsPage:
    """Add the Consultations page after Discussions: a count of unread answers on its
    sidebar item, the after-sync notice in the status bar."""
    page = ConsultationsPage(window.ctx, window)
    window.add_page("consultations", page, after="discussions")
    page.badge_changed.connect(lambda _n: set_sidebar_title(window, "consultations", page))
    page.answered_notice.connect(lambda text: window.statusBar().showMessage(text, 15_000))
    window.sync_controller.finished.connect(page.on_sync_finished)
    page.refresh()
    return page
