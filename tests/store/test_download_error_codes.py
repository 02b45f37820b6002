"""A failed download keeps its error category (for the UI's language), in both layouts: one
file (single user) and a lab, where the queue lives in the shared library file. Existing
files gain the columns by migration and their old rows keep working."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.store import Store, open_reader
from desktop.store import library as library_module
from desktop.store import migrations as migrations_module
from desktop.store.db import configure_writer, open_writer
from desktop.store.downloads_schema import v_download_error_codes
from desktop.store.library import CATALOG_STEPS, FILE_NAME, migrate_library
from desktop.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from desktop.store.types import SyncRecord
from tests.store.factories import file_data, rec, resource_data

A = file_data("a", size=100)
STEP = MIGRATIONS.index(v_download_error_codes) + 1  # this schema step's version
BEFORE = STEP - 1
OLD_ROW = ("ab" * 32, "r-old", "урок.pdf", "application/pdf", 10, "failed", 3,
           "The connection was cut.", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z")


def _publish(store: Store) -> None:
    store.apply_page("catalog", [rec(resource_data("r1", "Дроби", files=[A]), 1)], 1, "p")
    store.enqueue_resource_files("r1")


def _fail(store: Store) -> None:
    store.update_download(A["sha256"], state="failed", error="Cannot reach the portal at x.",
                          error_code="unreachable", error_params={"url": "http://x"})


def _insert_old_row(path: Path) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT INTO downloads (sha256, resource_id, name, mime, size, state, "
                   "bytes_done, error, added, updated) VALUES (?,?,?,?,?,?,?,?,?,?)", OLD_ROW)
    db.close()


def test_the_step_is_a_catalog_step_wherever_it_sits_in_the_list() -> None:
    assert STEP in CATALOG_STEPS and 1 in CATALOG_STEPS


def test_failure_category_is_stored_and_cleared(tmp_path: Path) -> None:
    with Store(tmp_path / "okno.sqlite3") as store:
        _publish(store)
        _fail(store)
        item = store.download_queue()[0]
        assert (item.state, item.error_code, item.error_params) == (
            "failed", "unreachable", {"url": "http://x"})
        # A retry starts clean; an error without a category (old callers) stores none.
        store.update_download(A["sha256"], state="queued")
        assert store.download_queue()[0].error_code == ""
        store.update_download(A["sha256"], state="failed", error="something")
        item = store.download_queue()[0]
        assert (item.error, item.error_code, item.error_params) == ("something", "", {})
        _fail(store)
        store.enqueue_resource_files("r1")  # queued again from the resource page
        assert store.download_queue()[0].error_code == ""
        _fail(store)
        store.mark_file_cached(A["sha256"], 100, "ab/x")
        item = store.download_queue()[0]
        assert (item.state, item.error, item.error_code, item.error_params) == (
            "done", "", "", {})


def test_single_user_file_from_before_the_step_migrates_and_keeps_old_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "okno.sqlite3"
    db = open_writer(path)
    configure_writer(db)
    monkeypatch.setattr(migrations_module, "SCHEMA_VERSION", BEFORE)
    assert migrate(db) == BEFORE
    monkeypatch.undo()
    db.close()
    _insert_old_row(path)
    with Store(path) as store:
        old = store.download_queue()[0]
        assert (old.error, old.error_code, old.error_params) == (OLD_ROW[7], "", {})
        _publish(store)
        _fail(store)
        assert [i.error_code for i in store.download_queue()] == ["", "unreachable"]
        assert store.check_integrity() == []
    with open_reader(path) as reader:
        assert [i.error_code for i in reader.download_queue()] == ["", "unreachable"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_lab_files_from_before_the_step_migrate_where_the_queue_lives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared file gets the columns; the personal file (no queue) skips the step."""
    mine, lib = tmp_path / "me" / "okno.sqlite3", tmp_path / "shared" / FILE_NAME
    monkeypatch.setattr(library_module, "SCHEMA_VERSION", BEFORE)
    monkeypatch.setattr(library_module, "CATALOG_STEPS",
                        frozenset(v for v in CATALOG_STEPS if v <= BEFORE))
    monkeypatch.setattr(migrations_module, "SCHEMA_VERSION", BEFORE)
    Store(mine, library=lib).close()  # both files as the previous Okno left them
    monkeypatch.undo()
    for path in (mine, lib):
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == BEFORE
        db.close()
    _insert_old_row(lib)
    with Store(mine, library=lib) as store:
        old = store.download_queue()[0]
        assert (old.error, old.error_code) == (OLD_ROW[7], "")
        _publish(store)
        _fail(store)
        assert [i.error_code for i in store.download_queue()] == ["", "unreachable"]
        assert store.check_integrity() == []
    with open_reader(mine, library=lib) as reader:
        assert [i.error_params for i in reader.download_queue()] == [{}, {"url": "http://x"}]
    db = sqlite3.connect(lib)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT error_code FROM downloads ORDER BY rowid").fetchall() == [
        ("",), ("unreachable",)]
    db.close()
    db = sqlite3.connect(mine)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'downloads'").fetchone()
    db.close()


def test_shared_file_migration_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlite_utils import Database

    db = Database(tmp_path / FILE_NAME)
    db.conn.isolation_level = None
    monkeypatch.setattr(library_module, "SCHEMA_VERSION", BEFORE)
    migrate_library(db)
    monkeypatch.undo()
    cols = {r[1] for r in db.execute("PRAGMA table_info(downloads)")}
    assert "error_code" not in cols
    assert migrate_library(db) == SCHEMA_VERSION
    cols = {r[1] for r in db.execute("PRAGMA table_info(downloads)")}
    assert {"error_code", "error_params"} <= cols
    db.close()


def test_reader_without_a_shared_library_sees_an_empty_queue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the in-memory empty catalog (a user who can neither read nor create the
    shared file) was built from the first step only, without this step's columns."""
    monkeypatch.setattr(library_module, "can_write", lambda folder: False)
    with Store(tmp_path / "me" / "okno.sqlite3", library=tmp_path / "none" / FILE_NAME) as st:
        assert not st.library_writable
        assert st.download_queue() == [] and st.next_download() is None


def test_sync_history_keeps_the_category(tmp_path: Path) -> None:
    with Store(tmp_path / "okno.sqlite3") as store:
        store.record_sync(SyncRecord("s1", "f1", False, message="old English text",
                                     details={"error": "timeout"}))
        store.record_sync(SyncRecord("s2", "f2", False, message="Cannot reach the portal.",
                                     details={"pages": 1}, error_code="unreachable",
                                     error_params={"url": "http://x"}))
        new, old = store.sync_history()
        assert (new.error_code, new.error_params, new.details) == (
            "unreachable", {"url": "http://x"}, {"pages": 1})
        assert (old.error_code, old.error_params, old.details) == ("", {}, {"error": "timeout"})
