"""First run: the wizard offers a portal (checked live) or the sample library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from desktop.paths import Paths
from desktop.ui.wizard import PAGE_PORTAL, FirstRunWizard


@pytest.fixture
def wizard(qtbot: Any, make_ctx: Any, tmp_path: Path) -> Any:
    ctx = make_ctx(Paths(tmp_path / "fresh").ensure(), inline=False)
    wiz = FirstRunWizard(ctx.tasks, "ru")
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.ctx = ctx
    return wiz


def test_the_wizard_offers_a_portal_or_the_sample_library(wizard: Any) -> None:
    assert wizard.welcome.portal_radio.isChecked()
    assert wizard.welcome.nextId() == PAGE_PORTAL
    wizard.welcome.sample_radio.setChecked(True)
    assert wizard.welcome.nextId() == -1
    assert wizard.choice() == ("sample", "")
    assert wizard.language() == "ru"


def test_the_portal_address_is_checked_live(wizard: Any, qtbot: Any) -> None:
    wizard.next()
    assert wizard.currentId() == PAGE_PORTAL
    page = wizard.portal
    assert not page.isComplete()
    page.address.setText("127.0.0.1:1")  # nothing listens there
    assert page.isComplete() and page.url() == "http://127.0.0.1:1"
    page.check_button.click()
    qtbot.waitUntil(lambda: "Not reachable" in page.status.text(), timeout=10_000)
    assert page.checked_ok is None
    assert wizard.choice() == ("portal", "http://127.0.0.1:1")
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()


def test_choosing_the_language_switches_it_at_once(qtbot: Any, make_ctx: Any,
                                                   tmp_path: Path) -> None:
    chosen: list[str] = []
    ctx = make_ctx(Paths(tmp_path / "fresh").ensure())
    wiz = FirstRunWizard(ctx.tasks, "ru", on_language=chosen.append)
    qtbot.addWidget(wiz)
    wiz.welcome.language_combo.setCurrentIndex(1)
    assert chosen == ["en"] and wiz.language() == "en"


def test_the_sample_choice_installs_the_sample_library(make_ctx: Any, tmp_path: Path) -> None:
    from desktop.sample import sample_dir
    from desktop.ui.app import apply_wizard_choice

    if not (sample_dir() / "manifest.json").exists():
        pytest.skip("the sample library is not in resources/ yet")
    ctx = make_ctx(Paths(tmp_path / "fresh").ensure())
    apply_wizard_choice(ctx, "ru", "sample", "")
    assert ctx.settings.first_run_done and ctx.settings.language == "ru"
    assert ctx.reader.counts()["resources"] > 0
    assert ctx.errors == []


def test_the_portal_choice_is_saved(make_ctx: Any, tmp_path: Path) -> None:
    from desktop.ui.app import apply_wizard_choice
    from desktop.ui.settings import Settings

    ctx = make_ctx(Paths(tmp_path / "fresh").ensure())
    apply_wizard_choice(ctx, "en", "portal", "http://portal.local")
    saved = Settings.load(ctx.paths.settings)
    assert saved.first_run_done and saved.portal_url == "http://portal.local"
    assert saved.language == "en"
