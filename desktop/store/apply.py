"""Writing the catalog: pages of changes from sync, resets, and search reindexing.

A page is applied in one transaction together with its cursor, idempotently: a record
is written only when its version is newer than the stored one, so a replayed page
changes nothing and reports nothing.

>>> from pathlib import Path; import tempfile
>>> from protocol.wire import Rec
>>> from desktop.store import Store
>>> store = Store(Path(tempfile.mkdtemp()) / "okno.sqlite3")
>>> data = {"id": "r1", "title": "Квадратное уравнение", "description": "", "authors": [],
...         "subjects": ["Алгебра"], "grades": [8], "type": "lesson", "language": "ru",
...         "license": "", "keywords": [], "collections": [], "files": [],
...         "created": "2024-01-01", "modified": "2024-01-01", "version": 1}
>>> page = [Rec("catalog", "resource", "r1", 1, 7, data)]
>>> store.apply_page("catalog", page, 7, "portal-a").resources
frozenset({'r1'})
>>> bool(store.apply_page("catalog", page, 7, "portal-a"))
False
>>> store.close()
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from desktop.store.base import WriterBase
from desktop.store.db import utc_now
from desktop.store.errors import StoreError
from desktop.store.facets import FacetWriter, facet_pairs
from desktop.store.indexing import (
    TERM_COLUMNS,
    dumps,
    json_files,
    json_ints,
    json_texts,
    resource_terms,
    stored_terms,
    terms_version,
)
from desktop.store.text import sort_key
from desktop.store.types import Changes
from protocol.community import STREAM_KINDS as COMMUNITY_STREAM_KINDS
from protocol.community import stream_family
from protocol.wire import (
    CATALOG_STREAM,
    KIND_COLLECTION,
    KIND_RESOURCE,
    Rec,
    Tombstone,
)

Item = Rec | Tombstone

# Streams this store keeps tables for. Community and private streams get their own
# tables (and appear here) when they exist.
STORED_STREAMS = frozenset({CATALOG_STREAM})
STREAM_KINDS = {CATALOG_STREAM: frozenset({KIND_RESOURCE, KIND_COLLECTION})}


class _Stored(NamedTuple):
    """What the page's planning needs to know about a row already in the database."""

    rowid: int
    version: int
    seq: int
    terms_row: tuple = ()  # TERM_COLUMNS, to recompute what the search index holds


@dataclass
class _Plan:
    """What one page does to one kind, decided before any write."""

    upserts: list[Rec] = field(default_factory=list)
    seq_only: list[tuple[int, str]] = field(default_factory=list)  # same version, newer seq
    deletes: list[Tombstone] = field(default_factory=list)  # existing rows to remove
    tombstones: list[Tombstone] = field(default_factory=list)  # tombstone rows to write
    revived: list[str] = field(default_factory=list)  # ids whose tombstone row goes


def _plan(items: Iterable[Item], stored: dict[str, _Stored], tombs: dict[str, int]) -> _Plan:
    plan = _Plan()
    for item in items:
        tomb_seq = tombs.get(item.id)
        old = stored.get(item.id)
        if isinstance(item, Rec):
            if tomb_seq is not None and tomb_seq > item.seq:
                continue  # deleted after this version was logged
            if old is not None and item.version <= old.version:
                if item.version == old.version and item.seq > old.seq:
                    plan.seq_only.append((item.seq, item.id))
                continue
            plan.upserts.append(item)
            if tomb_seq is not None:
                plan.revived.append(item.id)
        else:
            if old is not None and old.seq > item.seq:
                continue  # re-created after this delete
            if old is not None:
                plan.deletes.append(item)
            if tomb_seq is None or item.seq > tomb_seq:
                plan.tombstones.append(item)
    return plan


def _latest(items: Sequence[Item]) -> dict[str, dict[str, Item]]:
    """Per kind, the last word on each id within a page (highest seq; later wins ties)."""
    out: dict[str, dict[str, Item]] = {}
    for item in items:
        by_id = out.setdefault(item.kind, {})
        prev = by_id.get(item.id)
        if prev is None or item.seq >= prev.seq:
            by_id[item.id] = item
    return out


