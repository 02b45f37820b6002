"""USB bundles end to end: the real portal process writes them (``okno-portal
bundle-export``), real SQLite replicas import them with the sync apply code, and refuse
tampered, truncated, unsigned or wrongly signed ones without applying anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.bundle.export import export_library
from desktop.bundle.importer import STAGING, import_bundle, inspect, verify
from desktop.bundle.keys import remember_portal_key
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy
from protocol import bundle as pb
from tests.bundles.support import client, portal_with_hello
from tests.portal_process import portal_cli

pytestmark = pytest.mark.e2e

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "200", "--seed", "7")
FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    yield from portal_with_hello(tmp_path_factory, *PORTAL_ARGS)


@pytest.fixture(scope="module")
def full_bundle(portal, tmp_path_factory) -> Path:
    """One portal bundle with the demo user's streams and every file."""
    _url, data, _hello = portal
    drive = tmp_path_factory.mktemp("drive")
    portal_cli(data, "bundle-export", "--out", str(drive), "--user", "demo", "--files",
               "--name", "full")
    return drive / "full.okb"


def _state(store: Store, paths: Paths) -> tuple:
    files = sorted(p.name for p in paths.files.rglob("*") if p.is_file())
    return store.cursors(), store.counts()["resources"], files, store.portal_id()


def test_portal_bundle_imports_like_a_sync(portal, full_bundle, tmp_path):
    url, _data, hello = portal
    synced, synced_paths = client(tmp_path, "synced")
    sync_catalog(synced, url, paths=synced_paths, policy=FAST)
    store, paths = client(tmp_path, "usb", hello)
    report = import_bundle(store, paths, full_bundle)
    assert report.trust == "portal" and report.verified
    assert store.cursor("catalog") == synced.cursor("catalog")
    assert store.counts()["resources"] == synced.counts()["resources"] == 30
    assert sorted(r["id"] for r in store.rows(store.search(""))) == \
        sorted(r["id"] for r in synced.rows(synced.search("")))
    # Files arrived verified into the content-addressed cache and count as downloaded.
    assert report.files_new == report.files > 0
    assert store.counts()["downloaded_files"] == report.files
    # The demo user is not signed in here: their personal stream was not applied.
    assert not any(s.startswith("user:") for s in store.cursors())
    assert any(s.startswith("assoc:") for s in store.cursors())
    assert report.receipt is not None and report.receipt.parent == full_bundle.parent
    assert not (paths.data / STAGING).exists()
    # Importing again changes nothing and writes no file twice.
    again = import_bundle(store, paths, full_bundle, receipt=False)
    assert again.applied_records == 0 and again.files_new == 0
    synced.close()
    store.close()


def test_receipt_makes_next_bundle_incremental(portal, tmp_path):
    url, data, hello = portal
    drive = tmp_path / "drive"
    portal_cli(data, "bundle-export", "--out", str(drive), "--name", "first")
    store, paths = client(tmp_path, "school", hello)
    import_bundle(store, paths, drive / "first.okb")
    head = store.cursor("catalog")
    portal_cli(data, "update", "res-000003", "--title", "Дроби: новая редакция")
    portal_cli(data, "bundle-export", "--out", str(drive), "--name", "second")
    report = inspect(drive / "second.okb", paths, store=store)
    (catalog,) = report.streams
    assert (catalog.cursor_from, catalog.count) == (head, 1)  # only what is new
    import_bundle(store, paths, drive / "second.okb")
    assert store.get_resource("res-000003")["title"] == "Дроби: новая редакция"
    # Nothing new since: the third bundle carries no records at all.
    portal_cli(data, "bundle-export", "--out", str(drive), "--name", "third")
    assert inspect(drive / "third.okb", paths, store=store).streams == []
    # A bundle that starts after what this computer has is refused, nothing applied.
    other, other_paths = client(tmp_path, "behind", hello)
    with pytest.raises(pb.BundleError) as err:
        import_bundle(other, other_paths, drive / "second.okb")
    assert err.value.code == "gap"
    assert other.cursors() == {}
    other.close()
    store.close()


def _damaged(src: Path, dest: Path, how: str) -> Path:
    shutil.copyfile(src, dest)
    raw = bytearray(dest.read_bytes())
    if how == "tampered":
        raw[-10] ^= 0x01  # a byte of the last file
    elif how == "truncated":
        del raw[-5000:]
    elif how == "unsigned":
        with pb.open_volumes(src) as reader:
            header = pb.read_header(reader)
        raw = bytearray(pb.header_bytes(header.manifest_bytes, b"") + raw[header.offset:])
    dest.write_bytes(bytes(raw))
    return dest


