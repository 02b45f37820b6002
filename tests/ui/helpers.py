"""Small helpers shared by the UI tests."""

from __future__ import annotations

from typing import Any


def type_text(widget: Any, text: str) -> None:
    """Type any text, Cyrillic included, one key event per character (keyClicks would abort)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for ch in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch,
                           Qt.KeyboardModifier.NoModifier)
