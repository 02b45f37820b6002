"""Online backup and restore: consistent, verified, refuses to overwrite data, and the
restored portal serves the same cursors (also from SQLite into PostgreSQL and back)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal import cli
from portal.app import create_app
from portal.backup import BackupError, backup, restore, verify
from portal.catalog import PortalStore
from portal.cli import load_demo
from tests.portal.factories import decode
from tests.portal_community.conftest import signin


def _everything(client: TestClient, cursors: dict[str, int],
                token: str | None = None) -> tuple[dict, bytes]:
    hello = client.get("/api/v1/hello").json()
    headers = {"accept-encoding": "identity"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    r = client.post("/api/v1/sync", json={"protocol": 1, "cursors": cursors},
                    headers=headers)
    assert r.status_code == 200, r.text
    return hello["streams"], decode(r.content, r.headers.get("content-encoding"))


def _populated(store: PortalStore, community) -> None:
    load_demo(store, 40, seed=3)
    last = [c for c in store.changes_since("catalog", 0, 1000) if c.kind == "resource"][-1]
    store.delete_resource(last.entity_id)


def test_a_restored_portal_serves_the_same_cursors(store, community, tmp_path,
                                                   portal_database):
    _populated(store, community)
    with TestClient(create_app(store)) as a:
        token = signin(a, "anna")  # tokens are data too: the device stays signed in
    out = tmp_path / "b" / "portal.okno-backup"
    info = backup(store.engine, out)
    assert info.tables["changelog"] > 40 and info.tables["users"] == 4
    assert verify(out).rows == info.rows
    # Into a fresh SQLite portal, whatever the source was.
    with PortalStore.open(tmp_path / "restored") as target:
        restore(target.engine, out)
        with TestClient(create_app(store)) as a:
            before = _everything(a, {"catalog": 0, "directory": 0}, token)
            middle = _everything(a, {"catalog": 7})
        again = PortalStore(target.engine, tmp_path / "restored")
        with TestClient(create_app(again)) as b:
            assert b.get("/api/v1/hello").json()["portal_id"] == store.portal_id
            assert _everything(b, {"catalog": 0, "directory": 0}, token) == before
            assert _everything(b, {"catalog": 7}) == middle


def test_restore_refuses_a_database_with_data_unless_forced(store, community, tmp_path):
    _populated(store, community)
    out = tmp_path / "p.okno-backup"
    backup(store.engine, out)
    with pytest.raises(BackupError, match="not empty"):
        restore(store.engine, out)
    store.publish_collection({"id": "after", "title": "После копии", "kind": "topic"})
    restore(store.engine, out, force=True)
    assert store.get_collection("after") is None


def test_a_damaged_backup_is_refused_before_anything_changes(store, community, tmp_path):
    _populated(store, community)
    out = tmp_path / "p.okno-backup"
    backup(store.engine, out)
    data = out.read_bytes()
    (tmp_path / "cut.okno-backup").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    (tmp_path / "flip.okno-backup").write_bytes(bytes(flipped))
    (tmp_path / "other.okno-backup").write_bytes(b"hello")
    head = store.head()
    for name in ("cut", "flip", "other"):
        with pytest.raises(BackupError):
            restore(store.engine, tmp_path / f"{name}.okno-backup", force=True)
    assert store.head() == head


def test_backup_and_restore_commands(store, community, tmp_path, capsys, portal_database):
    _populated(store, community)
    where = ["--data", str(tmp_path / "portal")]
    if portal_database:
        where += ["--database", portal_database]
    out = tmp_path / "cli.okno-backup"
    assert cli.main(["backup", "--out", str(out), *where]) == 0
    assert "rows in" in capsys.readouterr().out
    assert cli.main(["restore", str(out), "--verify-only", *where]) == 0
    assert cli.main(["restore", str(out), *where]) == 1
    assert "not empty" in capsys.readouterr().err
    fresh = ["--data", str(tmp_path / "fresh")]
    assert cli.main(["restore", str(out), *fresh]) == 0
    with PortalStore.open(tmp_path / "fresh") as restored:
        assert restored.head() == store.head() and restored.portal_id == store.portal_id


@pytest.mark.parametrize("portal_database", ["sqlite"], indirect=True)
def test_a_sqlite_portal_moves_to_postgresql(tmp_path, community, store, request):
    _populated(store, community)
    with TestClient(create_app(store)) as a:
        token = signin(a, "anna")
    out = tmp_path / "move.okno-backup"
    backup(store.engine, out)
    target_url = request.getfixturevalue("postgres").portal_url()
    with PortalStore.open(tmp_path / "pg-data", target_url) as target:
        restore(target.engine, out)
        moved = PortalStore(target.engine, tmp_path / "pg-data")
        assert (moved.portal_id, moved.head()) == (store.portal_id, store.head())
        with TestClient(create_app(store)) as a, TestClient(create_app(moved)) as b:
            assert _everything(b, {"catalog": 0, "directory": 0}, token) == \
                _everything(a, {"catalog": 0, "directory": 0}, token)
