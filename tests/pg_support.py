"""A throwaway PostgreSQL cluster for tests, benchmarks and ``scripts/pg.sh``.

The cluster listens on a Unix socket only (no TCP port to collide with), trusts local
connections, runs with ``fsync=off`` and lives in one temporary directory. As root, the
server runs as the ``postgres`` user (PostgreSQL refuses to run as root).

    server = ThrowawayPostgres.start()          # ~1 s
    url = server.create_database("okno")        # postgresql+psycopg://postgres@/okno?host=...
    ...
    server.stop()                               # and the directory is gone

From a shell (what ``scripts/pg.sh`` runs)::

    python -m tests.pg_support start [DIR]      # prints the URL of database "okno"
    python -m tests.pg_support url [DIR]
    python -m tests.pg_support stop [DIR]

For the portal tests, :class:`TestDatabases` keeps one migrated database per session and
resets it between tests by truncating every table and restoring the rows the migrations
wrote (much faster than dropping and re-creating the schema).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN_ENV = "OKNO_PG_BIN"  # directory holding initdb and pg_ctl
SUPERUSER = "postgres"
PORT = 5432  # only names the socket file: the cluster listens on no TCP port
START_TIMEOUT = 60


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed (or cannot run here)."""


def find_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: ``$OKNO_PG_BIN``, Debian's
    ``/usr/lib/postgresql/<newest>/bin``, or ``PATH``; None when absent."""
    candidates = []
    if os.environ.get(BIN_ENV):
        candidates.append(Path(os.environ[BIN_ENV]))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                      else 0, reverse=True)
    candidates.extend(Path(p) for p in versions)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL will not run as root: drop to the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SUPERUSER, "--", *cmd]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", " ".join(map(_quote, cmd))]


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _run_as_server_user(cmd: list[str]) -> int:
    return subprocess.run(_as_server_user(cmd), capture_output=True, timeout=30,
                          stdin=subprocess.DEVNULL).returncode


def _run(cmd: list[str], timeout: float = START_TIMEOUT) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{Path(cmd[0]).name} failed ({done.returncode}):\n"
                                  f"{done.stdout}{done.stderr}"[-3000:])


@dataclass
class ThrowawayPostgres:
    """One running cluster in ``root`` (``root/data`` holds the cluster, ``root`` the socket)."""

    root: Path
    bin_dir: Path
    owns_root: bool = True

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for one database of this cluster."""
        return (f"postgresql+psycopg://{SUPERUSER}@/{database}"
                f"?host={self.socket_dir}&port={PORT}")

    @classmethod
    def start(cls, root: str | os.PathLike[str] | None = None) -> ThrowawayPostgres:
        """initdb + start; raises :class:`PostgresUnavailable` without the server programs."""
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable("PostgreSQL server programs (initdb, pg_ctl) not found; "
                                      f"install postgresql or set {BIN_ENV}")
        if os.geteuid() == 0 and not _user_exists(SUPERUSER):
            raise PostgresUnavailable("running as root but there is no 'postgres' user")
        owns = root is None
        path = Path(root) if root else Path(tempfile.mkdtemp(prefix="okno-pg-"))
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, SUPERUSER, SUPERUSER)
            if not owns and _run_as_server_user(["test", "-x", str(path)]) != 0:
                raise PostgresUnavailable(f"the {SUPERUSER} user cannot reach {path}: choose a "
                                          "directory whose parents others may enter")
        server = cls(path, bin_dir, owns)
        try:
            if not (server.data_dir / "PG_VERSION").exists():
                _run([str(bin_dir / "initdb"), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
                      "--locale=C.UTF-8", "-D", str(server.data_dir)])
            options = (f"-p {PORT} -k {path} -c listen_addresses='' -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=200 -c shared_buffers=64MB")
            _run([str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l",
                  str(path / "server.log"), "-w", "-t", str(START_TIMEOUT), "-o", options,
                  "start"], timeout=START_TIMEOUT + 10)
        except BaseException:
            if owns:
                shutil.rmtree(path, ignore_errors=True)
            raise
        if owns:
            server._watch(os.getpid())
        return server

    def _watch(self, pid: int) -> None:
        """Should this process die without stopping the cluster (killed test run), a
        detached watchdog stops it and removes its directory."""
        stop = " ".join(map(_quote, _as_server_user([
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w",
            "stop"])))
        script = (f"while kill -0 {pid} 2>/dev/null; do sleep 2; done; "
                  f"if [ -f {_quote(str(self.data_dir / 'postmaster.pid'))} ]; then "
                  f"{stop} >/dev/null 2>&1; fi; rm -rf {_quote(str(self.root))}")
        subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and remove its directory."""
        if self.is_running():
            try:
                _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m",
                      "immediate", "-w", "stop"])
            except (PostgresUnavailable, subprocess.TimeoutExpired):
                pass
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """Create (or re-create, empty) a database; returns its URL."""
        import psycopg  # only PostgreSQL users need it

        with psycopg.connect(host=str(self.socket_dir), port=PORT, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url(name)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class TestDatabases:
    """The portal tests' databases on one cluster.

    ``portal_url()`` is a migrated portal database, reset to "just migrated" state (every
    table truncated, the migrations' own rows restored, a new portal_id) each time it is
    asked for; ``empty_url()`` is a database with no tables at all, for migration tests.
    """

    __test__ = False  # not a test class, despite its name

    def __init__(self, server: ThrowawayPostgres) -> None:
        self.server = server
        self._engine: Any = None
        self._baseline: list[tuple[str, list[dict[str, Any]]]] = []
        self._tables: list[str] = []
        self._empty_created = False

    def portal_url(self) -> str:
        from sqlalchemy import MetaData, insert, text

        from portal import db

        if self._engine is None:
            url = self.server.create_database("okno_portal")
            self._engine = db.open_engine(url)
            db.migrate(self._engine)
            reflected = MetaData()
            reflected.reflect(self._engine)
            with self._engine.connect() as conn:
                for table in reflected.sorted_tables:
                    rows = [dict(r._mapping) for r in conn.execute(table.select())]
                    self._tables.append(table.name)
                    if rows:
                        self._baseline.append((table.name, rows))
            self._reflected = reflected
            return url
        names = ", ".join(f'"{t}"' for t in self._tables)
        with self._engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            for name, rows in self._baseline:
                conn.execute(insert(self._reflected.tables[name]), rows)
            conn.execute(db.meta.update().where(db.meta.c.key == "portal_id")
                         .values(value=uuid.uuid4().hex))
        return self.server.url("okno_portal")

    def empty_url(self) -> str:
        from sqlalchemy import create_engine, text

        url = self.server.url("okno_empty")
        if not self._empty_created:
            self.server.create_database("okno_empty")
            self._empty_created = True
            return url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("start", "stop", "url"):
        print("usage: python -m tests.pg_support start|stop|url [DIR]", file=sys.stderr)
        return 2
    command = args[0]
    root = Path(args[1] if len(args) > 1 else os.environ.get("OKNO_PG_DIR", "/tmp/okno-pg"))
    bin_dir = find_bin_dir()
    if command == "start":
        if bin_dir is not None and ThrowawayPostgres(root, bin_dir).is_running():
            print(ThrowawayPostgres(root, bin_dir).url("okno"))
            return 0
        try:
            server = ThrowawayPostgres.start(root)
            url = server.url("okno")
            if not (root / ".okno-created").exists():
                url = server.create_database("okno")
                (root / ".okno-created").touch()
        except PostgresUnavailable as exc:
            print(f"pg: {exc}", file=sys.stderr)
            return 1
        print(url)
        return 0
    if bin_dir is None:
        print("pg: PostgreSQL server programs not found", file=sys.stderr)
        return 1
    server = ThrowawayPostgres(root, bin_dir, owns_root=True)
    if command == "url":
        if not server.is_running():
            print(f"pg: no cluster running in {root}", file=sys.stderr)
            return 1
        print(server.url("okno"))
        return 0
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
