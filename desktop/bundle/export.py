"""Writing bundles on the desktop: the library from the local replica (for another machine),
and the outbox of a machine without an uplink (for any machine that has one).

    summary = export_library(store, paths, Path("/media/usb"), files=True)
    summary = export_outbox(store, paths, Path("/media/usb"))

The catalog is rebuilt from the replica, which keeps the portal's ``seq`` on every row and
its tombstones: the lines are the ones a sync would send. Reads go through a separate
read-only connection in one transaction, so the export sees one consistent state.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.bundle.keys import device_id, device_name, device_signer
from desktop.paths import Paths
from desktop.store.community_payloads import payload_horizon, pending_streams, stream_changes
from desktop.sync.downloads import cache_relpath
from protocol import bundle as pb
from protocol.community import DIRECTORY_STREAM, stream_family, stream_owner
from protocol.wire import CATALOG_STREAM, del_line, dumps, rec_line

_CATALOG_SQL = """
SELECT seq, 'collection', id, NULL, parent_id, title, description, kind, position, created,
       modified, version, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM collections WHERE seq > :lo AND seq <= :hi
UNION ALL
SELECT seq, 'resource', id, NULL, NULL, title, description, NULL, NULL, created, modified,
       version, authors, subjects, grades, type, language, license, keywords, collections, files
  FROM resources WHERE seq > :lo AND seq <= :hi
UNION ALL
SELECT seq, kind, id, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM tombstones WHERE stream = 'catalog' AND seq > :lo AND seq <= :hi
ORDER BY 1
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def catalog_changes(conn: sqlite3.Connection, lo: int, hi: int
                    ) -> Iterator[tuple[int, bytes, dict[str, Any] | None]]:
    """``(seq, line, resource data or None)`` of the replica's catalog in ``(lo, hi]``."""
    for row in conn.execute(_CATALOG_SQL, {"lo": lo, "hi": hi}):
        seq, kind, ident, deleted = row[0], row[1], row[2], row[3]
        if deleted:
            yield seq, dumps(del_line(CATALOG_STREAM, kind, ident, seq)), None
        elif kind == "collection":
            d = {"id": ident, "parent_id": row[4], "title": row[5], "description": row[6],
                 "kind": row[7], "position": row[8], "version": row[11], "created": row[9],
                 "modified": row[10]}
            yield seq, dumps(rec_line(CATALOG_STREAM, kind, d, seq)), None
        else:
            d = {"id": ident, "title": row[5], "description": row[6],
                 "authors": json.loads(row[12]), "subjects": json.loads(row[13]),
                 "grades": json.loads(row[14]), "type": row[15], "language": row[16],
                 "license": row[17], "keywords": json.loads(row[18]),
                 "collections": json.loads(row[19]), "files": json.loads(row[20]),
                 "created": row[9], "modified": row[10], "version": row[11]}
            yield seq, dumps(rec_line(CATALOG_STREAM, kind, d, seq)), d


def _read_only(paths: Paths) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
    conn.execute("BEGIN")  # one snapshot for the whole export
    return conn


@dataclass
class ExportSummary:
    volumes: list[Path] = field(default_factory=list)
    streams: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    ops: int = 0
    incremental: bool = False
    missing_files: int = 0  # selected but not downloaded on this computer
    forums_later: list[tuple[str, str]] = field(default_factory=list)  # (stream, name)


def _creator(store: Any, paths: Paths) -> tuple[pb.Signer, dict[str, Any]]:
    signer = device_signer(paths)
    user = store.community_user() or {}
    return signer, {"type": "device", "device_id": device_id(signer),
                    "device_name": device_name(), "user_id": str(user.get("id", "")),
                    "user_name": str(user.get("display_name", ""))[:300],
                    "key": pb.encode_key(signer.public_raw), "fingerprint": signer.fingerprint}


def _matches(d: dict[str, Any], collections: set[str], subjects: Sequence[str],
             grades: Sequence[int]) -> bool:
    if collections and not collections.intersection(d.get("collections", [])):
        return False
    if subjects and not set(subjects).intersection(d.get("subjects", [])):
        return False
    return not grades or bool(set(grades).intersection(d.get("grades", [])))