_IN_JSON = "(SELECT value FROM json_each(?))"

_RESOURCE_FIELDS = (
    "id, title, description, authors, subjects, grades, type, language, license, keywords, "
    "collections, files, created, modified, version, seq, title_sort"
)
_INSERT_RESOURCE = (
    f"INSERT INTO resources (rowid, {_RESOURCE_FIELDS}) VALUES ({', '.join('?' * 18)})"
)
_UPDATE_RESOURCE = (
    "UPDATE resources SET "
    + ", ".join(f"{name.strip()} = ?" for name in _RESOURCE_FIELDS.split(","))
    + " WHERE rowid = ?"
)
_FTS_INSERT = "INSERT INTO resources_fts (rowid, title_terms, body_terms) VALUES (?, ?, ?)"
# A contentless FTS5 table forgets a row only when told the text it indexed for it.
_FTS_DELETE = (
    "INSERT INTO resources_fts (resources_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', ?, ?, ?)"
)
_UPSERT_TOMBSTONE = (
    "INSERT INTO {schema}.tombstones (stream, kind, id, seq) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (stream, kind, id) DO UPDATE SET seq = excluded.seq"
)


def _tombstones(conn: sqlite3.Connection, stream: str, kind: str, ids_json: str,
                schema: str = "main") -> dict:
    return dict(conn.execute(
        f"SELECT id, seq FROM {schema}.tombstones WHERE stream = ? AND kind = ? "
        f"AND id IN {_IN_JSON}",
        (stream, kind, ids_json),
    ))


def _write_tombstones(conn: sqlite3.Connection, stream: str, kind: str, plan: _Plan,
                      schema: str = "main") -> None:
    if plan.tombstones:
        conn.executemany(_UPSERT_TOMBSTONE.format(schema=schema),
                         [(stream, kind, t.id, t.seq) for t in plan.tombstones])
    if plan.revived:
        conn.executemany(
            f"DELETE FROM {schema}.tombstones WHERE stream = ? AND kind = ? AND id = ?",
            [(stream, kind, i) for i in plan.revived],
        )


