"""Discussions: safe rendering, the models, writing offline, and the page against a portal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtTest import QTest

from desktop.paths import Paths
from tests.community.test_store_community import STREAM, _directory, _post, _thread

pytestmark = pytest.mark.ui

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# -- safe rendering ---------------------------------------------------------------------


def test_script_and_raw_html_render_as_text() -> None:
    from desktop.ui.markdown_view import render_markdown

    out = render_markdown("<script>alert(1)</script> and <b onclick='x()'>bold</b>")
    assert "<script" not in out and "<b " not in out  # no element: only escaped text
    assert "&lt;script&gt;" in out and "&lt;b onclick=" in out


def test_javascript_and_file_links_are_not_links() -> None:
    from desktop.ui.markdown_view import render_markdown

    for md in ("[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))",
               "[f](file:///etc/passwd)", "<javascript:alert(1)>", "[d](data:text/html,hi)",
               "[r](relative/page.html)"):
        assert "href" not in render_markdown(md), md


def test_sanitizer_drops_hostile_html_even_if_markdown_let_it_through() -> None:
    from desktop.ui.markdown_view import sanitize_html

    out = sanitize_html('<p><a href="javascript:x()">a</a><img src="http://evil/x.png">'
                        '<iframe src="http://evil"></iframe><script>bad()</script>'
                        '<a href="file:///etc/passwd">f</a><a href="https://ok.ru/">ok</a>'
                        '<style>p{}</style></p>')
    assert "javascript" not in out and "<img" not in out and "iframe" not in out
    assert "bad()" not in out and "file:" not in out and "<style" not in out
    assert 'href="https://ok.ru/"' in out


def test_remote_image_shows_its_alt_text_and_nothing_is_loaded(qtbot: Any) -> None:
    from desktop.ui.markdown_view import MarkdownView

    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown("![карта района](http://evil.example/track.png) text")
    assert "[карта района]" in view.toPlainText()
    assert "evil.example" not in view.toHtml()
    # Even if some HTML asked for a resource, loadResource refuses it.
    view.setHtml('<img src="http://evil.example/x.png"><img src="file:///etc/passwd">')
    QCoreApplication.processEvents()
    assert view.loadResource(2, QUrl("http://evil.example/x.png")) is None
    assert view.openLinks() is False and view.openExternalLinks() is False


def test_links_open_only_after_confirmation_and_only_web_or_mail(qtbot: Any) -> None:
    from desktop.ui.markdown_view import MarkdownView

    view = MarkdownView()
    qtbot.addWidget(view)
    asked: list[str] = []
    opened: list[str] = []
    answer = {"yes": False}
    view.confirm = lambda url: asked.append(url) or answer["yes"]
    view.open_url = opened.append
    view._on_anchor(QUrl("https://edu.example/plan"))
    assert asked == ["https://edu.example/plan"] and opened == []
    answer["yes"] = True
    view._on_anchor(QUrl("mailto:metod@school.ru"))
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x/y", "relative.html"):
        view._on_anchor(QUrl(bad))
    assert opened == ["mailto:metod@school.ru"]
    assert len(asked) == 2


# -- a store with a community replica --------------------------------------------------


@pytest.fixture
def community_paths(library_paths: Paths) -> Paths:
    from desktop.store import Store

    store = Store(library_paths.database)
    store.set_community_user({"id": "u-0000", "login": "demo",
                              "display_name": "Иванова Мария"})
    store.apply_page("directory", _directory(), 3, "test-portal")
    store.apply_page(STREAM, [_thread(), _post(1, 2, body="Смотрите [план](https://edu.example)"
                                                       " и <script>x()</script>"),
                              _post(2, 3)], 3, "test-portal")
    store.close()
    return library_paths


@pytest.fixture
def page(qtbot: Any, make_ctx: Any, community_paths: Paths) -> Any:
    from desktop.ui.discussions_page import DiscussionsPage

    ctx = make_ctx(community_paths)
    p = DiscussionsPage(ctx)
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    p.refresh()
    return p


def test_models_pass_the_model_tester(page: Any, qtmodeltester: Any) -> None:
    assert page.select_forum("reg-45-lessons")
    assert page.threads_model.rowCount() == 1
    qtmodeltester.check(page.threads_model)
    page.thread_panel.open_thread("t-1")
    page.thread_panel.composer.body_edit.setPlainText("Ответ")
    page.thread_panel.save()
    page.outbox.refresh()
    assert page.outbox.model.rowCount() >= 1
    qtmodeltester.check(page.outbox.model)


def test_thread_list_is_lazy(qtmodeltester: Any) -> None:
    from desktop.ui.discussion_models import PAGE, ThreadListModel

    calls: list[int] = []

    def fetch(offset: int, limit: int, deliver: Any) -> None:
        calls.append(offset)
        deliver([{"id": f"t-{i}", "title": f"Тема {i}", "unread": i % 3, "pinned": 0,
                  "locked": 0, "local": 0, "last_post_at": ""}
                 for i in range(offset, min(offset + limit, 250))])

    model = ThreadListModel()
    model.reset(fetch)
    assert model.rowCount() == PAGE and calls == [0]
    qtmodeltester.check(model)
    while model.canFetchMore(model.index(-1)):
        model.fetchMore(model.index(-1))
    assert model.rowCount() == 250 and calls == [0, 100, 200]


def test_thread_shows_posts_safely_and_marks_read(page: Any) -> None:
    page.select_forum("reg-45-lessons")
    page.thread_list.setCurrentIndex(page.threads_model.index(0))
    panel = page.thread_panel
    text = panel.browser.toPlainText()
    assert "Иванова Мария" in text and "<script>x()</script>" in text  # shown as text
    assert "x()" not in panel.browser.toHtml().split("&lt;script&gt;")[0]
    assert page.ctx.reader.thread("t-1")["unread"] == 0
    [item] = page.ctx.reader.outbox()
    assert item.type == "read.set"


def test_read_position_follows_what_was_on_screen(qtbot: Any, make_ctx: Any,
                                                 library_paths: Paths) -> None:
    from desktop.store import Store
    from desktop.ui.thread_panel import ThreadPanel

    store = Store(library_paths.database)
    store.set_community_user({"id": "u-0000", "login": "demo", "display_name": "Иванова"})
    store.apply_page("directory", _directory(), 3, "test-portal")
    posts = [_post(n, n + 1, body=f"Сообщение {n}\n\n" + "строка\n\n" * 6) for n in
             range(1, 31)]
    store.apply_page(STREAM, [_thread(post_count=30), *posts], 31, "test-portal")
    store.close()
    ctx = make_ctx(library_paths)
    panel = ThreadPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    panel.open_thread("t-1")
    read = ctx.reader.thread("t-1")["read_number"]
    assert 1 <= read < 10  # only the first screen
    bar = panel.browser.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: ctx.reader.thread("t-1")["read_number"] == 30, timeout=3000)
    bar.setValue(0)  # going back never unreads
    qtbot.wait(800)
    assert ctx.reader.thread("t-1")["read_number"] == 30


def type_text(widget: Any, text: str) -> None:
    """Russian cannot go through keyClicks: one key event per character."""
    for ch in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch,
                           Qt.KeyboardModifier.NoModifier)


def test_typing_a_reply_autosaves_a_draft_then_saving_puts_it_in_the_outbox(
        page: Any, qtbot: Any) -> None:
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    composer = page.thread_panel.composer
    composer.body_edit.setFocus()
    type_text(composer.body_edit, "Спасибо, ёлки!")
    assert composer.body_edit.toPlainText() == "Спасибо, ёлки!"
    qtbot.waitUntil(lambda: page.ctx.reader.draft("reply:t-1") is not None, timeout=3000)
    assert composer.status.text() == "Draft saved."
    composer.save_button.click()
    assert composer.status.text().startswith("Saved.")
    replies = [i for i in page.ctx.reader.outbox() if i.type == "post.create"]
    assert [r.data["body_md"] for r in replies] == ["Спасибо, ёлки!"]
    assert page.ctx.reader.draft("reply:t-1") is None
    assert page.unsent == len(page.ctx.reader.outbox(("pending", "sent")))
    assert "Спасибо, ёлки!" in page.thread_panel.browser.toPlainText()


def test_new_thread_offline_and_search_finds_it(page: Any) -> None:
    page.select_forum("reg-45-lessons")
    page.new_thread()
    panel = page.thread_panel
    type_text(panel.composer.title_edit, "Проекты по краеведению")
    panel.composer.body_edit.setPlainText("Кто делал проекты с музеем?")
    panel.save()
    assert panel.thread_id is not None and panel.title.text() == "Проекты по краеведению"
    assert page.threads_model.rowCount() == 2
    page.search_edit.setText("проектов")
    page.search()
    assert page.results.count() >= 1
    assert "Проекты по краеведению" in page.results.item(0).text()


def test_edit_own_post_and_useful_reaction(page: Any) -> None:
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    panel = page.thread_panel
    actions = panel.browser.page.actions
    assert ("edit", "t-1.2") in actions and ("edit", "t-1.1") not in actions  # only mine
    panel._on_action("useful", "t-1.1")
    assert page.ctx.reader.post("t-1.1")["my_useful"] == 1
    panel._on_action("edit", "t-1.2")
    assert panel.composer.body_edit.toPlainText().startswith("Сообщение 2")
    panel.composer.body_edit.setPlainText("Исправленный текст")
    panel.save()
    assert page.ctx.reader.post("t-1.2")["local_body_md"] == "Исправленный текст"
    types = [i.type for i in page.ctx.reader.outbox()]
    assert "post.edit" in types and "reaction.set" in types


def test_follow_and_unfollow_a_forum(page: Any) -> None:
    assert page.select_forum("reg-45-lessons")
    item = page.tree.currentItem()
    assert not item.data(0, Qt.ItemDataRole.UserRole + 3)
    assert page.follow_button.text() == "Follow"
    page.follow_button.click()
    assert ("forum", "reg-45-lessons") in {(f["target_kind"], f["target_id"])
                                           for f in page.ctx.reader.follows()}
    assert page.tree.currentItem().text(0).startswith("★ ")
    assert page.follow_button.text() == "Unfollow"
    page.follow_button.click()
    assert page.ctx.reader.follows() == []
    assert [i.type for i in page.ctx.reader.outbox()] == ["follow.set", "follow.set"]


def test_sign_out_keeps_the_outbox(page: Any) -> None:
    from desktop.ui.signin_dialog import sign_out

    page.open_thread("t-1")
    page.thread_panel.composer.body_edit.setPlainText("Не потеряется")
    page.thread_panel.save()
    before = page.ctx.reader.outbox_count()
    assert before >= 1
    sign_out(page.ctx, then=page.refresh)
    assert page.ctx.reader.community_user() is None
    assert page.ctx.reader.outbox_count() == before
    assert page.signin_button.text() == "Sign in…"


def test_hidden_and_removed_posts_are_shown_as_such() -> None:
    from desktop.ui.thread_html import render_thread

    posts = [{"id": "a", "number": 1, "author_id": "", "body_md": "секрет", "hidden": 1,
              "hidden_reason": "спам"},
             {"id": "b", "number": 2, "author_id": "", "body_md": "грубость", "removed": 1,
              "removed_reason": "оскорбление"}]
    html = render_thread({}, posts, {}, None).html
    assert "секрет" not in html and "грубость" not in html
    assert "Hidden by a moderator. спам" in html and "Removed by a moderator." in html


def test_conflict_is_shown_side_by_side_and_keep_mine_rebases(page: Any, qtbot: Any) -> None:
    from desktop.store import Store
    from protocol.wire import OpResult

    store = Store(page.ctx.paths.database)
    try:
        op_id, _ = store.edit_post("t-1.2", "Мой вариант")
        store.mark_ops_sent([op_id])
        store.record_op_results([OpResult(
            op_id, "conflict", "version_conflict", "changed meanwhile",
            {"kind": "post", "id": "t-1.2", "version": 3},
            {"id": "t-1.2", "body_md": "Вариант с портала", "version": 3})])
    finally:
        store.close()
    page.outbox_button.setChecked(True)
    view = page.outbox
    row = next(r for r in range(view.model.rowCount()) if view.model.item(r).op_id == op_id)
    assert view.model.index(row, 1).data() == "failed: edited on the portal meanwhile"
    view.table.selectRow(row)
    assert view.conflict.isVisible()
    assert "Мой вариант" in view.conflict.mine.toPlainText()
    assert "Вариант с портала" in view.conflict.theirs.toPlainText()
    view.conflict.keep_button.click()
    items = page.ctx.reader.outbox()
    assert op_id not in [i.op_id for i in items]
    [edit] = [i for i in items if i.type == "post.edit"]
    assert (edit.state, edit.base_version, edit.data["body_md"]) == ("pending", 3, "Мой вариант")


def test_conflict_discard_removes_the_item(page: Any) -> None:
    from desktop.store import Store
    from protocol.wire import OpResult

    store = Store(page.ctx.paths.database)
    try:
        op_id, _ = store.edit_post("t-1.2", "Мой вариант")
        store.mark_ops_sent([op_id])
        store.record_op_results([OpResult(op_id, "conflict", "version_conflict", None,
                                          {"kind": "post", "id": "t-1.2", "version": 3},
                                          {"id": "t-1.2", "body_md": "С портала"})])
    finally:
        store.close()
    page.outbox.refresh()
    page.outbox.table.selectRow(0)
    assert page.outbox.discard_button.isEnabled()
    page.outbox.discard_button.click()
    assert op_id not in [i.op_id for i in page.ctx.reader.outbox()]


def test_sign_in_errors_are_worded(qtbot: Any) -> None:
    from desktop.sync.http import SyncError
    from desktop.ui.signin_dialog import describe_signin_error

    assert describe_signin_error(SyncError("x", code="signin_failed")) == \
        "Wrong login or password."
    assert describe_signin_error(SyncError("x", code="busy", retry_after=30)) == \
        "Too many sign-in attempts. Try again in 30 seconds."
    assert describe_signin_error(SyncError("x", code="unreachable")).startswith(
        "The portal cannot be reached.")


def test_outbox_states_are_worded() -> None:
    from types import SimpleNamespace

    from desktop.ui.discussion_models import outbox_state_text

    def item(state: str, **kw: Any) -> Any:
        return SimpleNamespace(state=state, message=kw.get("message"), reason=None)

    assert outbox_state_text(item("pending")) == "not sent"
    assert outbox_state_text(item("applied")) == "sent"
    assert outbox_state_text(item("rejected", message="thread is locked")) == \
        "failed: thread is locked"


# -- against the real portal -----------------------------------------------------------


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: Any) -> Any:
    from tests.portal_process import running_portal

    with running_portal(tmp_path_factory.mktemp("portal"), "--demo", "--resources",
                        "50") as url:
        yield url


@pytest.mark.e2e
def test_sign_in_sync_reply_sync_against_the_portal(qtbot: Any, make_ctx: Any, tmp_path: Path,
                                                    portal_url: str, monkeypatch: Any) -> None:
    from desktop.ui.discussions_page import install_discussions
    from desktop.ui.i18n import Translations
    from desktop.ui.mainwindow import MainWindow

    monkeypatch.setenv("OKNO_TOKEN_STORE", "file")
    translations = Translations(QCoreApplication.instance())
    translations.use("ru")
    try:
        paths = Paths(tmp_path / "client").ensure()
        ctx = make_ctx(paths, inline=False, portal_url=portal_url, language="ru")
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        page = install_discussions(win)
        win.show()
        win.start()
        win.sync_controller.stop_timers()
        win.navigate("discussions")
        qtbot.waitUntil(lambda: page.signin_button.isEnabled(), timeout=5000)

        # Wrong password first: a clear message, the dialog stays.
        page.sign_in_or_out()
        dlg = page.signin_dialog
        dlg.login_edit.setText("demo")
        dlg.password_edit.setText("wrong")
        dlg.ok_button.click()
        qtbot.waitUntil(lambda: dlg.ok_button.isEnabled(), timeout=20_000)
        assert dlg.status.text() == "Неверный логин или пароль."
        dlg.password_edit.setText("demo")
        with qtbot.waitSignal(dlg.signed_in, timeout=20_000):
            dlg.ok_button.click()
        qtbot.waitUntil(lambda: page.user is not None, timeout=5000)

        with qtbot.waitSignal(win.sync_controller.finished, timeout=120_000) as done:
            assert win.sync_now()
        assert done.args[1] is None, done.args[1]
        assert done.args[0].community
        qtbot.waitUntil(lambda: page.tree.topLevelItemCount() > 0, timeout=10_000)

        thread = _first_thread(ctx)
        page.select_forum(thread["forum_id"])
        qtbot.waitUntil(lambda: page.threads_model.rowCount() > 0, timeout=10_000)
        row = next(r for r in range(page.threads_model.rowCount())
                   if page.threads_model.row(r)["id"] == thread["id"])
        page.thread_list.setCurrentIndex(page.threads_model.index(row))
        panel = page.thread_panel
        qtbot.waitUntil(lambda: panel.thread_id == thread["id"] and bool(panel.posts),
                        timeout=10_000)
        panel.composer.body_edit.setFocus()
        type_text(panel.composer.body_edit, "Коллеги, спасибо за материалы!")
        panel.composer.save_button.click()
        qtbot.waitUntil(lambda: panel.composer.status.text().startswith("Сохранено"),
                        timeout=10_000)
        qtbot.waitUntil(lambda: win.unsent_count >= 1, timeout=10_000)
        page.outbox_button.setChecked(True)
        qtbot.waitUntil(lambda: page.outbox.model.rowCount() >= 1, timeout=10_000)
        if os.environ.get("OKNO_UPDATE_SCREENSHOTS") == "1":
            page.outbox_button.setChecked(False)
            QCoreApplication.processEvents()
            DOCS.mkdir(parents=True, exist_ok=True)
            assert win.grab().save(str(DOCS / "discussions.png"))
            page.outbox_button.setChecked(True)
        else:
            assert win.grab().save(str(tmp_path / "discussions.png"))

        with qtbot.waitSignal(win.sync_controller.finished, timeout=120_000) as done:
            assert win.sync_now()
        assert done.args[1] is None, done.args[1]
        replies = [i for i in ctx.reader.outbox() if i.type == "post.create"]
        assert [r.state for r in replies] == ["applied"]
        qtbot.waitUntil(lambda: win.unsent_count == 0, timeout=10_000)
        qtbot.waitUntil(lambda: "отправлено" in [page.outbox.model.index(r, 1).data()
                                                 for r in range(page.outbox.model.rowCount())],
                        timeout=10_000)

        # A revoked token: a clear "sign in again", and the reply written meanwhile stays.
        from desktop.sync.community import signout
        from desktop.sync.credentials import load_token

        panel.composer.body_edit.setPlainText("Второй ответ")
        panel.composer.save_button.click()
        qtbot.waitUntil(lambda: win.unsent_count >= 1, timeout=10_000)
        assert signout(portal_url, load_token(paths.data, portal_url))
        with qtbot.waitSignal(win.sync_controller.finished, timeout=120_000) as done:
            assert win.sync_now()
        assert done.args[1] is not None and "войти заново" in done.args[1], done.args[1]
        assert page.needs_signin and page.signin_button.text() == "Войти…"
        pending = [i for i in ctx.reader.outbox() if i.type == "post.create"
                   and i.state in ("pending", "sent")]
        assert [i.data["body_md"] for i in pending] == ["Второй ответ"]
        win.close()
    finally:
        translations.use("en")


def _first_thread(ctx: Any) -> dict[str, Any]:
    for assoc in ctx.reader.associations():
        for forum in ctx.reader.forums(assoc["id"]):
            threads = ctx.reader.threads(forum["id"])
            if threads and not threads[0]["locked"]:
                return threads[0]
    raise AssertionError("the demo portal sent no thread")
