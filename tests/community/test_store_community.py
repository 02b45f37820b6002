"""The community replica, outbox and drafts in the local Store (no portal)."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.store import Store, StoreError, open_reader
from protocol.wire import OpResult, Rec, Tombstone

PORTAL = "portal-a"
ASSOC = "reg-45"
STREAM = f"assoc:{ASSOC}"
USER = "u-0000"


def _directory(seq: int = 3) -> list[Rec]:
    return [
        Rec("directory", "association", ASSOC, 1, 1, {
            "id": ASSOC, "name": "Курганская область", "description": "", "kind": "regional",
            "visibility": "public", "parent_id": None, "region": "Курганская область",
            "municipality": "", "topic": "", "version": 1, "modified": "2025-01-01T00:00:00Z"}),
        Rec("directory", "forum", "reg-45-lessons", 1, 2, {
            "id": "reg-45-lessons", "association_id": ASSOC, "title": "Уроки",
            "description": "", "position": 0, "version": 1,
            "modified": "2025-01-01T00:00:00Z"}),
        Rec("directory", "profile", USER, 1, seq, {
            "id": USER, "display_name": "Иванова Мария", "school": "", "municipality": "",
            "region": "", "role": "member", "version": 1}),
    ]


def _thread(version: int = 1, seq: int = 1, post_count: int = 2, **extra) -> Rec:
    d = {"id": "t-1", "association_id": ASSOC, "forum_id": "reg-45-lessons",
         "author_id": "u-0001", "title": "Уроки с ЦОР в пятом классе", "first_post_id": "t-1.1",
         "post_count": post_count, "last_post_at": "2025-01-02T00:00:00Z", "locked": False,
         "pinned": False, "created": "2025-01-01T00:00:00Z", "modified": "2025-01-02T00:00:00Z",
         "version": version, **extra}
    return Rec(STREAM, "thread", "t-1", version, seq, d)


def _post(number: int, seq: int, version: int = 1, body: str = "", **extra) -> Rec:
    pid = f"t-1.{number}"
    d = {"id": pid, "thread_id": "t-1", "forum_id": "reg-45-lessons", "association_id": ASSOC,
         "author_id": USER if number == 2 else "u-0001", "number": number,
         "body_md": body or f"Сообщение {number} про интерактивные уроки", "revision": 1,
         "edited": None, "useful": 0, "deleted": False, "hidden": False, "hidden_reason": None,
         "removed": False, "removed_reason": None, "created": "2025-01-01T00:00:00Z",
         "modified": "2025-01-01T00:00:00Z", "version": version, **extra}
    return Rec(STREAM, "post", pid, version, seq, d)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "okno.sqlite3")
    s.set_community_user({"id": USER, "login": "demo", "display_name": "Иванова Мария"})
    s.apply_page("directory", _directory(), 3, PORTAL)
    s.apply_page(STREAM, [_thread(), _post(1, 2), _post(2, 3)], 3, PORTAL)
    yield s
    s.close()


def test_apply_is_idempotent_and_reports_threads(store):
    assert store.threads("reg-45-lessons")[0]["unread"] == 2
    again = store.apply_page(STREAM, [_thread(), _post(1, 2), _post(2, 3)], 3, PORTAL)
    assert not again
    newer = store.apply_page(STREAM, [_post(1, 4, version=2, body="Исправлено")], 4, PORTAL)
    assert newer.threads == frozenset({"t-1"})
    assert store.post("t-1.1")["body_md"] == "Исправлено"
    older = store.apply_page(STREAM, [_post(1, 5, version=1, body="старое")], 5, PORTAL)
    assert not older.threads and store.post("t-1.1")["body_md"] == "Исправлено"
    assert store.cursor(STREAM) == 5


def test_page_of_unknown_kind_for_stream_is_refused(store):
    rec = Rec("directory", "post", "x", 1, 9, _post(1, 9).data | {"id": "x"})
    with pytest.raises(StoreError):
        store.apply_page("directory", [rec], 9, PORTAL)


def test_reply_creates_row_and_op_in_one_transaction(store, tmp_path):
    post_id, op_id, changes = store.write_reply("t-1", "Спасибо, коллеги!")
    assert changes.threads == frozenset({"t-1"}) and changes.outbox
    posts = store.posts("t-1")
    assert [p["id"] for p in posts] == ["t-1.1", "t-1.2", post_id]  # unsent last
    assert posts[-1]["number"] is None and posts[-1]["local"] == 1
    [item] = store.outbox()
    assert (item.op_id, item.type, item.state) == (op_id, "post.create", "pending")
    assert item.data == {"id": post_id, "thread_id": "t-1", "body_md": "Спасибо, коллеги!"}
    # Durable and visible to another connection (the UI's reader) at once.
    with open_reader(store.path) as reader:
        assert reader.outbox_count() == 1
    # The portal's record replaces the local row.
    store.apply_page(STREAM, [Rec(STREAM, "post", post_id, 1, 6, _post(3, 6).data | {
        "id": post_id, "body_md": "Спасибо, коллеги!"})], 6, PORTAL)
    assert store.post(post_id)["number"] == 3 and store.post(post_id)["local"] == 0


def test_reply_to_unknown_thread_writes_nothing(store):
    with pytest.raises(StoreError):
        store.write_reply("t-404", "text")
    with pytest.raises(StoreError):
        store.write_reply("t-1", "   ")
    assert store.outbox() == [] and len(store.posts("t-1")) == 2


def test_reply_to_thread_created_offline_depends_on_it(store):
    thread_id, thread_op, _ = store.create_thread("reg-45-lessons", "Новая тема", "Первый пост")
    _post_id, reply_op, _ = store.write_reply(thread_id, "Ответ")
    ops = store.ops_to_send()
    assert [o.op_id for o in ops] == [thread_op, reply_op]  # parents first
    assert ops[1].depends_on == thread_op
    assert ops[0].data["post_id"] == f"{thread_id}.1"
    assert store.thread(thread_id)["local"] == 1


def test_op_results_are_recorded_and_never_dropped(store):
    _p1, op1, _ = store.write_reply("t-1", "один")
    _p2, op2, _ = store.write_reply("t-1", "два")
    _p3, op3, _ = store.write_reply("t-1", "три")
    store.mark_ops_sent([op1, op2, op3])
    assert {o.state for o in store.outbox()} == {"sent"}
    entity = {"kind": "post", "id": "x", "version": 1}
    changes = store.record_op_results([
        OpResult(op1, "applied", None, None, entity, None),
        OpResult(op2, "rejected", "thread_locked", "the thread is locked", None, None),
        OpResult(op3, "rejected", "rate_limited", "slow down", None, None),
    ])
    assert changes.outbox and "t-1" in changes.threads
    states = {o.op_id: (o.state, o.reason) for o in store.outbox()}
    assert states == {op1: ("applied", None), op2: ("rejected", "thread_locked"),
                      op3: ("pending", "rate_limited")}  # held: sent again next time
    assert [o.op_id for o in store.ops_to_send()] == [op3]
    assert store.outbox_count() == 1
    assert store.outbox_count(("conflict", "rejected")) == 1


def test_ops_to_send_respects_count_and_size(store):
    for i in range(5):
        store.write_reply("t-1", f"сообщение {i} " + "x" * 1000)
    assert len(store.ops_to_send(max_ops=3)) == 3
    assert len(store.ops_to_send(max_bytes=2500)) == 2


def test_edit_keeps_local_text_until_confirmed(store):
    op_id, _ = store.edit_post("t-1.2", "Моя правка")
    [item] = store.outbox()
    assert item.base_version == 1 and item.type == "post.edit"
    # A reaction raises the version meanwhile: the page must not hide the unsent edit.
    store.apply_page(STREAM, [_post(2, 7, version=2, useful=1)], 7, PORTAL)
    post = store.post("t-1.2")
    assert post["local_body_md"] == "Моя правка" and post["version"] == 2
    store.record_op_results([OpResult(op_id, "applied", None, None,
                                      {"kind": "post", "id": "t-1.2", "version": 3}, None)])
    assert store.post("t-1.2")["local_body_md"] is None


def test_editing_an_unsent_post_rewrites_its_create_op(store):
    post_id, op_id, _ = store.write_reply("t-1", "черновой текст")
    assert store.edit_post(post_id, "чистовой текст")[0] == op_id
    [item] = store.outbox()
    assert item.data["body_md"] == "чистовой текст"


def test_read_position_only_moves_forward(store):
    op_id, changes = store.mark_read("t-1", "t-1.2")
    assert op_id and store.unread_count("t-1") == 0
    assert store.mark_read("t-1", "t-1.1") == (None, type(changes)())
    # An older position from another device does not move it back.
    rp = Rec(f"user:{USER}", "read_position", "t-1", 1, 1,
             {"id": "t-1", "post_id": "t-1.1", "number": 1, "version": 1,
              "modified": "2025-01-01T00:00:00Z"})
    store.apply_page(f"user:{USER}", [rp], 1, PORTAL)
    assert store.thread("t-1")["read_number"] == 2
    store.apply_page(STREAM, [_thread(version=2, seq=8, post_count=5)], 8, PORTAL)
    assert store.unread_count("t-1") == 3
    # Marking twice before a sync keeps only the latest read op.
    store.apply_page(STREAM, [_post(3, 9), _post(4, 10)], 10, PORTAL)
    store.mark_read("t-1", "t-1.3")
    store.mark_read("t-1", "t-1.4")
    assert [o.data["post_id"] for o in store.outbox() if o.type == "read.set"] == ["t-1.4"]


def test_follow_reaction_and_user_stream(store):
    store.follow("forum", "reg-45-lessons", True)
    assert store.follows()[0]["id"] == "forum:reg-45-lessons"
    store.set_reaction("t-1.1", True)
    assert store.post("t-1.1")["my_useful"] == 1
    store.follow("association", "reg-22", True)
    assert "assoc:reg-22" in store.community_streams()
    user_stream = f"user:{USER}"
    tomb = Tombstone(user_stream, "reaction", "t-1.1", 3)
    store.apply_page(user_stream, [tomb], 3, PORTAL)
    assert store.post("t-1.1")["my_useful"] == 0
    assert [o.type for o in store.outbox()] == ["follow.set", "reaction.set", "follow.set"]


def test_drafts_autosave(store):
    store.save_draft("reply:t-1", "Недописанный ответ")
    assert store.draft("reply:t-1")["body_md"] == "Недописанный ответ"
    store.save_draft("reply:t-1", "")
    assert store.draft("reply:t-1") is None
    assert store.outbox() == []  # drafts never go out


def test_search_discussions_with_morphology(store):
    hits = store.search_discussions("урок")
    assert {h["kind"] for h in hits} == {"post", "thread"}
    assert {h["id"] for h in hits if h["kind"] == "post"} == {"t-1.1", "t-1.2"}
    store.apply_page(STREAM, [_post(1, 11, version=3, hidden=True, hidden_reason="spam")], 11,
                     PORTAL)
    assert {h["id"] for h in store.search_discussions("интерактивный")} == {"t-1.2"}
    assert store.search_discussions("") == []


def test_evicting_a_stream_keeps_unsent_work(store):
    post_id, _op, _ = store.write_reply("t-1", "не отправлено")
    store.evict_community_stream(STREAM)
    assert [p["id"] for p in store.posts("t-1")] == [post_id]
    assert store.outbox_count() == 1 and store.cursor(STREAM) == 0
    assert store.search_discussions("урок") == []


def test_outbox_order_is_local_not_clock(store, tmp_path):
    ids = [store.write_reply("t-1", f"m{i}")[1] for i in range(3)]
    db = sqlite3.connect(store.path)
    db.execute("UPDATE outbox SET created = '1999-01-01' WHERE op_id = ?", (ids[2],))
    db.commit()
    db.close()
    assert [o.op_id for o in store.outbox()] == ids


def test_ops_are_sent_only_with_their_authors_sign_in(store):
    _post_id, op_id, _ = store.write_reply("t-1", "от Марии")
    store.set_community_user({"id": "u-0007", "login": "other", "display_name": "Другой"})
    assert store.ops_to_send() == [] and store.outbox_count() == 1  # kept, not sent as u-0007
    store.set_community_user({"id": USER, "login": "demo", "display_name": "Иванова Мария"})
    assert [o.op_id for o in store.ops_to_send()] == [op_id]


def test_local_writes_need_a_signed_in_user(tmp_path):
    with Store(tmp_path / "fresh.sqlite3") as fresh:
        fresh.save_draft("reply:t-1", "черновик")  # drafts are local: no account needed
        with pytest.raises(StoreError, match="sign in"):
            fresh.follow("forum", "f", True)
        assert fresh.outbox() == []
