"""First run: choose the language, then connect to a portal or explore the sample library."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.ui.resources import icon
from desktop.ui.tasks import Lane, TaskManager, describe_error

PAGE_WELCOME, PAGE_PORTAL = 0, 1


class WelcomePage(QWizardPage):
    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.language_label = QLabel(self)
        self.language_combo = QComboBox(self)
        self.language_combo.addItem("Русский", "ru")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(language)))
        self.language_label.setBuddy(self.language_combo)
        self.portal_radio = QRadioButton(self)
        self.sample_radio = QRadioButton(self)
        self.portal_hint = QLabel(self)
        self.sample_hint = QLabel(self)
        for hint in (self.portal_hint, self.sample_hint):
            hint.setWordWrap(True)
            hint.setIndent(24)
            hint.setStyleSheet("color: palette(placeholder-text);")
        self.group = QButtonGroup(self)
        self.group.addButton(self.portal_radio)
        self.group.addButton(self.sample_radio)
        self.portal_radio.setChecked(True)
        form = QFormLayout()
        form.addRow(self.language_label, self.language_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.portal_radio)
        layout.addWidget(self.portal_hint)
        layout.addWidget(self.sample_radio)
        layout.addWidget(self.sample_hint)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Welcome to Okno"))
        self.setSubTitle(self.tr("The library of educational resources that works without "
                                 "the Internet."))
        self.text.setText(self.tr("Okno keeps a copy of the library on this computer: you "
                                  "search, read and watch offline, and the copy is updated "
                                  "whenever a connection is available."))
        self.language_label.setText(self.tr("&Language:"))
        self.language_combo.setAccessibleName(self.tr("Interface language"))
        self.portal_radio.setText(self.tr("&Connect to a portal"))
        self.portal_hint.setText(self.tr("Your region's or school's portal; its address is "
                                         "usually given by the methodologist or the IT "
                                         "administrator."))
        self.sample_radio.setText(self.tr("&Explore the sample library (no portal needed)"))
        self.sample_hint.setText(self.tr("A small set of lessons that ships with Okno. You can "
                                         "connect to a portal later in Settings."))

    def nextId(self) -> int:
        return PAGE_PORTAL if self.portal_radio.isChecked() else -1

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class PortalPage(QWizardPage):
    def __init__(self, tasks: TaskManager, portal_url: str, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.checked_ok: str | None = None
        self.address_label = QLabel(self)
        self.address = QLineEdit(portal_url, self)
        self.address.setPlaceholderText("http://portal.example.ru")
        self.address_label.setBuddy(self.address)
        self.address.textChanged.connect(self._edited)
        self.check_button = QPushButton(icon("sync"), "", self)
        self.check_button.clicked.connect(self.check)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.check_button)
        form = QFormLayout()
        form.addRow(self.address_label, row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.hint)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Connect to a portal"))
        self.setSubTitle(self.tr("Enter the portal address and check the connection."))
        self.address_label.setText(self.tr("Portal &address:"))
        self.address.setAccessibleName(self.tr("Portal address"))
        self.check_button.setText(self.tr("Check"))
        self.hint.setText(self.tr("No connection right now? Finish anyway: Okno will "
                                  "synchronise when the portal becomes reachable."))

    def url(self) -> str:
        url = self.address.text().strip().rstrip("/")
        if url and "://" not in url:
            url = "http://" + url
        return url

    def _edited(self) -> None:
        self.checked_ok = None
        self.status.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.url())

    def check(self) -> None:
        url = self.url()
        if not url:
            return
        from desktop.sync.engine import hello

        self.status.setText(self.tr("Checking {url}…").format(url=url))
        self.check_button.setEnabled(False)

        def ok(info: dict[str, Any]) -> None:
            if url == self.url():
                self.checked_ok = url
                name = info.get("name") or info.get("title") or url
                self.status.setText(self.tr("✔ The portal answers: {name}.").format(name=name))

        def failed(exc: BaseException) -> None:
            if url == self.url():
                self.status.setText(self.tr("✘ Not reachable: {reason}").format(
                    reason=describe_error(exc)))

        self.tasks.op(lambda: hello(url, timeout=5), Lane.NET).success(ok).failure(failed) \
            .finally_(lambda: self.check_button.setEnabled(True)).run()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class FirstRunWizard(QWizard):
    """``choice()`` after ``exec()``: ("portal", url) or ("sample", "")."""

    def __init__(self, tasks: TaskManager, language: str, portal_url: str = "",
                 on_language: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setWindowIcon(icon("okno"))
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, icon("okno").pixmap(48, 48))
        self.welcome = WelcomePage(language, self)
        self.portal = PortalPage(tasks, portal_url, self)
        self.setPage(PAGE_WELCOME, self.welcome)
        self.setPage(PAGE_PORTAL, self.portal)
        self.setStartId(PAGE_WELCOME)
        self.resize(620, 460)
        self._on_language = on_language
        self.welcome.language_combo.currentIndexChanged.connect(self._language_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Okno: first start"))

    def language(self) -> str:
        return str(self.welcome.language_combo.currentData())

    def _language_changed(self) -> None:
        if self._on_language is not None:
            self._on_language(self.language())

    def choice(self) -> tuple[str, str]:
        if self.welcome.portal_radio.isChecked():
            return "portal", self.portal.url()
        return "sample", ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
