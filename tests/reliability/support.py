"""Shared helpers of the reliability suite: a restartable portal process, replica and portal
state readers, and the checks every fault case ends with.

The portal is always the real one (a process, or the real app served in a thread); the
client is the real engine or the real ``okno`` command in a subprocess.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.downloads import cache_relpath, sha256_file
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy
from protocol.wire import CATALOG_STREAM
from tests.portal_process import (
    STOP_TIMEOUT,
    URL_PREFIX,
    PortalFailed,
    _environment,
    _portal_command,
    _tail,
)

FAST = RetryPolicy(attempts=6, base_delay=0.05, max_delay=0.3)
ROOT = Path(__file__).resolve().parents[2]

Key = tuple[str, str]  # (kind, id)


# -- the portal as a process that can be stopped and started again on the same port -------
class PortalProcess:
    """``okno-portal serve`` on 127.0.0.1; ``restart()`` keeps the port and the data dir."""

    def __init__(self, data_dir: Path, *extra: str, start_timeout: float = 120.0) -> None:
        self.data = Path(data_dir)
        self.data.mkdir(parents=True, exist_ok=True)
        self.extra = extra
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.start_timeout = start_timeout

    def start(self) -> str:
        log = self.data / "portal-stderr.log"
        with log.open("a", encoding="utf-8") as stderr:
            self.proc = subprocess.Popen(
                _portal_command("serve", "--host", "127.0.0.1", "--port", str(self.port),
                                "--data", str(self.data), *self.extra),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                text=True, encoding="utf-8", env=_environment(), cwd=ROOT)
        lines: queue.Queue[str | None] = queue.Queue()
        proc = self.proc

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop(kill=True)
                raise PortalFailed(f"the portal printed no URL in time:\n{_tail(log)}") from None
            if line is None:
                raise PortalFailed(f"the portal exited early:\n{_tail(log)}")
            if line.startswith(URL_PREFIX):
                self.url = line[len(URL_PREFIX):].strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                return self.url

    def stop(self, *, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)

    def restart(self, *, kill: bool = False, down_for: float = 0.0) -> str:
        self.stop(kill=kill)
        time.sleep(down_for)
        return self.start()

    def __enter__(self) -> PortalProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- state of a replica and of the portal ---------------------------------------------------
def replica_state(db_path: Path) -> dict[Key, int]:
    """(kind, id) -> version of everything in a replica, read with plain sqlite3."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        out = {("resource", i): v for i, v in db.execute("SELECT id, version FROM resources")}
        out.update({("collection", i): v
                    for i, v in db.execute("SELECT id, version FROM collections")})
        return out
    finally:
        db.close()


def replica_cursor(db_path: Path) -> int:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT seq FROM cursors WHERE stream = ?",
                         (CATALOG_STREAM,)).fetchone()
        return row[0] if row else 0
    finally:
        db.close()


def portal_state(url: str) -> tuple[dict[Key, tuple[int, int]], int]:
    """The portal's live entities as (kind, id) -> (version, seq), and its head, read by a
    full sync (no snapshot) into a throwaway replica."""
    with tempfile.TemporaryDirectory() as d:
        paths = Paths(Path(d)).ensure()
        store = Store(paths.database)
        try:
            sync_catalog(store, url, paths=paths, use_snapshot=False, policy=FAST)
            conn = sqlite3.connect(paths.database)
            state = {("resource", i): (v, s)
                     for i, v, s in conn.execute("SELECT id, version, seq FROM resources")}
            state.update({("collection", i): (v, s)
                          for i, v, s in conn.execute("SELECT id, version, seq FROM collections")})
            conn.close()
            head = store.cursor(CATALOG_STREAM)
        finally:
            store.close()
    return state, head


def expected_at(portal: dict[Key, tuple[int, int]], cursor: int) -> dict[Key, int]:
    """What a replica that applied the log up to ``cursor`` must hold (static portal)."""
    return {k: v for k, (v, seq) in portal.items() if seq <= cursor}


def sqlite_integrity(db_path: Path) -> list[str]:
    db = sqlite3.connect(db_path)
    try:
        return [r[0] for r in db.execute("PRAGMA integrity_check")]
    finally:
        db.close()


def check_replica(db_path: Path, portal: dict[Key, tuple[int, int]] | None = None) -> int:
    """After any interruption: SQLite intact, derived tables agree, and (given the portal's
    static state) the replica holds exactly what its cursor claims. Returns the cursor."""
    assert sqlite_integrity(db_path) == ["ok"], sqlite_integrity(db_path)
    store = Store(db_path)
    try:
        problems = store.check_integrity()
    finally:
        store.close()
    assert problems == [], problems
    cursor = replica_cursor(db_path)
    if portal is not None:
        have = replica_state(db_path)
        want = expected_at(portal, cursor)
        if have != want:
            missing = sorted(set(want) - set(have))[:5]
            extra = sorted(set(have) - set(want))[:5]
            stale = sorted(k for k in set(have) & set(want) if have[k] != want[k])[:5]
            raise AssertionError(f"replica at cursor {cursor} disagrees with the portal: "
                                 f"missing {missing}, extra {extra}, other versions {stale}")
    return cursor


def check_files(paths: Paths) -> dict[str, str]:
    """Every 'done' queue row has its verified file; returns sha -> state of the queue."""
    db = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
    try:
        rows = dict(db.execute("SELECT sha256, state FROM downloads"))
        cached = dict(db.execute("SELECT sha256, path FROM files_cache"))
    finally:
        db.close()
    for sha, state in rows.items():
        if state == "done":
            assert sha in cached, f"{sha} is done but not cached"
    for sha, rel in cached.items():
        assert rel == cache_relpath(sha)
        f = paths.files / rel
        assert f.is_file() and sha256_file(f) == sha, f"cached file {rel} is missing or damaged"
    return rows


def files_outside(root: Path, before: set[Path]) -> list[Path]:
    """Files that appeared outside ``root`` since ``before`` (a listing of root's parent)."""
    now = set(root.parent.rglob("*"))
    return sorted(p for p in now - before if root not in p.parents and p != root)


@contextmanager
def okno_env(**extra: str) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.update({"PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1", **extra})
    yield env


def okno_command(data: Path, portal_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop.cli", "--data", str(data), "--portal", portal_url,
            *args]


def run_okno(data: Path, portal_url: str, *args: str, timeout: float = 120.0,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(okno_command(data, portal_url, *args), capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, cwd=ROOT,
                          env=env or {**os.environ, "PYTHONUTF8": "1"},
                          stdin=subprocess.DEVNULL)


def resource_json(rid: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "title": title, "description": "Проверка надёжности синхронизации.",
            "authors": ["Петрова Анна Сергеевна"], "subjects": ["Алгебра"], "grades": [8],
            "type": "lesson", "language": "ru", "license": "CC BY 4.0",
            "keywords": ["проверка"], "collections": [], **extra}


@contextmanager
def tiny_fs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for full-disk tests (root only, else skip)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
