"""protocol.wire and protocol.community: stream names, community kinds, op lines, ops."""

from __future__ import annotations

import json

import pytest

from protocol.community import BadOp, Op, parse_ops, stream_family, validate_op
from protocol.wire import OpResult, ProtocolError, Rec, Tombstone, dumps, op_line, parse_line

POST = {"id": "p-1", "thread_id": "t-1", "forum_id": "f-1", "association_id": "reg-45",
        "author_id": "u-1", "number": 1, "body_md": "Текст", "revision": 1, "edited": None,
        "useful": 0, "deleted": False, "hidden": False, "hidden_reason": None,
        "removed": False, "removed_reason": None, "created": "2025-09-01T08:00:00Z",
        "modified": "2025-09-01T08:00:00Z", "version": 3}


@pytest.mark.parametrize(("name", "family"), [
    ("catalog", "catalog"), ("directory", "directory"), ("assoc:reg-45", "assoc"),
    ("user:u-0001", "user"), ("assoc:a:b", "assoc"),
    ("forum", None), ("assoc:", None), ("user:-x", None),
    ("assoc:" + "x" * 45, None), ("assoc:" + "x" * 44, "assoc"),
    ("Assoc:x", None), (["catalog"], None), (None, None),
])
def test_stream_names(name, family):
    assert stream_family(name) == family


def test_community_records_parse_in_their_streams_only():
    line = {"t": "rec", "s": "assoc:reg-45", "k": "post", "id": "p-1", "v": 3, "seq": 9,
            "d": POST}
    rec = parse_line(json.dumps(line))
    assert isinstance(rec, Rec) and rec.data["body_md"] == "Текст"
    with pytest.raises(ProtocolError, match="unknown record kind"):
        parse_line(json.dumps({**line, "s": "directory"}))
    with pytest.raises(ProtocolError, match="unknown record kind"):
        parse_line(json.dumps({**line, "s": "catalog"}))
    tomb = parse_line(b'{"t":"del","s":"user:u-1","k":"follow","id":"forum:f-1","seq":4}')
    assert isinstance(tomb, Tombstone)
    with pytest.raises(ProtocolError):
        parse_line(b'{"t":"del","s":"user:u-1","k":"resource","id":"r","seq":4}')


def test_a_removed_post_must_not_carry_its_text():
    bad = {**POST, "removed": True, "removed_reason": "спам"}
    line = {"t": "rec", "s": "assoc:reg-45", "k": "post", "id": "p-1", "v": 3, "seq": 9,
            "d": bad}
    with pytest.raises(ProtocolError, match="still carries a body"):
        parse_line(json.dumps(line))


def test_op_lines_round_trip():
    raw = dumps(op_line("o-1", "conflict", message="changed",
                        entity={"kind": "post", "id": "p-1", "version": 3}, current=POST))
    got = parse_line(raw)
    assert isinstance(got, OpResult) and got.result == "conflict"
    assert got.current is not None and got.current["body_md"] == "Текст"
    assert parse_line(dumps(op_line("o-2", "applied"))) == OpResult(
        "o-2", "applied", None, None, None, None)


@pytest.mark.parametrize("bad", [
    {"result": "maybe"},
    {"result": "rejected"},  # no reason
    {"entity": {"kind": "resource", "id": "r", "version": 1}},
    {"entity": {"kind": "post", "id": "p", "version": 0}},
    {"current": POST},  # current without entity
    {"op_id": ""},
])
def test_malformed_op_lines_are_protocol_errors(bad):
    line = {**op_line("o-1", "applied"), **bad}
    with pytest.raises(ProtocolError):
        parse_line(json.dumps(line))


def test_ops_validation():
    ok = validate_op({"op_id": "o-1", "type": "thread.create", "data": {
        "id": "t-1", "forum_id": "f-1", "title": "Тема", "body_md": "Текст"}})
    assert isinstance(ok, Op) and ok.data["post_id"] == "t-1.1"
    edit = validate_op({"op_id": "o-2", "type": "post.edit",
                        "data": {"id": "p-1", "body_md": "x"}})
    assert isinstance(edit, BadOp) and "base_version" in edit.message
    for bad in ({"op_id": "o", "type": "post.create", "data": {"id": "p", "thread_id": "t",
                                                              "body_md": " "}},
                {"op_id": "o", "type": "reaction.set", "data": {"post_id": "p", "useful": 1}},
                {"op_id": "o", "type": "read.set", "data": {"thread_id": "t", "post_id": "p",
                                                            "extra": 1}},
                {"op_id": "o", "type": "mod.post.remove", "data": {"post_id": "p"}},
                {"op_id": "o", "type": "read.set", "data": {}, "depends_on": "o"},
                {"op_id": "o", "type": "read.set", "data": {}, "when": "now"}):
        assert isinstance(validate_op(bad), BadOp), bad
    with pytest.raises(ProtocolError):
        validate_op({"op_id": "bad id", "type": "read.set", "data": {}})
    with pytest.raises(ProtocolError, match="500"):
        parse_ops([{"op_id": f"o{i}", "type": "x"} for i in range(501)])
