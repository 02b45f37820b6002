"""``okno bundle export|import|verify|deliver|copy``: USB bundles from the command line.

    okno bundle export /media/usb --files --subject Алгебра   # incremental if receipts there
    okno bundle export /media/usb --outbox        # this computer's unsent posts and marks
    okno bundle import /media/usb/okno-….okb      # verify, apply, leave a receipt
    okno bundle verify /media/usb/okno-….okb
    okno bundle deliver /media/usb/okno-outbox-….okb   # on a machine with an uplink
    okno bundle copy /srv/okno-….okb /media/usb   # resumable, split for FAT32
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from desktop.paths import Paths, resolve_portal_url
from protocol import bundle as pb


def add_parsers(sub: Any) -> None:
    b = sub.add_parser("bundle", help="USB bundles: export, import, verify, deliver, copy")
    bs = b.add_subparsers(dest="bundle_command", required=True, metavar="ACTION")
    e = bs.add_parser("export", help="write the library (or the outbox) to a folder on a drive")
    e.add_argument("dest", help="folder on the drive")
    e.add_argument("--outbox", action="store_true",
                   help="export this computer's unsent posts, marks and reactions instead")
    e.add_argument("--files", action="store_true", help="include the downloaded files")
    e.add_argument("--collection", action="append", default=[], metavar="ID",
                   help="files only of resources in this collection (or below it)")
    e.add_argument("--subject", action="append", default=[])
    e.add_argument("--grade", action="append", type=int, default=[])
    e.add_argument("--forums", action="store_true",
                   help="also the followed public forums and the directory of associations")
    e.add_argument("--full", action="store_true",
                   help="ignore the receipts on the drive and carry everything")
    e.add_argument("--name", help="bundle name (default okno-DEVICE-DATE-SEQ)")
    e.add_argument("--volume-bytes", type=int, default=pb.VOLUME_BYTES, help=argparse.SUPPRESS)
    for name, helptext in (("import", "verify a bundle, then apply it and leave a receipt"),
                           ("verify", "check a bundle's signature and every part")):
        i = bs.add_parser(name, help=helptext)
        i.add_argument("path", help="the bundle (.okb; its volumes are found beside it)")
        i.add_argument("--portal-key", default="", metavar="KEY",
                       help="trust this portal key (base64; see 'okno-portal bundle-key')")
        if name == "import":
            i.add_argument("--no-receipt", action="store_true",
                           help="do not write a receipt next to the bundle")
            i.add_argument("--no-deliver", action="store_true",
                           help="for an outbox bundle: only verify, do not deliver")
    d = bs.add_parser("deliver", help="deliver an outbox bundle to the portal (needs an uplink)")
    d.add_argument("path")
    c = bs.add_parser("copy", help="copy a bundle resumably (split into FAT32-sized volumes)")
    c.add_argument("source")
    c.add_argument("dest", help="destination folder")
    c.add_argument("--volume-bytes", type=int, default=pb.VOLUME_BYTES, help=argparse.SUPPRESS)


def _settings(paths: Paths) -> Any:
    from desktop.lab.presets import PresetError, load_machine_config, resolve_settings
    from desktop.ui.settings import Settings

    try:
        return resolve_settings(paths.settings, load_machine_config())
    except PresetError:
        return Settings.load(paths.settings)


def _progress(label: str) -> Any:
    last = [0.0]
    tty = sys.stderr.isatty()

    def report(*args: Any) -> None:
        done, total = args[-2], args[-1]
        now = time.monotonic()
        if not tty or (now - last[0] < 0.2 and done < total):
            return
        last[0] = now
        print(f"\r\033[K{label}: {done * 100 // max(total, 1)}% of {total / 1048576:.1f} MB",
              end="", file=sys.stderr, flush=True)

    return report


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


def _describe(report: Any) -> str:
    lines = [f"{report.kind} bundle made by {report.who()} "
             f"(key {pb.short_fingerprint(report.fingerprint)}, "
             f"{'trusted portal key' if report.trust == 'portal' else 'device key'}), "
             f"created {report.created or '?'}"]
    for s in report.streams:
        action = {"apply": "", "skip_have": " — already here",
                  "skip_user": " — another user's, skipped"}.get(s.action, "")
        lines.append(f"  {s.stream}: {s.count} records, {s.cursor_from}..{s.cursor_to}{action}")
    if report.files:
        lines.append(f"  files: {report.files}, {_mb(report.file_bytes)}")
    if report.results:
        lines.append(f"  op results: {report.results}")
    if report.ops:
        lines.append(f"  outbox ops: {report.ops}")
    return "\n".join(lines)


def cmd_bundle(args: argparse.Namespace, paths: Paths, open_store: Any) -> int:
    action = args.bundle_command
    try:
        if action == "copy":
            return _copy(args)
        if action == "deliver":
            return _deliver(Path(args.path), resolve_portal_url(args.portal))
        store = open_store(paths)
        try:
            if action == "export":
                return _export(args, store, paths)
            return _import_or_verify(args, store, paths)
        finally:
            store.close()
    except pb.BundleError as exc:
        print(file=sys.stderr) if sys.stderr.isatty() else None
        print(f"okno bundle {action}: {exc}", file=sys.stderr)
        return 1


def _copy(args: argparse.Namespace) -> int:
    src = Path(args.source)
    dest = Path(args.dest) / src.name
    volumes = pb.copy_bundle(src, dest, volume_bytes=args.volume_bytes,
                             progress=_progress("copying"))
    print(f"Copied to {volumes[0]} ({len(volumes)} volume(s)).")
    return 0


def _export(args: argparse.Namespace, store: Any, paths: Paths) -> int:
    from desktop.bundle.export import export_library, export_outbox

    dest = Path(args.dest)
    if args.outbox:
        summary = export_outbox(store, paths, dest, name=args.name)
        if not summary.volumes:
            print("The outbox is empty: nothing to export.")
            return 0
        print(f"Wrote {summary.volumes[0]}: {summary.ops} op(s) signed by this computer. "
              "Deliver it from any computer with an uplink ('okno bundle deliver').")
        return 0
    summary = export_library(store, paths, dest, name=args.name, files=args.files,
                             collections=args.collection, subjects=args.subject,
                             grades=args.grade, forums=args.forums, full=args.full,
                             volume_bytes=args.volume_bytes, progress=_progress("writing"))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for _stream, forum in summary.forums_later:
        print(f"Not included: {forum} was received before this version of Okno; "
              "sync once more to include it.")
    if not summary.volumes:
        print("The receiving computers already have everything this one has "
              "(see the receipts on the drive); nothing was written. Use --full to force.")
        return 0
    parts = []
    for stream, (start, end, count) in summary.streams.items():
        kind = f"incremental from {start}" if start else "full"
        parts.append(f"{stream} {kind} to {end}, {count} records")
    note = (f"; {summary.missing_files} selected file(s) are not downloaded here"
            if summary.missing_files else "")
    print(f"Wrote {summary.volumes[0]} ({len(summary.volumes)} volume(s)): "
          f"{'; '.join(parts)}; {summary.files} file(s), {_mb(summary.file_bytes)}{note}.")
    return 0


def _import_or_verify(args: argparse.Namespace, store: Any, paths: Paths) -> int:
    from desktop.bundle.importer import import_bundle, inspect, verify
    from desktop.bundle.keys import remember_portal_key
    from desktop.sync.http import SyncError

    settings = _settings(paths)
    pinned = settings.portal_bundle_key
    path = Path(args.path)
    if args.portal_key:
        header = inspect_header(path)
        remember_portal_key(paths, args.portal_key, header.manifest["portal_id"],
                            "command line")
        pinned = pinned or args.portal_key
    allow_device = not settings.bundles_portal_only
    if args.bundle_command == "verify":
        report = verify(path, paths, pinned=pinned, allow_device=allow_device,
                        progress=_progress("verifying"), store=store)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(_describe(report))
        print(f"Verified: signature and all {len(report.streams)} stream part(s), "
              f"{report.files} file(s) intact ({_mb(report.total_bytes)}).")
        return 0
    print(_describe(inspect(path, paths, pinned=pinned, allow_device=allow_device,
                            store=store)))
    try:
        report = import_bundle(store, paths, path, pinned=pinned, allow_device=allow_device,
                               receipt=not args.no_receipt, progress=_progress("importing"))
    except SyncError as exc:
        print(f"okno bundle import: {exc}", file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if report.kind == "outbox":
        print("This is an outbox from another computer; it is intact.")
        if args.no_deliver:
            return 0
        return _deliver(path, resolve_portal_url(args.portal))
    print(f"Imported: {report.applied_records} records, {report.files_new} new file(s)"
          + (f", {report.results} op result(s)" if report.results else "") + ".")
    if report.receipt is not None:
        print(f"Receipt written: {report.receipt}")
    elif report.receipt_error:
        print(f"Note: no receipt could be written next to the bundle ({report.receipt_error}); "
              "the next bundle will carry everything again.", file=sys.stderr)
    return 0


def inspect_header(path: Path) -> pb.Header:
    with pb.open_volumes(path) as reader:
        return pb.read_header(reader)


def _deliver(path: Path, portal: str) -> int:
    from desktop.bundle.deliver import deliver

    target, count = deliver(path, portal)
    print(f"Delivered {count} op(s) to {portal}; the portal's answer is in {target}: import "
          "it on the computer that wrote them.")
    return 0
