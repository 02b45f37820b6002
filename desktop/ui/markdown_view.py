"""Posts shown safely: Markdown without raw HTML, sanitised, no resource ever loaded.

    html = render_markdown(post["body_md"])      # safe HTML fragment
    view = MarkdownView(parent); view.set_markdown(body)

Three layers, each sufficient on its own for its part: markdown-it-py with ``html=False``
escapes raw HTML; nh3 keeps only the allowed tags and http/https/mailto links; the browser
refuses every resource and opens a link only after the user confirms it.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable, Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QTextBrowser, QWidget

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "span"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def _image_as_text(_self: Any, tokens: Sequence[Any], idx: int, _options: Any,
                   _env: Any) -> str:
    """An image becomes its alt text in brackets: nothing is fetched, the meaning stays."""
    token = tokens[idx]
    alt = "".join(child.content for child in (token.children or [])) or token.content
    return f"<span>[{html_lib.escape(alt or 'image')}]</span>"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_text)
    return md


_MD = _parser()


def is_safe_link(url: str) -> bool:
    """Only absolute http, https and mailto links may leave the application."""
    qurl = QUrl(url.strip())
    if not qurl.isValid() or qurl.scheme().lower() not in SAFE_SCHEMES:
        return False
    return qurl.scheme().lower() == "mailto" or bool(qurl.host())


def sanitize_html(fragment: str) -> str:
    """Allowed tags only; links keep an href only when it is http, https or mailto."""
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href" and not is_safe_link(value):
            return None
        return value

    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                     attribute_filter=keep, url_schemes=set(SAFE_SCHEMES),
                     clean_content_tags={"script", "style"}, link_rel=None)


def render_markdown(text: str) -> str:
    """A post's Markdown as a safe HTML fragment (raw HTML shows as text)."""
    return sanitize_html(_MD.render(text or ""))


class MarkdownView(QTextBrowser):
    """A read-only post body. Loads nothing; links go through ``confirm`` and ``open_url``.

    Tests replace ``confirm`` (url -> bool) and ``open_url`` (url -> None).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.confirm: Callable[[str], bool] = self._ask
        self.open_url: Callable[[str], Any] = lambda url: QDesktopServices.openUrl(QUrl(url))
        self.refused: list[str] = []  # resources that were asked for and refused (tests)
        self.anchorClicked.connect(self._on_anchor)

    def set_markdown(self, text: str) -> None:
        self.setHtml(render_markdown(text))

    def loadResource(self, type_: int, name: QUrl) -> Any:  # noqa: N802 - Qt override
        self.refused.append(name.toString())
        return None

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if not is_safe_link(text):
            return
        if self.confirm(text):
            self.open_url(text)

    def _ask(self, url: str) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Open link"),
            self.tr("Open this address outside Okno?\n\n{url}").format(url=url),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open
