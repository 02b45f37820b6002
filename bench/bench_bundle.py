"""USB bundle speed: writing a bundle, and importing it, against a plain file copy of the same
bytes on the same disk.

    .venv/bin/python bench/bench_bundle.py [--mb 256] [--file-kb 1024] [--dir /path/on/disk]

A portal (in-process store, no HTTP) gets a library of resources whose files total --mb
megabytes; it writes a bundle with every file; a fresh desktop replica imports it (signature,
sha256 of every part, records applied with the sync code, files moved into the cache and
fsynced, one transaction for the cache entries); the replica then writes its own bundle.
The baseline is copying the bundle file to the same disk (with and without fsync). Target:
import >= 50% of the copy speed. Caches are warm for both (the bundle was just written)
unless --cold drops them before each measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.bundle.export import export_library  # noqa: E402
from desktop.bundle.importer import import_bundle  # noqa: E402
from desktop.bundle.keys import remember_portal_key  # noqa: E402
from desktop.paths import Paths  # noqa: E402
from desktop.store import Store  # noqa: E402
from portal.bundles import export_portal_bundle, portal_public_key  # noqa: E402
from portal.catalog import PortalStore  # noqa: E402


def _library(store: PortalStore, total_mb: int, file_kb: int) -> int:
    n_files = max(1, total_mb * 1024 // file_kb)
    store.publish_collection({"id": "bench", "title": "Бенчмарк", "kind": "topic"})
    resources = []
    for i in range(0, n_files, 2):
        files = []
        for j in range(i, min(i + 2, n_files)):
            data = os.urandom(file_kb * 1024)
            sha, size = store.blobs.put_bytes(data)
            files.append({"sha256": sha, "name": f"урок-{j}.pdf", "mime": "application/pdf",
                          "size": size})
        resources.append({"id": f"r-{i:06}", "title": f"Ресурс {i}", "type": "lesson",
                          "language": "ru", "grades": [5], "subjects": ["Математика"],
                          "collections": ["bench"], "files": files})
    store.bulk_publish([], resources)
    return n_files


def _copy(src: Path, dest: Path, fsync: bool) -> float:
    t0 = time.perf_counter()
    shutil.copyfile(src, dest)
    if fsync:
        fd = os.open(dest, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    seconds = time.perf_counter() - t0
    dest.unlink()
    return seconds


def _drop_caches(cold: bool) -> None:
    """With --cold (root, Linux): start from the disk, not the page cache."""
    if cold:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")


def _mbps(nbytes: int, seconds: float) -> float:
    return nbytes / 1048576 / max(seconds, 1e-9)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=256, help="megabytes of files (256)")
    ap.add_argument("--file-kb", type=int, default=1024, help="size of each file (1024 KB)")
    ap.add_argument("--dir", help="work folder on the disk to measure (default: a temp dir)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    ap.add_argument("--cold", action="store_true", help="drop the page cache before each "
                    "measured copy and import (root, Linux): read the bundle from the disk")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="okno-bench-bundle-", dir=args.dir))
    try:
        portal = PortalStore.open(root / "portal")
        t0 = time.perf_counter()
        n_files = _library(portal, args.mb, args.file_kb)
        print(f"library: {n_files} files of {args.file_kb} KB "
              f"({time.perf_counter() - t0:.1f} s to generate)")
        drive = root / "drive"
        t0 = time.perf_counter()
        summary = export_portal_bundle(portal, drive, files=True, name="bench")
        export_s = time.perf_counter() - t0
        bundle = summary.volumes[0]
        size = sum(v.stat().st_size for v in summary.volumes)
        print(f"bundle: {size / 1048576:.1f} MB in {len(summary.volumes)} volume(s)")

        # Interleaved rounds (copy, copy without fsync, import): on a shared machine the
        # load changes from second to second; the best round of each is compared.
        copy_sync = copy_plain = import_s = float("inf")
        for attempt in range(args.rounds):
            _drop_caches(args.cold)
            copy_sync = min(copy_sync, _copy(bundle, root / "copy.bin", True))
            _drop_caches(args.cold)
            copy_plain = min(copy_plain, _copy(bundle, root / "copy.bin", False))
            paths = Paths(root / f"desktop{attempt}").ensure()
            remember_portal_key(paths, portal_public_key(portal), portal.portal_id, "bench")
            store = Store(paths.database)
            _drop_caches(args.cold)
            t0 = time.perf_counter()
            report = import_bundle(store, paths, bundle, receipt=False)
            import_s = min(import_s, time.perf_counter() - t0)
            assert report.files_new == n_files, report
            if attempt < args.rounds - 1:
                store.close()
                shutil.rmtree(paths.data)
        hash_s = float("inf")
        for _ in range(2):
            _drop_caches(args.cold)
            t0 = time.perf_counter()
            h = hashlib.sha256()
            with open(bundle, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            hash_s = min(hash_s, time.perf_counter() - t0)

        t0 = time.perf_counter()
        out = export_library(store, paths, root / "drive2", files=True, name="again")
        desktop_export_s = time.perf_counter() - t0
        assert out.files == n_files
        store.close()
        portal.close()

        print(f"portal writes the bundle:     {_mbps(size, export_s):7.1f} MB/s")
        print(f"desktop writes a bundle:      {_mbps(size, desktop_export_s):7.1f} MB/s")
        print(f"desktop imports the bundle:   {_mbps(size, import_s):7.1f} MB/s "
              f"(verify + apply + fsync)")
        print(f"plain copy + fsync:           {_mbps(size, copy_sync):7.1f} MB/s")
        print(f"plain copy (no fsync):        {_mbps(size, copy_plain):7.1f} MB/s")
        print(f"sha256 of the bundle alone:   {_mbps(size, hash_s):7.1f} MB/s")
        ratio = copy_sync / import_s
        print(f"import / copy+fsync: {ratio:.1%} (target >= 50%): "
              f"{'OK' if ratio >= 0.5 else 'BELOW TARGET'}; "
              f"import / copy without fsync: {copy_plain / import_s:.0%}")
        print("(machine shared with other work; figures vary from run to run)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
