"""User settings, declared once with their defaults, stored as JSON (Picard's options.py).

Qt-free. ``Settings.load(paths.settings)`` never fails: a missing or damaged file gives the
defaults, and an unknown or mistyped key is ignored, so an older or newer Okno can share it.

    settings = Settings.load(path)
    settings.sync_interval_min = 60
    settings.save(path)
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

LANGUAGES = ("ru", "en")


@dataclass(slots=True)
class Settings:
    portal_url: str = ""
    language: str = ""  # "" = from the system locale
    bandwidth_cap_kbps: int = 0  # kilobytes per second, 0 = no cap
    sync_interval_min: int = 0  # 0 = only when asked
    sync_window_enabled: bool = False
    sync_window_start: str = "22:00"
    sync_window_end: str = "06:00"
    metered: bool = False  # metadata only, no files
    first_run_done: bool = False
    window_geometry: str = ""  # base64 of QWidget.saveGeometry()
    splitter_state: str = ""
    portal_bundle_key: str = ""  # pinned Ed25519 key of the portal's USB bundles (base64)
    bundles_portal_only: bool = False  # refuse USB bundles made by other computers
    use_lab_hubs: bool = True  # take the catalog and files from a lab hub when one is found
    hub_share: bool = False  # "Share the library on the local network"
    hub_bind: str = ""  # the lab network address chosen by the administrator
    hub_port: int = 8766

    @classmethod
    def load(cls, path: Path, base: Settings | None = None) -> Settings:
        """The saved settings over ``base`` (the machine-wide preset's values, or defaults)."""
        start = replace(base) if base is not None else cls()
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return start
        if not isinstance(raw, dict):
            return start
        settings = start
        for f in fields(cls):
            value = raw.get(f.name)
            default = getattr(settings, f.name)
            if value is not None and type(value) is type(default):
                setattr(settings, f.name, value)
        return settings

    def save(self, path: Path, base: Settings | None = None) -> None:
        """Write atomically: a power cut leaves the old file or the new one, never half.

        With ``base`` (the machine-wide values) only what differs from it is written, so a
        later change by the administrator still reaches this user.
        """
        data = asdict(self)
        if base is not None:
            data = {k: v for k, v in data.items() if getattr(base, k) != v}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @property
    def rate_limit_bps(self) -> int | None:
        return self.bandwidth_cap_kbps * 1024 if self.bandwidth_cap_kbps > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def in_window(now_hhmm: str, start: str, end: str) -> bool:
    """Whether ``now`` is inside the daily window [start, end); windows may cross midnight.

    >>> in_window("23:30", "22:00", "06:00"), in_window("12:00", "22:00", "06:00")
    (True, False)
    """
    if start == end:
        return True
    if start < end:
        return start <= now_hhmm < end
    return now_hhmm >= start or now_hhmm < end


# -- where the data folder is -------------------------------------------------------------
# The settings live inside the data folder, so a moved data folder is remembered in a small
# pointer file in the per-user config folder (overridable by OKNO_CONFIG_DIR).

def config_dir() -> Path:
    return Path(os.environ.get("OKNO_CONFIG_DIR") or platformdirs.user_config_dir("okno"))


def read_data_pointer(directory: Path | None = None) -> str | None:
    try:
        raw = json.loads(((directory or config_dir()) / "location.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = raw.get("data_dir") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None


def write_data_pointer(data_dir: Path, directory: Path | None = None) -> None:
    target = directory or config_dir()
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / ".location.json.tmp"
    tmp.write_text(json.dumps({"data_dir": str(data_dir)}, ensure_ascii=False), "utf-8")
    os.replace(tmp, target / "location.json")