class _ResourcePage:
    """Applies the resource records and tombstones of one page."""

    def __init__(self, conn: sqlite3.Connection, facet_writer: FacetWriter,
                 schema: str = "main") -> None:
        self.conn = conn
        self.facets = facet_writer
        self.schema = schema  # of the catalog's tombstones

    def apply(self, stream: str, items: dict[str, Item]) -> set[str]:
        conn = self.conn
        ids_json = dumps(list(items))
        # One query for every id of the page, instead of a SELECT per record.
        stored = {
            row[1]: _Stored(row[0], row[2], row[3], row[4:])
            for row in conn.execute(
                f"SELECT rowid, id, version, seq, {TERM_COLUMNS} FROM resources "
                f"WHERE id IN {_IN_JSON}",
                (ids_json,),
            )
        }
        plan = _plan(items.values(), stored,
                     _tombstones(conn, stream, KIND_RESOURCE, ids_json, self.schema))
        if plan.deletes:
            self._delete([stored[t.id] for t in plan.deletes])
        _write_tombstones(conn, stream, KIND_RESOURCE, plan, self.schema)
        if plan.seq_only:
            conn.executemany("UPDATE resources SET seq = ? WHERE id = ?", plan.seq_only)
        if plan.upserts:
            self._upsert(plan.upserts, stored)
        return {r.id for r in plan.upserts} | {t.id for t in plan.deletes}

    def _delete(self, gone: list[_Stored]) -> None:
        conn = self.conn
        conn.executemany(_FTS_DELETE, [(s.rowid, *stored_terms(s.terms_row)) for s in gone])
        self.facets.remove(conn, [s.rowid for s in gone])
        # resource_files rows go by ON DELETE CASCADE.
        conn.executemany("DELETE FROM resources WHERE rowid = ?", [(s.rowid,) for s in gone])

    def _upsert(self, recs: list[Rec], stored: dict[str, _Stored]) -> None:
        conn = self.conn
        all_sha = [f["sha256"] for r in recs for f in r.data.get("files", ())]
        cached: set[str] = set()
        if all_sha:
            cached = {row[0] for row in conn.execute(
                f"SELECT sha256 FROM files_cache WHERE sha256 IN {_IN_JSON}", (dumps(all_sha),)
            )}
        next_rowid = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM resources").fetchone()[0]

        inserts: list[tuple] = []
        updates: list[tuple] = []
        fts_delete: list[tuple] = []
        fts_insert: list[tuple] = []
        refreshed: list[int] = []  # updated rows whose facets and file links are rewritten
        facet_rows: list[tuple[int, set]] = []
        file_rows: list[tuple[int, str]] = []
        for rec in recs:
            d = rec.data
            old = stored.get(rec.id)
            if old is None:
                rowid = next_rowid
                next_rowid += 1
            else:
                rowid = old.rowid
            try:
                title_terms, body_terms = resource_terms(d)
                files = d.get("files", [])
                shas = {f["sha256"] for f in files}
                values = (
                    rec.id, d["title"], d.get("description", ""),
                    json_texts(d.get("authors", [])), json_texts(d.get("subjects", [])),
                    json_ints(d.get("grades", [])), d["type"], d.get("language", ""),
                    d.get("license", ""), json_texts(d.get("keywords", [])),
                    json_texts(d.get("collections", [])), json_files(files),
                    d.get("created", ""), d.get("modified", ""), rec.version, rec.seq,
                    sort_key(d["title"]),
                )
            except (KeyError, TypeError, AttributeError) as exc:
                raise StoreError(
                    f"resource {rec.id} has malformed data ({exc.__class__.__name__}: {exc}); "
                    "the page was not applied"
                ) from None
            if old is None:
                inserts.append((rowid, *values))
                fts_insert.append((rowid, title_terms, body_terms))
            else:
                updates.append((*values, rowid))
                refreshed.append(rowid)
                old_terms = stored_terms(old.terms_row)
                # A new version with the same text (say, a new file) leaves the index alone.
                if old_terms != (title_terms, body_terms):
                    fts_delete.append((rowid, *old_terms))
                    fts_insert.append((rowid, title_terms, body_terms))
            facet_rows.append((rowid, facet_pairs(d, bool(shas) and shas <= cached)))
            if shas:
                file_rows.append((rowid, " ".join(sorted(shas))))

        if refreshed:
            self.facets.remove(conn, refreshed)
            conn.execute(f"DELETE FROM resource_files WHERE res IN {_IN_JSON}", (dumps(refreshed),))
        if fts_delete:
            conn.executemany(_FTS_DELETE, fts_delete)
        if updates:
            conn.executemany(_UPDATE_RESOURCE, updates)
        if inserts:
            conn.executemany(_INSERT_RESOURCE, inserts)
        conn.executemany(_FTS_INSERT, fts_insert)
        self.facets.add(conn, facet_rows)
        conn.executemany("INSERT INTO resource_files (res, shas) VALUES (?, ?)", file_rows)


def _apply_collections(conn: sqlite3.Connection, stream: str, items: dict[str, Item],
                       schema: str = "main") -> bool:
    ids_json = dumps(list(items))
    stored = {
        cid: _Stored(0, version, seq)
        for cid, version, seq in conn.execute(
            f"SELECT id, version, seq FROM collections WHERE id IN {_IN_JSON}", (ids_json,)
        )
    }
    plan = _plan(items.values(), stored,
                 _tombstones(conn, stream, KIND_COLLECTION, ids_json, schema))
    if plan.deletes:
        conn.executemany("DELETE FROM collections WHERE id = ?", [(t.id,) for t in plan.deletes])
    _write_tombstones(conn, stream, KIND_COLLECTION, plan, schema)
    if plan.seq_only:
        conn.executemany("UPDATE collections SET seq = ? WHERE id = ?", plan.seq_only)
    if plan.upserts:
        conn.executemany(
            "INSERT INTO collections (id, parent_id, title, description, kind, position, "
            "created, modified, version, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, "
            "title = excluded.title, description = excluded.description, kind = excluded.kind, "
            "position = excluded.position, created = excluded.created, "
            "modified = excluded.modified, version = excluded.version, seq = excluded.seq",
            [
                (r.id, r.data.get("parent_id"), r.data["title"], r.data.get("description", ""),
                 r.data["kind"], r.data.get("position", 0), r.data.get("created", ""),
                 r.data.get("modified", ""), r.version, r.seq)
                for r in plan.upserts
            ],
        )
    return bool(plan.upserts or plan.deletes)


