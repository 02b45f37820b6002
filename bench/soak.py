"""Crash-consistency soak: 300 SIGKILLs of ``okno sync`` / ``okno download`` at seeded random
moments against a real portal (3,000 demo resources and a 3 MB file), with the full check
after every kill. The CI version (``tests/reliability/test_crash.py``) does >= 30.

    .venv/bin/python bench/soak.py [--kills 300] [--seed 1] [--resources 3000]

Prints the kills survived by phase (change-log pages, snapshot download, snapshot apply,
mid-download, ...) and the time taken. Exits 1 at the first inconsistency, with details.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faultproxy import FaultProxy  # noqa: E402
from tests.portal_process import portal_cli, running_portal  # noqa: E402
from tests.reliability.crashharness import CrashHarness  # noqa: E402
from tests.reliability.support import resource_json  # noqa: E402

BIG = "res-soak-big"
BIG_BYTES = 3 * 1024 * 1024
SNAPSHOT_BPS = 600_000
BLOB_BPS = 2_000_000


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--resources", type=int, default=3000)
    args = p.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="okno-soak-") as tmp:
        work = Path(tmp)
        data = work / "portal"
        portal_cli(data, "demo", "--resources", str(args.resources), "--seed", "5",
                   "--no-snapshot")
        blob = work / "видеоурок.bin"
        blob.write_bytes(os.urandom(BIG_BYTES))
        meta = work / "big.json"
        meta.write_text(json.dumps(resource_json(BIG, "Большой видеоурок",
                                                 type="video_lesson"), ensure_ascii=False))
        portal_cli(data, "publish", "--json", str(meta), "--file", str(blob))
        with running_portal(data) as url, FaultProxy(url) as proxy:
            proxy.throttle("/api/v1/snapshots/", SNAPSHOT_BPS)
            proxy.throttle("/api/v1/blobs/", BLOB_BPS)
            (work / "clients").mkdir()
            h = CrashHarness(work / "clients", proxy.url, url, seed=args.seed, big_resource=BIG)
            h.calibrate_download(BIG_BYTES / BLOB_BPS + 0.6)
            # A quarter each: change-log syncs, snapshot syncs, downloads; the rest mixed.
            per_round = 10
            cycle = ["log", "snapshot", "download"]
            i = 0
            try:
                while h.stats.kills < args.kills:
                    kind = cycle[i % len(cycle)]
                    i += 1
                    n = min(per_round, args.kills - h.stats.kills)
                    if kind == "download" and h._template is not None:
                        h.download_round(n)
                    else:
                        h.catalog_round(n, snapshot=kind == "snapshot")
                    print(f"  {h.stats.kills:4d} kills, {time.monotonic() - started:5.0f} s",
                          flush=True)
            except AssertionError as exc:
                print(f"INCONSISTENCY after {h.stats.kills} kills: {exc}")
                return 1
            h.stats.seconds = time.monotonic() - started
    print(h.stats.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
