"""Applying pages of catalog changes: idempotency, versions, tombstones, cursors."""

from __future__ import annotations

import random
import sqlite3

import pytest

from desktop.store import Changes, Store, StoreError
from desktop.store.types import Filters
from protocol.wire import CATALOG_STREAM, Rec
from tests.store.factories import (
    col_rec,
    collection_data,
    file_data,
    rec,
    resource_data,
    tomb,
)


def _snapshot(store: Store) -> list:
    """Everything the catalog holds, to prove an operation changed nothing."""
    out = []
    for table in ("resources", "resource_facets", "facet_values", "resource_files",
                  "collections", "tombstones", "cursors", "meta"):
        out.append(store.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall())
    out.append(store.db.execute("SELECT count(*) FROM resources_fts_docsize").fetchone())
    return out


def _apply(store: Store, items: list, cursor: int, portal: str = "p") -> Changes:
    return store.apply_page(CATALOG_STREAM, items, cursor, portal)


def test_first_page_reports_what_changed(store: Store) -> None:
    changes = _apply(store, [rec(resource_data("r1", "Дроби"), 1),
                             rec(resource_data("r2", "Проценты"), 2),
                             col_rec(collection_data("c1"), 3)], 3)
    assert changes == Changes(catalog=True, resources=frozenset({"r1", "r2"}), sync_state=True)
    assert store.cursor(CATALOG_STREAM) == 3
    assert store.portal_id() == "p"
    assert store.counts()["resources"] == 2
    assert [c["id"] for c in store.collections()] == ["c1"]


def test_replayed_page_changes_nothing(store: Store) -> None:
    page = [rec(resource_data("r1", "Дроби", files=[file_data("a")]), 1),
            col_rec(collection_data("c1"), 2), tomb("gone", 3)]
    _apply(store, page, 5)
    before = _snapshot(store)
    total = store.db.conn.total_changes
    assert _apply(store, page, 5) == Changes()
    assert not _apply(store, page, 5)
    assert store.db.conn.total_changes == total
    assert _snapshot(store) == before


def test_newer_version_replaces_older_is_ignored(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Старое название", version=2), 1)], 1)
    changes = _apply(store, [rec(resource_data("r1", "Совсем другое", version=1), 2)], 2)
    assert changes.resources == frozenset() and not changes.catalog
    assert store.get_resource("r1")["title"] == "Старое название"

    changes = _apply(store, [rec(resource_data("r1", "Фотосинтез растений", version=3,
                                               subjects=["Биология"]), 3)], 3)
    assert changes.resources == {"r1"}
    res = store.get_resource("r1")
    assert (res["title"], res["version"], res["seq"]) == ("Фотосинтез растений", 3, 3)
    assert store.search("старое") == [] and store.search("фотосинтез") == [res["rowid"]]
    assert store.facets()["subject"] == [("Биология", 1)]
    assert store.check_integrity() == []


def test_same_version_with_newer_seq_only_moves_seq(store: Store) -> None:
    data = resource_data("r1", "Дроби")
    _apply(store, [rec(data, 1)], 1)
    changes = _apply(store, [rec(data, 7)], 7)
    assert changes == Changes(sync_state=True)
    assert store.get_resource("r1")["seq"] == 7


def test_tombstone_removes_everything_and_is_kept(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Закон Ома", subjects=["Физика"],
                                     files=[file_data("f")]), 1),
                   rec(resource_data("r2", "Закон Архимеда", subjects=["Физика"]), 2)], 2)
    changes = _apply(store, [tomb("r1", 3)], 3)
    assert changes.resources == {"r1"} and changes.catalog
    assert store.get_resource("r1") is None
    assert [store.rows([r])[0]["id"] for r in store.search("закон")] == ["r2"]
    assert store.facets()["subject"] == [("Физика", 1)]
    assert store.db.execute("SELECT kind, id, seq FROM tombstones").fetchall() == [
        ("resource", "r1", 3)]
    assert store.check_integrity() == []
    # The same tombstone again, or one for an id never seen, changes no catalog data.
    assert not _apply(store, [tomb("r1", 3)], 3)
    assert not _apply(store, [tomb("never-seen", 4)], 4).catalog