def _with_children(conn: sqlite3.Connection, chosen: Sequence[str]) -> set[str]:
    parents = dict(conn.execute("SELECT id, parent_id FROM collections"))
    out: set[str] = set()
    for cid in parents:
        node, seen = cid, set()
        while node is not None and node not in seen:
            if node in chosen:
                out.add(cid)
                break
            seen.add(node)
            node = parents.get(node)
    return out


def _forum_name(conn: sqlite3.Connection, stream: str) -> str:
    if stream == DIRECTORY_STREAM:
        return "the directory of associations"
    row = conn.execute("SELECT name FROM associations WHERE id = ?",
                       (stream_owner(stream),)).fetchone()
    return row[0] if row else stream


def forum_streams(conn: sqlite3.Connection
                  ) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """The community streams this computer can pass on: ``(stream, cursor, horizon)`` of the
    directory and of every followed **public** association whose records were all kept as
    the portal sent them; and ``(stream, name)`` of the ones to sync once more first.
    Personal (``user:``) streams and private associations never travel."""
    ready: list[tuple[str, int, int]] = []
    later: list[tuple[str, str]] = []
    public = {row[0] for row in conn.execute(
        "SELECT id FROM associations WHERE visibility = 'public'")}
    for stream, cursor in conn.execute("SELECT stream, seq FROM cursors ORDER BY stream"):
        family = stream_family(stream)
        if family not in ("directory", "assoc") or cursor <= 0:
            continue
        if family == "assoc" and stream_owner(stream) not in public:
            continue
        horizon = payload_horizon(conn, stream)
        if horizon is None:
            later.append((stream, _forum_name(conn, stream)))
        else:
            ready.append((stream, cursor, min(horizon, cursor)))
    for stream in pending_streams(conn):
        if stream_family(stream) == "assoc" and stream_owner(stream) not in public:
            continue
        if all(stream != s for s, _c, _h in ready) and all(stream != s for s, _n in later):
            later.append((stream, _forum_name(conn, stream)))
    return ready, later


