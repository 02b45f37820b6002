"""Retranslating a page whose texts may need the database: now if shown, else when shown."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent


class RetranslateWhenShown:
    """Mixin for a QWidget with ``retranslate()``: a language change reaches a hidden page
    as a mark, and the page redraws when shown (its data may need the database).

    List it before the Qt class: ``class Page(RetranslateWhenShown, QWidget)``.
    """

    _stale_texts = False

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            if self.isVisible():  # type: ignore[attr-defined]
                self.retranslate()
            else:
                self._stale_texts = True
        super().changeEvent(event)  # type: ignore[misc]

    def showEvent(self, event: Any) -> None:
        if self._stale_texts:
            self._stale_texts = False
            self.retranslate()
        super().showEvent(event)  # type: ignore[misc]
