"""The bundle file format on its own: signing, verifying, volumes, resumable writes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from protocol import bundle as pb


def _bundle(tmp_path: Path, signer: pb.Signer, *, volume_bytes: int = pb.VOLUME_BYTES,
            payload: bytes = b"x" * 50_000, name: str = "b") -> tuple[Path, bytes]:
    src = tmp_path / f"{name}-file.bin"
    src.write_bytes(payload)
    sha = hashlib.sha256(payload).hexdigest()
    manifest = pb.base_manifest("library", "portal-1", {
        "type": "portal", "name": "Тест", "key": pb.encode_key(signer.public_raw)},
        "2025-01-01T00:00:00Z")
    out = tmp_path / "drive" / f"{name}{pb.SUFFIX}"
    pb.write_bundle(out, manifest, signer, [pb.Source(pb.Part("file", len(payload), sha), src)],
                    volume_bytes=volume_bytes)
    return out, payload


def _read_all(first: Path, key: bytes) -> list[bytes]:
    with pb.open_volumes(first) as reader:
        header = pb.read_header(reader)
        pb.check_signature(header, key)
        parts = []
        for part in header.parts:
            data = pb.read_exact(reader, part.size)
            if len(data) < part.size:
                raise pb.BundleError("short", "truncated")
            if hashlib.sha256(data).hexdigest() != part.sha256:
                raise pb.BundleError("bad", "tampered")
            parts.append(data)
    return parts


def test_round_trip_signed(tmp_path):
    signer = pb.Signer.generate()
    path, payload = _bundle(tmp_path, signer)
    assert _read_all(path, signer.public_raw) == [payload]
    assert not list(path.parent.glob("*.part"))


def test_volumes_split_and_join(tmp_path):
    signer = pb.Signer.generate()
    payload = os.urandom(10_000)
    path, _ = _bundle(tmp_path, signer, volume_bytes=4096, payload=payload)
    volumes = pb.list_volumes(path)
    assert len(volumes) == 3 and all(v.stat().st_size <= 4096 for v in volumes)
    assert volumes[1].name == "b.okb.001"
    assert _read_all(path, signer.public_raw) == [payload]
    volumes[-1].unlink()
    with pytest.raises(pb.BundleError) as err:
        _read_all(path, signer.public_raw)
    assert err.value.code == "truncated"


def test_wrong_key_refused(tmp_path):
    path, _ = _bundle(tmp_path, pb.Signer.generate())
    with pytest.raises(pb.BundleError) as err:
        _read_all(path, pb.Signer.generate().public_raw)
    assert err.value.code == "wrong_key"


def test_manifest_change_breaks_signature(tmp_path):
    signer = pb.Signer.generate()
    path, _ = _bundle(tmp_path, signer)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"2025-01-01")
    raw[at:at + 4] = b"2024"  # the same length: only the signature can tell
    path.write_bytes(bytes(raw))
    with pytest.raises(pb.BundleError) as err:
        _read_all(path, signer.public_raw)
    assert err.value.code == "tampered"


def test_unsigned_refused(tmp_path):
    signer = pb.Signer.generate()
    path, _ = _bundle(tmp_path, signer)
    with pb.open_volumes(path) as reader:
        header = pb.read_header(reader)
        rest = reader.read()
    path.write_bytes(pb.header_bytes(header.manifest_bytes, b"") + rest)
    with pytest.raises(pb.BundleError) as err:
        _read_all(path, signer.public_raw)
    assert err.value.code == "unsigned"


def test_resume_keeps_verified_prefix(tmp_path):
    signer = pb.Signer.generate()
    payload = os.urandom(200_000)
    path, _ = _bundle(tmp_path, signer, payload=payload, volume_bytes=64 * 1024)
    whole = b"".join(v.read_bytes() for v in pb.list_volumes(path))
    # An interrupted copy: the first volume and half of the second are there as .part files.
    for v in pb.list_volumes(path):
        v.unlink()
    dest = tmp_path / "usb" / path.name
    dest.parent.mkdir()
    (dest.parent / (dest.name + ".part")).write_bytes(whole[:65536])
    (dest.parent / (dest.name + ".001.part")).write_bytes(whole[65536:65536 + 30000])
    written = []

    def chunks():
        for i in range(0, len(whole), 7000):
            written.append(i)
            yield whole[i:i + 7000]

    stats: dict[str, int] = {}
    pb.write_stream(dest, chunks(), len(whole), volume_bytes=64 * 1024, stats=stats)
    assert stats["kept"] == 13 * 7000  # every whole chunk inside the 95,536 bytes there
    assert b"".join(v.read_bytes() for v in pb.list_volumes(dest)) == whole
    assert not list(dest.parent.glob("*.part"))


def test_resume_rewrites_damaged_prefix(tmp_path):
    whole = os.urandom(100_000)
    dest = tmp_path / "b.okb"
    damaged = bytearray(whole[:60_000])
    damaged[30_000] ^= 0xFF
    (tmp_path / "b.okb.part").write_bytes(bytes(damaged) + b"junk")
    stats: dict[str, int] = {}
    pb.write_stream(dest, [whole[i:i + 8192] for i in range(0, len(whole), 8192)], len(whole),
                    stats=stats)
    assert dest.read_bytes() == whole
    assert stats["kept"] == 3 * 8192  # up to the chunk with the damaged byte


def test_free_space_checked_first(tmp_path, monkeypatch):
    class Usage:
        free = 10_000

    monkeypatch.setattr(pb.shutil, "disk_usage", lambda _p: Usage())
    with pytest.raises(pb.BundleError) as err:
        pb.write_stream(tmp_path / "b.okb", [b"x" * 5000], 5_000_000)
    assert err.value.code == "space"
    assert not list(tmp_path.iterdir())


def test_manifest_names_are_validated():
    good = {"type": "records", "stream": "catalog", "from": 0, "to": 5, "size": 1,
            "sha256": "0" * 64}
    assert pb.parse_part(good).stream == "catalog"
    for bad in ({**good, "stream": "../../etc"}, {**good, "sha256": "../x"},
                {**good, "type": "script"}, {**good, "from": 9}):
        with pytest.raises(pb.BundleError):
            pb.parse_part(bad)


def test_receipts_take_the_lowest_cursor(tmp_path):
    for i, cur in enumerate((40, 25)):
        (tmp_path / pb.receipt_name(f"dev{i}")).write_text(
            f'{{"okno_receipt": 1, "portal_id": "p", "cursors": {{"catalog": {cur}, '
            f'"directory": {cur + 1}}}}}', "utf-8")
    (tmp_path / pb.receipt_name("junk")).write_text("not json", "utf-8")
    (tmp_path / pb.receipt_name("other")).write_text(
        '{"okno_receipt": 1, "portal_id": "q", "cursors": {"catalog": 1}}', "utf-8")
    assert pb.receipt_cursors(pb.read_receipts(tmp_path, "p")) == {"catalog": 25,
                                                                  "directory": 26}


def test_signing_key_is_private_and_stable(tmp_path):
    a = pb.Signer.load_or_create(tmp_path / "k.pem")
    b = pb.Signer.load_or_create(tmp_path / "k.pem")
    assert a.public_raw == b.public_raw
    if os.name == "posix":
        assert (tmp_path / "k.pem").stat().st_mode & 0o077 == 0


def test_interrupted_export_resumes_with_the_same_header(tmp_path):
    signer = pb.Signer.generate()
    payload = os.urandom(300 * 1024 * 1024 // 100)  # 3 MB: several chunks
    src = tmp_path / "f.bin"
    src.write_bytes(payload)
    part = pb.Part("file", len(payload), hashlib.sha256(payload).hexdigest())
    creator = {"type": "portal", "name": "p", "key": pb.encode_key(signer.public_raw)}
    out = tmp_path / "usb" / "b.okb"

    class Unplugged(Exception):
        pass

    def unplug(done: int, _total: int) -> None:
        if done > 1_000_000:
            raise Unplugged

    with pytest.raises(Unplugged):
        pb.write_bundle(out, pb.base_manifest("library", "p1", creator, "2025-01-01T00:00:00Z"),
                        signer, [pb.Source(part, src)], volume_bytes=1 << 20, progress=unplug)
    assert not out.exists() and list(out.parent.glob("*.part"))
    stats: dict[str, int] = {}
    pb.write_bundle(out, pb.base_manifest("library", "p1", creator, "2025-01-02T00:00:00Z"),
                    signer, [pb.Source(part, src)], volume_bytes=1 << 20, stats=stats)
    assert stats["kept"] > 1_000_000  # the header was the same: the copy went on from there
    assert _read_all(out, signer.public_raw) == [payload]
    assert len(pb.list_volumes(out)) == 4  # 3 MiB of file and the header, in 1 MiB volumes
