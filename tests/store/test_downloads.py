"""The persistent download queue and the files cache."""

from __future__ import annotations

import pytest

from desktop.store import Changes, Store, StoreError
from desktop.store.types import DownloadItem, Filters
from tests.store.factories import file_data, resource_data

A, B, C = (file_data(n, size=100 * (i + 1)) for i, n in enumerate("abc"))


@pytest.fixture
def library(store: Store, publish) -> Store:
    publish(resource_data("r1", "Дроби", files=[A, B]),
            resource_data("r2", "Проценты", files=[B]),
            resource_data("r3", "Без файлов"))
    return store


def _states(store: Store) -> dict[str, str]:
    return {item.sha256: item.state for item in store.download_queue()}


def test_enqueue_queues_each_file_once(library: Store) -> None:
    assert library.enqueue_resource_files("r1") == Changes(downloads=True)
    queue = library.download_queue()
    assert [(i.sha256, i.name, i.size, i.state, i.resource_id) for i in queue] == [
        (A["sha256"], "a.pdf", 100, "queued", "r1"), (B["sha256"], "b.pdf", 200, "queued", "r1")]
    assert isinstance(queue[0], DownloadItem) and queue[0].added
    assert library.enqueue_resource_files("r1") == Changes()  # already queued
    assert library.enqueue_resource_files("r2") == Changes()  # B is shared
    assert library.enqueue_resource_files("r3") == Changes()  # nothing to fetch
    assert library.counts()["pending_downloads"] == 2
    with pytest.raises(StoreError, match="no resource"):
        library.enqueue_resource_files("missing")


def test_next_download_is_fifo_and_walks_the_states(library: Store) -> None:
    library.enqueue_resource_files("r1")
    first = library.next_download()
    assert first.sha256 == A["sha256"]
    library.update_download(A["sha256"], state="downloading", bytes_done=50)
    assert library.next_download().sha256 == B["sha256"]  # A is being fetched
    library.update_download(A["sha256"], bytes_done=80)
    assert library.download_queue(["downloading"])[0].bytes_done == 80
    library.update_download(A["sha256"], state="failed", error="Нет соединения")
    item = library.download_queue(["failed"])[0]
    assert (item.state, item.error, item.bytes_done) == ("failed", "Нет соединения", 80)
    library.update_download(A["sha256"], state="queued")  # retry keeps bytes, clears error
    item = library.download_queue(["queued"])[0]
    assert (item.error, item.bytes_done) == ("", 80)
    library.update_download(A["sha256"], state="paused")
    assert library.enqueue_resource_files("r1") == Changes(downloads=True)  # resumes paused
    assert _states(library) == {A["sha256"]: "queued", B["sha256"]: "queued"}


@pytest.mark.parametrize("kwargs, message", [
    ({"state": "done"}, "mark_file_cached"),
    ({"state": "exploded"}, "unknown download state"),
    ({"bytes_done": 101}, "outside 0..100"),
    ({"bytes_done": -1}, "outside"),
])
def test_bad_updates_are_refused(library: Store, kwargs: dict, message: str) -> None:
    library.enqueue_resource_files("r1")
    with pytest.raises(StoreError, match=message):
        library.update_download(A["sha256"], **kwargs)
    assert _states(library)[A["sha256"]] == "queued"


def test_cancel_and_requeue(library: Store) -> None:
    library.enqueue_resource_files("r1")
    assert library.cancel_download(A["sha256"]) == Changes(downloads=True)
    assert library.cancel_download(A["sha256"]) == Changes()
    with pytest.raises(StoreError, match="cannot go from cancelled to downloading"):
        library.update_download(A["sha256"], state="downloading")
    with pytest.raises(StoreError, match="not in the download queue"):
        library.cancel_download(C["sha256"])
    assert library.next_download().sha256 == B["sha256"]
    library.enqueue_resource_files("r1")
    assert _states(library)[A["sha256"]] == "queued"


