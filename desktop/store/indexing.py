r"""What a resource record becomes in the database: JSON columns and search terms.

>>> print(json_texts(["Иванова А. Б.", 'цитата "в кавычках"']))
["Иванова А. Б.","цитата \"в кавычках\""]
>>> resource_terms({"title": "Квадратные уравнения", "type": "lesson", "grades": [8]})
('квадратн уравнен', 'урок lesson 8 класс')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from desktop.store.text import terms, text_version
from protocol.wire import RESOURCE_TYPES

# One encoder for all calls: json.dumps() with options builds a new encoder every time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON with Cyrillic kept as UTF-8 (half the bytes of \\u escapes)."""
    return _ENCODER.encode(value)


# The shapes of a validated resource, written by hand: three times faster than the
# encoder, which is rebuilt on every call. Each raises TypeError on anything else.
def json_texts(items: list[str]) -> str:
    return "[" + ",".join(map(encode_basestring, items)) + "]"


def json_ints(items: list[int]) -> str:
    return "[" + ",".join(map(int.__repr__, items)) + "]"


def json_files(files: list[dict[str, Any]]) -> str:
    return "[" + ",".join(
        f'{{"sha256":{encode_basestring(f["sha256"])},"name":{encode_basestring(f["name"])},'
        f'"mime":{encode_basestring(f["mime"])},"size":{int.__repr__(f["size"])}}}'
        for f in files
    ) + "]"


def resource_terms(d: dict[str, Any]) -> tuple[str, str]:
    """Stemmed (title, body) text for the search index of one resource.

    The body also gets the type's Russian and English labels and "N класс" for each grade,
    so "презентация дроби" or "дроби 5 класс" find what people mean.
    """
    labels = RESOURCE_TYPES.get(d["type"], ("", ""))
    body = terms(
        d.get("description", ""),
        " ".join(d.get("authors", ())),
        " ".join(d.get("keywords", ())),
        " ".join(d.get("subjects", ())),
        " ".join(labels),
        " ".join(f"{g} класс" for g in d.get("grades", ())),
    )
    return terms(d["title"]), body


# Stored columns that the search terms are computed from, and how to read them back.
TERM_COLUMNS = "title, description, authors, subjects, keywords, grades, type"


def stored_terms(row: Sequence[Any]) -> tuple[str, str]:
    """``resource_terms`` of a row selected as ``TERM_COLUMNS``: what the index holds."""
    title, description, authors, subjects, keywords, grades, rtype = row
    return resource_terms({
        "title": title, "description": description, "authors": json.loads(authors),
        "subjects": json.loads(subjects), "keywords": json.loads(keywords),
        "grades": json.loads(grades), "type": rtype,
    })


def terms_version() -> str:
    """Identifies everything the indexed terms depend on: the text rules and the type
    labels added to the body. The contentless index can only forget a row given the exact
    terms it indexed, so any change here means a full reindex (the Store does it on open).
    """
    labels = hashlib.sha256(json.dumps(RESOURCE_TYPES, sort_keys=True).encode()).hexdigest()
    return f"{text_version()}/labels-{labels[:12]}"
