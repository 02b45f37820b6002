"""The read side: one class with every query, used by ``Store`` and by the UI's reader.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store, open_reader
>>> path = Path(tempfile.mkdtemp()) / "okno.sqlite3"
>>> Store(path).close()
>>> with open_reader(path) as reader:
...     reader.search("уравнения")
[]
"""

from __future__ import annotations

from pathlib import Path

from desktop.store.catalog import CatalogReads
from desktop.store.community import CommunityReads
from desktop.store.consultations import ConsultReads
from desktop.store.courses import CourseReads
from desktop.store.db import open_reader_db
from desktop.store.downloads import DownloadReads
from desktop.store.errors import StoreError
from desktop.store.history import HistoryReads
from desktop.store.integrity import IntegrityReads
from desktop.store.library import attach_library, layout
from desktop.store.library_use import LibraryUseReads
from desktop.store.migrations import SCHEMA_VERSION, newer_error, user_version
from desktop.store.search import SearchReads


class Reader(CatalogReads, SearchReads, DownloadReads, HistoryReads, IntegrityReads,
             CommunityReads, CourseReads, LibraryUseReads, ConsultReads):
    """Every read query: search, facets, rows, get_resource, counts, collections,
    download_queue, next_download, cached_file, cache_size, sync_history, last_sync,
    check_integrity. ``Store`` adds the writes on top."""


class StoreReader(Reader):
    """A separate read-intent connection for the GUI thread (WAL: it never waits for the
    writer, and sees each committed page whole). Not for use from other threads."""


def open_reader(path: Path, *, library: Path | None = None) -> StoreReader:
    """Open the UI's read connection to a database the ``Store`` has already created.

    ``reader = open_reader(paths.database); reader.search("фотосинтез")``. ``library``: a
    lab's shared catalog file, as given to the ``Store``.
    """
    path = Path(path)
    db = open_reader_db(path)
    version = user_version(db)
    personal = layout(db) == "personal"
    if version != SCHEMA_VERSION or personal != (library is not None):
        db.close()
        if version > SCHEMA_VERSION:
            raise newer_error(version)
        raise StoreError(f"the database at {path} is not ready yet (schema version {version}); "
                         "open it with the Store first, which upgrades it")
    reader = StoreReader(db, path)
    if library is not None:
        try:
            writable = attach_library(db, Path(library), writer=False)
        except BaseException:
            db.close()
            raise
        reader._use_library(Path(library), writable)
    return reader
