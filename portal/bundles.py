"""USB bundles on the portal: its signing key, exporting streams and files to a drive, the
device keys that sign outbox bundles, and delivering those outboxes (exactly once).

    path = export_portal_bundle(store, Path("/media/usb"), users=["demo"], files=True)
    okno-portal bundle-export --out /media/usb --user demo --files

The format is :mod:`protocol.bundle`; the design is in docs/bundles.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from portal import db
from portal.catalog import PortalStore
from portal.community.accounts import User
from portal.community.api import current_user, signin_required
from portal.community.store import CommunityStore
from portal.errors import BAD_REQUEST, TOO_LARGE, ApiError
from protocol import bundle as pb
from protocol import community as pc
from protocol.wire import API_PREFIX, CATALOG_STREAM, dumps

KEY_FILE = "bundle-signing-key.pem"
MAX_OUTBOX_BUNDLE = 16 << 20
RESULTS_LIMIT = 5000  # op results of a user carried in a portal bundle (the newest)
FORBIDDEN = "forbidden"


def portal_signer(store: PortalStore) -> pb.Signer:
    """The portal's Ed25519 key, created in the data folder on first use."""
    return pb.Signer.load_or_create(store.data_dir / KEY_FILE)


def portal_public_key(store: PortalStore) -> str:
    return pb.encode_key(portal_signer(store).public_raw)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _portal_creator(signer: pb.Signer, name: str) -> dict[str, Any]:
    return {"type": "portal", "name": name, "key": pb.encode_key(signer.public_raw),
            "fingerprint": signer.fingerprint}


# ---- export -----------------------------------------------------------------------------------

@dataclass
class ExportSummary:
    volumes: list[Path]
    streams: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # from, to, count
    files: int = 0
    file_bytes: int = 0
    results: int = 0


def _changes(store: PortalStore, stream: str, start: int, head: int
             ) -> Iterator[tuple[int, bytes]]:
    cursor = start
    while batch := store.changes_since(stream, cursor, 2000, upto=head):
        for change in batch:
            yield change.seq, change.line(stream)
            cursor = change.seq


def _wanted_files(store: PortalStore, start: int, head: int, collections: Sequence[str],
                  subjects: Sequence[str], grades: Sequence[int]) -> dict[str, int]:
    """sha256 -> size of the files of resources in (start, head] that match the selection."""
    chosen: set[str] = set()
    if collections:
        with store.engine.connect() as conn:
            parents = {r[0]: r[1] for r in conn.execute(
                select(db.collections.c.id, db.collections.c.parent_id))}
        for cid in parents:
            node: str | None = cid
            seen: set[str] = set()
            while node is not None and node not in seen:
                if node in collections:
                    chosen.add(cid)
                    break
                seen.add(node)
                node = parents.get(node)
    out: dict[str, int] = {}
    for _seq, line in _changes(store, CATALOG_STREAM, start, head):
        rec = json.loads(line)
        if rec.get("t") != "rec" or rec.get("k") != "resource":
            continue
        d = rec["d"]
        if collections and not chosen.intersection(d.get("collections", [])):
            continue
        if subjects and not set(subjects).intersection(d.get("subjects", [])):
            continue
        if grades and not set(grades).intersection(d.get("grades", [])):
            continue
        for f in d.get("files", []):
            if store.blobs.has(f["sha256"]):
                out[f["sha256"]] = f["size"]
    return out


def _results_lines(store: PortalStore, user_ids: Sequence[str]) -> list[bytes]:
    a = db.applied_ops.c
    lines: list[bytes] = []
    with store.engine.connect() as conn:
        for uid in user_ids:
            rows = conn.execute(select(a.result).where(a.user_id == uid)
                                .order_by(a.created.desc()).limit(RESULTS_LIMIT))
            for (raw,) in rows:
                lines.append(dumps({"t": "op", **json.loads(raw)}))
    return lines


