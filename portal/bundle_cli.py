"""``okno-portal bundle-export`` and ``okno-portal bundle-key`` (USB bundles).

    okno-portal bundle-export --out /media/usb --user demo --files --subject Алгебра
    okno-portal bundle-key            # the public key to pin in the lab preset
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protocol import bundle as pb


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from portal.bundles import export_portal_bundle
    from portal.cli import _open_store

    out = Path(args.out)
    since: dict[str, int] | None = None
    with _open_store(args) as store:
        if not args.full:
            receipts = pb.read_receipts(Path(args.since) if args.since else out,
                                        store.portal_id)
            since = pb.receipt_cursors(receipts) or None
            if since:
                print(f"incremental: {len(receipts)} receipt(s) found", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{done * 100 // max(total, 1)}%", end="", file=sys.stderr, flush=True)

        summary = export_portal_bundle(
            store, out, name=args.name, users=args.user or [], assocs=args.assoc or [],
            files=args.files, collections=args.collection or [], subjects=args.subject or [],
            grades=args.grade or [], since=since, volume_bytes=args.volume_bytes,
            progress=progress)
    streams = ", ".join(f"{s} {a}..{b} ({n})" for s, (a, b, n) in sorted(summary.streams.items()))
    print(f"wrote {summary.volumes[0]} ({len(summary.volumes)} volume(s)): {streams}; "
          f"{summary.files} file(s), {summary.file_bytes} bytes; {summary.results} op result(s)")
    return 0


def cmd_bundle_key(args: argparse.Namespace) -> int:
    from portal.bundles import portal_public_key
    from portal.cli import _open_store

    with _open_store(args) as store:
        key = portal_public_key(store)
    print(f"portal_bundle_key = \"{key}\"")
    print(f"fingerprint {pb.short_fingerprint(pb.fingerprint(pb.decode_key(key)))}",
          file=sys.stderr)
    return 0


def cmd_device_keys(args: argparse.Namespace) -> int:
    from portal.bundles import device_keys_of, revoke_device_keys
    from portal.cli import _community, _open_store

    with _open_store(args) as store:
        user = _community(store).require_user(args.login)
        if args.revoke:
            print(f"revoked {revoke_device_keys(store, user.id)} device key(s) of {args.login}")
            return 0
        rows = device_keys_of(store, user.id)
    for r in rows:
        state = f"revoked {r['revoked']}" if r["revoked"] else "valid"
        print(f"{r['device_name']}\t{pb.short_fingerprint(r['fingerprint'])}\t"
              f"registered {r['created']}\t{state}")
    print(f"{len(rows)} device key(s) of {args.login}")
    return 0


def add_bundle_commands(add: Callable[..., argparse.ArgumentParser], common: Any) -> None:
    p = add("bundle-export", cmd_bundle_export, "write a signed USB bundle (catalog, a user's "
            "community streams, files)", common)
    p.add_argument("--out", required=True, metavar="DIR", help="folder on the drive")
    p.add_argument("--name", help="bundle name (default okno-DATE-SEQ)")
    p.add_argument("--user", action="append", metavar="LOGIN",
                   help="include this user's streams, followed forums and op results")
    p.add_argument("--assoc", action="append", metavar="ID", help="include an association")
    p.add_argument("--files", action="store_true", help="include resource files")
    p.add_argument("--collection", action="append", metavar="ID",
                   help="files only of resources in this collection (or below it)")
    p.add_argument("--subject", action="append", help="files only of this subject")
    p.add_argument("--grade", action="append", type=int, help="files only of this grade")
    p.add_argument("--full", action="store_true",
                   help="ignore receipts on the drive: carry everything")
    p.add_argument("--since", metavar="PATH",
                   help="receipt file or folder (default: receipts in --out)")
    p.add_argument("--volume-bytes", type=int, default=pb.VOLUME_BYTES, help=argparse.SUPPRESS)
    p = add("bundle-device-keys", cmd_device_keys, "list a user's device keys (they sign "
            "outbox bundles), or revoke them all", common)
    p.add_argument("login")
    p.add_argument("--revoke", action="store_true", help="refuse their outboxes from now on")
    add("bundle-key", cmd_bundle_key, "print the public key that signs this portal's "
        "bundles (for okno.toml: portal_bundle_key)", common)
