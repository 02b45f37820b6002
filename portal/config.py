"""Where the portal keeps its data and how the HTTP app behaves.

Precedence for the data directory: explicit argument > ``OKNO_PORTAL_DATA`` > platformdirs.

>>> resolve_data_dir("/srv/okno")
PosixPath('/srv/okno')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "okno-portal"
DATA_ENV = "OKNO_PORTAL_DATA"
DATABASE_ENV = "OKNO_PORTAL_DATABASE"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    chosen = data_dir or os.environ.get(DATA_ENV) or platformdirs.user_data_dir(APP_NAME)
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True)
class AppSettings:
    """Knobs of the HTTP app; the defaults suit one regional server."""

    name: str = "Okno portal"
    max_concurrent_syncs: int = 16
    retry_after_seconds: int = 5


@dataclass(frozen=True)
class PortalConfig:
    """Everything needed to open the store and build the app from scratch."""

    data_dir: Path
    database: str | None = None  # URL; default: SQLite file ``portal.sqlite3`` in data_dir
    settings: AppSettings = field(default_factory=AppSettings)
