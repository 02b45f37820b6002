"""User and association management commands of ``okno-portal``."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from portal import cli
from portal.app import create_app
from tests.portal_community.conftest import PRIVATE, PUBLIC, SIGNIN, signin, sync


@pytest.fixture
def where(tmp_path, portal_database) -> list[str]:
    w = ["--data", str(tmp_path / "portal")]
    return w + (["--database", portal_database] if portal_database else [])


def test_user_list_and_roles(community, where, capsys, client, tokens):
    assert cli.main(["user-list", "--json", *where]) == 0
    users = {u["login"]: u for u in json.loads(capsys.readouterr().out)}
    assert set(users) == {"anna", "boris", "moder", "vera"}
    assert users["anna"]["devices"] == 1 and users["anna"]["can_sign_in"]
    cursor = sync(client, tokens["anna"], {"directory": 0}).end.cursors["directory"]
    assert cli.main(["user-set-role", "boris", "moderator", *where]) == 0
    # The public profile follows: clients see the new role.
    [rec] = sync(client, tokens["anna"], {"directory": cursor}).records("directory")
    assert rec.id == "u-boris" and rec.data["role"] == "moderator"
    assert cli.main(["user-list", "--role", "moderator", *where]) == 0
    assert "boris" in capsys.readouterr().out


def test_disable_and_reset_password(community, where, capsys, client, tokens):
    assert cli.main(["user-disable", "anna", *where]) == 0
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {tokens['anna']}"}
                      ).status_code == 401
    r = client.post(SIGNIN, json={"login": "anna", "password": "пароль-123"})
    assert r.status_code == 401
    assert cli.main(["user-reset-password", "anna", *where]) == 0
    password = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert signin(client, "anna", password)


def test_association_rename_visibility_and_member_removal(community, where, capsys, client,
                                                           tokens):
    cursor = sync(client, tokens["vera"], {"directory": 0}).end.cursors["directory"]
    assert cli.main(["assoc-rename", PUBLIC, "Педагоги Зауралья", *where]) == 0
    assert cli.main(["assoc-visibility", PUBLIC, "private", *where]) == 0
    recs = sync(client, tokens["vera"], {"directory": cursor}).records("directory")
    assert recs[-1].data["name"] == "Педагоги Зауралья"
    assert recs[-1].data["visibility"] == "private"
    assert cli.main(["assoc-list", *where]) == 0
    out = capsys.readouterr().out
    assert f"{PUBLIC}\tregional\tprivate\t4 member(s)" in out
    # Removing a member ends their reading of a private association.
    stream = "user:u-vera"
    before = sync(client, tokens["vera"], {stream: 0}).end.cursors[stream]
    assert cli.main(["assoc-member-remove", "vera", PRIVATE, *where]) == 0
    gone = sync(client, tokens["vera"], {stream: before}).records(stream)
    assert [type(r).__name__ for r in gone] == ["Tombstone"]
    assert sync(client, tokens["vera"], {f"assoc:{PRIVATE}": 0}).status == 403
    assert cli.main(["assoc-member-remove", "vera", PRIVATE, *where]) == 1
    assert cli.main(["assoc-members", PUBLIC, *where]) == 0
    assert "moder\tmoderator" in capsys.readouterr().out


def test_a_fresh_app_is_not_needed_after_admin_changes(store, community, where):
    # Admin commands write only the database: a running portal sees them at once.
    with TestClient(create_app(store)) as c:
        token = signin(c, "boris")
        assert cli.main(["user-disable", "boris", *where]) == 0
        assert c.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}
                     ).status_code == 401
