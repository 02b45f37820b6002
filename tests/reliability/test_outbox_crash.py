"""Crash consistency around the community outbox (issue 5, part 1): a child process opens
the Store, writes replies (``write_reply``) and runs ``sync_community`` against the real
portal; it is SIGKILLed at seeded random moments (before a save commits, between save and
send, while the POST is in flight, after the portal applied but before the answer arrived).

After every kill: ``PRAGMA integrity_check`` is ok and every reply whose write returned
(the child prints its op id after the call, flushed) is still in the outbox, pending, sent
or acknowledged. After one clean sync each such reply is on the portal exactly once, counted
through a separate replica signed in as another user."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.portal_process import running_portal
from tests.reliability.support import ROOT, sqlite_integrity

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "300", "--seed", "5")
FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
KILLS = 12
POST_BUDGET = 200
SEED = int(os.environ.get("OKNO_OUTBOX_CRASH_SEED", "20261126"))
SYNC = "/api/v1/sync"
KEPT = {"pending", "sent", "applied", "duplicate"}
ACKED = {"applied", "duplicate"}

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
        env={**os.environ, "PYTHONUTF8": "1", "OKNO_TEST_TOKEN": token})
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


def test_outbox_survives_kills_around_save_and_send(tmp_path):
    rng = random.Random(SEED)
    with running_portal(tmp_path / "portal", *PORTAL_ARGS) as url, FaultProxy(url) as proxy:
        paths = Paths(tmp_path / "client").ensure()
        store = Store(paths.database)
        token, _user = signin(url, "demo", "demo", "crash test")
        sync_community(store, url, token, paths=paths, policy=FAST)
        thread_id = reply_thread(store)
        store.close()

        # Calibrate one full uninterrupted run.
        started = time.monotonic()
        killed, lines = _run_child(paths.data, proxy.url, thread_id, "calibrate", 10, token, None)
        full = time.monotonic() - started
        assert not killed and lines[-1] == "done"
        written: dict[str, str] = {}  # op_id -> body, for every write that returned
        for line in lines:
            if line.startswith("op "):
                _, op_id, body = line.split(" ", 2)
                written[op_id] = body

        phases: dict[str, int] = {}
        kills = 0
        attempts = 0
        while kills < KILLS and attempts < KILLS * 4:
            attempts += 1
            tag = f"crash-{SEED}-{attempts}"
            mode = rng.choice(["anywhere", "saving", "applied-unanswered"])
            if len(written) > POST_BUDGET:  # the portal takes 300 posts an hour per user
                mode = "applied-unanswered"
            after_line = None
            proxy.clear()
            if mode == "applied-unanswered":
                # The portal applied the ops; its answer is held back: kill while waiting.
                proxy.stall(SYNC, after=rng.choice([0, 10, 200]), seconds=3.0)
                delay = full + rng.uniform(0.2, 0.8)
                n = rng.randint(1, 3)
            elif mode == "saving":
                # Many durable saves in a row: the kill lands inside or between commits.
                after_line = "open"
                delay = rng.uniform(0.0, 0.02)
                n = 25
            else:
                delay = rng.uniform(0.1, full)
                n = 10
            killed, lines = _run_child(paths.data, proxy.url, thread_id, tag, n, token, delay,
                                       after_line)
            returned = {}
            for line in lines:
                if line.startswith("op "):
                    _, op_id, body = line.split(" ", 2)
                    returned[op_id] = body
            written.update(returned)
            if not killed:
                continue
            kills += 1
            last = lines[-1].split(" ")[0] if lines else ""
            phase = {"": "startup", "open": "first save", "op": "saves, before the send",
                     "sync": "sync"}.get(last, last) + f"/{mode}"
            phases[phase] = phases.get(phase, 0) + 1
            assert sqlite_integrity(paths.database) == ["ok"]
            store = Store(paths.database)
            try:
                problems = store.check_integrity()
                states = {o.op_id: o.state for o in store.outbox()}
                local = {p["id"] for p in store.posts(thread_id, limit=100_000) if p["local"]}
                creating = {o.data["id"] for o in store.outbox(states=("pending", "sent"))
                            if o.type == "post.create"}
            finally:
                store.close()
            assert problems == [], problems
            assert local == creating, f"unsent posts and create ops disagree: {local ^ creating}"
            lost = {op: states.get(op) for op in written if states.get(op) not in KEPT}
            assert not lost, f"saved replies lost or failed after a kill ({phase}): {lost}"
        proxy.clear()
        assert kills >= KILLS, f"only {kills} kills landed in {attempts} runs"
        print(f"outbox crash: {kills} kills in {attempts} runs (full run {full:.2f} s); "
              f"phases {phases}")

        # One clean sync: everything acknowledged, each reply on the portal exactly once.
        store = Store(paths.database)
        sync_community(store, url, token, paths=paths, policy=FAST)
        states = {o.op_id: o.state for o in store.outbox()}
        reasons = {o.reason for o in store.outbox(states=("pending", "sent"))}
        assert store.outbox_count() == 0, f"{store.outbox_count()} unsent: {reasons}"
        store.close()
        assert {op: states.get(op) for op in written if states.get(op) not in ACKED} == {}

        observer_paths = Paths(tmp_path / "observer").ensure()
        observer = Store(observer_paths.database)
        other, _ = signin(url, "metodist", "demo", "observer")
        sync_community(observer, url, other, paths=observer_paths, policy=FAST)
        bodies = [p["body_md"] for p in observer.posts(thread_id, limit=100_000)]
        observer.close()
        wrong = {b: bodies.count(b) for b in written.values() if bodies.count(b) != 1}
        assert not wrong, f"replies not on the portal exactly once: {wrong}"
