"""The machine-wide library of a computer lab: one catalog for every OS user of a PC.

Qt-free. In lab mode a user's ``Store`` opens two SQLite files:

* the **personal** database (``<user data>/okno.sqlite3``) as ``main``: sign-in, outbox,
  drafts, read positions, community replica, sync history, and any table a later migration
  adds (personal by default);
* the **shared library** (``<shared folder>/library.sqlite3``), ATTACHed as ``library``:
  the catalog replica, its search index and facets, the download queue, the files cache,
  and the catalog's cursor, tombstones and meta keys (:data:`CATALOG_META_KEYS`).

Table names of :data:`CATALOG_ONLY` exist in the shared file only, so the catalog queries
reach it unqualified (SQLite looks a name up in ``main`` first, then in attached files).
``meta``, ``cursors`` and ``tombstones`` exist in both; the catalog code names the schema
for those (``ReaderBase._cat``). Without a shared folder nothing changes: one file holds
everything, as it always did.

A user who cannot write the shared folder attaches it read-only (``mode=ro``); their
catalog writes are refused with :class:`LibraryReadOnly`. SQLite can only read a WAL
database without write access when its ``-wal`` and ``-shm`` files exist, so every writer
leaves them behind (empty) when it closes: :func:`keep_wal_files`.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store
>>> tmp = Path(tempfile.mkdtemp())
>>> store = Store(tmp / "me" / "okno.sqlite3", library=tmp / "shared" / "library.sqlite3")
>>> store.library_writable, store.counts()["resources"]
(True, 0)
>>> store.close()
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlite_utils import Database

from desktop.store.db import BUSY_TIMEOUT_MS, check_header, write_transaction
from desktop.store.downloads_schema import v_download_error_codes
from desktop.store.errors import StoreError
from desktop.store.migrations import MIGRATIONS, SCHEMA_VERSION, user_version

SCHEMA = "library"  # the name the shared file is attached under
FILE_NAME = "library.sqlite3"
SYNC_LOCK = "sync.lock"  # the same file ``okno sync --machine`` locks
DOWNLOADS_LOCK = "downloads.lock"

# Tables (and their indexes) that live in the shared file only. Shadow tables of the FTS
# index follow their virtual table.
CATALOG_ONLY = ("resources", "resources_fts", "collections", "facet_values", "resource_facets",
                "resource_files", "downloads", "files_cache")
# Tables both files have; the catalog's rows of them are in the shared file.
COMMON = ("meta", "cursors", "tombstones")
# Meta keys that describe the shared catalog; every other key is personal.
CATALOG_META_KEYS = frozenset({"portal_id", "generation", "text_version", "serving_horizon"})
# Migration steps (1-based versions) that create or change catalog tables. A later step
# that changes a catalog table must be listed here and touch catalog tables only; it then
# runs on the shared file (and is skipped on personal files). Every other step is personal.
# Found by function, not by number: other steps may be appended around them.
CATALOG_STEPS = frozenset({1, MIGRATIONS.index(v_download_error_codes) + 1})
LAYOUT_KEY = "layout"  # in a personal file's meta: "personal" once its catalog is split off


class LibraryReadOnly(StoreError):
    """A catalog write asked of a user who may only read the shared library."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"The shared library of this computer ({folder}) is read-only for your account: "
            "the library is updated and files are downloaded by the administrator (the "
            "scheduled 'okno sync --machine'). Your own data is not affected.")
        self.folder = folder


# -- modes and permissions ---------------------------------------------------------------

