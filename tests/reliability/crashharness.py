"""Power-cut simulation: run ``okno sync`` / ``okno download`` in a subprocess against the
real portal and SIGKILL it after seeded random delays, then check the replica.

Used by ``tests/reliability/test_crash.py`` (CI, >= 30 kills) and ``bench/soak.py`` (300).

After every kill:
- ``PRAGMA integrity_check`` is ok and ``Store.check_integrity()`` is empty (search index,
  facets and file links agree with the resources; no record beyond the cursor);
- the cursor never runs ahead of the data: the replica holds exactly the portal's entities
  with seq <= cursor (the portal does not change during a round);
- the persistent download queue lost nothing: every file queued before is still queued,
  in progress or done, and every "done" file is in place and verified.
After the last kill of a round one uninterrupted run completes and the replica equals the
portal (every entity, every version, the head cursor, no snapshot left behind, every
queued file downloaded and verified).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desktop.paths import Paths
from desktop.store import Store
from tests.reliability.support import (
    ROOT,
    check_files,
    check_replica,
    okno_command,
    portal_state,
    replica_cursor,
    replica_state,
)

PAGE_BYTES = 16 * 1024  # many small pages: a kill lands between and inside commits
RUN_TIMEOUT = 120.0


@dataclass
class CrashStats:
    kills: int = 0
    completed_runs: int = 0
    rounds: int = 0
    by_phase: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        phases = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_phase.items()))
        return (f"{self.kills} kills survived in {self.rounds} rounds "
                f"({self.completed_runs} runs finished on their own) in {self.seconds:.0f} s; "
                f"kills by phase: {phases}")


class CrashHarness:
    """``portal_url`` is what the client talks to (a throttling proxy in front of the portal
    makes snapshot and file transfers long enough to be cut); ``direct_url`` is the portal
    itself, used to read its state."""

    def __init__(self, work: Path, portal_url: str, direct_url: str, *, seed: int,
                 big_resource: str | None = None, small_resources: tuple[str, ...] = ()
                 ) -> None:
        self.work = work
        self.url = portal_url
        self.direct = direct_url
        self.rng = random.Random(seed)
        self.big = big_resource
        self.small = small_resources
        self.stats = CrashStats()
        self.portal, self.head = portal_state(direct_url)
        self.durations: dict[str, float] = {}
        self._template: Path | None = None
        self._n = 0

    # -- one process -----------------------------------------------------------------
    def _spawn(self, data: Path, args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            okno_command(data, self.url, *args), cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUTF8": "1"})

    def _run_or_kill(self, data: Path, args: list[str], delay: float | None) -> bool:
        """Run; SIGKILL after ``delay`` s if still running. True if it was killed."""
        proc = self._spawn(data, args)
        try:
            proc.wait(RUN_TIMEOUT if delay is None else delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            assert proc.stderr is not None
            proc.stderr.close()
            return True
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        assert proc.returncode == 0, f"okno {' '.join(args)} failed ({proc.returncode}):\n{err}"
        return False

    def _calibrate(self, mode: str, data: Path, args: list[str]) -> float:
        if mode not in self.durations:
            started = time.monotonic()
            self._run_or_kill(data, args, None)
            self.durations[mode] = time.monotonic() - started
            shutil.rmtree(data)
        return self.durations[mode]

    # -- phases (read from the state on disk after a kill) ---------------------------
    def _phase(self, paths: Paths, mode: str) -> str:
        if not paths.database.exists():
            return "startup"
        snaps = list(paths.snapshots.glob("*")) if paths.snapshots.exists() else []
        cursor = replica_cursor(paths.database)
        if mode.startswith("download"):
            parts = list(paths.files.rglob("*.part")) if paths.files.exists() else []
            return "mid-download" if parts else "download queue (no file open)"
        if any(p.name.endswith(".part") for p in snaps):
            return "snapshot download"
        if snaps and cursor < self.head:
            return "snapshot apply" if cursor or snaps else "snapshot downloaded"
        if cursor == 0:
            return "startup/hello"
        if cursor < self.head:
            return "change-log pages"
        return "after the catalog (history, files)"

    # -- rounds ------------------------------------------------------------------------
    def _remaining(self, paths: Paths) -> float:
        """Rough share of the catalog work still to do (so delays land inside the run)."""
        if not paths.database.exists():
            return 1.0
        return max(0.0, 1.0 - replica_cursor(paths.database) / max(1, self.head))

    def catalog_round(self, kills: int, *, snapshot: bool) -> None:
        """Fresh replicas synced under fire until ``kills`` kills landed; each run that
        finishes on its own is checked for convergence, then the replica starts over."""
        mode = "sync-snapshot" if snapshot else "sync-log"
        args = ["sync", "--no-files", "--retries", "3", "--retry-delay", "0.05"]
        if not snapshot:
            args += ["--no-snapshot", "--page-bytes", str(PAGE_BYTES)]
        self._n += 1
        full = self._calibrate(mode, self.work / f"cal{self._n}", args)
        landed = 0
        attempts = 0
        while landed < kills and attempts < kills * 4:
            attempts += 1
            self._n += 1
            paths = Paths(self.work / f"c{self._n}")
            while landed < kills:
                startup = 0.3
                delay = startup + self.rng.uniform(0, (full - startup) *
                                                   self._remaining(paths) + 0.1)
                if not self._run_or_kill(paths.data, args, delay):
                    self.stats.completed_runs += 1
                    self._converged(paths)
                    break
                landed += 1
                self.stats.kills += 1
                self.stats.by_phase[self._phase(paths, mode)] += 1
                if paths.database.exists():
                    check_replica(paths.database, self.portal)
            else:
                self._run_or_kill(paths.data, args, None)  # the next sync completes
                self._converged(paths)
            self._keep_or_remove(paths)
        self.stats.rounds += 1

    def _keep_or_remove(self, paths: Paths) -> None:
        if self._template is None and paths.database.exists():
            self._template = paths.data
        elif paths.data != self._template:
            shutil.rmtree(paths.data, ignore_errors=True)

    def download_round(self, kills: int) -> None:
        """A synced replica with queued files; ``okno download`` and ``okno sync`` (which
        works through the queue) killed mid-transfer; the queue must survive."""
        assert self.big and self._template is not None, "run a catalog round first"
        commands = [["download", self.big, "--retries", "3", "--retry-delay", "0.05"],
                    ["sync", "--retries", "3", "--retry-delay", "0.05"]]
        full = self.durations.get("download", 2.5)
        landed = 0
        attempts = 0
        while landed < kills and attempts < kills * 4:
            attempts += 1
            self._n += 1
            paths = Paths(self.work / f"d{self._n}")
            shutil.copytree(self._template, paths.data)
            store = Store(paths.database)
            try:
                for rid in (self.big, *self.small):
                    store.enqueue_resource_files(rid)
                queued = {d.sha256 for d in store.download_queue()}
            finally:
                store.close()
            assert queued
            i = 0
            while landed < kills:
                args = commands[i % 2]
                i += 1
                delay = self.rng.uniform(0.3, full)
                if not self._run_or_kill(paths.data, args, delay):
                    self.stats.completed_runs += 1
                    break
                landed += 1
                self.stats.kills += 1
                self.stats.by_phase[self._phase(paths, "download")] += 1
                check_replica(paths.database, self.portal)
                rows = check_files(paths)
                lost = queued - set(rows)
                assert not lost, f"queued downloads lost after a kill: {sorted(lost)}"
            self._run_or_kill(paths.data, ["sync", "--retries", "3", "--retry-delay", "0.05"],
                              None)
            rows = check_files(paths)
            assert set(rows) >= queued and all(rows[s] == "done" for s in queued), rows
            assert not list(paths.files.rglob("*.part")), "partial files left after completion"
            check_replica(paths.database, self.portal)
            shutil.rmtree(paths.data, ignore_errors=True)
        self.stats.rounds += 1

    def _converged(self, paths: Paths) -> None:
        cursor = check_replica(paths.database, self.portal)
        assert cursor == self.head, f"a finished sync left the cursor at {cursor}, not {self.head}"
        assert replica_state(paths.database) == {k: v for k, (v, _) in self.portal.items()}
        leftovers = list(paths.snapshots.iterdir())
        assert not leftovers, f"snapshot files left behind: {leftovers}"

    def calibrate_download(self, seconds: float) -> None:
        self.durations["download"] = seconds

    def report(self) -> dict[str, object]:
        return {"kills": self.stats.kills, "rounds": self.stats.rounds,
                "completed_runs": self.stats.completed_runs,
                "by_phase": dict(self.stats.by_phase)}

    def dumps(self) -> str:
        return json.dumps(self.report(), ensure_ascii=False)
