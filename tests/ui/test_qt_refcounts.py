"""Guards the PySide6 pin: 6.12 wheels on CPython 3.11 drop a reference to None on every
void-returning call and abort the process after enough calls (pyproject pins <6.12)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_leak_none_references(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("проверка")
    assert abs(sys.getrefcount(None) - before) < 100
