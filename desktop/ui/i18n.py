"""Interface language: chosen from the system locale (Russian when in doubt), switchable.

Installing a translator makes Qt send every widget a LanguageChange event; each page
re-sets its texts in ``retranslate()``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.ui.resources import translations_dir
from desktop.ui.settings import LANGUAGES


def system_language(locale: QLocale | None = None) -> str:
    """``"en"`` for an English system locale, ``"ru"`` for anything else."""
    locale = locale or QLocale.system()
    return "en" if locale.language() == QLocale.Language.English else "ru"


def effective_language(setting: str, locale: QLocale | None = None) -> str:
    return setting if setting in LANGUAGES else system_language(locale)


class Translations:
    """The application's installed translators; ``use("en")`` switches live."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._installed: list[QTranslator] = []
        self.language = ""

    def use(self, language: str) -> bool:
        """Install the translators for ``language``; False if Okno's own file is missing."""
        for tr in self._installed:
            self._app.removeTranslator(tr)
        self._installed = []
        ours = QTranslator(self._app)
        ok = ours.load(str(translations_dir() / f"okno_{language}.qm"))
        qt = QTranslator(self._app)
        # Qt's own strings (standard buttons, file dialogs).
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(f"qtbase_{language}", qt_dir):
            self._app.installTranslator(qt)
            self._installed.append(qt)
        if ok:
            self._app.installTranslator(ours)
            self._installed.append(ours)
        self.language = language
        QLocale.setDefault(QLocale(QLocale.Language.Russian if language == "ru"
                                   else QLocale.Language.English))
        return ok


def resource_type_label(code: str, language: str) -> str:
    from protocol.wire import RESOURCE_TYPES

    labels = RESOURCE_TYPES.get(code)
    if labels is None:
        return code
    return labels[0] if language == "ru" else labels[1]
