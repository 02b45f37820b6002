"""The thread panel's "Report…" action: the dialog (keyboard only) writes a ``post.flag``
op into the outbox and says so."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.test_discussions import community_paths, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.ui



def test_report_action_only_on_others_posts(page: Any) -> None:  # noqa: F811
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    actions = page.thread_panel.browser.page.actions
    assert ("flag", "t-1.1") in actions and ("flag", "t-1.2") not in actions  # not mine
    assert "пожаловаться…" in page.thread_panel.browser.toPlainText() or \
        "report…" in page.thread_panel.browser.toPlainText()


def test_report_dialog_by_keyboard_creates_the_op(page: Any, qtbot: Any) -> None:  # noqa: F811
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    panel = page.thread_panel
    panel._on_action("flag", "t-1.1")
    dialog = panel.flag_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.code() == "spam"
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.buttons["spam"])
    QTest.keyClick(dialog.buttons["spam"], Qt.Key.Key_Down)  # arrows move between reasons
    assert dialog.code() == "offensive"
    QTest.keyClick(dialog.buttons["offensive"], Qt.Key.Key_Tab)
    for ch in "rude":
        QTest.keyClick(dialog.details, ch)
    QTest.keyClick(dialog.details, Qt.Key.Key_Return)  # the default button
    qtbot.waitUntil(lambda: any(i.type == "post.flag" for i in page.ctx.reader.outbox()))
    [item] = [i for i in page.ctx.reader.outbox() if i.type == "post.flag"]
    assert item.data == {"post_id": "t-1.1", "reason": "offensive: rude"}
    qtbot.waitUntil(lambda: "sync" in panel.composer.status.text()
                    or "синхрон" in panel.composer.status.text())


def test_other_needs_words_and_cancel_writes_nothing(page: Any, qtbot: Any) -> None:  # noqa: F811
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    panel = page.thread_panel
    panel._on_action("flag", "t-1.1")
    dialog = panel.flag_dialog
    dialog.buttons["other"].setChecked(True)
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.hint.text()  # refused: no words given
    dialog.reject()
    assert not any(i.type == "post.flag" for i in page.ctx.reader.outbox())


def test_flag_refused_by_store_is_shown(page: Any, qtbot: Any) -> None:  # noqa: F811
    page.select_forum("reg-45-lessons")
    page.open_thread("t-1")
    panel = page.thread_panel
    panel.flag("t-1.2", "spam")  # one's own post: the store refuses
    qtbot.waitUntil(lambda: "own post" in panel.composer.status.text())
    assert not any(i.type == "post.flag" for i in page.ctx.reader.outbox())
