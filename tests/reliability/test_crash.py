"""Crash consistency (issue 5, part 1): SIGKILL ``okno sync`` and ``okno download`` at
seeded random moments — during change-log pages, snapshot download and apply, mid-file —
and check the replica after every kill. 300 kills: ``bench/soak.py``."""

from __future__ import annotations

import os
import time

import pytest

from desktop.store import Store
from tests.faultproxy import FaultProxy
from tests.reliability.conftest import BIG_FILE_BYTES, BIG_RESOURCE
from tests.reliability.crashharness import CrashHarness

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

SEED = int(os.environ.get("OKNO_CRASH_SEED", "20250105"))
SNAPSHOT_BPS = 600_000  # the 200 KB snapshot takes ~0.4 s: long enough to be cut
BLOB_BPS = 2_000_000  # the 3 MB file takes ~1.5 s


def _small_resources_with_files(db_path, n: int) -> tuple[str, ...]:
    store = Store(db_path)
    try:
        out = []
        for rowid in store.search(""):
            res = store.get_resource(rowid)
            if res and res["files"] and res["id"] != BIG_RESOURCE:
                out.append(res["id"])
            if len(out) == n:
                break
        return tuple(out)
    finally:
        store.close()


def test_kills_never_corrupt_or_lose_anything(big_portal, tmp_path):
    url, _ = big_portal
    started = time.monotonic()
    with FaultProxy(url) as proxy:
        proxy.throttle("/api/v1/snapshots/", SNAPSHOT_BPS)
        proxy.throttle("/api/v1/blobs/", BLOB_BPS)
        harness = CrashHarness(tmp_path, proxy.url, url, seed=SEED, big_resource=BIG_RESOURCE)
        harness.calibrate_download(BIG_FILE_BYTES / BLOB_BPS + 0.6)
        harness.catalog_round(6, snapshot=False)
        harness.small = _small_resources_with_files(harness._template / "okno.sqlite3", 3)
        harness.catalog_round(6, snapshot=True)
        harness.download_round(5)
        harness.catalog_round(5, snapshot=False)
        harness.catalog_round(5, snapshot=True)
        harness.download_round(5)
    harness.stats.seconds = time.monotonic() - started
    print(harness.stats.summary())
    assert harness.stats.kills >= 30, harness.stats.summary()
    phases = harness.stats.by_phase
    assert phases["change-log pages"] > 0 and phases["mid-download"] > 0, phases
    assert phases["snapshot download"] + phases["snapshot apply"] > 0, phases
