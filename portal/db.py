"""Portal database: SQLAlchemy Core tables, the engine factory and ordered migrations.

SQLite file by default, PostgreSQL later: everything here is portable Core; the only
SQLite-specific statements (pragmas, ``BEGIN IMMEDIATE``) are installed for that dialect only.

>>> engine = open_engine("/tmp/portal/portal.sqlite3")
>>> migrate(engine)
2
>>> with write_transaction(engine) as conn:
...     seq = allocate_seqs(conn, "catalog")
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)

from protocol.community import DIRECTORY_STREAM
from protocol.wire import CATALOG_STREAM

ID_LEN = 100  # protocol.wire.MAX_ID
STAMP_LEN = 40

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", String(STAMP_LEN), nullable=False),
)

streams = Table(
    "streams", metadata,
    Column("name", String(50), primary_key=True),
    # Highest seq ever allocated in the stream; the row lock on it serializes writers.
    Column("last_seq", BigInteger, nullable=False, default=0),
    # Tombstones at or below this seq may have been purged: older cursors must resync.
    Column("horizon_seq", BigInteger, nullable=False, default=0),
)

collections = Table(
    "collections", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("parent_id", String(ID_LEN), nullable=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

resources = Table(
    "resources", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("authors", Text, nullable=False),  # JSON list of strings
    Column("subjects", Text, nullable=False),  # JSON list of strings
    Column("grades", Text, nullable=False),  # JSON list of ints
    Column("type", String(40), nullable=False),
    Column("language", String(10), nullable=False),
    Column("license", Text, nullable=False),
    Column("keywords", Text, nullable=False),  # JSON list of strings
    Column("collections", Text, nullable=False),  # JSON list of collection ids
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
    Column("version", Integer, nullable=False),
)

files = Table(
    "files", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("mime", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
)

resource_files = Table(
    "resource_files", metadata,
    Column("resource_id", String(ID_LEN), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("resource_id", "position"),
)

changelog = Table(
    "changelog", metadata,
    Column("stream", String(50), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("entity_id", String(ID_LEN), nullable=False),
    Column("seq", BigInteger, nullable=False),
    # Kept on tombstones too, so a re-created entity continues above the version clients hold.
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("payload", Text, nullable=True),  # the exact JSON `d` object; NULL for tombstones
    Column("changed_at", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("stream", "kind", "entity_id"),
    Index("changelog_stream_seq", "stream", "seq", unique=True),
)

# ---- community (migration 2) --------------------------------------------------------------------
# Entity state lives in these tables; what clients receive is the change log's payload, built
# from them in the same transaction (see portal.community.records).

users = Table(
    "users", metadata,
    Column("id", String(ID_LEN), primary_key=True),  # server-made, short: names "user:<id>"
    Column("login", String(100), nullable=False, unique=True),  # stored lower-cased
    Column("display_name", String(200), nullable=False),
    Column("school", Text, nullable=False),
    Column("municipality", String(200), nullable=False),
    Column("region", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=True),  # NULL: cannot sign in with a password
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex; the token is never stored
    Column("user_id", String(ID_LEN), nullable=False, index=True),
    Column("device_name", String(200), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("last_used", String(STAMP_LEN), nullable=False),
    Column("revoked", String(STAMP_LEN), nullable=True),  # when; NULL while valid
)

signin_failures = Table(
    "signin_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(100), nullable=False),
    Column("at", BigInteger, nullable=False),  # unix seconds, server clock
    Index("signin_failures_login_at", "login", "at"),
)

associations = Table(
    "associations", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("visibility", String(20), nullable=False),
    Column("parent_id", String(ID_LEN), nullable=True),
    Column("region", String(200), nullable=False),
    Column("municipality", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

memberships = Table(
    "memberships", metadata,
    Column("association_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("association_id", "user_id"),
    Index("memberships_user", "user_id"),
)

forums = Table(
    "forums", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("association_id", String(ID_LEN), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

threads = Table(
    "threads", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("association_id", String(ID_LEN), nullable=False),
    Column("forum_id", String(ID_LEN), nullable=False, index=True),
    Column("author_id", String(ID_LEN), nullable=False),
    Column("title", Text, nullable=False),
    Column("first_post_id", String(ID_LEN), nullable=False),
    Column("post_count", Integer, nullable=False),  # also the number of the last post
    Column("last_post_at", String(STAMP_LEN), nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("pinned", Boolean, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

posts = Table(
    "posts", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("thread_id", String(ID_LEN), nullable=False),
    Column("forum_id", String(ID_LEN), nullable=False),  # denormalized from the thread
    Column("association_id", String(ID_LEN), nullable=False),
    Column("author_id", String(ID_LEN), nullable=False, index=True),
    Column("number", Integer, nullable=False),  # 1, 2, ... within the thread
    Column("body_md", Text, nullable=False),  # raw Markdown; rendering is the client's job
    Column("revision", Integer, nullable=False),  # 1 + number of author edits
    # The record version at which the author-owned fields last changed: an edit based on
    # this version or a later one does not conflict (reactions and moderation bump the
    # record version without touching the author's text).
    Column("body_version", Integer, nullable=False),
    Column("edited", String(STAMP_LEN), nullable=True),
    Column("useful", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("hidden", Boolean, nullable=False),
    Column("hidden_reason", Text, nullable=True),
    Column("removed", Boolean, nullable=False),
    Column("removed_reason", Text, nullable=True),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
    Index("posts_thread_number", "thread_id", "number", unique=True),
)

post_revisions = Table(
    "post_revisions", metadata,
    Column("post_id", String(ID_LEN), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("body_md", Text, nullable=False),
    Column("author_id", String(ID_LEN), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("op_id", String(ID_LEN), nullable=True),
    PrimaryKeyConstraint("post_id", "revision"),
)

reactions = Table(
    "reactions", metadata,
    Column("post_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("kind", String(20), nullable=False),  # "useful" (the only one in version 1)
    Column("created", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("post_id", "user_id", "kind"),
)

follows = Table(
    "follows", metadata,
    Column("user_id", String(ID_LEN), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_id", String(ID_LEN), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("user_id", "target_kind", "target_id"),
)

read_positions = Table(
    "read_positions", metadata,
    Column("user_id", String(ID_LEN), nullable=False),
    Column("thread_id", String(ID_LEN), nullable=False),
    Column("post_id", String(ID_LEN), nullable=False),
    Column("number", Integer, nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("user_id", "thread_id"),
)

applied_ops = Table(
    "applied_ops", metadata,
    # Recorded in the same transaction as the op's effect: a repeat finds it and gets the
    # stored result instead of a second effect.
    Column("op_id", String(ID_LEN), primary_key=True),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("type", String(40), nullable=False),
    Column("result", Text, nullable=False),  # JSON of the op line (without "t")
    Column("created", String(STAMP_LEN), nullable=False),
)

COMMUNITY_TABLES = [users, tokens, signin_failures, associations, memberships, forums, threads,
                    posts, post_revisions, reactions, follows, read_positions, applied_ops]


def utc_now() -> str:
    """Server-clock timestamp, ISO-8601 UTC with a ``Z``: ``2025-01-31T12:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def database_url(url_or_path: str | Path) -> str:
    """``database_url("/d/p.sqlite3")`` -> ``sqlite:////d/p.sqlite3``; URLs pass through."""
    text = str(url_or_path)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_engine(url_or_path: str | Path) -> Engine:
    """Engine for a database URL or a SQLite file path (created with its parent directory).

    For SQLite: WAL, busy_timeout, synchronous=NORMAL, foreign keys, and explicit ``BEGIN``
    so that :func:`write_transaction` can take the write lock up front.
    """
    url = database_url(url_or_path)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, pool_size=8, max_overflow=16)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN instead of pysqlite's implicit one.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY
        # instead of waiting; writers therefore take the lock when they begin.
        immediate = conn.get_execution_options().get("okno_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: ``BEGIN IMMEDIATE`` on SQLite, plain BEGIN elsewhere."""
    with engine.execution_options(okno_write=True).begin() as conn:
        yield conn


def allocate_seqs(conn: Connection, stream: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive seqs in ``stream``; returns the first one.

    Must run inside the transaction that writes the changes: the UPDATE locks the stream's
    row until commit, so writers are serialized and cursor order equals commit order.
    """
    result = conn.execute(
        update(streams).where(streams.c.name == stream)
        .values(last_seq=streams.c.last_seq + count)
    )
    if result.rowcount != 1:
        raise ValueError(f"unknown stream {stream!r}")
    last = conn.execute(select(streams.c.last_seq).where(streams.c.name == stream)).scalar_one()
    return last - count + 1


def _v1_initial_schema(conn: Connection) -> None:
    metadata.create_all(conn, tables=[
        meta, streams, collections, resources, files, resource_files, changelog,
    ])
    conn.execute(insert(meta).values(key="portal_id", value=uuid.uuid4().hex))
    conn.execute(insert(streams).values(name=CATALOG_STREAM, last_seq=0, horizon_seq=0))


def _v2_community(conn: Connection) -> None:
    """Accounts, associations, forums, ops; the ``directory`` stream. Per-association and
    per-user streams get their ``streams`` row when the association or user is created."""
    metadata.create_all(conn, tables=COMMUNITY_TABLES)
    conn.execute(insert(streams).values(name=DIRECTORY_STREAM, last_seq=0, horizon_seq=0))


# Ordered, append-only: migration N is MIGRATIONS[N - 1]. Never edit a released step;
# add a new one (ALTERs written in Core) and update the Table definitions above to match.
MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1_initial_schema,
    _v2_community,
]


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, schema_version.name):
        return 0
    return conn.execute(select(func.max(schema_version.c.version))).scalar() or 0


def migrate(engine: Engine) -> int:
    """Apply pending migrations, each in its own transaction; returns the schema version."""
    with write_transaction(engine) as conn:
        # Two processes starting at once: the write lock (SQLite) or the unique version
        # (PostgreSQL) stops the second one from running a step twice.
        schema_version.create(conn, checkfirst=True)
    version = 0
    for number, step in enumerate(MIGRATIONS, start=1):
        with write_transaction(engine) as conn:
            version = current_version(conn)
            if version >= number:
                continue
            step(conn)
            conn.execute(insert(schema_version).values(version=number, applied_at=utc_now()))
            version = number
    return version


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Portable upsert of one meta key (delete + insert, inside the caller's transaction)."""
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(insert(meta).values(key=key, value=value))