def can_write(folder: Path) -> bool:
    """Whether this process may create and change the shared files in ``folder``."""
    db = folder / FILE_NAME
    if folder.exists():
        if not os.access(folder, os.W_OK | os.X_OK):
            return False
        return all(not p.exists() or os.access(p, os.W_OK)
                   for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")))
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return os.access(parent, os.W_OK | os.X_OK)


def shared_file_mode(folder: Path) -> int:
    """Files in the shared folder: readable by everyone, writable by whoever may write the
    folder (a group-writable folder makes group-writable files; see docs/lab-cache.md)."""
    try:
        return (stat.S_IMODE(folder.stat().st_mode) & 0o666) | 0o444
    except OSError:
        return 0o644


def make_shared_dir(path: Path, folder: Path) -> None:
    """``mkdir -p`` with the shared folder's own permissions (setgid bit included)."""
    missing = []
    p = path
    while not p.exists() and p != folder and p != p.parent:
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        return
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return
    for d in missing:
        with contextlib.suppress(OSError):
            os.chmod(d, mode)


def share_file(path: Path, folder: Path) -> None:
    """Give a file this process created in the shared folder the folder's permissions."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        if path.stat().st_uid == os.geteuid():
            os.chmod(path, shared_file_mode(folder))


def keep_wal_files(db_path: Path) -> None:
    """Leave (empty) ``-wal`` and ``-shm`` files beside the shared database.

    SQLite removes them when the last connection closes, and then a user without write
    access to the folder could not open the WAL database at all. Empty files are what a
    closed database looks like to SQLite, so creating them is safe at any time.
    """
    if not db_path.exists():
        return
    mode = shared_file_mode(db_path.parent)
    for suffix in ("-wal", "-shm"):
        p = Path(f"{db_path}{suffix}")
        try:
            fd = os.open(p, os.O_RDONLY | os.O_CREAT, mode)
        except OSError:
            continue
        os.close(fd)
        share_file(p, db_path.parent)


# -- locks between processes (and users) ---------------------------------------------------

def try_lock(fh: IO[bytes]) -> bool:
    """A non-blocking exclusive lock on an open file; released when the process dies."""
    if sys.platform == "win32":
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def unlock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def shared_lock(folder: Path, name: str) -> Iterator[bool]:
    """Try to hold ``folder/name``; yields False (without waiting) when another process
    holds it. Used by user syncs and downloads in lab mode, beside ``okno sync --machine``
    which holds the same ``sync.lock``."""
    path = folder / name
    try:
        make_shared_dir(folder, folder)
        fh = open(path, "a+b")  # noqa: SIM115 (held open for the lock's lifetime)
    except OSError:
        yield False
        return
    share_file(path, folder)
    try:
        if not try_lock(fh):
            yield False
            return
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n".encode("ascii"))
        fh.flush()
        try:
            yield True
        finally:
            unlock(fh)
    finally:
        fh.close()


def remove_foreign_parts(folder: Path) -> int:
    """Drop partial downloads this process cannot continue (another user's ``.part``
    files); call while holding the downloads lock. Returns how many were removed."""
    removed = 0
    files = folder / "files"
    try:
        subdirs = [d for d in files.iterdir() if d.is_dir()]
    except OSError:
        return 0
    for d in subdirs:
        try:
            parts = [p for p in d.iterdir() if p.name.endswith(".part")]
        except OSError:
            continue
        for p in parts:
            if not os.access(p, os.W_OK):
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed += 1
    return removed


# -- schema ------------------------------------------------------------------------------

def _objects(conn: sqlite3.Connection, schema: str, tables: tuple[str, ...]) -> list[tuple]:
    """(type, name) of the tables in ``tables`` (with FTS shadow tables) and their indexes."""
    rows = conn.execute(
        f"SELECT type, name, tbl_name FROM {schema}.sqlite_master "
        "WHERE type IN ('table', 'index', 'trigger', 'view')"
    ).fetchall()
    out = []
    for kind, name, table in rows:
        owner = table if kind != "table" else name
        if owner in tables or any(owner.startswith(f"{t}_") and t.endswith("_fts")
                                  for t in tables):
            out.append((kind, name))
    return out


def _drop(conn: sqlite3.Connection, schema: str, tables: tuple[str, ...]) -> None:
    """Drop ``tables`` (virtual tables first: they drop their own shadow tables)."""
    virtual = [t for t in tables if t.endswith("_fts")]
    for t in virtual:
        conn.execute(f"DROP TABLE IF EXISTS {schema}.{t}")
    for kind, name in _objects(conn, schema, tables):
        if kind == "table":
            conn.execute(f"DROP TABLE IF EXISTS {schema}.{name}")


def _has_table(conn: sqlite3.Connection, schema: str, name: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' "
                        "AND name = ?", (name,)).fetchone() is not None


def layout(db: Database | sqlite3.Connection) -> str | None:
    """"personal" for a lab user's file (its catalog is the shared one), else None."""
    conn = db.conn if isinstance(db, Database) else db
    if not _has_table(conn, "main", "meta"):
        return None
    row = conn.execute("SELECT value FROM main.meta WHERE key = ?", (LAYOUT_KEY,)).fetchone()
    return row[0] if row else None


def _full_catalog_ddl() -> list[str]:
    """CREATE statements of the catalog-only tables as the migrations leave them."""
    scratch = Database(memory=True)
    scratch.conn.isolation_level = None
    for step in MIGRATIONS:
        with write_transaction(scratch):
            step(scratch)
    ddl = []
    objects = _objects(scratch.conn, "main", CATALOG_ONLY)
    for kind, name in objects:
        if kind == "table" and any(name.startswith(f"{t}_") for t in CATALOG_ONLY
                                   if t.endswith("_fts")):
            continue  # FTS shadow tables: created by their virtual table
        sql = scratch.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                   (name,)).fetchone()[0]
        if sql:
            ddl.append(sql)
    ddl.append("INSERT INTO resources_fts (resources_fts, rank) VALUES ('automerge', 16)")
    scratch.close()
    return ddl


