"""Kill harness for the community outbox, shared by tests/reliability/test_outbox_crash.py
(CI, >= 12 kills) and bench/soak.py (outbox rounds of the 300-kill soak).

A child process opens the Store, writes replies (``write_reply``) and runs
``sync_community`` against the real portal (through the fault proxy); it is SIGKILLed at
seeded random moments: before a save commits, between a save and its send, while the POST is
in flight, after the portal applied but before its answer arrived.

After every kill: ``PRAGMA integrity_check`` is ok, the store's own checks pass, unsent posts
match their create ops, and every reply whose write returned (the child prints its op id
after the call, flushed) is still in the outbox: pending, sent or acknowledged.
``final_check()`` then runs one clean sync: everything is acknowledged, and a second replica
of the same user (another data folder, its own sign-in) sees each reply exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.reliability.support import ROOT, sqlite_integrity

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
SYNC = "/api/v1/sync"
KEPT = {"pending", "sent", "applied", "duplicate"}
ACKED = {"applied", "duplicate"}
# The portal takes 300 posts an hour per user: above this many writes, runs write 1-3.
POST_BUDGET = 200

_CHILD = """
import os, sys
from pathlib import Path
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import sync_community
from desktop.sync.http import RetryPolicy
paths = Paths(Path(sys.argv[1]))
url, thread_id, tag, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
store = Store(paths.database)
print("open", flush=True)
for i in range(n):
    _post_id, op_id, _ = store.write_reply(thread_id, f"{tag} reply {i}")
    print("op", op_id, f"{tag} reply {i}", flush=True)
print("sync", flush=True)
sync_community(store, url, os.environ["OKNO_TEST_TOKEN"], paths=paths,
               policy=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.1),
               refresh_account=False)
