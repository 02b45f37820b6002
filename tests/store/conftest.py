"""Fixtures for the local replica's tests: real SQLite files in tmp_path, no mocks."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.store import Store
from protocol.wire import CATALOG_STREAM, Rec, Tombstone
from tests.store.factories import PORTAL, rec


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "okno.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def publish(store: Store) -> Callable[..., Any]:
    """Apply resource dicts (or Rec/Tombstone items) as one page with a growing cursor."""
    counter = itertools.count(store.cursor(CATALOG_STREAM) + 1)

    def _publish(*items: dict | Rec | Tombstone):
        page = []
        for item in items:
            if isinstance(item, dict):
                item = rec(item, next(counter))
            page.append(item)
        cursor = max([store.cursor(CATALOG_STREAM), *(i.seq for i in page)])
        return store.apply_page(CATALOG_STREAM, page, cursor, PORTAL)

    return _publish
