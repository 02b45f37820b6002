"""Sync history: one row per sync attempt, for the status page and troubleshooting.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store, SyncRecord
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.record_sync(SyncRecord("2024-05-01T20:00:00Z", "2024-05-01T20:01:10Z", True, 120))
>>> store.last_sync().records
120
>>> store.close()
"""

from __future__ import annotations

import json

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.types import SyncRecord

# Enough for months of nightly syncs; older rows are pruned when a new one is recorded.
KEEP_ROWS = 1000
_COLUMNS = "started, finished, ok, records, bytes_wire, round_trips, message, details"


# The key of ``details`` that holds SyncRecord.error_code and error_params (no schema change).
ERROR_KEY = "error_category"


def _record(row: tuple) -> SyncRecord:
    started, finished, ok, records, bytes_wire, round_trips, message, details = row
    extra = json.loads(details)
    error = extra.get(ERROR_KEY) if isinstance(extra, dict) else None
    code, params = "", {}
    if isinstance(error, dict) and "code" in error:
        del extra[ERROR_KEY]
        code = str(error.get("code") or "")
        params = error.get("params") if isinstance(error.get("params"), dict) else {}
    return SyncRecord(started, finished, bool(ok), records, bytes_wire, round_trips, message,
                      extra, code, params)


class HistoryReads(ReaderBase):
    def sync_history(self, limit: int = 50) -> list[SyncRecord]:
        """The most recent syncs first."""
        return [_record(row) for row in self._conn.execute(
            f"SELECT {_COLUMNS} FROM sync_log ORDER BY id DESC LIMIT ?", (limit,)
        )]

    def last_sync(self) -> SyncRecord | None:
        history = self.sync_history(1)
        return history[0] if history else None


class HistoryWrites(WriterBase):
    def record_sync(self, record: SyncRecord) -> None:
        """Append one sync attempt; ``details`` must be JSON-able (other values become text)."""
        extra = dict(record.details)
        if record.error_code:
            extra[ERROR_KEY] = {"code": record.error_code,
                                "params": {str(k): str(v) for k, v in record.error_params.items()}}
        details = json.dumps(extra, ensure_ascii=False, default=str)
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO sync_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.started, record.finished, int(bool(record.ok)), record.records,
                 record.bytes_wire, record.round_trips, record.message, details),
            )
            conn.execute(
                "DELETE FROM sync_log WHERE id <= (SELECT max(id) FROM sync_log) - ?",
                (KEEP_ROWS,),
            )