def test_record_older_than_its_tombstone_stays_deleted(store: Store) -> None:
    _apply(store, [tomb("r1", 5)], 5)
    assert not _apply(store, [rec(resource_data("r1", "Воскрес?"), 4)], 6).catalog
    assert store.get_resource("r1") is None
    # Re-created later (newer seq): back, and the tombstone row goes.
    assert _apply(store, [rec(resource_data("r1", "Снова здесь", version=2), 7)], 7).catalog
    assert store.get_resource("r1")["title"] == "Снова здесь"
    assert store.db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 0


def test_tombstone_older_than_the_record_is_ignored(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Живой"), 9)], 9)
    assert not _apply(store, [tomb("r1", 8)], 9).catalog
    assert store.get_resource("r1") is not None


def test_last_word_within_a_page_wins(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Первый"), 1), tomb("r1", 2),
                   rec(resource_data("r2", "Второй", version=1), 3),
                   rec(resource_data("r2", "Второй, исправленный", version=2), 4)], 4)
    assert store.get_resource("r1") is None
    assert store.get_resource("r2")["title"] == "Второй, исправленный"
    assert store.check_integrity() == []


def test_cursor_going_backwards_is_refused_with_nothing_applied(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Дроби"), 10)], 10)
    before = _snapshot(store)
    with pytest.raises(StoreError, match="behind the stored cursor 10"):
        _apply(store, [rec(resource_data("r2", "Проценты"), 3)], 4)
    assert _snapshot(store) == before
    assert store.get_resource("r2") is None and store.cursor(CATALOG_STREAM) == 10


@pytest.mark.parametrize("items, cursor, message", [
    ([rec(resource_data("r9", "Лишний"), 12)], 11, "beyond the page's cursor"),
    ([Rec("other", "resource", "r9", 1, 1, resource_data("r9"))], 11, "belongs to stream"),
    ([Rec(CATALOG_STREAM, "post", "r9", 1, 1, {})], 11, "kind"),
    ([Rec(CATALOG_STREAM, "resource", "r9", 2, 1, resource_data("r9"))], 11, "disagrees"),
    ([Rec(CATALOG_STREAM, "resource", "r9", 1, 1, {"id": "r9", "version": 1})], 11,
     "malformed"),
    ([rec(resource_data("r8", "Хороший"), 5),
      Rec(CATALOG_STREAM, "resource", "r9", 1, 6, {**resource_data("r9"), "grades": ["5"]})],
     11, "malformed"),
])
def test_inconsistent_page_is_refused_with_nothing_applied(
    store: Store, items: list, cursor: int, message: str
) -> None:
    _apply(store, [rec(resource_data("r1", "Дроби"), 1)], 1)
    before = _snapshot(store)
    with pytest.raises(StoreError, match=message):
        _apply(store, items, cursor)
    assert _snapshot(store) == before


def test_unknown_stream_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="does not keep the stream"):
        store.apply_page("forum:42", [], 1, "p")


def test_page_from_another_portal_is_refused_until_reset(store: Store) -> None:
    _apply(store, [rec(resource_data("r1", "Дроби", files=[file_data("f")]), 1)], 1, "portal-a")
    store.mark_file_cached(file_data("f")["sha256"], 1000, "ab/f.pdf")
    with pytest.raises(StoreError, match="reset the catalog"):
        _apply(store, [rec(resource_data("x1", "Чужой"), 1)], 1, "portal-b")
    with pytest.raises(StoreError, match="reset the catalog"):
        store.set_portal_id("portal-b")

    changes = store.reset_catalog("portal-b")
    assert changes.catalog and changes.sync_state and changes.resources == {"r1"}
    assert store.portal_id() == "portal-b" and store.cursor(CATALOG_STREAM) == 0
    assert store.search("") == [] and store.facets()["type"] == []
    assert store.cached_file(file_data("f")["sha256"]) == "ab/f.pdf"  # files survive
    _apply(store, [rec(resource_data("x1", "Чужой", files=[file_data("f")]), 1)], 1, "portal-b")
    assert store.rows(store.search(""))[0]["downloaded"] is True
    assert store.check_integrity() == []


