"""Verifying and importing bundles on the desktop.

Everything is checked before anything is applied: the signature (against the trusted portal
key, or the device key the bundle names, shown to the user), the bundle against this
replica (portal, cursor ranges), then every part's sha256 while it streams into a staging
folder inside the data folder. Only then are the records applied — by the sync code
(``desktop.sync.engine._Run.apply_lines``, page by page with their cursors) — the op
results recorded as a sync records them, and the files moved into the content-addressed
cache. Names from a bundle never become paths: only validated sha256 digests do.

    report = import_bundle(store, paths, Path("/media/usb/okno-2025-03-01.okb"))
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.bundle.keys import _write_json, device_id, device_name, device_signer
from desktop.bundle.keys import trusted_portal_key as _trusted_portal_key
from desktop.paths import Paths
from desktop.store.types import Changes
from desktop.sync.downloads import cache_relpath
from protocol import bundle as pb
from protocol.community import stream_family, stream_owner
from protocol.wire import CATALOG_STREAM, OpResult, ProtocolError, parse_line

STAGING = "bundle-import"
ProgressFn = Callable[[str, int, int], None]  # (phase, done, total): verify | apply


@dataclass
class StreamPlan:
    stream: str
    cursor_from: int
    cursor_to: int
    count: int
    local: int
    action: str  # apply | skip_have | skip_user | skip_old


@dataclass
class Report:
    """What a bundle is and (after import) what was done with it."""

    path: Path
    kind: str
    trust: str  # portal | device
    creator: dict[str, Any]
    fingerprint: str
    created: str
    portal_id: str
    streams: list[StreamPlan] = field(default_factory=list)
    files: int = 0
    file_bytes: int = 0
    files_new: int = 0
    results: int = 0
    ops: int = 0
    total_bytes: int = 0
    verified: bool = False
    applied_records: int = 0
    receipt: Path | None = None
    receipt_error: str = ""
    changes: Changes = field(default_factory=Changes)

    def who(self) -> str:
        """Who made the bundle, in words: the portal's name, or device and user."""
        c = self.creator
        if self.trust == "portal":
            return f"portal {c.get('name') or '?'}"
        user = c.get("user_name") or c.get("user_id")
        device = f"device {c.get('device_name') or '?'}"
        return f"{device} of {user}" if user else device


def _trust(header: pb.Header, paths: Paths, pinned: str, allow_device: bool) -> str:
    creator = header.creator
    if not header.signature:
        raise pb.BundleError("The bundle is not signed; Okno accepts only signed bundles. "
                             "Nothing was imported.", "unsigned")
    try:
        named = pb.decode_key(creator["key"])
    except pb.BundleError:
        raise pb.BundleError("The bundle names no valid signing key. Nothing was imported.",
                             "tampered") from None
    if creator["type"] == "portal":
        key = _trusted_portal_key(paths, pinned)
        if key is None:
            fp = pb.short_fingerprint(pb.fingerprint(named))
            raise pb.BundleError(
                f"This computer does not know the portal's key yet, so it cannot check who "
                f"made the bundle (it names key {fp}). Sync once with the portal, pin the key "
                "in the lab preset (portal_bundle_key), or confirm this key.", "untrusted",
                fingerprint=fp)
        pb.check_signature(header, key)
        return "portal"
    if header.kind == "results":
        raise pb.BundleError("Op results must be signed by the portal. Nothing was imported.",
                             "untrusted")
    if not allow_device:
        raise pb.BundleError("Only bundles signed by the portal are accepted on this "
                             "computer. Nothing was imported.", "untrusted")
    pb.check_signature(header, named)
    return "device"


