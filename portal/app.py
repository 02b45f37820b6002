"""The portal's HTTP API (FastAPI): hello, sync, snapshots and blobs under ``/api/v1``.

>>> app = create_app(PortalStore.open("/srv/okno"))
>>> uvicorn.run(app)            # or: okno-portal serve --data /srv/okno

The OpenAPI document is at ``/openapi.json`` (interactive at ``/docs``); the protocol
itself is specified in ``docs/protocol.md``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from portal.accesslog import ACCESS_LOGGER, AccessLogMiddleware
from portal.bundles import add_bundle_routes, portal_public_key
from portal.catalog import PortalStore
from portal.community import CommunityStore, StreamAccessError, User
from portal.community.api import add_community_routes, current_user, signin_required
from portal.community.courses_api import add_course_routes
from portal.config import AppSettings, PortalConfig
from portal.errors import (
    BAD_REQUEST,
    BUSY,
    NOT_FOUND,
    TOO_LARGE,
    ApiError,
    api_error_response,
    error_response,
)
from portal.fastpath import CompressorPool, one_shot, stream_states
from portal.ops_api import accel_response, add_ops_routes
from portal.protection import ProtectionMiddleware, Slots, is_heavy, limiter_from
from portal.ranges import file_response
from portal.snapshot import NAME_RE, SnapshotInfo, current_snapshot, snapshot_path
from portal.sync import (
    MAX_BODY,
    MAX_BODY_WITH_OPS,
    REQUEST_SCHEMA,
    SyncRequest,
    check_cursors,
    parse_sync_request,
    sync_chunks,
)
from protocol.compression import GZIP, IDENTITY, ZSTD, choose_encoding
from protocol.wire import (
    API_PREFIX,
    CATALOG_STREAM,
    KNOWN_STREAMS,
    PROTOCOL_VERSION,
    SHA256_RE,
    dumps,
    end_line,
)

NDJSON = "application/x-ndjson"
SMALL_BACKLOG = 256  # a sync at most this many seqs behind is answered in one piece
# "community": accounts, the community streams and ops in /sync (docs/protocol.md).
CAPABILITIES = [ZSTD, GZIP, "snapshot", "range", "community", "bundles"]
# Blobs never change under their name; a snapshot's name also fixes its content.
BLOB_CACHE = "public, max-age=31536000, immutable"
SNAPSHOT_CACHE = "public, max-age=86400"


FILE_RESPONSES: dict[int | str, dict] = {
    206: {"description": "one byte range (Content-Range)"},
    304: {"description": "If-None-Match matched the ETag"},
    404: {"description": "no such file (or no longer the current snapshot)"},
    416: {"description": "the range lies outside the file"},
}


class StreamState(BaseModel):
    head: int
    horizon: int


class SnapshotRef(BaseModel):
    url: str
    cursor: int
    size: int
    sha256: str
    records: int


class Hello(BaseModel):
    protocol: int
    portal_id: str
    name: str
    capabilities: list[str]
    streams: dict[str, StreamState]
    snapshot: SnapshotRef | None
    # The Ed25519 key (base64) that signs this portal's USB bundles (docs/bundles.md).
    bundle_key: str | None = None


SyncSlots = Slots  # the name this class had before portal.protection


class SyncResponse(StreamingResponse):
    """A streamed sync body that frees its slot however the response ends (even on disconnect)."""

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None],
                 headers: dict[str, str]) -> None:
        super().__init__(chunks, headers=headers, media_type=NDJSON)
        self._chunks = chunks
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()
            with suppress(ValueError):  # "generator already executing": it ends on its own
                self._chunks.close()


def _no_slot() -> None:
    return None


_RELEASING: dict[type, type] = {}


def release_after(response: Response, release: Callable[[], None]) -> Response:
    """``response`` calling ``release`` once it is sent (or the client went away)."""
    base = type(response)
    cls = _RELEASING.get(base)
    if cls is None:
        async def __call__(self: Response, scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await base.__call__(self, scope, receive, send)
            finally:
                self._okno_release()  # type: ignore[attr-defined]

        cls = _RELEASING[base] = type(f"Releasing{base.__name__}", (base,),
                                      {"__call__": __call__})
    response.__class__ = cls
    response._okno_release = release  # type: ignore[attr-defined]
    return response


def _streams_state(store: PortalStore) -> dict[str, tuple[int, int]]:
    return {s: store.stream_state(s) for s in sorted(KNOWN_STREAMS)}


def _published_snapshot(store: PortalStore, horizon: int) -> SnapshotInfo | None:
    info = current_snapshot(store)
    # A snapshot from before the horizon would only earn its users a "resync".
    return info if info is not None and info.cursor >= horizon else None


async def _read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, TOO_LARGE, f"the request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, TOO_LARGE, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(source: PortalStore | PortalConfig, settings: AppSettings | None = None) -> FastAPI:
    """Build the app over an open store, or open one from a config (closed on shutdown)."""
    if isinstance(source, PortalConfig):
        store = PortalStore.open(source.data_dir, source.database)
        settings = settings or source.settings
        owned = True
    else:
        store = source
        settings = settings or AppSettings()
        owned = False
    slots = Slots(settings.max_concurrent_syncs)  # heavy syncs, per process (see protection)
    compressors = CompressorPool()  # zstd contexts, per process (see fastpath)
    quick_compressors = CompressorPool(level=3)
    community = CommunityStore(store.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            store.close()

    app = FastAPI(title="Okno portal", version=str(PROTOCOL_VERSION), lifespan=lifespan,
                  summary="Catalog sync, snapshots and content-addressed files for Okno clients")
    app.state.store = store
    app.state.community = community
    app.state.settings = settings
    app.add_middleware(ProtectionMiddleware, max_body=settings.max_request_bytes,
                       body_timeout=settings.body_timeout, body_deadline=settings.body_deadline,
                       send_timeout=settings.send_timeout,
                       limiter=limiter_from(store.engine, settings.rate_limit_per_minute))
    if settings.access_log:
        import logging

        app.add_middleware(AccessLogMiddleware, logger=logging.getLogger(ACCESS_LOGGER))

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: NOT_FOUND, 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(400, BAD_REQUEST, f"{where}: {first.get('msg', 'invalid')}")

    @app.get(f"{API_PREFIX}/hello", response_model=Hello, tags=["sync"])
    def hello() -> Hello:
        """Who this portal is, where each stream stands and the snapshot to start from."""
        states = _streams_state(store)
        info = _published_snapshot(store, states[CATALOG_STREAM][1])
        return Hello(
            protocol=PROTOCOL_VERSION,
            portal_id=store.portal_id,
            name=settings.name,
            capabilities=CAPABILITIES,
            streams={s: StreamState(head=h, horizon=z) for s, (h, z) in states.items()},
            snapshot=None if info is None else SnapshotRef(
                url=f"{API_PREFIX}/snapshots/{info.name}", cursor=info.cursor, size=info.size,
                sha256=info.sha256, records=info.records),
            bundle_key=bundle_key,
        )

    @app.post(
        f"{API_PREFIX}/sync", tags=["sync"], response_class=StreamingResponse,
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": REQUEST_SCHEMA}}}},
        responses={200: {"description": "NDJSON lines: rec/del records, a page line after "
                         "each page, then the end line", "content": {NDJSON: {}}},
                   400: {"description": "bad request"},
                   409: {"description": "resync: the local copy cannot be updated from the log"},
                   401: {"description": "signin_required: the token is unknown or revoked, "
                         "or community streams or ops were sent without one"},
                   403: {"description": "forbidden: a stream this user may not read"},
                   404: {"description": "not_found: a stream of an unknown association"},
                   413: {"description": "the request body is larger than 64 KiB (1 MiB for a "
                         "signed-in client's request with ops)"},
                   503: {"description": "too many syncs at once; see Retry-After"}},
    )
    async def sync(request: Request) -> Response:
        """Pages of changes after the client's cursors, compressed per Accept-Encoding."""
        user = await current_user(request, community)
        limit = MAX_BODY if user is None else MAX_BODY_WITH_OPS
        req = parse_sync_request(await _read_body(request, limit), max_body=limit)
        if req.ops and user is None:
            raise signin_required("sign in to send posts and other changes")
        # Cursors and portal_id are checked before any op is applied, so a "resync"
        # answer never follows applied ops (whose references the client must trust).
        states = await run_in_threadpool(_access_and_state, user, req)  # one thread hop
        check_cursors(req, store.portal_id, states)
        # Only heavy syncs wait for a slot, taken after the body is in: a slow client
        # never holds one while it dribbles its request.
        heavy = is_heavy(req.cursors, states, settings.heavy_backlog)
        if heavy and not slots.try_acquire():
            raise ApiError(503, BUSY, "the portal is busy; retry later",
                           headers={"retry-after": str(settings.retry_after_seconds)})
        release = slots.release if heavy else _no_slot
        try:
            op_lines: list[bytes] = []
            if req.ops:
                assert user is not None
                outcomes = await run_in_threadpool(community.apply_ops, user, req.ops)
                op_lines = [dumps(o.line()) for o in outcomes]
                # An op may have ended the right to read a stream (leaving a private
                # association): check again. The ops stay applied; a resend is "duplicate".
                await run_in_threadpool(_check_access, user, req)
                # Fresh heads: the end cursor may then cover the ops' own changes.
                states = await run_in_threadpool(_requested_state, req)
        except BaseException:
            release()
            raise
        encoding = choose_encoding(request.headers.get("accept-encoding"))
        headers = {"cache-control": "no-store", "vary": "Accept-Encoding"}
        if encoding != IDENTITY:
            headers["content-encoding"] = encoding
        heads = {s: states[s][0] for s in req.cursors}
        if not op_lines and all(req.cursors[s] == h for s, h in heads.items()):
            # Nothing new (most of an evening's syncs): the end line alone, byte for byte
            # what sync_chunks would send, without streaming or reading the change log.
            release()
            body = one_shot(dumps(end_line(False, heads)), encoding)
            return Response(body, media_type=NDJSON, headers=headers)
        if sum(heads[s] - req.cursors[s] for s in heads) <= SMALL_BACKLOG:
            # A small answer is built in one go (one thread hop instead of one per chunk)
            # and compressed faster: a few hundred bytes more, a quarter of the CPU.
            chunks = sync_chunks(store, req, heads, encoding, op_lines, quick_compressors)
            try:
                body = await run_in_threadpool(b"".join, chunks)
            finally:
                release()
            return Response(body, media_type=NDJSON, headers=headers)
        chunks = sync_chunks(store, req, heads, encoding, op_lines, compressors)
        return SyncResponse(chunks, release, headers)

    def _check_access(user: User | None, req: SyncRequest) -> None:
        try:
            community.check_streams(user, req.cursors)
        except StreamAccessError as exc:
            if exc.status == 401:
                raise signin_required(exc.message) from None
            raise ApiError(exc.status, exc.code, exc.message, streams=exc.streams) from None

    def _requested_state(req: SyncRequest) -> dict[str, tuple[int, int]]:
        return stream_states(store.engine, req.cursors)

    def _access_and_state(user: User | None, req: SyncRequest) -> dict[str, tuple[int, int]]:
        _check_access(user, req)
        return _requested_state(req)

    add_community_routes(app, community)
    add_course_routes(app, community)
    bundle_key = portal_public_key(store)
    add_bundle_routes(app, store, community, settings.name)
    add_ops_routes(app, store, community, settings)

    def snapshot(name: str, request: Request) -> Response:
        """The current catalog snapshot (zstd NDJSON), with Range and a strong ETag."""
        info = current_snapshot(store) if NAME_RE.match(name) else None
        if info is None or info.name != name:
            raise ApiError(404, NOT_FOUND, "no such snapshot; ask /hello for the current one")
        if settings.accel_redirect:
            return accel_response(settings.accel_redirect, f"snapshots/{name}",
                                  etag=f'"{info.sha256}"', media_type="application/zstd",
                                  cache_control=SNAPSHOT_CACHE)
        if not slots.try_acquire():  # a snapshot download is a heavy sync too
            raise ApiError(503, BUSY, "the portal is busy; retry later",
                           headers={"retry-after": str(settings.retry_after_seconds)})
        try:
            response = file_response(request, snapshot_path(store, name),
                                     etag=f'"{info.sha256}"', media_type="application/zstd",
                                     cache_control=SNAPSHOT_CACHE)
        except BaseException:
            slots.release()
            raise
        return release_after(response, slots.release)

    def blob(sha256: str, request: Request) -> Response:
        """A resource file by the sha256 of its content, with Range and a strong ETag."""
        known = store.file_info(sha256) if SHA256_RE.match(sha256) else None
        if known is None:
            raise ApiError(404, NOT_FOUND, "no such file")
        if settings.accel_redirect:
            return accel_response(settings.accel_redirect, f"blobs/{sha256[:2]}/{sha256}",
                                  etag=f'"{sha256}"', media_type=known[0],
                                  cache_control=BLOB_CACHE)
        return file_response(request, store.blobs.path_for(sha256), etag=f'"{sha256}"',
                             media_type=known[0], cache_control=BLOB_CACHE)

    for path, endpoint in ((f"{API_PREFIX}/snapshots/{{name}}", snapshot),
                           (f"{API_PREFIX}/blobs/{{sha256}}", blob)):
        for method in ("GET", "HEAD"):
            app.add_api_route(path, endpoint, methods=[method], tags=["files"],
                              response_class=Response, responses=FILE_RESPONSES,
                              operation_id=f"{endpoint.__name__}_{method.lower()}")

    def openapi() -> dict:
        """FastAPI documents its own 422 for invalid parameters; this app answers those
        with 400 and the error body (see ``_validation_error``): document what is sent."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 routes=app.routes)
            for item in schema.get("paths", {}).values():
                for operation in item.values():
                    responses = operation.get("responses", {})
                    if responses.pop("422", None) is not None:
                        responses.setdefault("400", {"description": "bad request"})
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