def split_personal(db: Database) -> bool:
    """Make a (migrated) per-user file personal: drop its own copy of the catalog.

    A file from a single-user installation keeps its personal data; its catalog is the
    shared one from now on. Returns True when something was dropped.
    """
    conn = db.conn
    if layout(conn) == "personal":
        return False
    with write_transaction(db):
        _drop(conn, "main", CATALOG_ONLY)
        conn.execute("DELETE FROM main.cursors WHERE stream = 'catalog'")
        conn.execute("DELETE FROM main.tombstones WHERE stream = 'catalog'")
        conn.execute("DELETE FROM main.meta WHERE key IN (SELECT value FROM json_each(?))",
                     (_json(sorted(CATALOG_META_KEYS - {"generation"})),))
        conn.execute("INSERT INTO main.meta (key, value) VALUES (?, 'personal') "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (LAYOUT_KEY,))
    return True


def restore_full(db: Database) -> bool:
    """A personal file opened without a shared folder again: give it back the catalog
    tables (empty; the next sync fills them). Returns True when it did."""
    conn = db.conn
    if layout(conn) != "personal":
        return False
    ddl = _full_catalog_ddl()
    with write_transaction(db):
        for sql in ddl:
            conn.execute(sql)
        conn.execute("DELETE FROM main.meta WHERE key = ?", (LAYOUT_KEY,))
        conn.execute("UPDATE main.meta SET value = CAST(value AS INTEGER) + 1 "
                     "WHERE key = 'generation'")
    return True


def migrate_personal(db: Database) -> int:
    """Bring a personal file of lab mode up to ``SCHEMA_VERSION``, then split it."""
    conn = db.conn
    if layout(conn) != "personal":
        from desktop.store.migrations import migrate

        migrate(db)
        split_personal(db)
        return user_version(db)
    for version in range(user_version(db) + 1, SCHEMA_VERSION + 1):
        with write_transaction(db):
            if user_version(db) >= version:
                continue
            if version not in CATALOG_STEPS:
                MIGRATIONS[version - 1](db)
            conn.execute(f"PRAGMA user_version = {version}")
    return user_version(db)


def migrate_full(db: Database) -> int:
    """Single-user mode: migrate as always; a file that was personal in a lab (the shared
    folder is no longer configured) gets its catalog tables back, empty."""
    if layout(db.conn) == "personal":
        migrate_personal(db)
        restore_full(db)
        return user_version(db)
    from desktop.store.migrations import migrate

    return migrate(db)


def migrate_library(db: Database) -> int:
    """Bring the shared catalog file (opened as ``main``) up to ``SCHEMA_VERSION``.

    Only catalog steps run; personal steps just move its version along. Step 1 creates the
    catalog and the common tables and drops the one personal table it also creates.
    """
    conn = db.conn
    for version in range(user_version(db) + 1, SCHEMA_VERSION + 1):
        with write_transaction(db):
            if user_version(db) >= version:
                continue
            if version in CATALOG_STEPS:
                MIGRATIONS[version - 1](db)
                if version == 1:
                    conn.execute("DROP TABLE sync_log")
            conn.execute(f"PRAGMA user_version = {version}")
    return user_version(db)


def _json(value: object) -> str:
    import json

    return json.dumps(value)


# -- opening -----------------------------------------------------------------------------

def prepare_library(path: Path) -> None:
    """Create or upgrade the shared catalog file (by a process that may write it).

    Two users' processes may start at the same moment on a new or older file: switching it
    to WAL or upgrading a read transaction can then fail at once with "database is locked"
    (SQLite does not wait there, to avoid deadlock). Each step checks ``user_version`` first,
    so trying again after the other process finished is safe; bounded to about 30 s.
    """
    import time

    deadline = time.monotonic() + 30
    while True:
        try:
            _prepare_library(path)
            return
        except _Locked:
            if time.monotonic() > deadline:
                raise StoreError(f"cannot open the shared library {path}: another program "
                                 "keeps it locked") from None
            time.sleep(0.1)


class _Locked(Exception):
    """The shared file was locked by another process while being prepared."""


