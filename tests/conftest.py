"""Fixtures shared by every test directory: the portal's databases.

Portal tests run twice, on SQLite and on PostgreSQL: ``portal_database`` is parametrized over
both. The PostgreSQL one is a throwaway cluster started once per session (tests/pg_support.py),
or the database named by ``OKNO_PORTAL_TEST_DATABASE`` (every table dropped before each test).
Without PostgreSQL's server programs the ``postgresql`` cases are skipped, saying why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg_support import PostgresUnavailable, TestDatabases, ThrowawayPostgres, find_bin_dir

DATABASE_ENV = "OKNO_PORTAL_TEST_DATABASE"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
DATABASES = [SQLITE, POSTGRESQL]


@pytest.fixture(scope="session")
def postgres() -> Iterator[TestDatabases]:
    """The session's throwaway PostgreSQL cluster (started on first use)."""
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    try:
        server = ThrowawayPostgres.start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    databases = TestDatabases(server)
    try:
        yield databases
    finally:
        databases.close()
        server.stop()


def _external_database(url: str) -> str:
    from portal import db

    engine = db.open_engine(url)
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
    engine.dispose()
    return url


def portal_database_for(request: pytest.FixtureRequest, kind: str) -> str | None:
    """None for SQLite (the default file in the store's data directory), else the URL of a
    PostgreSQL database in its just-migrated state (for fixtures of any scope)."""
    if kind == SQLITE:
        return None
    external = os.environ.get(DATABASE_ENV)
    if external:
        return _external_database(external)
    return request.getfixturevalue("postgres").portal_url()


@pytest.fixture(params=DATABASES)
def portal_database(request: pytest.FixtureRequest) -> str | None:
    """The portal database of one test, once on SQLite, once on PostgreSQL: None means the
    default SQLite file in the store's data directory; otherwise a PostgreSQL URL, reset to
    the just-migrated state."""
    return portal_database_for(request, request.param)


@pytest.fixture(params=DATABASES)
def empty_database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A database with no tables at all (migration tests): a new SQLite file, or an empty
    PostgreSQL database."""
    if request.param == SQLITE:
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    external = os.environ.get(DATABASE_ENV)
    if external:
        return _external_database(external)
    return request.getfixturevalue("postgres").empty_url()


def pytest_configure(config: pytest.Config) -> None:
    # `okno sync` looks for lab hubs with zeroconf by default; tests must not multicast on
    # the machine's real network. Hub tests (tests/hub) choose their hub explicitly.
    os.environ.setdefault("OKNO_LAB_HUBS", "off")
