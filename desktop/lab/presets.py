"""Lab presets: the machine-wide settings file an administrator puts on every PC of a lab.

Qt-free. The file is TOML (``packaging/okno.toml.example`` documents every key)::

    portal_url = "https://okno.example.ru"
    bandwidth_cap_kbps = 64
    sync_window = "22:00-06:00"
    locked = ["portal_url"]
    [machine]
    data_dir = "/var/lib/okno"
    shared_library = true

Where it is looked for, first found wins: ``$OKNO_MACHINE_CONFIG``; ``okno.toml`` beside the
frozen executable (portable installs); ``/etc/okno/okno.toml`` (Linux),
``%ProgramData%\\Okno\\okno.toml`` (Windows), ``/Library/Application Support/Okno/okno.toml``
(macOS). Precedence of a setting: command line > the user's settings (unless locked) >
this file > defaults (see :func:`resolve_settings`). A syntax error or a bad value raises
:class:`PresetError`, whose message names the file and the line.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop.ui.settings import LANGUAGES, Settings

FILE_NAME = "okno.toml"
ENV_PATH = "OKNO_MACHINE_CONFIG"
ENV_DATA = "OKNO_MACHINE_DATA"
ENV_SHARED = "OKNO_SHARED_LIBRARY"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Keys of the file's top level -> the Settings fields they set (and lock).
SETTING_KEYS: dict[str, tuple[str, ...]] = {
    "portal_url": ("portal_url",),
    "language": ("language",),
    "bandwidth_cap_kbps": ("bandwidth_cap_kbps",),
    "metered": ("metered",),
    "sync_interval_min": ("sync_interval_min",),
    "sync_window": ("sync_window_enabled", "sync_window_start", "sync_window_end"),
    "portal_bundle_key": ("portal_bundle_key",),
    "bundles_portal_only": ("bundles_portal_only",),
    "hub_share": ("hub_share",),
    "hub_bind": ("hub_bind",),
    "hub_port": ("hub_port",),
    "use_lab_hubs": ("use_lab_hubs",),
}
MACHINE_KEYS = ("data_dir", "shared_library", "sync_at", "random_delay_min")


class PresetError(ValueError):
    """A problem in the machine-wide settings file, located for the administrator."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class MachineConfig:
    """What the administrator set. ``values`` are Settings fields; ``locked`` too."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    data_dir: Path | None = None
    shared_library: bool = False  # every user reads the catalog and files from data_dir
    sync_at: str = "02:30"
    random_delay_min: int = 30

    def defaults(self) -> Settings:
        """The built-in defaults with the administrator's values on top."""
        return replace(Settings(), **dict(self.values))


def is_hhmm(value: str) -> bool:
    """``"02:30"`` -> True; ``"2:30"``, ``"25:00"`` -> False."""
    return bool(_HHMM.match(value))


# -- finding the file -------------------------------------------------------------------

def system_config_path(platform: str = sys.platform) -> Path:
    if platform == "win32":
        return Path(os.environ.get("ProgramData", r"C:\ProgramData")) / "Okno" / FILE_NAME
    if platform == "darwin":
        return Path("/Library/Application Support/Okno") / FILE_NAME
    return Path("/etc/okno") / FILE_NAME


def candidate_paths() -> list[Path]:
    """Where the file may be, in order of precedence."""
    override = os.environ.get(ENV_PATH)
    if override:
        return [Path(override)]  # tests and lab images: exactly this file (or none)
    found: list[Path] = []
    if getattr(sys, "frozen", False):
        found.append(Path(sys.executable).resolve().parent / FILE_NAME)
    found.append(system_config_path())
    return found


def find_machine_config() -> Path | None:
    return next((p for p in candidate_paths() if p.is_file()), None)


def default_machine_data_dir(platform: str = sys.platform) -> Path:
    if platform == "win32":
        return Path(os.environ.get("ProgramData", r"C:\ProgramData")) / "Okno" / "data"
    if platform == "darwin":
        return Path("/Library/Application Support/Okno/data")
    return Path("/var/lib/okno")


# -- reading and checking it ------------------------------------------------------------

def load_machine_config(path: Path | None = None) -> MachineConfig:
    """The machine-wide settings (an empty config when there is no file)."""
    path = path or find_machine_config()
    if path is None:
        return MachineConfig()
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        return MachineConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(Path(path), None, f"cannot be read: {exc}") from exc
    return parse_machine_config(text, Path(path))


