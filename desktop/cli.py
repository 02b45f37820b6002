"""``okno``: the desktop application and its headless commands for administrators.

    okno                      open the window (same as ``okno gui``)
    okno sync [--portal URL]  bring the library up to date
    okno status [--json]
    okno search QUERY [--subject S] [--grade G] [--type T] [--json]
    okno download RESOURCE_ID
    okno sync --machine        sync the lab's shared library (desktop.lab; for schedulers)
    okno schedule install|remove|show [--system]   the nightly machine sync
    okno preload FILE [--portal-id ID] [--machine]  start with the library already there
    okno signin LOGIN          sign in to the community (password on stdin or prompted)
    okno signout
    okno hub serve --bind ADDRESS [--port N]   share the library with the lab (LAN)
    okno bundle export|import|verify|deliver|copy   USB bundles (docs/bundles.md)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from datetime import UTC, datetime
from typing import Any

from desktop.bundle.keys import after_sync as bundle_after_sync
from desktop.cli_bundle import add_parsers as add_bundle_parsers
from desktop.cli_bundle import cmd_bundle
from desktop.cli_community import add_parsers as add_community_parsers
from desktop.cli_community import cmd_signin, cmd_signout, sync_if_signed_in
from desktop.cli_hub import add_parsers as add_hub_parsers
from desktop.cli_hub import cmd_hub, sync_catalog_with_hubs
from desktop.lab.commands import COMMANDS as LAB_COMMANDS
from desktop.lab.commands import add_parsers as add_lab_parsers
from desktop.lab.commands import cmd_machine_sync
from desktop.paths import Paths, resolve_paths, resolve_portal_url


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="okno", description="Okno: the offline library of "
                                "educational resources and its community.")
    p.add_argument("--data", help="data folder (default: $OKNO_DATA_DIR or the user data dir)")
    p.add_argument("--portal", help="portal address (default: $OKNO_PORTAL_URL)")
    sub = p.add_subparsers(dest="command")
    g = sub.add_parser("gui", help="open the application window (the default)")
    g.add_argument("--self-test", action="store_true",
                   help="open the window offscreen, run one search, exit")
    s = sub.add_parser("sync", help="synchronise the library with the portal")
    s.add_argument("--no-files", action="store_true", help="metadata only, no queued files")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--retries", type=int, default=5,
                   help="attempts per request before giving up (default 5)")
    _transfer_options(s)
    s.add_argument("--page-bytes", type=int, default=None, help=argparse.SUPPRESS)
    s.add_argument("--no-snapshot", action="store_true", help=argparse.SUPPRESS)
    st = sub.add_parser("status", help="show cursors, counts, last sync, pending downloads")
    st.add_argument("--json", action="store_true")
    se = sub.add_parser("search", help="search the local library (works offline)")
    se.add_argument("query", nargs="?", default="")
    se.add_argument("--subject", action="append", default=[])
    se.add_argument("--grade", action="append", type=int, default=[])
    se.add_argument("--type", action="append", default=[])
    se.add_argument("--limit", type=int, default=20)
    se.add_argument("--json", action="store_true")
    d = sub.add_parser("download", help="download a resource's files now")
    d.add_argument("resource_id")
    d.add_argument("--retries", type=int, default=5,
                   help="attempts per request before giving up (default 5)")
    _transfer_options(d)
    sub.add_parser("sample", help="load the sample library shipped with Okno")
    add_community_parsers(sub)
    add_lab_parsers(sub, s)
    add_hub_parsers(sub, s)
    add_bundle_parsers(sub)
    return p


def _transfer_options(p: argparse.ArgumentParser) -> None:
    """Advanced knobs for administrators and fault-injection tests (hidden from --help)."""
    p.add_argument("--stall-timeout", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--retry-delay", type=float, default=None, help=argparse.SUPPRESS)


def _policy(args: argparse.Namespace) -> Any:
    from desktop.sync.http import RetryPolicy

    policy = RetryPolicy(attempts=max(1, args.retries))
    if args.retry_delay is not None:
        policy.base_delay = max(0.0, args.retry_delay)
        policy.max_delay = max(policy.base_delay, policy.base_delay * 8)
    return policy


def _stall(args: argparse.Namespace) -> dict[str, float]:
    return {} if args.stall_timeout is None else {"stall_timeout": max(0.1, args.stall_timeout)}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = resolve_paths(args.data)
    command = args.command or "gui"
    if command == "sync" and args.machine:
        return cmd_machine_sync(args)
    if command == "gui":
        from desktop.ui.app import run

        extra = ["--self-test"] if getattr(args, "self_test", False) else []
        return run(extra, args.data, args.portal)
    from desktop.lab.presets import PresetError, lab_paths
    from desktop.store.errors import StoreError

    try:
        paths = lab_paths(paths)  # a lab's shared library, when the administrator set one
    except PresetError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return 2
    try:
        return _COMMANDS[command](args, paths)
    except KeyboardInterrupt:
        print("Interrupted; everything completed so far is saved.", file=sys.stderr)
        return 130
    except StoreError as exc:
        print(f"okno: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:
        print(f"okno: {_local_error(exc, paths)}", file=sys.stderr)
        return 1


def _local_error(exc: BaseException, paths: Paths) -> str:
    """A local database or disk failure in plain words (a full disk above all)."""
    from desktop.sync.engine import database_error
    from desktop.sync.http import disk_error

    if isinstance(exc, sqlite3.Error):
        return str(database_error(exc, paths))
    if isinstance(exc, OSError):
        return str(disk_error(exc, paths.data))
    return str(exc)


def _open_store(paths: Paths) -> Any:
    from desktop.store import Store

    paths.ensure()
    return Store(paths.database, library=paths.library_database)


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _record_sync(store: Any, record: Any) -> None:
    """History is a convenience: failing to write it (say, on a full disk) must not hide
    the sync's own result or message."""
    try:
        store.record_sync(record)
    except sqlite3.Error:
        pass


