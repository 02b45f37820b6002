"""``Store``: the local replica's one writer, with every read method as well.

Created and used on one thread (the sync/download worker); the UI reads through
``open_reader``. Each write method is one durable transaction and returns ``Changes``.

>>> from pathlib import Path; import tempfile
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.counts()["resources"], store.portal_id()
(0, None)
>>> store.close()
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.store.apply import CatalogWrites
from desktop.store.community import CommunityWrites
from desktop.store.consultations import ConsultWrites
from desktop.store.courses import CourseWrites
from desktop.store.db import configure_writer, corruption_error, is_corruption, open_writer
from desktop.store.downloads import DownloadWrites
from desktop.store.errors import StoreError
from desktop.store.history import HistoryWrites
from desktop.store.indexing import terms_version
from desktop.store.library import attach_library, migrate_full, migrate_personal
from desktop.store.library_use import LibraryUseWrites
from desktop.store.migrations import check_not_newer
from desktop.store.reader import Reader
from desktop.store.serving import ServingWrites


class Store(Reader, CatalogWrites, DownloadWrites, HistoryWrites, CommunityWrites,
            ServingWrites, CourseWrites, LibraryUseWrites, ConsultWrites):
    """Open (creating and migrating as needed) the database at ``path``.

    Raises ``StoreError`` for a file that is not an Okno database, is damaged, or was
    created by a newer Okno; such a file is left untouched.

    ``library``: a computer lab's shared catalog file (desktop/store/library.py); ``path``
    then holds this user's personal data only.
    """

    def __init__(self, path: Path, *, library: Path | None = None) -> None:
        path = Path(path)
        db = open_writer(path, uri=library is not None)
        writable = True
        try:
            # Refuse a newer schema before WAL is switched on: that alone writes the file.
            check_not_newer(db)
            configure_writer(db)
            if library is None:
                migrate_full(db)
            else:
                migrate_personal(db)
                writable = attach_library(db, Path(library), writer=True)
        except sqlite3.DatabaseError as exc:
            db.close()
            if is_corruption(exc):
                raise corruption_error(path, exc) from None
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        except BaseException:
            db.close()
            raise
        super().__init__(db, path)
        if library is not None:
            self._use_library(Path(library), writable)
        try:
            if writable and self._meta("text_version") != terms_version():
                self.reindex_search()  # new text rules: the old terms would miss words
            if library is None:  # a lab's queue: whoever takes the downloads lock does it
                self.requeue_interrupted()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Let SQLite refresh its planner statistics, then close."""
        try:
            self._conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass  # closing must not fail because of housekeeping
        super().close()
