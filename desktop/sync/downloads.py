"""Resumable, verified downloads of resource files into the content-addressed cache.

Files live at ``files/ab/<sha256>``; a download writes ``<sha256>.part``, resumes it with
``Range``/``If-Range``, checks the hash, and renames atomically. Display names never
become paths.

    Downloader(store, portal_url, paths.files).run()
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from desktop.store.types import Changes, DownloadItem
from desktop.sync.http import (
    CONNECT_TIMEOUT,
    STALL_TIMEOUT,
    CancelToken,
    InsufficientSpace,
    RetryPolicy,
    SyncCancelled,
    SyncError,
    check_content_range,
    disk_error,
    error_from_response,
    iter_raw,
    network_error,
    new_session,
    stream_error,
    with_retries,
)
from protocol.wire import API_PREFIX, SHA256_RE

CHUNK = 64 * 1024
SPACE_MARGIN = 50 * 1024 * 1024  # never fill the disk to the last byte


__all__ = ["Downloader", "DownloadProgress", "InsufficientSpace", "cache_relpath",
           "check_free_space", "open_copy", "safe_display_name", "sha256_file"]


@dataclass(slots=True)
class DownloadProgress:
    sha256: str
    bytes_done: int
    size: int
    speed_bps: float
    eta_s: float | None


def cache_relpath(sha256: str) -> str:
    """``cache_relpath("ab12...")`` -> ``"ab/ab12..."``; refuses anything but a hex digest."""
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a sha256 digest: {sha256!r:.70}")
    return f"{sha256[:2]}/{sha256}"


def check_free_space(directory: Path, needed: int) -> None:
    """Raise InsufficientSpace with a clear message if ``needed`` bytes do not fit."""
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free - SPACE_MARGIN < needed:
        raise InsufficientSpace(
            f"Not enough free disk space: the download needs {_mb(needed)}, "
            f"{_mb(max(0, free - SPACE_MARGIN))} is available in {directory}. "
            "Free some space or choose another data folder.")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def safe_display_name(name: str) -> str:
    """A file name safe to create on any OS, for handing a cached file to another program."""
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", name).strip(" .")
    if not name or name.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}:
        name = "file"
    return name[:150]


def open_copy(files_dir: Path, sha256: str, display_name: str, open_dir: Path) -> Path:
    """Link or copy a cached file to ``open_dir/<sha prefix>/<safe name>`` for external apps."""
    src = files_dir / cache_relpath(sha256)
    target_dir = open_dir / sha256[:12]
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / safe_display_name(display_name)
    if not target.exists():
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)
    return target


class _RateLimiter:
    def __init__(self, bps: int | None, cancel: CancelToken) -> None:
        self.bps = bps
        self.cancel = cancel
        self.start = time.monotonic()
        self.sent = 0

    def take(self, n: int) -> None:
        if not self.bps:
            return
        self.sent += n
        ahead = self.sent / self.bps - (time.monotonic() - self.start)
        if ahead > 0 and self.cancel.wait(ahead):
            raise SyncCancelled()


class Downloader:
    """Works through the store's persistent download queue; safe to interrupt anywhere."""

    def __init__(self, store: Any, portal_url: str, files_dir: Path, *,
                 session: requests.Session | None = None, rate_limit_bps: int | None = None,
                 progress: Callable[[DownloadProgress], None] | None = None,
                 cancel: CancelToken | None = None, policy: RetryPolicy | None = None,
                 max_items: int = 100_000, stall_timeout: float = STALL_TIMEOUT,
                 on_wait: Callable[[str, float], None] | None = None) -> None:
        self.store = store
        self.url = portal_url.rstrip("/")
        self.files_dir = files_dir
        self.session = session or new_session()
        self.rate_limit_bps = rate_limit_bps
        self.progress = progress
        self.cancel = cancel or CancelToken()
        self.policy = policy or RetryPolicy()
        self.max_items = max_items
        self.stall_timeout = stall_timeout
        self.on_wait = on_wait  # (plain-words reason, seconds) before each retry
        self.bytes_wire = 0

    def run(self) -> Changes:
        """Download queued items until none is left. Failed items stay in the queue marked
        failed with a reason; the last error is raised only for disk-space problems.

        In a lab (a Store with a shared library) one process at a time works the shared
        queue; in the others this does nothing (desktop/sync/shared.py)."""
        if getattr(self.store, "library", None) is None:
            return self.run_queue()
        from desktop.sync.shared import shared_downloads

        return shared_downloads(self.store, self.run_queue)

    def run_queue(self) -> Changes:
        """``run`` without the lab's turn-taking."""
        changes = Changes()
        for _ in range(self.max_items):
            self.cancel.check()
            item = self.store.next_download()
            if item is None:
                break
            try:
                changes = changes | self.download(item)
            except SyncCancelled:
                changes = changes | self.store.update_download(item.sha256, state="queued")
                raise
            except InsufficientSpace as exc:
                try:
                    changes = changes | self._failed(item, exc)
                except sqlite3.Error:
                    pass  # the database shares the full disk; the clear message matters more
                raise
            except SyncError as exc:
                changes = changes | self._failed(item, exc)
        return changes

    def _failed(self, item: DownloadItem, exc: SyncError) -> Changes:
        """Mark a file failed with the English text and the category the UI translates."""
        return self.store.update_download(item.sha256, state="failed", error=str(exc),
                                          error_code=exc.code, error_params=exc.params)

    def download(self, item: DownloadItem) -> Changes:
        rel = cache_relpath(item.sha256)
        final = self.files_dir / rel
        if final.exists() and sha256_file(final) == item.sha256:
            return self.store.mark_file_cached(item.sha256, final.stat().st_size, rel)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise disk_error(exc, self.files_dir) from None
        part = final.with_name(final.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        check_free_space(self.files_dir, max(0, item.size - have))
        self.store.update_download(item.sha256, state="downloading", bytes_done=have)
        for attempt in range(2):  # a hash mismatch earns one fresh download, then fails
            with_retries(lambda: self._fetch(item, part), policy=self.policy,
                         cancel=self.cancel, on_wait=self.on_wait)
            if sha256_file(part) == item.sha256:
                break
            part.unlink()
            if attempt == 1:
                raise SyncError(f"The file “{item.name}” arrived damaged twice (checksum "
                                "mismatch); it was discarded.", code="bad_data",
                                params={"detail": f"{item.name}: checksum mismatch"})
        try:
            os.replace(part, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            raise disk_error(exc, self.files_dir) from None
        return self.store.mark_file_cached(item.sha256, final.stat().st_size, rel)

    def _fetch(self, item: DownloadItem, part: Path) -> None:
        have = part.stat().st_size if part.exists() else 0
        if have and have >= item.size:
            if have > item.size:
                part.unlink()
                have = 0
            else:
                return
        headers = {"Range": f"bytes={have}-", "If-Range": f'"{item.sha256}"'} if have else {}
        url = f"{self.url}{API_PREFIX}/blobs/{item.sha256}"
        what = f"the file “{item.name}”"
        try:
            resp = self.session.get(url, headers=headers, stream=True,
                                    timeout=(CONNECT_TIMEOUT, self.stall_timeout))
        except requests.RequestException as exc:
            raise network_error(exc, self.url) from None
        with resp:
            if resp.status_code == 200:
                have = 0  # the server sent the whole file (no range, or If-Range mismatch)
            elif resp.status_code == 416:
                part.unlink(missing_ok=True)
                raise SyncError("The download could not resume; starting over.",
                                retryable=True, code="cut")
            elif resp.status_code != 206:
                raise error_from_response(resp, f"file “{item.name}”")
            elif not have:
                raise SyncError(f"The portal sent part of {what} when the whole file was "
                                "asked for.", retryable=True, code="bad_data")
            else:
                try:
                    check_content_range(resp.headers.get("Content-Range"), have, item.size,
                                        what)
                except SyncError:
                    part.unlink(missing_ok=True)  # the next attempt asks for the whole file
                    raise
            limiter = _RateLimiter(self.rate_limit_bps, self.cancel)
            started, base = time.monotonic(), have
            last_report = 0.0
            try:
                fh = open(part, "r+b" if have else "wb")  # closed by the with below
            except OSError as exc:
                raise disk_error(exc, self.files_dir) from None
            with fh:
                try:
                    fh.seek(have)
                    fh.truncate()
                    chunks = iter_raw(resp, CHUNK)
                    while True:
                        try:
                            chunk = next(chunks, None)
                        except requests.RequestException as exc:
                            raise network_error(exc, self.url) from None
                        except Exception as exc:
                            err = stream_error(exc, f"the download of {what}")
                            if err is None:
                                raise
                            raise err from None
                        if chunk is None:
                            break
                        if have + len(chunk) > item.size:
                            raise SyncError(f"The portal sent more data than {what} should "
                                            "have.", code="bad_data")
                        fh.write(chunk)
                        have += len(chunk)
                        self.bytes_wire += len(chunk)
                        limiter.take(len(chunk))
                        now = time.monotonic()
                        if now - last_report > 0.25 or have == item.size:
                            last_report = now
                            self._report(item, have, base, started)
                        self.cancel.check()
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError as exc:
                    raise disk_error(exc, self.files_dir) from None
                finally:
                    self._save_progress(item, part)
        if have < item.size:
            raise SyncError("The download was interrupted.", retryable=True, code="cut")

    def _save_progress(self, item: DownloadItem, part: Path) -> None:
        """Record how much of the file is on disk (what a resume will start from)."""
        try:
            done = part.stat().st_size if part.exists() else 0
            self.store.update_download(item.sha256, bytes_done=min(done, item.size))
        except (OSError, sqlite3.Error):
            pass  # progress is a hint; the .part file itself is the truth

    def _report(self, item: DownloadItem, have: int, base: int, started: float) -> None:
        if not self.progress:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        speed = (have - base) / elapsed
        eta = (item.size - have) / speed if speed > 0 else None
        self.progress(DownloadProgress(item.sha256, have, item.size, speed, eta))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
