"""``okno hub serve``: share this machine's library with the lab; and hub use in ``okno sync``.

    okno hub serve --bind 192.168.1.10 [--port 8766] [--no-advertise]
    okno sync [--hub auto|URL|off]       (default: auto, unless "use lab hubs" is off)

The hub serves the public catalog and the downloaded files of this data folder, read-only,
on the one address given (the lab network card); it is advertised with zeroconf so the
lab's PCs find it. The address can also come from the settings ("Share the library on the
local network" in the application).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from desktop.paths import Paths, resolve_portal_url


def add_parsers(sub: argparse._SubParsersAction, sync: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    sync.add_argument("--hub", default=None, metavar="auto|URL|off",
                      help="take the catalog and files from a lab hub: 'auto' finds one on "
                      "the local network (the default unless 'use lab hubs' is off), a URL "
                      "names one, 'off' uses the portal only")
    sync.add_argument("--all-files", action="store_true",
                      help="also download every file of the library (fill a lab PC or a hub)")
    h = sub.add_parser("hub", help="share this library with the lab's other PCs")
    hs = h.add_subparsers(dest="hub_command")
    s = hs.add_parser("serve", help="serve the catalog and downloaded files on the LAN")
    s.add_argument("--bind", default=None, metavar="ADDRESS",
                   help="the address of the lab network card to serve on (required unless "
                   "set in the application's settings); never all interfaces")
    s.add_argument("--port", type=int, default=None, help="port (default 8766; 0 = any)")
    s.add_argument("--no-advertise", action="store_true",
                   help="do not announce the hub with zeroconf")


def _settings(paths: Paths) -> Any:
    from desktop.ui.settings import Settings  # Qt-free module

    return Settings.load(paths.settings)


def catalog_database(paths: Paths) -> Any:
    """The database holding the catalog: a lab's shared library, or this user's."""
    shared = getattr(paths, "library_database", None)
    return shared if shared is not None and shared.exists() else paths.database


def hub_choice(args: argparse.Namespace, paths: Paths) -> str | None:
    """What ``okno sync`` should do about hubs: "auto", a URL, or None (portal only)."""
    from desktop.sync.discovery import hubs_allowed

    choice = getattr(args, "hub", None)
    if choice is None:
        return "auto" if hubs_allowed(getattr(_settings(paths), "use_lab_hubs", True)) else None
    return None if choice.strip().lower() in ("off", "no", "none", "") else choice.strip()


def cmd_hub(args: argparse.Namespace, paths: Paths) -> int:
    if getattr(args, "hub_command", None) != "serve":
        print("usage: okno hub serve --bind ADDRESS [--port N]", file=sys.stderr)
        return 2
    from desktop.hub.app import HubConfig
    from desktop.hub.feed import ReplicaFeed
    from desktop.hub.server import DEFAULT_PORT, HubError, HubServer

    settings = _settings(paths)
    bind = args.bind or getattr(settings, "hub_bind", "") or ""
    if not bind:
        print("okno: choose the lab network address to serve on: okno hub serve --bind "
              "ADDRESS (the address of this PC's lab network card)", file=sys.stderr)
        return 2
    port = args.port if args.port is not None else (getattr(settings, "hub_port", 0)
                                                    or DEFAULT_PORT)
    database = catalog_database(paths)
    if not database.exists():
        print(f"okno: there is no library in {paths.data} yet; run 'okno sync' first",
              file=sys.stderr)
        return 2
    state = ReplicaFeed(database, paths.files).state()
    if state.portal_id is None or state.head == 0:
        print("okno: this library is empty; run 'okno sync' first", file=sys.stderr)
        return 2
    portal = resolve_portal_url(args.portal or getattr(settings, "portal_url", "") or None)
    config = HubConfig(database, portal_url=portal, files_dir=paths.files)
    try:
        server = HubServer(config, bind, port, advertise=not args.no_advertise).start()
    except HubError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"OKNO_HUB_URL={server.url}", flush=True)
    print(f"Sharing the library (catalog up to {state.head}) at {server.url}; "
          "press Ctrl+C to stop.", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def sync_catalog_with_hubs(args: argparse.Namespace, store: Any, portal: str, paths: Paths,
                           **kw: Any) -> Any:
    """``sync_catalog`` for ``okno sync``, through a lab hub when one is chosen or found."""
    from desktop.sync.engine import sync_catalog

    choice = hub_choice(args, paths)
    all_files = bool(getattr(args, "all_files", False))
    if choice is None and not all_files:
        return sync_catalog(store, portal, paths=paths, **kw)
    from desktop.sync.hubsync import sync_with_hub

    report = sync_with_hub(store, portal, paths=paths, hub=choice, all_files=all_files, **kw)
    quiet = getattr(args, "quiet", False)
    if report.hub_url and not quiet:
        line = (f"Lab hub {report.hub_url}: {report.hub_records} records, "
                f"{report.hub_file_bytes + report.hub_bytes} bytes over the LAN; "
                f"{report.portal_bytes + report.portal_file_bytes} bytes from the portal.")
        print(line, file=sys.stderr)
        if report.fell_back:
            print(f"The hub stopped answering; continued with the portal ({report.fell_back})",
                  file=sys.stderr)
    if report.portal_unreachable and not quiet:
        print(f"The portal could not be reached; the library is as up to date as the lab hub "
              f"({report.portal_unreachable})", file=sys.stderr)
    return report.result
