"""The change log under concurrent writers, served by several portal processes.

Two real portal processes share one database and one data directory: A (one process) and B
(``--workers 2``). While catalog writers (threads with their own connections) publish, update
and delete resources and community writers send ops (threads, posts, edits, deletions,
reactions) through A and B, reader clients sync with small pages and budgets, alternating
between A and B. Each reader checks every response as it goes (seqs only ever rise past its
cursor; no record version arrives twice) and, once the writers stop, must hold exactly what
the change log holds: no change skipped, none duplicated. The real desktop sync engines,
syncing alternately against A and B, converge too. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from portal.catalog import PortalStore
from portal.community import CommunityStore
from protocol import community as pc
from protocol.compression import StreamDecompressor
from protocol.wire import End, OpResult, PageEnd, Rec, Tombstone, parse_line
from tests.conftest import DATABASES, portal_database_for
from tests.portal.factories import collection, resource
from tests.portal_community.conftest import PASSWORD
from tests.portal_process import running_portal

pytestmark = pytest.mark.e2e

ASSOC = "reg-45"
FORUM = "f-reg-45"
WRITERS = ("anna", "boris", "vera")
READERS = ("r1", "r2", "r3")
THROTTLED = "zoya"  # only ever signs in with a wrong password
CATALOG_WRITERS = 2
CATALOG_WRITES = 30
COMMUNITY_OPS = 24
READER_PAUSE = 0.15  # keeps each reader under the portal's per-token rate limit
TIMEOUT = 60


@dataclass
class Portals:
    urls: list[str]
    store: PortalStore
    community: CommunityStore
    data: Path
    users: dict[str, str] = field(default_factory=dict)  # login -> user id


@pytest.fixture(scope="module", params=DATABASES)
def portals(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            password_hash: str) -> Iterator[Portals]:
    """Started once per database for the whole module: three portal processes are slow."""
    portal_database = portal_database_for(request, request.param)
    data = tmp_path_factory.mktemp("portals") / "portal"
    with ExitStack() as stack:
        store = stack.enter_context(PortalStore.open(data, portal_database))
        community = CommunityStore(store.engine)
        users = {}
        for login in (*WRITERS, *READERS, THROTTLED):
            users[login] = community.add_user(login, f"Учитель {login}", user_id=f"u-{login}",
                                              password_hash=password_hash).id
        community.add_association({"id": ASSOC, "name": "Педагоги Курганской области",
                                   "kind": "regional", "visibility": "public"})
        community.add_forum({"id": FORUM, "association_id": ASSOC, "title": "Уроки"})
        for login in WRITERS:
            community.set_membership(login, ASSOC, "member")
        store.publish_collection(collection("math"))
        extra = ("--database", portal_database) if portal_database else ()
        a = stack.enter_context(running_portal(data, *extra, log_name="portal-a.log"))
        b = stack.enter_context(running_portal(data, *extra, "--workers", "2",
                                               log_name="portal-b.log"))
        yield Portals([a, b], store, community, data, users)


def _signin(url: str, login: str) -> str:
    r = requests.post(f"{url}/api/v1/auth/signin", timeout=TIMEOUT, json={
        "login": login, "password": PASSWORD, "device_name": "ПК"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _sync(url: str, token: str, cursors: dict[str, int], ops: list[dict] | None = None,
          **extra: Any) -> list[Any]:
    """One sync request; retried (bounded) while the portal answers 503 busy."""
    body = {"protocol": 1, "cursors": cursors, **extra}
    if ops:
        body["ops"] = ops
    for _ in range(50):
        r = requests.post(f"{url}/api/v1/sync", json=body, timeout=TIMEOUT,
                          headers={"authorization": f"Bearer {token}",
                                   "accept-encoding": "zstd"})
        if r.status_code != 503:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    encoding = r.headers.get("content-encoding", "identity")
    text = StreamDecompressor(encoding).decompress(r.content)
    lines = [parse_line(line) for line in text.splitlines()]
    assert isinstance(lines[-1], End), "a complete response ends with its end line"
    return lines


def _op(op_type: str, data: dict[str, Any], base_version: int | None = None) -> dict:
    return {"op_id": str(uuid.uuid4()), "type": op_type, "data": data,
            "base_version": base_version, "depends_on": None}


class Replica:
    """What one client holds: records by (stream, kind, id), cursors, and every delivery."""

    def __init__(self, streams: list[str]) -> None:
        self.cursors = dict.fromkeys(streams, 0)
        self.records: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
        self.delivered: set[tuple[str, str, str, int]] = set()
        self.problems: list[str] = []

    def apply(self, lines: list[Any]) -> bool:
        """Apply one response page by page; returns the end line's ``more``."""
        at_start = dict(self.cursors)
        pending: list[Rec | Tombstone] = []
        for line in lines:
            if isinstance(line, Rec | Tombstone):
                if line.seq <= at_start[line.stream]:
                    self.problems.append(f"{line.stream} seq {line.seq} sent again after "
                                         f"cursor {at_start[line.stream]}")
                pending.append(line)
            elif isinstance(line, PageEnd):
                for rec in pending:
                    key = (rec.stream, rec.kind, rec.id)
                    if isinstance(rec, Tombstone):
                        self.records.pop(key, None)
                        continue
                    if (*key, rec.version) in self.delivered:
                        self.problems.append(f"{key} version {rec.version} delivered twice")
                    self.delivered.add((*key, rec.version))
                    self.records[key] = (rec.version, rec.data)
                pending = []
                self.cursors[line.stream] = line.cursor
            elif isinstance(line, End):
                assert not pending, "records after the last page line"
                for stream, cursor in line.cursors.items():
                    if cursor < self.cursors[stream]:
                        self.problems.append(f"{stream} end cursor went back")
                    self.cursors[stream] = cursor
                return line.more
        raise AssertionError("no end line")


