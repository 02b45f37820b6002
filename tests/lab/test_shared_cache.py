"""A lab's machine-wide library: two OS users (two data homes, two processes) sharing one
shared folder, a third user who may only read it, and the single-user default unchanged.

Real processes, a real portal (tests/portal_process.py), real SQLite files and real file
permissions (the read-only user is a different uid, so the OS itself refuses the writes).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.lab.machine_sync import sync_lock
from desktop.paths import Paths
from desktop.store import Store, open_reader
from desktop.store.db import configure_writer, open_writer, write_transaction
from desktop.store.library import FILE_NAME
from desktop.store.migrations import MIGRATIONS, SCHEMA_VERSION
from desktop.store.types import SyncRecord
from desktop.sync.engine import apply_snapshot_file
from tests.portal_process import running_portal

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = ROOT / "resources" / "sample" / "catalog.ndjson.zst"
OTHER_UID = 54321  # a throwaway uid with no account: only "others" permissions apply


def okno(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_portal(tmp_path_factory.mktemp("portal"), "--demo", "--resources", "200",
                        "--seed", "7") as url:
        yield url


@pytest.fixture
def lab(tmp_path: Path) -> dict[str, object]:
    """Environment of a lab PC: the shared folder, and a data home per user."""
    shared = tmp_path / "var-lib-okno"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(OKNO_MACHINE_CONFIG=str(tmp_path / "no-preset.toml"), HOME=str(tmp_path / "h"),
               OKNO_SHARED_LIBRARY=str(shared), OKNO_MACHINE_DATA=str(shared),
               OKNO_TOKEN_STORE="file", OKNO_LAB_HUBS="off", PYTHONUTF8="1")
    return {"shared": shared, "env": env, "a": tmp_path / "anna", "b": tmp_path / "boris"}


@pytest.mark.e2e
def test_one_user_syncs_the_other_sees_it_without_syncing(portal: str, lab: dict) -> None:
    env, shared = lab["env"], lab["shared"]
    a = okno("--data", str(lab["a"]), "--portal", portal, "sync", env=env)
    assert a.returncode == 0, a.stderr
    assert "library has 200 resources" in a.stdout
    # Boris never synced, yet his library is the same one; his own history is empty.
    b = okno("--data", str(lab["b"]), "search", "урок", "--json", env=env)
    assert b.returncode == 0, b.stderr
    assert json.loads(b.stdout)["total"] > 0
    status_b = json.loads(okno("--data", str(lab["b"]), "status", "--json", env=env).stdout)
    assert status_b["counts"]["resources"] == 200
    assert status_b["counts"]["cursors"]["catalog"] > 0
    assert status_b["last_sync"] is None and status_b["shared_library"] == str(shared)
    assert status_b["shared_library_writable"] is True
    # The catalog is stored once: in the shared file, not in either user's file.
    assert "resources" in tables(shared / FILE_NAME)
    for user in (lab["a"], lab["b"]):
        assert not tables(user / "okno.sqlite3") & {"resources", "resources_fts", "downloads"}
        assert {"outbox", "drafts", "sync_log"} <= tables(user / "okno.sqlite3")
    # A file Anna downloads is in the shared folder, and is Boris's too.
    with Store(lab["b"] / "okno.sqlite3", library=shared / FILE_NAME) as store:
        rid = next(r for r in store.rows(store.search("")) if store.get_resource(r["id"])
                   ["files"])["id"]
    got = okno("--data", str(lab["a"]), "--portal", portal, "download", rid, env=env)
    assert got.returncode == 0, got.stderr
    assert str(shared / "files") in got.stdout
    with open_reader(lab["b"] / "okno.sqlite3", library=shared / FILE_NAME) as reader:
        res = reader.get_resource(rid)
        assert res["downloaded"] and all((shared / "files" / f["path"]).is_file()
                                         for f in res["files"])
        assert reader.check_integrity() == []
    # Boris's own sync finds the shared library up to date.
    again = okno("--data", str(lab["b"]), "--portal", portal, "sync", env=env)
    assert again.returncode == 0 and "0 records" in again.stdout, again.stdout + again.stderr


_SEARCHER = r"""
import json, sys, time
from pathlib import Path
from desktop.store import Store, open_reader
personal, library, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
store = Store(personal, library=library)
reader = open_reader(personal, library=library)
seen, errors, n = [], [], 0
print("ready", flush=True)
deadline = time.monotonic() + 90
while not stop.exists() and time.monotonic() < deadline:
    try:
        seen.append(len(reader.search("урок")) if n % 2 else len(store.search("урок")))
        reader.facets("урок")
        store.save_draft(f"d{n % 5}", f"черновик {n}")  # personal writes meanwhile
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
        errors.append(repr(exc))
    n += 1
