"""Syncs and downloads of a computer lab's shared library (desktop/store/library.py).

Qt-free. Every OS user's Okno on a lab PC, and the scheduled ``okno sync --machine``, may
want to update the one shared catalog. They take turns through lock files in the shared
folder, without waiting: whoever holds ``sync.lock`` updates the catalog (the others skip
the catalog and say why), whoever holds ``downloads.lock`` works through the shared download
queue (files queued by any user). A user who may only read the shared folder never writes it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.paths import Paths
from desktop.store.library import (
    DOWNLOADS_LOCK,
    SYNC_LOCK,
    make_shared_dir,
    remove_foreign_parts,
    shared_lock,
)
from desktop.store.types import Changes

READ_ONLY = ("The shared library of this computer is read-only for your account; the "
             "administrator's scheduled sync keeps it up to date.")
BUSY = ("The shared library is being updated right now (by the scheduled sync or another "
        "user); it will be up to date when that finishes.")


def shared_catalog_sync(store: Any, paths: Paths, run: Callable[[], Any], *,
                        locked: bool) -> Any:
    """Run the catalog sync ``run()`` against the shared library if this process may.

    Returns ``run()``'s SyncResult, or an empty one whose ``note`` says why nothing was done
    (read-only for this user, or another process is syncing it). ``locked``: the caller
    already holds the sync lock (``okno sync --machine``).
    """
    from desktop.sync.engine import SyncResult

    folder = Path(store.library).parent
    if not store.library_writable:
        return SyncResult(note=READ_ONLY, note_code="library_read_only")
    if locked:
        return _prepared(folder, paths, run)
    with shared_lock(folder, SYNC_LOCK) as mine:
        if not mine:
            return SyncResult(note=BUSY, note_code="library_busy")
        return _prepared(folder, paths, run)


def _prepared(folder: Path, paths: Paths, run: Callable[[], Any]) -> Any:
    snapshots = paths.snapshots
    make_shared_dir(snapshots, folder)
    # A snapshot another user's sync left half-downloaded cannot be resumed by this user.
    with contextlib.suppress(OSError):
        for p in snapshots.iterdir():
            if p.is_file() and not os.access(p, os.W_OK):
                with contextlib.suppress(OSError):
                    p.unlink()
    return run()


def shared_downloads(store: Any, run: Callable[[], Changes]) -> Changes:
    """Work through the shared download queue with ``run()`` if no other process does.

    The holder of the downloads lock is the only downloader, so it may put files that were
    "downloading" when some process died back in the queue, and drop partial files it cannot
    continue. Without the lock (or write access) nothing is done: the holder, which keeps
    taking the next queued file until none is left, downloads what this user queued.
    """
    if not store.library_writable:
        return Changes()
    folder = Path(store.library).parent
    with shared_lock(folder, DOWNLOADS_LOCK) as mine:
        if not mine:
            return Changes()
        remove_foreign_parts(folder)
        changes = store.requeue_interrupted()
        return changes | run()
