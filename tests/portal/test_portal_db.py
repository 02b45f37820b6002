"""Schema, migrations and seq allocation on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from portal import db
from portal.catalog import PortalStore
from tests.portal.factories import resource


def test_migrations_run_once_and_record_their_version(empty_database):
    engine = db.open_engine(empty_database)
    assert db.migrate(engine) == len(db.MIGRATIONS)
    assert db.migrate(engine) == len(db.MIGRATIONS)
    with engine.connect() as conn:
        versions = conn.execute(select(db.schema_version.c.version)).scalars().all()
    assert versions == list(range(1, len(db.MIGRATIONS) + 1))
    engine.dispose()


def test_portal_id_is_created_once(tmp_path, empty_database):
    with PortalStore.open(tmp_path, empty_database) as first:
        pid = first.portal_id
    with PortalStore.open(tmp_path, empty_database) as again:
        assert again.portal_id == pid
    assert len(pid) == 32


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    engine = db.open_engine(tmp_path / "p.sqlite3")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_allocate_seqs_reserves_consecutive_numbers(store):
    with db.write_transaction(store.engine) as conn:
        assert db.allocate_seqs(conn, "catalog") == 1
        assert db.allocate_seqs(conn, "catalog", 10) == 2
        assert db.allocate_seqs(conn, "catalog") == 12
    assert store.head() == 12


def test_allocation_rolls_back_with_its_transaction(store):
    with pytest.raises(RuntimeError), db.write_transaction(store.engine) as conn:
        db.allocate_seqs(conn, "catalog", 5)
        raise RuntimeError("writer failed")
    assert store.head() == 0


def test_unknown_stream_cannot_allocate(store):
    with pytest.raises(ValueError, match="unknown stream"), \
            db.write_transaction(store.engine) as conn:
        db.allocate_seqs(conn, "nope")


def test_concurrent_writers_commit_in_seq_order(store):
    """Readers never see a seq before every smaller seq is visible: cursor order is commit
    order, so a client that stores a cursor can never skip a change."""
    writers, per_writer = 4, 25
    seen_gap: list[list[int]] = []
    done = threading.Event()

    def write(w: int) -> None:
        for i in range(per_writer):
            store.publish_resource(resource(f"w{w}-{i}"))

    def read() -> None:
        while not done.is_set():
            seqs = [c.seq for c in store.changes_since("catalog", 0, 10_000)]
            if seqs != list(range(1, len(seqs) + 1)):
                seen_gap.append(seqs)

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert not seen_gap
    assert store.head() == writers * per_writer
