"""PortalStore: publishing, versions, tombstones, files, bulk loads and the horizon."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select, update

from portal import db
from portal.catalog import Change
from protocol.wire import Rec, Tombstone, del_line, dumps, parse_line, rec_line
from tests.portal.factories import collection, resource


def _rows(store):
    return [(c.kind, c.entity_id, c.seq, c.version, c.deleted)
            for c in store.changes_since("catalog", 0, 1000)]


def test_publish_assigns_version_timestamps_and_next_seq(store):
    c = store.publish_collection(collection("math"))
    r = store.publish_resource(resource("r-1", collections=["math"]))
    assert (c["version"], r["version"]) == (1, 1)
    assert r["created"] == r["modified"] and r["created"].endswith("Z")
    assert _rows(store) == [("collection", "math", 1, 1, False), ("resource", "r-1", 2, 1, False)]
    assert store.get_resource("r-1") == r


def test_server_fields_from_the_caller_are_ignored(store):
    r = store.publish_resource(resource(version=99, created="1999-01-01T00:00:00Z"))
    assert r["version"] == 1 and r["created"] != "1999-01-01T00:00:00Z"


def test_republish_bumps_version_keeps_created_and_moves_the_row(store):
    store.publish_resource(resource("r-1"))
    store.publish_resource(resource("r-2"))
    first = store.get_resource("r-1")
    again = store.publish_resource(resource("r-1", title="Новое название"))
    assert again["version"] == 2 and again["created"] == first["created"]
    # One row per entity: r-1 left seq 1 and now sits at the head.
    assert _rows(store) == [("resource", "r-2", 2, 1, False), ("resource", "r-1", 3, 2, False)]


def test_update_resource_changes_only_the_given_fields(store):
    store.publish_resource(resource("r-1", grades=[5, 6]))
    d = store.update_resource("r-1", title="Другое", description="Новое описание")
    assert (d["title"], d["description"], d["grades"], d["version"]) == (
        "Другое", "Новое описание", [5, 6], 2)
    assert store.change_seq("resource", "r-1") == store.head() == 2


def test_update_of_a_missing_resource_or_its_id_is_refused(store):
    with pytest.raises(ValueError, match="no resource"):
        store.update_resource("ghost", title="x")
    store.publish_resource(resource("r-1"))
    with pytest.raises(ValueError, match="id cannot be changed"):
        store.update_resource("r-1", id="r-2")
    with pytest.raises(ValueError, match="unknown field"):
        store.update_resource("r-1", colour="red")


def test_delete_leaves_a_tombstone_with_a_new_seq(store):
    store.publish_resource(resource("r-1"), files=[("a.txt", "text/plain", b"abc")])
    seq = store.delete_resource("r-1")
    assert seq == 2 == store.head()
    assert store.get_resource("r-1") is None
    [change] = store.changes_since("catalog", 0)
    assert (change.deleted, change.payload, change.seq) == (True, None, 2)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.resources)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(db.resource_files)).scalar() == 0
    with pytest.raises(ValueError, match="no resource"):
        store.delete_resource("r-1")


def test_recreating_a_deleted_resource_continues_its_versions(store):
    """A client still holding version 2 must accept the re-created entity as newer."""
    store.publish_resource(resource("r-1"))
    store.update_resource("r-1", title="v2")
    store.delete_resource("r-1")
    assert store.publish_resource(resource("r-1"))["version"] == 3


@pytest.mark.parametrize(("data", "message"), [
    (resource(type="podcast"), "type 'podcast' is unknown"),
    (resource(title=""), "title must not be empty"),
    (resource(grades=[12]), "grades"),
    (resource(colour="red"), "unknown field"),
    (resource(collections=["nowhere"]), "unknown collection"),
    (resource(id="../etc"), "not a valid identifier"),
    ("not an object", "must be a JSON object"),
])
def test_bad_resources_are_refused_with_a_clear_message(store, data, message):
    with pytest.raises(ValueError, match=message):
        store.publish_resource(data)
    assert store.head() == 0


def test_attached_files_are_stored_by_their_sha256(store):
    content = "Конспект урока".encode()
    sha = hashlib.sha256(content).hexdigest()
    d = store.publish_resource(resource(), files=[("конспект.txt", "text/plain", content)])
    assert d["files"] == [{"sha256": sha, "name": "конспект.txt", "mime": "text/plain",
                           "size": len(content)}]
    path = store.data_dir / "blobs" / sha[:2] / sha
    assert path.read_bytes() == content
    assert store.file_info(sha) == ("text/plain", len(content))


def test_attached_file_paths_are_copied_in(store, tmp_path):
    source = tmp_path / "lesson.pdf"
    source.write_bytes(b"%PDF-1.4 " * 1000)
    d = store.publish_resource(resource(), files=[("lesson.pdf", "application/pdf", source)])
    assert store.blobs.path_for(d["files"][0]["sha256"]).read_bytes() == source.read_bytes()


def test_files_may_name_blobs_already_stored(store):
    first = store.publish_resource(resource("r-1"), files=[("a.txt", "text/plain", b"abc")])
    sha = first["files"][0]["sha256"]
    d = store.publish_resource(resource("r-2", files=[{"sha256": sha, "name": "b.txt"}]))
    assert d["files"] == [{"sha256": sha, "name": "b.txt", "mime": "text/plain", "size": 3}]
    with pytest.raises(ValueError, match="not stored"):
        store.publish_resource(resource("r-3", files=[{"sha256": "0" * 64, "name": "x"}]))
    with pytest.raises(ValueError, match="size"):
        store.publish_resource(resource("r-3", files=[{"sha256": sha, "name": "x", "size": 9}]))


def test_file_names_must_not_be_paths(store):
    with pytest.raises(ValueError, match="plain file name"):
        store.publish_resource(resource(), files=[("../evil.sh", "text/plain", b"x")])


def test_collections_need_an_existing_parent_and_no_cycles(store):
    store.publish_collection(collection("a"))
    store.publish_collection(collection("b", parent_id="a"))
    with pytest.raises(ValueError, match="does not exist|unknown parent"):
        store.publish_collection(collection("c", parent_id="zzz"))
    with pytest.raises(ValueError, match="inside itself"):
        store.publish_collection(collection("a", parent_id="b"))
    with pytest.raises(ValueError, match="child collection"):
        store.delete_collection("a")
    store.delete_collection("b")
    assert store.delete_collection("a") == store.head()
    assert store.get_collection("a") is None


def test_change_lines_are_exactly_what_the_wire_module_writes(store):
    d = store.publish_resource(resource(title="Дроби «и» \"кавычки\""))
    store.publish_resource(resource("r-2"))
    store.delete_resource("r-2")
    rec, tomb = store.changes_since("catalog", 0)
    assert rec.line("catalog") == dumps(rec_line("catalog", "resource", d, 1))
    assert tomb.line("catalog") == dumps(del_line("catalog", "resource", "r-2", 3))
    assert parse_line(rec.line("catalog")) == Rec("catalog", "resource", "r-1", 1, 1, d)
    assert parse_line(tomb.line("catalog")) == Tombstone("catalog", "resource", "r-2", 3)
    assert isinstance(rec, Change)


def test_changes_since_pages_by_seq(store):
    for i in range(10):
        store.publish_resource(resource(f"r-{i}"))
    assert [c.seq for c in store.changes_since("catalog", 3, 4)] == [4, 5, 6, 7]
    assert [c.seq for c in store.changes_since("catalog", 8, 100)] == [9, 10]
    assert [c.seq for c in store.changes_since("catalog", 0, 100, upto=2)] == [1, 2]


def _blob(text: str) -> tuple[str, bytes]:
    content = text.encode()
    return hashlib.sha256(content).hexdigest(), content


def test_bulk_publish_allocates_one_seq_per_entity(store):
    sha, content = _blob("урок")
    files = [{"sha256": sha, "name": "u.txt", "mime": "text/plain", "size": len(content)}]
    cols = [collection("root"), collection("child", parent_id="root")]
    result = store.bulk_publish(
        cols, (resource(f"r-{i}", collections=["child"], files=files) for i in range(4500)),
        {sha: content})
    assert (result.collections, result.resources, result.blobs) == (2, 4500, 1)
    assert result.head == store.head() == 4502
    seqs = [c.seq for c in store.changes_since("catalog", 0, 10_000)]
    assert seqs == list(range(1, 4503))
    assert store.file_info(sha) == ("text/plain", len(content))
    assert store.counts() == {"collection": 2, "resource": 4500}
    # Loading again replaces: versions go up, nothing is duplicated.
    store.bulk_publish([], [resource("r-7", collections=["child"])], {})
    assert store.get_resource("r-7")["version"] == 2
    assert store.counts() == {"collection": 2, "resource": 4500}


@pytest.mark.parametrize(("cols", "res", "blobs", "message"), [
    ([], [resource("a"), resource("a")], {}, "given twice"),
    ([], [resource(collections=["x"])], {}, "unknown collection"),
    ([collection("a", parent_id="b"), collection("b", parent_id="a")], [], {}, "inside itself"),
    ([], [], {"0" * 64: b"x"}, "has sha256"),
    ([], [resource(files=[{"sha256": "1" * 64, "name": "x", "mime": "a/b", "size": 1}])], {},
     "was not given"),
])
def test_bulk_publish_refuses_bad_input(store, cols, res, blobs, message):
    with pytest.raises(ValueError, match=message):
        store.bulk_publish(cols, res, blobs)
    assert store.head() == 0


def test_purge_tombstones_raises_the_horizon(store):
    for i in range(4):
        store.publish_resource(resource(f"r-{i}"))
    store.delete_resource("r-0")  # seq 5
    store.delete_resource("r-1")  # seq 6
    assert store.purge_tombstones(older_than_days=365) == 0
    assert store.horizon() == 0
    assert store.purge_tombstones(older_than_days=0) == 2
    assert store.horizon() == 6 and store.head() == 6
    assert [c.entity_id for c in store.changes_since("catalog", 0)] == ["r-2", "r-3"]


def test_purge_keeps_recent_tombstones(store):
    store.publish_resource(resource("old"))
    store.publish_resource(resource("new"))
    store.delete_resource("old")
    store.delete_resource("new")
    c = db.changelog.c
    with db.write_transaction(store.engine) as conn:
        conn.execute(update(db.changelog).where(c.entity_id == "old")
                     .values(changed_at="2020-01-01T00:00:00Z"))
    assert store.purge_tombstones(older_than_days=30) == 1
    assert store.horizon() == 3
    assert [c.entity_id for c in store.changes_since("catalog", 0)] == ["new"]


def test_resource_row_mirrors_the_record(store):
    d = store.publish_resource(resource(authors=["А", "Б"], grades=[6, 5]))
    with store.engine.connect() as conn:
        row = conn.execute(select(db.resources).where(db.resources.c.id == "r-1")).one()
    assert json.loads(row.authors) == ["А", "Б"] and json.loads(row.grades) == [5, 6]
    assert row.version == d["version"] == 1