def test_set_portal_id_before_first_page(store: Store) -> None:
    assert store.set_portal_id("p") == Changes(sync_state=True)
    assert store.set_portal_id("p") == Changes()
    assert store.set_portal_id("q") == Changes(sync_state=True)  # no data yet: allowed
    assert store.portal_id() == "q"


def test_collections_update_and_delete(store: Store) -> None:
    _apply(store, [col_rec(collection_data("c1", "Математика", kind="subject"), 1),
                   col_rec(collection_data("c2", "Дроби", parent_id="c1"), 2),
                   rec(resource_data("r1", "Урок", collections=["c2"]), 3)], 3)
    cols = {c["id"]: c for c in store.collections()}
    assert cols["c2"]["parent_id"] == "c1" and cols["c2"]["resources"] == 1
    assert store.get_resource("r1")["collection_titles"] == ["Дроби"]
    _apply(store, [col_rec(collection_data("c2", "Обыкновенные дроби", version=2,
                                           parent_id="c1"), 4)], 4)
    assert {c["title"] for c in store.collections()} == {"Математика", "Обыкновенные дроби"}
    assert _apply(store, [tomb("c1", 5, "collection")], 5).catalog
    assert [c["id"] for c in store.collections()] == ["c2"]


def test_reader_sees_committed_pages(store: Store, db_path) -> None:
    from desktop.store import open_reader

    reader = open_reader(db_path)
    try:
        assert reader.search("") == []
        _apply(store, [rec(resource_data("r1", "Дроби", grades=[5]), 1)], 1)
        assert len(reader.search("")) == 1  # caches follow the catalog generation
        assert reader.facets()["grade"] == [("5", 1)]
        _apply(store, [tomb("r1", 2)], 2)
        assert reader.search("") == [] and reader.facets()["grade"] == []
        with pytest.raises(sqlite3.OperationalError):
            reader.db.execute("DELETE FROM resources")
    finally:
        reader.close()


def test_random_history_keeps_integrity(store: Store) -> None:
    """Inserts, updates, deletes and revivals in random pages leave derived tables right."""
    rnd = random.Random(7)
    versions: dict[str, int] = {}
    seq = 0
    for _ in range(25):
        page = []
        for _ in range(rnd.randint(1, 30)):
            rid = f"r{rnd.randint(1, 60)}"
            seq += 1
            if rnd.random() < 0.2:
                page.append(tomb(rid, seq))
                versions.pop(rid, None)
                continue
            versions[rid] = versions.get(rid, 0) + 1
            page.append(rec(resource_data(
                rid, f"{rnd.choice(['Дроби', 'Закон Ома', 'Клетка'])} {rid}",
                version=versions[rid] + 10 * seq,
                subjects=rnd.sample(["Математика", "Физика", "Биология"], rnd.randint(0, 2)),
                grades=rnd.sample(range(1, 12), rnd.randint(0, 3)),
                collections=rnd.sample(["c1", "c2", "c3"], rnd.randint(0, 2)),
                files=[file_data(f"{rid}-{n}") for n in range(rnd.randint(0, 2))],
            ), seq))
        _apply(store, page, seq)
        if rnd.random() < 0.3 and versions:
            rid = rnd.choice(sorted(versions))
            for f in store.get_resource(rid)["files"]:
                store.mark_file_cached(f["sha256"], f["size"], f"x/{f['sha256']}")
    assert store.check_integrity() == []
    assert {store.rows([r])[0]["id"] for r in store.search("")} == set(versions)
    total = sum(n for _, n in store.facets("", Filters())["type"])
    assert total == len(versions)


def test_text_rules_change_triggers_reindex(db_path) -> None:
    store = Store(db_path)
    store.apply_page(CATALOG_STREAM, [rec(resource_data("r1", "Квадратное уравнение"), 1)], 1, "p")
    store.db.execute("UPDATE meta SET value = 'old-rules' WHERE key = 'text_version'")
    assert any("reindex" in p for p in store.check_integrity())
    store.close()
    store = Store(db_path)  # notices the old rules and rebuilds the index
    try:
        assert store.check_integrity() == []
        assert len(store.search("уравнения")) == 1
    finally:
        store.close()
