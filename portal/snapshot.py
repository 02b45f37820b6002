"""Catalog snapshots: the whole live catalog as one static, zstd-compressed NDJSON file.

The file holds exactly the lines a sync from cursor 0 would send (records in seq order,
a ``page`` line after about every 256 KiB, ``end`` with the head cursor) minus tombstones,
so a client applies it with the same code, then follows the change log from its cursor.

>>> info = ensure_snapshot(store)      # builds only when missing or behind the head
>>> info.name, info.cursor
('catalog-200100.ndjson.zst', 200100)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import zstandard

from portal import db
from portal.blobs import write_atomically
from portal.catalog import PortalStore
from protocol.wire import CATALOG_STREAM, dumps, end_line, page_line

META_KEY = "snapshot:catalog"
PAGE_BYTES = 256 * 1024
READ_BATCH = 5000
# Built once and downloaded by every new school over a thin link: worth a high level.
ZSTD_LEVEL = 12
NAME_RE = re.compile(r"^catalog-[0-9]{1,19}\.ndjson\.zst$")
STALE_TEMP_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    name: str
    cursor: int
    size: int
    sha256: str
    records: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def snapshot_path(store: PortalStore, name: str) -> Path:
    if not NAME_RE.match(name):
        raise ValueError(f"{name!r:.80} is not a snapshot name")
    return store.snapshots_dir / name


def current_snapshot(store: PortalStore) -> SnapshotInfo | None:
    """The snapshot recorded in meta, or None when there is none or its file is gone."""
    raw = store.get_meta(META_KEY)
    if raw is None:
        return None
    info = SnapshotInfo(**json.loads(raw))
    return info if snapshot_path(store, info.name).is_file() else None


def ensure_snapshot(store: PortalStore) -> SnapshotInfo:
    """Return the current snapshot, building a new one when it is missing or stale."""
    info = current_snapshot(store)
    if info is not None and info.cursor == store.head(CATALOG_STREAM):
        return info
    return build_snapshot(store)


def _lines(store: PortalStore, head: int, page_bytes: int, counter: list[int]) -> Iterator[bytes]:
    """Raw NDJSON, one page per chunk; counts records in ``counter[0]``."""
    page: list[bytes] = []
    size = 0
    cursor = 0
    while True:
        batch = store.changes_since(CATALOG_STREAM, cursor, READ_BATCH, upto=head,
                                    live_only=True)
        if not batch:
            break
        for change in batch:
            line = change.line(CATALOG_STREAM)
            page.append(line)
            size += len(line)
            cursor = change.seq
            if size >= page_bytes:
                page.append(dumps(page_line(CATALOG_STREAM, cursor, len(page))))
                counter[0] += len(page) - 1
                yield b"".join(page)
                page, size = [], 0
    if page:
        page.append(dumps(page_line(CATALOG_STREAM, cursor, len(page))))
        counter[0] += len(page) - 1
        yield b"".join(page)
    yield dumps(end_line(False, {CATALOG_STREAM: head}))


def _compressed(chunks: Iterator[bytes], level: int) -> Iterator[bytes]:
    z = zstandard.ZstdCompressor(level=level, write_checksum=True).compressobj()
    for chunk in chunks:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()


def build_snapshot(store: PortalStore, *, page_bytes: int = PAGE_BYTES,
                   level: int = ZSTD_LEVEL) -> SnapshotInfo:
    """Write ``DATA/snapshots/catalog-<head>.ndjson.zst``, record it in meta, drop old ones.

    Rows are read in batches, not in one transaction: an entity changed meanwhile moves
    above ``head`` and reaches the client through the change log, so nothing is lost.
    """
    head = store.head(CATALOG_STREAM)
    name = f"catalog-{head}.ndjson.zst"
    path = snapshot_path(store, name)
    counter = [0]
    sha = write_atomically(path, _compressed(_lines(store, head, page_bytes, counter), level))
    info = SnapshotInfo(name, head, path.stat().st_size, sha, counter[0])
    with db.write_transaction(store.engine) as conn:
        raw = db.get_meta(conn, META_KEY)
        recorded = SnapshotInfo(**json.loads(raw)) if raw else None
        # Another process may have recorded a newer snapshot while this one was built.
        if recorded is None or recorded.cursor <= head:
            db.set_meta(conn, META_KEY, json.dumps(info.to_json()))
            recorded = info
    _remove_others(store, recorded.name)
    return recorded


def _remove_others(store: PortalStore, keep: str) -> None:
    now = time.time()
    for p in store.snapshots_dir.iterdir():
        try:
            if NAME_RE.match(p.name) and p.name != keep:
                p.unlink()
            elif p.name.endswith(".part") and now - p.stat().st_mtime > STALE_TEMP_SECONDS:
                p.unlink()  # left behind by a build that was killed
        except OSError:
            pass  # another process removed it first
