"""The cheap path of the most common request, a sync that finds nothing new.

Most of an evening's syncs change nothing; their cost is the stream heads' read and the
compressed ``end`` line. Both are done here without per-request machinery:

* :func:`stream_states` reads ``(head, horizon)`` of the requested streams with one
  statement on a pooled DBAPI connection (no SQLAlchemy transaction events around it);
* :func:`one_shot` compresses a small body with a compressor context kept per thread
  (creating a zstd context costs more than the whole rest of a no-change answer).

Nothing here is shared between processes or cached across requests except compressor
contexts, which hold no data.

>>> stream_states(engine, ["catalog"])
{'catalog': (2049, 0)}
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable

import zstandard
from sqlalchemy import Engine

from portal.catalog import Change
from protocol.compression import GZIP, ZSTD, StreamCompressor

ZSTD_LEVEL = 3
_local = threading.local()


def _zstd() -> zstandard.ZstdCompressor:
    comp = getattr(_local, "zstd", None)
    if comp is None:
        comp = _local.zstd = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return comp


def one_shot(data: bytes, encoding: str) -> bytes:
    """``data`` as one complete body in ``encoding`` (zstd frame, gzip member or as is)."""
    if encoding == ZSTD:
        return _zstd().compress(data)
    if encoding == GZIP:
        return zlib.compress(data, 6, wbits=31)
    return data


def stream_states(engine: Engine, streams: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{stream: (head, horizon)}``; raises ValueError naming an unknown stream."""
    wanted = sorted(set(streams))
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = ("SELECT name, last_seq, horizon_seq FROM streams WHERE name IN ("
           + ", ".join([mark] * len(wanted)) + ")")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(sql, tuple(wanted))
            rows = cursor.fetchall()
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool, which ends any transaction the SELECT opened
    states = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    missing = [s for s in wanted if s not in states]
    if missing:
        raise ValueError(f"unknown stream {missing[0]!r}")
    return states


class CompressorPool:
    """Reusable zstd contexts for streamed sync bodies, per process.

    A fresh context costs more than compressing a 20-record page; a context taken from the
    pool is reset by ``compressobj()``. One body holds its context from first to last byte
    (a streamed response may pause between pages while another response runs on the same
    thread), and gives it back when finished.
    """

    def __init__(self, level: int = 6, keep: int = 64) -> None:
        self.level = level
        self.keep = keep
        self._idle: list[zstandard.ZstdCompressor] = []
        self._lock = threading.Lock()

    def stream(self, encoding: str) -> StreamCompressor:
        if encoding != ZSTD:
            return StreamCompressor(encoding, self.level)
        with self._lock:
            cctx = self._idle.pop() if self._idle else None
        return _PooledZstd(cctx or zstandard.ZstdCompressor(level=self.level), self)

    def give_back(self, cctx: zstandard.ZstdCompressor) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(cctx)


class _PooledZstd(StreamCompressor):
    def __init__(self, cctx: zstandard.ZstdCompressor, pool: CompressorPool) -> None:
        self.encoding = ZSTD
        self._cctx: zstandard.ZstdCompressor | None = cctx
        self._pool = pool
        self._z = cctx.compressobj()

    def finish(self) -> bytes:
        out = self._z.flush()
        if self._cctx is not None:
            self._pool.give_back(self._cctx)
            self._cctx = None
        return out


def changes_after(engine: Engine, stream: str, seq: int, limit: int) -> list[Change]:
    """What ``PortalStore.changes_since(stream, seq, limit)`` returns, read with one
    statement on a pooled DBAPI connection."""
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = ("SELECT seq, kind, entity_id, version, deleted, payload FROM changelog "
           f"WHERE stream = {mark} AND seq > {mark} ORDER BY seq LIMIT {int(limit)}")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(sql, (stream, seq))
            rows = cursor.fetchall()
        finally:
            cursor.close()
    finally:
        raw.close()
    return [Change(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]), r[5]) for r in rows]