print("done", flush=True)
store.close()
"""


def _run_child(data: Path, url: str, thread_id: str, tag: str, n: int, token: str,
               delay: float | None, after_line: str | None = None) -> tuple[bool, list[str]]:
    """Run the writer; SIGKILL ``delay`` s after it started (or after it printed a line
    starting with ``after_line``). Returns (killed, lines printed before the end)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(data), url, thread_id, tag, str(n)],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUTF8": "1", "OKNO_TEST_TOKEN": token,
             "PYTHONPATH": str(ROOT)})
    lines: list[str] = []
    seen = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            if after_line is not None and line.startswith(after_line):
                seen.set()
        seen.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    killed = False
    try:
        if after_line is not None:
            seen.wait(60)
        proc.wait(60 if delay is None else delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed = True
    reader.join(10)
    if not killed:
        assert proc.returncode == 0, "\n".join(lines)
    return killed, list(lines)


def _returned(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        if line.startswith("op "):
            _, op_id, body = line.split(" ", 2)
            out[op_id] = body
    return out


class OutboxCrashHarness:
    """One writer (a signed-in replica) killed again and again; ``proxy`` fronts ``url``."""

    def __init__(self, work: Path, url: str, proxy: FaultProxy, *, seed: int,
                 login: str = "demo", password: str = "demo") -> None:
        self.work, self.url, self.proxy = work, url, proxy
        self.rng = random.Random(seed)
        self.seed, self.login, self.password = seed, login, password
        self.paths = Paths(work / f"writer-{login}").ensure()
        store = Store(self.paths.database)
        self.token, _ = signin(url, login, password, "crash test")
        sync_community(store, url, self.token, paths=self.paths, policy=FAST)
        self.thread_id = reply_thread(store)
        store.close()
        self.written: dict[str, str] = {}  # op_id -> body, for every write that returned
        self.phases: dict[str, int] = {}
        self.kills = 0
        self.attempts = 0
        self.full = 0.0

    def calibrate(self) -> None:
        """One full uninterrupted run (its length bounds the random kill delays)."""
        started = time.monotonic()
        killed, lines = _run_child(self.paths.data, self.proxy.url, self.thread_id,
                                   f"calibrate-{self.login}", 10, self.token, None)
        self.full = time.monotonic() - started
        assert not killed and lines[-1] == "done", lines
        self.written.update(_returned(lines))

    def round(self, kills: int) -> None:
        """Run writers until ``kills`` more of them were killed, checking after each kill."""
        target = self.kills + kills
        budget = self.attempts + kills * 4
        while self.kills < target and self.attempts < budget:
            self.attempts += 1
            tag = f"crash-{self.seed}-{self.login}-{self.attempts}"
            mode = self.rng.choice(["anywhere", "saving", "applied-unanswered"])
            if len(self.written) > POST_BUDGET:
                mode = "applied-unanswered"
            after_line = None
            self.proxy.clear()
            if mode == "applied-unanswered":
                # The portal applied the ops; its answer is held back: kill while waiting.
                self.proxy.stall(SYNC, after=self.rng.choice([0, 10, 200]), seconds=3.0)
                delay = self.full + self.rng.uniform(0.2, 0.8)
                n = self.rng.randint(1, 3)
            elif mode == "saving":
                # Many durable saves in a row: the kill lands inside or between commits.
                after_line = "open"
                delay = self.rng.uniform(0.0, 0.02)
                n = 25
            else:
                # Anywhere after the interpreter started: saves, the send, the answer.
                after_line = "open"
                delay = self.rng.uniform(0.0, max(0.05, self.full - 0.3))
                n = 10
            killed, lines = _run_child(self.paths.data, self.proxy.url, self.thread_id, tag, n,
                                       self.token, delay, after_line)
            self.written.update(_returned(lines))
            if not killed:
                continue
            self.kills += 1
            last = lines[-1].split(" ")[0] if lines else ""
            phase = {"": "startup", "open": "first save", "op": "saves, before the send",
                     "sync": "sync"}.get(last, last) + f"/{mode}"
            self.phases[phase] = self.phases.get(phase, 0) + 1
            self.check(phase)
        self.proxy.clear()
        assert self.kills >= target, f"only {self.kills} kills landed in {self.attempts} runs"

    def check(self, phase: str = "") -> None:
        assert sqlite_integrity(self.paths.database) == ["ok"]
        store = Store(self.paths.database)
        try:
            problems = store.check_integrity()
            states = {o.op_id: o.state for o in store.outbox()}
            local = {p["id"] for p in store.posts(self.thread_id, limit=100_000) if p["local"]}
            creating = {o.data["id"] for o in store.outbox(states=("pending", "sent"))
                        if o.type == "post.create"}
        finally:
            store.close()
        assert problems == [], problems
        assert local == creating, f"unsent posts and create ops disagree: {local ^ creating}"
        lost = {op: states.get(op) for op in self.written if states.get(op) not in KEPT}
        assert not lost, f"saved replies lost or failed after a kill ({phase}): {lost}"

    def final_check(self) -> None:
        """One clean sync: everything acknowledged, each reply on the portal exactly once."""
        self.proxy.clear()
        store = Store(self.paths.database)
        try:
            sync_community(store, self.url, self.token, paths=self.paths, policy=FAST)
            states = {o.op_id: o.state for o in store.outbox()}
            reasons = {o.reason for o in store.outbox(states=("pending", "sent"))}
            assert store.outbox_count() == 0, f"{store.outbox_count()} unsent: {reasons}"
        finally:
            store.close()
        assert {op: states.get(op) for op in self.written if states.get(op) not in ACKED} == {}
        observer_paths = Paths(self.work / f"observer-{self.login}").ensure()
        observer = Store(observer_paths.database)
        try:
            token, _ = signin(self.url, self.login, self.password, "observer")
            sync_community(observer, self.url, token, paths=observer_paths, policy=FAST)
            bodies = [p["body_md"] for p in observer.posts(self.thread_id, limit=100_000)]
        finally:
            observer.close()
        wrong = {b: bodies.count(b) for b in self.written.values() if bodies.count(b) != 1}
        assert not wrong, f"replies not on the portal exactly once: {wrong}"

    def summary(self) -> str:
        return (f"outbox crash ({self.login}): {self.kills} kills in {self.attempts} runs "
                f"(full run {self.full:.2f} s), {len(self.written)} replies; "
                f"phases {self.phases}")
