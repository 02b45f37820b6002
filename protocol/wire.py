"""Constants, line kinds and strict validation of everything that crosses the wire.

A sync response (and a snapshot file) is a stream of NDJSON lines, each a JSON object with
a ``t`` (line type) field:

``{"t":"rec","s":STREAM,"k":KIND,"id":ID,"v":VERSION,"seq":SEQ,"d":{...}}``
    an entity at its latest version (upsert by id when ``v`` is newer or equal)
``{"t":"del","s":STREAM,"k":KIND,"id":ID,"seq":SEQ}``
    a tombstone
``{"t":"page","s":STREAM,"cursor":SEQ,"n":COUNT}``
    end of a page: apply the preceding records and store ``cursor``, in one transaction
``{"t":"end","more":BOOL,"cursors":{STREAM:SEQ}}``
    last line of a response; a response without it was truncated
``{"t":"error","code":CODE,"message":TEXT}``
    the server failed after streaming began
``{"t":"op","op_id":ID,"result":R,"reason":CODE|null,"message":TEXT|null,"entity":{...}|null,
"current":{...}|null}``
    the result of one op the client sent (community writes); these come first

Streams are ``catalog`` and the community streams ``directory``, ``assoc:<id>`` and
``user:<id>`` (see :mod:`protocol.community` for their kinds and for ops).

Validation here never trusts the server: every field is type- and size-checked and a
violation raises :class:`ProtocolError` with a plain-words message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
CATALOG_STREAM = "catalog"
# The fixed public streams (listed by /hello). Community stream names (``directory``,
# ``assoc:<id>``, ``user:<id>``) are recognised by is_stream_name().
KNOWN_STREAMS = frozenset({CATALOG_STREAM})

KIND_COLLECTION = "collection"
KIND_RESOURCE = "resource"
CATALOG_KINDS = frozenset({KIND_COLLECTION, KIND_RESOURCE})

# Resource type code -> (Russian label, English label).
RESOURCE_TYPES: dict[str, tuple[str, str]] = {
    "lesson": ("урок", "lesson"),
    "presentation": ("презентация", "presentation"),
    "video_lesson": ("видеоурок", "video lesson"),
    "interactive_test": ("интерактивный тест", "interactive test"),
    "workbook": ("рабочая тетрадь", "workbook"),
    "methodical_guide": ("методическое пособие", "methodical guide"),
    "audio": ("аудиозапись", "audio recording"),
    "image": ("иллюстрация", "illustration"),
    "lab_work": ("лабораторная работа", "lab work"),
}

COLLECTION_KINDS = frozenset({"subject", "publisher", "series", "topic"})

# Size limits: a hostile server must not be able to make the client store megabytes per field.
MAX_LINE_BYTES = 1 << 20
MAX_ID = 100
MAX_TITLE = 500
MAX_TEXT = 20_000
MAX_SHORT = 200
MAX_LIST = 200
MAX_FILES = 100
MAX_FILE_SIZE = 1 << 40
MAX_POSITION = (1 << 31) - 1  # a 32-bit INTEGER column on every database

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


class ProtocolError(Exception):
    """The other side sent something that breaks the protocol. The message is for people."""


class PortalFailure(ProtocolError):
    """An ``error`` line: the portal failed after its answer began. Not the client's fault
    and usually passing: keep the pages applied so far and sync again later."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"the portal reported an error: {message}")
        self.code = code
        self.portal_message = message


@dataclass(frozen=True, slots=True)
class Rec:
    stream: str
    kind: str
    id: str
    version: int
    seq: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Tombstone:
    stream: str
    kind: str
    id: str
    seq: int


@dataclass(frozen=True, slots=True)
class PageEnd:
    stream: str
    cursor: int
    count: int


@dataclass(frozen=True, slots=True)
class End:
    more: bool
    cursors: dict[str, int]


@dataclass(frozen=True, slots=True)
class OpResult:
    """The portal's answer to one op: ``result`` is applied, duplicate, conflict or rejected;
    ``entity`` is ``{"kind", "id", "version"}`` of what the op made or touched; ``current`` is
    the server's record ``d`` when the op conflicted (to show both sides)."""

    op_id: str
    result: str
    reason: str | None
    message: str | None
    entity: dict[str, Any] | None
    current: dict[str, Any] | None


Line = Rec | Tombstone | PageEnd | End | OpResult


def _fail(msg: str) -> ProtocolError:
    return ProtocolError(msg)


def _int(value: Any, what: str, lo: int = 0, hi: int = 1 << 62) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise _fail(f"{what} must be an integer between {lo} and {hi}, got {value!r:.60}")
    return value


