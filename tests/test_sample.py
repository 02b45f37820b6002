"""The sample library shipped in resources/sample loads through the sync apply code."""

from __future__ import annotations

import json
import shutil

import pytest

from desktop.paths import Paths
from desktop.sample import SAMPLE_PORTAL_ID, install_sample, sample_dir
from desktop.store import Store
from desktop.sync.downloads import cache_relpath, sha256_file
from desktop.sync.engine import SyncError


def test_sample_library_installs_offline_with_files(tmp_path):
    paths = Paths(tmp_path / "d").ensure()
    store = Store(paths.database)
    n = install_sample(store, paths)
    manifest = json.loads((sample_dir() / "manifest.json").read_text("utf-8"))
    assert n == manifest["records"]
    assert store.portal_id() == SAMPLE_PORTAL_ID
    assert store.search("уравнения")
    for sha in manifest["files"]:
        assert sha256_file(paths.files / cache_relpath(sha)) == sha
    assert store.counts()["resources"] > 0
    # Installing again changes nothing and does not fail.
    assert install_sample(store, paths) == 0
    assert not store.check_integrity()
    store.close()


def test_truncated_sample_is_refused_with_a_clear_error(tmp_path):
    src = tmp_path / "sample"
    shutil.copytree(sample_dir(), src)
    catalog = src / "catalog.ndjson.zst"
    data = catalog.read_bytes()
    catalog.write_bytes(data[: len(data) // 2])
    paths = Paths(tmp_path / "d").ensure()
    store = Store(paths.database)
    with pytest.raises(SyncError, match="catalog.ndjson.zst"):
        install_sample(store, paths, source=src)
    # Whole pages before the cut stay applied (page atomicity); the cursor never runs ahead.
    assert not store.check_integrity()
    store.close()
