"""Content-addressed blob storage on disk: ``DATA/blobs/ab/<sha256>``.

A blob is written to a temporary file in the same directory, flushed to disk and renamed
into place, so a crash never leaves a partial file under a hash name.

>>> blobs = BlobStore(Path("/tmp/portal/blobs"))
>>> sha, size = blobs.put_bytes(b"hello")
>>> blobs.path_for(sha).read_bytes()
b'hello'
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from protocol.bundle import fsync_dir
from protocol.wire import SHA256_RE

CHUNK = 1 << 20


def write_atomically(target: Path, chunks: Iterable[bytes], *, durable: bool = True) -> str:
    """Write ``chunks`` to ``target`` via temp file + rename; returns the sha256 of the content."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(target.parent)
    return digest.hexdigest()


class BlobStore:
    """Files named by the sha256 of their content, computed here, never taken on trust."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise ValueError(f"{sha256!r:.80} is not a sha256 hex digest")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str, size: int | None = None) -> bool:
        try:
            st = self.path_for(sha256).stat()
        except (OSError, ValueError):
            return False
        return size is None or st.st_size == size

    def put_bytes(self, data: bytes, *, durable: bool = True) -> tuple[str, int]:
        """Store ``data``; returns ``(sha256, size)``. Storing the same content twice is cheap."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha, len(data)):
            write_atomically(self.path_for(sha), [data], durable=durable)
        return sha, len(data)

    def put_file(self, source: Path, *, durable: bool = True) -> tuple[str, int]:
        """Copy a file in; returns ``(sha256, size)``. Reads it twice: hash, then copy."""
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        if not self.has(sha, size):
            with source.open("rb") as fh:
                written = write_atomically(
                    self.path_for(sha), iter(lambda: fh.read(CHUNK), b""), durable=durable)
            if written != sha:
                self.path_for(sha).unlink(missing_ok=True)
                raise ValueError(f"{source} changed while it was being stored")
        return sha, size
