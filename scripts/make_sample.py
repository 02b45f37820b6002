"""Regenerate the sample library shipped in resources/sample (run by developers, not at
install time): a snapshot-format catalog of the demo library plus a few of its files.

    .venv/bin/python scripts/make_sample.py [--resources 300] [--files-for 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.catalog import PortalStore  # noqa: E402
from portal.cli import load_demo  # noqa: E402
from portal.demo import build_demo  # noqa: E402
from portal.snapshot import ensure_snapshot, snapshot_path  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "sample"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=300)
    ap.add_argument("--files-for", type=int, default=40, help="resources whose files ship")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PortalStore.open(tmp) as store:
        load_demo(store, args.resources, args.seed)
        info = ensure_snapshot(store)
        if OUT.exists():
            shutil.rmtree(OUT)
        (OUT / "files").mkdir(parents=True)
        shutil.copyfile(snapshot_path(store, info.name), OUT / "catalog.ndjson.zst")
        lib = build_demo(args.resources, args.seed)
        shas: list[str] = []
        for i, res in enumerate(lib.resources()):
            if i >= args.files_for:
                break
            for f in res["files"]:
                if f["sha256"] not in shas:
                    shas.append(f["sha256"])
                    (OUT / "files" / f["sha256"]).write_bytes(lib.blobs[f["sha256"]])
        manifest = {"format": 1, "catalog": "catalog.ndjson.zst", "cursor": info.cursor,
                    "records": info.records, "files": shas}
        (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"sample library: {info.records} records, {len(shas)} files, {size:,} bytes")


if __name__ == "__main__":
    main()
