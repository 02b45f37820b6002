"""Reading the catalog: sync cursors, rows for lazy lists, full resources, counts.

>>> from pathlib import Path; import tempfile
>>> from desktop.store import Store
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> store.cursor("catalog"), store.rows([]), store.get_resource("missing")
(0, [], None)
>>> store.close()
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from desktop.store.base import ReaderBase
from desktop.store.downloads import ACTIVE

_ROW_SQL = """
SELECT r.rowid, r.id, r.title, r.type, r.subjects, r.grades,
       EXISTS (SELECT 1 FROM resource_facets f WHERE f.res = r.rowid AND f.value_id =
               (SELECT id FROM facet_values WHERE facet = 'downloaded' AND value = '1'))
FROM resources r WHERE r.rowid IN (SELECT value FROM json_each(?))
"""

_JSON_FIELDS = ("authors", "subjects", "grades", "keywords", "collections", "files")


class CatalogReads(ReaderBase):
    def cursor(self, stream: str) -> int:
        """The stored cursor of ``stream``; 0 before the first page."""
        row = self._conn.execute(f"SELECT seq FROM {self._schema(stream)}.cursors "
                                 "WHERE stream = ?", (stream,)).fetchone()
        return row[0] if row else 0

    def cursors(self) -> dict[str, int]:
        if self._cat == "main":
            return dict(self._conn.execute("SELECT stream, seq FROM cursors ORDER BY stream"))
        # A lab: the catalog's cursor is the shared library's, the rest are this user's.
        return dict(self._conn.execute(
            "SELECT stream, seq FROM main.cursors WHERE stream != 'catalog' UNION ALL "
            f"SELECT stream, seq FROM {self._cat}.cursors WHERE stream = 'catalog' "
            "ORDER BY stream"))

    def portal_id(self) -> str | None:
        """Which portal this replica follows, or None before the first contact."""
        return self._meta("portal_id")

    def rows(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        """Light rows for a lazy list, in the order asked; rowids gone meanwhile are skipped.

        ``store.rows([12, 7])`` -> ``[{"rowid": 12, "id": ..., "title": ..., "type": ...,
        "subjects": [...], "grades": [...], "downloaded": False}, ...]``
        """
        if not rowids:
            return []
        found = {}
        for rowid, rid, title, rtype, subjects, grades, downloaded in self._conn.execute(
            _ROW_SQL, (json.dumps(list(rowids)),)
        ):
            found[rowid] = {
                "rowid": rowid, "id": rid, "title": title, "type": rtype,
                "subjects": json.loads(subjects), "grades": json.loads(grades),
                "downloaded": bool(downloaded),
            }
        return [found[r] for r in rowids if r in found]

    def get_resource(self, key: str | int) -> dict[str, Any] | None:
        """Everything about one resource (by id or rowid), with each file's local state.

        Each file gets ``cached`` (bool), ``path`` (relative to the files folder, or None),
        ``download`` (``{"state", "bytes_done", "error"}`` or None) and ``state``: "done"
        when cached, else the queue state, else "".
        """
        by = "rowid" if isinstance(key, int) else "id"
        cur = self._conn.execute(
            "SELECT rowid, id, title, description, authors, subjects, grades, type, language, "
            "license, keywords, collections, files, created, modified, version, seq "
            f"FROM resources WHERE {by} = ?",
            (key,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        res = dict(zip([c[0] for c in cur.description], row, strict=True))
        for name in _JSON_FIELDS:
            res[name] = json.loads(res[name])
        shas = json.dumps([f["sha256"] for f in res["files"]])
        cached = dict(self._conn.execute(
            "SELECT sha256, path FROM files_cache WHERE sha256 IN (SELECT value FROM json_each(?))",
            (shas,),
        ))
        downloads = {
            sha: {"state": state, "bytes_done": done, "error": error}
            for sha, state, done, error in self._conn.execute(
                "SELECT sha256, state, bytes_done, error FROM downloads "
                "WHERE sha256 IN (SELECT value FROM json_each(?))",
                (shas,),
            )
        }
        for f in res["files"]:
            f["cached"] = f["sha256"] in cached
            f["path"] = cached.get(f["sha256"])
            f["download"] = downloads.get(f["sha256"])
            f["state"] = "done" if f["cached"] else (f["download"] or {}).get("state", "")
        res["downloaded"] = bool(res["files"]) and all(f["cached"] for f in res["files"])
        titles = dict(self._conn.execute(
            "SELECT id, title FROM collections WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(res["collections"]),),
        ))
        res["collection_titles"] = [titles.get(c, c) for c in res["collections"]]
        return res

    def counts(self) -> dict[str, Any]:
        """Summary numbers for the status bar and ``okno status``."""
        one = self._conn.execute
        pending = dict(one(
            "SELECT state, count(*) FROM downloads GROUP BY state"
        ).fetchall())
        files, cache_bytes = one(
            "SELECT count(*), coalesce(sum(size), 0) FROM files_cache"
        ).fetchone()
        return {
            "resources": self._cached(
                "resource_count", lambda: one("SELECT count(*) FROM resources").fetchone()[0]
            ),
            "collections": one("SELECT count(*) FROM collections").fetchone()[0],
            "downloaded_files": files,
            "cache_bytes": cache_bytes,
            "pending_downloads": sum(pending.get(s, 0) for s in ACTIVE),
            "failed_downloads": pending.get("failed", 0),
            "cursors": self.cursors(),
        }

    def collections(self) -> list[dict[str, Any]]:
        """All collections (parents and children; build the tree from parent_id), each with
        ``resources``: how many resources are in it."""
        cur = self._conn.execute(
            "SELECT c.id, c.parent_id, c.title, c.description, c.kind, c.position, c.version, "
            "c.seq, coalesce(t.n, 0) AS resources FROM collections c "
            "LEFT JOIN facet_values t ON t.facet = 'collection' AND t.value = c.id "
            "ORDER BY c.parent_id IS NOT NULL, c.parent_id, c.position, c.title"
        )
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]
