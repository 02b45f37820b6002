"""``okno-portal serve --workers N``: several portal processes on one listening socket.

The parent binds the socket, prints the URL, then supervises N worker processes (spawned,
not forked: no engine, thread or connection crosses over). Each worker re-reads the same
``serve`` command line, opens its own store and runs uvicorn on the inherited socket; the
kernel spreads connections over them. A worker that dies is started again; SIGTERM or SIGINT
stops them all (each finishes its requests within uvicorn's graceful timeout).

Every worker is a whole portal over the shared database (PostgreSQL, or the SQLite file in
WAL mode with a busy timeout) and the shared data directory (blobs, snapshots). Nothing a
request needs lives only in one process's memory: change-log seqs, device tokens, sign-in
failures, rate counters, applied ops and the current snapshot are all in the database. Per
process on purpose: the heavy-sync slots (``--max-heavy-syncs`` is per process) and the
connection pool.

    run_workers(sock, 4, build_parser().parse_args(["serve", "--data", "/srv/okno"]))
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

STOP_SECONDS = 15.0  # uvicorn's graceful shutdown plus a margin, then SIGKILL
RESTART_DELAY = 1.0  # between a worker's death and its replacement


def _worker(sock: socket.socket, args: argparse.Namespace) -> None:
    """Body of one worker process: the ``serve`` command on an inherited socket."""
    from portal.cli import serve_worker

    serve_worker(sock, args)


def run_workers(sock: socket.socket, workers: int, args: argparse.Namespace, *,
                target: Callable[[socket.socket, argparse.Namespace], None] = _worker) -> int:
    """Run ``workers`` processes serving ``sock`` until SIGTERM/SIGINT; returns 0.

    ``args`` (the parsed ``serve`` command line) goes to every worker as it is."""
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}

    def start(n: int) -> Any:
        proc = ctx.Process(target=target, args=(sock, args), name=f"okno-portal-{n}",
                           daemon=False)
        proc.start()
        return proc

    procs = [start(n) for n in range(workers)]
    try:
        while not stop.wait(0.2):
            for n, proc in enumerate(procs):
                if not proc.is_alive() and not stop.is_set():
                    log.warning("portal worker %s exited with %s; starting another",
                                proc.pid, proc.exitcode)
                    if stop.wait(RESTART_DELAY):
                        break
                    procs[n] = start(n)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes what it is doing
        deadline = time.monotonic() + STOP_SECONDS
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