def _plan(store: Any, header: pb.Header) -> list[StreamPlan]:
    """Check the bundle against the replica: refuse (BundleError) what cannot be applied
    without a gap; skip what is already here, and other users' personal streams."""
    portal_id = header.manifest["portal_id"]
    mine = store.portal_id()
    if mine is not None and mine != portal_id and store.cursors():
        raise pb.BundleError("The bundle comes from another portal than this computer's "
                             "library. Nothing was imported.", "other_portal")
    user = store.community_user()
    plans = []
    for part in header.parts:
        if part.type != "records":
            continue
        stream = part.stream or ""
        local = store.cursor(stream)
        plan = StreamPlan(stream, part.cursor_from, part.cursor_to, part.count, local,
                          "apply")
        if stream_family(stream) == "user" and (user is None
                                                 or stream_owner(stream) != user.get("id")):
            plan.action = "skip_user"
        elif part.cursor_to <= local:
            plan.action = "skip_have"
        elif part.cursor_from > local:
            raise pb.BundleError(
                f"The bundle continues the {stream} data from point {part.cursor_from}, but "
                f"this computer has it only up to {local}: import the earlier bundle first, "
                "or ask for a full one. Nothing was imported.", "gap", stream=stream)
        elif part.cursor_from == 0 and 0 < local < part.horizon and stream != CATALOG_STREAM:
            # A forum this computer already follows, from an older copy the bundle cannot
            # continue: keep it (the portal brings it up to date) and import the rest.
            plan.action = "skip_old"
        elif part.cursor_from == 0 and 0 < local < part.horizon:
            raise pb.BundleError(
                f"This computer's copy of {stream} is too old to be brought up to date by a "
                "bundle (deletions it missed are no longer recorded): reset the library or "
                "sync with the portal. Nothing was imported.", "gap", stream=stream)
        plans.append(plan)
    return plans


def inspect(path: Path, paths: Paths, *, pinned: str = "", allow_device: bool = True,
            store: Any = None) -> Report:
    """Read the header and check the signature and (with a store) the plan. Cheap: it does
    not read the parts. Raises BundleError."""
    with pb.open_volumes(Path(path)) as reader:
        header = pb.read_header(reader)
    return _report(path, header, paths, pinned, allow_device, store)


def _report(path: Path, header: pb.Header, paths: Paths, pinned: str, allow_device: bool,
            store: Any) -> Report:
    trust = _trust(header, paths, pinned, allow_device)
    creator = header.creator
    report = Report(Path(path), header.kind, trust, creator,
                    pb.fingerprint(pb.decode_key(creator["key"])),
                    str(header.manifest.get("created", "")), header.manifest["portal_id"])
    report.total_bytes = header.total_bytes
    for part in header.parts:
        if part.type == "file":
            report.files += 1
            report.file_bytes += part.size
        elif part.type == "results":
            report.results += part.count
        elif part.type == "ops":
            report.ops += part.count
    if store is not None and header.kind != "outbox":
        report.streams = _plan(store, header)
    else:
        report.streams = [StreamPlan(p.stream or "", p.cursor_from, p.cursor_to, p.count, 0,
                                     "apply") for p in header.parts if p.type == "records"]
    return report


class _Staging:
    """Where verified parts are copied (``DATA/bundle-import``) before they are applied."""

    def __init__(self, paths: Paths) -> None:
        self.dir = paths.data / STAGING
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.parts: dict[int, Path] = {}

    def path(self, index: int, part: pb.Part) -> Path:
        # Only an index or a validated sha256 becomes a file name, never a bundle's text.
        name = part.sha256 if part.type == "file" else f"part-{index}"
        return self.dir / name

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


TRUNCATED = ("The bundle is truncated: it ends before its last part (a copy that did not "
             "finish, or a missing volume). Nothing was imported.")
TAMPERED = ("The bundle's contents do not match its signed manifest: it was changed after it "
            "was made, or it is damaged. Nothing was imported.")


