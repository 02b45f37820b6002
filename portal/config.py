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
    # Heavy syncs (a stream from cursor 0, or more than heavy_backlog seqs behind) and
    # snapshot downloads served by the portal itself, at once per process; the rest get
    # 503 + Retry-After. No-change and small incremental syncs never wait for a slot.
    max_concurrent_syncs: int = 16
    retry_after_seconds: int = 5
    heavy_backlog: int = 2000
    # Requests per minute per device token (counted in the database, across processes);
    # 0 turns the limit off.
    rate_limit_per_minute: int = 600
    max_request_bytes: int = 2 * 1024 * 1024  # any request body, whatever the endpoint
    body_timeout: float = 15.0  # seconds between two chunks of a request body
    body_deadline: float = 60.0  # seconds for a whole request body
    send_timeout: float = 120.0  # seconds a client may leave a response chunk unread
    # URL prefix of the front server's internal location for blobs and snapshots
    # (X-Accel-Redirect; see docs/operating.md). None: the portal sends files itself.
    accel_redirect: str | None = None
    min_free_bytes: int = 256 * 1024 * 1024  # /health fails below this much free disk
    access_log: bool = False  # one JSON line per request on the "okno.access" logger


@dataclass(frozen=True)
class PortalConfig:
    """Everything needed to open the store and build the app from scratch."""

    data_dir: Path
    database: str | None = None  # URL; default: SQLite file ``portal.sqlite3`` in data_dir
    settings: AppSettings = field(default_factory=AppSettings)
