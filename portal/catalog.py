"""The portal's catalog: collections, resources and their files, with the change log.

Every write allocates a ``seq`` in its own transaction (see :func:`portal.db.allocate_seqs`)
and replaces the entity's single change-log row, so a client following the log from a cursor
sees each entity once, at its latest version, in commit order.

>>> store = PortalStore.open(Path("/tmp/portal"))
>>> store.publish_collection({"id": "math", "title": "Математика", "kind": "subject"})["version"]
1
>>> store.publish_resource({"id": "r1", "title": "Дроби", "type": "lesson", "language": "ru",
...                         "grades": [5], "collections": ["math"]},
...                        files=[("drobi.pdf", "application/pdf", b"%PDF-1.4 ...")])["version"]
1
>>> store.head("catalog")
2
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from portal import db
from portal.blobs import BlobStore
from protocol.wire import (
    CATALOG_STREAM,
    KIND_COLLECTION,
    KIND_RESOURCE,
    KNOWN_STREAMS,
    ProtocolError,
    del_line,
    dumps,
    validate_collection,
    validate_resource,
)

SERVER_FIELDS = frozenset({"version", "created", "modified"})
COLLECTION_FIELDS = frozenset({"id", "parent_id", "title", "description", "kind", "position"})
RESOURCE_FIELDS = frozenset({
    "id", "title", "description", "authors", "subjects", "grades", "type", "language",
    "license", "keywords", "collections", "files",
})
RESOURCE_JSON_COLUMNS = ("authors", "subjects", "grades", "keywords", "collections")
BULK_BATCH = 2000  # rows per transaction; also keeps IN (...) lists under SQLite's limits
DEFAULT_MIME = "application/octet-stream"

AttachedFile = tuple[str, str, bytes | str | os.PathLike[str]]


@dataclass(frozen=True, slots=True)
class Change:
    """One change-log row: an entity at its latest version, or its tombstone."""

    seq: int
    kind: str
    entity_id: str
    version: int
    deleted: bool
    payload: str | None

    def line(self, stream: str) -> bytes:
        """The NDJSON line a sync response sends, byte for byte what ``protocol.wire`` makes.

        The stored payload already is the JSON of ``d``: splicing it in avoids parsing and
        re-serializing every record of a sync or a snapshot.
        """
        if self.deleted or self.payload is None:
            return dumps(del_line(stream, self.kind, self.entity_id, self.seq))
        head = json.dumps(
            {"t": "rec", "s": stream, "k": self.kind, "id": self.entity_id, "v": self.version,
             "seq": self.seq},
            ensure_ascii=False, separators=(",", ":"),
        )
        return f'{head[:-1]},"d":{self.payload}}}\n'.encode()


@dataclass(frozen=True, slots=True)
class BulkResult:
    collections: int
    resources: int
    blobs: int
    head: int


def _payload(d: Mapping[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def validated(validator: Any, d: dict[str, Any]) -> dict[str, Any]:
    """Run a protocol validator; its complaint becomes a ValueError for admin callers."""
    try:
        return validator(d)
    except ProtocolError as exc:
        raise ValueError(str(exc)) from None


def check_fields(data: Any, allowed: frozenset[str], what: str) -> dict[str, Any]:
    """Refuse unknown fields; drop the server-owned ones (version, created, modified)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a JSON object")
    unknown = sorted(set(data) - allowed - SERVER_FIELDS)
    if unknown:
        raise ValueError(f"{what} has unknown field(s): {', '.join(unknown)}")
    # version/created/modified belong to the server: whatever the caller sent is replaced.
    return {k: v for k, v in data.items() if k not in SERVER_FIELDS}


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _collection_parents(conn: Connection) -> dict[str, str | None]:
    t = db.collections
    return {r[0]: r[1] for r in conn.execute(select(t.c.id, t.c.parent_id))}


def _check_ancestry(collection_id: str, parents: Mapping[str, str | None]) -> None:
    """Raise unless following ``parents`` up from the collection ends at a root."""
    seen = {collection_id}
    parent = parents[collection_id]
    while parent is not None:
        if parent in seen:
            raise ValueError(f"collection {collection_id!r} cannot be inside itself")
        if parent not in parents:
            raise ValueError(f"collection {collection_id!r} has an unknown parent {parent!r}")
        seen.add(parent)
        parent = parents[parent]