print(json.dumps({"n": n, "seen": seen, "errors": errors,
                  "drafts": len(store.drafts()), "final": len(store.search("урок"))}))
"""


@pytest.mark.e2e
def test_two_users_search_while_the_machine_sync_writes(portal: str, lab: dict,
                                                        tmp_path: Path) -> None:
    env, shared = lab["env"], lab["shared"]
    lib = shared / FILE_NAME
    stop = tmp_path / "stop"
    workers = [subprocess.Popen([sys.executable, "-c", _SEARCHER, str(user / "okno.sqlite3"),
                                 str(lib), str(stop)], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for user in (lab["a"], lab["b"])]
    try:
        for w in workers:
            assert w.stdout is not None
            line = w.stdout.readline().strip()
            assert line == "ready", w.stderr.read() if w.stderr else line
        machine = okno("--portal", portal, "sync", "--machine", env=env)
        assert machine.returncode == 0, machine.stderr
        time.sleep(0.3)  # a few searches after the last page
    finally:
        stop.touch()
        outs = [w.communicate(timeout=120) for w in workers]
    for out, err in outs:
        report = json.loads(out.strip().splitlines()[-1])
        assert report["errors"] == [], err
        assert report["n"] > 5 and report["drafts"] == 5
        # Each search saw a whole committed state: the count only ever grows.
        assert report["seen"] == sorted(report["seen"])
        assert report["seen"][0] == 0  # it was searching before the first page arrived
        assert report["final"] > 0
    with Store(lab["a"] / "okno.sqlite3", library=lib) as store:
        assert store.counts()["resources"] == 200 and store.check_integrity() == []
        assert len(store.drafts()) == 5


@pytest.mark.e2e
def test_a_user_sync_skips_the_catalog_while_another_sync_holds_the_lock(
        portal: str, lab: dict) -> None:
    env, shared = lab["env"], lab["shared"]
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from desktop.lab.machine_sync import sync_lock\n"
         f"with sync_lock(Path({str(shared)!r})):\n"
         "    print('locked', flush=True); sys.stdin.read()\n"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        busy = okno("--data", str(lab["a"]), "--portal", portal, "sync", env=env)
        assert busy.returncode == 0, busy.stderr
        assert "being updated right now" in busy.stdout
        assert "library has 0 resources" in busy.stdout
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    done = okno("--data", str(lab["a"]), "--portal", portal, "sync", env=env)
    assert done.returncode == 0 and "library has 200 resources" in done.stdout, done.stderr
    # ...and the machine sync takes the same lock while a user's sync runs.
    with sync_lock(shared):
        machine = okno("--portal", portal, "sync", "--machine", env=env)
    assert machine.returncode == 75 and "another sync is running" in machine.stderr


def test_personal_data_stays_with_its_user(lab: dict) -> None:
    from desktop.sync.credentials import load_token, save_token

    os.environ["OKNO_TOKEN_STORE"] = "file"
    lib = lab["shared"] / FILE_NAME
    try:
        anna = Store(lab["a"] / "okno.sqlite3", library=lib)
        anna.set_community_user({"id": "u-anna", "login": "anna"}, ["directory"])
        anna.save_draft("reply:t1", "Черновик Анны")
        anna.follow("association", "assoc-1", True)
        anna.record_sync(SyncRecord("2024-05-01T20:00:00Z", "2024-05-01T20:01:00Z", True, 5))
        save_token(lab["a"], "http://portal", "secret-token-of-anna")
        with Store(lab["b"] / "okno.sqlite3", library=lib) as boris:
            assert boris.community_user() is None and boris.drafts() == []
            assert boris.outbox() == [] and boris.last_sync() is None
            assert load_token(lab["b"], "http://portal") is None
            boris.save_draft("reply:t1", "Черновик Бориса")
        assert anna.draft("reply:t1")["body_md"] == "Черновик Анны"
        assert anna.outbox_count() == 1 and anna.last_sync().records == 5
        assert load_token(lab["a"], "http://portal") == "secret-token-of-anna"
        anna.close()
    finally:
        del os.environ["OKNO_TOKEN_STORE"]
    # Nothing personal was written to the shared file.
    shared = sqlite3.connect(lib)
    keys = {r[0] for r in shared.execute("SELECT key FROM meta")}
    assert not keys & {"community_user", "community_streams"}
    assert not tables(lib) & {"outbox", "drafts", "sync_log", "follows"}
    shared.close()


def _fill_shared(lib: Path, machine_home: Path) -> str:
    """The administrator fills the shared library (here from the sample snapshot)."""
    with Store(machine_home / "okno.sqlite3", library=lib) as store:
        apply_snapshot_file(store, SAMPLE_CATALOG, "sample-portal")
        rid = next(r["id"] for r in store.rows(store.search("")) if
                   store.get_resource(r["id"])["files"])
    return rid


_OTHER_USER = r"""
import json, os, sys, sqlite3
from pathlib import Path
from desktop.paths import Paths
from desktop.store import Store, open_reader
from desktop.store.library import LibraryReadOnly
from desktop.store.types import SyncRecord
from desktop.sync.downloads import Downloader
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy
import desktop.sync.shared, encodings.idna, fcntl  # noqa: imports before the uid changes
home, shared, rid, uid = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if os.geteuid() == 0:
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
lib = shared / "library.sqlite3"
out = {"uid": os.geteuid()}
try:
    open(shared / "probe", "w")
    out["os_denied"] = False