def cmd_sync(args: argparse.Namespace, paths: Paths) -> int:
    from desktop.store.types import SyncRecord
    from desktop.sync.engine import SyncError, SyncProgress

    portal = resolve_portal_url(args.portal)
    store = _open_store(paths)
    tty = sys.stderr.isatty() and not args.quiet
    last = [0.0]

    def progress(p: SyncProgress) -> None:
        now = time.monotonic()
        if args.quiet or (now - last[0] < 0.2 and p.phase != "done"):
            return
        last[0] = now
        total = f"/{p.total_records}" if p.total_records else ""
        line = f"{p.phase}: {p.records}{total} records, {_human_bytes(p.bytes_wire)}"
        if p.message:
            line += f" — {p.message}"
        if tty:
            print("\r\033[K" + line, end="", file=sys.stderr, flush=True)
        elif p.phase == "waiting":
            print(line, file=sys.stderr, flush=True)

    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        result = sync_catalog_with_hubs(args, store, portal, paths, progress=progress,
                                        files=not args.no_files, policy=_policy(args),
                                        use_snapshot=not args.no_snapshot,
                                        page_bytes=args.page_bytes, **_stall(args))
    except SyncError as exc:
        if tty:
            print(file=sys.stderr)
        _record_sync(store, SyncRecord(started,
                                       datetime.now(UTC).isoformat(timespec="seconds"),
                                       False, message=str(exc), error_code=exc.code,
                                       error_params=dict(exc.params)))
        print(f"Sync failed: {exc}", file=sys.stderr)
        store.close()
        return 1
    if tty:
        print(file=sys.stderr)
    if result.note:
        print(result.note)
    _record_sync(store, SyncRecord(
        started, datetime.now(UTC).isoformat(timespec="seconds"), True, result.records,
        result.bytes_wire, result.round_trips, "ok",
        {"snapshot": result.snapshot_used, "pages": result.pages}))
    counts = store.counts()
    try:
        community = sync_if_signed_in(store, portal, paths, _policy(args))
    except SyncError as exc:
        store.close()
        print(f"Community sync failed: {exc}", file=sys.stderr)
        return 1
    store.close()
    _bundle_after_sync(paths, portal)
    if community:
        print(community)
    print(f"Synced with {portal}: {result.records} records in {result.seconds:.1f} s, "
          f"{_human_bytes(result.bytes_wire)} over {result.round_trips} round trips; "
          f"library has {counts.get('resources', 0)} resources.")
    return 0


