"""``okno sync --machine``: sync the lab's shared library with no signed-in user.

Qt-free. Meant for cron, systemd timers and Task Scheduler (``okno schedule``)::

    okno sync --machine [--portal URL] [--data DIR] [--hub auto|URL|off] [--quiet]

The data folder is ``--data`` > ``$OKNO_MACHINE_DATA`` > the preset's ``[machine] data_dir``
> the OS default (``/var/lib/okno``, ``%ProgramData%\\Okno\\data``). The portal is
``--portal`` > ``$OKNO_PORTAL_URL`` > the preset's ``portal_url``. The preset's bandwidth cap
and metered mode apply. Like ``okno sync``, it takes the catalog and files from a lab hub
when one is found on the LAN (``--hub``; the preset's ``use_lab_hubs = false`` turns that
off), and the rest from the portal. One sync at a time per data folder: a second start
prints "another sync is running" and exits with :data:`EXIT_BUSY`. Every run is logged to
``<data>/logs/sync.log`` (rotated: 5 files of 1 MB).
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.lab.presets import MachineConfig, PresetError, load_machine_config, machine_data_dir
from desktop.paths import Paths
from desktop.store.library import SYNC_LOCK, make_shared_dir, share_file
from desktop.store.library import try_lock as _try_lock
from desktop.store.library import unlock as _unlock

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: "try again later"; the systemd unit treats it as success
LOCK_NAME = SYNC_LOCK  # user syncs of a lab's shared library take the same lock
LOG_NAME = "sync.log"
LOGGER = "okno.machine_sync"


class SyncBusy(RuntimeError):
    """Another process holds the sync lock of this data folder."""


@contextmanager
def sync_lock(data: Path) -> Iterator[Path]:
    """Hold ``<data>/sync.lock`` for the duration; raise :class:`SyncBusy` if it is held.

    The OS releases the lock when the process dies, so a killed sync never blocks the next.
    """
    make_shared_dir(data, data)
    path = data / LOCK_NAME
    fh = open(path, "a+b")  # noqa: SIM115 (held open for the lock's lifetime)
    share_file(path, data)
    try:
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read(64).decode("ascii", "replace").strip()
            raise SyncBusy(f"another sync is running (process {holder or '?'}, "
                           f"lock {path})")
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n".encode("ascii"))
        fh.flush()
        try:
            yield path
        finally:
            _unlock(fh)
    finally:
        fh.close()


def file_logger(data: Path) -> logging.Logger:
    """A logger writing to ``<data>/logs/sync.log``, rotated at 1 MB, 5 files kept."""
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    target = str(logs / LOG_NAME)
    for h in list(logger.handlers):
        if getattr(h, "baseFilename", None) != target:
            logger.removeHandler(h)
            h.close()
    if not logger.handlers:
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=1 << 20, backupCount=5,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] "
                                               "%(message)s"))
        logger.addHandler(handler)
    return logger


def machine_paths(data: Path) -> Paths:
    """The machine data folder is the lab's shared library (``library.sqlite3``, ``files/``);
    the machine sync's own history is kept in ``machine/`` beside it."""
    return Paths(data / "machine", library=data)


def machine_portal(machine: MachineConfig, explicit: str | None) -> str:
    url = explicit or os.environ.get("OKNO_PORTAL_URL") or machine.values.get("portal_url", "")
    return str(url).rstrip("/")


