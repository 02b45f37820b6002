"""Fixtures for portal tests: a real store in tmp_path and the real app over it.

The store is a SQLite file by default. Set ``OKNO_PORTAL_TEST_DATABASE`` to a PostgreSQL
URL (``postgresql+psycopg://user@/db?host=/tmp/pg&port=54329``) to run the same tests on
PostgreSQL; every table in that database is dropped before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from portal import db
from portal.app import create_app
from portal.catalog import PortalStore

DATABASE_ENV = "OKNO_PORTAL_TEST_DATABASE"


def _fresh_database(url: str) -> str:
    engine = db.open_engine(url)
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
    engine.dispose()
    return url


@pytest.fixture
def store(tmp_path) -> Iterator[PortalStore]:
    url = os.environ.get(DATABASE_ENV)
    with PortalStore.open(tmp_path / "portal", _fresh_database(url) if url else None) as s:
        yield s


@pytest.fixture
def client(store: PortalStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c
