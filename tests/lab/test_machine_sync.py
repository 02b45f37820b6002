"""``okno sync --machine``: the lock (two real processes), the log, a real sync, preloading."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.lab.machine_sync import EXIT_BUSY, EXIT_CONFIG, SyncBusy, file_logger, sync_lock
from tests.portal_process import running_portal

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = ROOT / "resources" / "sample" / "catalog.ndjson.zst"


def okno(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    e.update(OKNO_MACHINE_CONFIG=str(tmp_path / "okno.toml"), HOME=str(tmp_path / "home"),
             OKNO_CONFIG_DIR=str(tmp_path / "cfg"), PYTHONUTF8="1",
             OKNO_LAB_HUBS="off")  # the machine sync looks for lab hubs too: not here
    return e


def test_lock_is_exclusive_in_one_process(tmp_path: Path) -> None:
    with sync_lock(tmp_path):
        with pytest.raises(SyncBusy, match="another sync is running"):
            with sync_lock(tmp_path):
                pass
    with sync_lock(tmp_path):  # released
        pass


def test_second_sync_process_says_so_and_exits_busy(tmp_path: Path,
                                                    env: dict[str, str]) -> None:
    data = tmp_path / "shared"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from desktop.lab.machine_sync import sync_lock\n"
         f"with sync_lock(Path({str(data)!r})):\n"
         "    print('locked', flush=True); sys.stdin.read()\n"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        busy = okno("--data", str(data), "--portal", "http://127.0.0.1:9", "sync",
                    "--machine", env=env)
        assert busy.returncode == EXIT_BUSY, busy.stderr
        assert "another sync is running" in busy.stderr
        assert f"process {holder.pid}" in busy.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    # The lock is free again: this run gets as far as the (unreachable) portal.
    failed = okno("--data", str(data), "--portal", "http://127.0.0.1:9", "sync", "--machine",
                  "--retries", "1", env=env)
    assert failed.returncode == 1, failed.stderr
    assert "Sync failed" in failed.stderr
    log = (data / "logs" / "sync.log").read_text("utf-8")
    assert "skipped: another sync is running" in log
    assert "sync started: portal http://127.0.0.1:9" in log and "sync failed:" in log


def test_a_killed_sync_does_not_block_the_next(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from pathlib import Path; from desktop.lab.machine_sync import sync_lock\n"
         f"with sync_lock(Path({str(tmp_path)!r})):\n"
         "    print('locked', flush=True); time.sleep(60)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait(10)
    with sync_lock(tmp_path):
        pass


def test_no_portal_anywhere_is_a_clear_config_error(tmp_path: Path,
                                                    env: dict[str, str]) -> None:
    out = okno("--data", str(tmp_path / "d"), "sync", "--machine", env=env)
    assert out.returncode == EXIT_CONFIG
    assert "no portal address" in out.stderr and "portal_url" in out.stderr
    (tmp_path / "okno.toml").write_text('portal_url = "http://127.0.0.1:9"\nmetered = 2\n')
    out = okno("--data", str(tmp_path / "d"), "sync", "--machine", env=env)
    assert out.returncode == EXIT_CONFIG
    assert f"{tmp_path / 'okno.toml'}, line 2:" in out.stderr


def test_log_rotates(tmp_path: Path) -> None:
    log = file_logger(tmp_path)
    line = "x" * 200
    for _ in range(6000):  # about 1.2 MB
        log.info(line)
    for h in log.handlers:
        h.flush()
    logs = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert logs[:2] == ["sync.log", "sync.log.1"]
    assert (tmp_path / "logs" / "sync.log").stat().st_size <= 1 << 20
    for h in list(log.handlers):
        log.removeHandler(h)
        h.close()
    logging.getLogger("okno.machine_sync").handlers.clear()


@pytest.mark.e2e
def test_machine_sync_with_a_real_portal_uses_the_preset(tmp_path: Path,
                                                        env: dict[str, str]) -> None:
    shared = tmp_path / "var-lib-okno"
    with running_portal(tmp_path / "portal", "--demo", "--resources", "40", "--seed",
                        "5") as url:
        (tmp_path / "okno.toml").write_text(
            f'portal_url = "{url}"\nbandwidth_cap_kbps = 512\nmetered = true\n'
            f'[machine]\ndata_dir = "{shared}"\n', "utf-8")
        out = okno("sync", "--machine", env=env)
        assert out.returncode == 0, out.stderr
        assert "Synced the shared library" in out.stdout
        again = okno("sync", "--machine", "--quiet", env=env)
        assert again.returncode == 0 and again.stdout == "", again.stderr
    # A user of the PC reads the shared library the machine sync filled.
    status = okno("--data", str(tmp_path / "user"), "status", "--json",
                  env={**env, "OKNO_SHARED_LIBRARY": str(shared)})
    assert '"resources": 40' in status.stdout, status.stdout
    assert (shared / "library.sqlite3").is_file() and (shared / "files").is_dir()
    log = (shared / "logs" / "sync.log").read_text("utf-8")
    assert log.count("sync started") == 2 and "files False, cap 512 KB/s" in log


def test_preload_a_snapshot_then_refuse_another_portal(tmp_path: Path,
                                                       env: dict[str, str]) -> None:
    data = tmp_path / "d"
    out = okno("--data", str(data), "preload", str(SAMPLE_CATALOG), "--portal-id",
               "school-portal-1", env=env)
    assert out.returncode == 0, out.stderr
    assert "Preloaded" in out.stdout and "300 resources" in out.stdout
    again = okno("--data", str(data), "preload", str(SAMPLE_CATALOG), "--portal-id",
                 "school-portal-1", env=env)
    assert again.returncode == 0 and "300 resources" in again.stdout  # idempotent
    other = okno("--data", str(data), "preload", str(SAMPLE_CATALOG), "--portal-id",
                 "another-portal", env=env)
    assert other.returncode == EXIT_CONFIG and "another portal" in other.stderr
    search = okno("--data", str(data), "search", "урок", "--json", env=env)
    assert '"total": 0' not in search.stdout


def test_preload_needs_a_portal_id_and_a_real_file(tmp_path: Path,
                                                   env: dict[str, str]) -> None:
    data = str(tmp_path / "d")
    out = okno("--data", data, "preload", str(SAMPLE_CATALOG), env=env)
    assert out.returncode == EXIT_CONFIG and "--portal-id" in out.stderr
    out = okno("--data", data, "preload", str(tmp_path / "none.zst"), "--portal-id", "p",
               env=env)
    assert out.returncode == EXIT_CONFIG and "no such file" in out.stderr
    broken = tmp_path / "broken.ndjson.zst"
    broken.write_bytes(SAMPLE_CATALOG.read_bytes()[:5000])
    out = okno("--data", data, "preload", str(broken), "--portal-id", "p", env=env)
    assert out.returncode == 1 and "okno:" in out.stderr
