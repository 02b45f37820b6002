"""Regression tests for smaller findings of the reliability work (issue 5) that the fault
suites above do not pin down on their own."""

from __future__ import annotations

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.engine import sync_catalog
from tests.reliability.support import FAST, portal_state, run_okno

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def test_snapshot_left_by_a_crash_is_removed_by_the_next_sync(big_portal, tmp_path):
    """A kill between the snapshot download and the end of its apply left the snapshot file
    (or its .part) in the data folder forever: a caught-up replica never looks at it again."""
    url, _ = big_portal
    paths = Paths(tmp_path / "okno").ensure()
    store = Store(paths.database)
    sync_catalog(store, url, paths=paths, policy=FAST)
    (paths.snapshots / "catalog-17.ndjson.zst").write_bytes(b"left by a power cut")
    (paths.snapshots / "catalog-18.ndjson.zst.part").write_bytes(b"half")
    sync_catalog(store, url, paths=paths, policy=FAST)
    assert list(paths.snapshots.iterdir()) == []
    store.close()


def test_cli_reports_a_damaged_database_in_one_plain_line(tmp_path):
    data = tmp_path / "okno"
    data.mkdir()
    (data / "okno.sqlite3").write_bytes(b"this is not a database at all" * 100)
    for args in (["sync", "--retries", "1"], ["status"], ["download", "res-1"]):
        out = run_okno(data, "http://127.0.0.1:9", *args)
        assert out.returncode == 1, (args, out.stderr)
        assert "Traceback" not in out.stderr and "not an Okno database" in out.stderr
        assert out.stderr.strip().count("\n") == 0, out.stderr


def test_advanced_sync_options_work_and_stay_out_of_help(big_portal, tmp_path):
    url, _ = big_portal
    help_text = run_okno(tmp_path, url, "sync", "--help").stdout
    assert "--page-bytes" not in help_text and "--stall-timeout" not in help_text
    out = run_okno(tmp_path / "okno", url, "sync", "--no-files", "--no-snapshot",
                   "--page-bytes", "16384", "--stall-timeout", "5", "--retry-delay", "0.1")
    assert out.returncode == 0, out.stderr
    portal, _ = portal_state(url)
    n = sum(1 for kind, _ in portal if kind == "resource")
    assert f"library has {n} resources" in out.stdout, out.stdout
