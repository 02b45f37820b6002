"""Response compression negotiated by Accept-Encoding: zstd preferred, gzip fallback."""

from __future__ import annotations

import zlib

import zstandard

ZSTD = "zstd"
GZIP = "gzip"
IDENTITY = "identity"


def choose_encoding(accept_encoding: str | None) -> str:
    """Pick the best encoding the client accepts.

    >>> choose_encoding("gzip, zstd")
    'zstd'
    """
    offered = {p.split(";")[0].strip().lower() for p in (accept_encoding or "").split(",")}
    if ZSTD in offered:
        return ZSTD
    if GZIP in offered:
        return GZIP
    return IDENTITY


class StreamCompressor:
    """Incremental compressor whose ``flush()`` makes all data so far decodable (page ends)."""

    def __init__(self, encoding: str, level: int = 6) -> None:
        self.encoding = encoding
        if encoding == ZSTD:
            self._z = zstandard.ZstdCompressor(level=level).compressobj()
        elif encoding == GZIP:
            self._z = zlib.compressobj(level, zlib.DEFLATED, 31)
        else:
            self._z = None

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data) if self._z else data

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        if self.encoding == ZSTD:
            return self._z.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return self._z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        if self._z is None:
            return b""
        return self._z.flush()


class StreamDecompressor:
    """Incremental decompressor for a response body read in raw chunks."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding == ZSTD:
            self._d = zstandard.ZstdDecompressor().decompressobj()
        elif encoding == GZIP:
            self._d = zlib.decompressobj(31)
        elif encoding in (IDENTITY, ""):
            self._d = None
        else:
            raise ValueError(f"unsupported content encoding {encoding!r}")

    def decompress(self, data: bytes) -> bytes:
        return self._d.decompress(data) if self._d else data