def _truth(store: PortalStore, streams: list[str]) -> dict[tuple[str, str, str], tuple]:
    out = {}
    for stream in streams:
        for change in store.changes_since(stream, 0, 1_000_000):
            if not change.deleted:
                out[(stream, change.kind, change.entity_id)] = (change.version,
                                                                json.loads(change.payload))
    return out


def test_concurrent_writers_and_alternating_readers_converge(portals: Portals):
    urls = portals.urls
    streams = ["catalog", "directory", pc.assoc_stream(ASSOC)]
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()
    posts: list[tuple[str, str]] = []  # (post id, author login) for reactions
    posts_lock = threading.Lock()

    def guarded(fn, *args) -> None:
        try:
            fn(*args)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def catalog_writer(w: int) -> None:
        rng = random.Random(w)
        live: list[str] = []
        for i in range(CATALOG_WRITES):
            roll = rng.random()
            if live and roll < 0.25:
                portals.store.update_resource(rng.choice(live), title=f"Урок {w}-{i} (ред.)")
            elif live and roll < 0.4:
                portals.store.delete_resource(live.pop(rng.randrange(len(live))))
            else:
                rid = f"w{w}-{i}"
                portals.store.publish_resource(resource(rid, collections=["math"]))
                live.append(rid)

    def community_writer(n: int, login: str) -> None:
        rng = random.Random(100 + n)
        token = _signin(urls[n % 2], login)
        me = [portals.users[login]]
        own: dict[str, int] = {}  # post id -> version
        thread_id = f"t-{login}"
        ops_sent = 0

        def send(op: dict) -> OpResult:
            nonlocal ops_sent
            ops_sent += 1
            lines = _sync(urls[ops_sent % 2], token, {pc.user_stream(me[0]): 0}, [op])
            result = next(x for x in lines if isinstance(x, OpResult))
            assert result.result in ("applied", "conflict", "rejected"), result
            return result

        r = send(_op(pc.OP_THREAD_CREATE, {"id": thread_id, "forum_id": FORUM,
                                            "title": f"Тема {login}",
                                            "body_md": "Первое сообщение"}))
        assert r.result == "applied", r
        first = f"{thread_id}.1"
        own[first] = 1
        with posts_lock:
            posts.append((first, login))
        for i in range(COMMUNITY_OPS):
            roll = rng.random()
            with posts_lock:
                others = [p for p, who in posts if who != login]
            if roll < 0.4 or not own:
                pid = f"p-{login}-{i}"
                r = send(_op(pc.OP_POST_CREATE, {"id": pid, "thread_id": thread_id,
                                                  "body_md": f"Ответ {i}"}))
                if r.result == "applied":
                    own[pid] = r.entity["version"]
                    with posts_lock:
                        posts.append((pid, login))
            elif roll < 0.65:
                pid = rng.choice(sorted(own))
                r = send(_op(pc.OP_POST_EDIT, {"id": pid, "body_md": f"Правка {i}"},
                             base_version=own[pid]))
                if r.result == "applied":
                    own[pid] = r.entity["version"]
            elif roll < 0.75 and len(own) > 1:
                pid = rng.choice(sorted(p for p in own if p != first))
                send(_op(pc.OP_POST_DELETE, {"id": pid}))
                del own[pid]
            elif others:
                send(_op(pc.OP_REACTION_SET, {"post_id": rng.choice(others),
                                              "useful": rng.random() < 0.7}))

    def reader(n: int, login: str, replica: Replica) -> None:
        token = _signin(urls[n % 2], login)
        turn = itertools.count(n)
        while writing.is_set():
            replica.apply(_sync(urls[next(turn) % 2], token, dict(replica.cursors),
                                page_bytes=16 * 1024, budget_bytes=64 * 1024))
            time.sleep(READER_PAUSE)
        for _ in range(200):  # writers done: drain, still alternating
            more = replica.apply(_sync(urls[next(turn) % 2], token, dict(replica.cursors),
                                       page_bytes=16 * 1024, budget_bytes=64 * 1024))
            if not more:
                break
            time.sleep(READER_PAUSE)
        else:
            raise AssertionError("the reader never caught up")

    replicas = [Replica(streams) for _ in READERS]
    readers = [threading.Thread(target=guarded, args=(reader, n, login, replicas[n]))
               for n, login in enumerate(READERS)]
    writers = ([threading.Thread(target=guarded, args=(catalog_writer, w))
                for w in range(CATALOG_WRITERS)]
               + [threading.Thread(target=guarded, args=(community_writer, n, login))
                  for n, login in enumerate(WRITERS)])
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(300)
    writing.clear()
    for t in readers:
        t.join(300)
    assert not any(t.is_alive() for t in readers + writers), "a client hung"
    if errors:
        raise errors[0]

    truth = _truth(portals.store, streams)
    assert len([k for k in truth if k[0] == "catalog"]) > CATALOG_WRITERS * 10
    assert len([k for k in truth if k[1] == pc.KIND_POST]) > len(WRITERS) * 5
    for login, replica in zip(READERS, replicas, strict=True):
        assert not replica.problems, (login, replica.problems[:5])
        missing = sorted(set(truth) - set(replica.records))
        extra = sorted(set(replica.records) - set(truth))
        stale = sorted(k for k in truth.keys() & replica.records.keys()
                       if truth[k] != replica.records[k])
        assert not missing and not extra and not stale, (login, missing[:5], extra[:5],
                                                         stale[:5])
        heads = {s: portals.store.head(s) for s in streams}
        assert replica.cursors == heads


