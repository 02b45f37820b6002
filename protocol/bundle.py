"""USB bundles: the file format both the portal and the desktop write and read.

A bundle is one byte stream, stored as one file or split into volumes for FAT32 drives
(``name.okb``, ``name.okb.001``, ``name.okb.002`` … each under 4 GiB)::

    MAGIC (14 bytes)  b"OKNO-BUNDLE-1\\n"
    u32 big-endian    length of the manifest
    manifest          compact UTF-8 JSON (see docs/bundles.md)
    u16 big-endian    length of the signature (64; 0 = unsigned, always refused)
    signature         Ed25519 over MAGIC + manifest
    parts             the bytes of every part, in manifest order, back to back

The manifest lists every part with its size and sha256, so a reader verifies the signature
first (a few hundred bytes) and then every part while streaming it. Parts are:

``records``  a zstd NDJSON file of one stream: exactly the lines of a sync response
             (``rec``/``del`` lines, a ``page`` line after each page, then ``end``)
``results``  zstd NDJSON of ``op`` lines (the portal's answers to a user's ops)
``ops``      zstd NDJSON of outbox ops (a desktop's outbox, signed by its device key)
``file``     a resource file as is; its sha256 is its content address

    info = read_header(open_volumes(Path("drive/okno-2025-03-01.okb")))
    check_signature(info, trusted_key)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from protocol.wire import ID_RE, SHA256_RE, is_stream_name

MAGIC = b"OKNO-BUNDLE-1\n"
FORMAT = "okno-bundle"
FORMAT_VERSION = 1
SUFFIX = ".okb"
# FAT32 holds files up to 4 GiB - 1 byte; stay a little below on every drive.
VOLUME_BYTES = (4 << 30) - (1 << 20)
MAX_MANIFEST = 64 << 20
SIGNATURE_BYTES = 64
CHUNK = 1 << 20
SPACE_MARGIN = 1 << 20

KINDS = frozenset({"library", "outbox", "results"})
PART_TYPES = frozenset({"records", "results", "ops", "file"})
CREATOR_TYPES = frozenset({"portal", "device"})
RECEIPT_PREFIX = "okno-receipt-"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class BundleError(Exception):
    """A bundle cannot be read, written or trusted. The message is for people; ``code``
    tells the UI which words to use (unsigned, tampered, truncated, wrong_key, untrusted,
    not_a_bundle, space, gap, other_portal, io)."""

    def __init__(self, message: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


# ---- keys -------------------------------------------------------------------------------------

def encode_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode_key(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key written as base64 (spaces allowed)."""
    try:
        raw = base64.b64decode("".join(str(text).split()), validate=True)
    except (ValueError, TypeError):
        raise BundleError("the key is not valid base64", "wrong_key") from None
    if len(raw) != 32:
        raise BundleError("an Ed25519 public key has 32 bytes", "wrong_key")
    return raw


def fingerprint(raw_public_key: bytes) -> str:
    """The sha256 of the raw public key, hex: what the portal and the UI name a key by."""
    return hashlib.sha256(raw_public_key).hexdigest()


def short_fingerprint(fp: str) -> str:
    """``"3f2a 91c0 7d44 e01b"``: the first 16 hex digits in groups, for people."""
    return " ".join(fp[i:i + 4] for i in range(0, 16, 4))