def _verify_parts(volumes: list[Path], header: pb.Header, staging: _Staging | None,
                  skip: Callable[[int, pb.Part], bool], progress: ProgressFn | None,
                  cancel: Callable[[], None] | None) -> None:
    """Hash every part (and copy the ones to keep into ``staging``, then fsync them).

    Parts sit at known offsets, so several are checked at once, each by its own thread
    reading through its own file handles: sha256 is the cost of an import, and hashlib
    releases the GIL. A part is copied only after its hash matched (``copy_file_range``
    where the OS has it). Raises BundleError on the first bad part; parts staged so far
    are removed with the staging folder by the caller."""
    sizes = [v.stat().st_size for v in volumes]
    if sum(sizes) < header.total_bytes:
        raise pb.BundleError(TRUNCATED, "truncated")
    if sum(sizes) > header.total_bytes:
        raise pb.BundleError("The bundle has data after its last part: it was changed after "
                             "it was made. Nothing was imported.", "tampered")
    total = header.parts_bytes
    done = [0]
    lock = threading.Lock()
    failed = threading.Event()

    def check(index: int, part: pb.Part, pos: int) -> None:
        h = hashlib.sha256()
        buf = bytearray(pb.CHUNK)
        view = memoryview(buf)
        for path, offset, length in pb.volume_segments(volumes, sizes, pos, part.size):
            with open(path, "rb", buffering=0) as fh:
                fh.seek(offset)
                while length:
                    if failed.is_set():
                        return
                    n = fh.readinto(view[:min(length, pb.CHUNK)])
                    if not n:
                        raise pb.BundleError(TRUNCATED, "truncated")
                    h.update(view[:n])
                    length -= n
                    with lock:
                        done[0] += n
                        if progress:
                            progress("verify", done[0], total)
                    if cancel:
                        cancel()
        if h.hexdigest() != part.sha256:
            raise pb.BundleError(TAMPERED, "tampered", part=index)
        if staging is not None and not skip(index, part):
            target = staging.path(index, part)
            with open(target, "wb") as out:
                for path, offset, length in pb.volume_segments(volumes, sizes, pos, part.size):
                    with open(path, "rb") as src:
                        pb.copy_range(src, offset, length, out)
            with lock:
                staging.parts[index] = target
                # On disk before the database says "cached". Waiting for each fsync in
                # turn would cost more than the copy (each waits for a journal commit).
                syncs.append(flusher.submit(_fsync, target))

    workers = max(2, min(8, os.cpu_count() or 2))
    syncs: list[Any] = []
    with ThreadPoolExecutor(workers, thread_name_prefix="bundle-verify") as pool, \
            ThreadPoolExecutor(8, thread_name_prefix="bundle-fsync") as flusher:
        futures = []
        pos = header.offset
        for index, part in enumerate(header.parts):
            futures.append(pool.submit(check, index, part, pos))
            pos += part.size
        try:
            for f in futures:
                f.result()
            for f in syncs:
                f.result()
        except BaseException:
            failed.set()
            for f in futures:
                f.cancel()
            raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)  # Windows flushes only a file opened for writing
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify(path: Path, paths: Paths, *, pinned: str = "", allow_device: bool = True,
           progress: ProgressFn | None = None, store: Any = None) -> Report:
    """Check the signature and the sha256 of every part (reads the whole bundle)."""
    volumes = pb.list_volumes(Path(path))
    with pb.VolumeReader(volumes) as reader:
        header = pb.read_header(reader)
    report = _report(path, header, paths, pinned, allow_device, store)
    _verify_parts(volumes, header, None, lambda i, p: True, progress, None)
    report.verified = True
    return report


