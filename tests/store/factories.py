"""Builders of protocol-valid records for the store tests (validated by protocol.wire)."""

from __future__ import annotations

import hashlib
from typing import Any

from protocol.wire import (
    CATALOG_STREAM,
    KIND_COLLECTION,
    KIND_RESOURCE,
    Rec,
    Tombstone,
    validate_collection,
    validate_resource,
)

PORTAL = "portal-test"


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def resource_data(rid: str, title: str = "Урок", version: int = 1, **fields: Any) -> dict:
    """A protocol-valid resource dict (checked by protocol.wire.validate_resource)."""
    d = {
        "id": rid, "title": title, "description": "", "authors": [], "subjects": [],
        "grades": [], "type": "lesson", "language": "ru", "license": "CC BY 4.0",
        "keywords": [], "collections": [], "files": [],
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
        "version": version,
    }
    d.update(fields)
    return validate_resource(d)


def file_data(name: str, size: int = 1000) -> dict:
    return {"sha256": sha(name), "name": f"{name}.pdf", "mime": "application/pdf", "size": size}


def collection_data(cid: str, title: str = "Коллекция", version: int = 1, **fields: Any) -> dict:
    d = {"id": cid, "parent_id": None, "title": title, "description": "", "kind": "topic",
         "position": 0, "version": version, "created": "2024-01-01T00:00:00Z",
         "modified": "2024-01-01T00:00:00Z"}
    d.update(fields)
    return validate_collection(d)


def rec(data: dict, seq: int, kind: str = KIND_RESOURCE) -> Rec:
    return Rec(CATALOG_STREAM, kind, data["id"], data["version"], seq, data)


def col_rec(data: dict, seq: int) -> Rec:
    return rec(data, seq, KIND_COLLECTION)


def tomb(rid: str, seq: int, kind: str = KIND_RESOURCE) -> Tombstone:
    return Tombstone(CATALOG_STREAM, kind, rid, seq)