def test_a_write_through_one_process_is_read_through_the_other(portals: Portals):
    a, b = portals.urls
    token_a = _signin(a, "anna")
    token_b = _signin(b, "boris")  # tokens live in the database: either process knows both
    lines = _sync(a, token_b, {pc.assoc_stream(ASSOC): 0}, [_op(pc.OP_THREAD_CREATE, {
        "id": "t-shared", "forum_id": FORUM, "title": "Общая тема", "body_md": "Текст"})])
    assert next(x for x in lines if isinstance(x, OpResult)).result == "applied"
    cursor = lines[-1].cursors[pc.assoc_stream(ASSOC)]
    for _ in range(4):  # B's two workers: every one of them sees it at once
        seen = _sync(b, token_a, {pc.assoc_stream(ASSOC): 0})
        assert any(isinstance(x, Rec) and x.id == "t-shared" for x in seen)
        assert seen[-1].cursors[pc.assoc_stream(ASSOC)] == cursor
    portals.store.publish_resource(resource("r-new", collections=["math"]))
    for url in (a, b, b):
        got = _sync(url, token_a, {"catalog": 0})
        assert any(isinstance(x, Rec) and x.id == "r-new" for x in got)
        hello = requests.get(f"{url}/api/v1/hello", timeout=TIMEOUT).json()
        assert hello["streams"]["catalog"]["head"] == portals.store.head("catalog")
    # Sign-in failures are counted in the database too: the limit holds across processes.
    codes = [requests.post(f"{(a, b)[i % 2]}/api/v1/auth/signin", timeout=TIMEOUT, json={
        "login": THROTTLED, "password": "не тот", "device_name": "ПК"}).status_code
        for i in range(12)]
    assert codes[0] == 401 and 429 in codes