def import_bundle(store: Any, paths: Paths, path: Path, *, pinned: str = "",
                  allow_device: bool = True, receipt: bool = True,
                  progress: ProgressFn | None = None,
                  cancel: Callable[[], None] | None = None) -> Report:
    """Verify everything, then apply a ``library`` or ``results`` bundle. An ``outbox``
    bundle is only verified (it is delivered to the portal, see deliver.py). Writes a
    receipt next to the bundle. Raises BundleError (nothing applied) or, should applying
    fail half-way, the sync error of the page that failed (pages before it stay applied,
    as in a sync)."""
    from desktop.sync.engine import LOCAL_MERGE_RECORDS, _Run, _zstd_file_lines, local_error
    from desktop.sync.http import CancelToken, RetryPolicy, new_session

    path = Path(path)
    volumes = pb.list_volumes(path)
    with pb.VolumeReader(volumes) as reader:
        header = pb.read_header(reader)
        report = _report(path, header, paths, pinned, allow_device, store)
        if header.kind == "outbox":
            _verify_parts(volumes, header, None, lambda i, p: True, progress, cancel)
            report.verified = True
            return report
        plans = {p.stream: p for p in report.streams}

        def skip(index: int, part: pb.Part) -> bool:
            if part.type == "records":
                return plans[part.stream or ""].action != "apply"
            if part.type == "file":
                rel = store.cached_file(part.sha256)
                return rel is not None and (paths.files / rel).is_file()
            return False

        # Decided here, on the store's thread: the checks run on worker threads.
        keep = {i for i, p in enumerate(header.parts) if not skip(i, p)}
        paths.ensure()
        pb.check_space(paths.data, sum(header.parts[i].size for i in keep))
        staging = _Staging(paths)
        try:
            _verify_parts(volumes, header, staging, lambda i, _p: i not in keep, progress,
                          cancel)
            report.verified = True
            # -- everything checked: apply ----------------------------------------------
            portal_id = header.manifest["portal_id"]
            order = sorted(staging.parts.items(),
                           key=lambda item: (header.parts[item[0]].stream != CATALOG_STREAM,
                                             item[0]))
            files: list[tuple[str, int, str]] = []
            for index, staged in order:
                part = header.parts[index]
                if part.type == "records":
                    run = _Run(store, "", paths, new_session(), None, CancelToken(),
                               RetryPolicy())
                    run.streams = frozenset({part.stream})
                    try:
                        end = run.apply_lines(_zstd_file_lines(staged), portal_id,
                                              skip_applied=True, merge_records=LOCAL_MERGE_RECORDS)
                    except ProtocolError as exc:
                        raise local_error(exc, paths) from None
                    if end is None or end.cursors.get(part.stream or "") != part.cursor_to:
                        raise pb.BundleError(f"The {part.stream} data in the bundle is "
                                             "incomplete.", "truncated")
                    report.applied_records += run.result.records
                    plan = plans[part.stream or ""]
                    if (part.stream == CATALOG_STREAM and plan.local == 0
                            and hasattr(store, "set_serving_horizon")):
                        # Where this replica's log begins, should it pass the library on.
                        store.set_serving_horizon(portal_id, part.horizon)
                    report.changes = report.changes | run.result.changes
                elif part.type == "results":
                    results = []
                    for raw in pb.decompress_lines(staged.read_bytes()):
                        try:
                            line = parse_line(raw)
                        except ProtocolError as exc:
                            raise pb.BundleError(f"An op result in the bundle is malformed: "
                                                 f"{exc}", "invalid") from None
                        if isinstance(line, OpResult):
                            results.append(line)
                    report.changes = report.changes | store.record_op_results(results)
                elif part.type == "file":
                    rel = cache_relpath(part.sha256)
                    target = paths.files / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, target)
                    files.append((part.sha256, part.size, rel))
            report.files_new = len(files)
            report.changes = report.changes | store.mark_files_cached(files)
        finally:
            staging.remove()
    if receipt and header.kind == "library":
        try:
            report.receipt = write_receipt(store, paths, path.parent)
        except OSError as exc:
            report.receipt_error = exc.strerror or str(exc)
    return report


def write_receipt(store: Any, paths: Paths, folder: Path) -> Path:
    """The small file the next export reads: this computer's cursors per stream."""
    signer = device_signer(paths)
    did = device_id(signer)
    target = Path(folder) / pb.receipt_name(did)
    _write_json(target, {
        "okno_receipt": 1, "device_id": did, "device_name": device_name(),
        "portal_id": store.portal_id(), "cursors": store.cursors(),
        "written": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return target