def _bundle_after_sync(paths: Paths, portal: str) -> None:
    """Learn the portal's bundle key and register this computer's key (best effort)."""
    from desktop.sync.credentials import load_token

    try:
        bundle_after_sync(paths, portal, load_token(paths.data, portal))
    except OSError:
        pass


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    store = _open_store(paths)
    counts = store.counts()
    last = store.last_sync()
    queue = store.download_queue(states=("queued", "downloading", "paused", "failed"))
    user = store.community_user()
    unsent = store.outbox_count()
    failed = store.outbox_count(("conflict", "rejected"))
    library_writable = store.library_writable
    store.close()
    status = {
        "data_dir": str(paths.data),
        "shared_library": None if paths.library is None else str(paths.library),
        "shared_library_writable": None if paths.library is None else library_writable,
        "counts": counts,
        "last_sync": None if last is None else {
            "finished": last.finished, "ok": last.ok, "records": last.records,
            "bytes": last.bytes_wire, "message": last.message},
        "pending_downloads": len(queue),
        "community_user": None if user is None else user.get("login") or user.get("id"),
        "outbox_unsent": unsent,
        "outbox_failed": failed,
    }
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"Data folder: {paths.data}")
    if paths.library is not None:
        access = "read and write" if library_writable else "read-only for this user"
        print(f"Shared library: {paths.library} ({access})")
    for key, value in counts.items():
        print(f"{key}: {value}")
    if last is None:
        print("Last sync: never")
    else:
        print(f"Last sync: {last.finished} — {'ok' if last.ok else 'failed: ' + last.message}")
    print(f"Pending downloads: {len(queue)}")
    print(f"Signed in: {status['community_user'] or 'no'}")
    print(f"Outbox: {unsent} unsent, {failed} failed")
    return 0


def cmd_search(args: argparse.Namespace, paths: Paths) -> int:
    from desktop.store.types import Filters
    from protocol.wire import RESOURCE_TYPES

    store = _open_store(paths)
    filters = Filters(subjects=tuple(args.subject), grades=tuple(args.grade),
                      types=tuple(args.type))
    t0 = time.perf_counter()
    ids = store.search(args.query, filters)
    elapsed = (time.perf_counter() - t0) * 1000
    rows = store.rows(ids[: args.limit])
    store.close()
    if args.json:
        print(json.dumps({"total": len(ids), "results": rows}, ensure_ascii=False, indent=2,
                         default=str))
        return 0
    print(f"{len(ids)} found in {elapsed:.0f} ms")
    for r in rows:
        label = RESOURCE_TYPES.get(r.get("type", ""), (r.get("type", ""),))[0]
        grades = ",".join(str(g) for g in r.get("grades") or [])
        print(f"  {r['id']}  {r['title']}  [{label}; {', '.join(r.get('subjects') or [])};"
              f" кл. {grades}]")
    return 0


def cmd_download(args: argparse.Namespace, paths: Paths) -> int:
    from desktop.sync.downloads import Downloader
    from desktop.sync.http import SyncError

    store = _open_store(paths)
    if store.get_resource(args.resource_id) is None:
        print(f"No resource {args.resource_id!r} in the local library; run 'okno sync'.",
              file=sys.stderr)
        store.close()
        return 2
    store.enqueue_resource_files(args.resource_id)
    try:
        Downloader(store, resolve_portal_url(args.portal), paths.files, policy=_policy(args),
                   on_wait=lambda why, s: print(f"waiting: {why} Retrying in {s:.0f} s.",
                                                file=sys.stderr, flush=True),
                   **_stall(args)).run()
    except SyncError as exc:
        print(f"Download failed: {exc}", file=sys.stderr)
        store.close()
        return 1
    res = store.get_resource(args.resource_id)
    store.close()
    ok = True
    for f in res.get("files", []):
        ok &= bool(f.get("cached"))
        if f.get("cached"):
            print(f"{f['name']}: downloaded to {paths.files / f['path']}")
        else:
            print(f"{f['name']}: failed: {(f.get('download') or {}).get('error', '')}")
    return 0 if ok else 1


def cmd_sample(args: argparse.Namespace, paths: Paths) -> int:
    from desktop.sample import install_sample

    store = _open_store(paths)
    n = install_sample(store, paths)
    store.close()
    print(f"Sample library loaded: {n} records.")
    return 0


_COMMANDS = {
    "sync": cmd_sync,
    "status": cmd_status,
    "search": cmd_search,
    "download": cmd_download,
    "sample": cmd_sample,
    "hub": cmd_hub,
    "signin": lambda args, paths: cmd_signin(args, paths, _open_store),
    "signout": lambda args, paths: cmd_signout(args, paths, _open_store),
    "bundle": lambda args, paths: cmd_bundle(args, paths, _open_store),
    **LAB_COMMANDS,
}


if __name__ == "__main__":
    raise SystemExit(main())