def _str(value: Any, what: str, limit: int, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _fail(f"{what} must be text, got {type(value).__name__}")
    if len(value) > limit:
        raise _fail(f"{what} is longer than {limit} characters")
    if not empty and not value.strip():
        raise _fail(f"{what} must not be empty")
    if "\x00" in value:
        raise _fail(f"{what} contains a NUL character")
    return value


def _id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise _fail(f"{what} is not a valid identifier: {value!r:.60}")
    return value


def _opt_id(value: Any, what: str) -> str | None:
    return None if value is None else _id(value, what)


def _str_list(value: Any, what: str, limit: int = MAX_SHORT) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise _fail(f"{what} must be a list of at most {MAX_LIST} items")
    return [_str(v, f"{what}[{i}]", limit) for i, v in enumerate(value)]


def _known(value: Any, names: Any) -> bool:
    """Membership that a hostile value cannot crash (a list or object is unhashable)."""
    return isinstance(value, str) and value in names


def is_stream_name(value: Any) -> bool:
    """``catalog``, ``directory``, ``assoc:<id>`` or ``user:<id>`` (at most 50 characters)."""
    from protocol.community import stream_family  # late: community builds on this module

    return stream_family(value) is not None


def _stream(value: Any) -> str:
    if not is_stream_name(value):
        raise _fail(f"unknown stream {value!r:.60}")
    return value


def _kind_validator(stream: str, kind: Any) -> Any:
    """The validator of ``kind`` in ``stream``; a kind the stream does not carry is an error."""
    from protocol.community import STREAM_KINDS, stream_family

    family = stream_family(stream)
    kinds = VALIDATORS if family == CATALOG_STREAM else STREAM_KINDS.get(family or "", {})
    if not _known(kind, kinds):
        raise _fail(f"unknown record kind {kind!r:.40} in stream {stream!r:.60}")
    return kinds[kind]


def _op_result(obj: dict[str, Any]) -> OpResult:
    from protocol.community import COMMUNITY_VALIDATORS, OP_RESULTS, client_id

    op_id = client_id(obj.get("op_id"), "op result op_id")
    result = obj.get("result")
    if not _known(result, OP_RESULTS):
        raise _fail(f"unknown op result {result!r:.40}")
    reason = obj.get("reason")
    if reason is not None:
        reason = _str(reason, "op result reason", 40, empty=False)
    message = obj.get("message")
    if message is not None:
        message = _str(message, "op result message", 2000)
    entity = obj.get("entity")
    if entity is not None:
        if not isinstance(entity, dict) or not _known(entity.get("kind"), COMMUNITY_VALIDATORS):
            raise _fail("op result entity must name a community kind")
        entity = {"kind": entity["kind"], "id": _id(entity.get("id"), "op result entity id"),
                  "version": _int(entity.get("version"), "op result entity version", 1)}
    current = obj.get("current")
    if current is not None:
        if entity is None:
            raise _fail("an op result carries current data without naming its entity")
        current = COMMUNITY_VALIDATORS[entity["kind"]](current)
    if result == "rejected" and reason is None:
        raise _fail(f"op {op_id} was rejected without a reason")
    return OpResult(op_id, result, reason, message, entity, current)


def validate_file(d: Any, what: str = "file") -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _fail(f"{what} must be an object")
    sha = d.get("sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise _fail(f"{what}.sha256 is not a sha256 hex digest")
    name = _str(d.get("name"), f"{what}.name", MAX_SHORT, empty=False)
    if "/" in name or "\\" in name or name in (".", "..") or any(ord(c) < 32 for c in name):
        raise _fail(f"{what}.name {name!r:.60} is not a plain file name")
    return {
        "sha256": sha,
        "name": name,
        "mime": _str(d.get("mime"), f"{what}.mime", MAX_SHORT, empty=False),
        "size": _int(d.get("size"), f"{what}.size", 0, MAX_FILE_SIZE),
    }


def validate_collection(d: Any) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _fail("collection data must be an object")
    kind = d.get("kind")
    if not _known(kind, COLLECTION_KINDS):
        raise _fail(f"collection kind {kind!r:.40} is unknown")
    return {
        "id": _id(d.get("id"), "collection.id"),
        "parent_id": _opt_id(d.get("parent_id"), "collection.parent_id"),
        "title": _str(d.get("title"), "collection.title", MAX_TITLE, empty=False),
        "description": _str(d.get("description", ""), "collection.description", MAX_TEXT),
        "kind": kind,
        "position": _int(d.get("position", 0), "collection.position", 0, MAX_POSITION),
        "version": _int(d.get("version"), "collection.version", 1),
        "created": _str(d.get("created"), "collection.created", 40),
        "modified": _str(d.get("modified"), "collection.modified", 40),
    }


def validate_resource(d: Any) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _fail("resource data must be an object")
    rtype = d.get("type")
    if not _known(rtype, RESOURCE_TYPES):
        raise _fail(f"resource type {rtype!r:.40} is unknown")
    grades = d.get("grades")
    if not isinstance(grades, list) or len(grades) > 11:
        raise _fail("resource.grades must be a list of grade numbers")
    grades = sorted({_int(g, "resource.grades[]", 1, 11) for g in grades})
    files = d.get("files", [])
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise _fail(f"resource.files must be a list of at most {MAX_FILES} files")
    collections = d.get("collections", [])
    if not isinstance(collections, list) or len(collections) > MAX_LIST:
        raise _fail("resource.collections must be a list of collection ids")
    language = _str(d.get("language"), "resource.language", 10, empty=False)
    return {
        "id": _id(d.get("id"), "resource.id"),
        "title": _str(d.get("title"), "resource.title", MAX_TITLE, empty=False),
        "description": _str(d.get("description", ""), "resource.description", MAX_TEXT),
        "authors": _str_list(d.get("authors", []), "resource.authors"),
        "subjects": _str_list(d.get("subjects", []), "resource.subjects"),
        "grades": grades,
        "type": rtype,
        "language": language,
        "license": _str(d.get("license", ""), "resource.license", MAX_SHORT),
        "keywords": _str_list(d.get("keywords", []), "resource.keywords"),
        "collections": [_id(c, "resource.collections[]") for c in collections],
        "files": [validate_file(f, f"resource.files[{i}]") for i, f in enumerate(files)],
        "created": _str(d.get("created"), "resource.created", 40),
        "modified": _str(d.get("modified"), "resource.modified", 40),
        "version": _int(d.get("version"), "resource.version", 1),
    }


VALIDATORS = {KIND_COLLECTION: validate_collection, KIND_RESOURCE: validate_resource}


def parse_line(raw: bytes | str) -> Line:
    """Parse and validate one NDJSON line. Raises ProtocolError on anything unexpected.

    >>> parse_line(b'{"t":"page","s":"catalog","cursor":5,"n":2}')
    PageEnd(stream='catalog', cursor=5, count=2)
    """
    if len(raw) > MAX_LINE_BYTES:
        raise _fail(f"a line of {len(raw)} bytes exceeds the {MAX_LINE_BYTES}-byte limit")
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(f"a line is not valid JSON ({exc.__class__.__name__})") from None
    except RecursionError:
        raise _fail("a line is nested too deeply") from None
    if not isinstance(obj, dict):
        raise _fail("a line must be a JSON object")
    t = obj.get("t")
    if t == "rec":
        stream = _stream(obj.get("s"))
        kind = obj.get("k")
        validator = _kind_validator(stream, kind)
        rid = _id(obj.get("id"), "record id")
        version = _int(obj.get("v"), "record version", 1)
        data = validator(obj.get("d"))
        if data["id"] != rid or data["version"] != version:
            raise _fail(f"record {rid} disagrees with its own data about id or version")
        return Rec(stream, kind, rid, version, _int(obj.get("seq"), "record seq", 1), data)
    if t == "del":
        stream = _stream(obj.get("s"))
        kind = obj.get("k")
        _kind_validator(stream, kind)
        return Tombstone(stream, kind, _id(obj.get("id"), "tombstone id"),
                         _int(obj.get("seq"), "tombstone seq", 1))
    if t == "page":
        return PageEnd(_stream(obj.get("s")), _int(obj.get("cursor"), "page cursor"),
                       _int(obj.get("n"), "page count"))
    if t == "end":
        cursors = obj.get("cursors")
        if not isinstance(cursors, dict):
            raise _fail("end line must carry cursors")
        more = obj.get("more")
        if not isinstance(more, bool):
            raise _fail("end line must say whether there is more")
        return End(more, {_stream(k): _int(v, "end cursor") for k, v in cursors.items()})
    if t == "op":
        return _op_result(obj)
    if t == "error":
        raise PortalFailure(str(obj.get("code"))[:40], str(obj.get("message"))[:300])
    raise _fail(f"unknown line type {t!r:.40}")


def dumps(obj: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON line (with the trailing newline)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def rec_line(stream: str, kind: str, data: dict[str, Any], seq: int) -> dict[str, Any]:
    return {"t": "rec", "s": stream, "k": kind, "id": data["id"], "v": data["version"],
            "seq": seq, "d": data}


def del_line(stream: str, kind: str, entity_id: str, seq: int) -> dict[str, Any]:
    return {"t": "del", "s": stream, "k": kind, "id": entity_id, "seq": seq}


def page_line(stream: str, cursor: int, count: int) -> dict[str, Any]:
    return {"t": "page", "s": stream, "cursor": cursor, "n": count}


def op_line(op_id: str, result: str, *, reason: str | None = None,
            message: str | None = None, entity: dict[str, Any] | None = None,
            current: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"t": "op", "op_id": op_id, "result": result, "reason": reason, "message": message,
            "entity": entity, "current": current}


def end_line(more: bool, cursors: dict[str, int]) -> dict[str, Any]:
    return {"t": "end", "more": more, "cursors": cursors}
