"""Full disk (issue 5, part 6): page apply, the snapshot and file downloads on a tiny tmpfs.
Each gives a plain "not enough disk space" message, keeps the database intact (and
consistent with its cursor), and finishes once space is freed. Needs root (mount); skipped
with the reason otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync import downloads as dl
from desktop.sync.downloads import Downloader, cache_relpath, sha256_file
from desktop.sync.engine import InsufficientSpace, sync_catalog
from tests.reliability.conftest import BIG_FILE_BYTES, BIG_RESOURCE
from tests.reliability.support import FAST, check_replica, portal_state, run_okno, tiny_fs

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _grow(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def _plain_disk_message(text: str) -> None:
    assert "disk space" in text.lower() and "Traceback" not in text, text


def test_page_apply_on_a_full_disk(big_portal, tmp_path):
    url, _ = big_portal
    portal, head = portal_state(url)
    with tiny_fs(tmp_path / "disk", "1m") as disk:
        paths = Paths(disk / "okno").ensure()
        store = Store(paths.database)
        with pytest.raises(InsufficientSpace) as err:
            sync_catalog(store, url, paths=paths, policy=FAST, use_snapshot=False,
                         page_bytes=16 * 1024)
        _plain_disk_message(str(err.value))
        assert "intact" in str(err.value)
        cursor = store.cursor("catalog")
        store.close()
        # Intact and consistent: exactly the pages up to the stored cursor.
        assert check_replica(paths.database, portal) == cursor < head
        # The command line says the same, in one line, without a traceback.
        out = run_okno(paths.data, url, "sync", "--no-files", "--no-snapshot", "--retries", "1")
        assert out.returncode == 1
        _plain_disk_message(out.stderr)
        assert out.stderr.count("\n") <= 2
        _grow(disk, "64m")
        store = Store(paths.database)
        sync_catalog(store, url, paths=paths, policy=FAST)
        store.close()
        assert check_replica(paths.database, portal) == head


def test_snapshot_that_does_not_fit_is_refused_up_front(big_portal, tmp_path):
    url, _ = big_portal
    with tiny_fs(tmp_path / "disk", "2m") as disk:
        paths = Paths(disk / "okno").ensure()
        store = Store(paths.database)
        with pytest.raises(InsufficientSpace) as err:
            sync_catalog(store, url, paths=paths, policy=FAST)
        _plain_disk_message(str(err.value))
        assert list(paths.snapshots.iterdir()) == []
        assert store.cursor("catalog") == 0 and not store.check_integrity()
        store.close()


def _synced(url: str, where: Path) -> tuple[Store, Paths]:
    paths = Paths(where).ensure()
    store = Store(paths.database)
    sync_catalog(store, url, paths=paths, policy=FAST)
    return store, paths


def test_download_larger_than_the_free_space_is_refused(big_portal, tmp_path):
    url, _ = big_portal
    store, paths = _synced(url, tmp_path / "okno")
    with tiny_fs(paths.files, "2m"):
        store.enqueue_resource_files(BIG_RESOURCE)
        with pytest.raises(InsufficientSpace) as err:
            Downloader(store, url, paths.files, policy=FAST).run()
        _plain_disk_message(str(err.value))
        item = store.download_queue()[0]
        assert item.state == "failed" and "disk space" in item.error
        assert [p for p in paths.files.rglob("*") if p.is_file()] == []
        out = run_okno(paths.data, url, "download", BIG_RESOURCE, "--retries", "1")
        assert out.returncode == 1
        _plain_disk_message(out.stderr)
    store.close()


def test_disk_filling_up_during_a_download(big_portal, tmp_path, monkeypatch):
    """Another program fills the disk while the file arrives: the write fails with a
    disk-space message (not a "network error" retried five times), the partial file is
    kept for resuming, and once space is freed the download resumes and verifies."""
    url, _ = big_portal
    monkeypatch.setattr(dl, "SPACE_MARGIN", 0)
    store, paths = _synced(url, tmp_path / "okno")
    with tiny_fs(paths.files, "4m"):
        store.enqueue_resource_files(BIG_RESOURCE)
        filler = paths.files / "other-program.bin"
        waits: list[str] = []

        def fill(progress: dl.DownloadProgress) -> None:
            if progress.bytes_done < BIG_FILE_BYTES and not filler.exists():
                with open(filler, "wb", buffering=0) as fh:
                    try:
                        while True:
                            fh.write(b"\0" * 65536)
                    except OSError:
                        pass

        with pytest.raises(InsufficientSpace) as err:
            Downloader(store, url, paths.files, policy=FAST, progress=fill,
                       on_wait=lambda why, s: waits.append(why)).run()
        _plain_disk_message(str(err.value))
        assert waits == [], "a full disk is not a network problem to retry"
        item = store.download_queue()[0]
        assert item.state == "failed" and "disk space" in item.error
        part = paths.files / (cache_relpath(item.sha256) + ".part")
        assert 0 < part.stat().st_size < BIG_FILE_BYTES
        assert not store.check_integrity()
        filler.unlink()
        store.enqueue_resource_files(BIG_RESOURCE)
        Downloader(store, url, paths.files, policy=FAST).run()
        final = paths.files / cache_relpath(item.sha256)
        assert sha256_file(final) == item.sha256 and not part.exists()
        assert store.download_queue()[0].state == "done"
    store.close()
