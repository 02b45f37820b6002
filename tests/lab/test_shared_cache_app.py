"""The application's openers in a lab: the window's reader and the task lanes use the shared
library, and a read-only refusal is worded for people."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.store.library import FILE_NAME, LibraryReadOnly
from desktop.sync.engine import apply_snapshot_file

pytestmark = pytest.mark.ui
SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "resources" / "sample" / "catalog.ndjson.zst"


def test_the_app_opens_the_shared_library(tmp_path: Path, qapp: object) -> None:
    from desktop.ui.app import open_main_reader, store_openers
    from desktop.ui.tasks import describe_error

    shared = tmp_path / "shared"
    with Store(tmp_path / "admin" / "okno.sqlite3", library=shared / FILE_NAME) as admin:
        apply_snapshot_file(admin, SAMPLE_CATALOG, "sample-portal")
    paths = Paths(tmp_path / "user", library=shared)
    reader = open_main_reader(paths)  # creates the user's personal file first
    try:
        assert reader.library == shared / FILE_NAME and reader.search("урок")
    finally:
        reader.close()
    connections = store_openers(paths)
    writer = connections.writer()
    try:
        assert writer.library == shared / FILE_NAME and writer.counts()["resources"] == 300
        assert paths.files == shared / "files"
    finally:
        writer.close()
    text = describe_error(LibraryReadOnly(shared))
    assert str(shared) in text and "read-only" in text
