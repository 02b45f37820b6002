"""A download that failed says why in the user's language (issue 5: "a clear error"), in the
downloads list, after the fact: the queue stores the failure's category and params beside
the core's English text, and the model words them under the current translator.

Each case runs the real downloader against the real portal through the fault proxy (or on a
tiny tmpfs), once with a single-user data folder and once in a lab's shared-library layout,
where the download queue lives in the shared file."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.downloads import Downloader, InsufficientSpace
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy
from tests.faultproxy import FaultProxy
from tests.reliability.conftest import BIG_RESOURCE
from tests.reliability.support import FAST, tiny_fs

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

ONE_TRY = RetryPolicy(attempts=1)
BLOB = "/api/v1/blobs/"
LAYOUTS = ("single", "lab")


def _paths(root: Path, layout: str) -> Paths:
    return Paths(root / "me", library=root / "shared" if layout == "lab" else None)


@pytest.fixture(scope="module")
def synced(big_portal, tmp_path_factory) -> dict[str, Path]:
    """A synced replica per layout (copied for each test: faster than a sync)."""
    url, _ = big_portal
    out = {}
    for layout in LAYOUTS:
        root = tmp_path_factory.mktemp(f"synced-{layout}")
        paths = _paths(root, layout).ensure()
        store = Store(paths.database, library=paths.library_database)
        sync_catalog(store, url, paths=paths, policy=FAST)
        store.close()
        out[layout] = root
    return out


@pytest.fixture(params=LAYOUTS)
def client(request, synced, tmp_path) -> Iterator[tuple[Store, Paths, str]]:
    layout = request.param
    shutil.copytree(synced[layout], tmp_path / "copy")
    paths = _paths(tmp_path / "copy", layout)
    store = Store(paths.database, library=paths.library_database)
    yield store, paths, layout
    store.close()


def _shown(qapp: Any, qtmodeltester: Any, store: Store, language: str) -> tuple[str, str]:
    """(status cell, tooltip) of the failed file in the downloads list, in ``language``."""
    from desktop.ui.i18n import Translations
    from desktop.ui.models import DownloadsModel

    model = DownloadsModel()
    model.set_items(store.download_queue())
    qtmodeltester.check(model)
    translations = Translations(qapp)
    try:
        translations.use(language)
        index = model.index(0, model.column_of("state"))
        from PySide6.QtCore import Qt

        return index.data(), index.data(Qt.ItemDataRole.ToolTipRole)
    finally:
        translations.use("en")


def _check_stored(paths: Paths, layout: str, code: str) -> None:
    """The category is in the file the queue lives in (the shared one in a lab)."""
    where = paths.library_database if layout == "lab" else paths.database
    db = sqlite3.connect(where)
    try:
        assert db.execute("SELECT state, error_code FROM downloads").fetchall() == [
            ("failed", code)]
    finally:
        db.close()
    if layout == "lab":
        db = sqlite3.connect(paths.database)
        try:
            assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'downloads'"
                                  ).fetchone()
        finally:
            db.close()


def test_damaged_file_reads_in_russian(big_portal, client, qapp, qtmodeltester):
    url, _ = big_portal
    store, paths, layout = client
    store.enqueue_resource_files(BIG_RESOURCE)
    with FaultProxy(url) as proxy:
        proxy.rewrite_body(BLOB, lambda body: bytes([body[0] ^ 1]) + body[1:], times=2)
        Downloader(store, proxy.url, paths.files, policy=FAST).run()
    item = store.download_queue()[0]
    assert item.state == "failed" and "checksum" in item.error
    assert item.error_code == "bad_data" and "checksum" in item.error_params["detail"]
    _check_stored(paths, layout, "bad_data")
    state, tip = _shown(qapp, qtmodeltester, store, "ru")
    assert state.startswith("ошибка: Портал прислал данные, которые Окно не может принять"), state
    assert "Подробности:" in state and tip in state
    english, _ = _shown(qapp, qtmodeltester, store, "en")
    assert english.startswith("failed: The portal sent data Okno cannot accept"), english


def test_cut_download_reads_in_russian(big_portal, client, qapp, qtmodeltester):
    url, _ = big_portal
    store, paths, layout = client
    store.enqueue_resource_files(BIG_RESOURCE)
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 300_000, times=5)
        Downloader(store, proxy.url, paths.files, policy=ONE_TRY).run()
    item = store.download_queue()[0]
    assert item.state == "failed" and item.error_code == "cut", item
    _check_stored(paths, layout, "cut")
    state, _ = _shown(qapp, qtmodeltester, store, "ru")
    assert state.startswith("ошибка: Соединение оборвалось во время передачи"), state
    # Retrying clears the reason; the honest portal then completes the file.
    store.update_download(item.sha256, state="queued", error="")
    assert store.download_queue()[0].error_code == ""
    Downloader(store, url, paths.files, policy=FAST).run()
    assert store.download_queue()[0].state == "done"


def test_full_disk_reads_in_russian(big_portal, client, qapp, qtmodeltester):
    url, _ = big_portal
    store, paths, layout = client
    with tiny_fs(paths.files, "2m"):
        store.enqueue_resource_files(BIG_RESOURCE)
        with pytest.raises(InsufficientSpace):
            Downloader(store, url, paths.files, policy=FAST).run()
    item = store.download_queue()[0]
    assert item.state == "failed" and item.error_code == "disk_full", item
    _check_stored(paths, layout, "disk_full")
    state, _ = _shown(qapp, qtmodeltester, store, "ru")
    assert state.startswith("ошибка: Недостаточно места на диске"), state


def test_failed_command_line_sync_reads_in_russian_in_the_history(tmp_path, qapp,
                                                                  qtmodeltester):
    """`okno sync` (run by hand or by a schedule) writes the history the window shows."""
    from desktop.ui.i18n import Translations
    from desktop.ui.models import SyncHistoryModel
    from tests.reliability.support import run_okno

    paths = Paths(tmp_path / "okno").ensure()
    Store(paths.database).close()
    out = run_okno(paths.data, "http://127.0.0.1:1", "sync", "--retries", "1", "--no-files")
    assert out.returncode == 1, out.stderr
    with Store(paths.database) as store:
        records = store.sync_history()
    assert [(r.ok, r.error_code) for r in records] == [(False, "unreachable")]
    model = SyncHistoryModel()
    model.set_records(records)
    qtmodeltester.check(model)
    translations = Translations(qapp)
    try:
        translations.use("ru")
        text = model.index(0, model.column_of("message")).data()
    finally:
        translations.use("en")
    assert text.startswith("Не удаётся связаться с порталом http://127.0.0.1:1"), text
