"""The "Report…" dialog of a post: why the moderators should look at it.

The reason goes to the portal as a short code the moderators' queue shows as is
(``spam``, ``offensive``, ``off-topic``, ``other``), followed by the user's own words:
``"spam: links to a casino"``. "Other" needs the words.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from protocol.community import MAX_REASON

REASONS = ("spam", "offensive", "off-topic", "other")


def flag_reason(code: str, details: str) -> str:
    """The reason text of the op: ``code`` and, when given, ``: details``."""
    details = " ".join(details.split())
    text = f"{code}: {details}" if details else code
    return text[:MAX_REASON]


class FlagDialog(QDialog):
    """Reason choices (arrow keys move between them) and a free-text line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Report a post"))
        intro = QLabel(self.tr("The association's moderators will see your complaint. "
                               "The author will not know who sent it."), self)
        intro.setWordWrap(True)
        labels = {"spam": self.tr("Spam or advertising"),
                  "offensive": self.tr("Insulting or offensive"),
                  "off-topic": self.tr("Off topic"),
                  "other": self.tr("Something else")}
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for i, code in enumerate(REASONS):
            button = QRadioButton(labels[code], self)
            self.group.addButton(button, i)
            self.buttons[code] = button
            layout.addWidget(button)
        self.buttons["spam"].setChecked(True)
        self.details = QLineEdit(self)
        self.details.setMaxLength(MAX_REASON - 20)
        self.details.setPlaceholderText(self.tr("In your own words (optional; needed for "
                                                "\"Something else\")"))
        layout.addWidget(self.details)
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color:#a33;")
        layout.addWidget(self.hint)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.ok_button = box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Send the complaint"))
        self.ok_button.setDefault(True)
        box.accepted.connect(self._accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.setMinimumWidth(460)
        self.buttons["spam"].setFocus()

    def code(self) -> str:
        return REASONS[max(self.group.checkedId(), 0)]

    def reason(self) -> str:
        return flag_reason(self.code(), self.details.text())

    def _accept(self) -> None:
        if self.code() == "other" and not self.details.text().strip():
            self.hint.setText(self.tr("Describe the problem in a few words."))
            self.details.setFocus()
            return
        self.accept()