class Signer:
    """An Ed25519 private key that signs manifests (the portal's or a device's)."""

    def __init__(self, private_key: Any) -> None:
        from cryptography.hazmat.primitives import serialization

        self._key = private_key
        self.public_raw: bytes = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.fingerprint = fingerprint(self.public_raw)

    @classmethod
    def generate(cls) -> Signer:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> Signer:
        """The key in ``path`` (PKCS#8 PEM), created with mode 0600 on first use. Two processes
        creating it at once agree: the second one reads the first one's file."""
        from cryptography.hazmat.primitives import serialization

        path = Path(path)
        if not path.exists():
            signer = cls.generate()
            pem = signer._key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process made it first: keep theirs
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise BundleError(f"the signing key {path} is damaged: {exc}", "wrong_key") from None
        return cls(key)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def verify_signature(public_raw: bytes, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---- volumes ----------------------------------------------------------------------------------

def volume_path(first: Path, index: int) -> Path:
    """``volume_path(Path("a.okb"), 0)`` is ``a.okb``; index 2 is ``a.okb.002``."""
    return first if index == 0 else first.with_name(f"{first.name}.{index:03d}")


def list_volumes(first: Path) -> list[Path]:
    first = Path(first)
    if not first.is_file():
        raise BundleError(f"there is no bundle file {first}", "not_a_bundle", path=str(first))
    out = [first]
    while volume_path(first, len(out)).is_file():
        out.append(volume_path(first, len(out)))
    return out


class VolumeReader(io.RawIOBase):
    """The volumes of a bundle read as one stream (forward only)."""

    def __init__(self, volumes: list[Path]) -> None:
        super().__init__()
        self.volumes = volumes
        self._index = 0
        self._fh: BinaryIO | None = open(volumes[0], "rb")  # noqa: SIM115 (closed in close)
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        while self._fh is not None:
            n = self._fh.readinto(view)
            if n:
                self.position += n
                return n
            self._fh.close()
            self._index += 1
            self._fh = (open(self.volumes[self._index], "rb")  # noqa: SIM115
                        if self._index < len(self.volumes) else None)
        return 0


def copy_range(src: BinaryIO, offset: int, n: int, dest: BinaryIO) -> None:
    """Write ``n`` bytes of ``src`` from ``offset`` at ``dest``'s position, in the kernel
    (``copy_file_range``) where the OS and file systems allow it."""
    dest.flush()
    at = dest.tell()
    done = 0
    copy = getattr(os, "copy_file_range", None)
    if copy is not None:
        try:
            while done < n:
                got = copy(src.fileno(), dest.fileno(), n - done, offset + done, at + done)
                if got == 0:
                    break
                done += got
        except OSError:
            pass  # another file system or OS: copy through user space below
    dest.seek(at + done)
    src.seek(offset + done)
    while done < n:
        chunk = src.read(min(CHUNK, n - done))
        if not chunk:
            raise BundleError("the bundle ended while it was being copied", "truncated")
        dest.write(chunk)
        done += len(chunk)


def volume_segments(volumes: list[Path], sizes: list[int], pos: int, length: int
                    ) -> Iterator[tuple[Path, int, int]]:
    """``(volume, offset, length)`` pieces of the logical range ``[pos, pos + length)``."""
    start = 0
    for path, size in zip(volumes, sizes, strict=True):
        if length <= 0:
            return
        if pos < start + size:
            offset = pos - start
            n = min(length, size - offset)
            yield path, offset, n
            pos += n
            length -= n
        start += size
    if length > 0:
        raise BundleError("the bundle is truncated", "truncated")


def open_volumes(first: Path) -> VolumeReader:
    return VolumeReader(list_volumes(first))


def read_exact(stream: BinaryIO, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = stream.read(min(CHUNK, n - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


# ---- manifest ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Part:
    type: str
    size: int
    sha256: str
    stream: str | None = None
    cursor_from: int = 0
    cursor_to: int = 0
    horizon: int = 0
    count: int = 0

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "size": self.size, "sha256": self.sha256}
        if self.type == "records":
            d.update({"stream": self.stream, "from": self.cursor_from, "to": self.cursor_to,
                      "horizon": self.horizon, "count": self.count})
        elif self.type in ("results", "ops"):
            d["count"] = self.count
        return d


@dataclass(frozen=True, slots=True)
class Header:
    """What the first bytes of a bundle say: the manifest (parsed and checked), its exact
    bytes, the signature and where the parts begin."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    parts: tuple[Part, ...]
    offset: int

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def creator(self) -> dict[str, Any]:
        return self.manifest["creator"]

    @property
    def parts_bytes(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def total_bytes(self) -> int:
        return self.offset + self.parts_bytes


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise BundleError(f"the bundle's manifest is malformed: {what}", "invalid")


def _int(v: Any, what: str) -> int:
    _need(type(v) is int and 0 <= v <= 1 << 62, f"{what} must be a non-negative integer")
    return v


def parse_part(d: Any) -> Part:
    _need(isinstance(d, dict), "a part must be an object")
    ptype = d.get("type")
    _need(isinstance(ptype, str) and ptype in PART_TYPES, f"unknown part type {ptype!r:.40}")
    sha = d.get("sha256")
    _need(isinstance(sha, str) and bool(SHA256_RE.match(sha)), "a part needs a sha256")
    size = _int(d.get("size"), "part size")
    if ptype == "records":
        stream = d.get("stream")
        _need(is_stream_name(stream), f"unknown stream {stream!r:.60}")
        lo, hi = _int(d.get("from"), "from"), _int(d.get("to"), "to")
        _need(lo <= hi, "a stream's range must not go backwards")
        return Part(ptype, size, sha, stream, lo, hi, _int(d.get("horizon", 0), "horizon"),
                    _int(d.get("count", 0), "count"))
    return Part(ptype, size, sha, count=_int(d.get("count", 0), "count"))


def parse_manifest(raw: bytes) -> tuple[dict[str, Any], tuple[Part, ...]]:
    try:
        m = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BundleError("the bundle's manifest is not valid JSON", "invalid") from None
    _need(isinstance(m, dict), "it must be an object")
    if m.get("format") != FORMAT:
        raise BundleError("this is not an Okno bundle", "not_a_bundle")
    if m.get("version") != FORMAT_VERSION:
        raise BundleError(f"the bundle has format version {m.get('version')!r:.20}; this Okno "
                          f"reads version {FORMAT_VERSION}. Update Okno.", "version")
    _need(m.get("kind") in KINDS, f"unknown bundle kind {m.get('kind')!r:.40}")
    pid = m.get("portal_id")
    _need(isinstance(pid, str) and bool(ID_RE.match(pid)), "portal_id is missing")
    creator = m.get("creator")
    _need(isinstance(creator, dict) and creator.get("type") in CREATOR_TYPES,
          "the creator is missing")
    key = creator.get("key")
    _need(isinstance(key, str), "the creator's key is missing")
    for field in ("name", "device_id", "device_name", "user_id", "user_name"):
        _need(isinstance(creator.get(field, ""), str) and len(creator.get(field, "")) <= 300,
              f"creator.{field} must be short text")
    parts = m.get("parts")
    _need(isinstance(parts, list), "parts must be a list")
    parsed = tuple(parse_part(p) for p in parts)
    streams = [p.stream for p in parsed if p.type == "records"]
    _need(len(streams) == len(set(streams)), "a stream appears twice")
    files = [p.sha256 for p in parsed if p.type == "file"]
    _need(len(files) == len(set(files)), "a file appears twice")
    return m, parsed


def read_header(stream: BinaryIO) -> Header:
    """Read and check the header (magic, manifest, signature). Raises BundleError."""
    magic = read_exact(stream, len(MAGIC))
    if magic != MAGIC:
        if len(magic) < len(MAGIC) and MAGIC.startswith(magic) and magic:
            raise BundleError("the bundle is truncated (it ends inside its header)",
                              "truncated")
        raise BundleError("this file is not an Okno bundle", "not_a_bundle")
    raw_len = read_exact(stream, 4)
    if len(raw_len) < 4:
        raise BundleError("the bundle is truncated (it ends inside its header)", "truncated")
    (length,) = struct.unpack(">I", raw_len)
    if length > MAX_MANIFEST:
        raise BundleError("the bundle's manifest is impossibly large", "invalid")
    manifest_bytes = read_exact(stream, length)
    raw_sig = read_exact(stream, 2)
    if len(manifest_bytes) < length or len(raw_sig) < 2:
        raise BundleError("the bundle is truncated (it ends inside its manifest)", "truncated")
    (sig_len,) = struct.unpack(">H", raw_sig)
    signature = read_exact(stream, sig_len)
    if len(signature) < sig_len:
        raise BundleError("the bundle is truncated (it ends inside its signature)", "truncated")
    manifest, parts = parse_manifest(manifest_bytes)
    offset = len(MAGIC) + 4 + length + 2 + sig_len
    return Header(manifest, manifest_bytes, signature, parts, offset)


def header_bytes(manifest_bytes: bytes, signature: bytes) -> bytes:
    return (MAGIC + struct.pack(">I", len(manifest_bytes)) + manifest_bytes
            + struct.pack(">H", len(signature)) + signature)


def dump_manifest(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()


def sign_manifest(signer: Signer, manifest_bytes: bytes) -> bytes:
    return signer.sign(MAGIC + manifest_bytes)


def check_signature(header: Header, public_raw: bytes) -> None:
    """Raise BundleError unless the header is signed by ``public_raw``."""
    if not header.signature:
        raise BundleError("the bundle is not signed; Okno accepts only signed bundles. "
                          "Nothing was imported.", "unsigned")
    named = header.creator.get("key", "")
    if named != encode_key(public_raw):
        try:
            other = short_fingerprint(fingerprint(decode_key(named)))
        except BundleError:
            other = "?"
        raise BundleError(
            f"the bundle is signed by another key (fingerprint {other}) than the one this "
            f"computer trusts ({short_fingerprint(fingerprint(public_raw))}). Nothing was "
            "imported.", "wrong_key", found=other,
            expected=short_fingerprint(fingerprint(public_raw)))
    if not verify_signature(public_raw, header.signature, MAGIC + header.manifest_bytes):
        raise BundleError("the bundle's signature does not match its contents: it was changed "
                          "after it was made, or it is damaged. Nothing was imported.",
                          "tampered")


# ---- writing ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FileRange:
    """Bytes of a file to put into the stream as they are (copied in the kernel)."""

    path: Path
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Source:
    """Where a part's bytes come from when writing: a file on disk."""

    part: Part
    path: Path


def staged_part(path: Path, ptype: str, **fields: Any) -> Source:
    """Hash a finished staging file into a Part."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return Source(Part(ptype, size, h.hexdigest(), **fields), path)


ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total)


def check_space(directory: Path, needed: int) -> None:
    free = shutil.disk_usage(directory).free
    if free - SPACE_MARGIN < needed:
        raise BundleError(
            f"Not enough free space in {directory}: the bundle needs "
            f"{needed / 1048576:.1f} MB more, {max(0, free - SPACE_MARGIN) / 1048576:.1f} MB "
            "are free. Nothing was written.", "space", needed=needed, free=free)


class _ResumableOutput:
    """Writes the logical byte stream into ``<volume>.part`` files; bytes already present
    from an interrupted run are compared and kept instead of rewritten."""

    def __init__(self, first: Path, volume_bytes: int) -> None:
        self.first = first
        self.volume_bytes = volume_bytes
        self.pos = 0
        self.kept = 0
        self._fh: BinaryIO | None = None
        self._vol = -1

    def part_path(self, index: int) -> Path:
        p = volume_path(self.first, index)
        return p.with_name(p.name + ".part")

    def existing(self) -> int:
        """Bytes already in ``.part`` volumes (contiguous from the first)."""
        total = 0
        index = 0
        while self.part_path(index).is_file():
            size = self.part_path(index).stat().st_size
            total += size
            if size < self.volume_bytes:
                break
            index += 1
        return total

    def _open(self, index: int) -> BinaryIO:
        if self._vol != index:
            if self._fh is not None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
            path = self.part_path(index)
            self._fh = open(path, "r+b" if path.exists() else "w+b")  # noqa: SIM115
            self._vol = index
        assert self._fh is not None
        return self._fh

    def write(self, data: bytes, have: int) -> int:
        """Write (or confirm) ``data`` at the current position; returns the new ``have``:
        how many bytes of the old run are still trusted."""
        view = memoryview(data)
        while view:
            index, offset = divmod(self.pos, self.volume_bytes)
            n = min(len(view), self.volume_bytes - offset)
            fh = self._open(index)
            fh.seek(offset)
            if self.pos + n <= have:
                if fh.read(n) == view[:n]:
                    self.pos += n
                    self.kept += n
                    view = view[n:]
                    continue
                have = self.pos  # the old bytes differ from here on: rewrite
                fh.seek(offset)
            fh.write(view[:n])
            if self.pos < have:
                have = self.pos
            self.pos += n
            view = view[n:]
        return have

    def write_range(self, item: FileRange, have: int) -> int:
        """Like :meth:`write` for a file's bytes; copied in the kernel past the old run."""
        with open(item.path, "rb") as src:
            if self.pos < have:  # compare with what an interrupted run left, chunk by chunk
                src.seek(item.offset)
                left = item.length
                while left:
                    chunk = src.read(min(CHUNK, left))
                    if not chunk:
                        raise BundleError(f"{item.path} is shorter than announced", "io")
                    have = self.write(chunk, have)
                    left -= len(chunk)
                return have
            done = 0
            while done < item.length:
                index, offset = divmod(self.pos, self.volume_bytes)
                n = min(item.length - done, self.volume_bytes - offset)
                fh = self._open(index)
                fh.seek(offset)
                copy_range(src, item.offset + done, n, fh)
                self.pos += n
                done += n
        return have

    def finish(self) -> list[Path]:
        """Cut what a longer old run left behind, sync, and rename the volumes into place."""
        last = max(0, (self.pos - 1) // self.volume_bytes)
        fh = self._open(last)
        fh.truncate(self.pos - last * self.volume_bytes)
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        self._fh = None
        self._vol = -1
        index = last + 1
        while self.part_path(index).exists() or volume_path(self.first, index).exists():
            self.part_path(index).unlink(missing_ok=True)
            volume_path(self.first, index).unlink(missing_ok=True)
            index += 1
        out = []
        for i in range(last + 1):
            os.replace(self.part_path(i), volume_path(self.first, i))
            out.append(volume_path(self.first, i))
        fsync_dir(self.first.parent)
        return out

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` durable (a no-op where directories cannot be
    opened). Shared with the portal's blob store."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def previous_created(first: Path) -> str | None:
    """The ``created`` stamp of an interrupted run's ``.part`` header, if readable: reusing
    it makes the new header byte-identical, so the copy resumes instead of restarting."""
    part = first.with_name(first.name + ".part")
    try:
        with open(part, "rb") as fh:
            header = read_header(fh)
    except (OSError, BundleError):
        return None
    value = header.manifest.get("created")
    return value if isinstance(value, str) else None


def write_bundle(first: Path, manifest: dict[str, Any], signer: Signer,
                 sources: Iterable[Source], *, volume_bytes: int = VOLUME_BYTES,
                 progress: ProgressFn | None = None,
                 cancel: Callable[[], None] | None = None,
                 stats: dict[str, int] | None = None) -> list[Path]:
    """Write a signed bundle to ``first`` (+ volumes). Resumable: run it again after an
    interruption and it keeps the verified prefix of the ``.part`` files. Checks free space
    first. Returns the volume paths."""
    sources = list(sources)
    manifest = dict(manifest)
    manifest["parts"] = [s.part.to_json() for s in sources]
    old_created = previous_created(first)
    if old_created is not None:
        manifest["created"] = old_created
    raw = dump_manifest(manifest)
    head = header_bytes(raw, sign_manifest(signer, raw))

    def chunks() -> Iterator[bytes | FileRange]:
        yield head
        for s in sources:
            for start in range(0, s.part.size, 64 * CHUNK):  # progress every 64 MiB
                yield FileRange(s.path, start, min(64 * CHUNK, s.part.size - start))

    total = len(head) + sum(s.part.size for s in sources)
    return write_stream(first, chunks(), total, volume_bytes=volume_bytes, progress=progress,
                        cancel=cancel, stats=stats)


def write_stream(first: Path, chunks: Iterable[bytes | FileRange], total: int, *,
                 volume_bytes: int = VOLUME_BYTES, progress: ProgressFn | None = None,
                 cancel: Callable[[], None] | None = None,
                 stats: dict[str, int] | None = None) -> list[Path]:
    """Write a bundle's logical bytes resumably (see :func:`write_bundle`); also copies.
    ``stats["kept"]`` tells how many bytes of an interrupted run were kept."""
    if volume_bytes < 1024:
        raise BundleError("volumes must hold at least 1 KiB", "invalid")
    first = Path(first)
    first.parent.mkdir(parents=True, exist_ok=True)
    out = _ResumableOutput(first, volume_bytes)
    have = out.existing()
    check_space(first.parent, max(0, total - have))
    try:
        for chunk in chunks:
            if isinstance(chunk, FileRange):
                have = out.write_range(chunk, have)
            else:
                have = out.write(chunk, have)
            if progress:
                progress(out.pos, total)
            if cancel:
                cancel()
        if out.pos != total:
            raise BundleError("the bundle's size changed while it was written", "io")
        if stats is not None:
            stats["kept"] = out.kept
        return out.finish()
    except OSError as exc:
        raise BundleError(f"cannot write the bundle to {first.parent}: "
                          f"{exc.strerror or exc}", "io") from None
    finally:
        out.close()


def copy_bundle(src_first: Path, dest_first: Path, *, volume_bytes: int = VOLUME_BYTES,
                progress: ProgressFn | None = None,
                cancel: Callable[[], None] | None = None) -> list[Path]:
    """Copy a bundle (all volumes) resumably, re-split for the destination."""
    volumes = list_volumes(src_first)
    total = sum(v.stat().st_size for v in volumes)

    def chunks() -> Iterator[FileRange]:
        for v in volumes:
            size = v.stat().st_size
            for start in range(0, size, 64 * CHUNK):
                yield FileRange(v, start, min(64 * CHUNK, size - start))

    return write_stream(dest_first, chunks(), total, volume_bytes=volume_bytes,
                        progress=progress, cancel=cancel)


# ---- receipts ---------------------------------------------------------------------------------

def receipt_name(device_id: str) -> str:
    return f"{RECEIPT_PREFIX}{device_id}.json"


def read_receipts(where: Path, portal_id: str | None = None) -> list[dict[str, Any]]:
    """The well-formed receipts in a folder (or one receipt file), optionally of one portal.
    A malformed receipt is ignored: at worst the next bundle carries more than needed."""
    where = Path(where)
    files = [where] if where.is_file() else sorted(where.glob(f"{RECEIPT_PREFIX}*.json"))
    out = []
    for f in files:
        try:
            r = json.loads(f.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(r, dict) or r.get("okno_receipt") != 1:
            continue
        cursors = r.get("cursors")
        if not isinstance(cursors, dict) or not all(
                is_stream_name(k) and type(v) is int and v >= 0 for k, v in cursors.items()):
            continue
        if portal_id is not None and r.get("portal_id") != portal_id:
            continue
        out.append(r)
    return out


def receipt_cursors(receipts: list[dict[str, Any]]) -> dict[str, int]:
    """Per stream, the lowest cursor any receiving machine has: a bundle from there brings
    every one of them up to date. A stream a receipt does not name counts as 0."""
    if not receipts:
        return {}
    streams = set().union(*(r["cursors"] for r in receipts))
    return {s: min(r["cursors"].get(s, 0) for r in receipts) for s in streams}


# ---- building parts ---------------------------------------------------------------------------

PAGE_BYTES = 256 * 1024
ZSTD_LEVEL = 3  # bundles are written once per trip to the district office: fast beats small


def write_records(path: Path, stream: str, changes: Iterable[tuple[int, bytes]],
                  cursor_to: int, *, page_bytes: int = PAGE_BYTES) -> int:
    """Write one stream's ``records`` part: the ``(seq, line)`` changes in seq order as sync
    pages, then the ``end`` line with ``cursor_to``. Returns the number of records."""
    import zstandard

    from protocol.wire import dumps, end_line, page_line

    count = 0
    with open(path, "wb") as raw:
        z = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
        with z.stream_writer(raw, closefd=False) as out:
            page: list[bytes] = []
            size = 0
            seq = 0
            for seq, line in changes:
                page.append(line)
                size += len(line)
                if size >= page_bytes:
                    out.write(b"".join(page) + dumps(page_line(stream, seq, len(page))))
                    count += len(page)
                    page, size = [], 0
            if page:
                out.write(b"".join(page) + dumps(page_line(stream, seq, len(page))))
                count += len(page)
            out.write(dumps(end_line(False, {stream: cursor_to})))
        raw.flush()
        os.fsync(raw.fileno())
    return count


def write_lines(path: Path, lines: Iterable[bytes]) -> int:
    """A zstd NDJSON part (``ops`` or ``results``); returns the number of lines."""
    import zstandard

    count = 0
    with open(path, "wb") as raw:
        with zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).stream_writer(
                raw, closefd=False) as out:
            for line in lines:
                out.write(line if line.endswith(b"\n") else line + b"\n")
                count += 1
    return count


def build_bytes(manifest: dict[str, Any], signer: Signer,
                parts: list[tuple[Part, bytes]]) -> bytes:
    """A small bundle in memory (the portal's answer to a delivered outbox)."""
    manifest = dict(manifest)
    manifest["parts"] = [p.to_json() for p, _ in parts]
    raw = dump_manifest(manifest)
    return header_bytes(raw, sign_manifest(signer, raw)) + b"".join(b for _, b in parts)


def lines_part(ptype: str, lines: list[bytes]) -> tuple[Part, bytes]:
    import zstandard

    data = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).compress(
        b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines))
    return Part(ptype, len(data), hashlib.sha256(data).hexdigest(), count=len(lines)), data


def decompress_lines(data: bytes, limit: int = 256 << 20) -> list[bytes]:
    """The lines of a small zstd NDJSON part held in memory."""
    import zstandard

    try:
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
            raw = reader.read(limit + 1)
    except zstandard.ZstdError:
        raise BundleError("a part of the bundle is not valid zstd data", "tampered") from None
    if len(raw) > limit:
        raise BundleError("a part of the bundle is impossibly large", "invalid")
    return [line for line in raw.split(b"\n") if line.strip()]


def base_manifest(kind: str, portal_id: str, creator: dict[str, Any], created: str,
                  **extra: Any) -> dict[str, Any]:
    return {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind, "portal_id": portal_id,
            "creator": creator, "created": created, **extra}