def _prepare_library(path: Path) -> None:
    folder = path.parent
    check_header(path)
    make_shared_dir(folder, folder)
    new = not path.exists()
    db = Database(path, execute_plugins=False)
    try:
        db.conn.isolation_level = None
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        found = user_version(db)
        if found > SCHEMA_VERSION:
            from desktop.store.migrations import newer_error

            raise newer_error(found)
        if found < SCHEMA_VERSION:
            db.enable_wal()
            migrate_library(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        from desktop.store.db import corruption_error, is_corruption

        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise _Locked() from None
        if is_corruption(exc):
            raise corruption_error(path, exc) from None
        raise StoreError(f"cannot open the shared library {path}: {exc}") from None
    except BaseException:
        db.close()
        raise
    db.close()
    if new:
        share_file(path, folder)
        # Content-addressed file folders, made now with the shared permissions: another
        # user's download must be able to write into them.
        files = folder / "files"
        make_shared_dir(files, folder)
        for i in range(256):
            make_shared_dir(files / f"{i:02x}", folder)
    keep_wal_files(path)


def attach_library(db: Database, path: Path, *, writer: bool) -> bool:
    """ATTACH the shared catalog as ``library``; returns whether this user may write it.

    The caller's connection must have been opened with URI filenames enabled. A writer that
    may write the folder creates or upgrades the file first. A shared library that does not
    exist yet (or cannot be read) and cannot be created attaches an empty catalog in memory:
    the library shows as empty until the administrator fills it.
    """
    path = Path(path)
    writable = can_write(path.parent)
    if writable and writer and not path.exists():
        prepare_library(path)
    if not path.exists():
        return _attach_empty(db)
    check_header(path)
    found = _attach_file(db, path, writable)
    if found is None:
        if writable:
            raise StoreError(f"cannot open the shared library {path}")
        return _attach_empty(db)  # no -wal/-shm to read through: see keep_wal_files
    if found < SCHEMA_VERSION and writable and writer:
        db.conn.execute(f"DETACH DATABASE {SCHEMA}")
        prepare_library(path)
        found = _attach_file(db, path, writable)
        if found is None:
            raise StoreError(f"cannot open the shared library {path}")
    if found > SCHEMA_VERSION:
        db.conn.execute(f"DETACH DATABASE {SCHEMA}")
        from desktop.store.migrations import newer_error

        raise newer_error(found)
    if any(v > found for v in CATALOG_STEPS):
        db.conn.execute(f"DETACH DATABASE {SCHEMA}")
        if found == 0 and not writable:
            return _attach_empty(db)
        raise StoreError(
            f"the shared library {path} needs an upgrade that only the administrator can "
            "make: run 'okno sync --machine' once with this version of Okno")
    for pragma in ("synchronous = FULL", "journal_size_limit = 67108864", "cache_size = -32000"):
        db.conn.execute(f"PRAGMA {SCHEMA}.{pragma}")
    if writable and writer:
        writable = _probe_write(db)
    return writable


def _probe_write(db: Database) -> bool:
    """Whether SQLite may really write the attached file: permission bits do not tell
    everything (Windows ACLs, read-only mounts). SQLite refuses a read-only file before it
    asks for the lock, so the probe never waits for another writer."""
    conn = db.conn
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN")
        try:
            conn.execute(f"UPDATE {SCHEMA}.meta SET value = value WHERE 0")
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or getattr(exc, "sqlite_errorcode", 0) & 0xFF == 8:
            return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return True


def _attach_file(db: Database, path: Path, writable: bool) -> int | None:
    """ATTACH and read the schema version; None (detached again) when it cannot be read."""
    conn = db.conn
    mode = "rw" if writable else "ro"
    conn.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (f"{path.resolve().as_uri()}?mode={mode}",))
    try:
        conn.execute(f"SELECT count(*) FROM {SCHEMA}.sqlite_master").fetchone()
        return int(conn.execute(f"PRAGMA {SCHEMA}.user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        conn.execute(f"DETACH DATABASE {SCHEMA}")
        from desktop.store.db import corruption_error, is_corruption

        if is_corruption(exc):
            raise corruption_error(path, exc) from None
        return None


def _attach_empty(db: Database) -> bool:
    """An empty in-memory catalog for a user who cannot read or create the shared one."""
    db.conn.execute(f"ATTACH DATABASE ':memory:' AS {SCHEMA}")
    scratch = Database(memory=True)
    scratch.conn.isolation_level = None
    with write_transaction(scratch):
        for version in sorted(CATALOG_STEPS):  # the catalog tables as the shared file has them
            MIGRATIONS[version - 1](scratch)
    for (sql,) in scratch.conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'resources_fts_%' "
        "AND name != 'sync_log' ORDER BY rowid"
    ).fetchall():
        db.conn.execute(sql.replace("CREATE TABLE ", f"CREATE TABLE {SCHEMA}.", 1)
                        .replace("CREATE VIRTUAL TABLE ", f"CREATE VIRTUAL TABLE {SCHEMA}.", 1)
                        .replace("CREATE INDEX ", f"CREATE INDEX {SCHEMA}.", 1))
    db.conn.execute(f"INSERT INTO {SCHEMA}.meta (key, value) VALUES ('generation', '0')")
    scratch.close()
    return False


def uri_connection(path: Path, *, create: bool) -> sqlite3.Connection:
    """A connection with URI filenames enabled, so a shared file can be attached read-only."""
    mode = "rwc" if create else "rw"
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
