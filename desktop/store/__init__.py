"""The local SQLite replica of the portal's catalog, downloads and sync history. Qt-free.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Filters, Store, open_reader
>>> path = Path(tempfile.mkdtemp()) / "okno.sqlite3"
>>> store = Store(path)                  # the writer, on the sync worker thread
>>> reader = open_reader(path)           # the UI's read connection, on the GUI thread
>>> reader.search("квадр", Filters(grades=(8,)))
[]
>>> reader.close(); store.close()
"""

from desktop.store.errors import StoreError
from desktop.store.reader import Reader, StoreReader, open_reader
from desktop.store.store import Store
from desktop.store.types import Changes, DownloadItem, Filters, SyncRecord

__all__ = [
    "Changes",
    "DownloadItem",
    "Filters",
    "Reader",
    "Store",
    "StoreError",
    "StoreReader",
    "SyncRecord",
    "open_reader",
]
