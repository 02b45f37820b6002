"""Opening the database file: safety checks, pragmas, and the write transaction helper.

>>> from pathlib import Path; import tempfile
>>> db = open_writer(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> with write_transaction(db):
...     _ = db.execute("CREATE TABLE t(x)")
>>> db.close()
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from desktop.store.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
# SQLite result codes meaning "this file is not a (healthy) database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def utc_now() -> str:
    """ISO-8601 UTC timestamp with microseconds, so rows added in a burst still sort."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite gets a chance to touch it.

    An empty file is fine: SQLite treats it as a new database.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot read the database file {path}: {exc.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not an Okno database (not an SQLite file); it was left untouched. "
            "Move it away or choose another data folder."
        )


def is_corruption(exc: BaseException) -> bool:
    """True for "file is not a database" / "database disk image is malformed"."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError


def corruption_error(path: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"{path} is damaged or is not an Okno database ({exc}); it was left untouched. "
        "Restore it from a backup or choose another data folder."
    )


def _probe(db: Database, path: Path) -> None:
    """Read the schema once, so a damaged file fails here, before any write."""
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        db.close()
        if is_corruption(exc):
            raise corruption_error(path, exc) from None
        raise StoreError(f"cannot open the database {path}: {exc}") from None


def open_writer(path: Path, *, uri: bool = False) -> Database:
    """The one read-write connection (creates the file; the caller migrates it next).

    ``uri=True`` enables URI filenames, so that a shared file can be attached read-only.

    WAL lets the UI's reader see a consistent snapshot while sync writes; synchronous=FULL
    because "saved" must survive a power cut in a village school.
    """
    check_header(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if uri:
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rwc", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        db = Database(conn, execute_plugins=False)
    else:
        db = Database(path, execute_plugins=False)
    # Transactions are explicit (write_transaction); no implicit BEGIN behind our back.
    db.conn.isolation_level = None
    _probe(db, path)
    return db


def configure_writer(db: Database) -> None:
    """Pragmas for the writer; run after the version check so a refused file stays as is."""
    db.enable_wal()
    for pragma in (
        "synchronous = FULL",
        "foreign_keys = ON",
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        "temp_store = MEMORY",
        "cache_size = -32000",  # 32 MB: a full catalog sync touches many index pages
        # A catalog page rewrites megabytes of index pages; checkpointing every 32 MB
        # instead of every 4 MB copies each of them to the database file once, not per page.
        "wal_autocheckpoint = 8000",
        "journal_size_limit = 67108864",  # and the WAL shrinks back to 64 MB after
    ):
        db.execute(f"PRAGMA {pragma}")


def open_reader_db(path: Path) -> Database:
    """A read-intent connection for the UI thread: never creates the file, cannot write."""
    check_header(path)
    if not path.exists():
        raise StoreError(f"there is no Okno database at {path} yet")
    uri = path.resolve().as_uri() + "?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from None
    conn.isolation_level = None
    db = Database(conn, execute_plugins=False)
    _probe(db, path)
    # query_only rather than mode=ro: a read-only WAL connection cannot create the -shm
    # file, and would fail whenever the writer is not running.
    for pragma in ("query_only = ON", f"busy_timeout = {BUSY_TIMEOUT_MS}", "cache_size = -32000"):
        db.execute(f"PRAGMA {pragma}")
    return db


@contextlib.contextmanager
def write_transaction(db: Database, lock: str | None = None) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls everything back.

    ``lock="library"`` (a connection with attached files) takes the write lock of that
    schema only, where BEGIN IMMEDIATE would lock every attached file.
    """
    conn = db.conn
    if conn.in_transaction:
        raise StoreError("internal error: nested write transaction")
    if lock is None:
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn.execute("BEGIN")
        try:  # a write statement takes that file's write lock (waiting as busy_timeout says)
            conn.execute(f"UPDATE {lock}.meta SET value = value WHERE 0")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
