"""Fixtures of the reliability suite: one real portal with a 3,000-resource demo library and
one large file, shared by the tests that do not change it much (each test reads the
portal's state itself)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal_process import portal_cli, running_portal
from tests.reliability.support import resource_json

BIG_FILE_BYTES = 3 * 1024 * 1024
BIG_RESOURCE = "res-reliability-big"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: fault injection (issue 5); bounded time")


@pytest.fixture(scope="session")
def big_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(url, data dir) of a portal with 3,000 demo resources plus one 3 MB file."""
    data = tmp_path_factory.mktemp("big-portal")
    portal_cli(data, "demo", "--resources", "3000", "--seed", "5", "--no-snapshot")
    work = tmp_path_factory.mktemp("big-file")
    blob = work / "видеоурок.bin"
    blob.write_bytes(os.urandom(BIG_FILE_BYTES))
    meta = work / "big.json"
    meta.write_text(json.dumps(resource_json(BIG_RESOURCE, "Большой видеоурок",
                                             type="video_lesson"), ensure_ascii=False), "utf-8")
    portal_cli(data, "publish", "--json", str(meta), "--file", str(blob))
    with running_portal(data) as url:
        yield url, data
