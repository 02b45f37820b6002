"""Sync benchmark: a real portal with N demo resources, a real replica, loopback only.

    .venv/bin/python bench/bench_sync.py [--resources 100000]

Prints first-sync wall time and bytes on the wire (counted by a TCP forwarder) against the
records' raw JSON, the apply rate, the no-change sync, a 1% incremental sync against the
compressed size of the changed records, and search latency over 20 Russian queries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.netcount import CountingForwarder  # noqa: E402
from desktop.paths import Paths  # noqa: E402
from desktop.store import Store  # noqa: E402
from desktop.store.types import Filters  # noqa: E402
from desktop.sync.engine import sync_catalog  # noqa: E402
from portal.catalog import PortalStore  # noqa: E402
from tests.portal_process import portal_cli, running_portal  # noqa: E402

QUERIES = ["уравнения", "квадратное уравнение", "квадр", "фотосинтез", "закон ома",
           "история россии", "дроби", "правописание приставок", "теорема пифагора",
           "презентация", "рабочая тетрадь", "видеоурок химия", "окружающий мир",
           "english grammar", "смутное время", "клетка", "электрический ток", "алгоритм",
           "тест по геометрии", "ёлка"]


def _snapshot_raw_bytes(portal_dir: Path) -> tuple[int, int]:
    """(raw JSON bytes of the records, compressed snapshot size)."""
    snap = max((portal_dir / "snapshots").glob("catalog-*.ndjson.zst"),
               key=lambda p: p.stat().st_mtime)
    raw = 0
    with open(snap, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh)
        buf = b""
        while chunk := reader.read(1 << 20):
            buf += chunk
            *lines, buf = buf.split(b"\n")
            raw += sum(len(ln) + 1 for ln in lines if ln.startswith(b'{"t":"rec"'))
    return raw, snap.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--changed", type=float, default=0.01)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        portal_dir = tmpd / "portal"
        t0 = time.perf_counter()
        portal_cli(portal_dir, "demo", "--resources", str(args.resources), timeout=1800)
        print(f"portal demo load ({args.resources} resources + snapshot): "
              f"{time.perf_counter() - t0:.1f} s")
        raw_bytes, snap_size = _snapshot_raw_bytes(portal_dir)
        with running_portal(portal_dir) as url:
            port = urlsplit(url).port
            with CountingForwarder(port) as fw:
                paths = Paths(tmpd / "desktop").ensure()
                store = Store(paths.database)
                apply_time = [0.0]
                real_apply = store.apply_page

                def timed_apply(*a, **kw):
                    t = time.perf_counter()
                    try:
                        return real_apply(*a, **kw)
                    finally:
                        apply_time[0] += time.perf_counter() - t

                store.apply_page = timed_apply
                t0 = time.perf_counter()
                first = sync_catalog(store, fw.url, paths=paths)
                wall = time.perf_counter() - t0
                print("\n== first sync (snapshot + change log) ==")
                print(f"records: {first.records}, wall: {wall:.2f} s, "
                      f"round trips: {first.round_trips}")
                print(f"bytes on the wire: {fw.total:,} (down {fw.down_bytes:,}, "
                      f"up {fw.up_bytes:,}); raw JSON of records: {raw_bytes:,}; "
                      f"ratio: {fw.total / raw_bytes:.1%} (target <= 30%)")
                print(f"bytes per record: {fw.total / first.records:.0f} on the wire vs "
                      f"{raw_bytes / first.records:.0f} raw JSON; snapshot file {snap_size:,}")
                print(f"apply rate incl. search index: {first.records / apply_time[0]:,.0f} "
                      f"records/s (target >= 10,000)")

                fw.reset()
                nc = sync_catalog(store, fw.url, paths=paths)
                print("\n== no-change sync ==")
                print(f"round trips: {nc.round_trips} (TCP connections {fw.connections}), "
                      f"bytes on the wire: {fw.total} (target: 1 round trip, < 2048)")

                n_changed = max(1, int(args.resources * args.changed))
                rng = random.Random(5)
                with PortalStore.open(portal_dir) as ps:
                    ids = [r.entity_id for r in ps.changes_since("catalog", 0, limit=10**9)
                           if r.kind == "resource"]
                    before = ps.head("catalog")
                    for rid in rng.sample(ids, n_changed):
                        res = ps.get_resource(rid)
                        ps.update_resource(rid, description=res["description"] +
                                           " Обновлено методистом.")
                    changed = ps.changes_since("catalog", before, limit=10**9)
                    lines = b"".join(c.line("catalog") for c in changed)
                comp = len(zstandard.ZstdCompressor(level=6).compress(lines))
                fw.reset()
                inc = sync_catalog(store, fw.url, paths=paths)
                print(f"\n== incremental sync ({n_changed} changed = {args.changed:.0%}) ==")
                print(f"records: {inc.records}, round trips: {inc.round_trips}, "
                      f"bytes on the wire: {fw.total:,}; compressed size of the changed "
                      f"records: {comp:,}; ratio to bound (1.5x + 1 KB): "
                      f"{fw.total / (1.5 * comp + 1024):.2f} (target <= 1.00)")
                print(f"vs plain compressed records: {fw.total / comp:.2f}x")

                print("\n== search (search + facets) over 20 Russian queries ==")
                lat = []
                for _ in range(3):
                    for q in QUERIES:
                        t = time.perf_counter()
                        store.search(q, Filters())
                        store.facets(q, Filters())
                        lat.append((time.perf_counter() - t) * 1000)
                lat.sort()
                p50 = statistics.median(lat)
                p95 = lat[int(len(lat) * 0.95) - 1]
                print(f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms "
                      f"(target p95 <= 50 ms)")
                found = set(store.search("уравнения"))
                target = [rid for (rid,) in store.db.execute(
                    "SELECT rowid FROM resources WHERE title LIKE '%Квадратное уравнение%'")]
                ok = bool(target) and all(r in found for r in target)
                print(f"'уравнения' finds all {len(target)} titles with 'Квадратное "
                      f"уравнение' among {len(found)} hits: {ok}")
                store.close()


if __name__ == "__main__":
    main()
