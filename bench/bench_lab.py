"""Lab benchmark: bytes over the uplink to fill a lab of N PCs with the library,
with and without a lab hub. A real portal, real replicas, real HTTP; loopback only.

    .venv/bin/python bench/bench_lab.py [--size-mb 1024] [--pcs 10] [--file-mb 32]

The "uplink" is a byte-counting TCP forwarder (bench/netcount.py) in front of the portal:
every byte any PC exchanges with the portal passes through it (payload bytes of the TCP
streams, both directions; no rate limit - the figure is bytes, not time). With the hub,
PC 1 fills from the portal (``sync_with_hub(hub=None, all_files=True)``), serves its
replica as a hub on 127.0.0.1 (advertised by zeroconf on loopback), and PCs 2..N fill with
``hub="auto"`` (discovery, catalog and files from the hub, the tail and identity check from
the portal). Without the hub, every PC fills from the portal. Each PC's data folder is
deleted after it is counted (the hub's is kept), so the disk needs ~3x the library.
The library is the demo catalog plus resources with incompressible files of ``--file-mb``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.netcount import CountingForwarder  # noqa: E402
from desktop.hub.app import HubConfig  # noqa: E402
from desktop.hub.server import HubServer  # noqa: E402
from desktop.paths import Paths  # noqa: E402
from desktop.store import Store  # noqa: E402
from desktop.sync.hubsync import sync_with_hub  # noqa: E402
from portal.catalog import PortalStore  # noqa: E402
from portal.snapshot import current_snapshot, ensure_snapshot  # noqa: E402
from tests.portal_process import portal_cli, running_portal  # noqa: E402

MiB = 1024 * 1024


def build_library(portal_dir: Path, size_mb: int, file_mb: int, resources: int) -> int:
    """The demo catalog plus big resources until the files reach ``size_mb``; returns the
    library's bytes (every blob plus the snapshot)."""
    portal_cli(portal_dir, "demo", "--resources", str(resources), "--no-snapshot")
    store = PortalStore.open(portal_dir)
    try:
        have = sum(store.file_info(sha)[1] for sha in _all_shas(store))
        tmp = portal_dir / "incoming.bin"
        i = 0
        while have < size_mb * MiB:
            n = min(file_mb * MiB, size_mb * MiB - have)
            with open(tmp, "wb") as fh:
                left = n
                while left:
                    chunk = os.urandom(min(left, 4 * MiB))
                    fh.write(chunk)
                    left -= len(chunk)
            store.publish_resource({
                "id": f"big-{i:05d}", "title": f"Видеоурок для лаборатории № {i + 1}",
                "description": "Большой файл для проверки лаборатории.", "authors": [],
                "subjects": ["Информатика"], "grades": [7], "type": "video_lesson",
                "language": "ru", "license": "CC BY 4.0", "keywords": [], "collections": [],
            }, [(f"lesson-{i + 1}.mp4", "video/mp4", tmp)])
            have += n
            i += 1
        tmp.unlink(missing_ok=True)
        ensure_snapshot(store)
        info = current_snapshot(store)
        return have + (info.size if info else 0)
    finally:
        store.close()


def _all_shas(store: PortalStore) -> set[str]:
    """Every file named by a live resource of the catalog."""
    shas: set[str] = set()
    cursor = 0
    while batch := store.changes_since("catalog", cursor, 1000):
        for change in batch:
            if change.kind == "resource" and not change.deleted and change.payload:
                shas.update(f["sha256"] for f in json.loads(change.payload).get("files", []))
            cursor = change.seq
    return shas


def fill(root: Path, name: str, url: str, hub: str | None) -> tuple[Path, float, object]:
    paths = Paths(root / name).ensure()
    store = Store(paths.database)
    started = time.monotonic()
    try:
        report = sync_with_hub(store, url, paths=paths, hub=hub, all_files=True,
                               interfaces=["127.0.0.1"])
        cached = store.counts()["downloaded_files"]
    finally:
        store.close()
    return paths.data, time.monotonic() - started, (report, cached)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024, help="library files, MiB (1024)")
    ap.add_argument("--pcs", type=int, default=10)
    ap.add_argument("--file-mb", type=int, default=32, help="size of each big file, MiB")
    ap.add_argument("--resources", type=int, default=300, help="demo catalog resources")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="okno-bench-lab-"))
    root.mkdir(parents=True, exist_ok=True)
    os.environ["OKNO_LAB_HUBS"] = "on"
    print(f"Building a {args.size_mb} MiB library in {root} ...", flush=True)
    t0 = time.monotonic()
    library = build_library(root / "portal", args.size_mb, args.file_mb, args.resources)
    print(f"library: {library / MiB:.1f} MiB (files + snapshot), built in "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    results: dict[str, int] = {}
    with running_portal(root / "portal") as url:
        port = urlsplit(url).port or 80
        # Without the hub: every PC fills from the portal.
        with CountingForwarder(port) as uplink:
            for i in range(args.pcs):
                data, secs, (report, files) = fill(root, f"nohub-pc{i + 1}", uplink.url, None)
                print(f"  without hub: PC {i + 1} filled in {secs:.1f} s ({files} files); "
                      f"uplink so far {uplink.total / MiB:.1f} MiB", flush=True)
                shutil.rmtree(data)
            results["without"] = uplink.total
        # With the hub: PC 1 from the portal, the others from PC 1 over the "LAN".
        with CountingForwarder(port) as uplink:
            data, secs, (report, files) = fill(root, "hub-pc1", uplink.url, None)
            once = uplink.total
            print(f"  with hub: PC 1 (the hub) filled from the portal in {secs:.1f} s; uplink "
                  f"{once / MiB:.1f} MiB", flush=True)
            hub_paths = Paths(data)
            config = HubConfig(hub_paths.database, portal_url=uplink.url,
                               files_dir=hub_paths.files)
            with HubServer(config, "127.0.0.1", 0, advertise=True) as hub:
                for i in range(1, args.pcs):
                    pc, secs, (report, files) = fill(root, f"hub-pc{i + 1}", uplink.url,
                                                      "auto")
                    assert report.hub_url == hub.url, "the PC did not find the hub"
                    print(f"  with hub: PC {i + 1} filled in {secs:.1f} s from "
                          f"{report.hub_url} ({files} files, "
                          f"{(report.hub_file_bytes + report.hub_bytes) / MiB:.1f} MiB over "
                          f"the LAN); uplink so far {uplink.total / MiB:.2f} MiB", flush=True)
                    shutil.rmtree(pc)
            results["with"] = uplink.total
    print()
    print(f"Lab of {args.pcs} PCs, library {library / MiB:.1f} MiB "
          f"({library:,} bytes: files + catalog snapshot)")
    for key, label in (("without", "without a hub"), ("with", "with a lab hub")):
        print(f"  {label:15s} uplink {results[key] / MiB:10.1f} MiB = "
              f"{results[key] / library:6.3f}x the library")
    ok = results["with"] <= 1.05 * library
    print(f"target: with the hub <= 1.05x the library: {'met' if ok else 'NOT met'}")
    print("(bytes are TCP payload through a counting forwarder on loopback; the machine was "
          "shared with other work, so the times are indicative only)")
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
