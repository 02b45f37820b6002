"""The moderation queue: members flag posts with the ``post.flag`` op (exactly once),
moderators see and decide through HTTP and ``okno-portal moderation``."""

from __future__ import annotations

import pytest

from portal import cli, moderation
from protocol import community as pc
from tests.portal_community.conftest import FORUM, PUBLIC, op, sync

QUEUE = "/api/v1/moderation/flags"


def _post(client, tokens) -> str:
    body = {"id": "t-flag", "forum_id": FORUM, "title": "Реклама", "body_md": "Купите слона!"}
    s = sync(client, tokens["anna"], {"directory": 0}, [op(pc.OP_THREAD_CREATE, body)])
    assert s.results[0].result == "applied", s.results
    return "t-flag.1"


def _flag(client, token, post_id, reason="спам", op_id=None):
    s = sync(client, token, {"directory": 0},
             [op(pc.OP_FLAG, {"post_id": post_id, "reason": reason}, op_id=op_id)])
    return s.results[0]


def test_a_flag_is_applied_once_and_queued_privately(client, tokens, store):
    post = _post(client, tokens)
    first = _flag(client, tokens["boris"], post, op_id="flag-1")
    again = _flag(client, tokens["boris"], post, op_id="flag-1")
    assert (first.result, again.result) == ("applied", "duplicate")
    # Another op of the same member for the same post does not count twice either.
    assert _flag(client, tokens["boris"], post, "ещё раз").result == "applied"
    assert _flag(client, tokens["vera"], post, "реклама").result == "applied"
    [queued] = moderation.open_flags(store.engine)
    assert (queued.post_id, queued.flags, queued.reasons) == (post, 2, ["спам", "реклама"])
    # Nothing public changed: the post record is untouched in the association's stream.
    recs = sync(client, tokens["boris"], {f"assoc:{PUBLIC}": 0}).records(f"assoc:{PUBLIC}")
    assert all(not getattr(r, "data", {}).get("hidden", False) for r in recs)


def test_a_flag_needs_a_reason_and_a_readable_post(client, tokens):
    post = _post(client, tokens)
    bad = sync(client, tokens["boris"], {"directory": 0},
               [op(pc.OP_FLAG, {"post_id": post})]).results[0]
    assert (bad.result, bad.reason) == ("rejected", "invalid")
    assert _flag(client, tokens["boris"], "no-such-post").reason == "not_found"


def test_moderators_see_the_queue_and_members_do_not(client, tokens):
    post = _post(client, tokens)
    _flag(client, tokens["boris"], post)
    assert client.get(QUEUE).status_code == 401
    r = client.get(QUEUE, headers={"authorization": f"Bearer {tokens['boris']}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = client.get(QUEUE, headers={"authorization": f"Bearer {tokens['moder']}"})
    assert r.status_code == 200
    assert [p["post_id"] for p in r.json()["posts"]] == [post]


def test_hide_restore_and_dismiss_over_http(client, tokens):
    post = _post(client, tokens)
    _flag(client, tokens["boris"], post)
    auth = {"authorization": f"Bearer {tokens['moder']}"}
    stream = f"assoc:{PUBLIC}"
    cursor = sync(client, tokens["anna"], {stream: 0}).end.cursors[stream]
    r = client.post(f"/api/v1/moderation/posts/{post}/hide", json={"reason": "реклама"},
                    headers=auth)
    assert r.status_code == 200 and r.json()["flags"] == 1, r.text
    [rec] = sync(client, tokens["anna"], {stream: cursor}).records(stream)
    assert rec.data["hidden"] is True and rec.data["hidden_reason"] == "реклама"
    assert client.get(QUEUE, headers=auth).json()["posts"] == []
    r = client.post(f"/api/v1/moderation/posts/{post}/restore", headers=auth)
    assert r.status_code == 200 and r.json()["version"] > rec.version
    # A new flag, then dismissed: the post stays as it is.
    _flag(client, tokens["vera"], post, "не нравится")
    r = client.post(f"/api/v1/moderation/posts/{post}/dismiss", headers=auth)
    assert r.json() == {"post_id": post, "action": "dismiss", "flags": 1, "version": None}
    r = client.post(f"/api/v1/moderation/posts/{post}/delete", headers=auth)
    assert r.status_code == 404
    r = client.post("/api/v1/moderation/posts/nope/hide", headers=auth)
    assert r.status_code == 404


@pytest.mark.parametrize("action", ["hide", "dismiss"])
def test_the_cli_works_the_same_queue(client, tokens, store, tmp_path, capsys, action,
                                      portal_database):
    post = _post(client, tokens)
    _flag(client, tokens["boris"], post)
    where = ["--data", str(tmp_path / "portal")]
    if portal_database:
        where += ["--database", portal_database]
    assert cli.main(["moderation", "list", *where]) == 0
    assert post in capsys.readouterr().out
    assert cli.main(["moderation", action, post, "--reason", "правила", *where]) == 0
    assert "1 flag(s) closed" in capsys.readouterr().out
    assert moderation.open_flags(store.engine) == []