def parse_machine_config(text: str, path: Path) -> MachineConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        reason = str(exc).split(" (at line")[0]
        raise PresetError(path, line, f"not valid TOML: {reason}") from exc
    checker = _Checker(text, path)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("locked", "machine"):
            continue
        if key not in SETTING_KEYS:
            raise checker.error(key, None, f"unknown setting {key!r}; known: "
                                f"{', '.join([*SETTING_KEYS, 'locked', '[machine]'])}")
        values.update(_SETTING_CHECKS[key](checker, key, value))
    locked = _check_locked(checker, raw.get("locked", []))
    machine = raw.get("machine", {})
    if not isinstance(machine, dict):
        raise checker.error("machine", None, "'machine' must be a table: [machine]")
    for key in machine:
        if key not in MACHINE_KEYS:
            raise checker.error(key, "machine", f"unknown [machine] setting {key!r}; known: "
                                f"{', '.join(MACHINE_KEYS)}")
    data_dir = machine.get("data_dir")
    if data_dir is not None and (not isinstance(data_dir, str) or not data_dir.strip()):
        raise checker.error("data_dir", "machine", "data_dir must be a folder path in quotes")
    shared = machine.get("shared_library", False)
    if not isinstance(shared, bool):
        raise checker.error("shared_library", "machine", "shared_library must be true or false, "
                            f"not {shared!r}")
    sync_at = machine.get("sync_at", "02:30")
    if not isinstance(sync_at, str) or not _HHMM.match(sync_at):
        raise checker.error("sync_at", "machine", f"sync_at must be a time like \"02:30\", "
                            f"not {sync_at!r}")
    delay = machine.get("random_delay_min", 30)
    _check_int(checker, "random_delay_min", delay, 0, 720, table="machine")
    return MachineConfig(path=path, values=values, locked=locked,
                         data_dir=Path(data_dir).expanduser() if data_dir else None,
                         shared_library=shared, sync_at=sync_at, random_delay_min=delay)


def _line_from_message(message: str) -> int | None:
    m = re.search(r"at line (\d+)", message)
    return int(m.group(1)) if m else None


class _Checker:
    """Finds the line of a key so that a bad value can be pointed at."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path

    def line_of(self, key: str, table: str | None = None) -> int | None:
        current: str | None = None
        pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')
                                  \s*=""", re.X)
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"^\s*\[\s*([^\]\s]+)\s*\]", line)
            if header:
                current = header.group(1).strip("\"'")
                continue
            if current == table and pattern.match(line):
                return number
        for number, line in enumerate(self.lines, start=1):  # a table where a value belongs
            if re.match(rf"^\s*\[\s*{re.escape(key)}\s*\]", line):
                return number
        return None

    def error(self, key: str, table: str | None, message: str) -> PresetError:
        return PresetError(self.path, self.line_of(key, table), message)


