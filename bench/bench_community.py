"""Community benchmark: forums with N demo posts on a real portal, a real replica, loopback.

    .venv/bin/python bench/bench_community.py [--posts 50000]

Prints the first community sync (bytes on the wire counted by a TCP forwarder, time,
round trips, records) for the demo member, and how many round trips 100 replies written
offline take to reach the portal (target: at most 2).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.netcount import CountingForwarder  # noqa: E402
from desktop.paths import Paths  # noqa: E402
from desktop.store import Store  # noqa: E402
from desktop.sync.community import me, signin, sync_community  # noqa: E402
from tests.community_support import reply_thread  # noqa: E402
from tests.portal_process import portal_cli, running_portal  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--replies", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        portal_dir = tmpd / "portal"
        t0 = time.perf_counter()
        portal_cli(portal_dir, "demo", "--resources", "100", "--posts", str(args.posts),
                   timeout=1800)
        print(f"portal demo load ({args.posts} posts): {time.perf_counter() - t0:.1f} s")
        with running_portal(portal_dir) as url, \
                CountingForwarder(urlsplit(url).port) as fw:
            paths = Paths(tmpd / "desktop").ensure()
            store = Store(paths.database)
            token, user = signin(fw.url, "demo", "demo", "bench")
            store.set_community_user(user, me(fw.url, token)["streams"])
            fw.reset()
            t = time.perf_counter()
            first = sync_community(store, fw.url, token, paths=paths)
            took = time.perf_counter() - t
            posts = store.db.execute("SELECT count(*) FROM posts").fetchone()[0]
            print("\n== first community sync (member 'demo', followed streams) ==")
            print(f"records: {first.records} ({posts} posts stored), {took:.2f} s, "
                  f"round trips: {first.round_trips}, bytes on the wire: {fw.total:,}")

            thread = reply_thread(store)
            for i in range(args.replies):
                store.write_reply(thread, f"Ответ №{i + 1}, написан без связи: спасибо "
                                          "коллегам за материалы к уроку.")
            fw.reset()
            t = time.perf_counter()
            push = sync_community(store, fw.url, token, paths=paths)
            took = time.perf_counter() - t
            left = store.outbox_count()
            states: dict[str, int] = {}
            for item in store.outbox():
                states[item.state] = states.get(item.state, 0) + 1
            print(f"\n== {args.replies} replies written offline, then one sync ==")
            print(f"round trips: {push.round_trips} (target <= 2; includes GET /me), "
                  f"bytes on the wire: {fw.total:,}, {took:.2f} s, unsent after: {left}, "
                  f"outbox states: {states}")
            store.close()


if __name__ == "__main__":
    main()
