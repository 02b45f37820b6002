"""Fixtures for portal tests: a real store in tmp_path and the real app over it.

Every test using ``store`` runs twice: on a SQLite file and on PostgreSQL (a throwaway
cluster, see tests/conftest.py; ``OKNO_PORTAL_TEST_DATABASE`` names another one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from portal.catalog import PortalStore


@pytest.fixture
def store(tmp_path, portal_database: str | None) -> Iterator[PortalStore]:
    with PortalStore.open(tmp_path / "portal", portal_database) as s:
        yield s


@pytest.fixture
def client(store: PortalStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c