@pytest.mark.parametrize("how", ["tampered", "truncated", "unsigned", "wrong_key",
                                 "untrusted"])
def test_bad_bundles_are_refused_and_change_nothing(portal, full_bundle, tmp_path, how):
    _url, _data, hello = portal
    drive = tmp_path / "drive"
    drive.mkdir()
    bundle = _damaged(full_bundle, drive / "b.okb", how)
    store, paths = client(tmp_path, "victim", None if how == "untrusted" else hello)
    if how == "wrong_key":
        other = pb.encode_key(pb.Signer.generate().public_raw)
        remember_portal_key(paths, other, hello["portal_id"], "test")
    before = _state(store, paths)
    with pytest.raises(pb.BundleError) as err:
        import_bundle(store, paths, bundle)
    assert err.value.code == how
    assert "Nothing was imported" in str(err.value) or how == "untrusted"
    assert _state(store, paths) == before == ({}, 0, [], None)
    assert not (paths.data / STAGING).exists()
    assert not list(drive.glob(f"{pb.RECEIPT_PREFIX}*"))
    store.close()


def test_volumes_for_fat32_and_a_missing_volume(portal, tmp_path):
    _url, data, hello = portal
    drive = tmp_path / "drive"
    portal_cli(data, "bundle-export", "--out", str(drive), "--files", "--name", "split",
               "--volume-bytes", "65536")
    volumes = pb.list_volumes(drive / "split.okb")
    assert len(volumes) > 2 and all(v.stat().st_size <= 65536 for v in volumes)
    store, paths = client(tmp_path, "a", hello)
    assert verify(drive / "split.okb", paths).verified
    volumes[-1].unlink()
    with pytest.raises(pb.BundleError) as err:
        import_bundle(store, paths, drive / "split.okb")
    assert err.value.code == "truncated" and store.cursors() == {}
    store.close()


def test_machine_to_machine_bundle_names_its_maker(portal, full_bundle, tmp_path):
    _url, _data, hello = portal
    source, source_paths = client(tmp_path, "source", hello)
    import_bundle(source, source_paths, full_bundle)
    drive = tmp_path / "drive"
    summary = export_library(source, source_paths, drive, files=True, name="lab")
    assert summary.files > 0 and not summary.incremental
    target, target_paths = client(tmp_path, "target")  # knows no portal key: not needed
    with pytest.raises(pb.BundleError) as err:
        import_bundle(target, target_paths, drive / "lab.okb", allow_device=False)
    assert err.value.code == "untrusted" and target.cursors() == {}
    report = import_bundle(target, target_paths, drive / "lab.okb")
    assert report.trust == "device" and report.creator["device_id"]
    assert report.who().startswith("device ")
    assert target.counts()["resources"] == source.counts()["resources"]
    assert target.counts()["downloaded_files"] == summary.files
    # The receipt makes the next export from the source carry nothing.
    assert export_library(source, source_paths, drive, files=True).volumes == []
    source.close()
    target.close()


def test_cli_export_import_verify(portal, full_bundle, tmp_path, capsys):
    from desktop.cli import main

    _url, _data, hello = portal
    data = str(tmp_path / "cli")
    key = hello["bundle_key"]
    assert main(["--data", data, "bundle", "verify", str(full_bundle), "--portal-key", key]) == 0
    assert "Verified" in capsys.readouterr().out
    assert main(["--data", data, "bundle", "import", str(full_bundle)]) == 0
    out = capsys.readouterr().out
    assert "Imported:" in out and "made by portal" in out
    drive = tmp_path / "drive"
    assert main(["--data", data, "bundle", "export", str(drive), "--files", "--subject",
                 "Алгебра", "--name", "algebra"]) == 0
    assert (drive / "algebra.okb").is_file()
    bad = _damaged(drive / "algebra.okb", drive / "bad.okb", "tampered")
    assert main(["--data", str(tmp_path / "cli2"), "bundle", "import", str(bad)]) == 1
    assert "changed after it was made" in capsys.readouterr().err
    assert main(["--data", data, "bundle", "copy", str(full_bundle), str(tmp_path / "usb"),
                 "--volume-bytes", "100000"]) == 0
    assert len(pb.list_volumes(tmp_path / "usb" / full_bundle.name)) > 1
