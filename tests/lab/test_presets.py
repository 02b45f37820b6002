"""Lab presets: where the file is, what it may say, and how it ranks against the user."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.lab.presets import (
    MachineConfig,
    PresetError,
    candidate_paths,
    load_machine_config,
    machine_data_dir,
    resolve_settings,
    system_config_path,
)
from desktop.ui.settings import Settings

PRESET = """\
# a lab
portal_url = "https://okno.school.ru/"
language = "ru"
bandwidth_cap_kbps = 64
metered = true
sync_interval_min = 120
sync_window = "22:00-06:00"
locked = ["portal_url", "sync_window"]

[machine]
data_dir = "/srv/okno"
sync_at = "03:15"
random_delay_min = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "okno.toml"
    path.write_text(text, "utf-8")
    return path


def test_a_full_preset_is_read(tmp_path: Path) -> None:
    m = load_machine_config(write(tmp_path, PRESET))
    assert m.values == {"portal_url": "https://okno.school.ru", "language": "ru",
                        "bandwidth_cap_kbps": 64, "metered": True, "sync_interval_min": 120,
                        "sync_window_enabled": True, "sync_window_start": "22:00",
                        "sync_window_end": "06:00"}
    assert m.locked == {"portal_url", "sync_window_enabled", "sync_window_start",
                        "sync_window_end"}
    assert (m.data_dir, m.sync_at, m.random_delay_min) == (Path("/srv/okno"), "03:15", 10)


def test_no_file_means_no_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKNO_MACHINE_CONFIG", str(tmp_path / "absent.toml"))
    assert candidate_paths() == [tmp_path / "absent.toml"]
    assert load_machine_config() == MachineConfig()


def test_documented_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ProgramData", r"D:\ProgramData")
    assert system_config_path("linux") == Path("/etc/okno/okno.toml")
    assert system_config_path("win32") == Path(r"D:\ProgramData") / "Okno" / "okno.toml"
    assert system_config_path("darwin") == Path("/Library/Application Support/Okno/okno.toml")


def test_portable_file_beside_the_frozen_executable_comes_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKNO_MACHINE_CONFIG", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "okno"))
    assert candidate_paths()[0] == tmp_path / "okno.toml"


@pytest.mark.parametrize(("text", "line", "words"), [
    ('portal_url = "https://a.ru"\nbandwidth_cap_kbps = "fast"\n', 2, "whole number"),
    ('language = "de"\n', 1, '"ru", "en"'),
    ('\n\nportal_url = "ftp://x"\n', 3, "portal_url"),
    ('sync_window = "22-06"\n', 1, "22:00-06:00"),
    ('metered = "yes"\n', 1, "true or false"),
    ('sync_interval_min = -5\n', 1, "from 0"),
    ('bandwidth_cap_kbps = true\n', 1, "whole number"),
    ('portal = "https://a.ru"\n', 1, "unknown setting 'portal'"),
    ('metered = true\n\n[sync]\ninterval = 5\n', 3, "unknown setting 'sync'"),
    ('locked = ["portal_url", "colour"]\n', 1, "cannot lock 'colour'"),
    ('locked = "portal_url"\n', 1, "list"),
    ('metered = false\n[machine]\nmetered = 1\nsync_at = "25:00"\n', 3, "unknown [machine]"),
    ('metered = false\n[machine]\nsync_at = "25:00"\n', 3, "02:30"),
    ('[machine]\nrandom_delay_min = 10000\n', 2, "random_delay_min"),
    ('portal_url = "https://a.ru"\nlanguage = ru\n', 2, "not valid TOML"),
    ('portal_url = "https://a.ru"\n[machine\n', 2, "not valid TOML"),
])
def test_bad_values_name_the_file_and_line(tmp_path: Path, text: str, line: int,
                                          words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as info:
        load_machine_config(path)
    assert info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"{path}, line {line}: ")
    assert words in str(info.value)


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "okno.toml"
    path.write_bytes(b"portal_url = \"\xff\xfe\"\n")
    with pytest.raises(PresetError, match="cannot be read"):
        load_machine_config(path)


def test_precedence_command_line_user_machine_defaults(tmp_path: Path) -> None:
    machine = load_machine_config(write(tmp_path, PRESET))
    user_file = tmp_path / "settings.json"
    # Nothing saved yet: the machine's values over the defaults.
    s = resolve_settings(user_file, machine)
    assert (s.portal_url, s.bandwidth_cap_kbps, s.sync_interval_min, s.language) == (
        "https://okno.school.ru", 64, 120, "ru")
    assert s.window_geometry == "" and s.first_run_done is False  # defaults elsewhere
    # The user's own choices win where not locked...
    user_file.write_text(json.dumps({"bandwidth_cap_kbps": 16, "language": "en",
                                     "portal_url": "http://elsewhere",
                                     "sync_window_enabled": False}), "utf-8")
    s = resolve_settings(user_file, machine)
    assert (s.bandwidth_cap_kbps, s.language) == (16, "en")
    # ...but never over a locked setting.
    assert s.portal_url == "https://okno.school.ru"
    assert s.sync_window_enabled is True
    # The command line beats everything, locks included.
    s = resolve_settings(user_file, machine, {"portal_url": "http://cli", "language": None})
    assert (s.portal_url, s.language) == ("http://cli", "en")


def test_without_a_preset_the_user_file_and_defaults_apply(tmp_path: Path) -> None:
    user_file = tmp_path / "settings.json"
    Settings(bandwidth_cap_kbps=8).save(user_file)
    s = resolve_settings(user_file, MachineConfig())
    assert s.bandwidth_cap_kbps == 8 and s.portal_url == ""


def test_saving_keeps_only_the_users_own_changes(tmp_path: Path) -> None:
    """A value the administrator changes later still reaches users who never touched it."""
    machine = load_machine_config(write(tmp_path, PRESET))
    user_file = tmp_path / "settings.json"
    s = resolve_settings(user_file, machine)
    s.language = "en"
    s.save(user_file, base=machine.defaults())
    assert json.loads(user_file.read_text("utf-8")) == {"language": "en"}
    newer = load_machine_config(write(tmp_path, PRESET.replace("= 64", "= 256")))
    s = resolve_settings(user_file, newer)
    assert (s.bandwidth_cap_kbps, s.language) == (256, "en")


def test_machine_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKNO_MACHINE_DATA", raising=False)
    machine = MachineConfig(data_dir=tmp_path / "preset")
    assert machine_data_dir(MachineConfig()).name in ("okno", "data")
    assert machine_data_dir(machine) == (tmp_path / "preset").resolve()
    monkeypatch.setenv("OKNO_MACHINE_DATA", str(tmp_path / "env"))
    assert machine_data_dir(machine) == (tmp_path / "env").resolve()
    assert machine_data_dir(machine, str(tmp_path / "cli")) == (tmp_path / "cli").resolve()


def test_the_shipped_example_is_valid(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "packaging" / "okno.toml.example"
    m = load_machine_config(example)
    assert m.values["portal_url"].startswith("https://") and m.locked


def test_presets_import_without_qt() -> None:
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.startswith('PySide6'):\n"
            "            raise ImportError(name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import desktop.lab.presets, desktop.lab.machine_sync, desktop.lab.schedule\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
