"""Fixtures for the course tests: a desktop data folder synced from a real demo portal
(the portal is stopped afterwards: the UI tests run offline, as a school PC often does)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from tests.ui.conftest import make_ctx  # noqa: E402, F401  (the UI tests' context fixture)

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "200", "--seed", "5")
COURSE = "pd-cor-librarians"


@pytest.fixture(scope="module")
def synced_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo user's data folder after a full sync; a colleague reviewed a course resource
    and the demo user linked it in a forum reply."""
    from desktop.paths import Paths
    from desktop.store import Store
    from desktop.sync.community import signin, sync_community
    from desktop.sync.downloads import Downloader
    from desktop.sync.engine import sync_catalog
    from desktop.sync.http import RetryPolicy
    from tests.community_support import reply_thread
    from tests.portal_process import running_portal

    fast = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
    root = tmp_path_factory.mktemp("courses-ui")
    with running_portal(root / "portal", *PORTAL_ARGS) as url:
        stores = {}
        for login in ("metodist", "demo"):
            paths = Paths(root / login).ensure()
            store = Store(paths.database)
            sync_catalog(store, url, paths=paths, policy=fast)
            token, user = signin(url, login, "demo", "ui test")
            store.set_community_user(user)
            sync_community(store, url, token, paths=paths, policy=fast)
            stores[login] = (store, paths, token)
        store, paths, token = stores["metodist"]
        rid = store.course(COURSE)["modules"][1]["lessons"][0]["materials"][0]["resource_id"]
        store.save_review(rid, 5, "Провела урок в 8 «А»: тест после объяснения занял 10 "
                                  "минут, ребятам понравилось. Скачала заранее — сеть не нужна.")
        store.save_lesson_set(None, "Неделя математики: 8 класс",
                              [m["resource_id"] for m in
                               store.course(COURSE)["modules"][1]["lessons"][0]["materials"]],
                              description="Урок, тест и лабораторная для открытого урока.",
                              shared_with="okno-ru")
        sync_community(store, url, token, paths=paths, policy=fast)
        store.close()
        store, paths, token = stores["demo"]
        store.write_reply(reply_thread(store), f"Коллеги, для урока подойдёт "
                          f"[этот урок](okno://resource/{rid}) — проверено в 8 классе.")
        store.save_review(rid, 4, "Использовала на классном часе, хорошо идёт в паре с "
                                  "презентацией.")
        sync_community(store, url, token, paths=paths, policy=fast)
        store.queue_course_download(COURSE)  # "download for offline use", then offline
        Downloader(store, url, paths.files, policy=fast).run()
        store.close()
    return root / "demo"


@pytest.fixture
def course_paths(tmp_path: Path, synced_folder: Path) -> Any:
    """A private copy of the synced folder for one test."""
    from desktop.paths import Paths

    shutil.copytree(synced_folder, tmp_path / "data")
    return Paths(tmp_path / "data").ensure()