def _stream_kinds(stream: str) -> frozenset[str] | None:
    """The kinds a stored stream carries: the catalog, or a community stream family."""
    if stream in STORED_STREAMS:
        return STREAM_KINDS[stream]
    family = stream_family(stream)
    if family in COMMUNITY_STREAM_KINDS:
        return frozenset(COMMUNITY_STREAM_KINDS[family])
    return None


def _check_page(stream: str, items: Sequence[Item], cursor: int) -> None:
    """Refuse a malformed page before the transaction starts."""
    kinds = _stream_kinds(stream)
    if kinds is None:
        raise StoreError(f"this replica does not keep the stream {stream!r:.60}")
    if type(cursor) is not int or cursor < 0:
        raise StoreError(f"the page cursor must be a non-negative integer, got {cursor!r:.60}")
    for item in items:
        if not isinstance(item, Rec | Tombstone):
            raise StoreError(f"a page may hold only records and tombstones, got {item!r:.80}")
        if item.stream != stream:
            raise StoreError(f"record {item.id} belongs to stream {item.stream!r:.60}, "
                             f"not to the page's stream {stream!r}")
        if item.kind not in kinds:
            raise StoreError(f"record {item.id} has a kind {item.kind!r:.40} "
                             f"that the {stream} stream does not carry")
        if item.seq > cursor:
            raise StoreError(f"record {item.id} has seq {item.seq}, beyond the page's cursor "
                             f"{cursor}; the page is inconsistent and was not applied")
        if isinstance(item, Rec) and (item.data.get("id") != item.id
                                      or item.data.get("version") != item.version):
            raise StoreError(f"record {item.id} disagrees with its own data about id or version")


