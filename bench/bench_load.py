"""Load benchmark: many schools syncing at once against the real portal, loopback only.

    .venv/bin/python bench/bench_load.py [--db sqlite,postgresql] [--processes 1,2]
                                         [--seconds 8] [--connections 16]

For each database (SQLite file; PostgreSQL in a throwaway cluster when its server programs
are installed) and each number of portal processes (``serve --workers N`` on one socket), it
runs, for ``--seconds`` each:

* **no-change** syncs: every school is up to date (catalog cursor = head);
* **incremental** syncs of 20 changed records each (cursor = head - 20) while a writer
  keeps changing resources, and a few *followers* follow the log for real: afterwards every
  follower's replica must equal the portal's catalog (nothing lost) and no seq may reach a
  follower twice (nothing duplicated);
* **post sends**: signed-in members each send a reply (a ``post.create`` op) per sync;
  every op must be ``applied`` once, the posts table must grow by exactly that many, and
  sending some ops again must answer ``duplicate``.

It prints requests/s, p50/p99 latency and errors per run. The load generator is a small
asyncio HTTP/1.1 client with keep-alive connections (uvloop when installed), so that the
client costs little next to the portal; both share the machine's cores, which other work
may be using too. Every loop is bounded by the duration; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.catalog import PortalStore  # noqa: E402
from portal.cli import load_demo  # noqa: E402
from portal.community import CommunityStore  # noqa: E402
from portal.community.accounts import hash_password  # noqa: E402
from tests.portal_process import running_portal  # noqa: E402

SYNC = "/api/v1/sync"
CHANGED = 20
USERS = 40
PASSWORD = "bench-пароль"
ASSOC, FORUM, THREAD = "bench", "f-bench", "t-bench"
THREADS = 10  # schools reply in several threads, as they do
TARGETS = {"no-change": (500, 100.0), "incremental": (100, 300.0)}


# ---- a small HTTP/1.1 keep-alive client ---------------------------------------------------------


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}",
                f"Content-Length: {len(body)}", "Content-Type: application/json",
                "Accept-Encoding: zstd"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        if "content-length" in hdrs:
            data = await self.reader.readexactly(int(hdrs["content-length"]))
        elif hdrs.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        else:
            data = await self.reader.read()
        if hdrs.get("connection") == "close":
            self.close()
        return status, data, hdrs

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def ndjson(data: bytes, hdrs: dict) -> list[dict]:
    if hdrs.get("content-encoding") == "zstd":
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return [json.loads(line) for line in data.splitlines() if line.strip()]


@dataclass
class Stats:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        n = len(self.latencies)
        lat = sorted(self.latencies)
        p50 = lat[n // 2] * 1000 if n else 0.0
        p99 = lat[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0
        rps = n / self.seconds if self.seconds else 0.0
        verdict = ""
        target = TARGETS.get(self.name.split("@")[0])
        if target:
            want_rps, want_p99 = target
            ok = rps >= want_rps and p99 <= want_p99 and self.errors == 0
            verdict = f"  [{'meets' if ok else 'BELOW'} >= {want_rps}/s, p99 <= {want_p99:g} ms]"
        extra = f"  ({'; '.join(self.notes)})" if self.notes else ""
        return (f"{self.name:12s} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                f"errors {self.errors}{verdict}{extra}")


async def run_closed_loop(url: str, connections: int, seconds: float, stats: Stats,
                          make: Callable[[int], tuple[bytes, dict[str, str]]],
                          check: Callable[[int, int, bytes, dict], bool],
                          rate: float = 0.0) -> None:
    """``connections`` clients, each sending its next request when the last one is answered;
    with a ``rate``, together at most that many requests per second, on a fixed schedule
    (latency then counts from the scheduled time, so a slow portal cannot hide its queue)."""
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    interval = connections / rate if rate else 0.0

    async def client(n: int) -> None:
        conn = Conn(parts.hostname or "127.0.0.1", parts.port or 80)
        due = time.perf_counter() + interval * n / connections
        try:
            while time.monotonic() < deadline:
                body, headers = make(n)
                if interval:
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    t0 = due
                    due += interval
                else:
                    t0 = time.perf_counter()
                try:
                    status, data, hdrs = await conn.request("POST", SYNC, body, headers)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    stats.errors += 1
                    conn.close()
                    await asyncio.sleep(0.01)
                    continue
                stats.latencies.append(time.perf_counter() - t0)
                if not check(n, status, data, hdrs):
                    stats.errors += 1
        finally:
            conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(connections)))
    stats.seconds = time.monotonic() - started


# ---- scenarios ---------------------------------------------------------------------------------


def sync_body(cursors: dict[str, int], ops: list[dict] | None = None) -> bytes:
    body: dict[str, Any] = {"protocol": 1, "cursors": cursors}
    if ops:
        body["ops"] = ops
    return json.dumps(body, separators=(",", ":")).encode()


async def no_change(url: str, store: PortalStore, connections: int, seconds: float,
                    rate: float = 0.0) -> Stats:
    stats = Stats("no-change" + (f"@{rate:g}/s" if rate else ""))
    body = sync_body({"catalog": store.head()})

    def check(_n: int, status: int, data: bytes, hdrs: dict) -> bool:
        return status == 200 and b"" != data

    await run_closed_loop(url, connections, seconds, stats, lambda _n: (body, {}), check,
                          rate)
    return stats


def _write_loop(data: str, database: str | None, ids: list[str], per_second: float,
                stop: Any, writes: Any) -> None:
    with PortalStore.open(data, database) as store:
        rnd = random.Random(7)
        while not stop.is_set():
            rid = rnd.choice(ids)
            store.update_resource(rid, title=f"Изменено {writes.value} {uuid.uuid4().hex[:6]}")
            with writes.get_lock():
                writes.value += 1
            stop.wait(1.0 / per_second)


class Writer:
    """Changes resources in the shared database while clients sync: an admin's process of
    its own (in the client's process it would stall the load generator)."""

    def __init__(self, store: PortalStore, ids: list[str], per_second: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self._writes = ctx.Value("i", 0)
        database = None if store.engine.dialect.name == "sqlite" else \
            store.engine.url.render_as_string(hide_password=False)
        self.proc = ctx.Process(target=_write_loop, name="bench-writer", daemon=True, args=(
            str(store.data_dir), database, ids, per_second, self.stop, self._writes))

    @property
    def writes(self) -> int:
        return int(self._writes.value)

    def start(self) -> None:
        self.proc.start()

    def join(self) -> None:
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()


async def incremental(url: str, store: PortalStore, connections: int, seconds: float,
                      rate: float = 0.0, followers: int = 4) -> Stats:
    stats = Stats("incremental" + (f"@{rate:g}/s" if rate else ""))
    ids = [c.entity_id for c in store.changes_since("catalog", 0, 100000)
           if c.kind == "resource"]
    for rid in ids[:CHANGED]:  # the top of the log holds at least CHANGED changes
        store.update_resource(rid, title=f"Обновлено {rid}")
    head = {"now": store.head()}
    records: list[int] = []

    def make(_n: int) -> tuple[bytes, dict[str, str]]:
        return sync_body({"catalog": max(0, head["now"] - CHANGED)}), {}

    def check(_n: int, status: int, data: bytes, hdrs: dict) -> bool:
        if status != 200:
            return False
        lines = ndjson(data, hdrs)
        end = lines[-1]
        if end.get("t") != "end":
            return False
        head["now"] = max(head["now"], end["cursors"]["catalog"])
        records.append(sum(1 for x in lines if x.get("t") in ("rec", "del")))
        return True

    writer = Writer(store, ids, per_second=20)
    replicas: list[dict[str, int]] = [{} for _ in range(followers)]
    seen: list[set[int]] = [set() for _ in range(followers)]
    dupes = [0]
    # Followers start at the head (a full first sync parsed in the client's event loop would
    # stall the other clients) and must then receive every change made after it.
    start = store.head()
    cursors = [start] * followers
    parts = urlsplit(url)

    async def follow(k: int, until: float) -> None:
        conn = Conn(parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            while time.monotonic() < until:
                status, data, hdrs = await conn.request("POST", SYNC,
                                                        sync_body({"catalog": cursors[k]}))
                if status != 200:
                    await asyncio.sleep(0.05)
                    continue
                for x in ndjson(data, hdrs):
                    if x.get("t") in ("rec", "del"):
                        if x["seq"] in seen[k]:
                            dupes[0] += 1
                        seen[k].add(x["seq"])
                        if x["t"] == "rec":
                            replicas[k][x["id"]] = x["v"]
                        else:
                            replicas[k].pop(x["id"], None)
                    elif x.get("t") == "end":
                        cursors[k] = x["cursors"]["catalog"]
                await asyncio.sleep(0.02)
        finally:
            conn.close()

    writer.start()
    until = time.monotonic() + seconds
    try:
        await asyncio.gather(run_closed_loop(url, connections, seconds, stats, make, check,
                                             rate),
                             *(follow(k, until) for k in range(followers)))
    finally:
        writer.stop.set()
        writer.join()
    # Writers stopped: followers catch up, then must hold exactly the portal's catalog.
    await asyncio.gather(*(follow(k, time.monotonic() + 1.5) for k in range(followers)))
    truth = {c.entity_id: c.version for c in store.changes_since("catalog", start, 10**7)
             if not c.deleted}
    lost = sum(1 for r in replicas for i, v in truth.items() if r.get(i) != v)
    stats.notes.append(f"{statistics.mean(records) if records else 0:.1f} records/sync, "
                       f"{writer.writes} writes meanwhile; {followers} followers x "
                       f"{len(truth)} changed records: {lost} lost, {dupes[0]} duplicated")
    if lost or dupes[0]:
        stats.errors += lost + dupes[0]
    return stats


async def post_sends(url: str, store: PortalStore, tokens: list[str], connections: int,
                     seconds: float) -> Stats:
    stats = Stats("post-send")
    head = store.head()
    sent: list[tuple[int, dict]] = []
    applied = [0]

    def make(n: int) -> tuple[bytes, dict[str, str]]:
        token = tokens[n % len(tokens)]
        op = {"op_id": uuid.uuid4().hex, "type": "post.create",
              "data": {"id": f"p-{uuid.uuid4().hex[:16]}", "thread_id": f"{THREAD}-{n % THREADS}",
                       "body_md": "Спасибо, полезный материал для 7 класса!"}}
        sent.append((n, op))
        return sync_body({"catalog": head}, [op]), {"Authorization": f"Bearer {token}"}

    def check(_n: int, status: int, data: bytes, hdrs: dict) -> bool:
        if status != 200:
            return False
        results = [x for x in ndjson(data, hdrs) if x.get("t") == "op"]
        ok = len(results) == 1 and results[0]["result"] == "applied"
        applied[0] += ok
        return ok

    before = CommunityStore(store.engine).counts()["posts"]
    await run_closed_loop(url, connections, seconds, stats, make, check)
    after = CommunityStore(store.engine).counts()["posts"]
    # Exactly once: the table grew by the applied ops; resending some answers "duplicate".
    resend = random.Random(3).sample(sent, min(20, len(sent)))
    parts = urlsplit(url)
    conn = Conn(parts.hostname or "127.0.0.1", parts.port or 80)
    dupes = 0
    for n, op in resend:
        status, data, hdrs = await conn.request(
            "POST", SYNC, sync_body({"catalog": head}, [op]),
            {"Authorization": f"Bearer {tokens[n % len(tokens)]}"})
        results = [x for x in ndjson(data, hdrs) if x.get("t") == "op"] if status == 200 else []
        dupes += bool(results) and results[0]["result"] in ("duplicate", "rejected")
    conn.close()
    stats.notes.append(f"{applied[0]} applied, posts table +{after - before}, "
                       f"{dupes}/{len(resend)} resends answered duplicate")
    if after - before != applied[0]:
        stats.errors += abs(after - before - applied[0])
    return stats


# ---- setup -------------------------------------------------------------------------------------


def prepare(data: Path, database: str | None, resources: int) -> None:
    with PortalStore.open(data, database) as store:
        load_demo(store, resources, seed=1)
        community = CommunityStore(store.engine)
        hashed = hash_password(PASSWORD)
        community.add_association({"id": ASSOC, "name": "Нагрузочный тест", "kind": "topic",
                                   "visibility": "public"})
        community.add_forum({"id": FORUM, "association_id": ASSOC, "title": "Отзывы"})
        for i in range(USERS):
            community.add_user(f"school{i:03d}", f"Школа № {i}", password_hash=hashed,
                               user_id=f"u-school{i:03d}")
            community.set_membership(f"school{i:03d}", ASSOC, "member")


async def signin_all(url: str) -> list[str]:
    parts = urlsplit(url)
    conn = Conn(parts.hostname or "127.0.0.1", parts.port or 80)
    tokens = []
    for i in range(USERS):
        body = json.dumps({"login": f"school{i:03d}", "password": PASSWORD,
                           "device_name": "bench"}).encode()
        status, data, _ = await conn.request("POST", "/api/v1/auth/signin", body)
        assert status == 200, data
        tokens.append(json.loads(data)["token"])
    ops = [{"op_id": uuid.uuid4().hex, "type": "thread.create",
            "data": {"id": f"{THREAD}-{k}", "forum_id": FORUM, "title": f"Отзывы, тема {k}",
                     "body_md": "Пишите сюда."}} for k in range(THREADS)]
    status, data, hdrs = await conn.request(
        "POST", SYNC, sync_body({"catalog": 0}, ops), {"Authorization": f"Bearer {tokens[0]}"})
    assert status == 200, data
    conn.close()
    return tokens


async def run_one(url: str, store: PortalStore, args: argparse.Namespace) -> list[Stats]:
    tokens = await signin_all(url)
    out = [await no_change(url, store, args.connections, args.seconds),
           await incremental(url, store, args.connections, args.seconds)]
    if args.rate:  # the same at the target rates, on a schedule: latency without saturation
        out += [await no_change(url, store, args.connections, args.seconds,
                                TARGETS["no-change"][0] * args.rate),
                await incremental(url, store, args.connections, args.seconds,
                                  TARGETS["incremental"][0] * args.rate)]
    out.append(await post_sends(url, store, tokens, args.connections, args.seconds))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=1.2, metavar="X",
                        help="also run no-change and incremental syncs paced at X times the "
                        "target rates (500/s, 100/s); 0: only at full speed (1.2)")
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1.0), 60.0)  # bounded
    args.connections = min(max(args.connections, 1), 256)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(f"bench_load: {os.cpu_count()} CPUs (shared with other work; load average "
          f"{os.getloadavg()[0]:.1f} at start), {args.seconds:g} s per scenario, "
          f"{args.connections} connections")
    pg = None
    results: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="okno-bench-load-"))
    try:
        for dbname in args.db.split(","):
            database = None
            if dbname == "postgresql":
                from tests.pg_support import PostgresUnavailable, ThrowawayPostgres

                try:
                    pg = pg or ThrowawayPostgres.start()
                except PostgresUnavailable as exc:
                    print(f"postgresql: skipped ({exc})")
                    continue
            for n in (int(x) for x in args.processes.split(",")):
                if pg is not None and dbname == "postgresql":
                    database = pg.create_database(f"bench_{n}")
                data = root / f"{dbname}-{n}"
                prepare(data, database, args.resources)
                extra = ["--rate-limit", "0", "--workers", str(n)]
                if database:
                    extra += ["--database", database]
                with PortalStore.open(data, database) as store, \
                        running_portal(data, *extra) as url:
                    time.sleep(1.0 if n > 1 else 0.2)  # workers up
                    for s in asyncio.run(run_one(url, store, args)):
                        line = f"{dbname:10s} {n} proc  {s.line()}"
                        print(line, flush=True)
                        results.append(line)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
