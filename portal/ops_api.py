"""Operator-facing HTTP routes: ``GET /health``, the moderation queue for moderators, and
the ``X-Accel-Redirect`` answers that let a front web server send blobs and snapshots.

    GET  /health                                      200 or 503, JSON checks
    GET  /api/v1/moderation/flags                     the queue (moderators)
    POST /api/v1/moderation/posts/{post_id}/{action}  hide | restore | dismiss, {"reason"?}

>>> add_ops_routes(app, store, community, settings)
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from portal import db, moderation
from portal.catalog import PortalStore
from portal.community import CommunityStore
from portal.community.api import current_user, signin_required
from portal.config import AppSettings
from portal.errors import BAD_REQUEST, NOT_FOUND, TOO_LARGE, ApiError
from protocol.wire import API_PREFIX

FORBIDDEN = "forbidden"
MAX_DECISION_BODY = 8 * 1024


def health_report(store: PortalStore, min_free_bytes: int) -> tuple[bool, dict[str, Any]]:
    """``(healthy, checks)``: the database answers, its schema is current, and the blob
    directory's file system has at least ``min_free_bytes`` free."""
    checks: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        with store.engine.connect() as conn:
            version = db.current_version(conn)
            conn.execute(select(db.streams.c.name).limit(1)).all()
        checks["database"] = {"ok": True,
                              "ms": round((time.perf_counter() - started) * 1000, 1)}
        checks["migrations"] = {"ok": version == len(db.MIGRATIONS), "version": version,
                                "expected": len(db.MIGRATIONS)}
    except Exception as exc:  # any failure to reach the database is the answer itself
        checks["database"] = {"ok": False, "error": f"{exc.__class__.__name__}: "
                              f"{str(exc.args[0] if exc.args else exc)[:200]}"}
        checks["migrations"] = {"ok": False, "version": None, "expected": len(db.MIGRATIONS)}
    root = store.blobs.root if store.blobs.root.exists() else store.data_dir
    try:
        free = shutil.disk_usage(root).free
        checks["disk"] = {"ok": free >= min_free_bytes, "free_bytes": free,
                          "min_free_bytes": min_free_bytes}
    except OSError as exc:
        checks["disk"] = {"ok": False, "error": str(exc)[:200]}
    return all(c["ok"] for c in checks.values()), checks


def accel_response(prefix: str, relpath: str, *, media_type: str, etag: str,
                   cache_control: str) -> Response:
    """An empty answer telling the front server (nginx) to send the file itself from its
    internal location ``prefix/relpath``; ``X-Okno-ETag`` carries the strong ETag for the
    front server to use (see docs/operating.md)."""
    return Response(status_code=200, media_type=media_type, headers={
        "x-accel-redirect": f"{prefix.rstrip('/')}/{relpath}", "x-okno-etag": etag,
        "cache-control": cache_control, "accept-ranges": "bytes"})


async def _decision_body(request: Request) -> dict[str, Any]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_DECISION_BODY:
            raise ApiError(413, TOO_LARGE,
                           f"the request body is larger than {MAX_DECISION_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, BAD_REQUEST, "the request body is not valid JSON") from None
    if not isinstance(body, dict) or set(body) - {"reason"}:
        raise ApiError(400, BAD_REQUEST, 'the body must be {"reason": "..."} or empty')
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(400, BAD_REQUEST, "reason must be text")
    return body


def add_ops_routes(app: FastAPI, store: PortalStore, community: CommunityStore,
                   settings: AppSettings) -> None:
    @app.get("/health", tags=["operations"],
             responses={503: {"description": "a check failed (see checks)"}})
    def health() -> JSONResponse:
        """Liveness and readiness for load balancers and monitoring."""
        ok, checks = health_report(store, settings.min_free_bytes)
        return JSONResponse({"status": "ok" if ok else "fail", "checks": checks},
                            status_code=200 if ok else 503,
                            headers={"cache-control": "no-store"})

    async def moderator(request: Request) -> tuple[Any, list[str] | None]:
        user = await current_user(request, community)
        if user is None:
            raise signin_required("sign in as a moderator")
        allowed = await run_in_threadpool(moderation.moderated_associations, store.engine,
                                          user)
        if allowed is not None and not allowed:
            raise ApiError(403, FORBIDDEN, "only moderators can see the moderation queue")
        return user, allowed

    @app.get(f"{API_PREFIX}/moderation/flags", tags=["moderation"],
             responses={401: {"description": "signin_required"},
                        403: {"description": "not a moderator"}})
    async def flags(request: Request) -> JSONResponse:
        """Posts members flagged, most flagged first (the moderator's associations only)."""
        _user, allowed = await moderator(request)
        posts = await run_in_threadpool(moderation.open_flags, store.engine, allowed)
        return JSONResponse({"posts": [p.to_json() for p in posts]},
                            headers={"cache-control": "no-store"})

    @app.post(f"{API_PREFIX}/moderation/posts/{{post_id}}/{{action}}", tags=["moderation"],
              responses={401: {"description": "signin_required"},
                         403: {"description": "not a moderator"},
                         404: {"description": "no such post in the moderator's associations"}})
    async def decide(post_id: str, action: str, request: Request) -> JSONResponse:
        """Hide, restore or dismiss a flagged post: ``{"reason": "..."}`` (optional)."""
        user, allowed = await moderator(request)
        if action not in moderation.ACTIONS:
            raise ApiError(404, NOT_FOUND, f"unknown action {action[:40]!r}; use "
                           f"{', '.join(moderation.ACTIONS)}")
        body = await _decision_body(request)
        try:
            result = await run_in_threadpool(
                lambda: moderation.decide(store.engine, post_id, action, by=f"user:{user.id}",
                                          reason=body.get("reason"), allowed=allowed))
        except moderation.ModerationError as exc:
            raise ApiError(404, NOT_FOUND, str(exc)) from None
        return JSONResponse(result, headers={"cache-control": "no-store"})
