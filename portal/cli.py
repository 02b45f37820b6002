"""``okno-portal``: run the portal and administer its catalog from a shell.

    okno-portal serve --demo --port 0            # prints OKNO_PORTAL_URL=http://127.0.0.1:PORT
    okno-portal publish --json lesson.json --file lesson.pdf
    okno-portal update r-1 --title "Новое название"
    okno-portal purge-tombstones --days 365
    okno-portal user-add --login ivanova --name "Иванова М. П." --password-stdin
    okno-portal assoc-add --json association.json
    okno-portal forum-add --json forum.json
    okno-portal assoc-member ivanova reg-45 --role moderator
    okno-portal user-tokens ivanova                 # devices signed in
    okno-portal user-revoke-tokens ivanova          # sign them all out

Every command takes ``--data DIR`` (default: $OKNO_PORTAL_DATA or the user data directory).
Admin commands print one line ending with the stream's new seq and rebuild the snapshot.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from portal.catalog import AttachedFile, PortalStore
from portal.config import DATA_ENV, DATABASE_ENV, AppSettings, resolve_data_dir
from portal.snapshot import build_snapshot, ensure_snapshot
from protocol.wire import CATALOG_STREAM

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_DEMO_RESOURCES = 2000
DEFAULT_DEMO_POSTS = 1500
DEFAULT_DEMO_USERS = 60
URL_PREFIX = "OKNO_PORTAL_URL="


class CliError(Exception):
    """Bad input from the command line; the message is printed as is."""


def _open_store(args: argparse.Namespace) -> PortalStore:
    data = resolve_data_dir(getattr(args, "data", None))
    database = getattr(args, "database", None) or os.environ.get(DATABASE_ENV)
    return PortalStore.open(data, database)


def _read_json(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{path} is not valid JSON: {exc}") from None


def _read_object(path: str) -> dict[str, Any]:
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold one JSON object")
    return data


def _attachments(paths: Sequence[str]) -> list[AttachedFile]:
    out: list[AttachedFile] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise CliError(f"{p} is not a file")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append((path.name, mime, path))
    return out


def _finish(store: PortalStore, args: argparse.Namespace, message: str) -> int:
    """Refresh the snapshot (unless told not to), then print the one-line result."""
    if not args.no_snapshot:
        ensure_snapshot(store)
    print(f"{message}; seq {store.head(CATALOG_STREAM)}")
    return 0


def load_demo(store: PortalStore, n_resources: int, seed: int) -> str:
    """Load the generated demo library into the store; returns a summary line."""
    from portal.demo import build_demo  # imported late: only demo commands need it

    library = build_demo(n_resources, seed)
    result = store.bulk_publish(library.collections, library.resources(), library.blobs)
    from portal.community.courses_demo import ensure_demo_course  # once users exist too

    ensure_demo_course(store.engine)
    return (f"loaded demo: {result.collections} collections, {result.resources} resources, "
            f"{result.blobs} files")


def load_community_demo(store: PortalStore, n_users: int, n_posts: int, seed: int) -> str:
    """Load the generated demo community (users, associations, forums, threads, posts);
    returns a summary line naming the demo logins."""
    from portal.community import CommunityStore
    from portal.community.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_community

    summary = load_demo_community(CommunityStore(store.engine), n_users=n_users,
                                  n_posts=n_posts, seed=seed)
    from portal.community.courses_demo import ensure_demo_course  # once resources exist too

    ensure_demo_course(store.engine)
    logins = ", ".join(DEMO_LOGINS)
    return (f"loaded demo community: {summary}; sign in as {logins} with password "
            f"{DEMO_PASSWORD!r}")


def _community_is_empty(store: PortalStore) -> bool:
    from portal.community import CommunityStore

    return CommunityStore(store.engine).counts()["users"] == 0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if sys.platform != "win32":
        # Restart right after a stop without waiting for TIME_WAIT (on Windows this option
        # would let two servers share the port).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        if args.demo and store.head(CATALOG_STREAM) == 0:
            # stdout carries only the URL line; progress goes to stderr.
            print(load_demo(store, args.resources, args.seed), file=sys.stderr, flush=True)
        if args.demo and _community_is_empty(store):
            print(load_community_demo(store, args.users, args.posts, args.seed),
                  file=sys.stderr, flush=True)
        ensure_snapshot(store)
        sock = _bind(args.host, args.port)
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"{URL_PREFIX}http://{host}:{port}", flush=True)
        if args.workers > 1:
            from portal.serve import run_workers

            store.close()  # each worker opens its own; this process only supervises
            return run_workers(sock, args.workers, args)
        _run_app(store, args, sock)
    return 0


def _run_app(store: PortalStore, args: argparse.Namespace, sock: socket.socket) -> None:
    import uvicorn

    from portal.app import create_app
    from portal.serving import freeze_heap, serve_settings, uvicorn_options

    app = create_app(store, serve_settings(args))
    config = uvicorn.Config(app, **uvicorn_options(args))
    freeze_heap()
    uvicorn.Server(config).run(sockets=[sock])


def serve_worker(sock: socket.socket, args: argparse.Namespace) -> None:
    """One process of ``serve --workers N`` (see portal.serve): its own store, same options."""
    with _open_store(args) as store:
        _run_app(store, args, sock)


def cmd_demo(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        if args.posts and _community_is_empty(store):
            print(load_community_demo(store, args.users, args.posts, args.seed),
                  file=sys.stderr, flush=True)
        return _finish(store, args, load_demo(store, args.resources, args.seed))


def cmd_publish(args: argparse.Namespace) -> int:
    data = _read_object(args.json)
    with _open_store(args) as store:
        d = store.publish_resource(data, _attachments(args.file or []))
        return _finish(store, args, f"published resource {d['id']} version {d['version']}")


def cmd_update(args: argparse.Namespace) -> int:
    fields = _read_object(args.json) if args.json else {}
    if args.title is not None:
        fields["title"] = args.title
    if args.description is not None:
        fields["description"] = args.description
    if not fields:
        raise CliError("nothing to update: give --title, --description or --json")
    with _open_store(args) as store:
        d = store.update_resource(args.id, **fields)
        return _finish(store, args, f"updated resource {d['id']} to version {d['version']}")


def cmd_delete(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        store.delete_resource(args.id)
        return _finish(store, args, f"deleted resource {args.id}")


def cmd_collection_add(args: argparse.Namespace) -> int:
    data = _read_object(args.json)
    with _open_store(args) as store:
        d = store.publish_collection(data)
        return _finish(store, args, f"published collection {d['id']} version {d['version']}")


def cmd_collection_delete(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        store.delete_collection(args.id)
        return _finish(store, args, f"deleted collection {args.id}")


def cmd_snapshot(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        info = build_snapshot(store)
        print(f"snapshot {info.name}: {info.records} records, {info.size} bytes; "
              f"seq {info.cursor}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    if args.days < 0:
        raise CliError("--days must not be negative")
    with _open_store(args) as store:
        purged = store.purge_tombstones(args.days)
        purged += _community(store).purge_tombstones(args.days)
        return _finish(store, args, f"purged {purged} tombstone(s); horizon "
                                    f"{store.horizon(CATALOG_STREAM)}")


def _read_password(args: argparse.Namespace) -> str | None:
    """The password from ``--password-file`` (first line) or ``--password-stdin``; never from
    the command line, where other users of the machine could see it."""
    if args.password_file:
        try:
            text = Path(args.password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {args.password_file}: {exc}") from None
    elif args.password_stdin:
        text = sys.stdin.readline()
    else:
        return None
    password = text.splitlines()[0] if text.splitlines() else ""
    if not password:
        raise CliError("the password is empty")
    return password


def _community(store: PortalStore) -> Any:
    from portal.community import CommunityStore

    return CommunityStore(store.engine)


def cmd_user_add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _open_store(args) as store:
        user = _community(store).add_user(
            args.login, args.name, password=password, role=args.role, school=args.school,
            municipality=args.municipality, region=args.region, user_id=args.id)
    note = "" if password else " (no password: cannot sign in until one is set)"
    print(f"added user {user.login} id {user.id} role {user.role}{note}")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        raise CliError("give --password-file FILE or --password-stdin")
    with _open_store(args) as store:
        _community(store).set_password(args.login, password)
    print(f"password of {args.login} changed (existing devices stay signed in; "
          "use user-revoke-tokens to sign them out)")
    return 0


def cmd_user_revoke(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        n = _community(store).revoke_tokens(args.login)
    print(f"revoked {n} device token(s) of {args.login}")
    return 0


def cmd_user_tokens(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        rows = _community(store).tokens_of(args.login)
    for t in rows:
        state = f"revoked {t['revoked']}" if t["revoked"] else "valid"
        print(f"{t['device_name']}\tcreated {t['created']}\tlast used {t['last_used']}\t{state}")
    print(f"{len(rows)} device token(s) of {args.login}")
    return 0


def cmd_assoc_add(args: argparse.Namespace) -> int:
    data = _read_object(args.json)
    with _open_store(args) as store:
        d = _community(store).add_association(data)
    print(f"association {d['id']} version {d['version']}")
    return 0


def cmd_assoc_member(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        d = _community(store).set_membership(args.login, args.association_id, args.role)
    print(f"{args.login} is {d['role']} of {d['association_id']}")
    return 0


def cmd_forum_add(args: argparse.Namespace) -> int:
    data = _read_object(args.json)
    with _open_store(args) as store:
        d = _community(store).add_forum(data)
    print(f"forum {d['id']} of {d['association_id']} version {d['version']}")
    return 0


def cmd_event_add(args: argparse.Namespace) -> int:
    from portal.community.consultations import add_event

    data = _read_object(args.json) if args.json else {}
    for key in ("association_id", "kind", "title", "starts", "ends", "description",
                "location", "url"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    with _open_store(args) as store:
        author = _community(store).require_user(args.author)
        d = add_event(store.engine, data, author.id)
    print(f"event {d['id']} of {d['association_id']} version {d['version']}")
    return 0


def cmd_leaders_recompute(args: argparse.Namespace) -> int:
    from portal.community.leaders import recompute_all

    with _open_store(args) as store:
        n = recompute_all(store.engine, args.association or None)
    print(f"recomputed contribution levels: {n} record(s) changed")
    return 0


def cmd_leader_grant(args: argparse.Namespace) -> int:
    from portal.community.consultations import grant_level

    with _open_store(args) as store:
        community = _community(store)
        user = community.require_user(args.login)
        by = community.require_user(args.by).id if args.by else "okno-portal"
        d = grant_level(store.engine, args.association_id, user.id, by, on=not args.revoke)
    level = d["level"] if d else 0
    print(f"{args.login} in {args.association_id}: level {level}"
          f"{' (granted)' if d and d['granted'] else ''}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", metavar="DIR",
                        help=f"data directory (default: ${DATA_ENV} or the user data directory)")
    common.add_argument("--database", metavar="URL",
                        help=f"SQLAlchemy database URL (default: ${DATABASE_ENV} or "
                             "DIR/portal.sqlite3)")
    admin = argparse.ArgumentParser(add_help=False, parents=[common])
    admin.add_argument("--no-snapshot", action="store_true",
                       help="do not rebuild the catalog snapshot afterwards")

    parser = argparse.ArgumentParser(prog="okno-portal", description="Okno portal server "
                                     "and catalog administration.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], helptext: str,
            parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=helptext, description=helptext, parents=[parent])
        p.set_defaults(handler=handler)
        return p

    p = add("serve", cmd_serve, "run the HTTP API", common)
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on ({DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port ({DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--demo", action="store_true", help="load demo data if the catalog is empty")
    p.add_argument("--resources", type=int, default=DEFAULT_DEMO_RESOURCES, metavar="N",
                   help=f"demo resources ({DEFAULT_DEMO_RESOURCES})")
    p.add_argument("--seed", type=int, default=1, help="demo random seed (1)")
    p.add_argument("--posts", type=int, default=DEFAULT_DEMO_POSTS, metavar="N",
                   help=f"demo forum posts ({DEFAULT_DEMO_POSTS}; up to 50000 for benchmarks)")
    p.add_argument("--users", type=int, default=DEFAULT_DEMO_USERS, metavar="N",
                   help=f"demo users ({DEFAULT_DEMO_USERS})")
    p.add_argument("--name", default=AppSettings.name, help="portal name shown to clients")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="portal processes sharing the socket and the database (1)")
    from portal.serving import add_serve_options

    add_serve_options(p)

    p = add("demo", cmd_demo, "load generated demo data into the catalog and community", admin)
    p.add_argument("--resources", type=int, default=DEFAULT_DEMO_RESOURCES, metavar="N")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--posts", type=int, default=0, metavar="N",
                   help="also load a demo community with N posts (if it has no users yet)")
    p.add_argument("--users", type=int, default=DEFAULT_DEMO_USERS, metavar="N")

    p = add("publish", cmd_publish, "publish (or replace) a resource from a JSON file", admin)
    p.add_argument("--json", required=True, metavar="FILE", help="resource fields as JSON")
    p.add_argument("--file", action="extend", nargs="+", metavar="PATH",
                   help="files to attach (stored by content hash)")

    p = add("update", cmd_update, "change fields of a resource", admin)
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--description")
    p.add_argument("--json", metavar="FILE", help="fields to change, as a JSON object")

    p = add("delete", cmd_delete, "delete a resource (leaves a tombstone)", admin)
    p.add_argument("id")

    p = add("collection-add", cmd_collection_add, "publish (or replace) a collection", admin)
    p.add_argument("--json", required=True, metavar="FILE")

    p = add("collection-delete", cmd_collection_delete, "delete an empty collection", admin)
    p.add_argument("id")

    add("snapshot", cmd_snapshot, "rebuild the catalog snapshot", common)

    p = add("purge-tombstones", cmd_purge, "forget old deletions (raises the horizon)", admin)
    p.add_argument("--days", type=float, default=365, help="age in days (365)")

    def password_options(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--password-file", metavar="FILE",
                           help="read the password from the first line of FILE")
        group.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of standard input")

    p = add("user-add", cmd_user_add, "create a community user", common)
    p.add_argument("--login", required=True)
    p.add_argument("--name", required=True, help="display name, e.g. Иванова Мария Петровна")
    p.add_argument("--role", default="member",
                   choices=["member", "moderator", "coordinator", "administrator"])
    p.add_argument("--school", default="")
    p.add_argument("--municipality", default="")
    p.add_argument("--region", default="")
    p.add_argument("--id", help="user id (default: generated)")
    password_options(p)

    p = add("user-password", cmd_user_password, "set a user's password", common)
    p.add_argument("login")
    password_options(p)

    p = add("user-revoke-tokens", cmd_user_revoke,
            "sign a user out of every device (revoke all device tokens)", common)
    p.add_argument("login")

    p = add("user-tokens", cmd_user_tokens, "list a user's devices (tokens)", common)
    p.add_argument("login")

    p = add("assoc-add", cmd_assoc_add, "create (or replace) an association from JSON", common)
    p.add_argument("--json", required=True, metavar="FILE")

    p = add("assoc-member", cmd_assoc_member, "add a user to an association, or change their "
            "role in it", common)
    p.add_argument("login")
    p.add_argument("association_id")
    p.add_argument("--role", default="member", choices=["member", "moderator", "coordinator"])

    p = add("forum-add", cmd_forum_add, "create (or replace) a forum from JSON", common)
    p.add_argument("--json", required=True, metavar="FILE")
    from portal.bundle_cli import add_bundle_commands

    add_bundle_commands(add, common)
    from portal.community.courses_cli import add_course_commands

    add_course_commands(add, common)
    from portal.admin_cli import add_admin_commands

    add_admin_commands(add, common, admin)

    p = add("event-add", cmd_event_add, "publish an event in an association's calendar "
            "(times in UTC, e.g. 2026-12-01T10:00:00Z)", common)
    p.add_argument("--json", metavar="FILE", help="event fields as JSON (options override)")
    p.add_argument("--association", dest="association_id")
    p.add_argument("--kind", choices=["seminar", "webinar", "meeting"])
    p.add_argument("--title")
    p.add_argument("--starts", metavar="UTC")
    p.add_argument("--ends", metavar="UTC")
    p.add_argument("--description")
    p.add_argument("--location")
    p.add_argument("--url")
    p.add_argument("--author", required=True, metavar="LOGIN",
                   help="the coordinator named as its author")

    p = add("leaders-recompute", cmd_leaders_recompute, "recompute members' contribution "
            "levels and publish what changed (run nightly)", common)
    p.add_argument("--association", action="append", metavar="ID",
                   help="only this association (repeatable; default: all)")

    p = add("leader-grant", cmd_leader_grant, "grant a member the top contribution level in "
            "an association (or take it back)", common)
    p.add_argument("login")
    p.add_argument("association_id")
    p.add_argument("--revoke", action="store_true", help="take the grant back")
    p.add_argument("--by", metavar="LOGIN", help="the coordinator granting it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``okno-portal``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CliError, ValueError, OSError) as exc:
        print(f"okno-portal: error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"okno-portal: database error: {exc.__class__.__name__}: {exc.args[0]!s:.300}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
