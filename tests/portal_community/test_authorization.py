"""Authorization on every read stream and every op."""

from __future__ import annotations

import pytest

from tests.portal_community.conftest import FORUM, PRIVATE, PRIVATE_FORUM, PUBLIC, op, sync

ASSOC = f"assoc:{PUBLIC}"


@pytest.fixture
def thread(client, tokens):
    got = sync(client, tokens["anna"], {ASSOC: 0}, [op("thread.create", {
        "id": "t-1", "forum_id": FORUM, "title": "Проектная деятельность",
        "body_md": "Как оформить паспорт проекта по ФГОС?"})])
    assert got.results[0].result == "applied"
    return "t-1"


def _one(client, token, o, cursors=None):
    got = sync(client, token, cursors or {"catalog": 0}, [o])
    assert got.status == 200, got.json
    r = got.results[0]
    return r.result, r.reason


def test_editing_someone_elses_post_is_rejected(client, tokens, thread):
    edit = op("post.edit", {"id": "t-1.1", "body_md": "Чужая правка"}, base_version=1)
    assert _one(client, tokens["boris"], edit) == ("rejected", "not_authorized")
    # Not even a moderator rewrites the author's text.
    edit = op("post.edit", {"id": "t-1.1", "body_md": "Правка модератора"}, base_version=1)
    assert _one(client, tokens["moder"], edit) == ("rejected", "not_authorized")
    delete = op("post.delete", {"id": "t-1.1"})
    assert _one(client, tokens["boris"], delete) == ("rejected", "not_authorized")


def test_posting_to_a_locked_thread_is_rejected(client, tokens, thread):
    assert _one(client, tokens["moder"], op("mod.thread.lock", {"thread_id": thread})) == (
        "applied", None)
    reply = op("post.create", {"id": "p-2", "thread_id": thread, "body_md": "Ответ"})
    assert _one(client, tokens["boris"], reply) == ("rejected", "thread_locked")
    # Moderators may still answer in a locked thread (e.g. to say why it was locked).
    reply = op("post.create", {"id": "p-3", "thread_id": thread, "body_md": "Тема закрыта."})
    assert _one(client, tokens["moder"], reply) == ("applied", None)
    assert _one(client, tokens["moder"], op("mod.thread.unlock", {"thread_id": thread})) == (
        "applied", None)
    reply = op("post.create", {"id": "p-4", "thread_id": thread, "body_md": "Спасибо!"})
    assert _one(client, tokens["boris"], reply) == ("applied", None)


def test_moderator_ops_by_members_are_rejected(client, tokens, thread):
    for o in (op("mod.post.hide", {"post_id": "t-1.1", "reason": "спам"}),
              op("mod.post.unhide", {"post_id": "t-1.1"}),
              op("mod.post.remove", {"post_id": "t-1.1", "reason": "спам"}),
              op("mod.thread.lock", {"thread_id": thread}),
              op("mod.thread.unlock", {"thread_id": thread}),
              op("mod.thread.pin", {"thread_id": thread}),
              op("mod.thread.unpin", {"thread_id": thread})):
        assert _one(client, tokens["boris"], o) == ("rejected", "not_authorized"), o["type"]
    assert _one(client, tokens["moder"], op("mod.thread.pin", {"thread_id": thread})) == (
        "applied", None)


def test_reading_a_private_associations_stream_is_403(client, tokens):
    got = sync(client, tokens["anna"], {f"assoc:{PRIVATE}": 0})
    assert got.status == 403
    assert got.json["error"]["code"] == "forbidden"
    assert got.json["error"]["streams"] == [f"assoc:{PRIVATE}"]
    assert "private" in got.json["error"]["message"]
    assert sync(client, tokens["vera"], {f"assoc:{PRIVATE}": 0}).status == 200


def test_someone_elses_user_stream_is_403_and_unknown_association_404(client, tokens):
    assert sync(client, tokens["anna"], {"user:u-boris": 0}).status == 403
    assert sync(client, tokens["anna"], {"user:u-anna": 0}).status == 200
    got = sync(client, tokens["anna"], {"assoc:no-such": 0})
    assert got.status == 404 and got.json["error"]["streams"] == ["assoc:no-such"]