def test_finished_files_mark_resources_downloaded(library: Store) -> None:
    library.enqueue_resource_files("r1")
    library.update_download(A["sha256"], state="downloading")
    changes = library.mark_file_cached(A["sha256"], 100, "a1\\a1b2.pdf")
    assert changes == Changes(downloads=True)  # r1 still misses B
    assert library.cached_file(A["sha256"]) == "a1/a1b2.pdf"
    changes = library.mark_file_cached(B["sha256"], 200, "b1/b1c2.pdf")
    assert changes == Changes(catalog=True, resources=frozenset({"r1", "r2"}), downloads=True)
    assert _states(library) == {A["sha256"]: "done", B["sha256"]: "done"}
    assert library.download_queue(["done"])[0].bytes_done == 100
    with pytest.raises(StoreError, match="already downloaded"):
        library.update_download(A["sha256"], bytes_done=1)

    rows = {r["id"]: r["downloaded"] for r in library.rows(library.search(""))}
    assert rows == {"r1": True, "r2": True, "r3": False}
    res = library.get_resource("r1")
    assert res["downloaded"] and [f["path"] for f in res["files"]] == ["a1/a1b2.pdf",
                                                                      "b1/b1c2.pdf"]
    assert res["files"][0]["download"]["state"] == "done"
    assert library.facets()["downloaded"] == [("1", 2)]
    assert library.facets("дроби")["downloaded"] == [("1", 1)]
    assert set(library.search("", Filters(downloaded_only=True))) == {
        library.get_resource("r1")["rowid"], library.get_resource("r2")["rowid"]}
    assert library.cache_size() == 300
    counts = library.counts()
    assert (counts["downloaded_files"], counts["cache_bytes"]) == (2, 300)
    assert library.enqueue_resource_files("r1") == Changes()  # cached: nothing to do
    assert library.check_integrity() == []


def test_freeing_space_returns_paths_and_clears_marks(library: Store) -> None:
    library.enqueue_resource_files("r1")
    library.mark_file_cached(A["sha256"], 100, "a/a.pdf")
    library.mark_file_cached(B["sha256"], 200, "b/b.pdf")
    assert library.remove_cached_files([B["sha256"]]) == ["b/b.pdf"]
    assert library.cached_file(B["sha256"]) is None
    assert library.facets()["downloaded"] == [("1", 0)]
    assert B["sha256"] not in _states(library)  # its "done" row went with the file
    assert library.enqueue_resource_files("r2") == Changes(downloads=True)
    assert sorted(library.remove_cached_files()) == ["a/a.pdf"]
    assert library.remove_cached_files() == []
    assert library.cache_size() == 0
    assert library.check_integrity() == []


@pytest.mark.parametrize("relpath", ["/etc/passwd", "../outside", "a/../../b", "C:\\x", ""])
def test_cached_paths_stay_inside_the_files_folder(library: Store, relpath: str) -> None:
    with pytest.raises(StoreError, match="inside the files folder"):
        library.mark_file_cached(A["sha256"], 1, relpath)


def test_bad_sha_is_refused(library: Store) -> None:
    with pytest.raises(StoreError, match="sha256"):
        library.mark_file_cached("../../etc", 1, "x")


def test_interrupted_download_is_queued_again_on_open(library: Store, db_path) -> None:
    library.enqueue_resource_files("r1")
    library.update_download(A["sha256"], state="downloading", bytes_done=40)
    library.close()
    store = Store(db_path)
    try:
        assert _states(store)[A["sha256"]] == "queued"
        assert store.next_download().bytes_done == 40
    finally:
        store.close()


def test_file_state_in_get_resource(library: Store) -> None:
    library.enqueue_resource_files("r1")
    library.update_download(B["sha256"], state="downloading", bytes_done=10)
    library.mark_file_cached(A["sha256"], 100, "a/a.pdf")
    files = library.get_resource("r1")["files"]
    assert [f["state"] for f in files] == ["done", "downloading"]
    assert files[1]["download"] == {"state": "downloading", "bytes_done": 10, "error": ""}
    assert [f["state"] for f in library.get_resource("r3")["files"]] == []
