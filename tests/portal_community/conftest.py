"""Fixtures for community tests: a real store (SQLite, then PostgreSQL) in tmp_path, the real
app over it, and a small community (users, a public and a private association, forums).

Passwords are hashed with argon2 for real; only the users that sign in get one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from portal.catalog import PortalStore
from portal.community import CommunityStore
from portal.community.accounts import hash_password
from protocol.wire import End, Line, OpResult, PageEnd, Rec, Tombstone
from tests.portal.factories import decode, parse_body

SYNC = "/api/v1/sync"
SIGNIN = "/api/v1/auth/signin"
PASSWORD = "пароль-123"

PUBLIC = "reg-45"
PRIVATE = "metod-closed"
FORUM = "f-reg-45-lessons"
PRIVATE_FORUM = "f-closed"


@pytest.fixture
def store(tmp_path, portal_database: str | None) -> Iterator[PortalStore]:
    """SQLite in tmp_path, then the same test on PostgreSQL (see tests/conftest.py)."""
    with PortalStore.open(tmp_path / "portal", portal_database) as s:
        yield s


@pytest.fixture(scope="session")
def password_hash() -> str:
    """argon2 is slow on purpose: hash the test password once per session."""
    return hash_password(PASSWORD)


@pytest.fixture
def community(store: PortalStore, password_hash: str) -> CommunityStore:
    c = CommunityStore(store.engine)
    for login, name in (("anna", "Иванова Анна Сергеевна"), ("boris", "Петров Борис Ильич"),
                        ("moder", "Сидорова Елена Викторовна"),
                        ("vera", "Кузнецова Вера Николаевна")):
        c.add_user(login, name, password_hash=password_hash, user_id=f"u-{login}",
                   school="МБОУ СОШ № 2 с. Покровское", municipality="Кетовский район",
                   region="Курганская область")
    c.add_association({"id": PUBLIC, "name": "Педагоги Курганской области",
                       "kind": "regional", "visibility": "public",
                       "region": "Курганская область"})
    c.add_association({"id": PRIVATE, "name": "Методический совет (закрытый)",
                       "kind": "topic", "visibility": "private"})
    c.add_forum({"id": FORUM, "association_id": PUBLIC, "title": "Уроки и ЦОР"})
    c.add_forum({"id": PRIVATE_FORUM, "association_id": PRIVATE, "title": "Совет"})
    for login in ("anna", "boris", "vera"):
        c.set_membership(login, PUBLIC, "member")
    c.set_membership("moder", PUBLIC, "moderator")
    c.set_membership("vera", PRIVATE, "member")
    return c


@pytest.fixture
def client(store: PortalStore, community: CommunityStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c


@pytest.fixture
def tokens(client: TestClient) -> dict[str, str]:
    """A device token per test user (signed in through the API)."""
    return {login: signin(client, login) for login in ("anna", "boris", "moder", "vera")}


def signin(client: TestClient, login: str, password: str = PASSWORD) -> str:
    r = client.post(SIGNIN, json={"login": login, "password": password,
                                  "device_name": "ПК библиотеки"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def op(op_type: str, data: dict[str, Any], *, base_version: int | None = None,
       depends_on: str | None = None, op_id: str | None = None) -> dict[str, Any]:
    return {"op_id": op_id or str(uuid.uuid4()), "type": op_type, "data": data,
            "base_version": base_version, "depends_on": depends_on}


@dataclass
class Synced:
    status: int
    lines: list[Line]
    json: Any = None

    @property
    def results(self) -> list[OpResult]:
        return [x for x in self.lines if isinstance(x, OpResult)]

    def records(self, stream: str | None = None) -> list[Rec | Tombstone]:
        return [x for x in self.lines if isinstance(x, Rec | Tombstone)
                and (stream is None or x.stream == stream)]

    @property
    def end(self) -> End:
        assert isinstance(self.lines[-1], End)
        return self.lines[-1]


def sync(client: TestClient, token: str | None, cursors: dict[str, int],
         ops: list[dict[str, Any]] | None = None) -> Synced:
    body: dict[str, Any] = {"protocol": 1, "cursors": cursors}
    if ops is not None:
        body["ops"] = ops
    headers = {"accept-encoding": "zstd"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    with client.stream("POST", SYNC, json=body, headers=headers) as r:
        raw = b"".join(r.iter_raw())
    if r.status_code != 200:
        import json
        return Synced(r.status_code, [], json.loads(raw))
    lines = parse_body(decode(raw, r.headers.get("content-encoding")))
    check_order(lines)
    return Synced(200, lines)


def check_order(lines: list[Line]) -> None:
    """Op results first; then, per stream, records with rising seqs closed by page lines."""
    seen_records = False
    last: dict[str, int] = {}
    pending: dict[str, int] = {}
    for line in lines:
        if isinstance(line, OpResult):
            assert not seen_records, "op results must come before the changes"
        elif isinstance(line, Rec | Tombstone):
            seen_records = True
            assert line.seq > last.get(line.stream, 0), "seqs must rise within a stream"
            last[line.stream] = line.seq
            pending[line.stream] = pending.get(line.stream, 0) + 1
        elif isinstance(line, PageEnd):
            assert line.cursor == last[line.stream] and line.count == pending.pop(line.stream)
    assert not pending, "records after the last page line"
