"""Schema migrations: ordered functions keyed by ``PRAGMA user_version``.

Each migration runs in its own transaction together with the ``user_version`` bump, so a
power cut leaves the database either before or after a step, never in between. Migrations
are frozen history: to change the schema, append a function; never edit a shipped one.

>>> from pathlib import Path; import tempfile
>>> from desktop.store.db import open_writer
>>> db = open_writer(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> migrate(db)
2
>>> db.close()
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from desktop.store.community_payloads import v_community_payloads
from desktop.store.community_schema import v2_community
from desktop.store.consultations_schema import v_consultations
from desktop.store.courses_schema import v_courses
from desktop.store.db import write_transaction
from desktop.store.downloads_schema import v_download_error_codes
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
        # List fields are JSON text.
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
            title_sort TEXT NOT NULL
        )""",
        "CREATE INDEX resources_title_sort ON resources (title_sort)",
        # Serving other replicas later reads "everything after seq N".
        "CREATE INDEX resources_seq ON resources (seq)",
        # Contentless: it indexes stemmed text computed in Python (text.py) and stores none
        # of it, which keeps the database a third smaller than an external-content table
        # with the terms stored alongside. A row is removed by giving its terms back
        # ('delete' command), recomputed from the resource's stored fields.
        """CREATE VIRTUAL TABLE resources_fts USING fts5 (
            title_terms, body_terms,
            content = '',
            tokenize = 'unicode61 remove_diacritics 2'
        )""",
        # Merge index segments 16 at a time rather than 4: a full catalog sync rewrites each
        # term's postings fewer times (~15% faster apply), for a slightly slower query.
        "INSERT INTO resources_fts (resources_fts, rank) VALUES ('automerge', 16)",
        # Facet values are interned: resource_facets holds two integers per row, which makes
        # it and its index less than half the size of (facet, value) text and lets counts
        # group on integers. facet is subject|grade|type|collection, or 'downloaded' (value
        # '1': every file of the resource is in files_cache). n is the number of resources
        # with the value, kept in step by facets.py, for the unfiltered counts.
        """CREATE TABLE facet_values (
            id INTEGER PRIMARY KEY,
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            UNIQUE (facet, value)
        )""",
        # The primary key serves "facets of these resources" (counting), the index
        # "resources with this value" (filtering).
        """CREATE TABLE resource_facets (
            res INTEGER NOT NULL REFERENCES resources (rowid) ON DELETE CASCADE,
            value_id INTEGER NOT NULL REFERENCES facet_values (id),
            PRIMARY KEY (res, value_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX resource_facets_value ON resource_facets (value_id, res)",
        # Which resources hold a file (space-separated sha256s), so a finished download can
        # flip their 'downloaded' facet. Deliberately not indexed by sha256: random keys
        # would add ~0.8 MB of rewritten index pages to every catalog page applied, while
        # the lookup (once per downloaded file) scans this narrow table in milliseconds.
        """CREATE TABLE resource_files (
            res INTEGER PRIMARY KEY REFERENCES resources (rowid) ON DELETE CASCADE,
            shas TEXT NOT NULL
        )""",
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


MIGRATIONS: list[Callable[[Database], None]] = [_v1_initial, v2_community, v_courses,
                                                 v_consultations, v_download_error_codes,
                                                 v_community_payloads]
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
