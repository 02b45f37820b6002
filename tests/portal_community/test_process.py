"""The real portal process (on SQLite and on PostgreSQL): the demo community, sign-in, and
exactly-once across a restart."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from portal.config import DATABASE_ENV
from protocol.compression import StreamDecompressor
from protocol.wire import OpResult, Rec, parse_line
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _database(portal_database: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test twice: the portal on its SQLite file, then on PostgreSQL."""
    if portal_database is not None:
        monkeypatch.setenv(DATABASE_ENV, portal_database)


def _sync(url: str, token: str, cursors: dict[str, int], ops: list | None = None):
    body = {"protocol": 1, "cursors": cursors, "ops": ops or []}
    r = requests.post(f"{url}/api/v1/sync", json=body, timeout=60, stream=True,
                      headers={"authorization": f"Bearer {token}",
                               "accept-encoding": "gzip"})
    assert r.status_code == 200, r.text
    raw = r.raw.read()
    text = StreamDecompressor(r.headers.get("content-encoding", "identity")).decompress(raw)
    return [parse_line(line) for line in text.splitlines()]


def _signin(url: str) -> tuple[str, dict]:
    r = requests.post(f"{url}/api/v1/auth/signin", timeout=60,
                      json={"login": "demo", "password": "demo", "device_name": "тест"})
    assert r.status_code == 200, r.text
    return r.json()["token"], r.json()["user"]


def test_op_applied_before_a_portal_restart_is_a_duplicate_after_it(tmp_path):
    data = tmp_path / "portal"
    args = ("--demo", "--resources", "30", "--posts", "300")
    with running_portal(data, *args) as url:
        token, user = _signin(url)
        assert user["school"] == "МБОУ СОШ № 2 с. Покровское"
        me = requests.get(f"{url}/api/v1/me", timeout=30,
                          headers={"authorization": f"Bearer {token}"}).json()
        assoc = next(s for s in me["streams"] if s.startswith("assoc:reg-"))
        lines = _sync(url, token, {"directory": 0})
        forum = next(x for x in lines if isinstance(x, Rec) and x.kind == "forum"
                     and x.data["association_id"] == assoc.partition(":")[2])
        new_thread = {"op_id": str(uuid.uuid4()), "type": "thread.create", "data": {
            "id": str(uuid.uuid4()), "forum_id": forum.id, "title": "Вопрос после перезапуска",
            "body_md": "Проверяем, что ответ *не потеряется*."}}
        first = [x for x in _sync(url, token, {assoc: 0}, [new_thread])
                 if isinstance(x, OpResult)]
        assert first[0].result == "applied"
    # The portal stops (the client never saw the answer, say) and starts again.
    with running_portal(data, *args) as url:
        again = [x for x in _sync(url, token, {assoc: 0}, [new_thread])
                 if isinstance(x, OpResult)]
        assert again[0].result == "duplicate" and again[0].entity == first[0].entity
    # Admin commands on the stopped portal's data.
    done = portal_cli(data, "user-revoke-tokens", "demo")
    assert "revoked 1 device token" in done.stdout
    with running_portal(data, *args) as url:
        r = requests.post(f"{url}/api/v1/sync", timeout=30, json={
            "protocol": 1, "cursors": {"directory": 0}},
            headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "signin_required"


def test_admin_commands_create_users_associations_and_forums(tmp_path):
    data = tmp_path / "portal"
    (tmp_path / "pw.txt").write_text("секретный-пароль\n", encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps({
        "id": "mun-45-ketovo", "name": "РМО Кетовского округа", "kind": "municipal",
        "visibility": "public", "region": "Курганская область"}), encoding="utf-8")
    (tmp_path / "f.json").write_text(json.dumps({
        "id": "f-ketovo", "association_id": "mun-45-ketovo", "title": "Вопросы коллегам"}),
        encoding="utf-8")
    out = portal_cli(data, "user-add", "--login", "ivanova", "--name", "Иванова Мария Петровна",
                     "--password-file", str(tmp_path / "pw.txt"), "--region",
                     "Курганская область").stdout
    assert "added user ivanova" in out
    assert "0 device token(s) of ivanova" in portal_cli(data, "user-tokens", "ivanova").stdout
    assert "association mun-45-ketovo version 1" in portal_cli(
        data, "assoc-add", "--json", str(tmp_path / "a.json")).stdout
    assert "forum f-ketovo" in portal_cli(data, "forum-add", "--json",
                                          str(tmp_path / "f.json")).stdout
    assert "ivanova is coordinator of mun-45-ketovo" in portal_cli(
        data, "assoc-member", "ivanova", "mun-45-ketovo", "--role", "coordinator").stdout
    bad = portal_cli(data, "assoc-member", "nobody", "mun-45-ketovo", check=False)
    assert bad.returncode == 1 and "there is no user" in bad.stderr
    dup = portal_cli(data, "user-add", "--login", "IVANOVA", "--name", "X", check=False)
    assert dup.returncode == 1 and "already exists" in dup.stderr