class CatalogWrites(WriterBase):
    """apply_page / reset_catalog / set_portal_id / reindex_search (writer only)."""

    def apply_page(
        self, stream: str, items: Sequence[Item], cursor: int, portal_id: str
    ) -> Changes:
        """Apply one page and store its cursor, all or nothing.

        Refuses (``StoreError``, nothing applied) a cursor behind the stored one, a record
        whose seq is beyond the cursor, and a page from a portal other than the stored one.
        """
        _check_page(stream, items, cursor)
        schema = self._schema(stream)
        portal_key = "portal_id" if schema == self._cat else "community_portal_id"
        with self._write(durable=False, catalog=stream == CATALOG_STREAM) as conn:
            stored_portal = self._meta(portal_key)
            if stored_portal is None and portal_key != "portal_id":
                stored_portal = self._meta("portal_id")
            if stored_portal is not None and stored_portal != portal_id:
                raise StoreError(
                    f"the page comes from portal {portal_id!r:.80}, but this replica holds "
                    f"portal {stored_portal!r:.80}; reset the catalog before switching portals"
                )
            row = conn.execute(f"SELECT seq FROM {schema}.cursors WHERE stream = ?",
                               (stream,)).fetchone()
            stored_cursor = row[0] if row else 0
            if cursor < stored_cursor:
                raise StoreError(
                    f"the page's cursor {cursor} is behind the stored cursor {stored_cursor} "
                    f"for stream {stream!r}; the page was not applied"
                )
            latest = _latest(items)
            if stream != CATALOG_STREAM:
                from desktop.store.community_apply import apply_community  # needs this module

                community = apply_community(conn, stream, latest, cursor)
                sync_state = row is None or cursor != stored_cursor or stored_portal is None
                self._store_cursor(conn, stream, cursor, portal_id, sync_state)
                return community | Changes(sync_state=sync_state)
            changed: set[str] = set()
            catalog = False
            if KIND_RESOURCE in latest:
                changed = _ResourcePage(conn, self._facets, schema).apply(
                    stream, latest[KIND_RESOURCE])
                catalog = bool(changed)
            if KIND_COLLECTION in latest:
                catalog = _apply_collections(conn, stream, latest[KIND_COLLECTION],
                                             schema) or catalog
            sync_state = row is None or cursor != stored_cursor or stored_portal is None
            self._store_cursor(conn, stream, cursor, portal_id, sync_state)
            if catalog:
                self._bump_generation(conn)
        return Changes(catalog=catalog, resources=frozenset(changed), sync_state=sync_state)

    def _store_cursor(self, conn: sqlite3.Connection, stream: str, cursor: int,
                      portal_id: str, changed: bool) -> None:
        if changed:
            schema = self._schema(stream)
            if schema == self._cat:
                self._set_meta(conn, "portal_id", portal_id)
            else:  # a lab user's community streams: their portal is noted in their own file
                self._set_meta(conn, "community_portal_id", portal_id)
            conn.execute(
                f"INSERT INTO {schema}.cursors (stream, seq, portal_id, updated) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, "
                "portal_id = excluded.portal_id, updated = excluded.updated",
                (stream, cursor, portal_id, utc_now()),
            )

    def reset_catalog(self, portal_id: str) -> Changes:
        """Forget the whole catalog and its cursor (a resync, or another portal).

        Downloaded files stay cached: they are addressed by content, so the new catalog's
        resources find them again when their pages arrive.
        """
        with self._write(catalog=True) as conn:
            ids = frozenset(row[0] for row in conn.execute("SELECT id FROM resources"))
            conn.execute("INSERT INTO resources_fts (resources_fts) VALUES ('delete-all')")
            self._facets.clear(conn)
            conn.execute("DELETE FROM resource_files")
            conn.execute("DELETE FROM resources")
            conn.execute("DELETE FROM collections")
            conn.execute(f"DELETE FROM {self._cat}.tombstones "
                         "WHERE stream IN (SELECT value FROM json_each(?))",
                         (dumps(sorted(STORED_STREAMS)),))
            conn.execute(f"DELETE FROM {self._cat}.cursors")
            self._set_meta(conn, "portal_id", portal_id)
            self._bump_generation(conn)
        return Changes(catalog=True, resources=ids, sync_state=True)

    def set_portal_id(self, portal_id: str) -> Changes:
        """Remember which portal this replica follows (first contact).

        Refuses to relabel data that came from another portal: use ``reset_catalog``.
        """
        if self._cat != "main" and not self._library_writable:
            return self._set_community_portal(portal_id)
        with self._write(catalog=True) as conn:
            current = self._meta("portal_id")
            if current == portal_id:
                return Changes()
            if current is not None and conn.execute(
                    f"SELECT 1 FROM {self._cat}.cursors").fetchone():
                raise StoreError(
                    f"this replica holds data from portal {current!r:.80}; "
                    "reset the catalog before following another portal"
                )
            self._set_meta(conn, "portal_id", portal_id)
        return Changes(sync_state=True)

    def _set_community_portal(self, portal_id: str) -> Changes:
        """set_portal_id for a lab user who may not write the shared library."""
        with self._write() as conn:
            if self._meta("community_portal_id") == portal_id:
                return Changes()
            self._set_meta(conn, "community_portal_id", portal_id)
        return Changes(sync_state=True)

    def reindex_search(self) -> int:
        """Recompute search terms and sort keys of every resource and rebuild the index.

        Needed when the text rules or the stemmer change (``indexing.terms_version``): the
        contentless index can only forget a row given the exact terms it indexed. The Store
        does it on open when the stored version differs. Returns the rows reindexed.
        """
        with self._write(catalog=True) as conn:
            conn.execute("INSERT INTO resources_fts (resources_fts) VALUES ('delete-all')")
            sort_keys = []
            fts_rows = []
            for row in conn.execute(f"SELECT rowid, {TERM_COLUMNS} FROM resources"):
                sort_keys.append((sort_key(row[1]), row[0]))
                fts_rows.append((row[0], *stored_terms(row[1:])))
            conn.executemany("UPDATE resources SET title_sort = ? WHERE rowid = ?", sort_keys)
            conn.executemany(_FTS_INSERT, fts_rows)
            self._set_meta(conn, "text_version", terms_version())
            self._bump_generation(conn)
        return len(fts_rows)
