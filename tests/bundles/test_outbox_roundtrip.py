"""The outbox by USB, end to end against the real portal process:

portal -> bundle -> offline machine (writes posts) -> outbox bundle -> online machine
(delivers it, twice) -> portal applies every op exactly once -> the results and the next
bundle go back to the offline machine, whose outbox is then done exactly as after a sync.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.bundle.deliver import deliver
from desktop.bundle.export import export_outbox
from desktop.bundle.importer import import_bundle
from desktop.bundle.keys import register_device
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy
from protocol import bundle as pb
from tests.bundles.support import client, portal_with_hello
from tests.community_support import reply_thread
from tests.portal_process import portal_cli

pytestmark = pytest.mark.e2e

PORTAL_ARGS = ("--demo", "--resources", "20", "--posts", "200", "--seed", "11")
FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    yield from portal_with_hello(tmp_path_factory, *PORTAL_ARGS)


def _machine(tmp_path: Path, name: str, hello: dict) -> tuple[Store, Paths]:
    return client(tmp_path, name, hello, "lab preset")


def _portal_posts(url: str, tmp_path: Path, thread_id: str, body: str) -> int:
    """How many posts with ``body`` the portal holds: read through a fresh replica."""
    paths = Paths(tmp_path / "observer").ensure()
    store = Store(paths.database)
    try:
        token, user = signin(url, "metodist", "demo", "observer")
        store.set_community_user(user)
        sync_community(store, url, token, paths=paths, policy=FAST)
        return sum(1 for p in store.posts(thread_id, limit=10_000) if p["body_md"] == body)
    finally:
        store.close()


def test_outbox_by_usb_applies_every_op_exactly_once(portal, tmp_path):
    url, data, hello = portal
    drive = tmp_path / "drive"
    # The school's computer signed in once, when the uplink worked: its key is registered.
    offline, o_paths = _machine(tmp_path, "offline", hello)
    token, user = signin(url, "demo", "demo", "Кабинет информатики")
    offline.set_community_user(user)
    register_device(o_paths, url, token, "Кабинет информатики")
    # From now on it has no uplink: the district office brings the portal on a drive.
    portal_cli(data, "bundle-export", "--out", str(drive), "--user", "demo", "--name", "in1")
    import_bundle(offline, o_paths, drive / "in1.okb")
    assert any(s.startswith("user:") for s in offline.cursors())
    thread_id = reply_thread(offline)
    bodies = ["Спасибо, коллеги! Ответ с флешки (1)", "И ещё одна мысль с флешки (2)"]
    post_ids = [offline.write_reply(thread_id, b)[0] for b in bodies]
    last_numbered = [p for p in offline.posts(thread_id) if p["number"]][-1]
    offline.mark_read(thread_id, last_numbered["id"])
    ops = [op.op_id for op in offline.outbox(("pending",))]
    assert len(ops) == 3

    summary = export_outbox(offline, o_paths, drive, name="outbox")
    assert summary.ops == 3
    assert {op.state for op in offline.outbox()} == {"sent"}

    # A machine with an uplink delivers it; delivering it again (or a second copy) is safe.
    results, count = deliver(drive / "outbox.okb", url)
    assert count == 3 and results.name == "outbox.results.okb"
    # A second copy of the same drive, imported on another computer online: the import
    # verifies the outbox and delivers it again; the portal answers "duplicate".
    from desktop.cli import main

    assert main(["--portal", url, "--data", str(tmp_path / "online"), "bundle", "import",
                 str(drive / "outbox.okb")]) == 0
    for body in bodies:
        assert _portal_posts(url, tmp_path, thread_id, body) == 1

    # Back at school: the portal-signed results close the outbox like a sync would.
    report = import_bundle(offline, o_paths, results)
    assert report.trust == "portal" and report.results == 3
    assert {op.state for op in offline.outbox()} <= {"applied", "duplicate"}
    # The next portal bundle (incremental, thanks to the receipt) brings the posts back.
    portal_cli(data, "bundle-export", "--out", str(drive), "--user", "demo", "--name", "in2")
    import_bundle(offline, o_paths, drive / "in2.okb")
    for post_id in post_ids:
        post = offline.post(post_id)
        assert post["number"] and not post["local"]
    offline.close()


def test_outbox_from_an_unknown_or_altered_device_is_refused(portal, tmp_path):
    url, data, hello = portal
    drive = tmp_path / "drive"
    machine, paths = _machine(tmp_path, "stranger", hello)
    token, user = signin(url, "demo", "demo", "чужой")
    machine.set_community_user(user)
    portal_cli(data, "bundle-export", "--out", str(drive), "--user", "demo", "--name", "in")
    import_bundle(machine, paths, drive / "in.okb")
    machine.write_reply(reply_thread(machine), "Этот ответ не должен дойти")
    export_outbox(machine, paths, drive, name="unregistered")
    with pytest.raises(pb.BundleError) as err:
        deliver(drive / "unregistered.okb", url)  # the key was never registered
    assert err.value.params.get("status") == 403
    register_device(paths, url, token)
    raw = bytearray((drive / "unregistered.okb").read_bytes())
    raw[-3] ^= 0x01
    (drive / "altered.okb").write_bytes(bytes(raw))
    with pytest.raises(pb.BundleError) as err:
        deliver(drive / "altered.okb", url)
    assert err.value.params.get("status") == 403
    assert not (drive / "altered.results.okb").exists()
    machine.close()


def test_revoked_device_keys_refuse_outboxes(portal, tmp_path):
    url, data, hello = portal
    drive = tmp_path / "drive"
    machine, paths = _machine(tmp_path, "lost-laptop", hello)
    token, user = signin(url, "metodist", "demo", "ноутбук")
    machine.set_community_user(user)
    register_device(paths, url, token, "ноутбук")
    listed = portal_cli(data, "bundle-device-keys", "metodist").stdout
    assert "ноутбук" in listed and "valid" in listed
    portal_cli(data, "bundle-export", "--out", str(drive), "--user", "metodist", "--name", "in")
    import_bundle(machine, paths, drive / "in.okb")
    machine.write_reply(reply_thread(machine), "С потерянного ноутбука")
    export_outbox(machine, paths, drive, name="lost")
    portal_cli(data, "bundle-device-keys", "metodist", "--revoke")
    with pytest.raises(pb.BundleError) as err:
        deliver(drive / "lost.okb", url)
    assert err.value.params.get("status") == 403
    machine.close()
