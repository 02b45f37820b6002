"""The persistent download queue and the cache of downloaded files.

States: queued -> downloading -> done, with paused, failed and cancelled on the side.
"done" is reached only through ``mark_file_cached`` (the file is verified and in place),
so a "done" row always has its ``files_cache`` entry.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.next_download() is None, store.cache_size()
(True, 0)
>>> store.close()
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.db import utc_now
from desktop.store.errors import StoreError
from desktop.store.facets import DOWNLOADED_PAIR
from desktop.store.types import Changes, DownloadItem
from protocol.wire import SHA256_RE

STATES = ("queued", "downloading", "paused", "done", "failed", "cancelled")
ACTIVE = ("queued", "downloading", "paused")
# Where update_download may move a row from each state. "done" is left out on purpose:
# only mark_file_cached reaches it, and only enqueue_resource_files leaves it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"queued", "downloading", "paused", "failed", "cancelled"}),
    "downloading": frozenset({"downloading", "queued", "paused", "failed", "cancelled"}),
    "paused": frozenset({"paused", "queued", "downloading", "cancelled"}),
    "failed": frozenset({"failed", "queued", "downloading", "cancelled"}),
    "cancelled": frozenset({"cancelled", "queued"}),
    "done": frozenset(),
}
MAX_ERROR = 1000

_ITEM_COLUMNS = ("sha256, resource_id, name, mime, size, state, bytes_done, error, added, "
                 "error_code, error_params")
MAX_PARAMS = 20


def _item(row: tuple) -> DownloadItem:
    *fields, code, params = row
    try:
        decoded = json.loads(params)
    except ValueError:
        decoded = {}
    if not isinstance(decoded, dict):
        decoded = {}
    return DownloadItem(*fields, error_code=code, error_params=decoded)


def _params_json(params: dict | None) -> str:
    """A failure's params as stored: a small JSON object of strings."""
    if not params:
        return "{}"
    if not isinstance(params, dict):
        raise StoreError("error params must be a dict of strings")
    clean = {str(k)[:40]: str(v)[:MAX_ERROR] for k, v in list(params.items())[:MAX_PARAMS]}
    return json.dumps(clean, ensure_ascii=False)


def _check_sha(sha256: str) -> str:
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise StoreError(f"{sha256!r:.80} is not a sha256 hex digest")
    return sha256


def clean_relpath(relpath: str) -> str:
    """A path inside the files folder, with "/" separators; refuses escapes.

    >>> clean_relpath("ab\\\\abcdef.pdf")
    'ab/abcdef.pdf'
    """
    posix = relpath.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if (not posix or PurePosixPath(posix).is_absolute() or PureWindowsPath(relpath).drive
            or ".." in parts or "\x00" in posix):
        raise StoreError(f"{relpath!r:.120} is not a path inside the files folder")
    return str(PurePosixPath(*parts))


