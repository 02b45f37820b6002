"""Crash-consistency soak: 300 SIGKILLs of ``okno sync`` / ``okno download`` and of a
community writer (replies saved, then sent) at seeded random moments against a real portal
(3,000 demo resources, a 3 MB file, a demo community), with the full check after every kill.
The CI versions (``tests/reliability/test_crash.py``, ``test_outbox_crash.py``) do >= 44.

    .venv/bin/python bench/soak.py [--kills 300] [--seed 1] [--resources 3000]

A quarter of the kills each: change-log syncs, snapshot syncs, downloads, outbox rounds
(kills before a save commits, between a save and its send, during the send, after the portal
applied but before its answer arrived). Every writer ends with a clean sync and an
exactly-once check of its replies on the portal; the portal takes 300 posts an hour per
user, so each writer is a different demo user (given a password here) and writes at most
~200 replies. Prints the kills survived by phase and the time taken. Exits 1 at the first
inconsistency, with details.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faultproxy import FaultProxy  # noqa: E402
from tests.portal_process import portal_cli, running_portal  # noqa: E402
from tests.reliability.crashharness import CrashHarness  # noqa: E402
from tests.reliability.outboxharness import OutboxCrashHarness  # noqa: E402
from tests.reliability.support import resource_json  # noqa: E402

BIG = "res-soak-big"
BIG_BYTES = 3 * 1024 * 1024
SNAPSHOT_BPS = 600_000
BLOB_BPS = 2_000_000
KILLS_PER_WRITER = 25  # ~200 replies: under the portal's 300 posts an hour per user
WRITERS = ("demo", "metodist", *(f"user{i:03d}" for i in range(2, 40)))


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
                   "--posts", "300", "--no-snapshot")
        blob = work / "видеоурок.bin"
        blob.write_bytes(os.urandom(BIG_BYTES))
        meta = work / "big.json"
        meta.write_text(json.dumps(resource_json(BIG, "Большой видеоурок",
                                                 type="video_lesson"), ensure_ascii=False))
        portal_cli(data, "publish", "--json", str(meta), "--file", str(blob))
        secret = work / "password"
        secret.write_text("demo\n")
        with running_portal(data) as url, FaultProxy(url) as proxy:
            proxy.throttle("/api/v1/snapshots/", SNAPSHOT_BPS)
            proxy.throttle("/api/v1/blobs/", BLOB_BPS)
            (work / "clients").mkdir()
            h = CrashHarness(work / "clients", proxy.url, url, seed=args.seed, big_resource=BIG)
            h.calibrate_download(BIG_BYTES / BLOB_BPS + 0.6)
            outbox_kills = 0
            outbox_phases: Counter[str] = Counter()
            writers = iter(WRITERS)
            writer: OutboxCrashHarness | None = None
            replies = 0

            def finish(w: OutboxCrashHarness) -> None:
                nonlocal replies
                w.final_check()  # clean sync, exactly once on the portal
                replies += len(w.written)
                print(f"    {w.summary()}: exactly once", flush=True)

            per_round = 10
            cycle = ["log", "snapshot", "download", "outbox"]
            i = 0
            try:
                while h.stats.kills + outbox_kills < args.kills:
                    kind = cycle[i % len(cycle)]
                    i += 1
                    n = min(per_round, args.kills - h.stats.kills - outbox_kills)
                    if kind == "outbox":
                        if writer is None or writer.kills >= KILLS_PER_WRITER:
                            if writer is not None:
                                finish(writer)
                            login = next(writers)
                            (work / "writers").mkdir(exist_ok=True)
                            if login not in ("demo", "metodist"):
                                portal_cli(data, "user-password", login, "--password-file",
                                           str(secret))
                            writer = OutboxCrashHarness(work / "writers", url, proxy,
                                                        seed=args.seed + i, login=login)
                            proxy.clear()
                            writer.calibrate()
                        before = writer.kills
                        phases_before = dict(writer.phases)
                        writer.round(n)
                        # the catalog throttles again (round() clears the proxy's rules)
                        proxy.throttle("/api/v1/snapshots/", SNAPSHOT_BPS)
                        proxy.throttle("/api/v1/blobs/", BLOB_BPS)
                        outbox_kills += writer.kills - before
                        for k, v in writer.phases.items():
                            outbox_phases[f"outbox {k}"] += v - phases_before.get(k, 0)
                    elif kind == "download" and h._template is not None:
                        h.download_round(n)
                    else:
                        h.catalog_round(n, snapshot=kind == "snapshot")
                    print(f"  {h.stats.kills + outbox_kills:4d} kills "
                          f"({outbox_kills} outbox), {time.monotonic() - started:5.0f} s",
                          flush=True)
                if writer is not None:
                    finish(writer)
            except AssertionError as exc:
                print(f"INCONSISTENCY after {h.stats.kills + outbox_kills} kills: {exc}")
                return 1
            h.stats.seconds = time.monotonic() - started
    h.stats.kills += outbox_kills
    h.stats.by_phase.update(outbox_phases)
    print(h.stats.summary())
    print(f"outbox: {outbox_kills} kills, {replies} replies saved, each on the portal exactly "
          "once; inconsistencies: 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
