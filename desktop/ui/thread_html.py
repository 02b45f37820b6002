"""A thread's posts as one HTML page: our own frame around each sanitised post body.

Only the frame (author, date, "useful", edit) is ours; every body goes through
``render_markdown``. Actions are ``okno-action:N`` links whose number indexes ``actions``,
so no post content can forge one (the sanitiser drops every non-http/mailto href).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop.ui.formatting import human_time
from desktop.ui.markdown_view import render_markdown

ACTION_SCHEME = "okno-action"


@dataclass
class ThreadPage:
    html: str
    actions: list[tuple[str, str]] = field(default_factory=list)  # (action, post_id)


q = QCoreApplication


def post_state_note(post: dict[str, Any]) -> str | None:
    """How a moderated or deleted post is shown instead of its body; None: show the body."""
    if post.get("removed"):
        reason = post.get("removed_reason") or ""
        note = q.translate("Discussions", "Removed by a moderator.")
        return f"{note} {reason}".strip()
    if post.get("deleted"):
        return q.translate("Discussions", "Deleted by the author.")
    if post.get("hidden"):
        reason = post.get("hidden_reason") or ""
        note = q.translate("Discussions", "Hidden by a moderator.")
        return f"{note} {reason}".strip()
    return None


def _span(text: str, color: str) -> str:
    return f"<span style='color:{color}'> · {html.escape(text)}</span>"


POST_ANCHOR = "post-"


def _post_head(post: dict[str, Any], names: dict[str, str], index: int) -> str:
    author = names.get(post.get("author_id") or "", "") or q.translate("Discussions",
                                                                         "unknown author")
    head = f"<a name='{POST_ANCHOR}{index}'></a><b>{html.escape(author)}</b>"
    if post.get("created"):
        head += _span(human_time(post["created"]), "#666")
    if post.get("local"):
        head += _span(q.translate("Discussions", "not sent yet"), "#8a5a00")
    elif post.get("edited"):
        head += _span(q.translate("Discussions", "edited"), "#666")
    return ("<table width='100%' cellspacing='0' cellpadding='5' bgcolor='#eef2f6' "
            f"style='margin-top:10px'><tr><td>{head}</td></tr></table>")


def render_thread(thread: dict[str, Any], posts: list[dict[str, Any]],
                  names: dict[str, str], my_id: str | None) -> ThreadPage:
    page = ThreadPage("")
    parts: list[str] = []

    def link(action: str, post_id: str, text: str) -> str:
        page.actions.append((action, post_id))
        return (f'<a href="{ACTION_SCHEME}:{len(page.actions) - 1}">'
                f"{html.escape(text)}</a>")

    def note_p(text: str, color: str = "#666") -> str:
        return f"<p style='color:{color}'><i>{html.escape(text)}</i></p>"

    if thread.get("locked"):
        parts.append(note_p(q.translate("Discussions", "The thread is closed for replies.")))
    for index, post in enumerate(posts):
        parts.append(_post_head(post, names, index))
        note = post_state_note(post)
        if note is not None:
            parts.append(note_p(note))
        else:
            body = post.get("local_body_md")
            parts.append(render_markdown(body if body is not None else post.get("body_md", "")))
            if body is not None and not post.get("local"):
                parts.append(note_p(q.translate("Discussions", "Your edit is not sent yet."),
                                    "#8a5a00"))
        actions: list[str] = []
        useful = int(post.get("useful") or 0)
        label = (q.translate("Discussions", "★ useful ({n})") if post.get("my_useful")
                 else q.translate("Discussions", "☆ useful ({n})")).format(n=useful)
        if note is None and post.get("number") is not None:
            actions.append(link("useful", post["id"], label))
        if note is None and my_id and post.get("author_id") == my_id:
            actions.append(link("edit", post["id"], q.translate("Discussions", "edit")))
        elif note is None and my_id and post.get("number") is not None:
            actions.append(link("flag", post["id"], q.translate("Discussions", "report…")))
        if actions:
            parts.append("<p style='margin-top:0'>" + " &nbsp; ".join(actions) + "</p>")
    if not posts:
        parts.append(note_p(q.translate("Discussions", "No posts yet.")))
    page.html = "\n".join(parts)
    return page