class DownloadReads(ReaderBase):
    def download_queue(self, states: Iterable[str] | None = None) -> list[DownloadItem]:
        """Queue rows in the order they were added, optionally only some states.

        ``store.download_queue(["queued", "downloading"])``
        """
        if states is None:
            cur = self._conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM downloads ORDER BY rowid"
            )
        else:
            cur = self._conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM downloads "
                "WHERE state IN (SELECT value FROM json_each(?)) ORDER BY rowid",
                (json.dumps(list(states)),),
            )
        return [_item(row) for row in cur]

    def next_download(self) -> DownloadItem | None:
        """The oldest queued file (the caller then sets it "downloading"), or None."""
        row = self._conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM downloads WHERE state = 'queued' "
            "ORDER BY rowid LIMIT 1"
        ).fetchone()
        return None if row is None else _item(row)

    def cached_file(self, sha256: str) -> str | None:
        """Path of a cached file relative to the files folder, or None."""
        row = self._conn.execute(
            "SELECT path FROM files_cache WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return None if row is None else row[0]

    def cache_size(self) -> int:
        """Bytes of all cached files (as recorded when they were completed)."""
        return self._conn.execute("SELECT coalesce(sum(size), 0) FROM files_cache").fetchone()[0]


class DownloadWrites(WriterBase):
    def requeue_interrupted(self) -> Changes:
        """Put "downloading" rows back to "queued": run at open, when no downloader can be
        running, so a download cut by a crash or power loss resumes."""
        with self._write(catalog=True) as conn:
            n = conn.execute(
                "UPDATE downloads SET state = 'queued', updated = ? WHERE state = 'downloading'",
                (utc_now(),),
            ).rowcount
        return Changes(downloads=n > 0)

    def enqueue_resource_files(self, resource_id: str) -> Changes:
        """Queue every file of a resource that is not cached and not already on its way.

        Failed, cancelled and paused files are queued again; cached files are skipped.
        """
        with self._write(catalog=True) as conn:
            row = conn.execute(
                "SELECT files FROM resources WHERE id = ?", (resource_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"there is no resource {resource_id!r:.100} in the library")
            now = utc_now()
            changed = 0
            for f in json.loads(row[0]):
                sha = f["sha256"]
                if conn.execute("SELECT 1 FROM files_cache WHERE sha256 = ?", (sha,)).fetchone():
                    continue
                changed += conn.execute(
                    "INSERT INTO downloads (sha256, resource_id, name, mime, size, state, "
                    "bytes_done, error, added, updated) "
                    "VALUES (?, ?, ?, ?, ?, 'queued', 0, '', ?, ?) "
                    "ON CONFLICT (sha256) DO UPDATE SET state = 'queued', error = '', "
                    "error_code = '', error_params = '{}', "
                    "updated = excluded.updated, "
                    # A "done" row without a cached file was freed: start from scratch.
                    "bytes_done = CASE WHEN downloads.state = 'done' THEN 0 ELSE bytes_done END "
                    "WHERE downloads.state NOT IN ('queued', 'downloading')",
                    (sha, resource_id, f["name"], f["mime"], f["size"], now, now),
                ).rowcount
        return Changes(downloads=changed > 0)

    def update_download(
        self,
        sha256: str,
        *,
        state: str | None = None,
        bytes_done: int | None = None,
        error: str | None = None,
        error_code: str = "",
        error_params: dict | None = None,
    ) -> Changes:
        """Move a queued file along (see ``TRANSITIONS``) and/or record progress or an error.

        Each call is a durable transaction: the downloader should report progress every few
        seconds, not every chunk. ``error_code``/``error_params`` (a ``SyncError``'s ``code``
        and ``params``) go with ``error`` and let the UI word it in the user's language.
        ``store.update_download(sha, state="failed", error=str(exc), error_code=exc.code,
        error_params=exc.params)``
        """
        with self._write(catalog=True) as conn:
            row = conn.execute(
                "SELECT state, size FROM downloads WHERE sha256 = ?", (sha256,)
            ).fetchone()
            if row is None:
                raise StoreError(f"file {sha256!r:.80} is not in the download queue")
            current, size = row
            if state is None:
                if current == "done":
                    raise StoreError(f"file {sha256} is already downloaded")
                new_state = current
            elif state not in TRANSITIONS:
                raise StoreError(f"unknown download state {state!r:.40}")
            elif state not in TRANSITIONS[current]:
                hint = " (finished files go through mark_file_cached)" if state == "done" else ""
                raise StoreError(f"a download cannot go from {current} to {state}{hint}")
            else:
                new_state = state
            sets = ["state = ?", "updated = ?"]
            params: list = [new_state, utc_now()]
            if bytes_done is not None:
                if type(bytes_done) is not int or not 0 <= bytes_done <= size:
                    raise StoreError(f"bytes_done {bytes_done!r:.40} is outside 0..{size}")
                sets.append("bytes_done = ?")
                params.append(bytes_done)
            if error is not None:
                sets.append("error = ?, error_code = ?, error_params = ?")
                params += [str(error)[:MAX_ERROR], str(error_code or "")[:40] if error else "",
                           _params_json(error_params) if error else "{}"]
            elif new_state in ("queued", "downloading") and current != new_state:
                # a retry starts with a clean slate
                sets.append("error = '', error_code = '', error_params = '{}'")
            conn.execute(f"UPDATE downloads SET {', '.join(sets)} WHERE sha256 = ?",
                         (*params, sha256))
        return Changes(downloads=True)

    def cancel_download(self, sha256: str) -> Changes:
        """Cancel a file that is not done yet; a no-op for done or cancelled files."""
        with self._write(catalog=True) as conn:
            row = conn.execute("SELECT state FROM downloads WHERE sha256 = ?", (sha256,)).fetchone()
            if row is None:
                raise StoreError(f"file {sha256!r:.80} is not in the download queue")
            if row[0] in ("done", "cancelled"):
                return Changes()
            conn.execute(
                "UPDATE downloads SET state = 'cancelled', updated = ? WHERE sha256 = ?",
                (utc_now(), sha256),
            )
        return Changes(downloads=True)

    def mark_file_cached(self, sha256: str, size: int, relpath: str) -> Changes:
        """Record a verified file in the cache; its queue row (if any) becomes "done".

        ``relpath`` is relative to the files folder. Resources whose files are now all
        cached get the "downloaded" facet, and are reported in ``Changes.resources``.
        """
        _check_sha(sha256)
        path = clean_relpath(relpath)
        if type(size) is not int or size < 0:
            raise StoreError(f"file size {size!r:.40} is not a byte count")
        now = utc_now()
        with self._write(catalog=True) as conn:
            conn.execute(
                "INSERT INTO files_cache (sha256, size, path, completed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, path = excluded.path, "
                "completed = excluded.completed",
                (sha256, size, path, now),
            )
            conn.execute(
                "UPDATE downloads SET state = 'done', bytes_done = ?, error = '', "
                "error_code = '', error_params = '{}', updated = ? "
                "WHERE sha256 = ?",
                (size, now, sha256),
            )
            affected = [r[0] for r in conn.execute(
                "SELECT res FROM resource_files WHERE instr(shas, ?) > 0", (sha256,)
            )]
            flipped = self._refresh_downloaded(conn, affected)
        return Changes(catalog=bool(flipped), resources=flipped, downloads=True)

    def mark_files_cached(self, files: Iterable[tuple[str, int, str]]) -> Changes:
        """``mark_file_cached`` for many ``(sha256, size, relpath)`` in one transaction (a USB
        bundle brings hundreds of files; one durable commit each would dominate the import)."""
        rows = []
        for sha256, size, relpath in files:
            _check_sha(sha256)
            if type(size) is not int or size < 0:
                raise StoreError(f"file size {size!r:.40} is not a byte count")
            rows.append((sha256, size, clean_relpath(relpath)))
        if not rows:
            return Changes()
        now = utc_now()
        with self._write(catalog=True) as conn:
            conn.executemany(
                "INSERT INTO files_cache (sha256, size, path, completed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, path = excluded.path, "
                "completed = excluded.completed", [(*r, now) for r in rows])
            conn.executemany(
                "UPDATE downloads SET state = 'done', bytes_done = ?, error = '', "
                "error_code = '', error_params = '{}', updated = ? "
                "WHERE sha256 = ?", [(size, now, sha) for sha, size, _ in rows])
            shas = {sha for sha, _, _ in rows}
            affected = [res for res, listed in conn.execute("SELECT res, shas FROM resource_files")
                        if not shas.isdisjoint(listed.split())]
            flipped = self._refresh_downloaded(conn, affected)
        return Changes(catalog=bool(flipped), resources=flipped, downloads=True)

    def remove_cached_files(self, sha256s: Iterable[str] | None = None) -> list[str]:
        """Forget cached files (all of them by default) to free space.

        Returns the relative paths removed from the table: the caller deletes those files.
        Their "done" queue rows go too, so the files can be queued again later.
        """
        with self._write(catalog=True) as conn:
            if sha256s is None:
                removed = conn.execute("SELECT sha256, path FROM files_cache").fetchall()
            else:
                removed = conn.execute(
                    "SELECT sha256, path FROM files_cache "
                    "WHERE sha256 IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(sha256s)),),
                ).fetchall()
            if not removed:
                return []
            gone = {sha for sha, _ in removed}
            affected = [res for res, shas in conn.execute("SELECT res, shas FROM resource_files")
                        if not gone.isdisjoint(shas.split())]
            shas = json.dumps(sorted(gone))
            conn.execute("DELETE FROM files_cache WHERE sha256 IN (SELECT value FROM json_each(?))",
                         (shas,))
            conn.execute("DELETE FROM downloads WHERE state = 'done' "
                         "AND sha256 IN (SELECT value FROM json_each(?))", (shas,))
            self._refresh_downloaded(conn, affected)
        return [path for _, path in removed]

    def _refresh_downloaded(self, conn: sqlite3.Connection, rowids: list[int]) -> frozenset[str]:
        """Recompute the 'downloaded' facet of some resources; returns ids that flipped."""
        if not rowids:
            return frozenset()
        mark = self._facets.ids(conn, [DOWNLOADED_PAIR])[DOWNLOADED_PAIR]
        add: list[int] = []
        drop: list[int] = []
        for res, want, have in conn.execute(
            """SELECT r.rowid,
                      json_array_length(r.files) > 0 AND NOT EXISTS (
                          SELECT 1 FROM json_each(r.files) f WHERE NOT EXISTS (
                              SELECT 1 FROM files_cache c
                              WHERE c.sha256 = json_extract(f.value, '$.sha256'))),
                      EXISTS (SELECT 1 FROM resource_facets d
                              WHERE d.res = r.rowid AND d.value_id = ?)
               FROM resources r WHERE r.rowid IN (SELECT value FROM json_each(?))""",
            (mark, json.dumps(rowids)),
        ):
            if want and not have:
                add.append(res)
            elif have and not want:
                drop.append(res)
        self._facets.set_downloaded(conn, add, drop)
        flipped = add + drop
        if not flipped:
            return frozenset()
        self._bump_generation(conn)
        return frozenset(row[0] for row in conn.execute(
            "SELECT id FROM resources WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(flipped),),
        ))
