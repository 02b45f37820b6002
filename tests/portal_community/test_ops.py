"""Ops through /sync: exactly-once, dependencies, conflicts and the change log they leave."""

from __future__ import annotations

import json

from protocol.wire import OpResult, Rec, Tombstone, parse_line
from tests.portal_community.conftest import FORUM, PUBLIC, op, sync

ASSOC = f"assoc:{PUBLIC}"


def _thread(tid="t-1", title="Как провести урок с ЦОР в 5 классе?",
            body="Коллеги, поделитесь опытом: **какие ЦОР** вы используете?", **kw):
    return op("thread.create", {"id": tid, "forum_id": FORUM, "title": title,
                                "body_md": body}, **kw)


def _reply(pid, body="Использую интерактивные тесты из библиотеки.", tid="t-1", **kw):
    return op("post.create", {"id": pid, "thread_id": tid, "body_md": body}, **kw)


def test_thread_create_is_applied_and_carried_by_the_assoc_stream(client, tokens):
    got = sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    [res] = got.results
    assert res.result == "applied" and res.reason is None
    assert res.entity == {"kind": "thread", "id": "t-1", "version": 1}
    recs = {(r.kind, r.id): r for r in got.records(ASSOC)}
    thread, post = recs[("thread", "t-1")], recs[("post", "t-1.1")]
    assert thread.data["author_id"] == "u-anna" and thread.data["post_count"] == 1
    assert post.data["number"] == 1 and post.data["body_md"].startswith("Коллеги")
    assert got.end.cursors[ASSOC] == max(thread.seq, post.seq)


def test_same_op_twice_applied_then_duplicate_with_the_same_entity(client, tokens, store):
    first = _thread()
    a = sync(client, tokens["anna"], {ASSOC: 0}, [first]).results[0]
    # The response was lost; the client sends the same outbox again.
    b = sync(client, tokens["anna"], {ASSOC: 0}, [first]).results[0]
    assert (a.result, b.result) == ("applied", "duplicate")
    assert a.entity == b.entity
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM threads").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 1


def test_same_op_in_one_request_twice_is_applied_once(client, tokens):
    o = _thread()
    got = sync(client, tokens["anna"], {ASSOC: 0}, [o, o])
    assert [r.result for r in got.results] == ["applied", "duplicate"]


def test_two_clients_of_one_user_sending_the_same_outbox(client):
    from tests.portal_community.conftest import signin
    laptop, lab_pc = signin(client, "anna"), signin(client, "anna")
    outbox = [_thread(), _reply("p-2", depends_on=None)]
    a = sync(client, laptop, {ASSOC: 0}, outbox).results
    b = sync(client, lab_pc, {ASSOC: 0}, outbox).results
    assert [r.result for r in a] == ["applied", "applied"]
    assert [r.result for r in b] == ["duplicate", "duplicate"]
    assert [r.entity for r in a] == [r.entity for r in b]


def test_another_users_op_id_is_rejected(client, tokens):
    o = _thread()
    assert sync(client, tokens["anna"], {ASSOC: 0}, [o]).results[0].result == "applied"
    stolen = {**o, "data": {**o["data"], "id": "t-2"}}
    res = sync(client, tokens["boris"], {ASSOC: 0}, [stolen]).results[0]
    assert (res.result, res.reason) == ("rejected", "op_id_taken")


def test_child_of_a_rejected_parent_is_rejected_parent_failed(client, tokens):
    parent = op("thread.create", {"id": "t-9", "forum_id": "no-such-forum", "title": "Вопрос",
                                  "body_md": "Текст"})
    child = _reply("p-9", tid="t-9", depends_on=parent["op_id"])
    got = sync(client, tokens["anna"], {ASSOC: 0}, [parent, child]).results
    assert [(r.result, r.reason) for r in got] == [("rejected", "not_found"),
                                                   ("rejected", "parent_failed")]
    # A child whose parent the portal never saw is held: not recorded, may come again.
    orphan = _reply("p-10", depends_on="never-sent-op")
    res = sync(client, tokens["anna"], {ASSOC: 0}, [orphan]).results[0]
    assert (res.result, res.reason) == ("rejected", "parent_failed")
    sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    res = sync(client, tokens["anna"], {ASSOC: 0}, [{**orphan, "depends_on": None}]).results[0]
    assert res.result == "applied"


def test_child_of_an_applied_parent_in_the_same_request_is_applied(client, tokens):
    parent = _thread()
    child = _reply("p-2", depends_on=parent["op_id"])
    got = sync(client, tokens["anna"], {ASSOC: 0}, [parent, child])
    assert [r.result for r in got.results] == ["applied", "applied"]
    post = next(r for r in got.records(ASSOC) if r.id == "p-2")
    assert post.data["number"] == 2


