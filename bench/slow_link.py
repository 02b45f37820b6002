"""Sync over a simulated rural link: 512 kbit/s, 300 ms one way, 1 % loss — with and
without a 20-second blackout in the middle — against the physical bound.

    sudo .venv/bin/python bench/slow_link.py [--resources 2000] [--blackout 20]

Runs the real portal in one network namespace and the real client engine in another,
joined by ``../shared/tools/rural-link`` (user-space delay/rate/loss). Needs root and
/dev/net/tun; without them it prints why and exits 0. Traffic never leaves the two
namespaces. For each sync it prints the bytes that crossed the client's interface (IP
level, both directions, from the kernel's counters), the HTTP round trips, the wall time,
and the bound ``bytes / rate + round trips x RTT`` (plus the blackout's length when there is
one). The client uses the application's default retry policy. The blackout is the client's link set
down (``ip link set DEV down``) for N seconds and up again, while a sync is running.

Scenarios: first sync (snapshot), first sync from the change log (no snapshot), an
incremental sync (300 resources changed on the portal), then the first sync and the
incremental sync again with a blackout starting 1.5 s / 0.5 s into them. Community: the
first community sync (after the catalog; sign-in not counted), a push of an outbox of 100
offline replies, and both again with a blackout 0.5 s into them; after each push every
reply must be acknowledged (applied, or duplicate when an answer was lost and resent).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RURAL_LINK = ROOT.parent / "shared" / "tools" / "rural-link"
SERVER_IP = "10.77.0.1"
PORT = 8765


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if not os.path.exists("/dev/net/tun"):
        return "needs /dev/net/tun (the user-space link forwarder)"
    if not RURAL_LINK.exists():
        return f"{RURAL_LINK} is missing"
    if shutil.which("ip") is None:
        return "needs the ip command (iproute2)"
    return None


# -- inside the client namespace ------------------------------------------------------------
def _device() -> str:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if name != "lo":
            return name
    raise SystemExit("no link device in the client namespace")


def _counters(dev: str) -> int:
    base = Path("/sys/class/net") / dev / "statistics"
    return int((base / "rx_bytes").read_text()) + int((base / "tx_bytes").read_text())


def _blackout(dev: str, after: float, seconds: float, log: list[str]) -> threading.Thread:
    def run() -> None:
        time.sleep(after)
        subprocess.run(["ip", "link", "set", dev, "down"], check=True)
        log.append(f"blackout: {dev} down at +{after:.1f} s for {seconds:.0f} s")
        time.sleep(seconds)
        subprocess.run(["ip", "link", "set", dev, "up"], check=True)
        # The peer route goes with the link; put it back if the kernel did not.
        subprocess.run(["ip", "route", "replace", SERVER_IP, "dev", dev], check=False)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def client(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    import requests

    from desktop.paths import Paths
    from desktop.store import Store
    from desktop.sync.community import signin, sync_community
    from desktop.sync.engine import sync_catalog
    from desktop.sync.http import RetryPolicy
    from portal.catalog import PortalStore
    from portal.snapshot import ensure_snapshot
    from tests.community_support import reply_thread

    url = f"http://{SERVER_IP}:{PORT}"
    deadline = time.monotonic() + 300
    while True:  # the portal starts on the other side of the slow link
        try:
            requests.get(f"{url}/api/v1/hello", timeout=10)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                print("portal did not answer within 300 s", flush=True)
                return 1
            time.sleep(1)
    dev = _device()
    rate_bps = args.rate_kbit * 1000 / 8
    rtt = 2 * args.delay_ms / 1000
    policy = RetryPolicy()  # what the application uses: must ride out the blackout
    rows = []
    work = Path(args.work)

    tokens: dict[str, str] = {}

    def measure(name: str, data: str, *, snapshot: bool = True,
                blackout_at: float | None = None, community: bool = False,
                replies: int = 0) -> None:
        paths = Paths(work / data).ensure()
        store = Store(paths.database)
        events: list[str] = []
        waits: list[str] = []
        ops: list[str] = []
        if community and data not in tokens:  # sign-in is its own step, not measured
            tokens[data], _ = signin(url, "demo", "demo", f"slow link {data}")
        if replies:
            thread_id = reply_thread(store)
            ops = [store.write_reply(thread_id, f"Ответ {i} по медленной связи: проверка "
                                     "отправки накопленных сообщений.")[1]
                   for i in range(replies)]
        before = _counters(dev)
        bt = _blackout(dev, blackout_at, args.blackout, events) if blackout_at is not None \
            else None
        started = time.monotonic()

        def on_progress(p: Any) -> None:
            if p.phase == "waiting":
                waits.append(p.message)

        if community:
            result = sync_community(store, url, tokens[data], paths=paths, policy=policy,
                                    progress=on_progress)
        else:
            result = sync_catalog(store, url, paths=paths, policy=policy,
                                  use_snapshot=snapshot, progress=on_progress)
        wall = time.monotonic() - started
        if bt is not None:
            bt.join()
        wire = _counters(dev) - before
        states = {o.op_id: o.state for o in store.outbox()}
        store.close()
        bound = wire / rate_bps + result.round_trips * rtt + (args.blackout if bt else 0.0)
        row = {"sync": name, "records": result.records, "wire_bytes": wire,
               "engine_bytes": result.bytes_wire, "round_trips": result.round_trips,
               "wall_s": round(wall, 1), "bound_s": round(bound, 1),
               "ratio": round(wall / bound, 2) if bound else None,
               "blackout": events, "retries": waits}
        if ops:
            acked = [states.get(op) for op in ops]
            row["ops"] = {s: acked.count(s) for s in sorted(set(map(str, acked)))}
            if any(s not in ("applied", "duplicate") for s in acked):
                row["error"] = "some replies were not acknowledged"
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)

    def change_portal(n: int) -> None:
        with PortalStore.open(args.portal_data) as ps:
            for i in range(1, n + 1):
                ps.update_resource(f"res-{i * 5:06d}", title=f"Обновлённый урок {i}")
            ensure_snapshot(ps)

    measure("first sync (snapshot)", "a")
    measure("first sync (change log, no snapshot)", "b", snapshot=False)
    change_portal(300)
    measure("incremental (300 changed)", "a")
    measure(f"first sync (snapshot) + {args.blackout:.0f} s blackout", "c", blackout_at=1.5)
    change_portal(300)
    measure(f"incremental (300 changed) + {args.blackout:.0f} s blackout", "c",
            blackout_at=0.5)
    measure("community first sync", "a", community=True)
    measure(f"community push ({args.replies} offline replies)", "a", community=True,
            replies=args.replies)
    measure(f"community first sync + {args.blackout:.0f} s blackout", "c", community=True,
            blackout_at=0.5)
    measure(f"community push ({args.replies} replies) + {args.blackout:.0f} s blackout", "c",
            community=True, replies=args.replies, blackout_at=0.5)
    (work / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


# -- outside: prepare the portal data and run both sides -----------------------------------
def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--resources", type=int, default=10000)
    p.add_argument("--posts", type=int, default=5000, help="demo forum posts on the portal")
    p.add_argument("--replies", type=int, default=100, help="offline replies per push")
    p.add_argument("--delay-ms", type=int, default=300)
    p.add_argument("--rate-kbit", type=int, default=512)
    p.add_argument("--loss", type=float, default=0.01)
    p.add_argument("--blackout", type=float, default=20.0)
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--portal-data", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.client:
        return client(args)
    why = _why_not()
    if why:
        print(f"slow_link: skipped: {why}.")
        return 0
    with tempfile.TemporaryDirectory(prefix="okno-slowlink-") as tmp:
        work = Path(tmp)
        portal_data = work / "portal"
        py = sys.executable
        subprocess.run([py, "-m", "portal.cli", "demo", "--resources", str(args.resources),
                        "--seed", "11", "--posts", str(args.posts), "--data", str(portal_data)],
                       check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        server = (f"cd {shlex.quote(str(ROOT))} && exec {shlex.quote(py)} -m portal.cli serve "
                  f"--host {SERVER_IP} --port {PORT} --data {shlex.quote(str(portal_data))} "
                  "> /dev/null")
        client_cmd = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(py)} "
                      f"{shlex.quote(str(Path(__file__).resolve()))} --client "
                      f"--work {shlex.quote(str(work))} "
                      f"--portal-data {shlex.quote(str(portal_data))} "
                      f"--delay-ms {args.delay_ms} --rate-kbit {args.rate_kbit} "
                      f"--blackout {args.blackout} --replies {args.replies}")
        print(f"link: {args.rate_kbit} kbit/s, {args.delay_ms} ms one way "
              f"(RTT {2 * args.delay_ms} ms), loss {args.loss:.1%}; "
              f"{args.resources} demo resources, {args.posts} demo posts", flush=True)
        started = time.monotonic()
        done = subprocess.run(["bash", str(RURAL_LINK), "--delay-ms", str(args.delay_ms),
                               "--rate-kbit", str(args.rate_kbit), "--loss", str(args.loss),
                               "--", server, client_cmd], timeout=1800)
        results = work / "results.json"
        if done.returncode != 0 or not results.exists():
            print(f"slow_link: the run failed (exit {done.returncode})")
            return 1
        rows = json.loads(results.read_text())
        print(f"\n{'sync':52} {'records':>7} {'wire B':>9} {'RTs':>4} {'wall s':>7} "
              f"{'bound s':>7} {'ratio':>5}")
        for r in rows:
            print(f"{r['sync']:52} {r['records']:>7} {r['wire_bytes']:>9} "
                  f"{r['round_trips']:>4} {r['wall_s']:>7} {r['bound_s']:>7} "
                  f"{r['ratio']!s:>5}")
            for extra in r["blackout"] + r["retries"]:
                print(f"    {extra}")
            if "ops" in r:
                print(f"    replies: {r['ops']}{' ERROR: ' + r['error'] if 'error' in r else ''}")
        failed = [r["sync"] for r in rows if "error" in r]
        print(f"total {time.monotonic() - started:.0f} s")
        if failed:
            print(f"slow_link: FAILED: {failed}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
