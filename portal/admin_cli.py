"""The operator's commands of ``okno-portal``: backup and restore, users, associations,
importing a collection from a folder, and the moderation queue.

    okno-portal backup --out /var/backups/okno/2026-11-26.okno-backup
    okno-portal restore /var/backups/okno/2026-11-26.okno-backup [--force]
    okno-portal user-list [--role moderator] [--json]
    okno-portal user-set-role ivanova moderator
    okno-portal user-disable ivanova            # signs every device out, removes the password
    okno-portal user-reset-password ivanova     # prints a new random password once
    okno-portal assoc-list | assoc-members reg-45
    okno-portal assoc-rename reg-45 "Методисты Курганской области"
    okno-portal assoc-visibility reg-45 private
    okno-portal assoc-member-remove ivanova reg-45
    okno-portal import /media/usb/physics --csv /media/usb/physics.csv [--skip-bad] [--dry-run]
    okno-portal moderation list | hide POST [--reason TEXT] | restore POST | dismiss POST

Wired into :mod:`portal.cli` by :func:`add_admin_commands`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from portal import db
from portal.catalog import PortalStore

Add = Callable[[str, Callable[[argparse.Namespace], int], str, argparse.ArgumentParser],
               argparse.ArgumentParser]


def _store(args: argparse.Namespace) -> PortalStore:
    from portal.cli import _open_store

    return _open_store(args)


def _community(store: PortalStore) -> Any:
    from portal.cli import _community  # the one helper; imported late (cli imports us)

    return _community(store)


# ---- backup / restore -------------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    from portal.backup import backup

    with _store(args) as store:
        info = backup(store.engine, Path(args.out))
    print(f"backup {info.path}: {info.rows} rows in {len(info.tables)} tables, schema "
          f"{info.schema_version}, sha256 {info.sha256[:16]}; copy {store.blobs.root} too")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portal.backup import missing_blobs, restore, verify

    path = Path(args.backup)
    if args.verify_only:
        info = verify(path)
        print(f"backup {path} is intact: {info.rows} rows, schema {info.schema_version}")
        return 0
    with _store(args) as store:
        info = restore(store.engine, path, force=args.force)
        from portal.snapshot import build_snapshot

        build_snapshot(store)
        missing = missing_blobs(store.engine, store.blobs.root)
    print(f"restored {info.rows} rows (portal {info.portal_id}, schema {info.schema_version})")
    if missing:
        print(f"warning: {len(missing)}+ file(s) named in the catalog are not under "
              f"{store.blobs.root} (first: {missing[0]}); copy the blobs directory back",
              file=sys.stderr)
    return 0


# ---- users ------------------------------------------------------------------------------------


def cmd_user_list(args: argparse.Namespace) -> int:
    u, t = db.users.c, db.tokens.c
    with _store(args) as store, store.engine.connect() as conn:
        devices = dict(conn.execute(select(t.user_id, func.count()).where(
            t.revoked.is_(None)).group_by(t.user_id)).all())
        query = select(u.id, u.login, u.display_name, u.role, u.region, u.password_hash,
                       u.created).order_by(u.login)
        if args.role:
            query = query.where(u.role == args.role)
        rows = [{"id": r.id, "login": r.login, "name": r.display_name, "role": r.role,
                 "region": r.region, "devices": int(devices.get(r.id, 0)),
                 "can_sign_in": r.password_hash is not None, "created": r.created}
                for r in conn.execute(query)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        state = "" if r["can_sign_in"] else "\tno password"
        print(f"{r['login']}\t{r['id']}\t{r['role']}\t{r['name']}\t{r['devices']} device(s)"
              f"{state}")
    print(f"{len(rows)} user(s)")
    return 0


def _save_user(store: PortalStore, user_id: str, **values: Any) -> None:
    """Update a user row and, when public fields change, their profile record."""
    from portal.community import records
    from portal.community.records import ChangeSet
    from protocol import community as pc

    now = db.utc_now()
    with db.write_transaction(store.engine) as conn:
        conn.execute(update(db.users).where(db.users.c.id == user_id)
                     .values(**values, modified=now))
        if set(values) & {"role", "display_name", "school", "municipality", "region"}:
            row = conn.execute(select(db.users).where(db.users.c.id == user_id)
                               ).mappings().one()
            cs = ChangeSet(conn, now)
            cs.put(pc.DIRECTORY_STREAM, pc.KIND_PROFILE, records.profile_record(row))
            cs.flush()


def cmd_user_set_role(args: argparse.Namespace) -> int:
    with _store(args) as store:
        user = _community(store).require_user(args.login)
        _save_user(store, user.id, role=args.role)
    print(f"{user.login} is now {args.role}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    with _store(args) as store:
        community = _community(store)
        user = community.require_user(args.login)
        _save_user(store, user.id, password_hash=None)
        n = community.revoke_tokens(user.id)
    print(f"disabled {user.login}: password removed, {n} device(s) signed out "
          "(user-password or user-reset-password enables the account again)")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    password = secrets.token_urlsafe(9)
    with _store(args) as store:
        community = _community(store)
        user = community.require_user(args.login)
        community.set_password(user.id, password)
        n = 0 if args.keep_devices else community.revoke_tokens(user.id)
    print(f"new password of {user.login}: {password}")
    print(f"({n} device(s) signed out; give the password to the user in person)",
          file=sys.stderr)
    return 0


# ---- associations -----------------------------------------------------------------------------


def cmd_assoc_list(args: argparse.Namespace) -> int:
    a, m = db.associations.c, db.memberships.c
    with _store(args) as store, store.engine.connect() as conn:
        members = dict(conn.execute(select(m.association_id, func.count())
                                    .group_by(m.association_id)).all())
        rows = conn.execute(select(a.id, a.name, a.kind, a.visibility, a.region)
                            .order_by(a.id)).all()
    for r in rows:
        print(f"{r.id}\t{r.kind}\t{r.visibility}\t{members.get(r.id, 0)} member(s)\t{r.name}")
    print(f"{len(rows)} association(s)")
    return 0


def cmd_assoc_members(args: argparse.Namespace) -> int:
    m, u = db.memberships.c, db.users.c
    with _store(args) as store, store.engine.connect() as conn:
        rows = conn.execute(select(u.login, u.display_name, m.role, m.created)
                            .join(db.users, u.id == m.user_id)
                            .where(m.association_id == args.association_id)
                            .order_by(m.role, u.login)).all()
    for r in rows:
        print(f"{r.login}\t{r.role}\t{r.display_name}\tsince {r.created}")
    print(f"{len(rows)} member(s) of {args.association_id}")
    return 0


def _change_association(args: argparse.Namespace, **changes: Any) -> dict[str, Any]:
    from portal.community.access import association_row
    from portal.community.store import ASSOCIATION_FIELDS

    with _store(args) as store:
        with store.engine.connect() as conn:
            row = association_row(conn, args.association_id)
        if row is None:
            raise ValueError(f"there is no association {args.association_id!r}")
        data = {k: row[k] for k in ASSOCIATION_FIELDS if k in row}
        return _community(store).add_association({**data, **changes})


def cmd_assoc_rename(args: argparse.Namespace) -> int:
    d = _change_association(args, name=args.name)
    print(f"association {d['id']} is now {d['name']!r} (version {d['version']})")
    return 0


def cmd_assoc_visibility(args: argparse.Namespace) -> int:
    d = _change_association(args, visibility=args.visibility)
    print(f"association {d['id']} is now {d['visibility']} (version {d['version']})")
    return 0


def cmd_assoc_member_remove(args: argparse.Namespace) -> int:
    from portal.community.records import ChangeSet
    from protocol import community as pc

    with _store(args) as store:
        user = _community(store).require_user(args.login)
        m = db.memberships.c
        with db.write_transaction(store.engine) as conn:
            gone = conn.execute(delete(db.memberships).where(
                m.user_id == user.id, m.association_id == args.association_id)).rowcount
            if gone:
                cs = ChangeSet(conn, db.utc_now())
                cs.tombstone(pc.user_stream(user.id), pc.KIND_MEMBERSHIP, args.association_id)
                cs.flush()
    if not gone:
        raise ValueError(f"{args.login} is not a member of {args.association_id}")
    print(f"removed {user.login} from {args.association_id}")
    return 0


# ---- import -----------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from portal.importer import import_folder
    from portal.snapshot import ensure_snapshot

    with _store(args) as store:
        report = import_folder(store, Path(args.folder), Path(args.csv),
                               collections=args.collection or [], skip_bad=args.skip_bad,
                               dry_run=args.dry_run)
        for line, message in report.bad:
            print(f"{args.csv}, line {line}: {message}", file=sys.stderr)
        if report.bad and not args.skip_bad:
            print(f"nothing imported: {len(report.bad)} bad row(s) of {report.rows}; fix them "
                  "or give --skip-bad", file=sys.stderr)
            return 1
        if args.dry_run:
            print(f"dry run: {report.rows - len(report.bad)} row(s) would be imported, "
                  f"{len(report.bad)} bad")
            return 0
        if report.published and not args.no_snapshot:
            ensure_snapshot(store)
        print(f"imported {report.published} resource(s), {report.unchanged} unchanged, "
              f"{len(report.bad)} bad row(s) skipped; seq {store.head()}")
    return 0


# ---- moderation -------------------------------------------------------------------------------


def cmd_moderation(args: argparse.Namespace) -> int:
    from portal import moderation

    with _store(args) as store:
        if args.action == "list":
            posts = moderation.open_flags(store.engine)
            if args.json:
                print(json.dumps([p.to_json() for p in posts], ensure_ascii=False, indent=1))
                return 0
            for p in posts:
                state = "hidden" if p.hidden else "visible"
                print(f"{p.post_id}\t{p.association_id}\t{p.flags} flag(s)\t{state}\t"
                      f"{'; '.join(p.reasons)[:80]}\t{p.excerpt[:80]}")
            print(f"{len(posts)} flagged post(s)")
            return 0
        if not args.post_id:
            raise ValueError(f"moderation {args.action} needs a post id")
        result = moderation.decide(store.engine, args.post_id, args.action,
                                   by=args.by, reason=args.reason)
    version = f", post version {result['version']}" if result["version"] else ""
    print(f"{args.action}: {result['post_id']}, {result['flags']} flag(s) closed{version}")
    return 0


def add_admin_commands(add: Add, common: argparse.ArgumentParser,
                       admin: argparse.ArgumentParser) -> None:
    """Register the commands above on ``okno-portal``'s sub-parsers."""
    p = add("backup", cmd_backup, "write a consistent backup of the database (online)", common)
    p.add_argument("--out", required=True, metavar="FILE", help="the .okno-backup file")

    p = add("restore", cmd_restore, "restore a backup into an empty database", common)
    p.add_argument("backup", metavar="FILE")
    p.add_argument("--force", action="store_true",
                   help="replace the content of a database that is not empty")
    p.add_argument("--verify-only", action="store_true", help="only check the backup file")

    p = add("user-list", cmd_user_list, "list users", common)
    p.add_argument("--role", choices=["member", "moderator", "coordinator", "administrator"])
    p.add_argument("--json", action="store_true")

    p = add("user-set-role", cmd_user_set_role, "change a user's portal-wide role", common)
    p.add_argument("login")
    p.add_argument("role", choices=["member", "moderator", "coordinator", "administrator"])

    p = add("user-disable", cmd_user_disable,
            "stop a user signing in: remove the password and sign out every device", common)
    p.add_argument("login")

    p = add("user-reset-password", cmd_user_reset_password,
            "set a new random password and print it", common)
    p.add_argument("login")
    p.add_argument("--keep-devices", action="store_true",
                   help="leave devices signed in (default: sign them out)")

    add("assoc-list", cmd_assoc_list, "list associations", common)
    p = add("assoc-members", cmd_assoc_members, "list an association's members", common)
    p.add_argument("association_id")
    p = add("assoc-rename", cmd_assoc_rename, "rename an association", common)
    p.add_argument("association_id")
    p.add_argument("name")
    p = add("assoc-visibility", cmd_assoc_visibility,
            "make an association public or private", common)
    p.add_argument("association_id")
    p.add_argument("visibility", choices=["public", "private"])
    p = add("assoc-member-remove", cmd_assoc_member_remove,
            "remove a user from an association", common)
    p.add_argument("login")
    p.add_argument("association_id")

    p = add("import", cmd_import, "publish resources from a folder of files and a metadata "
            "CSV (see docs/operating.md)", admin)
    p.add_argument("folder")
    p.add_argument("--csv", required=True, metavar="FILE", help="UTF-8 CSV, one row per "
                   "resource; English or Russian headers")
    p.add_argument("--collection", action="append", metavar="ID",
                   help="also put every resource in this collection (repeatable)")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good rows even if some are bad")
    p.add_argument("--dry-run", action="store_true", help="only check the rows")

    p = add("moderation", cmd_moderation, "the moderation queue: list flagged posts, hide, "
            "restore or dismiss", common)
    p.add_argument("action", choices=["list", "hide", "restore", "dismiss"])
    p.add_argument("post_id", nargs="?")
    p.add_argument("--reason", help="shown to the author of a hidden post")
    p.add_argument("--by", default="okno-portal", help="who decided (kept with the flags)")
    p.add_argument("--json", action="store_true")
