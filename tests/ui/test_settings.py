"""Settings: declared once with defaults, stored as JSON, robust against damage."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.ui.settings import Settings, in_window, read_data_pointer, write_data_pointer


def test_missing_or_damaged_settings_give_the_defaults(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "none.json") == Settings()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    assert Settings.load(bad) == Settings()


def test_settings_round_trip_and_ignore_unknown_or_mistyped_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    s = Settings(portal_url="http://portal.local", language="en", sync_interval_min=60)
    s.save(path)
    assert Settings.load(path) == s
    raw = json.loads(path.read_text("utf-8"))
    raw["from_the_future"] = 1
    raw["sync_interval_min"] = "often"
    path.write_text(json.dumps(raw), "utf-8")
    loaded = Settings.load(path)
    assert loaded.portal_url == "http://portal.local"
    assert loaded.sync_interval_min == 0


def test_bandwidth_cap_in_bytes_per_second() -> None:
    assert Settings().rate_limit_bps is None
    assert Settings(bandwidth_cap_kbps=32).rate_limit_bps == 32 * 1024


def test_sync_window_may_cross_midnight() -> None:
    assert in_window("23:30", "22:00", "06:00")
    assert in_window("05:59", "22:00", "06:00")
    assert not in_window("06:00", "22:00", "06:00")
    assert in_window("13:00", "12:00", "14:00")
    assert not in_window("15:00", "12:00", "14:00")


def test_a_moved_data_folder_is_remembered(tmp_path: Path) -> None:
    assert read_data_pointer(tmp_path / "cfg") is None
    write_data_pointer(tmp_path / "новая папка", tmp_path / "cfg")
    assert read_data_pointer(tmp_path / "cfg") == str(tmp_path / "новая папка")