def test_a_repeated_rejection_gets_the_same_answer(client, tokens):
    bad = _reply("p-1", tid="no-thread")
    a = sync(client, tokens["anna"], {ASSOC: 0}, [bad]).results[0]
    b = sync(client, tokens["anna"], {ASSOC: 0}, [bad]).results[0]
    assert a == b and a.reason == "not_found"


def test_invalid_op_data_is_rejected_invalid_without_failing_the_request(client, tokens):
    bad = op("post.create", {"id": "p-1", "thread_id": "t-1"})  # no body_md
    unknown = op("post.fly", {})
    got = sync(client, tokens["anna"], {ASSOC: 0}, [bad, unknown, _thread()])
    assert [(r.result, r.reason) for r in got.results] == [
        ("rejected", "invalid"), ("rejected", "invalid"), ("applied", None)]


def test_malformed_ops_envelope_is_400(client, tokens):
    for ops in ({"op_id": "x"}, [{"type": "x"}], [{"op_id": "x" * 65, "type": "read.set"}]):
        got = sync(client, tokens["anna"], {ASSOC: 0}, ops)
        assert got.status == 400, ops
    got = sync(client, tokens["anna"], {ASSOC: 0}, [_thread(op_id=f"o{i}") for i in range(501)])
    assert got.status == 400 and "500" in got.json["error"]["message"]


def test_edit_conflict_carries_the_current_body(client, tokens):
    got = sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    v1 = next(r for r in got.records(ASSOC) if r.id == "t-1.1").version
    edit_a = op("post.edit", {"id": "t-1.1", "body_md": "Правка с ноутбука"}, base_version=v1)
    edit_b = op("post.edit", {"id": "t-1.1", "body_md": "Правка с ПК в кабинете"},
                base_version=v1)
    a = sync(client, tokens["anna"], {ASSOC: 0}, [edit_a]).results[0]
    b = sync(client, tokens["anna"], {ASSOC: 0}, [edit_b]).results[0]
    assert a.result == "applied" and a.entity["version"] == v1 + 1
    assert b.result == "conflict"
    assert b.current["body_md"] == "Правка с ноутбука" and b.current["revision"] == 2
    assert b.entity == {"kind": "post", "id": "t-1.1", "version": v1 + 1}
    # Resolving: an edit based on the current version applies.
    c = op("post.edit", {"id": "t-1.1", "body_md": "Объединённый текст"}, base_version=v1 + 1)
    assert sync(client, tokens["anna"], {ASSOC: 0}, [c]).results[0].result == "applied"


def test_reactions_do_not_make_an_edit_conflict(client, tokens):
    got = sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    v1 = next(r for r in got.records(ASSOC) if r.id == "t-1.1").version
    useful = op("reaction.set", {"post_id": "t-1.1", "useful": True})
    res = sync(client, tokens["boris"], {ASSOC: 0}, [useful]).results[0]
    assert res.result == "applied" and res.entity["version"] == v1 + 1
    edit = op("post.edit", {"id": "t-1.1", "body_md": "Дополнил вопрос"}, base_version=v1)
    res = sync(client, tokens["anna"], {ASSOC: 0}, [edit]).results[0]
    assert res.result == "applied"


def test_moderator_hides_while_the_author_edits_offline(client, tokens, community):
    """The documented rule: the author's edit applies to the text; hidden stays the
    moderators' decision and the record says why."""
    got = sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    v1 = next(r for r in got.records(ASSOC) if r.id == "t-1.1").version
    hide = op("mod.post.hide", {"post_id": "t-1.1", "reason": "Реклама"})
    assert sync(client, tokens["moder"], {ASSOC: 0}, [hide]).results[0].result == "applied"
    edit = op("post.edit", {"id": "t-1.1", "body_md": "Исправленный текст без рекламы"},
              base_version=v1)
    res = sync(client, tokens["anna"], {ASSOC: 0}, [edit]).results[0]
    assert res.result == "applied"
    post = community.post("t-1.1")
    assert post["body_md"] == "Исправленный текст без рекламы" and post["revision"] == 2
    assert post["hidden"] is True and post["hidden_reason"] == "Реклама"
    unhide = op("mod.post.unhide", {"post_id": "t-1.1"})
    assert sync(client, tokens["moder"], {ASSOC: 0}, [unhide]).results[0].result == "applied"
    assert community.post("t-1.1")["hidden"] is False
    assert [r["body_md"] for r in community.revisions("t-1.1")] == [
        "Коллеги, поделитесь опытом: **какие ЦОР** вы используете?",
        "Исправленный текст без рекламы"]


