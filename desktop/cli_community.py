"""``okno signin`` / ``okno signout`` and the community part of ``okno sync``."""

from __future__ import annotations

import argparse
import getpass
import platform
import sys
from typing import Any

from desktop.paths import Paths, resolve_portal_url


def add_parsers(sub: Any) -> None:
    si = sub.add_parser("signin", help="sign in to the community (password from stdin or "
                        "a prompt)")
    si.add_argument("login")
    si.add_argument("--device", default="", help="device name shown on the portal")
    sub.add_parser("signout", help="sign out of the community (unsent messages are kept)")


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_signin(args: argparse.Namespace, paths: Paths, open_store: Any) -> int:
    from desktop.sync.community import me, signin
    from desktop.sync.credentials import save_token
    from desktop.sync.http import SyncError

    portal = resolve_portal_url(args.portal)
    password = _read_password()
    device = args.device or f"Okno on {platform.node() or 'this computer'}"
    try:
        token, user = signin(portal, args.login, password, device)
        info = me(portal, token)
    except SyncError as exc:
        print(f"Sign-in failed: {exc}", file=sys.stderr)
        return 1
    paths.ensure()
    where = save_token(paths.data, portal, token)
    from desktop.bundle.keys import after_sync as bundle_keys

    bundle_keys(paths, portal, token)  # this computer's key signs its outbox bundles
    store = open_store(paths)
    try:
        previous = store.community_user()
        if previous is not None and previous.get("id") != user["id"] and store.outbox_count():
            print("Note: unsent messages of the previous user stay in the outbox; they are "
                  "sent only when that user signs in again.", file=sys.stderr)
        store.set_community_user(user, [s for s in info["streams"] if isinstance(s, str)])
    finally:
        store.close()
    print(f"Signed in as {user.get('display_name') or args.login} "
          f"(token kept in the {'OS keyring' if where == 'keyring' else 'data folder'}).")
    return 0


def cmd_signout(args: argparse.Namespace, paths: Paths, open_store: Any) -> int:
    from desktop.sync.community import signout
    from desktop.sync.credentials import clear_token, load_token

    portal = resolve_portal_url(args.portal)
    token = load_token(paths.data, portal)
    if token is not None:
        signout(portal, token)  # best effort: offline, the local sign-out still happens
    clear_token(paths.data, portal)
    store = open_store(paths)
    try:
        unsent = store.outbox_count()
        store.set_community_user(None)
    finally:
        store.close()
    print("Signed out." + (f" {unsent} unsent item(s) stay in the outbox." if unsent else ""))
    return 0


def sync_if_signed_in(store: Any, portal: str, paths: Paths, policy: Any) -> str | None:
    """Community sync after the catalog's. Returns a line to print, or None when not signed
    in. Raises SyncError."""
    from desktop.sync.community import sync_community
    from desktop.sync.credentials import load_token

    token = load_token(paths.data, portal)
    if token is None:
        return None
    result = sync_community(store, portal, token, paths=paths, policy=policy)
    failed = len(store.outbox(("conflict", "rejected")))
    line = (f"Community: {result.records} records over {result.round_trips} round trips; "
            f"{store.outbox_count()} unsent, {failed} failed.")
    answered = store.take_answer_notices()  # reported once, after the sync that brought them
    if answered:
        line += f"\n{answered} of your questions were answered."
    return line
