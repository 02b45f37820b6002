"""Small builders for portal tests: catalog entities and decoding of sync bodies."""

from __future__ import annotations

from typing import Any

from protocol.compression import StreamDecompressor
from protocol.wire import End, Line, PageEnd, Rec, Tombstone, parse_line


def collection(cid: str = "math", **fields: Any) -> dict[str, Any]:
    return {"id": cid, "parent_id": None, "title": f"Коллекция {cid}", "description": "",
            "kind": "subject", "position": 0, **fields}


def resource(rid: str = "r-1", **fields: Any) -> dict[str, Any]:
    return {"id": rid, "title": f"Урок {rid}", "description": "Описание урока.",
            "authors": ["Иванова Мария Петровна"], "subjects": ["Математика"], "grades": [5],
            "type": "lesson", "language": "ru", "license": "CC BY 4.0",
            "keywords": ["дроби"], "collections": [], **fields}


def decode(raw: bytes, encoding: str | None) -> bytes:
    return StreamDecompressor(encoding or "identity").decompress(raw)


def parse_body(text: bytes) -> list[Line]:
    """Every NDJSON line, validated by the protocol parser; the body must end with a newline."""
    assert text.endswith(b"\n"), "a response must end with a complete line"
    return [parse_line(line) for line in text.splitlines()]


def records(lines: list[Line]) -> list[Rec | Tombstone]:
    return [x for x in lines if isinstance(x, Rec | Tombstone)]


def pages(lines: list[Line]) -> list[PageEnd]:
    return [x for x in lines if isinstance(x, PageEnd)]


def end(lines: list[Line]) -> End:
    assert isinstance(lines[-1], End), "the last line must be the end line"
    return lines[-1]


def check_pages(lines: list[Line]) -> None:
    """Each page line closes the records before it: its cursor is their last seq, its count
    their number, and seqs rise strictly through the whole body."""
    last_seq = 0
    in_page: list[Rec | Tombstone] = []
    for line in lines:
        if isinstance(line, Rec | Tombstone):
            assert line.seq > last_seq, "seqs must rise strictly"
            last_seq = line.seq
            in_page.append(line)
        elif isinstance(line, PageEnd):
            assert in_page, "a page line must follow at least one record"
            assert line.cursor == in_page[-1].seq and line.count == len(in_page)
            in_page = []
    assert not in_page, "records after the last page line"
