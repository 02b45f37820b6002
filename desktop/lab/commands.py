"""The lab commands registered in ``desktop.cli``: ``schedule``, ``preload``, ``sync --machine``.

Qt-free. ``add_parsers(sub, sync_parser)`` adds them; ``COMMANDS`` maps names to handlers
taking ``(args, paths)`` like the CLI's own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.lab.machine_sync import EXIT_CONFIG, cmd_machine_sync
from desktop.lab.presets import PresetError, load_machine_config, machine_data_dir
from desktop.lab.schedule import add_parser as add_schedule_parser
from desktop.lab.schedule import cmd_schedule
from desktop.paths import Paths

__all__ = ["COMMANDS", "add_parsers", "cmd_machine_sync"]


def add_parsers(sub: argparse._SubParsersAction, sync: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    sync.add_argument("--machine", action="store_true",
                      help="sync the lab's shared library (no signed-in user; for schedulers)")
    add_schedule_parser(sub)
    p = sub.add_parser("preload", help="load a library snapshot file into this installation "
                       "so it starts with the library already there")
    p.add_argument("file", type=Path, help="a snapshot file (.ndjson.zst) from the portal")
    p.add_argument("--portal-id", help="the portal the snapshot came from (default: ask "
                   "the portal, if it can be reached)")
    p.add_argument("--machine", action="store_true",
                   help="into the machine-wide data folder instead of this user's")


def cmd_preload(args: argparse.Namespace, paths: Paths) -> int:
    """Apply a snapshot with the sync's own code; the next sync continues from its cursor."""
    from desktop.store import Store
    from desktop.sync.engine import PORTAL_ID_RE, apply_snapshot_file
    from desktop.sync.http import SyncError
    from protocol.wire import CATALOG_STREAM

    source: Path = args.file
    if not source.is_file():
        print(f"okno: no such file: {source}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        machine = load_machine_config()
    except PresetError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.machine:
        from desktop.lab.machine_sync import machine_paths

        paths = machine_paths(machine_data_dir(machine, args.data))
    portal_id = args.portal_id or _ask_portal_id(args.portal or
                                                  machine.values.get("portal_url", ""))
    if not portal_id:
        print("okno: pass --portal-id (the portal this snapshot came from); the portal could "
              "not be asked.", file=sys.stderr)
        return EXIT_CONFIG
    if not PORTAL_ID_RE.match(portal_id):
        print(f"okno: {portal_id!r} is not a portal id (letters, digits, _ . : -)",
              file=sys.stderr)
        return EXIT_CONFIG
    store: Any = Store(paths.ensure().database, library=paths.library_database)
    try:
        current = store.portal_id()
        if current not in (None, portal_id) and store.cursor(CATALOG_STREAM):
            print(f"okno: the library in {paths.data} already follows another portal "
                  f"({current}); preloading is for a new installation.", file=sys.stderr)
            return EXIT_CONFIG
        try:
            result = apply_snapshot_file(store, source.resolve(), portal_id)
        except SyncError as exc:
            print(f"okno: {exc}", file=sys.stderr)
            return 1
        counts = store.counts()
    finally:
        store.close()
    print(f"Preloaded {result.records} records into {paths.library or paths.data}; the library has "
          f"{counts.get('resources', 0)} resources. The next sync continues from here.")
    return 0


def _ask_portal_id(url: str) -> str | None:
    if not url:
        return None
    from desktop.sync.engine import hello
    from desktop.sync.http import SyncError

    try:
        return str(hello(url.rstrip("/"), timeout=10)["portal_id"])
    except (SyncError, OSError, KeyError, ValueError):
        return None


COMMANDS = {
    "schedule": lambda args, _paths: cmd_schedule(args),
    "preload": cmd_preload,
}
