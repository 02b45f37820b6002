"""Sign-in, device tokens, revocation and database-kept throttling, through the real app."""

from __future__ import annotations

from portal.community.accounts import MAX_FAILURES
from tests.portal_community.conftest import PASSWORD, SIGNIN, signin, sync


def test_signin_returns_a_token_and_the_user(client, store):
    r = client.post(SIGNIN, json={"login": "Anna", "password": PASSWORD,
                                  "device_name": "Кабинет 12"})
    assert r.status_code == 200
    body = r.json()
    assert body["token"].startswith("okno_") and len(body["token"]) > 40
    assert body["user"]["id"] == "u-anna" and body["user"]["login"] == "anna"
    assert body["user"]["display_name"] == "Иванова Анна Сергеевна"
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {body['token']}"}).json()
    assert me["memberships"] == {"reg-45": "member"}
    assert me["streams"] == ["directory", "user:u-anna", "assoc:reg-45"]


def test_only_a_hash_of_the_token_is_stored(client, store):
    token = signin(client, "anna")
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.exec_driver_sql("SELECT token_hash FROM tokens")]
    assert token not in stored and len(stored[0]) == 64


def test_wrong_password_is_401_signin_failed(client):
    r = client.post(SIGNIN, json={"login": "anna", "password": "не тот"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "signin_failed"
    r = client.post(SIGNIN, json={"login": "nobody", "password": "не тот"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "signin_failed"


def test_malformed_signin_is_400(client):
    assert client.post(SIGNIN, content=b"[").status_code == 400
    assert client.post(SIGNIN, json={"login": 1, "password": "x"}).status_code == 400
    assert client.post(SIGNIN, json={"login": "a", "password": "x", "x": 1}).status_code == 400


def test_too_many_failures_are_throttled_with_retry_after(client, community):
    for _ in range(MAX_FAILURES):
        assert client.post(SIGNIN, json={"login": "boris", "password": "x" * 8}
                           ).status_code == 401
    r = client.post(SIGNIN, json={"login": "boris", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_attempts"
    assert 1 <= int(r.headers["retry-after"]) <= 15 * 60
    # Kept in the database: a second portal process over the same database agrees.
    from portal.community import CommunityStore, SigninThrottled
    other = CommunityStore(community.engine)
    try:
        other.signin("boris", PASSWORD, "x")
    except SigninThrottled:
        pass
    else:
        raise AssertionError("a second store must see the failures too")
    # Other logins are not affected.
    assert client.post(SIGNIN, json={"login": "anna", "password": PASSWORD}).status_code == 200


def test_revoked_or_unknown_token_gives_401_signin_required(client, community):
    token = signin(client, "anna")
    assert sync(client, token, {"directory": 0}).status == 200
    community.revoke_tokens("anna")
    for bad in (token, "okno_nonsense", ""):
        got = sync(client, bad, {"catalog": 0})
        assert got.status == 401, bad
        assert got.json["error"]["code"] == "signin_required"
        assert "sign in" in got.json["error"]["message"]
    r = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_signout_revokes_only_that_device(client):
    first, second = signin(client, "anna"), signin(client, "anna")
    r = client.post("/api/v1/auth/signout", headers={"authorization": f"Bearer {first}"})
    assert r.status_code == 200 and r.json() == {"revoked": True}
    assert sync(client, first, {"directory": 0}).status == 401
    assert sync(client, second, {"directory": 0}).status == 200


def test_catalog_sync_without_a_token_still_works(client):
    got = sync(client, None, {"catalog": 0})
    assert got.status == 200 and got.end.cursors == {"catalog": 0}


def test_community_streams_and_ops_need_a_token(client):
    got = sync(client, None, {"directory": 0})
    assert got.status == 401 and got.json["error"]["code"] == "signin_required"
    got = sync(client, None, {"catalog": 0}, ops=[])
    assert got.status == 200
    got = sync(client, None, {"catalog": 0}, ops=[{"op_id": "a", "type": "read.set",
                                                  "data": {}}])
    assert got.status == 401
