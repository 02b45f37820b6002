"""The lab preset sets and locks the hub settings (share, bind address, port, use lab
hubs); the settings page shows the locked ones disabled, "set by the administrator"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.lab.presets import PresetError, load_machine_config, resolve_settings
from tests.ui.conftest import library_paths, make_ctx  # noqa: F401 (fixtures)

PRESET = """\
use_lab_hubs = false
hub_share = true
hub_bind = "192.168.10.5"
hub_port = 8800
locked = ["hub_share", "hub_bind", "use_lab_hubs"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "okno.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_preset_sets_and_locks_the_hub_settings(tmp_path: Path) -> None:
    m = load_machine_config(write(tmp_path, PRESET))
    assert m.values == {"use_lab_hubs": False, "hub_share": True, "hub_bind": "192.168.10.5",
                        "hub_port": 8800}
    assert m.locked == {"hub_share", "hub_bind", "use_lab_hubs"}
    user_file = tmp_path / "settings.json"
    user_file.write_text(json.dumps({"hub_share": False, "hub_bind": "10.0.0.1",
                                     "hub_port": 9000, "use_lab_hubs": True}), "utf-8")
    s = resolve_settings(user_file, m)
    # Locked: the administrator's; the port is not locked, so the user's own choice wins.
    assert (s.hub_share, s.hub_bind, s.use_lab_hubs, s.hub_port) == (
        True, "192.168.10.5", False, 9000)


@pytest.mark.parametrize(("text", "line", "words"), [
    ('hub_share = "yes"\n', 1, "true or false"),
    ('use_lab_hubs = 1\n', 1, "true or false"),
    ('metered = true\nhub_bind = "0.0.0.0"\n', 2, "never 0.0.0.0"),
    ('hub_bind = "::"\n', 1, "never 0.0.0.0"),
    ('hub_bind = "lab-pc"\n', 1, "address of the lab network card"),
    ('hub_port = 80\n', 1, "from 1024 to 65535"),
    ('hub_port = "8766"\n', 1, "whole number"),
    ('locked = ["hub_address"]\n', 1, "cannot lock 'hub_address'"),
])
def test_bad_hub_values_name_the_file_and_line(tmp_path: Path, text: str, line: int,
                                              words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as info:
        load_machine_config(path)
    assert info.value.line == line, str(info.value)
    assert words in str(info.value)


def test_an_empty_bind_address_leaves_the_choice_to_the_pc(tmp_path: Path) -> None:
    assert load_machine_config(write(tmp_path, 'hub_bind = ""\n')).values == {"hub_bind": ""}


@pytest.mark.ui
def test_the_settings_page_shows_locked_hub_settings_disabled(
        qtbot, make_ctx, library_paths, tmp_path: Path) -> None:  # noqa: F811
    from desktop.ui.settings_page import SettingsPage

    machine = load_machine_config(write(tmp_path, PRESET.replace("hub_share = true",
                                                                 "hub_share = false")))
    ctx = make_ctx(library_paths, **dict(machine.values))
    ctx.locked = machine.locked
    ctx.machine_config = str(machine.path)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    hub = page.lab_hub
    assert not hub.use_check.isEnabled() and not hub.use_check.isChecked()
    assert not hub.share_check.isEnabled() and not hub.address_combo.isEnabled()
    assert hub.port_spin.isEnabled() and hub.port_spin.value() == 8800  # not locked
    assert hub.address_combo.currentData() == "192.168.10.5"
    assert set(hub.locked_widgets()) <= set(page.locked_widgets())
    assert hub.share_check.toolTip() == "Set by the administrator"
    assert page.locked_note.isVisibleTo(page)
    hub._update_enabled()  # what a toggle elsewhere runs: the locks stay
    assert not hub.address_combo.isEnabled() and hub.port_spin.isEnabled()
    # Without a preset everything is editable.
    free = SettingsPage(make_ctx(library_paths))
    qtbot.addWidget(free)
    assert all(w.isEnabled() for w in (free.lab_hub.use_check, free.lab_hub.share_check,
                                       free.lab_hub.address_combo, free.lab_hub.port_spin))
