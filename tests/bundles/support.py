"""Shared setup of the bundle end-to-end tests: the real portal with its hello, and a
client replica that trusts the portal's bundle key (or not)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from desktop.bundle.keys import remember_portal_key
from desktop.paths import Paths
from desktop.store import Store
from tests.portal_process import running_portal


def portal_with_hello(tmp_path_factory: pytest.TempPathFactory,
                      *portal_args: str) -> Iterator[tuple[str, Path, dict]]:
    """Yield the URL, data folder and ``/hello`` answer of a real portal (a fixture body)."""
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, *portal_args) as url:
        hello = requests.get(f"{url}/api/v1/hello", timeout=10).json()
        yield url, data, hello


def client(tmp_path: Path, name: str, hello: dict | None = None,
           source: str = "test") -> tuple[Store, Paths]:
    """A fresh replica; with ``hello``, it knows the portal's bundle key (``source`` says how:
    the lab preset pins it, or the first sync learned it)."""
    paths = Paths(tmp_path / name).ensure()
    if hello is not None:
        remember_portal_key(paths, hello["bundle_key"], hello["portal_id"], source)
    return Store(paths.database), paths
