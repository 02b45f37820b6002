"""The library in use, on a resource's page: its rating and colleagues' "how I used it in
class" notes, the user's own review (one per resource, editable, written offline), the
discussions whose posts link to the resource, and "add to a lesson set".

    section = install_resource_community(window)   # a section of the library's detail pane

Posts link to a resource with a Markdown link to ``okno://resource/<id>``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.retranslate import RetranslateWhenShown
from desktop.ui.tasks import Lane

MAX_SHOWN_REVIEWS = 30


def stars(rating: float | None) -> str:
    if rating is None:
        return "☆☆☆☆☆"
    full = int(round(rating))
    return "★" * full + "☆" * (5 - full)


class ResourceCommunity(RetranslateWhenShown, QWidget):
    """Rating, notes, linked discussions and lesson sets of the shown resource."""

    thread_requested = Signal(str)  # thread id: open it in Discussions

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.resource_id: str | None = None
        self.ask_title = self._ask_title  # overridable in tests
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        self.summary = QLabel(self)
        f = self.summary.font()
        f.setBold(True)
        self.summary.setFont(f)
        layout.addWidget(self.summary)

        mine = QHBoxLayout()
        self.rating = QComboBox(self)
        for n in range(5, 0, -1):
            self.rating.addItem(stars(n), n)
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(self.save_review)
        self.delete_button = QPushButton(self)
        self.delete_button.clicked.connect(self.delete_review)
        mine.addWidget(self.rating)
        mine.addWidget(self.save_button)
        mine.addWidget(self.delete_button)
        mine.addStretch(1)
        self.note = QPlainTextEdit(self)
        self.note.setMaximumHeight(70)
        self.mine_label = QLabel(self)
        layout.addWidget(self.mine_label)
        layout.addWidget(self.note)
        layout.addLayout(mine)

        self.reviews = QTextBrowser(self)
        self.reviews.setOpenLinks(False)
        self.reviews.anchorClicked.connect(self._anchor)
        self.reviews.setMinimumHeight(120)
        layout.addWidget(self.reviews, 1)

        sets = QHBoxLayout()
        self.sets = QComboBox(self)
        self.sets.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sets.setMinimumContentsLength(12)
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(self.add_to_set)
        self.new_set_button = QPushButton(self)
        self.new_set_button.clicked.connect(self.new_set)
        sets.addWidget(self.sets, 1)
        sets.addWidget(self.add_button)
        sets.addWidget(self.new_set_button)
        layout.addLayout(sets)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.mine_label.setText(self.tr("My review: how I used it in class"))
        self.note.setPlaceholderText(self.tr("For example: a lesson in grade 6, pair work, "
                                             "what worked and what did not"))
        self.save_button.setText(self.tr("Save review"))
        self.delete_button.setText(self.tr("Delete my review"))
        self.rating.setAccessibleName(self.tr("My rating"))
        self.reviews.setAccessibleName(self.tr("Reviews and discussions"))
        self.sets.setPlaceholderText(self.tr("My lesson sets"))
        self.sets.setAccessibleName(self.tr("My lesson sets"))
        self.add_button.setText(self.tr("Add to set"))
        self.new_set_button.setText(self.tr("New set…"))
        self.new_set_button.setToolTip(self.tr("A new lesson set with this resource"))
        self.show_resource_id(self.resource_id)

    # -- showing --------------------------------------------------------------------------
    def show_resource(self, res: dict[str, Any] | None) -> None:
        rid = str(res["id"]) if res else None
        if rid is not None and not self.isVisible() and self.parentWidget() is not None \
                and not self.parentWidget().isVisible():
            self.resource_id = rid  # loaded when shown: a hidden pane reads nothing
            self._stale_texts = True
            self.setVisible(True)  # shown with its parent; showEvent loads it then
            return
        self.show_resource_id(rid)

    def show_resource_id(self, resource_id: str | None) -> None:
        self.resource_id = resource_id
        self.setVisible(resource_id is not None)
        if resource_id is None:
            return

        def read(reader: Any) -> dict[str, Any]:
            # Off the GUI thread: linked_discussions looks through every post's text.
            return {"signed_in": reader.community_user() is not None,
                    "summary": reader.rating_summary(resource_id),
                    "mine": reader.my_review(resource_id),
                    "reviews": reader.reviews(resource_id)[:MAX_SHOWN_REVIEWS],
                    "links": reader.linked_discussions(resource_id),
                    "sets": reader.lesson_sets()}

        def show(data: dict[str, Any]) -> None:
            if self.resource_id == resource_id:  # not a later selection's answer overtaken
                self._show(data)

        self.ctx.tasks.op(read, Lane.SEARCH).success(show).parent(self).run()

    def _show(self, data: dict[str, Any]) -> None:
        signed_in, summary, mine = data["signed_in"], data["summary"], data["mine"]
        if summary["count"]:
            self.summary.setText(self.tr("Rating {stars} {avg} · reviews: {n}").format(
                stars=stars(summary["average"]), avg=f"{summary['average']:.1f}",
                n=summary["count"]))
        else:
            self.summary.setText(self.tr("No reviews yet"))
        self.note.setPlainText(mine["body_md"] if mine else "")
        self.rating.setCurrentIndex(5 - mine["rating"] if mine else 0)
        for w in (self.note, self.rating, self.save_button, self.add_button,
                  self.new_set_button, self.sets):
            w.setEnabled(signed_in)
        self.delete_button.setEnabled(signed_in and mine is not None)
        self.reviews.setHtml(self._html(data["reviews"], data["links"]))
        self.sets.clear()
        for s in data["sets"]:
            self.sets.addItem(s["title"], s["id"])
        self.sets.setCurrentIndex(0 if self.sets.count() else -1)
        self.add_button.setEnabled(signed_in and self.sets.count() > 0)

    def _html(self, reviews: list[dict[str, Any]], links: list[dict[str, Any]]) -> str:
        parts = []
        if reviews:
            parts.append(f"<h4>{escape(self.tr('How colleagues used it'))}</h4>")
            for r in reviews:
                note = escape(r["body_md"]).replace("\n", "<br>")
                pending = f" <i>({escape(self.tr('not sent yet'))})</i>" if r["local"] else ""
                parts.append(f"<p><b>{stars(r['rating'])}</b> {escape(r['author'] or '')}"
                             f"{pending}<br>{note}</p>")
        parts.append(f"<h4>{escape(self.tr('Discussions that link to it'))}</h4>")
        if links:
            for link in links:
                snippet = escape(link["body_md"][:160])
                parts.append(f"<p><a href='thread:{escape(link['thread_id'])}'>"
                             f"{escape(link['title'])}</a> — {escape(link['author'])}<br>"
                             f"<span style='color:gray'>{snippet}</span></p>")
        else:
            none = self.tr("No discussion links to this resource yet.")
            parts.append(f"<p style='color:gray'>{escape(none)}</p>")
        return "".join(parts)

    def _anchor(self, url: Any) -> None:
        text = url.toString()
        if text.startswith("thread:"):
            self.thread_requested.emit(text.partition(":")[2])

    # -- writes ---------------------------------------------------------------------------
    def _write(self, fn: Any) -> None:
        def publish(result: Any) -> None:
            changes = result[-1] if isinstance(result, tuple) else result
            self.ctx.hub.publish(changes | Changes(community=True))

        self.ctx.tasks.op(fn).success(publish).parent(self).run()

    def save_review(self) -> None:
        rid, rating, note = self.resource_id, int(self.rating.currentData()), \
            self.note.toPlainText()
        if rid:
            self._write(lambda store: store.save_review(rid, rating, note))

    def delete_review(self) -> None:
        rid = self.resource_id
        if rid:
            self._write(lambda store: store.delete_review(rid))

    def add_to_set(self) -> None:
        rid, set_id = self.resource_id, self.sets.currentData()
        if rid and set_id:
            self._write(lambda store: store.add_to_lesson_set(set_id, rid))

    def _ask_title(self) -> str | None:
        title, ok = QInputDialog.getText(self, self.tr("New lesson set"),
                                         self.tr("Title of the lesson set:"))
        return title if ok else None

    def new_set(self) -> None:
        rid = self.resource_id
        title = self.ask_title()
        if rid and title and title.strip():
            self._write(lambda store: store.save_lesson_set(None, title, [rid]))

    def on_changes(self, changes: Changes) -> None:
        if self.resource_id and (changes.community or changes.outbox
                                 or self.resource_id in changes.resources
                                 or changes.threads):
            self.show_resource_id(self.resource_id)


def install_resource_community(window: Any) -> ResourceCommunity:
    """Add the section to the library's detail pane; links open threads in Discussions."""
    section = ResourceCommunity(window.ctx, window.library.detail)
    window.library.detail.add_section(section)

    def open_thread(thread_id: str) -> None:
        discussions = window.pages.get("discussions")
        if hasattr(discussions, "open_thread"):
            window.navigate("discussions")
            discussions.open_thread(thread_id)

    section.thread_requested.connect(open_thread)
    window.resource_community = section
    return section
