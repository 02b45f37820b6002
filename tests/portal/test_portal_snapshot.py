"""Catalog snapshots: same lines as a sync, live records only, resumable static file."""

from __future__ import annotations

import hashlib
import json

import zstandard

from portal.snapshot import META_KEY, build_snapshot, current_snapshot, ensure_snapshot
from protocol.wire import End, Rec
from tests.portal.factories import check_pages, end, pages, parse_body, records, resource


def _read(store, info):
    raw = (store.snapshots_dir / info.name).read_bytes()
    return raw, parse_body(zstandard.ZstdDecompressor().decompressobj().decompress(raw))


def test_snapshot_round_trips_every_live_record_in_pages(store):
    for i in range(60):
        store.publish_resource(resource(f"r-{i:02}", description="Текст " * 200))
    store.delete_resource("r-05")
    store.update_resource("r-10", title="Обновлённый")
    info = build_snapshot(store, page_bytes=16 * 1024)
    raw, lines = _read(store, info)

    check_pages(lines)
    recs = records(lines)
    assert all(isinstance(r, Rec) for r in recs), "snapshots carry no tombstones"
    assert sorted(r.id for r in recs) == sorted(f"r-{i:02}" for i in range(60) if i != 5)
    assert len(pages(lines)) > 3
    cursors = [p.cursor for p in pages(lines)]
    assert cursors == sorted(cursors)
    assert end(lines) == End(False, {"catalog": store.head()})
    assert next(r for r in recs if r.id == "r-10").data["title"] == "Обновлённый"
    assert (info.cursor, info.records, info.size) == (store.head(), 59, len(raw))
    assert info.sha256 == hashlib.sha256(raw).hexdigest()


def test_snapshot_metadata_is_recorded_in_meta(store):
    store.publish_resource(resource())
    info = build_snapshot(store)
    assert json.loads(store.get_meta(META_KEY)) == info.to_json()
    assert current_snapshot(store) == info
    assert info.name == f"catalog-{store.head()}.ndjson.zst"


def test_empty_catalog_snapshot_is_just_the_end_line(store):
    info = ensure_snapshot(store)
    _, lines = _read(store, info)
    assert lines == [End(False, {"catalog": 0})]


def test_ensure_snapshot_rebuilds_only_when_stale_and_drops_the_old_file(store):
    store.publish_resource(resource("r-1"))
    first = ensure_snapshot(store)
    assert ensure_snapshot(store) == first
    store.publish_resource(resource("r-2"))
    second = ensure_snapshot(store)
    assert second.cursor == 2 and second.name != first.name
    assert sorted(p.name for p in store.snapshots_dir.iterdir()) == [second.name]


def test_a_missing_snapshot_file_is_rebuilt(store):
    store.publish_resource(resource("r-1"))
    info = ensure_snapshot(store)
    (store.snapshots_dir / info.name).unlink()
    assert current_snapshot(store) is None
    assert ensure_snapshot(store).sha256 == info.sha256  # the same content again