def export_library(store: Any, paths: Paths, dest: Path, *, name: str | None = None,
                   files: bool = False, collections: Sequence[str] = (),
                   subjects: Sequence[str] = (), grades: Sequence[int] = (),
                   forums: bool = False, full: bool = False,
                   volume_bytes: int = pb.VOLUME_BYTES,
                   progress: pb.ProgressFn | None = None,
                   cancel: Callable[[], None] | None = None) -> ExportSummary:
    """Write the local library (catalog records always whole; files of the selected
    resources that this computer has) as a bundle signed by this device; with ``forums``
    also the followed public forums and the directory (see ``forum_streams``), their
    records exactly as the portal sent them. Receipts found in ``dest`` make it
    incremental unless ``full``. Returns an empty summary (no volumes) when the receiving
    machines already have everything; ``summary.forums_later`` names the forums that need
    one more sync before they can travel."""
    portal_id = store.portal_id()
    head = store.cursor(CATALOG_STREAM)
    if portal_id is None or head == 0:
        raise pb.BundleError("This computer's library is empty: sync it or import a bundle "
                             "first.", "empty")
    dest = Path(dest)
    summary = ExportSummary()
    since = {} if full else pb.receipt_cursors(pb.read_receipts(dest, portal_id))
    serving = getattr(store, "serving_horizon", None)
    horizon = serving(portal_id) if serving else None
    horizon = head if horizon is None else horizon  # unknown: good for empty replicas only
    start = since.get(CATALOG_STREAM, 0)
    if start > head or 0 < start < horizon:
        start = 0
    summary.incremental = start > 0
    paths.ensure()
    with tempfile.TemporaryDirectory(prefix="bundle-out-", dir=paths.data) as tmp:
        conn = _read_only(paths)
        try:
            chosen = _with_children(conn, collections) if collections else set()
            wanted: dict[str, int] = {}
            sources: list[pb.Source] = []
            if start < head:
                def lines() -> Iterator[tuple[int, bytes]]:
                    for seq, line, d in catalog_changes(conn, start, head):
                        if d is not None and files and _matches(d, chosen, subjects, grades):
                            for f in d["files"]:
                                wanted[f["sha256"]] = f["size"]
                        yield seq, line

                path = Path(tmp) / "catalog.zst"
                count = pb.write_records(path, CATALOG_STREAM, lines(), head)
                sources.append(pb.staged_part(path, "records", stream=CATALOG_STREAM,
                                              cursor_from=start, cursor_to=head,
                                              horizon=horizon, count=count))
                summary.streams[CATALOG_STREAM] = (start, head, count)
            if forums:
                ready, summary.forums_later = forum_streams(conn)
                for index, (stream, cursor, s_horizon) in enumerate(ready):
                    lo = since.get(stream, 0)
                    if lo > cursor or 0 < lo < s_horizon:
                        lo = 0
                    if lo >= cursor:
                        continue
                    path = Path(tmp) / f"forum-{index}.zst"
                    count = pb.write_records(path, stream, stream_changes(conn, stream, lo,
                                                                          cursor), cursor)
                    sources.append(pb.staged_part(path, "records", stream=stream,
                                                  cursor_from=lo, cursor_to=cursor,
                                                  horizon=s_horizon, count=count))
                    summary.streams[stream] = (lo, cursor, count)
                    summary.incremental = summary.incremental or lo > 0
            cached = dict(conn.execute("SELECT sha256, path FROM files_cache")) if files else {}
        finally:
            conn.close()
        if not sources:
            return summary
        signer, creator = _creator(store, paths)
        for sha, size in sorted(wanted.items()):
            rel = cached.get(sha)
            file_path = paths.files / rel if rel else paths.files / cache_relpath(sha)
            if rel is None or not file_path.is_file() or file_path.stat().st_size != size:
                summary.missing_files += 1
                continue
            sources.append(pb.Source(pb.Part("file", size, sha), file_path))
            summary.files += 1
            summary.file_bytes += size
        created = _now()
        name = name or f"okno-{creator['device_id'][:8]}-{created[:10]}-{head}"
        if not pb.NAME_RE.match(name):
            raise pb.BundleError(f"{name!r:.60} is not a plain bundle name", "invalid")
        manifest = pb.base_manifest(
            "library", portal_id, creator, created,
            selection={"collections": list(collections), "subjects": list(subjects),
                       "grades": list(grades), "files": files, "forums": forums})
        summary.volumes = pb.write_bundle(dest / f"{name}{pb.SUFFIX}", manifest, signer,
                                          sources, volume_bytes=volume_bytes,
                                          progress=progress, cancel=cancel)
    return summary


def export_outbox(store: Any, paths: Paths, dest: Path, *, name: str | None = None,
                  progress: pb.ProgressFn | None = None) -> ExportSummary:
    """Write the signed-in user's unsent ops as an ``outbox`` bundle signed by this device,
    and mark them "sent" (as a sync does before its request leaves): they stay in the
    outbox until the portal's results come back, and any repeat is answered "duplicate"."""
    user = store.community_user()
    if user is None:
        raise pb.BundleError("Sign in first: the outbox belongs to a signed-in user.",
                             "signin")
    portal_id = store.portal_id()
    if portal_id is None:
        raise pb.BundleError("This computer has never been in touch with a portal.", "empty")
    ops = store.ops_to_send(1_000_000, 1 << 40)
    summary = ExportSummary()
    if not ops:
        return summary
    signer, creator = _creator(store, paths)
    paths.ensure()
    with tempfile.TemporaryDirectory(prefix="bundle-out-", dir=paths.data) as tmp:
        path = Path(tmp) / "ops.zst"
        pb.write_lines(path, [json.dumps(op.wire(), ensure_ascii=False,
                                         separators=(",", ":")).encode() for op in ops])
        created = _now()
        name = name or f"okno-outbox-{creator['device_id'][:8]}-{created.replace(':', '')}"
        manifest = pb.base_manifest("outbox", portal_id, creator, created,
                                    user_id=user["id"])
        summary.volumes = pb.write_bundle(
            Path(dest) / f"{name}{pb.SUFFIX}", manifest, signer,
            [pb.staged_part(path, "ops", count=len(ops))], progress=progress)
    store.mark_ops_sent([op.op_id for op in ops])
    summary.ops = len(ops)
    return summary
