"""``okno schedule install|remove|show``: the nightly ``okno sync --machine``.

Qt-free. On Linux it writes a systemd timer and service: system-wide with ``--system``
(``/etc/systemd/system``, as root) or for the current user (``~/.config/systemd/user``).
``$OKNO_SYSTEMD_DIR`` writes them to another folder instead and then never calls
``systemctl`` (tests, lab images). The time and random delay come from the preset's
``[machine] sync_at`` / ``random_delay_min`` unless ``--at`` / ``--random-delay`` are given.
On Windows it creates (or deletes) a Task Scheduler task with ``schtasks``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.lab.machine_sync import EXIT_BUSY, EXIT_CONFIG
from desktop.lab.presets import ENV_DATA, ENV_PATH, PresetError, is_hhmm, load_machine_config

UNIT = "okno-sync"
TASK = r"Okno\Night sync"
ENV_UNIT_DIR = "OKNO_SYSTEMD_DIR"


@dataclass(frozen=True)
class Schedule:
    command: list[str]  # the okno executable and its arguments
    at: str = "02:30"
    random_delay_min: int = 30
    system: bool = False
    environment: tuple[tuple[str, str], ...] = ()


def okno_command() -> list[str]:
    """How to start this Okno from a scheduler: the frozen binary, or the installed script."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable).resolve()
        windowless = exe.with_name("okno.exe")  # not okno-cli.exe: no console window at night
        return [str(windowless if sys.platform == "win32" and windowless.exists() else exe)]
    script = Path(sys.executable).parent / ("okno.exe" if sys.platform == "win32" else "okno")
    if script.exists():
        return [str(script)]
    found = shutil.which("okno")
    return [found] if found else [sys.executable, "-m", "desktop.cli"]


