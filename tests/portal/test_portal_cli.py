"""okno-portal: admin commands in-process, and the real server as a subprocess."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

from portal.catalog import PortalStore
from portal.cli import main
from portal.snapshot import current_snapshot
from protocol.compression import StreamDecompressor
from protocol.wire import End, Rec
from tests.portal.factories import collection, end, parse_body, records, resource
from tests.portal_process import PortalFailed, portal_cli, running_portal


def _json(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


def _run(capsys, data, *args):
    code = main([*args, "--data", str(data)])
    out, err = capsys.readouterr()
    return code, out, err


def test_admin_commands_print_one_line_with_the_new_seq(tmp_path, capsys):
    data = tmp_path / "portal"
    attachment = tmp_path / "конспект.txt"
    attachment.write_text("Конспект", "utf-8")
    steps = [
        (["collection-add", "--json", _json(tmp_path, "c.json", collection("math"))],
         "published collection math version 1; seq 1"),
        (["publish", "--json", _json(tmp_path, "r.json", resource("r-1", collections=["math"])),
          "--file", str(attachment)], "published resource r-1 version 1; seq 2"),
        (["update", "r-1", "--title", "Новое", "--description", "Д"],
         "updated resource r-1 to version 2; seq 3"),
        (["update", "r-1", "--json", _json(tmp_path, "u.json", {"grades": [7]})],
         "updated resource r-1 to version 3; seq 4"),
        (["delete", "r-1"], "deleted resource r-1; seq 5"),
        (["collection-delete", "math"], "deleted collection math; seq 6"),
        (["purge-tombstones", "--days", "0"], "purged 2 tombstone(s); horizon 6; seq 6"),
    ]
    for args, expected in steps:
        code, out, err = _run(capsys, data, *args)
        assert (code, out, err) == (0, expected + "\n", "")
    with PortalStore.open(data) as store:
        info = current_snapshot(store)
        assert info is not None and info.cursor == 6  # rebuilt after each change
    code, out, _ = _run(capsys, data, "snapshot")
    assert code == 0 and out.startswith("snapshot catalog-6.ndjson.zst: 0 records")


def test_no_snapshot_flag_leaves_the_snapshot_alone(tmp_path, capsys):
    data = tmp_path / "portal"
    code, _, _ = _run(capsys, data, "publish", "--no-snapshot",
                      "--json", _json(tmp_path, "r.json", resource()))
    assert code == 0
    with PortalStore.open(data) as store:
        assert current_snapshot(store) is None


@pytest.mark.parametrize(("args", "message"), [
    (["publish", "--json", "/nonexistent.json"], "cannot read /nonexistent.json"),
    (["update", "r-404", "--title", "x"], "there is no resource 'r-404'"),
    (["update", "r-1"], "nothing to update"),
    (["delete", "r-404"], "there is no resource"),
    (["collection-delete", "nope"], "there is no collection"),
    (["purge-tombstones", "--days", "-1"], "must not be negative"),
])
def test_bad_admin_input_exits_non_zero_with_a_message(tmp_path, capsys, args, message):
    code, out, err = _run(capsys, tmp_path / "portal", *args)
    assert code == 1 and out == ""
    assert err.startswith("okno-portal: error: ") and message in err


def test_invalid_json_files_are_named_in_the_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", "utf-8")
    code, _, err = _run(capsys, tmp_path / "portal", "publish", "--json", str(bad))
    assert code == 1 and "bad.json is not valid JSON" in err
    code, _, err = _run(capsys, tmp_path / "portal", "publish", "--json",
                        _json(tmp_path, "r.json", resource(type="podcast")))
    assert code == 1 and "type 'podcast' is unknown" in err


@pytest.mark.e2e
def test_served_portal_syncs_snapshots_and_files_over_real_http(tmp_path):
    data = tmp_path / "portal"
    content = "Текст урока".encode()
    attachment = tmp_path / "урок.txt"
    attachment.write_bytes(content)
    portal_cli(data, "collection-add", "--json", _json(tmp_path, "c.json", collection("math")))
    with running_portal(data, "--name", "Тестовый портал") as url:
        assert url.startswith("http://127.0.0.1:")
        # Published while the portal runs: a separate process writing the same database.
        portal_cli(data, "publish", "--json", _json(tmp_path, "r.json", resource("r-1")),
                   "--file", str(attachment))
        with requests.Session() as http:
            hello = http.get(f"{url}/api/v1/hello", timeout=10).json()
            assert hello["name"] == "Тестовый портал"
            assert hello["streams"]["catalog"] == {"head": 2, "horizon": 0}

            r = http.post(f"{url}/api/v1/sync", json={"protocol": 1, "cursors": {"catalog": 0}},
                          headers={"accept-encoding": "zstd"}, stream=True, timeout=10)
            assert r.status_code == 200 and r.headers["content-encoding"] == "zstd"
            lines = parse_body(StreamDecompressor("zstd").decompress(r.raw.read()))
            assert [x.id for x in records(lines)] == ["math", "r-1"]
            assert end(lines) == End(False, {"catalog": 2})

            snap = http.get(url + hello["snapshot"]["url"], timeout=10)
            assert hashlib.sha256(snap.content).hexdigest() == hello["snapshot"]["sha256"]
            snap_lines = parse_body(StreamDecompressor("zstd").decompress(snap.content))
            assert all(isinstance(x, Rec) for x in records(snap_lines))

            sha = hashlib.sha256(content).hexdigest()
            blob = http.get(f"{url}/api/v1/blobs/{sha}", headers={"range": "bytes=2-"},
                            timeout=10)
            assert blob.status_code == 206 and blob.content == content[2:]
            assert blob.headers["etag"] == f'"{sha}"'


@pytest.mark.e2e
def test_serve_demo_loads_the_demo_library_once(tmp_path):
    data = tmp_path / "portal"
    with running_portal(data, "--demo", "--resources", "20", "--seed", "2") as url:
        hello = requests.get(f"{url}/api/v1/hello", timeout=10).json()
    head = hello["streams"]["catalog"]["head"]
    assert head > 20 and hello["snapshot"]["cursor"] == head
    assert hello["snapshot"]["records"] == head
    with running_portal(data, "--demo", "--resources", "20") as url:
        again = requests.get(f"{url}/api/v1/hello", timeout=10).json()
    assert again["streams"]["catalog"]["head"] == head  # not loaded twice
    assert again["portal_id"] == hello["portal_id"]


@pytest.mark.e2e
def test_a_portal_that_cannot_start_is_reported(tmp_path):
    data = tmp_path / "portal"
    with pytest.raises(PortalFailed, match="exited with status"), \
            running_portal(data, "--database", "nosuchdialect://x"):
        pass


def test_portal_cli_raises_with_the_output_on_failure(tmp_path):
    with pytest.raises(PortalFailed, match="there is no resource"):
        portal_cli(tmp_path / "portal", "delete", "ghost")
    done = portal_cli(tmp_path / "portal", "delete", "ghost", check=False)
    assert done.returncode == 1
