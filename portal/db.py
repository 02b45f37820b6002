"""Portal database: SQLAlchemy Core tables, the engine factory and ordered migrations.

SQLite file by default, PostgreSQL at scale (``postgresql://`` URLs use psycopg 3): everything
here is portable Core; the only dialect-specific statements (SQLite's pragmas and ``BEGIN
IMMEDIATE``, PostgreSQL's writer advisory lock) are installed for their dialect only.

>>> engine = open_engine("/tmp/portal/portal.sqlite3")
>>> migrate(engine)
2
>>> with write_transaction(engine) as conn:
...     seq = allocate_seqs(conn, "catalog")
"""

from __future__ import annotations

import threading
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
SQLITE_BUSY_SECONDS = 15.0
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

# ---- operations (rate limits, moderation queue) -------------------------------------------------

rate_counters = Table(
    "rate_counters", metadata,
    # One fixed window per key (a token digest): kept in the database so that every portal
    # process counts against the same budget.
    Column("key", String(100), primary_key=True),
    Column("window", BigInteger, nullable=False),  # unix seconds // window length
    Column("count", Integer, nullable=False),
)

post_flags = Table(
    "post_flags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(ID_LEN), nullable=False),
    Column("association_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),  # who flagged
    Column("reason", Text, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("status", String(20), nullable=False),  # open, hidden, restored, dismissed
    Column("resolved_by", String(200), nullable=True),
    Column("resolved_at", String(STAMP_LEN), nullable=True),
    Index("post_flags_status_post", "status", "post_id"),
    Index("post_flags_post_user", "post_id", "user_id"),
)

OPERATIONS_TABLES = [rate_counters, post_flags]


# ---- consultations, events, leaders (protocol/consultations.py) ----------------------------------

questions = Table(
    "questions", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("association_id", String(ID_LEN), nullable=False, index=True),
    Column("author_id", String(ID_LEN), nullable=False, index=True),
    Column("category", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("body_md", Text, nullable=False),
    Column("status", String(20), nullable=False),  # open | answered
    Column("answer_count", Integer, nullable=False),
    Column("accepted_answer_id", String(ID_LEN), nullable=True),
    Column("last_answer_at", String(STAMP_LEN), nullable=True),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("question_id", String(ID_LEN), nullable=False, index=True),
    Column("association_id", String(ID_LEN), nullable=False),
    Column("author_id", String(ID_LEN), nullable=False, index=True),
    Column("body_md", Text, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

events = Table(
    "events", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("association_id", String(ID_LEN), nullable=False, index=True),
    Column("author_id", String(ID_LEN), nullable=False),
    Column("kind", String(20), nullable=False),  # seminar | webinar | meeting
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("starts", String(STAMP_LEN), nullable=False),  # UTC
    Column("ends", String(STAMP_LEN), nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

event_marks = Table(
    "event_marks", metadata,
    Column("user_id", String(ID_LEN), nullable=False),
    Column("event_id", String(ID_LEN), nullable=False),
    Column("association_id", String(ID_LEN), nullable=False),
    Column("remind_minutes", Integer, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("user_id", "event_id"),
)

level_grants = Table(
    "level_grants", metadata,
    # A coordinator granted this member the top contribution level by hand.
    Column("association_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("granted_by", String(ID_LEN), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("association_id", "user_id"),
)

levels = Table(
    "levels", metadata,
    # The last published level record per member: a recompute writes only what changed.
    Column("association_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("level", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("sources", Text, nullable=False),  # JSON {source name: count}
    Column("modified", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("association_id", "user_id"),
)

CONSULTATION_TABLES = [questions, answers, events, event_marks, level_grants, levels]


# ---- bundles (USB) ------------------------------------------------------------------------------

device_keys = Table(
    "device_keys", metadata,
    # A desktop's Ed25519 public key, registered by the signed-in user: outbox bundles that
    # come back by USB are verified against it (portal/bundles.py).
    Column("fingerprint", String(64), primary_key=True),  # sha256 hex of the raw key
    Column("user_id", String(ID_LEN), nullable=False, index=True),
    Column("public_key", String(100), nullable=False),  # base64 of the 32 raw bytes
    Column("device_name", String(200), nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("revoked", String(STAMP_LEN), nullable=True),
)


def utc_now() -> str:
    """Server-clock timestamp, ISO-8601 UTC with a ``Z``: ``2025-01-31T12:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def database_url(url_or_path: str | Path) -> str:
    """``database_url("/d/p.sqlite3")`` -> ``sqlite:////d/p.sqlite3``; URLs pass through."""
    text = str(url_or_path)
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):  # psycopg 3 is the driver the portal installs
            return "postgresql+psycopg://" + text[len(plain):]
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
    if url.startswith("postgresql"):
        return _postgresql_engine(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, pool_size=8, max_overflow=16)
    engine.okno_writer_lock = threading.Lock()  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN instead of pysqlite's implicit one.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
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


# pg_advisory_xact_lock key of the portal's writer lock ("okno" in ASCII).
PG_WRITE_LOCK = 0x6F6B6E6F


def _postgresql_engine(url: str) -> Engine:
    """PostgreSQL: every :func:`write_transaction` first takes one transaction-scoped advisory
    lock, so writers run one at a time exactly as on SQLite (``BEGIN IMMEDIATE``) while
    readers never wait. The portal's writes are short; serializing them keeps every
    read-then-write (versions, "already applied?", counters) free of races in READ COMMITTED,
    and ``allocate_seqs``' row lock alone already keeps seq order equal to commit order."""
    engine = create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("okno_write", False) and options.get("okno_exclusive", True):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    return engine


@contextmanager
def write_transaction(engine: Engine, *, exclusive: bool = True) -> Iterator[Connection]:
    """A transaction that will write: ``BEGIN IMMEDIATE`` on SQLite, the writer advisory lock
    on PostgreSQL (see :func:`_postgresql_engine`).

    ``exclusive=False`` skips PostgreSQL's writer lock, for a hot transaction that allocates
    no seqs and guards its own read-then-write with row locks and unique keys (a rate
    counter); SQLite still takes its one write lock."""
    options = {"okno_write": True, "okno_exclusive": exclusive}
    lock: threading.Lock | None = getattr(engine, "okno_writer_lock", None)
    # SQLite: this process's writers queue on a lock (in arrival order) rather than on
    # SQLite's busy handler, whose growing sleeps gave some writers seconds of waiting;
    # other processes still meet at BEGIN IMMEDIATE. Bounded like busy_timeout.
    locked = lock.acquire(timeout=SQLITE_BUSY_SECONDS) if lock is not None else False
    try:
        with engine.execution_options(**options).begin() as conn:
            yield conn
    finally:
        if locked:
            assert lock is not None
            lock.release()


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


def _v3_operations(conn: Connection) -> None:
    """Per-token rate-limit counters and the moderation queue (flagged posts)."""
    metadata.create_all(conn, tables=OPERATIONS_TABLES)


def _v_consultations(conn: Connection) -> None:
    """Consultations (questions, answers), the association calendar, contribution levels."""
    metadata.create_all(conn, tables=CONSULTATION_TABLES)


def _v_courses(conn: Connection) -> None:
    """Courses, enrolments, progress, resource reviews and lesson sets."""
    from portal.community.course_schema import create_tables  # late: it builds on this module

    create_tables(conn)


def _bundle_device_keys(conn: Connection) -> None:
    """Device keys that sign outbox bundles carried by USB."""
    metadata.create_all(conn, tables=[device_keys])


# Ordered, append-only: migration N is MIGRATIONS[N - 1]. Never edit a released step;
# add a new one (ALTERs written in Core) and update the Table definitions above to match.
MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1_initial_schema,
    _v2_community,
    _v3_operations,
    _v_consultations,
    _v_courses,
    _bundle_device_keys,
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
