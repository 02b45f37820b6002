"""Every interface string exists in Russian and English, and the compiled files are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop.ui.resources import translations_dir

ROOT = Path(__file__).resolve().parents[2]


def messages(ts: Path) -> dict[tuple[str, str], str]:
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            t = m.find("translation")
            unfinished = t is not None and t.get("type") in ("unfinished", "obsolete",
                                                            "vanished")
            out[(name, m.findtext("source") or "")] = "" if unfinished else (t.text or "")
    return out


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_source_string_has_a_translation(language: str) -> None:
    msgs = messages(translations_dir() / f"okno_{language}.ts")
    assert len(msgs) > 150
    missing = [src for (_ctx, src), tr in msgs.items() if not tr.strip()]
    assert missing == []


def test_russian_translations_are_russian() -> None:
    msgs = messages(translations_dir() / "okno_ru.ts")
    same = [src for (_c, src), tr in msgs.items()
            if tr == src and any(ch.isalpha() for ch in src) and len(src) > 3
            and "{" not in src]
    assert same == []


def test_the_ts_files_cover_every_string_in_the_code(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists():
        found = shutil.which("pyside6-lupdate")
        if found is None:
            pytest.skip("pyside6-lupdate is not installed")
        lupdate = Path(found)
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "desktop" / "ui").glob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh), "-no-obsolete"], check=True,
                   capture_output=True)
    in_code = set(messages(fresh))
    committed = set(messages(translations_dir() / "okno_ru.ts"))
    assert in_code - committed == set(), "run resources/translations/update.sh"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_compiled_files_hold_every_translation(language: str, qapp: Any) -> None:
    qm = translations_dir() / f"okno_{language}.qm"
    translator = QTranslator()
    assert translator.load(str(qm))
    for (ctx, src), tr in messages(translations_dir() / f"okno_{language}.ts").items():
        assert translator.translate(ctx, src) == tr, (ctx, src)


def test_switching_language_translates_the_window(window: Any, qapp: Any) -> None:
    from desktop.ui.i18n import Translations

    translations = Translations(qapp)
    try:
        translations.use("ru")
        QCoreApplication.processEvents()  # LanguageChange is posted to every widget
        assert window.sidebar.item(0).text() == "Библиотека"
        assert window.library.detail.download_button.text() == "Скачать"
        translations.use("en")
        QCoreApplication.processEvents()
        assert window.sidebar.item(0).text() == "Library"
    finally:
        translations.use("en")
        QCoreApplication.processEvents()


@pytest.mark.parametrize("locale_name, expected", [
    ("ru_RU", "ru"), ("en_US", "en"), ("en_GB", "en"), ("de_DE", "ru"), ("C", "ru"),
    ("tt_RU", "ru"),
])
def test_language_follows_the_system_locale_russian_when_in_doubt(locale_name: str,
                                                                  expected: str) -> None:
    from PySide6.QtCore import QLocale

    from desktop.ui.i18n import effective_language, system_language

    assert system_language(QLocale(locale_name)) == expected
    assert effective_language("en", QLocale(locale_name)) == "en"  # a saved choice wins


def test_core_errors_are_shown_in_the_users_language(tmp_path: Path, qapp: Any) -> None:
    """Sync errors carry a category; the UI words them in Russian, not the core's English."""
    from desktop.paths import Paths
    from desktop.store import Store
    from desktop.sync.engine import sync_catalog
    from desktop.sync.http import RetryPolicy, SyncError
    from desktop.ui.i18n import Translations
    from desktop.ui.tasks import describe_error

    paths = Paths(tmp_path / "d").ensure()
    store = Store(paths.database)
    with pytest.raises(SyncError) as err:
        sync_catalog(store, "http://127.0.0.1:9", paths=paths, policy=RetryPolicy(attempts=1))
    store.close()
    translations = Translations(qapp)
    try:
        translations.use("ru")
        text = describe_error(err.value)
        assert text.startswith("Не удаётся связаться с порталом http://127.0.0.1:9")
        busy = SyncError("The portal is busy", code="busy")
        assert describe_error(busy) == "Портал перегружен и просит повторить попытку позже."
        odd = SyncError("Something new", code="never-heard-of")
        assert describe_error(odd) == "Something new"
    finally:
        translations.use("en")