def _quote(arg: str) -> str:
    """systemd's ExecStart quoting (double quotes, backslash escapes)."""
    if arg and all(c.isalnum() or c in "/._-=:@+," for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def service_unit(s: Schedule) -> str:
    exec_start = " ".join(_quote(a) for a in [*s.command, "sync", "--machine", "--quiet"])
    env = "".join(f"Environment={_quote(f'{k}={v}')}\n" for k, v in s.environment)
    return (
        "[Unit]\n"
        "Description=Okno: synchronise the lab's shared library\n"
        "Documentation=man:systemd.timer(5)\n"
        "Wants=network-online.target\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={exec_start}\n"
        f"{env}"
        f"SuccessExitStatus={EXIT_BUSY}\n"
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        "TimeoutStartSec=6h\n"
    )


def timer_unit(s: Schedule) -> str:
    return (
        "[Unit]\n"
        "Description=Okno: nightly sync of the lab's shared library\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {s.at}:00\n"
        f"RandomizedDelaySec={s.random_delay_min * 60}\n"
        "Persistent=true\n"
        f"Unit={UNIT}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def schtasks_create(s: Schedule) -> list[str]:
    """The Task Scheduler command (run as SYSTEM with --system, else as the current user)."""
    tr = subprocess.list2cmdline([*s.command, "sync", "--machine", "--quiet"])
    cmd = ["schtasks", "/Create", "/F", "/TN", TASK, "/SC", "DAILY", "/ST", s.at, "/TR", tr]
    if s.system:
        cmd += ["/RU", "SYSTEM"]
    return cmd


def unit_dir(system: bool) -> Path:
    override = os.environ.get(ENV_UNIT_DIR)
    if override:
        return Path(override)
    if system:
        return Path("/etc/systemd/system")
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def _systemctl(system: bool, *args: str) -> int:
    """Run systemctl unless the units went to an override folder or there is no systemd."""
    if os.environ.get(ENV_UNIT_DIR) or shutil.which("systemctl") is None:
        return 0
    cmd = ["systemctl", *([] if system else ["--user"]), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"okno: {' '.join(cmd)} failed: {proc.stderr.strip()}", file=sys.stderr)
    return proc.returncode


def verify_units(directory: Path) -> tuple[bool, str]:
    """``systemd-analyze verify`` on the written units (True, "" when it is not installed)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return True, ""
    proc = subprocess.run([tool, "verify", str(directory / f"{UNIT}.service"),
                           str(directory / f"{UNIT}.timer")], capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def install(s: Schedule, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in (("service", service_unit(s)), ("timer", timer_unit(s))):
        path = directory / f"{UNIT}.{suffix}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def remove(directory: Path) -> list[Path]:
    removed = []
    for suffix in ("timer", "service"):
        path = directory / f"{UNIT}.{suffix}"
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schedule", help="schedule the nightly 'okno sync --machine' "
                       "(systemd timer on Linux, Task Scheduler on Windows)")
    p.add_argument("action", choices=("install", "remove", "show"))
    p.add_argument("--system", action="store_true",
                   help="for the whole machine (as root / administrator); default: this user")
    p.add_argument("--at", help="time of day, HH:MM (default: the preset's sync_at or 02:30)")
    p.add_argument("--random-delay", type=int, default=None, metavar="MIN",
                   help="random delay in minutes so a lab's PCs do not start together")


def cmd_schedule(args: argparse.Namespace) -> int:
    try:
        machine = load_machine_config()
    except PresetError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    at = args.at or machine.sync_at
    if not is_hhmm(at):
        print(f"okno: --at must be a time like 02:30, not {at!r}", file=sys.stderr)
        return EXIT_CONFIG
    delay = machine.random_delay_min if args.random_delay is None else max(0, args.random_delay)
    env = tuple((k, os.environ[k]) for k in (ENV_PATH, ENV_DATA) if os.environ.get(k))
    if getattr(args, "data", None):
        env = (*[(k, v) for k, v in env if k != ENV_DATA],
               (ENV_DATA, str(Path(args.data).resolve())))
    s = Schedule(okno_command(), at, delay, args.system, env)
    if sys.platform == "win32":
        return _windows(args.action, s)
    return _systemd(args.action, s)


def _systemd(action: str, s: Schedule) -> int:
    if (action != "show" and s.system and os.environ.get(ENV_UNIT_DIR) is None
            and os.geteuid() != 0):
        print("okno: --system needs root (sudo okno schedule ... --system)", file=sys.stderr)
        return EXIT_CONFIG
    directory = unit_dir(s.system)
    timer = f"{UNIT}.timer"
    if action == "install":
        for path in install(s, directory):
            print(f"Wrote {path}")
        ok, report = verify_units(directory)
        if not ok:
            print(f"okno: systemd-analyze verify reports problems:\n{report}", file=sys.stderr)
            return 1
        if _systemctl(s.system, "daemon-reload") or _systemctl(s.system, "enable", "--now",
                                                               timer):
            return 1
        print(f"Sync scheduled daily at {s.at} (+ up to {s.random_delay_min} min).")
        return 0
    if action == "remove":
        _systemctl(s.system, "disable", "--now", timer)
        removed = remove(directory)
        for path in removed:
            print(f"Removed {path}")
        _systemctl(s.system, "daemon-reload")
        if not removed:
            print("No Okno sync schedule was installed here.")
        return 0
    paths = [directory / f"{UNIT}.service", directory / f"{UNIT}.timer"]
    if not any(p.exists() for p in paths):
        print(f"No Okno sync schedule in {directory}.")
        return 0
    for p in paths:
        if p.exists():
            print(f"# {p}\n{p.read_text('utf-8')}")
    if not os.environ.get(ENV_UNIT_DIR) and shutil.which("systemctl"):
        _systemctl(s.system, "list-timers", timer)
    return 0


def _windows(action: str, s: Schedule) -> int:
    cmd = {"install": schtasks_create(s),
           "remove": ["schtasks", "/Delete", "/F", "/TN", TASK],
           "show": ["schtasks", "/Query", "/V", "/FO", "LIST", "/TN", TASK]}[action]
    print("Running: " + " ".join(shlex.quote(c) for c in cmd))
    return subprocess.run(cmd).returncode
