"""Schema step 2: the community replica, the outbox and drafts.

Frozen history like every migration: change the schema by appending a new step.
"""

from __future__ import annotations

from sqlite_utils import Database

_STATEMENTS = [
    # Directory stream: every association (private ones by name), their forums, profiles.
    """CREATE TABLE associations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        visibility TEXT NOT NULL,
        parent_id TEXT,
        region TEXT NOT NULL DEFAULT '',
        municipality TEXT NOT NULL DEFAULT '',
        topic TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE forums (
        id TEXT PRIMARY KEY,
        association_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0,
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX forums_by_association ON forums (association_id, position)",
    """CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        school TEXT NOT NULL DEFAULT '',
        municipality TEXT NOT NULL DEFAULT '',
        region TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT 'member',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    # Association streams. Rows written offline have version 0 and local = 1 until the
    # portal's record (version >= 1) replaces them. rowid is explicit: the search index and
    # the UI's lazy lists key on it.
    """CREATE TABLE threads (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        association_id TEXT NOT NULL,
        forum_id TEXT NOT NULL,
        author_id TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        first_post_id TEXT NOT NULL DEFAULT '',
        post_count INTEGER NOT NULL DEFAULT 0,
        last_post_at TEXT NOT NULL DEFAULT '',
        locked INTEGER NOT NULL DEFAULT 0,
        pinned INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        local INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX threads_by_forum ON threads (forum_id, pinned, last_post_at)",
    "CREATE INDEX threads_by_association ON threads (association_id)",
    # local_body_md: the author's offline edit, shown instead of body_md until the portal
    # confirms it (a page arriving meanwhile must not hide the user's unsent text), and
    # kept after a conflict so both versions can be shown.
    """CREATE TABLE posts (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        thread_id TEXT NOT NULL,
        forum_id TEXT NOT NULL DEFAULT '',
        association_id TEXT NOT NULL,
        author_id TEXT NOT NULL DEFAULT '',
        number INTEGER,
        body_md TEXT NOT NULL DEFAULT '',
        local_body_md TEXT,
        revision INTEGER NOT NULL DEFAULT 1,
        edited TEXT,
        useful INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0,
        hidden_reason TEXT,
        removed INTEGER NOT NULL DEFAULT 0,
        removed_reason TEXT,
        created TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        local INTEGER NOT NULL DEFAULT 0
    )""",
    # Unsent posts have no number yet: they sort after the numbered ones, by rowid.
    "CREATE INDEX posts_by_thread ON posts (thread_id, number)",
    "CREATE INDEX posts_by_association ON posts (association_id)",
    # The user's private stream.
    """CREATE TABLE memberships (
        association_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE follows (
        id TEXT PRIMARY KEY,
        target_kind TEXT NOT NULL,
        target_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE read_positions (
        thread_id TEXT PRIMARY KEY,
        post_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE reactions (
        post_id TEXT PRIMARY KEY,
        useful INTEGER NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    # The outbox. local_order (AUTOINCREMENT: never reused, even after deletes) is the only
    # order ops are sent in; the client's clock orders nothing. `created` is for display.
    """CREATE TABLE outbox (
        local_order INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL UNIQUE,
        -- Op ids are per user on the portal: an op is only ever sent with its author's
        -- token, never as whoever signs in next on this computer.
        user_id TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        base_version INTEGER,
        depends_on TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'applied', 'duplicate', 'conflict', 'rejected')),
        result TEXT,
        reason TEXT,
        message TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )""",
    "CREATE INDEX outbox_by_state ON outbox (state, local_order)",
    # Drafts are local only (autosave of the compose box), keyed by what they answer.
    """CREATE TABLE drafts (
        key TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        body_md TEXT NOT NULL DEFAULT '',
        updated TEXT NOT NULL
    )""",
    # Discussion search: stems of post bodies (rowid = 2 * posts.rowid) and thread titles
    # (rowid = 2 * threads.rowid + 1). Not contentless: a row is removed by rowid alone,
    # without recomputing the terms it held.
    """CREATE VIRTUAL TABLE discussion_fts USING fts5 (
        terms,
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
]


def v2_community(db: Database) -> None:
    for sql in _STATEMENTS:
        db.execute(sql)
