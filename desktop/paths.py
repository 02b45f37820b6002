"""Where Okno keeps its data. Every location can be overridden (tests, portable installs, labs).

Precedence: explicit argument > environment variable > platformdirs default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "okno"
DEFAULT_PORTAL_URL = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class Paths:
    """``data``: this user's folder. ``library``: a computer lab's shared folder, used by every
    OS user of the PC for the catalog and the downloaded files (docs/lab-cache.md); None
    keeps everything in ``data``."""

    data: Path
    library: Path | None = None

    @property
    def database(self) -> Path:
        """This user's database (in a lab: personal data only)."""
        return self.data / "okno.sqlite3"

    @property
    def library_database(self) -> Path | None:
        """The lab's shared catalog database, or None (the catalog is in ``database``)."""
        return None if self.library is None else self.library / "library.sqlite3"

    @property
    def files(self) -> Path:
        """Content-addressed cache of downloaded resource files."""
        return (self.library or self.data) / "files"

    @property
    def snapshots(self) -> Path:
        return (self.library or self.data) / "snapshots"

    @property
    def settings(self) -> Path:
        return self.data / "settings.json"

    def ensure(self) -> Paths:
        for p in (self.data, self.files, self.snapshots):
            if self.library is not None and p != self.data:
                continue  # the shared folder's own; made by a Store that may write it
            p.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike | None = None) -> Paths:
    """``resolve_paths("/tmp/x").database`` -> ``/tmp/x/okno.sqlite3``."""
    chosen = data_dir or os.environ.get("OKNO_DATA_DIR") or platformdirs.user_data_dir(APP_NAME)
    return Paths(Path(chosen).expanduser().resolve())


def resolve_portal_url(url: str | None = None) -> str:
    return (url or os.environ.get("OKNO_PORTAL_URL") or DEFAULT_PORTAL_URL).rstrip("/")
