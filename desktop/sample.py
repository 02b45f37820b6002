"""The sample library shipped in ``resources/sample`` so Okno is useful with no portal at all.

    install_sample(store, paths)  # -> number of records applied
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from desktop.paths import Paths
from desktop.sync.downloads import cache_relpath, sha256_file
from desktop.sync.engine import apply_snapshot_file
from protocol.wire import CATALOG_STREAM

SAMPLE_PORTAL_ID = "okno-sample-library"


def sample_dir() -> Path:
    """``resources/sample`` in a checkout, or beside the frozen executable."""
    import sys

    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base / "resources" / "sample"


def install_sample(store: Any, paths: Paths, source: Path | None = None) -> int:
    """Load the sample catalog (and its files) into an empty or sample-only replica."""
    src = source or sample_dir()
    manifest = json.loads((src / "manifest.json").read_text("utf-8"))
    if store.portal_id() not in (None, SAMPLE_PORTAL_ID) and store.cursor(CATALOG_STREAM):
        raise ValueError("This library is already connected to a portal; the sample library "
                         "is only for a fresh installation.")
    result = apply_snapshot_file(store, src / manifest["catalog"], SAMPLE_PORTAL_ID)
    paths.ensure()
    for sha in manifest.get("files", []):
        blob = src / "files" / sha
        if not blob.exists() or sha256_file(blob) != sha:
            continue  # a damaged sample file is simply not offered as downloaded
        rel = cache_relpath(sha)
        target = paths.files / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copyfile(blob, target.with_name(target.name + ".part"))
            target.with_name(target.name + ".part").replace(target)
        store.mark_file_cached(sha, target.stat().st_size, rel)
    return result.records