def _check_int(c: _Checker, key: str, value: Any, low: int, high: int,
               table: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise c.error(key, table, f"{key} must be a whole number from {low} to {high}, "
                      f"not {value!r}")
    return value


def _portal(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or (value and not re.match(r"^https?://[^\s/]+", value)):
        raise c.error(key, None, f"portal_url must be an address like "
                      f"\"https://okno.example.ru\", not {value!r}")
    return {"portal_url": value.rstrip("/")}


def _language(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    if value not in ("", *LANGUAGES):
        raise c.error(key, None, f"language must be one of \"ru\", \"en\" or \"\" (the system's),"
                      f" not {value!r}")
    return {"language": value}


def _cap(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    return {"bandwidth_cap_kbps": _check_int(c, key, value, 0, 10_000_000)}


def _interval(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    return {"sync_interval_min": _check_int(c, key, value, 0, 7 * 24 * 60)}


def _metered(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise c.error(key, None, f"metered must be true or false, not {value!r}")
    return {"metered": value}


def _window(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    if value == "":
        return {"sync_window_enabled": False}
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2 or not all(_HHMM.match(p.strip()) for p in parts):
        raise c.error(key, None, f"sync_window must look like \"22:00-06:00\" (or \"\" for any "
                      f"time), not {value!r}")
    return {"sync_window_enabled": True, "sync_window_start": parts[0].strip(),
            "sync_window_end": parts[1].strip()}


def _bundle_key(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    from protocol.bundle import BundleError, decode_key

    try:
        decode_key(value if isinstance(value, str) else "")
    except BundleError:
        raise c.error(key, None, "portal_bundle_key must be the portal's key as printed by "
                      "'okno-portal bundle-key' (base64 of 32 bytes)") from None
    return {"portal_bundle_key": value.strip()}


def _portal_only(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise c.error(key, None, f"bundles_portal_only must be true or false, not {value!r}")
    return {"bundles_portal_only": value}


def _bool(name: str) -> Callable[[_Checker, str, Any], dict[str, Any]]:
    def check(c: _Checker, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise c.error(key, None, f"{name} must be true or false, not {value!r}")
        return {name: value}

    return check


def _hub_bind(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    import ipaddress

    text = value.strip() if isinstance(value, str) else None
    try:
        address = ipaddress.ip_address(text) if text else None
    except ValueError:
        address = None
    if text is None or (text and (address is None or address.is_unspecified)):
        raise c.error(key, None, "hub_bind must be the address of the lab network card, like "
                      f"\"192.168.1.10\" (never 0.0.0.0 or ::; \"\" to choose on the PC), "
                      f"not {value!r}")
    return {"hub_bind": text}


def _hub_port(c: _Checker, key: str, value: Any) -> dict[str, Any]:
    return {"hub_port": _check_int(c, key, value, 1024, 65535)}


_SETTING_CHECKS: dict[str, Callable[[_Checker, str, Any], dict[str, Any]]] = {
    "portal_url": _portal, "language": _language, "bandwidth_cap_kbps": _cap,
    "metered": _metered, "sync_interval_min": _interval, "sync_window": _window,
    "portal_bundle_key": _bundle_key, "bundles_portal_only": _portal_only,
    "hub_share": _bool("hub_share"), "hub_bind": _hub_bind, "hub_port": _hub_port,
    "use_lab_hubs": _bool("use_lab_hubs"),
}


def _check_locked(c: _Checker, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise c.error("locked", None, "locked must be a list of setting names, "
                      "like [\"portal_url\"]")
    unknown = [v for v in value if v not in SETTING_KEYS]
    if unknown:
        raise c.error("locked", None, f"cannot lock {', '.join(map(repr, unknown))}; "
                      f"lockable: {', '.join(SETTING_KEYS)}")
    return frozenset(f for v in value for f in SETTING_KEYS[v])


# -- precedence -------------------------------------------------------------------------

def resolve_settings(user_file: Path, machine: MachineConfig,
                     command_line: Mapping[str, Any] | None = None) -> Settings:
    """Command line > the user's saved settings (unless locked) > machine-wide > defaults.

    The user's file only overrides what the user changed (see ``Settings.save(base=...)``),
    so a value the administrator changes later reaches users who never touched it.
    """
    base = machine.defaults()
    settings = Settings.load(user_file, base=base)
    for name in machine.locked:
        setattr(settings, name, getattr(base, name))
    for name, value in (command_line or {}).items():
        if value is not None:
            setattr(settings, name, value)
    return settings


def machine_data_dir(machine: MachineConfig, explicit: str | None = None) -> Path:
    """``--data`` > ``$OKNO_MACHINE_DATA`` > the preset's [machine] data_dir > OS default."""
    chosen = explicit or os.environ.get(ENV_DATA) or machine.data_dir
    return Path(chosen).expanduser().resolve() if chosen else default_machine_data_dir()


def lab_paths(paths: Any, machine: MachineConfig | None = None) -> Any:
    """``paths`` (desktop.paths.Paths) with the lab's shared library folder, if there is one.

    Raises PresetError for a broken machine-wide file."""
    machine = load_machine_config() if machine is None else machine
    return replace(paths, library=shared_library_dir(machine))


def shared_library_dir(machine: MachineConfig) -> Path | None:
    """The lab's shared library folder that this user's Okno reads, or None (single user).

    ``$OKNO_SHARED_LIBRARY``: "1"/"on" uses the machine data folder, "0"/"off" turns the
    shared library off, anything else is the folder itself. Without it, the preset's
    ``[machine] shared_library = true`` uses the machine data folder (:func:`machine_data_dir`).
    """
    env = os.environ.get(ENV_SHARED, "").strip()
    if env.lower() in ("0", "off", "false", "no"):
        return None
    if env and env.lower() not in ("1", "on", "true", "yes"):
        return Path(env).expanduser().resolve()
    if env or machine.shared_library:
        return machine_data_dir(machine)
    return None
