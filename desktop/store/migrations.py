"""Schema migrations: ordered functions keyed by ``PRAGMA user_version``.

Each migration runs in its own transaction together with the ``user_version`` bump, so a
power cut leaves the database either before or after a step, never in between. Migrations
are frozen history: to change the schema, append a function; never edit a shipped one.

>>> from pathlib import Path; import tempfile
>>> from desktop.store.db import open_writer
>>> db = open_writer(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> migrate(db)
1
>>> db.close()
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from desktop.store.db import write_transaction
from desktop.store.errors import StoreError


def _v1_initial(db: Database) -> None:
    statements = [
        # Small key/value facts: portal_id, generation (bumped on every catalog change so
        # readers can drop caches), text_version (rules that produced the search terms).
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
        """CREATE TABLE cursors (
            stream TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            portal_id TEXT,
            updated TEXT NOT NULL
        )""",
        """CREATE TABLE collections (
            id TEXT PRIMARY KEY,
            parent_id TEXT,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL DEFAULT '',
            modified TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL,
            seq INTEGER NOT NULL
        )""",
        # rowid is explicit so FTS, facets and the UI's lazy lists key on a stable integer.
        # List fields are JSON text. title_terms/body_terms hold the stemmed text that the
        # external-content FTS table indexes (and that its 'delete' command needs back).
        """CREATE TABLE resources (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '[]',
            subjects TEXT NOT NULL DEFAULT '[]',
            grades TEXT NOT NULL DEFAULT '[]',
            type TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT '',
            license TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '[]',
            collections TEXT NOT NULL DEFAULT '[]',
            files TEXT NOT NULL DEFAULT '[]',
            created TEXT NOT NULL DEFAULT '',
            modified TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            title_sort TEXT NOT NULL,
            title_terms TEXT NOT NULL DEFAULT '',
            body_terms TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX resources_title_sort ON resources (title_sort)",
        # Serving other replicas later reads "everything after seq N".
        "CREATE INDEX resources_seq ON resources (seq)",
        """CREATE VIRTUAL TABLE resources_fts USING fts5 (
            title_terms, body_terms,
            content = 'resources', content_rowid = 'rowid',
            tokenize = 'unicode61 remove_diacritics 2'
        )""",
        # One row per (resource, facet, value); facet is subject|grade|type|collection, or
        # 'downloaded' (value '1') when every file of the resource is in files_cache.
        # The primary key serves "facets of these resources", the index "resources with
        # this facet value".
        """CREATE TABLE resource_facets (
            res INTEGER NOT NULL REFERENCES resources (rowid) ON DELETE CASCADE,
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (res, facet, value)
        ) WITHOUT ROWID""",
        "CREATE INDEX resource_facets_value ON resource_facets (facet, value, res)",
        # Unfiltered counts per facet value, kept in step by facets.py, so the library's
        # opening screen (no query, no filter) needs no scan of 100,000 resources.
        """CREATE TABLE facet_totals (
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (facet, value)
        ) WITHOUT ROWID""",
        # Which resources hold a file: a finished download flips their 'downloaded' facet.
        """CREATE TABLE resource_files (
            res INTEGER NOT NULL REFERENCES resources (rowid) ON DELETE CASCADE,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (res, sha256)
        ) WITHOUT ROWID""",
        "CREATE INDEX resource_files_sha256 ON resource_files (sha256)",
        # Kept so this replica can later serve the change log (deletes included) to others.
        """CREATE TABLE tombstones (
            stream TEXT NOT NULL,
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (stream, kind, id)
        ) WITHOUT ROWID""",
        """CREATE TABLE downloads (
            sha256 TEXT PRIMARY KEY,
            resource_id TEXT NOT NULL,
            name TEXT NOT NULL,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('queued', 'downloading', 'paused', 'done', 'failed', 'cancelled')),
            bytes_done INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            added TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
        "CREATE INDEX downloads_state ON downloads (state, added)",
        # path is relative to Paths.files, so a data folder can move (USB, lab image).
        """CREATE TABLE files_cache (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            path TEXT NOT NULL,
            completed TEXT NOT NULL
        )""",
        """CREATE TABLE sync_log (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT NOT NULL,
            ok INTEGER NOT NULL,
            records INTEGER NOT NULL DEFAULT 0,
            bytes_wire INTEGER NOT NULL DEFAULT 0,
            round_trips INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}'
        )""",
        "INSERT INTO meta (key, value) VALUES ('generation', '0')",
    ]
    # One statement at a time: executescript() would COMMIT the migration's transaction.
    for sql in statements:
        db.execute(sql)


MIGRATIONS: list[Callable[[Database], None]] = [_v1_initial]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def newer_error(found: int) -> StoreError:
    return StoreError(
        f"this database was created by a newer Okno (schema version {found}; this version "
        f"understands up to {SCHEMA_VERSION}). Update Okno or choose another data folder."
    )


def check_not_newer(db: Database) -> int:
    """Return the file's schema version, refusing one this build cannot understand."""
    found = user_version(db)
    if found > SCHEMA_VERSION:
        raise newer_error(found)
    return found


def migrate(db: Database) -> int:
    """Bring the schema up to ``SCHEMA_VERSION``; returns the version now in the file."""
    current = check_not_newer(db)
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with write_transaction(db):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if user_version(db) >= version:
                continue
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return user_version(db)
