"""``okno schedule``: systemd units that systemd itself accepts, installed into a tmp folder."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.lab.schedule import (
    Schedule,
    install,
    remove,
    schtasks_create,
    service_unit,
    timer_unit,
    verify_units,
)

ROOT = Path(__file__).resolve().parents[2]
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze is not installed (apt: systemd)")


def fake_okno(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "okno"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def run_schedule(tmp_path: Path, *args: str, preset: str = "") -> subprocess.CompletedProcess:
    (tmp_path / "okno.toml").write_text(preset, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(OKNO_SYSTEMD_DIR=str(tmp_path / "units"),
               OKNO_MACHINE_CONFIG=str(tmp_path / "okno.toml"))
    return subprocess.run([sys.executable, "-m", "desktop.cli", "schedule", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_units_say_what_they_should() -> None:
    s = Schedule(["/opt/okno/okno"], "03:15", 20, True, (("OKNO_MACHINE_DATA", "/srv/okno"),))
    service, timer = service_unit(s), timer_unit(s)
    assert "ExecStart=/opt/okno/okno sync --machine --quiet\n" in service
    assert "Environment=OKNO_MACHINE_DATA=/srv/okno\n" in service
    assert "SuccessExitStatus=75\n" in service and "Type=oneshot\n" in service
    assert "OnCalendar=*-*-* 03:15:00\n" in timer and "RandomizedDelaySec=1200\n" in timer
    assert "Persistent=true\n" in timer and "WantedBy=timers.target\n" in timer


@needs_systemd
def test_units_pass_systemd_analyze_verify_even_with_spaces(tmp_path: Path) -> None:
    exe = fake_okno(tmp_path / "Program Files" / "Okno")
    s = Schedule([str(exe)], "02:30", 30, False,
                 (("OKNO_MACHINE_DATA", str(tmp_path / "общая папка")),))
    install(s, tmp_path / "units")
    ok, report = verify_units(tmp_path / "units")
    assert ok, report
    # systemd really rejects a bad unit (the check is not a no-op).
    timer = tmp_path / "units" / "okno-sync.timer"
    timer.write_text(timer.read_text().replace("*-*-* 02:30:00", "nightly-ish"))
    ok, report = verify_units(tmp_path / "units")
    assert not ok and "okno-sync.timer" in report


def test_install_show_remove_in_an_override_folder(tmp_path: Path) -> None:
    units = tmp_path / "units"
    out = run_schedule(tmp_path, "install",
                       preset='[machine]\nsync_at = "01:45"\nrandom_delay_min = 5\n')
    assert out.returncode == 0, out.stderr
    assert "daily at 01:45 (+ up to 5 min)" in out.stdout
    assert sorted(p.name for p in units.iterdir()) == ["okno-sync.service", "okno-sync.timer"]
    assert "OnCalendar=*-*-* 01:45:00" in (units / "okno-sync.timer").read_text()
    service = (units / "okno-sync.service").read_text()
    assert f"Environment=OKNO_MACHINE_CONFIG={tmp_path / 'okno.toml'}" in service
    shown = run_schedule(tmp_path, "show")
    assert shown.returncode == 0 and "OnCalendar=*-*-* 01:45:00" in shown.stdout
    override = run_schedule(tmp_path, "install", "--at", "04:00", "--random-delay", "0")
    assert override.returncode == 0, override.stderr
    assert "OnCalendar=*-*-* 04:00:00" in (units / "okno-sync.timer").read_text()
    gone = run_schedule(tmp_path, "remove")
    assert gone.returncode == 0 and list(units.iterdir()) == []
    assert "No Okno sync schedule" in run_schedule(tmp_path, "show").stdout
    assert "No Okno sync schedule" in run_schedule(tmp_path, "remove").stdout


def test_bad_time_or_preset_is_refused(tmp_path: Path) -> None:
    out = run_schedule(tmp_path, "install", "--at", "25:00")
    assert out.returncode == 2 and "02:30" in out.stderr
    out = run_schedule(tmp_path, "install", preset='[machine]\nsync_at = "late"\n')
    assert out.returncode == 2 and "line 2" in out.stderr
    assert not (tmp_path / "units").exists()


def test_remove_only_touches_okno_units(tmp_path: Path) -> None:
    units = tmp_path / "units"
    install(Schedule(["/usr/bin/okno"]), units)
    (units / "other.timer").write_text("[Timer]\n")
    assert {p.name for p in remove(units)} == {"okno-sync.service", "okno-sync.timer"}
    assert [p.name for p in units.iterdir()] == ["other.timer"]


def test_windows_task_command() -> None:
    cmd = schtasks_create(Schedule([r"C:\Program Files\Okno\okno.exe"], "02:30", 0, True))
    assert cmd[:5] == ["schtasks", "/Create", "/F", "/TN", r"Okno\Night sync"]
    assert cmd[cmd.index("/ST") + 1] == "02:30" and cmd[-2:] == ["/RU", "SYSTEM"]
    assert cmd[cmd.index("/TR") + 1] == \
        r'"C:\Program Files\Okno\okno.exe" sync --machine --quiet'