def cmd_machine_sync(args: argparse.Namespace) -> int:
    """The ``okno sync --machine`` command (the parser is desktop.cli's ``sync``)."""
    quiet = bool(getattr(args, "quiet", False))
    try:
        machine = load_machine_config()
    except PresetError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    data = machine_data_dir(machine, getattr(args, "data", None))
    portal = machine_portal(machine, getattr(args, "portal", None))
    if not portal:
        print("okno: no portal address for the machine sync: set portal_url in "
              f"{machine.path or 'the machine-wide okno.toml'} or pass --portal",
              file=sys.stderr)
        return EXIT_CONFIG
    try:
        with sync_lock(data):
            log = file_logger(data)
            return _locked_sync(args, machine, machine_paths(data), portal, log, quiet)
    except SyncBusy as exc:
        print(f"okno: {exc}; not starting a second one.", file=sys.stderr)
        try:
            file_logger(data).info("skipped: %s", exc)
        except OSError:
            pass
        return EXIT_BUSY
    except OSError as exc:
        print(f"okno: cannot use the machine data folder {data}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_FAILED


def _locked_sync(args: argparse.Namespace, machine: MachineConfig, paths: Paths, portal: str,
                 log: logging.Logger, quiet: bool) -> int:
    from desktop.store import Store
    from desktop.store.errors import StoreError
    from desktop.store.types import SyncRecord
    from desktop.sync.engine import sync_catalog
    from desktop.sync.http import RetryPolicy, SyncError

    defaults = machine.defaults()
    files = not (getattr(args, "no_files", False) or defaults.metered)
    log.info("sync started: portal %s, data %s, files %s, cap %s KB/s", portal, paths.data,
             files, defaults.bandwidth_cap_kbps or "none")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        store: Any = Store(paths.ensure().database, library=paths.library_database)
    except (StoreError, sqlite3.Error) as exc:
        log.error("cannot open the library: %s", exc)
        print(f"okno: cannot open the library in {paths.data}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        hub = machine_hub_choice(args, defaults)
        kw: dict[str, Any] = {
            "paths": paths, "files": files, "rate_limit_bps": defaults.rate_limit_bps,
            "policy": RetryPolicy(attempts=max(1, getattr(args, "retries", 5))),
            "library_locked": True}
        try:
            if hub is None:
                result = sync_catalog(store, portal, **kw)
            else:
                from desktop.sync.hubsync import sync_with_hub

                report = sync_with_hub(store, portal, hub=hub,
                                       all_files=bool(getattr(args, "all_files", False)), **kw)
                result = report.result
                _log_hub(report, log, quiet)
        except (SyncError, sqlite3.Error, OSError) as exc:
            log.error("sync failed: %s", exc)
            _record(store, SyncRecord(started, _now(), False, message=str(exc)))
            print(f"Sync failed: {exc}", file=sys.stderr)
            return EXIT_FAILED
        _record(store, SyncRecord(started, _now(), True, result.records, result.bytes_wire,
                                  result.round_trips, "ok", {"machine": True}))
        counts = store.counts()
    finally:
        store.close()
    message = (f"Synced the shared library with {portal}: {result.records} records, "
               f"{result.bytes_wire} bytes in {result.seconds:.1f} s; "
               f"{counts.get('resources', 0)} resources.")
    log.info(message)
    if not quiet:
        print(message)
    return EXIT_OK


def machine_hub_choice(args: argparse.Namespace, defaults: Any) -> str | None:
    """Like ``okno sync``: ``--hub URL|auto|off`` wins; else "auto" unless the preset's
    ``use_lab_hubs`` (or ``$OKNO_LAB_HUBS=off``) turns lab hubs off. None: portal only."""
    from desktop.sync.discovery import hubs_allowed

    choice = getattr(args, "hub", None)
    if choice is None:
        return "auto" if hubs_allowed(bool(getattr(defaults, "use_lab_hubs", True))) else None
    choice = choice.strip()
    return None if choice.lower() in ("off", "no", "none", "") else choice


def _log_hub(report: Any, log: logging.Logger, quiet: bool) -> None:
    lines = []
    if report.hub_url:
        lines.append(f"lab hub {report.hub_url}: {report.hub_records} records, "
                     f"{report.hub_file_bytes + report.hub_bytes} bytes over the LAN; "
                     f"{report.portal_bytes + report.portal_file_bytes} bytes from the portal")
    if report.fell_back:
        lines.append(f"the hub stopped answering; continued with the portal ({report.fell_back})")
    if report.portal_unreachable:
        lines.append("the portal could not be reached; the library is as up to date as the lab "
                     f"hub ({report.portal_unreachable})")
    for line in lines:
        log.info(line)
        if not quiet:
            print(line[0].upper() + line[1:] + ".", file=sys.stderr)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(store: Any, record: Any) -> None:
    try:
        store.record_sync(record)
    except sqlite3.Error:
        pass
