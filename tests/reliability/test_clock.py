"""Clock (issue 5, part 7): the client's clock set years off, or crossing a DST change,
changes nothing about sync or ordering. Runs ``okno`` under libfaketime when it is
installed (apt ``faketime``), plus in-process checks that always run."""

from __future__ import annotations

import email.utils
import re
import shutil
import sqlite3
import sys
import time
import types
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync import http as sync_http
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy, parse_retry_after
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli
from tests.reliability.support import (
    FAST,
    ROOT,
    check_replica,
    okno_command,
    portal_state,
    replica_state,
)

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

YEARS = 20 * 365 * 86400
FAKETIME = shutil.which("faketime")


def _run_at(when: str, data: Path, url: str, *args: str, tz: str = "UTC"):
    import os
    import subprocess

    env = {**os.environ, "PYTHONUTF8": "1", "TZ": tz, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    return subprocess.run([FAKETIME, "-f", when, *okno_command(data, url, *args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


@pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (apt install faketime)")
def test_sync_with_the_client_clock_years_off_and_across_dst(big_portal, tmp_path):
    url, data = big_portal
    client = tmp_path / "okno"
    out = _run_at("@2047-06-01 12:00:00", client, url, "sync", "--no-files")
    assert out.returncode == 0, out.stderr
    portal_cli(data, "update", "res-000010", "--title", "Урок после смены часов")
    portal_cli(data, "delete", "res-000011")
    # Now the clock runs years *behind* the first sync, and crosses a DST change.
    out = _run_at("@2024-03-10 01:59:59", client, url, "sync", "--no-files",
                  tz="America/New_York")
    assert out.returncode == 0, out.stderr
    assert "2 records" in out.stdout, out.stdout
    portal, head = portal_state(url)
    assert check_replica(client / "okno.sqlite3", portal) == head
    assert replica_state(client / "okno.sqlite3") == {k: v for k, (v, _) in portal.items()}
    out = _run_at("@1999-12-31 23:59:59", client, url, "status")
    assert out.returncode == 0 and "ok" in out.stdout
    # The fake clocks really were in effect (the history keeps client times, for people).
    db = sqlite3.connect(client / "okno.sqlite3")
    started = [r[0] for r in db.execute("SELECT started FROM sync_log ORDER BY id")]
    db.close()
    assert started[0].startswith("2047-") and started[1].startswith("2024-03-10"), started


def test_download_queue_order_ignores_the_client_clock(big_portal, tmp_path, monkeypatch):
    """Regression: the queue was ordered by its ``added`` timestamp (client clock); a clock
    set back between two clicks put the newer file first."""
    from desktop.store import downloads as store_downloads

    url, _ = big_portal
    paths = Paths(tmp_path / "okno").ensure()
    store = Store(paths.database)
    sync_catalog(store, url, paths=paths, policy=FAST)
    with_files = []
    for rowid in store.search(""):
        res = store.get_resource(rowid)
        if res["files"]:
            with_files.append(res["id"])
        if len(with_files) == 2:
            break
    clock = iter(["2040-01-01T00:00:00.000000+00:00", "2001-01-01T00:00:00.000000+00:00"])
    monkeypatch.setattr(store_downloads, "utc_now", lambda: next(clock))
    store.enqueue_resource_files(with_files[0])
    store.enqueue_resource_files(with_files[1])
    first = store.next_download()
    assert first is not None and first.resource_id == with_files[0]
    assert [d.resource_id for d in store.download_queue()][0] == with_files[0]
    store.close()


@pytest.mark.parametrize("offset", [YEARS, -YEARS])
def test_retry_after_date_is_read_against_the_servers_clock(big_portal, tmp_path,
                                                            monkeypatch, offset):
    """Regression: an HTTP-date Retry-After was compared with the client's clock, so a
    client years ahead did not wait at all and one years behind waited the 10-minute cap."""
    url, _ = big_portal
    fake = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time)
                                    if not k.startswith("__")})
    fake.time = lambda: time.time() + offset
    monkeypatch.setattr(sync_http, "time", fake)
    paths = Paths(tmp_path / "okno").ensure()
    store = Store(paths.database)
    waits: list[float] = []
    with FaultProxy(url) as proxy:
        retry_at = email.utils.formatdate(time.time() + 2, usegmt=True)
        proxy.fail("/api/v1/sync", 503, times=1, headers={"Retry-After": retry_at})
        sync_catalog(store, proxy.url, paths=paths, use_snapshot=False,
                     policy=RetryPolicy(attempts=3, base_delay=0.05),
                     progress=lambda p: waits.append(float(re.findall(r"in (\d+) s", p.message)
                                                          [0])) if p.phase == "waiting"
                     else None)
    assert len(waits) == 1 and 1 <= waits[0] <= 3, waits
    store.close()


def test_parse_retry_after_prefers_the_response_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT",
                             "Wed, 21 Oct 2015 07:28:00 GMT") == 30.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("garbage", "also garbage") is None