def test_bad_stream_names_are_400(client, tokens):
    for name in ("forum", "assoc:", "assoc:-x", "user:a b", "assoc:" + "x" * 45):
        assert sync(client, tokens["anna"], {name: 0}).status == 400, name


def test_writing_in_a_private_association_needs_membership(client, tokens):
    new = op("thread.create", {"id": "t-p", "forum_id": PRIVATE_FORUM, "title": "Вопрос",
                               "body_md": "Текст"})
    assert _one(client, tokens["anna"], new) == ("rejected", "not_authorized")
    join = op("membership.join", {"association_id": PRIVATE})
    assert _one(client, tokens["anna"], join) == ("rejected", "not_authorized")
    follow = op("follow.set", {"target_kind": "forum", "target_id": PRIVATE_FORUM, "on": True})
    assert _one(client, tokens["anna"], follow) == ("rejected", "not_authorized")
    new = op("thread.create", {"id": "t-p", "forum_id": PRIVATE_FORUM, "title": "Вопрос",
                               "body_md": "Текст"})
    assert _one(client, tokens["vera"], new) == ("applied", None)


def test_posting_in_a_public_association_needs_joining_first(client, tokens, community):
    community.add_user("gleb", "Глебов Глеб", password="пароль-123", user_id="u-gleb")
    from tests.portal_community.conftest import signin
    token = signin(client, "gleb")
    new = op("thread.create", {"id": "t-g", "forum_id": FORUM, "title": "Привет",
                               "body_md": "Я новенький"})
    assert _one(client, token, new) == ("rejected", "not_member")
    assert sync(client, token, {ASSOC: 0}).status == 200  # reading a public one is fine
    join = op("membership.join", {"association_id": PUBLIC})
    new = op("thread.create", {"id": "t-g", "forum_id": FORUM, "title": "Привет",
                               "body_md": "Я новенький"}, depends_on=join["op_id"])
    got = sync(client, token, {"user:u-gleb": 0}, [join, new])
    assert [r.result for r in got.results] == ["applied", "applied"]
    assert [r.kind for r in got.records("user:u-gleb")] == ["membership"]


def test_leaving_a_private_association_closes_its_stream(client, tokens):
    leave = op("membership.leave", {"association_id": PRIVATE})
    got = sync(client, tokens["vera"], {f"assoc:{PRIVATE}": 0}, [leave])
    # The op applied; the stream is now forbidden. A resend says "duplicate".
    assert got.status == 403
    again = sync(client, tokens["vera"], {"user:u-vera": 0}, [leave])
    assert again.results[0].result == "duplicate"
    mine = {r.id: type(r).__name__ for r in again.records("user:u-vera")}
    assert mine == {PUBLIC: "Rec", PRIVATE: "Tombstone"}


def test_reacting_to_your_own_post_is_rejected(client, tokens, thread):
    useful = op("reaction.set", {"post_id": "t-1.1", "useful": True})
    assert _one(client, tokens["anna"], useful) == ("rejected", "not_authorized")


def test_entity_ids_cannot_be_taken_twice(client, tokens, thread):
    again = op("thread.create", {"id": thread, "forum_id": FORUM, "title": "Ещё раз",
                                 "body_md": "Текст"})
    assert _one(client, tokens["boris"], again) == ("rejected", "id_taken")


def test_unfollowing_is_allowed_after_losing_access(client, tokens, community):
    follow = op("follow.set", {"target_kind": "association", "target_id": PRIVATE, "on": True})
    assert _one(client, tokens["vera"], follow) == ("applied", None)
    leave = op("membership.leave", {"association_id": PRIVATE})
    assert _one(client, tokens["vera"], leave) == ("applied", None)
    unfollow = op("follow.set", {"target_kind": "association", "target_id": PRIVATE,
                                 "on": False})
    assert _one(client, tokens["vera"], unfollow) == ("applied", None)


def test_oversized_signin_body_is_413(client):
    r = client.post("/api/v1/auth/signin", content=b"{" + b" " * 9000 + b"}")
    assert r.status_code == 413