def test_removed_post_keeps_its_place_and_reason_but_not_its_text(client, tokens, community):
    sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    remove = op("mod.post.remove", {"post_id": "t-1.1", "reason": "Нарушение правил"})
    got = sync(client, tokens["moder"], {ASSOC: 0}, [remove])
    assert got.results[0].result == "applied"
    post = next(r for r in got.records(ASSOC) if r.id == "t-1.1")
    assert isinstance(post, Rec)
    assert post.data["removed"] is True and post.data["body_md"] == ""
    assert post.data["removed_reason"] == "Нарушение правил"
    edit = op("post.edit", {"id": "t-1.1", "body_md": "Новый"}, base_version=post.version)
    res = sync(client, tokens["anna"], {ASSOC: 0}, [edit]).results[0]
    assert (res.result, res.reason) == ("rejected", "post_removed")


def test_author_deletes_own_post(client, tokens, community):
    sync(client, tokens["anna"], {ASSOC: 0}, [_thread()])
    res = sync(client, tokens["anna"], {ASSOC: 0},
               [op("post.delete", {"id": "t-1.1"})]).results[0]
    assert res.result == "applied"
    assert community.post("t-1.1")["deleted"] is True
    assert community.post("t-1.1")["body_md"] == ""


def test_changes_land_in_the_right_streams_in_commit_order(client, tokens):
    user = "user:u-boris"
    ops = [op("membership.join", {"association_id": PUBLIC}),  # already a member: no change
           op("follow.set", {"target_kind": "forum", "target_id": FORUM, "on": True})]
    sync(client, tokens["anna"], {ASSOC: 0}, [_thread(), _reply("p-2")])
    got = sync(client, tokens["boris"], {ASSOC: 0, user: 0}, ops + [
        op("reaction.set", {"post_id": "t-1.1", "useful": True}),
        op("read.set", {"thread_id": "t-1", "post_id": "p-2"}),
        _reply("p-3", body="А я использую ЦОР из коллекции «Математика»."),
    ])
    assert [r.result for r in got.results] == ["applied"] * 5
    assoc = [(r.kind, r.id) for r in got.records(ASSOC)]
    # One row per entity at its latest version, in the order of the commits that made them.
    assert assoc == [("post", "p-2"), ("post", "t-1.1"), ("thread", "t-1"), ("post", "p-3")]
    mine = [(r.kind, r.id) for r in got.records(user)]
    assert mine == [("membership", PUBLIC), ("follow", f"forum:{FORUM}"),
                    ("reaction", "t-1.1"), ("read_position", "t-1")]
    first_post = next(r for r in got.records(ASSOC) if r.id == "t-1.1")
    assert first_post.data["useful"] == 1
    # Taking the reaction back: the post's count drops and the user's reaction is a tombstone.
    later = sync(client, tokens["boris"], got.end.cursors,
                 [op("reaction.set", {"post_id": "t-1.1", "useful": False})])
    assert [(r.kind, r.id) for r in later.records(ASSOC)] == [("post", "t-1.1")]
    assert later.records(ASSOC)[0].data["useful"] == 0
    [gone] = later.records(user)
    assert isinstance(gone, Tombstone) and gone.kind == "reaction"


def test_read_position_only_moves_forward(client, tokens, community):
    sync(client, tokens["anna"], {ASSOC: 0}, [_thread(), _reply("p-2"), _reply("p-3")])
    user = "user:u-boris"
    sync(client, tokens["boris"], {user: 0},
         [op("read.set", {"thread_id": "t-1", "post_id": "p-3"})])
    res = sync(client, tokens["boris"], {user: 0},
               [op("read.set", {"thread_id": "t-1", "post_id": "p-2"})])
    [pos] = [r for r in res.records(user) if r.kind == "read_position"]
    assert pos.data["post_id"] == "p-3" and pos.data["number"] == 3


def test_op_lines_come_first_and_parse(client, tokens):
    body = {"protocol": 1, "cursors": {ASSOC: 0}, "ops": [_thread()]}
    r = client.post("/api/v1/sync", json=body,
                    headers={"authorization": f"Bearer {tokens['anna']}",
                             "accept-encoding": "identity"})
    first = r.content.split(b"\n")[0]
    assert json.loads(first) == {
        "t": "op", "op_id": body["ops"][0]["op_id"], "result": "applied", "reason": None,
        "message": None, "entity": {"kind": "thread", "id": "t-1", "version": 1},
        "current": None}
    assert isinstance(parse_line(first), OpResult)


def test_a_request_with_ops_may_exceed_64_kib(client, tokens):
    long_body = "Очень подробный ответ. " * 800  # ~ 35 KB of UTF-8 each
    ops = [_thread()] + [_reply(f"p-{i}", body=long_body) for i in range(3)]
    got = sync(client, tokens["anna"], {ASSOC: 0}, ops)
    assert got.status == 200 and [r.result for r in got.results] == ["applied"] * 4
    too_big = sync(client, None, {"catalog": 0, **{}}, None)
    assert too_big.status == 200
