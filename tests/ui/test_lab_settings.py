"""Settings locked by the administrator's preset are shown disabled, with a note."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from desktop.paths import Paths


def test_locked_settings_are_disabled_with_a_note(qtbot: Any, make_ctx: Any,
                                                   library_paths: Paths) -> None:
    from desktop.ui.settings_page import SettingsPage

    ctx = make_ctx(library_paths)
    ctx.locked = frozenset({"portal_url", "bandwidth_cap_kbps", "sync_window_enabled",
                            "sync_window_start", "sync_window_end"})
    ctx.machine_config = "/etc/okno/okno.toml"
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    for w in (page.portal_edit, page.cap_spin, page.window_check, page.window_start,
              page.window_end):
        assert not w.isEnabled()
        assert w.toolTip() == "Set by the administrator"
    for w in (page.language_combo, page.interval_spin, page.metered_check):
        assert w.isEnabled()
    assert page.locked_note.isVisible()
    assert "/etc/okno/okno.toml" in page.locked_note.text()
    page.interval_spin.setValue(30)  # editing an unlocked one does not unlock the window
    assert not page.window_start.isEnabled()


def test_no_preset_no_note(qtbot: Any, make_ctx: Any, library_paths: Paths) -> None:
    from desktop.ui.settings_page import SettingsPage

    page = SettingsPage(make_ctx(library_paths))
    qtbot.addWidget(page)
    page.show()
    assert not page.locked_note.isVisible()
    assert page.portal_edit.isEnabled() and page.cap_spin.isEnabled()


def _self_test(tmp_path: Path, preset: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "okno.toml"
    config.write_text(preset, "utf-8")
    env = {**os.environ, "OKNO_MACHINE_CONFIG": str(config), "QT_QPA_PLATFORM": "offscreen",
           "OKNO_CONFIG_DIR": str(tmp_path / "cfg")}
    env.pop("OKNO_PORTAL_URL", None)
    return subprocess.run([sys.executable, "-m", "desktop.cli", "--data", str(tmp_path / "d"),
                           "gui", "--self-test"], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_app_starts_with_a_preset_and_refuses_a_broken_one(tmp_path: Path) -> None:
    ok = _self_test(tmp_path, 'portal_url = "https://okno.school.ru"\nlocked = ["portal_url"]\n')
    assert ok.returncode == 0, ok.stderr
    assert "self-test: ok" in ok.stdout
    bad = _self_test(tmp_path, 'portal_url = "https://okno.school.ru"\nlanguage = "fr"\n')
    assert bad.returncode == 1
    assert f"{tmp_path / 'okno.toml'}, line 2:" in bad.stderr