def export_portal_bundle(store: PortalStore, out_dir: Path, *, name: str | None = None,
                         users: Sequence[str] = (), assocs: Sequence[str] = (),
                         files: bool = False, collections: Sequence[str] = (),
                         subjects: Sequence[str] = (), grades: Sequence[int] = (),
                         since: dict[str, int] | None = None,
                         volume_bytes: int = pb.VOLUME_BYTES, portal_name: str = "Okno portal",
                         progress: pb.ProgressFn | None = None) -> ExportSummary:
    """Write a portal-signed bundle into ``out_dir``: the catalog (always whole, from the
    ``since`` cursors when given), the community streams of ``users`` (directory, their own
    stream, the associations they belong to or follow) and of ``assocs``, the op results of
    those users, and with ``files`` the files of the (selected) resources."""
    community = CommunityStore(store.engine)
    streams = {CATALOG_STREAM}
    user_ids: list[str] = []
    for login in users:
        user = community.require_user(login)
        user_ids.append(user.id)
        streams.update(community.suggested_streams(user))
    for aid in assocs:
        pc.owner_id(aid, "association id")
        streams.update({pc.DIRECTORY_STREAM, pc.assoc_stream(aid)})
    since = since or {}
    signer = portal_signer(store)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary([])
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=store.data_dir) as tmp:
        sources: list[pb.Source] = []
        catalog_from = 0
        for i, stream in enumerate(sorted(streams)):
            try:
                head, horizon = store.stream_state(stream)
            except ValueError:
                raise ValueError(f"there is no stream {stream!r} on this portal") from None
            start = since.get(stream, 0)
            if start > head or 0 < start < horizon:
                start = 0  # the receiver must start over; the bundle carries everything
            if stream == CATALOG_STREAM:
                catalog_from = start
            if start >= head and start > 0:
                continue
            path = Path(tmp) / f"records-{i}.zst"
            count = pb.write_records(path, stream, _changes(store, stream, start, head), head)
            sources.append(pb.staged_part(path, "records", stream=stream, cursor_from=start,
                                          cursor_to=head, horizon=horizon, count=count))
            summary.streams[stream] = (start, head, count)
        lines = _results_lines(store, user_ids)
        if lines:
            path = Path(tmp) / "results.zst"
            pb.write_lines(path, lines)
            sources.append(pb.staged_part(path, "results", count=len(lines)))
            summary.results = len(lines)
        if files:
            head = store.head(CATALOG_STREAM)
            for sha, size in sorted(_wanted_files(store, catalog_from, head, collections,
                                                  subjects, grades).items()):
                sources.append(pb.Source(pb.Part("file", size, sha),
                                         store.blobs.path_for(sha)))
                summary.files += 1
                summary.file_bytes += size
        created = _now()
        name = name or f"okno-{created[:10]}-{store.head(CATALOG_STREAM)}"
        if not pb.NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a plain bundle name")
        manifest = pb.base_manifest(
            "library", store.portal_id, _portal_creator(signer, portal_name), created,
            selection={"collections": list(collections), "subjects": list(subjects),
                       "grades": list(grades), "files": files, "users": list(users),
                       "assocs": list(assocs)})
        summary.volumes = pb.write_bundle(out_dir / f"{name}{pb.SUFFIX}", manifest, signer,
                                          sources, volume_bytes=volume_bytes,
                                          progress=progress)
    return summary


# ---- device keys and delivered outboxes --------------------------------------------------------

def register_device_key(store: PortalStore, user: User, public_key: str,
                        device_name: str) -> str:
    """Remember a device's public key for ``user``; returns its fingerprint. Registering the
    same key again is fine; a key registered by another user is refused (ValueError)."""
    raw = pb.decode_key(public_key)
    fp = pb.fingerprint(raw)
    k = db.device_keys.c
    with db.write_transaction(store.engine) as conn:
        row = conn.execute(select(k.user_id).where(k.fingerprint == fp)).first()
        if row is not None:
            if row[0] != user.id:
                raise ValueError("this device key belongs to another user")
            return fp
        conn.execute(insert(db.device_keys).values(
            fingerprint=fp, user_id=user.id, public_key=pb.encode_key(raw),
            device_name=device_name.strip()[:200] or "?", created=db.utc_now(), revoked=None))
    return fp


def device_key(store: PortalStore, fp: str) -> dict[str, Any] | None:
    k = db.device_keys
    with store.engine.connect() as conn:
        row = conn.execute(select(k).where(k.c.fingerprint == fp)).mappings().first()
    return None if row is None else dict(row)


def device_keys_of(store: PortalStore, user_id: str) -> list[dict[str, Any]]:
    k = db.device_keys
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(k).where(k.c.user_id == user_id).order_by(k.c.created)).mappings()]


def revoke_device_keys(store: PortalStore, user_id: str) -> int:
    """Outbox bundles signed by this user's devices are refused from now on."""
    k = db.device_keys.c
    with db.write_transaction(store.engine) as conn:
        done = conn.execute(update(db.device_keys).where(
            k.user_id == user_id, k.revoked.is_(None)).values(revoked=db.utc_now()))
    return int(done.rowcount)


class DeliveryRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def deliver_outbox(store: PortalStore, community: CommunityStore, raw: bytes,
                   portal_name: str = "Okno portal") -> tuple[bytes, int]:
    """Verify an outbox bundle against its author's registered device key and apply every
    op exactly once. Returns (a portal-signed ``results`` bundle, number of ops)."""
    stream = io.BytesIO(raw)
    try:
        header = pb.read_header(stream)
    except pb.BundleError as exc:
        raise DeliveryRefused(400, BAD_REQUEST, str(exc)) from None
    creator = header.creator
    if header.kind != "outbox" or creator.get("type") != "device":
        raise DeliveryRefused(400, BAD_REQUEST, "this is not an outbox bundle")
    if header.manifest["portal_id"] != store.portal_id:
        raise DeliveryRefused(409, "other_portal", "the outbox was made for another portal")
    try:
        fp = pb.fingerprint(pb.decode_key(creator["key"]))
    except pb.BundleError as exc:
        raise DeliveryRefused(400, BAD_REQUEST, str(exc)) from None
    known = device_key(store, fp)
    if known is None or known["revoked"] is not None:
        raise DeliveryRefused(403, FORBIDDEN, "the outbox is signed by a device key this "
                              "portal does not know (the device must sign in once online)")
    if known["user_id"] != creator.get("user_id"):
        raise DeliveryRefused(403, FORBIDDEN, "the device key belongs to another user")
    try:
        pb.check_signature(header, pb.decode_key(known["public_key"]))
    except pb.BundleError as exc:
        raise DeliveryRefused(403, FORBIDDEN, str(exc)) from None
    ops: list[Any] = []
    for part in header.parts:
        data = pb.read_exact(stream, part.size)
        if len(data) < part.size:
            raise DeliveryRefused(400, BAD_REQUEST, "the outbox bundle is truncated")
        if hashlib.sha256(data).hexdigest() != part.sha256:
            raise DeliveryRefused(403, FORBIDDEN, "the outbox bundle was changed after it "
                                  "was signed")
        if part.type != "ops":
            raise DeliveryRefused(400, BAD_REQUEST, "an outbox bundle carries only ops")
        for line in pb.decompress_lines(data):
            try:
                ops.append(json.loads(line))
            except ValueError:
                raise DeliveryRefused(400, BAD_REQUEST, "an op is not valid JSON") from None
    user = community.get_user(known["user_id"])
    if user is None:
        raise DeliveryRefused(403, FORBIDDEN, "the author's account no longer exists")
    lines: list[bytes] = []
    for start in range(0, len(ops), pc.MAX_OPS):
        try:
            parsed = pc.parse_ops(ops[start:start + pc.MAX_OPS])
        except pc.ProtocolError as exc:
            raise DeliveryRefused(400, BAD_REQUEST, f"ops: {exc}") from None
        lines.extend(dumps(o.line()) for o in community.apply_ops(user, parsed))
    signer = portal_signer(store)
    manifest = pb.base_manifest("results", store.portal_id,
                                _portal_creator(signer, portal_name), _now(),
                                user_id=user.id, answers=fp)
    return pb.build_bytes(manifest, signer, [pb.lines_part("results", lines)]), len(ops)


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, TOO_LARGE, f"the bundle is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def add_bundle_routes(app: FastAPI, store: PortalStore, community: CommunityStore,
                      portal_name: str) -> None:
    """``POST /devices/key`` (register a device key) and ``POST /bundles/outbox``."""

    @app.post(f"{API_PREFIX}/devices/key", tags=["bundles"],
              responses={401: {"description": "signin_required"},
                         409: {"description": "the key belongs to another user"}})
    async def register_key(request: Request) -> JSONResponse:
        """Register this device's Ed25519 public key (base64 of 32 bytes) for the signed-in
        user: outbox bundles it signs can then be delivered by any machine."""
        user = await current_user(request, community)
        if user is None:
            raise signin_required("sign in first")
        body = await _read_limited(request, 8192)
        try:
            data = json.loads(body)
            key, name = data["public_key"], data.get("device_name", "")
            if not isinstance(key, str) or not isinstance(name, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, BAD_REQUEST, 'send {"public_key": "<base64>", '
                           '"device_name": "..."}') from None
        try:
            fp = await run_in_threadpool(register_device_key, store, user, key, name)
        except pb.BundleError as exc:
            raise ApiError(400, BAD_REQUEST, str(exc)) from None
        except ValueError as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        return JSONResponse({"fingerprint": fp}, headers={"cache-control": "no-store"})

    @app.post(f"{API_PREFIX}/bundles/outbox", tags=["bundles"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/octet-stream": {"schema": {"type": "string",
                                                          "format": "binary"}}}}},
              responses={200: {"description": "a portal-signed results bundle",
                               "content": {"application/octet-stream": {}}},
                         400: {"description": "bad_request: not an Okno outbox bundle"},
                         403: {"description": "unknown device key or bad signature"},
                         413: {"description": "the bundle is too large"}})
    async def outbox(request: Request) -> Response:
        """Deliver an outbox bundle carried by USB: no sign-in needed, the device signature
        proves the author. Each op is applied exactly once (a repeat answers duplicate)."""
        raw = await _read_limited(request, MAX_OUTBOX_BUNDLE)
        try:
            body, n = await run_in_threadpool(deliver_outbox, store, community, raw,
                                              portal_name)
        except DeliveryRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return Response(body, media_type="application/octet-stream",
                        headers={"cache-control": "no-store", "x-okno-ops": str(n)})

