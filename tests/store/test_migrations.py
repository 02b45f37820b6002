"""Opening, creating and migrating the database file; refusing files we must not touch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.store import Store, StoreError, open_reader
from desktop.store import migrations as migrations_module
from desktop.store.migrations import SCHEMA_VERSION
from tests.store.factories import resource_data


def _pragma(store: Store, name: str):
    return store.db.execute(f"PRAGMA {name}").fetchone()[0]


def test_fresh_database_is_created_migrated_and_configured(db_path: Path) -> None:
    store = Store(db_path)
    try:
        assert _pragma(store, "user_version") == SCHEMA_VERSION
        assert _pragma(store, "journal_mode") == "wal"
        assert _pragma(store, "synchronous") == 2  # FULL
        assert _pragma(store, "foreign_keys") == 1
        assert _pragma(store, "busy_timeout") > 0
        tables = set(store.db.table_names())
        assert {"meta", "cursors", "collections", "resources", "resource_facets",
                "facet_values", "tombstones", "downloads", "files_cache", "sync_log",
                "resources_fts"} <= tables
        assert store.cursor("catalog") == 0 and store.portal_id() is None
        assert store.check_integrity() == []
    finally:
        store.close()


def test_reopen_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    from tests.store.factories import rec

    store = Store(db_path)
    store.apply_page("catalog", [rec(resource_data("r1", "Фотосинтез"), 3)], 3, "p")
    store.close()
    store = Store(db_path)
    try:
        assert _pragma(store, "user_version") == SCHEMA_VERSION
        assert store.cursor("catalog") == 3 and store.portal_id() == "p"
        assert store.get_resource("r1")["title"] == "Фотосинтез"
        assert len(store.search("фотосинтез")) == 1
    finally:
        store.close()


def test_database_from_a_newer_okno_is_refused_and_left_alone(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")  # so the file alone is the database
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="created by a newer Okno"):
        Store(db_path)
    with pytest.raises(StoreError, match="created by a newer Okno"):
        open_reader(db_path)
    assert db_path.read_bytes() == before
    assert not Path(f"{db_path}-wal").exists()


@pytest.mark.parametrize("content", [
    b"this is a text file, not a database\n" * 20,
    b"\x00\x01\x02garbage" * 500,
])
def test_garbage_file_is_refused_and_untouched(db_path: Path, content: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(StoreError, match="not an Okno database"):
        Store(db_path)
    with pytest.raises(StoreError, match="not an Okno database"):
        open_reader(db_path)
    assert db_path.read_bytes() == content
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def test_damaged_sqlite_file_is_refused_and_untouched(db_path: Path) -> None:
    Store(db_path).close()
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # keep the header, wreck the schema page
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged or is not an Okno database"):
        Store(db_path)
    assert db_path.read_bytes() == bytes(data)


def test_failed_migration_rolls_back_entirely(db_path: Path, monkeypatch) -> None:
    Store(db_path).close()

    def broken(db) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("power cut in the middle of a migration")

    monkeypatch.setattr(migrations_module, "MIGRATIONS", [*migrations_module.MIGRATIONS, broken])
    monkeypatch.setattr(migrations_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        Store(db_path)
    monkeypatch.undo()
    store = Store(db_path)
    try:
        assert _pragma(store, "user_version") == SCHEMA_VERSION
        assert "half_done" not in store.db.table_names()
    finally:
        store.close()


def test_reader_needs_an_existing_migrated_database(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    with pytest.raises(StoreError, match="no Okno database"):
        open_reader(missing)
    assert not missing.exists()
    blank = tmp_path / "blank.sqlite3"
    sqlite3.connect(blank).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(StoreError, match="not ready yet"):
        open_reader(blank)
