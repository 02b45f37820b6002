"""Migration 2 upgrades a catalog-only (version 1) portal database in place."""

from __future__ import annotations

from sqlalchemy import insert, select

from portal import db
from portal.catalog import PortalStore
from portal.community import CommunityStore
from tests.portal.factories import resource


def test_a_version_1_database_gains_the_community(tmp_path, empty_database):
    engine = db.open_engine(empty_database)
    with db.write_transaction(engine) as conn:
        db.schema_version.create(conn)
        db.MIGRATIONS[0](conn)
        conn.execute(insert(db.schema_version).values(version=1, applied_at=db.utc_now()))
    engine.dispose()
    with PortalStore.open(tmp_path / "portal", empty_database) as store:  # migrates on open
        store.publish_resource(resource("r-1"))
        with store.engine.connect() as conn:
            assert db.current_version(conn) == len(db.MIGRATIONS)
            names = set(conn.execute(select(db.streams.c.name)).scalars())
        assert {"catalog", "directory"} <= names
        user = CommunityStore(store.engine).add_user("anna", "Анна", user_id="u-anna")
        assert store.stream_state(f"user:{user.id}") == (0, 0)
        assert store.head("directory") == 1
        assert store.head("catalog") == 1
