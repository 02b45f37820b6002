"""Connection holders shared by the read mixins (catalog, search, downloads, history)
and the write mixins. ``Store`` and ``StoreReader`` are assembled from them in
``reader.py`` and ``store.py``; every query lives in exactly one mixin.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from desktop.store.db import write_transaction
from desktop.store.errors import StoreError, StoreFull
from desktop.store.facets import FacetWriter
from desktop.store.library import CATALOG_META_KEYS, LibraryReadOnly, keep_wal_files

T = TypeVar("T")


class ReaderBase:
    """Owns one connection and small caches that are valid for one catalog generation."""

    def __init__(self, db: Database, path: Path) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn
        self._path = path
        self._cache: dict[str, tuple[int, Any]] = {}
        # Where the catalog's own rows of meta/cursors/tombstones are: "main", or "library"
        # when a lab's shared library is attached (desktop/store/library.py).
        self._cat = "main"
        self._library: Path | None = None
        self._library_writable = True

    @property
    def path(self) -> Path:
        return self._path

    @property
    def library(self) -> Path | None:
        """The shared library file of a lab, or None when this file holds everything."""
        return self._library

    @property
    def library_writable(self) -> bool:
        """False when the catalog and downloads are read-only for this user (lab mode)."""
        return self._library_writable

    def _use_library(self, path: Path, writable: bool) -> None:
        self._cat = "library"
        self._library = path
        self._library_writable = writable

    def _schema(self, stream: str) -> str:
        """The schema holding a stream's cursor and tombstones."""
        return self._cat if stream == "catalog" else "main"

    def _meta_schema(self, key: str) -> str:
        return self._cat if key in CATALOG_META_KEYS else "main"

    @property
    def db(self) -> Database:
        """The sqlite-utils handle, for tools and tests; prefer the methods."""
        return self._db

    def _generation(self) -> int:
        """Bumped by every write that changes what search and facets return."""
        row = self._conn.execute(
            f"SELECT value FROM {self._cat}.meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def _cached(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per generation: cheap reuse of whole-catalog answers."""
        generation = self._generation()
        hit = self._cache.get(name)
        if hit is not None and hit[0] == generation:
            return hit[1]
        value = compute()
        self._cache[name] = (generation, value)
        return value

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute(f"SELECT value FROM {self._meta_schema(key)}.meta WHERE key = ?",
                                 (key,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self._db.close()
        if self._library is not None and self._library_writable:
            keep_wal_files(self._library)  # so that users who may only read can open it

    def __enter__(self) -> ReaderBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WriterBase(ReaderBase):
    """Adds the write transaction; the connection belongs to the thread that opened it."""

    def __init__(self, db: Database, path: Path) -> None:
        super().__init__(db, path)
        self._thread = threading.get_ident()
        self._facets = FacetWriter()

    @contextlib.contextmanager
    def _write(self, *, durable: bool = True,
               catalog: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable=False`` commits with synchronous=NORMAL: for
        replicated pages that a power cut may roll back together with their cursor (WAL keeps
        the file consistent; the page is simply fetched again). User data stays FULL.

        ``catalog=True`` marks a write of the catalog, the download queue or the files
        cache: in a lab it locks the shared library only (and is refused when it is
        read-only for this user); any other write locks the personal file only, so one
        user's catalog sync never holds up another user's saved draft."""
        if catalog and not self._library_writable:
            assert self._library is not None
            raise LibraryReadOnly(self._library.parent)
        # sqlite3 would also refuse a foreign thread; this says why in plain words.
        if threading.get_ident() != self._thread:
            raise StoreError("the Store is used from a thread other than the one that opened it")
        conn = self._db.conn
        schema = self._cat if catalog else "main"
        if not durable:
            conn.execute(f"PRAGMA {schema}.synchronous = NORMAL")
        try:
            with write_transaction(self._db,
                                   lock=None if self._cat == "main" else schema) as conn:
                yield conn
        except sqlite3.OperationalError as exc:
            self._facets.forget()  # ids interned in the rolled-back transaction are gone
            if "disk is full" in str(exc) or getattr(exc, "sqlite_errorcode", 0) & 0xFF == 13:
                raise StoreFull("Not enough disk space to save: nothing was written. Free "
                                "some space and try again.") from exc
            raise
        except BaseException:
            self._facets.forget()
            raise
        finally:
            if not durable:
                conn.execute(f"PRAGMA {schema}.synchronous = FULL")

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: str | None) -> None:
        schema = self._meta_schema(key)
        if value is None:
            conn.execute(f"DELETE FROM {schema}.meta WHERE key = ?", (key,))
        else:
            conn.execute(
                f"INSERT INTO {schema}.meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            f"UPDATE {self._cat}.meta SET value = CAST(value AS INTEGER) + 1 "
            "WHERE key = 'generation'"
        )
