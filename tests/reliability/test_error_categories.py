"""Every failure the sync core reports has a category the UI words in the user's language
(issue 5, part 2: "reports the state in plain words"). A cut or stalled transfer anywhere —
catalog change log, snapshot, file download (the community sync is in
test_hostile_community.py) — is a network category, never "other" (which the UI can only
show as the core's English sentence)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.downloads import Downloader
from desktop.sync.engine import sync_catalog
from desktop.sync.http import ERROR_CODES, RetryPolicy, SyncError
from tests.faultproxy import FaultProxy
from tests.reliability.conftest import BIG_RESOURCE
from tests.reliability.support import FAST, ROOT

ONE_TRY = RetryPolicy(attempts=1)
SYNC, SNAP, BLOB = "/api/v1/sync", "/api/v1/snapshots/", "/api/v1/blobs/"
NETWORK = {"cut", "stalled", "network", "unreachable"}


def _sync_error_calls() -> list[tuple[str, int, ast.Call]]:
    out = []
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "SyncError":
                out.append((str(path.relative_to(ROOT)), node.lineno, node))
    return out


def test_every_sync_error_the_core_raises_has_a_known_category():
    calls = _sync_error_calls()
    assert len(calls) > 20
    bad = []
    for where, line, call in calls:
        code = next((k.value for k in call.keywords if k.arg == "code"), None)
        if code is None and any(k.arg is None for k in call.keywords):
            continue  # SyncError(text, **kw): the caller passes the code through
        if isinstance(code, ast.Name):
            continue  # chosen from constants just above (error_from_response)
        if not (isinstance(code, ast.Constant) and code.value in ERROR_CODES
                and code.value != "other"):
            bad.append(f"{where}:{line}")
    assert not bad, f"SyncError without a known category (the UI would show English): {bad}"


def test_every_category_has_words_in_the_ui(qapp):
    from desktop.ui.tasks import describe_sync_error

    params = {"url": "http://x", "status": "500", "where": "/d", "reason": "r"}
    missing = [c for c in ERROR_CODES if c != "other"
               and describe_sync_error(SyncError("ENGLISH", code=c, params=params)) == "ENGLISH"]
    assert not missing, missing


@pytest.fixture(scope="module")
def synced(big_portal, tmp_path_factory):
    url, _ = big_portal
    paths = Paths(tmp_path_factory.mktemp("categories") / "desktop").ensure()
    store = Store(paths.database)
    sync_catalog(store, url, paths=paths, policy=FAST, use_snapshot=False, page_bytes=200_000)
    store.close()
    return paths.data


def _russian(qapp, exc: SyncError) -> str:
    from desktop.ui.i18n import Translations
    from desktop.ui.tasks import describe_error

    translations = Translations(qapp)
    try:
        translations.use("ru")
        return describe_error(exc)
    finally:
        translations.use("en")


@pytest.mark.parametrize("where,at", [("changes", 1), ("changes", 150_000), ("snapshot", 40_000)])
def test_cut_catalog_transfer_is_a_translated_network_error(big_portal, tmp_path, qapp, where,
                                                            at):
    url, _ = big_portal
    paths = Paths(tmp_path / "desktop").ensure()
    store = Store(paths.database)
    with FaultProxy(url) as proxy:
        proxy.cut_after(SYNC if where == "changes" else SNAP, at, times=1)
        with pytest.raises(SyncError) as err:
            sync_catalog(store, proxy.url, paths=paths, policy=ONE_TRY,
                         use_snapshot=where == "snapshot", page_bytes=100_000)
    assert err.value.code == "cut" and err.value.retryable, (err.value.code, str(err.value))
    text = _russian(qapp, err.value)
    assert text != str(err.value) and "соединение" in text.lower(), text
    store.close()


def test_stalled_change_stream_is_a_stalled_error(big_portal, tmp_path):
    url, _ = big_portal
    paths = Paths(tmp_path / "desktop").ensure()
    store = Store(paths.database)
    with FaultProxy(url) as proxy:
        proxy.stall(SYNC, after=20_000, seconds=3.0, times=1)
        with pytest.raises(SyncError) as err:
            sync_catalog(store, proxy.url, paths=paths, policy=ONE_TRY, use_snapshot=False,
                         stall_timeout=0.8)
    assert err.value.code == "stalled", (err.value.code, str(err.value))
    store.close()


def test_cut_download_is_a_translated_network_error(big_portal, synced, tmp_path, qapp):
    url, _ = big_portal
    paths = Paths(tmp_path / "desktop")
    shutil.copytree(synced, paths.data)
    store = Store(paths.database)
    store.enqueue_resource_files(BIG_RESOURCE)
    item = store.download_queue()[0]
    with FaultProxy(url) as proxy:
        proxy.cut_after(BLOB, 300_000, times=1)
        with pytest.raises(SyncError) as err:
            Downloader(store, proxy.url, paths.files, policy=ONE_TRY).download(item)
    assert err.value.code == "cut" and err.value.retryable, (err.value.code, str(err.value))
    text = _russian(qapp, err.value)
    assert text != str(err.value) and "соединение" in text.lower(), text
    # The part that arrived is kept and the next run resumes it.
    assert Path(paths.files).rglob("*.part")
    store.close()


def test_default_retry_policy_rides_out_a_20_second_blackout(monkeypatch):
    """Regression (bench/slow_link.py): with the link down every attempt fails at once, and
    the old default (5 attempts, full jitter) could give up within a few seconds — a 20 s
    blackout failed the sync. Now the waits add up to at least 30 s, jitter or not."""
    import random

    policy = RetryPolicy()
    for pick in (lambda a, b: a, lambda a, b: b):  # the least and the most jitter
        monkeypatch.setattr(random, "uniform", pick)
        total = sum(policy.delay(a, None) for a in range(policy.attempts - 1))
        assert 30.0 <= total <= 70.0, total
    assert policy.patience() >= 30.0
    assert policy.delay(0, 7.0) == 7.0  # Retry-After wins