def _workers_of(data: Path) -> list[int]:
    """Pids of the worker processes of the ``serve --workers`` portal on ``data``."""
    procs: dict[int, tuple[int, list[bytes]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        procs[int(entry.name)] = (ppid, cmd)
    parents = [pid for pid, (_, cmd) in procs.items()
               if b"--workers" in cmd and str(data).encode() in cmd]
    return sorted(pid for pid, (ppid, cmd) in procs.items()
                  if ppid in parents and any(b"spawn_main" in part for part in cmd))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_serve_workers_are_processes_and_a_dead_one_is_replaced(portals: Portals):
    b = portals.urls[1]
    deadline = time.monotonic() + 30
    while len(workers := _workers_of(portals.data)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the URL is printed before the workers are spawned
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _workers_of(portals.data)
        if len(now) == 2 and workers[0] not in now:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"no replacement worker: {_workers_of(portals.data)}")
    token = _signin(b, "anna")
    for _ in range(6):  # both workers answer, whichever takes the connection
        assert isinstance(_sync(b, token, {"catalog": 0})[-1], End)


def test_the_desktop_client_syncing_alternately_converges(portals: Portals, tmp_path):
    """The real desktop sync engines (catalog, then community) against A and B in turn, with
    writes through both between the syncs: the replica ends equal to the portal's log."""
    from desktop.paths import Paths
    from desktop.store import Store
    from desktop.sync.community import signin, sync_community
    from desktop.sync.engine import sync_catalog
    from desktop.sync.http import RetryPolicy

    policy = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
    paths = Paths(tmp_path / "desktop").ensure()
    local = Store(paths.database)
    token, _user = signin(portals.urls[0], "anna", PASSWORD, "ПК библиотеки")
    writer = _signin(portals.urls[1], "boris")
    try:
        for turn in range(4):
            url = portals.urls[turn % 2]
            portals.store.publish_resource(resource(f"d-{turn}", collections=["math"]))
            _sync(portals.urls[(turn + 1) % 2], writer, {"catalog": 0}, [_op(
                pc.OP_THREAD_CREATE, {"id": f"t-desk-{turn}", "forum_id": FORUM,
                                      "title": f"Тема {turn}", "body_md": "Текст"})])
            sync_catalog(local, url, paths=paths, policy=policy)
            sync_community(local, url, token, paths=paths, policy=policy)
        want_resources = {c.entity_id: c.version for c in portals.store.changes_since(
            "catalog", 0, 1_000_000) if c.kind == "resource" and not c.deleted}
        want_posts = {c.entity_id: c.version for c in portals.store.changes_since(
            pc.assoc_stream(ASSOC), 0, 1_000_000) if c.kind == pc.KIND_POST and not c.deleted}
        db = sqlite3.connect(str(local.path))
        try:
            got_resources = dict(db.execute("select id, version from resources"))
            got_posts = dict(db.execute("select id, version from posts where version > 0"))
        finally:
            db.close()
        assert got_resources == want_resources
        assert got_posts == want_posts
        assert local.cursors()[pc.assoc_stream(ASSOC)] == portals.store.head(
            pc.assoc_stream(ASSOC))
    finally:
        local.close()
