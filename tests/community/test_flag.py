"""Flagging a post for the moderators (op ``post.flag``) in the local Store (no portal)."""

from __future__ import annotations

import pytest

from desktop.store import Store, StoreError
from tests.community.test_store_community import PORTAL, STREAM, USER, _directory, _post, _thread


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "okno.sqlite3")
    s.set_community_user({"id": USER, "login": "demo", "display_name": "Иванова Мария"})
    s.apply_page("directory", _directory(), 3, PORTAL)
    s.apply_page(STREAM, [_thread(), _post(1, 2), _post(2, 3)], 3, PORTAL)  # t-1.2 is ours
    yield s
    s.close()


def test_flag_creates_one_durable_op(store, tmp_path):
    op_id, changes = store.flag_post("t-1.1", "  spam:   ссылки на  казино ")
    assert changes.outbox and "t-1" in changes.threads
    [item] = store.outbox()
    assert (item.op_id, item.type, item.state) == (op_id, "post.flag", "pending")
    assert item.data == {"post_id": "t-1.1", "reason": "spam: ссылки на казино"}
    assert [i.op_id for i in store.ops_to_send()] == [op_id]
    # Nothing public changes locally: the post looks the same.
    assert not store.post("t-1.1")["hidden"]
    # Durable: another connection sees it at once.
    other = Store(tmp_path / "okno.sqlite3")
    try:
        assert [i.op_id for i in other.outbox()] == [op_id]
    finally:
        other.close()


def test_second_flag_before_sync_replaces_the_reason(store):
    first, _ = store.flag_post("t-1.1", "spam")
    second, _ = store.flag_post("t-1.1", "offensive: грубость")
    assert first == second
    [item] = store.outbox()
    assert item.data["reason"] == "offensive: грубость"
    store.mark_ops_sent([first])  # once sent, a new flag is a new op
    third, _ = store.flag_post("t-1.1", "other: ещё раз")
    assert third != first and len(store.outbox()) == 2


@pytest.mark.parametrize(("post_id", "reason", "message"), [
    ("t-1.2", "spam", "your own post"),
    ("t-9.9", "spam", "no post"),
    ("t-1.1", "   ", "needs a reason"),
    ("t-1.1", "x" * 501, "longer than"),
])
def test_flag_refused(store, post_id, reason, message):
    with pytest.raises(StoreError, match=message):
        store.flag_post(post_id, reason)
    assert store.outbox() == []


def test_flag_needs_sign_in(tmp_path):
    s = Store(tmp_path / "okno.sqlite3")
    try:
        s.apply_page("directory", _directory(), 3, PORTAL)
        s.apply_page(STREAM, [_thread(), _post(1, 2)], 3, PORTAL)
        with pytest.raises(StoreError, match="sign in"):
            s.flag_post("t-1.1", "spam")
        assert s.outbox() == []
    finally:
        s.close()


def test_unsent_local_post_cannot_be_flagged(store):
    post_id, _op, _ = store.write_reply("t-1", "мой ответ")
    with pytest.raises(StoreError):
        store.flag_post(post_id, "spam")
