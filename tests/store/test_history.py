"""Sync history rows."""

from __future__ import annotations

from desktop.store import Store, SyncRecord, open_reader
from desktop.store import history as history_module


def test_record_and_read_back(store: Store) -> None:
    assert store.last_sync() is None and store.sync_history() == []
    first = SyncRecord("2024-05-01T20:00:00Z", "2024-05-01T20:02:00Z", True, records=120,
                       bytes_wire=65536, round_trips=2, message="Готово",
                       details={"pages": 3, "streams": ["catalog"]})
    second = SyncRecord("2024-05-02T20:00:00Z", "2024-05-02T20:00:30Z", False,
                        message="Нет связи с порталом", details={"error": "timeout"})
    store.record_sync(first)
    store.record_sync(second)
    assert store.sync_history() == [second, first]
    assert store.last_sync() == second
    assert store.sync_history(limit=1) == [second]
    with open_reader(store.path) as reader:
        assert reader.last_sync() == second


def test_history_is_pruned(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(history_module, "KEEP_ROWS", 5)
    for i in range(12):
        store.record_sync(SyncRecord(f"t{i:02}", f"t{i:02}", True, records=i))
    assert [r.records for r in store.sync_history(100)] == [11, 10, 9, 8, 7]


def test_details_that_are_not_json_become_text(store: Store) -> None:
    store.record_sync(SyncRecord("a", "b", True, details={"when": object}))
    assert isinstance(store.last_sync().details["when"], str)