except PermissionError:
    out["os_denied"] = True
store = Store(home / "okno.sqlite3", library=lib)
out["writable"] = store.library_writable
out["found"] = len(store.search("урок"))
out["downloaded"] = store.get_resource(rid)["downloaded"]
try:
    store.enqueue_resource_files(rid)
    out["enqueue"] = "ok"
except LibraryReadOnly as exc:
    out["enqueue"] = str(exc)
out["downloader"] = bool(Downloader(store, "http://127.0.0.1:9", shared / "files",
                                     policy=RetryPolicy(attempts=1)).run())
try:
    result = sync_catalog(store, "http://127.0.0.1:9", paths=Paths(home, library=shared),
                          policy=RetryPolicy(attempts=1))
    out["sync_note"] = result.note_code
except Exception as exc:  # a writer tries the (unreachable) portal
    out["sync_note"] = type(exc).__name__
store.save_draft("k", "личный черновик")
store.record_sync(SyncRecord("s", "f", True, 1))
out["draft"] = store.draft("k")["body_md"]
with open_reader(home / "okno.sqlite3", library=lib) as reader:
    out["reader_found"] = len(reader.search("урок"))
    out["integrity"] = reader.check_integrity()
store.close()
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture
def world_tmp() -> Iterator[Path]:
    """A temporary folder another uid can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="okno-lab-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _as_other_user(home: Path, shared: Path, rid: str) -> dict:
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, OTHER_UID, OTHER_UID)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1", OKNO_TOKEN_STORE="file")
    out = subprocess.run([sys.executable, "-c", _OTHER_USER, str(home), str(shared), rid,
                          str(OTHER_UID)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_user_who_cannot_write_the_shared_folder_still_reads_it(world_tmp: Path) -> None:
    shared = world_tmp / "shared"
    lib = shared / FILE_NAME
    rid = _fill_shared(lib, world_tmp / "admin")
    if os.geteuid() != 0:  # without root, take write access away from ourselves instead
        for p in [shared, *shared.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
    else:
        assert stat.S_IMODE(shared.stat().st_mode) & 0o002 == 0  # others may not write
    # While the administrator's process has the library open...
    admin = Store(world_tmp / "admin" / "okno.sqlite3", library=lib)
    try:
        report = _as_other_user(world_tmp / "carol", shared, rid)
    finally:
        admin.close()
    assert report["os_denied"] is True  # the OS refuses this user writes in the folder
    assert report["writable"] is False
    assert report["found"] > 0 and report["reader_found"] == report["found"]
    assert report["integrity"] == []
    assert "read-only for your account" in report["enqueue"]
    assert report["downloader"] is False and report["sync_note"] == "library_read_only"
    assert report["draft"] == "личный черновик"  # personal data works
    # ...and after it closed (SQLite would have removed the -wal/-shm files it needs).
    again = _as_other_user(world_tmp / "carol2", shared, rid)
    assert again["found"] == report["found"] and again["writable"] is False
    if os.geteuid() != 0:
        for p in [shared, *shared.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another uid")
def test_a_group_writable_shared_folder_lets_every_user_download(world_tmp: Path) -> None:
    shared = world_tmp / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # what "install -d -m 2775 -g lab" gives a group, for everyone here
    rid = _fill_shared(shared / FILE_NAME, world_tmp / "admin")
    for name in (FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm"):
        assert stat.S_IMODE((shared / name).stat().st_mode) == 0o666, name
    assert stat.S_IMODE((shared / "files" / "ab").stat().st_mode) == 0o777
    report = _as_other_user(world_tmp / "dave", shared, rid)
    assert report["writable"] is True and report["enqueue"] == "ok"
    with Store(world_tmp / "admin" / "okno.sqlite3", library=shared / FILE_NAME) as store:
        assert {d.resource_id for d in store.download_queue()} == {rid}


def test_the_single_user_default_is_unchanged(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(OKNO_MACHINE_CONFIG=str(tmp_path / "none.toml"), HOME=str(tmp_path / "h"),
               OKNO_MACHINE_DATA=str(tmp_path / "machine"), PYTHONUTF8="1")
    data = tmp_path / "me"
    out = okno("--data", str(data), "preload", str(SAMPLE_CATALOG), "--portal-id", "p1",
               env=env)
    assert out.returncode == 0, out.stderr
    status = json.loads(okno("--data", str(data), "status", "--json", env=env).stdout)
    assert status["shared_library"] is None and status["counts"]["resources"] == 300
    assert "resources" in tables(data / "okno.sqlite3")
    assert sorted(p.name for p in data.iterdir() if p.suffix == ".sqlite3") == ["okno.sqlite3"]
    assert not (tmp_path / "machine").exists()


def test_a_preset_turns_the_shared_library_on(tmp_path: Path) -> None:
    shared = tmp_path / "srv-okno"
    preset = tmp_path / "okno.toml"
    preset.write_text(f'[machine]\ndata_dir = "{shared}"\nshared_library = true\n', "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(OKNO_MACHINE_CONFIG=str(preset), HOME=str(tmp_path / "h"), PYTHONUTF8="1")
    out = okno("--data", str(tmp_path / "me"), "status", "--json", env=env)
    assert json.loads(out.stdout)["shared_library"] == str(shared)
    off = okno("--data", str(tmp_path / "me"), "status", "--json",
               env={**env, "OKNO_SHARED_LIBRARY": "0"})
    assert json.loads(off.stdout)["shared_library"] is None
    preset.write_text('[machine]\nshared_library = "yes"\n', "utf-8")
    bad = okno("--data", str(tmp_path / "me"), "status", env=env)
    assert bad.returncode == 2 and f"{preset}, line 2:" in bad.stderr


def _page(rid: str, version: int, seq: int) -> list:
    from protocol.wire import Rec

    data = {"id": rid, "title": f"Дроби {rid}", "description": "", "authors": [],
            "subjects": ["Математика"], "grades": [5], "type": "lesson", "language": "ru",
            "license": "", "keywords": [], "collections": [], "files": [],
            "created": "2024-01-01", "modified": "2024-01-01", "version": version}
    return [Rec("catalog", "resource", rid, version, seq, data)]


def test_an_existing_single_user_file_upgrades_to_the_shared_layout_and_back(
        tmp_path: Path) -> None:
    mine = tmp_path / "me" / "okno.sqlite3"
    with Store(mine) as store:  # today's single-user installation
        store.apply_page("catalog", _page("own", 1, 3), 3, "p1")
        store.save_draft("k", "сохранённый черновик")
        store.record_sync(SyncRecord("s", "f", True, 1))
    lib = tmp_path / "shared" / FILE_NAME
    with Store(tmp_path / "admin" / "okno.sqlite3", library=lib) as admin:
        admin.apply_page("catalog", _page("shared", 1, 9), 9, "p1")
    with Store(mine, library=lib) as store:  # the administrator turned the lab mode on
        assert [r["id"] for r in store.rows(store.search("дроби"))] == ["shared"]
        assert store.cursor("catalog") == 9
        assert store.draft("k")["body_md"] == "сохранённый черновик"
        assert store.last_sync().records == 1
        assert store.check_integrity() == []
    assert "resources" not in tables(mine)
    with Store(mine) as store:  # ...and off again: the file gets its own (empty) catalog
        assert store.counts()["resources"] == 0 and store.cursor("catalog") == 0
        assert store.draft("k")["body_md"] == "сохранённый черновик"
        store.apply_page("catalog", _page("own", 1, 3), 3, "p1")
        assert store.search("дроби") and store.check_integrity() == []


def test_an_old_schema_file_migrates_straight_into_the_shared_layout(tmp_path: Path) -> None:
    old = tmp_path / "me" / "okno.sqlite3"
    db = open_writer(old)
    configure_writer(db)
    with write_transaction(db):
        MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO sync_log (started, finished, ok) VALUES ('s', 'f', 1)")
    db.close()
    lib = tmp_path / "shared" / FILE_NAME
    with Store(old, library=lib) as store:
        assert store.last_sync() is not None and store.counts()["resources"] == 0
    db = sqlite3.connect(old)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    # Readers need the Store to have upgraded the file first, as in single-user mode.
    with open_reader(old, library=lib) as reader:
        assert reader.search("") == []
    fresh = Paths(tmp_path / "x", library=tmp_path / "shared")
    assert fresh.files == tmp_path / "shared" / "files" and fresh.database.parent == fresh.data


def test_a_saved_draft_does_not_wait_for_a_catalog_write_in_progress(lab: dict) -> None:
    lib = lab["shared"] / FILE_NAME
    with Store(lab["a"] / "okno.sqlite3", library=lib) as anna:
        other = sqlite3.connect(lib, isolation_level=None, timeout=0)  # another user's sync
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE meta SET value = value")
        try:
            started = time.monotonic()
            anna.save_draft("k", "сохранено сразу")
            anna.record_sync(SyncRecord("s", "f", True, 0))
            assert time.monotonic() - started < 1.0  # the busy timeout is 5 s
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert anna.draft("k")["body_md"] == "сохранено сразу"


_OPENER = """
import sys
from pathlib import Path
from desktop.store import Store
Store(Path(sys.argv[1]), library=Path(sys.argv[2])).close()
print("ready", flush=True)
"""


def test_two_users_opening_a_new_shared_library_at_once(tmp_path: Path) -> None:
    """Regression: two processes creating the shared file at the same moment; one failed
    with "database is locked" (the switch to WAL / the upgrade does not wait)."""
    for round_ in range(6):
        shared = tmp_path / f"round{round_}" / "shared"
        procs = [subprocess.Popen([sys.executable, "-c", _OPENER,
                                   str(tmp_path / f"round{round_}" / user / "okno.sqlite3"),
                                   str(shared / FILE_NAME)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for user in ("a", "b")]
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0 and out.strip() == "ready", err
