"""What a replica needs to serve its catalog to other machines (a lab hub).

The replica keeps the portal's ``seq`` on every row and its tombstones, so "everything after
cursor c" can be read back from it. What it cannot know by itself is how far back its log
is complete: a replica that started from a snapshot at cursor S never saw the deletions
before S. That point (its *horizon*, as in docs/protocol.md) is recorded when the replica
starts fresh, tagged with the portal it belongs to.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.serving_horizon("p1") is None
True
>>> _ = store.set_serving_horizon("p1", 42)
>>> store.serving_horizon("p1"), store.serving_horizon("p2")
(42, None)
>>> store.close()
"""

from __future__ import annotations

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.db import utc_now
from desktop.store.types import Changes

HORIZON_KEY = "serving_horizon"


class ServingReads(ReaderBase):
    def serving_horizon(self, portal_id: str) -> int | None:
        """The lowest cursor (above 0) this replica's log can bring up to date, or None when
        unknown (an older replica, or one of another portal)."""
        raw = self._meta(HORIZON_KEY)
        if not raw or "|" not in raw:
            return None
        tag, _, value = raw.rpartition("|")
        if tag != portal_id or not value.isdigit():
            return None
        return int(value)


class ServingWrites(ServingReads, WriterBase):
    def set_serving_horizon(self, portal_id: str, horizon: int) -> Changes:
        """Record where this replica's copy of the log begins (called when it starts fresh)."""
        with self._write(catalog=True) as conn:  # the shared library in a lab
            self._set_meta(conn, HORIZON_KEY, f"{portal_id}|{max(0, int(horizon))}")
        return Changes()

    def queue_all_files(self) -> Changes:
        """Queue every file of every resource that is not cached yet (filling a lab PC or a
        hub with the whole library), in one transaction."""
        with self._write(catalog=True) as conn:
            now = utc_now()
            changed = conn.execute(
                "INSERT INTO downloads (sha256, resource_id, name, mime, size, state, "
                "bytes_done, error, added, updated) "
                "SELECT json_extract(f.value, '$.sha256'), r.id, json_extract(f.value, '$.name'), "
                "json_extract(f.value, '$.mime'), json_extract(f.value, '$.size'), 'queued', 0, "
                "'', ?, ? FROM resources r, json_each(r.files) f "
                "WHERE json_extract(f.value, '$.sha256') NOT IN (SELECT sha256 FROM files_cache) "
                "ORDER BY r.seq "
                "ON CONFLICT (sha256) DO UPDATE SET state = 'queued', error = '', "
                "error_code = '', error_params = '{}', updated = excluded.updated, "
                "bytes_done = CASE WHEN downloads.state = 'done' THEN 0 ELSE bytes_done END "
                "WHERE downloads.state NOT IN ('queued', 'downloading')",
                (now, now),
            ).rowcount
        return Changes(downloads=changed > 0)
