"""Fixtures for operations tests: the community fixtures (a real store on SQLite, then on
PostgreSQL, four users, a public and a private association) plus helpers."""

from __future__ import annotations

from tests.portal_community.conftest import (  # noqa: F401 (fixtures)
    client,
    community,
    password_hash,
    store,
    tokens,
)