def _duplicates(ids: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({i for i in ids if i in seen or seen.add(i)})


class PortalStore:
    """The catalog over a SQLAlchemy engine and a data directory (blobs, snapshots)."""

    def __init__(self, engine: Engine, data_dir: str | os.PathLike[str], *,
                 owns_engine: bool = False) -> None:
        self.engine = engine
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobStore(self.data_dir / "blobs")
        self.snapshots_dir = self.data_dir / "snapshots"
        self._owns_engine = owns_engine
        db.migrate(engine)
        with engine.connect() as conn:
            self.portal_id: str = db.get_meta(conn, "portal_id") or ""

    @classmethod
    def open(cls, data_dir: str | os.PathLike[str], database: str | None = None) -> PortalStore:
        """``PortalStore.open("/srv/okno")`` uses ``/srv/okno/portal.sqlite3``."""
        path = Path(data_dir)
        engine = db.open_engine(database or path / "portal.sqlite3")
        return cls(engine, path, owns_engine=True)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> PortalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- meta ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return db.get_meta(conn, key)

    def set_meta(self, key: str, value: str) -> None:
        with db.write_transaction(self.engine) as conn:
            db.set_meta(conn, key, value)

    # ---- reading ------------------------------------------------------------------------

    def head(self, stream: str = CATALOG_STREAM) -> int:
        """The highest seq allocated in ``stream`` (0 for an empty stream)."""
        return self.stream_state(stream)[0]

    def horizon(self, stream: str = CATALOG_STREAM) -> int:
        """Cursors in ``(0, horizon)`` may have missed purged tombstones: they must resync."""
        return self.stream_state(stream)[1]

    def stream_state(self, stream: str = CATALOG_STREAM) -> tuple[int, int]:
        """``(head, horizon)`` of one stream, read together."""
        t = db.streams
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.last_seq, t.c.horizon_seq).where(t.c.name == stream)).first()
        if row is None:
            raise ValueError(f"unknown stream {stream!r}")
        return int(row[0]), int(row[1])

    def changes_since(self, stream: str, seq: int, limit: int = 1000, *,
                      upto: int | None = None, live_only: bool = False) -> list[Change]:
        """Up to ``limit`` change-log rows of ``stream`` with ``seq`` above the given one, in
        seq order; ``upto`` caps the seq, ``live_only`` skips tombstones (snapshots)."""
        c = db.changelog.c
        query = (select(c.seq, c.kind, c.entity_id, c.version, c.deleted, c.payload)
                 .where(c.stream == stream, c.seq > seq).order_by(c.seq).limit(limit))
        if upto is not None:
            query = query.where(c.seq <= upto)
        if live_only:
            query = query.where(c.deleted == False)  # noqa: E712 (SQL expression)
        with self.engine.connect() as conn:
            return [Change(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]), r[5])
                    for r in conn.execute(query)]

    def change_seq(self, kind: str, entity_id: str, stream: str = CATALOG_STREAM) -> int | None:
        """The seq of an entity's change-log row (its latest version or tombstone)."""
        c = db.changelog.c
        with self.engine.connect() as conn:
            return conn.execute(select(c.seq).where(
                c.stream == stream, c.kind == kind, c.entity_id == entity_id)).scalar()

    def _get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        c = db.changelog.c
        with self.engine.connect() as conn:
            payload = conn.execute(select(c.payload).where(
                c.stream == CATALOG_STREAM, c.kind == kind, c.entity_id == entity_id,
                c.deleted == False)).scalar()  # noqa: E712
        return None if payload is None else json.loads(payload)

    def get_resource(self, resource_id: str) -> dict[str, Any] | None:
        """The resource exactly as clients receive it (``d`` of its record), or None."""
        return self._get(KIND_RESOURCE, resource_id)

    def get_collection(self, collection_id: str) -> dict[str, Any] | None:
        return self._get(KIND_COLLECTION, collection_id)

    def file_info(self, sha256: str) -> tuple[str, int] | None:
        """``(mime, size)`` of a known blob, or None."""
        t = db.files
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.mime, t.c.size).where(t.c.sha256 == sha256)).first()
        return None if row is None else (row[0], int(row[1]))

    def counts(self) -> dict[str, int]:
        """Live entities per kind: ``{"collection": 12, "resource": 2000}``."""
        c = db.changelog.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.kind, func.count()).where(c.deleted == False)  # noqa: E712
                .group_by(c.kind))
            return {kind: int(n) for kind, n in rows}

    # ---- writing: single entities ---------------------------------------------------------

    def publish_collection(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace a collection; the server fills version, created and modified."""
        fields = check_fields(data, COLLECTION_FIELDS, "collection")
        now = db.utc_now()
        d = validated(validate_collection,
                       {**fields, "version": 1, "created": now, "modified": now})
        with db.write_transaction(self.engine) as conn:
            parents = _collection_parents(conn)
            parents[d["id"]] = d["parent_id"]
            _check_ancestry(d["id"], parents)
            self._stamp(conn, KIND_COLLECTION, [d], now)
            self._write_collections(conn, [d])
        return d

    def publish_resource(self, data: Mapping[str, Any],
                         files: Sequence[AttachedFile] = ()) -> dict[str, Any]:
        """Create or replace a resource; ``files`` are ``(name, mime, bytes or path)`` to attach
        after any ``data["files"]`` entries (which must name blobs already stored)."""
        fields = check_fields(data, RESOURCE_FIELDS, "resource")
        entries = fields.get("files", [])
        if not isinstance(entries, list):
            raise ValueError("resource.files must be a list of files")
        now = db.utc_now()
        server = {"version": 1, "created": now, "modified": now}
        # Check the fields before storing attachments, so bad input leaves no stray blobs.
        validated(validate_resource, {**fields, "files": [], **server})
        entries = [self._describe_stored(e, i) for i, e in enumerate(entries)]
        for name, mime, content in files:
            if isinstance(content, bytes):
                sha, size = self.blobs.put_bytes(content)
            else:
                sha, size = self.blobs.put_file(Path(content))
            entries.append({"sha256": sha, "name": name, "mime": mime, "size": size})
        d = validated(validate_resource, {**fields, "files": entries, **server})
        with db.write_transaction(self.engine) as conn:
            self._check_collections(conn, [d])
            self._register_files(conn, [d], {})
            self._stamp(conn, KIND_RESOURCE, [d], now)
            self._write_resources(conn, [d])
        return d

    def update_resource(self, resource_id: str, **fields: Any) -> dict[str, Any]:
        """Change some fields of a live resource: ``update_resource("r1", title="Новое")``."""
        current = self.get_resource(resource_id)
        if current is None:
            raise ValueError(f"there is no resource {resource_id!r}")
        if "id" in fields and fields["id"] != resource_id:
            raise ValueError("a resource's id cannot be changed")
        unknown = sorted(set(fields) - RESOURCE_FIELDS - SERVER_FIELDS)
        if unknown:
            raise ValueError(f"resource has unknown field(s): {', '.join(unknown)}")
        return self.publish_resource({**current, **fields})

    def delete_resource(self, resource_id: str) -> int:
        """Delete a resource and leave a tombstone; returns the tombstone's seq."""
        with db.write_transaction(self.engine) as conn:
            self._require_live(conn, KIND_RESOURCE, resource_id)
            conn.execute(delete(db.resource_files)
                         .where(db.resource_files.c.resource_id == resource_id))
            conn.execute(delete(db.resources).where(db.resources.c.id == resource_id))
            return self._tombstone(conn, KIND_RESOURCE, resource_id)

    def delete_collection(self, collection_id: str) -> int:
        """Delete an empty-of-children collection; returns the tombstone's seq.

        Resources may still list it: clients ignore collection ids they do not know.
        """
        t = db.collections
        with db.write_transaction(self.engine) as conn:
            self._require_live(conn, KIND_COLLECTION, collection_id)
            children = conn.execute(
                select(func.count()).where(t.c.parent_id == collection_id)).scalar_one()
            if children:
                raise ValueError(f"collection {collection_id!r} has {children} child "
                                 "collection(s); delete or move them first")
            conn.execute(delete(t).where(t.c.id == collection_id))
            return self._tombstone(conn, KIND_COLLECTION, collection_id)

    def purge_tombstones(self, older_than_days: float = 365) -> int:
        """Forget tombstones older than the given age and raise each stream's horizon past
        them; returns how many were purged. Clients behind the horizon get "resync"."""
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        c = db.changelog.c
        purged = 0
        with db.write_transaction(self.engine) as conn:
            for stream in sorted(KNOWN_STREAMS):
                old = and_(c.stream == stream, c.deleted == True,  # noqa: E712
                           c.changed_at <= cutoff)
                count, top = conn.execute(select(func.count(), func.max(c.seq)).where(old)).one()
                if not count:
                    continue
                conn.execute(delete(db.changelog).where(old))
                s = db.streams.c
                conn.execute(update(db.streams)
                             .where(s.name == stream, s.horizon_seq < top)
                             .values(horizon_seq=top))
                purged += int(count)
        return purged

    # ---- writing: bulk ----------------------------------------------------------------------

    def bulk_publish(self, collections: Iterable[Mapping[str, Any]],
                     resources: Iterable[Mapping[str, Any]],
                     blobs: Mapping[str, bytes] | None = None) -> BulkResult:
        """Load many entities fast: batches of :data:`BULK_BATCH` rows, one transaction and one
        seq allocation per batch. Resources' ``files`` must be full entries
        (sha256, name, mime, size) of blobs given here or stored before."""
        blobs = blobs or {}
        sizes: dict[str, int] = {}
        for sha, content in blobs.items():
            got, sizes[sha] = self.blobs.put_bytes(content)
            if got != sha:
                raise ValueError(f"blob {sha:.16}... has sha256 {got}")

        now = db.utc_now()
        cols = [validated(validate_collection, {
            **check_fields(c, COLLECTION_FIELDS, "collection"),
            "version": 1, "created": now, "modified": now}) for c in collections]
        dupes = _duplicates([c["id"] for c in cols])
        if dupes:
            raise ValueError(f"collection id(s) given twice: {', '.join(dupes[:5])}")
        with db.write_transaction(self.engine) as conn:
            parents = _collection_parents(conn)
            parents.update((c["id"], c["parent_id"]) for c in cols)
            for c in cols:
                _check_ancestry(c["id"], parents)
            known = set(parents)
            if cols:
                self._stamp(conn, KIND_COLLECTION, cols, now)
                self._write_collections(conn, cols)

        n_resources = 0
        for batch in _batched(resources, BULK_BATCH):
            ds = [validated(validate_resource, {
                **check_fields(r, RESOURCE_FIELDS, "resource"),
                "version": 1, "created": now, "modified": now}) for r in batch]
            dupes = _duplicates([d["id"] for d in ds])
            if dupes:
                raise ValueError(f"resource id(s) given twice: {', '.join(dupes[:5])}")
            for d in ds:
                missing = [c for c in d["collections"] if c not in known]
                if missing:
                    raise ValueError(f"resource {d['id']!r} is in unknown collection(s): "
                                     f"{', '.join(missing[:5])}")
            with db.write_transaction(self.engine) as conn:
                self._register_files(conn, ds, sizes)
                self._stamp(conn, KIND_RESOURCE, ds, now)
                self._write_resources(conn, ds)
            n_resources += len(ds)
        return BulkResult(len(cols), n_resources, len(blobs), self.head())

    # ---- internals --------------------------------------------------------------------------

    def _describe_stored(self, entry: Any, index: int) -> dict[str, Any]:
        """Complete a ``data["files"]`` entry from the stored blob: size from disk, mime from
        the entry or the files table."""
        what = f"resource.files[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("sha256"), str):
            raise ValueError(f"{what} must be an object with a sha256")
        sha = entry["sha256"]
        if not self.blobs.has(sha):
            raise ValueError(f"{what} names blob {sha:.64} which is not stored on the portal")
        size = self.blobs.path_for(sha).stat().st_size
        if entry.get("size", size) != size:
            raise ValueError(f"{what}.size is {entry['size']!r} but the stored blob has {size}")
        known = self.file_info(sha)
        mime = entry.get("mime") or (known[0] if known else DEFAULT_MIME)
        return {"sha256": sha, "name": entry.get("name"), "mime": mime, "size": size}

    def _register_files(self, conn: Connection, ds: Sequence[dict[str, Any]],
                        given: Mapping[str, int]) -> None:
        """Add files-table rows for every blob the resources use that is not there yet."""
        wanted: dict[str, dict[str, Any]] = {}
        for d in ds:
            for f in d["files"]:
                wanted.setdefault(f["sha256"], f)
        if not wanted:
            return
        t = db.files
        present = set(conn.execute(
            select(t.c.sha256).where(t.c.sha256.in_(list(wanted)))).scalars())
        rows = []
        for sha, f in wanted.items():
            if sha in present:
                continue
            size = given.get(sha)
            if size is None and self.blobs.has(sha):
                size = self.blobs.path_for(sha).stat().st_size
            if size is None:
                raise ValueError(f"file {f['name']!r} names blob {sha} which was not given")
            if size != f["size"]:
                raise ValueError(f"file {f['name']!r} says size {f['size']} but blob {sha:.16}... "
                                 f"has {size} bytes")
            rows.append({"sha256": sha, "mime": f["mime"], "size": size})
        if rows:
            conn.execute(insert(t), rows)

    def _check_collections(self, conn: Connection, ds: Sequence[dict[str, Any]]) -> None:
        wanted = {c for d in ds for c in d["collections"]}
        if not wanted:
            return
        t = db.collections
        found = set(conn.execute(select(t.c.id).where(t.c.id.in_(sorted(wanted)))).scalars())
        missing = sorted(wanted - found)
        if missing:
            raise ValueError(f"unknown collection(s): {', '.join(missing[:5])}")

    def _require_live(self, conn: Connection, kind: str, entity_id: str) -> None:
        c = db.changelog.c
        deleted = conn.execute(select(c.deleted).where(
            c.stream == CATALOG_STREAM, c.kind == kind, c.entity_id == entity_id)).scalar()
        if deleted is None or deleted:
            raise ValueError(f"there is no {kind} {entity_id!r}")

    def _stamp(self, conn: Connection, kind: str, ds: Sequence[dict[str, Any]],
               now: str) -> None:
        """Fill server fields in place: version continues above the previous one (even past a
        tombstone, so clients holding the old version accept the new one); ``created`` is kept
        for live entities."""
        c = db.changelog.c
        ids = [d["id"] for d in ds]
        prev = {r[0]: (int(r[1]), bool(r[2])) for r in conn.execute(
            select(c.entity_id, c.version, c.deleted).where(
                c.stream == CATALOG_STREAM, c.kind == kind, c.entity_id.in_(ids)))}
        table = db.resources if kind == KIND_RESOURCE else db.collections
        live = [i for i, (_, deleted) in prev.items() if not deleted]
        created = {r[0]: r[1] for r in conn.execute(
            select(table.c.id, table.c.created).where(table.c.id.in_(live)))} if live else {}
        for d in ds:
            version, _ = prev.get(d["id"], (0, True))
            d["version"] = version + 1
            d["created"] = created.get(d["id"], now)
            d["modified"] = now
        if prev:
            conn.execute(delete(db.changelog).where(
                c.stream == CATALOG_STREAM, c.kind == kind, c.entity_id.in_(list(prev))))
            conn.execute(delete(table).where(table.c.id.in_(list(prev))))
            if kind == KIND_RESOURCE:
                conn.execute(delete(db.resource_files)
                             .where(db.resource_files.c.resource_id.in_(list(prev))))
        first = db.allocate_seqs(conn, CATALOG_STREAM, len(ds))
        conn.execute(insert(db.changelog), [
            {"stream": CATALOG_STREAM, "kind": kind, "entity_id": d["id"], "seq": first + i,
             "version": d["version"], "deleted": False, "payload": _payload(d),
             "changed_at": now}
            for i, d in enumerate(ds)
        ])

    def _tombstone(self, conn: Connection, kind: str, entity_id: str) -> int:
        seq = db.allocate_seqs(conn, CATALOG_STREAM)
        c = db.changelog.c
        conn.execute(update(db.changelog)
                     .where(c.stream == CATALOG_STREAM, c.kind == kind, c.entity_id == entity_id)
                     .values(seq=seq, deleted=True, payload=None, changed_at=db.utc_now()))
        return seq

    def _write_collections(self, conn: Connection, ds: Sequence[dict[str, Any]]) -> None:
        conn.execute(insert(db.collections), [
            {k: d[k] for k in ("id", "parent_id", "title", "description", "kind", "position",
                               "version", "created", "modified")}
            for d in ds
        ])

    def _write_resources(self, conn: Connection, ds: Sequence[dict[str, Any]]) -> None:
        rows, file_rows = [], []
        for d in ds:
            row = {k: d[k] for k in ("id", "title", "description", "type", "language", "license",
                                     "created", "modified", "version")}
            for k in RESOURCE_JSON_COLUMNS:
                row[k] = json.dumps(d[k], ensure_ascii=False)
            rows.append(row)
            file_rows.extend({"resource_id": d["id"], "sha256": f["sha256"], "name": f["name"],
                              "position": i} for i, f in enumerate(d["files"]))
        conn.execute(insert(db.resources), rows)
        if file_rows:
            conn.execute(insert(db.resource_files), file_rows)
