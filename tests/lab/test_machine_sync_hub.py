"""``okno sync --machine`` prefers a lab hub like ``okno sync`` (loopback, real portal, real
hub, the real CLI in a subprocess): ``--hub URL`` fills the shared library from the hub,
``--hub off`` and the preset's ``use_lab_hubs = false`` keep to the portal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.hub.app import HubConfig
from desktop.hub.server import HubServer
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.engine import sync_catalog
from tests.lab.test_machine_sync import env, okno  # noqa: F401 (the env fixture)
from tests.portal_process import running_portal

pytestmark = pytest.mark.e2e


def _catalog(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, version, seq FROM resources ORDER BY id").fetchall()
    finally:
        conn.close()


def test_machine_sync_takes_the_library_from_a_lab_hub(tmp_path: Path,
                                                       env: dict[str, str]) -> None:  # noqa: F811
    shared = tmp_path / "var-lib-okno"
    with running_portal(tmp_path / "portal", "--demo", "--resources", "40", "--seed",
                        "5") as url:
        # The lab's hub PC already has the library.
        hub_paths = Paths(tmp_path / "hub-pc").ensure()
        hub_store = Store(hub_paths.database)
        sync_catalog(hub_store, url, paths=hub_paths, files=True)
        hub_store.close()
        (tmp_path / "okno.toml").write_text(
            f'portal_url = "{url}"\n[machine]\ndata_dir = "{shared}"\n', "utf-8")
        env = {k: v for k, v in env.items() if k != "OKNO_LAB_HUBS"}
        config = HubConfig(hub_paths.database, portal_url=url, files_dir=hub_paths.files)
        with HubServer(config, "127.0.0.1", 0, advertise=False) as hub:
            out = okno("sync", "--machine", "--hub", hub.url, env=env)
            assert out.returncode == 0, out.stderr
            assert f"Lab hub {hub.url}" in out.stderr and "records" in out.stderr
            assert "Synced the shared library" in out.stdout
        log = (shared / "logs" / "sync.log").read_text("utf-8")
        assert f"lab hub {hub.url}" in log
        assert _catalog(shared / "library.sqlite3") == _catalog(hub_paths.database)
        # The hub is gone; "off" and the preset both keep to the portal, and nothing fails.
        off = okno("sync", "--machine", "--hub", "off", env=env)
        assert off.returncode == 0 and "Lab hub" not in off.stderr, off.stderr
        (tmp_path / "okno.toml").write_text(
            f'portal_url = "{url}"\nuse_lab_hubs = false\n[machine]\ndata_dir = "{shared}"\n',
            "utf-8")
        preset = okno("sync", "--machine", env=env)
        assert preset.returncode == 0 and "Lab hub" not in preset.stderr, preset.stderr
    assert (shared / "logs" / "sync.log").read_text("utf-8").count("lab hub") == 1