def test_no_ordering_uses_client_time():
    """Static check: no ORDER BY / sort in the client's core on a client-clock column.

    A line may order synced rows by a time the portal assigned only when it says so with a
    ``# portal clock`` comment, after putting unsent (client-clock) rows first by rowid."""
    client_time = re.compile(r"\b(added|updated|completed|started|finished|modified|created)\b")
    offenders = []
    for path in [*ROOT.glob("desktop/store/*.py"), *ROOT.glob("desktop/sync/*.py"),
                 ROOT / "desktop" / "cli.py", *ROOT.glob("protocol/*.py")]:
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            m = re.search(r"ORDER BY (.*)", line, re.IGNORECASE)
            if m and client_time.search(m.group(1)) and "# portal clock" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


_THREAD_CHILD = """
import sys
from pathlib import Path
from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import sync_community
from desktop.sync.http import RetryPolicy
paths = Paths(Path(sys.argv[1]))
forum, title, url, token, do_sync = sys.argv[2:7]
store = Store(paths.database)
thread_id, _op, _ = store.create_thread(forum, title, "Тема, написанная при сбитых часах.")
print(thread_id, flush=True)
if do_sync == "1":
    sync_community(store, url, token, paths=paths, refresh_account=False,
                   policy=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.1))
    print("synced", flush=True)
store.close()
"""


@pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (apt install faketime)")
def test_community_writes_and_sync_ignore_the_client_clock(tmp_path):
    """Threads written offline with the clock years behind, years ahead and across a DST
    change: the unsent ones are listed in writing order (regression: by the client-clock
    ``last_post_at``, so a thread written with the clock in 1999 sank out of sight); the sync
    under the fake clock sends each exactly once; afterwards the client lists the forum
    exactly as a replica with a true clock does."""
    import os
    import subprocess

    from desktop.sync.community import signin, sync_community
    from tests.community_support import reply_thread
    from tests.portal_process import running_portal

    with running_portal(tmp_path / "portal", "--demo", "--resources", "30", "--posts", "300",
                        "--seed", "5") as url:
        paths = Paths(tmp_path / "client").ensure()
        store = Store(paths.database)
        token, _ = signin(url, "demo", "demo", "clock test")
        sync_community(store, url, token, paths=paths, policy=FAST)
        forum = store.thread(reply_thread(store))["forum_id"]
        store.close()

        def write(when: str, title: str, sync: bool, tz: str = "UTC") -> str:
            env = {**os.environ, "PYTHONUTF8": "1", "TZ": tz,
                   "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
            out = subprocess.run(
                [FAKETIME, "-f", when, sys.executable, "-c", _THREAD_CHILD, str(paths.data),
                 forum, title, url, token, "1" if sync else "0"],
                capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
            assert out.returncode == 0, out.stderr
            return out.stdout.split()[0]

        behind = write("@1999-12-31 23:59:59", "Тема из 1999 года", False)
        ahead = write("@2047-06-01 12:00:00", "Тема из 2047 года", False)
        store = Store(paths.database)
        listed = [t["id"] for t in store.threads(forum, limit=1000) if not t["pinned"]]
        store.close()
        assert listed[:2] == [ahead, behind], listed[:5]
        dst = write("@2024-03-10 01:59:59", "Тема на переходе времени", True,
                    tz="America/New_York")

        store = Store(paths.database)
        assert store.outbox_count() == 0
        states = {o.data.get("id"): o.state for o in store.outbox()}
        mine = [t["id"] for t in store.threads(forum, limit=1000)]
        store.close()
        assert {states[t] for t in (behind, ahead, dst)} <= {"applied", "duplicate"}
        observer_paths = Paths(tmp_path / "observer").ensure()
        observer = Store(observer_paths.database)
        other, _ = signin(url, "demo", "demo", "observer")
        sync_community(observer, url, other, paths=observer_paths, policy=FAST)
        theirs = [t["id"] for t in observer.threads(forum, limit=1000)]
        titles = [t["title"] for t in observer.threads(forum, limit=1000)]
        observer.close()
        assert mine == theirs
        assert [titles.count(t) for t in ("Тема из 1999 года", "Тема из 2047 года",
                                          "Тема на переходе времени")] == [1, 1, 1]
