"""HTTP routes of the community: sign-in, sign-out and "who am I", under ``/api/v1``.

Writes do not have routes of their own: they travel as ops in ``POST /api/v1/sync`` so that
a whole outbox and the changes it causes take one round trip.

>>> add_community_routes(app, community)
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from portal.accesslog import remember_user
from portal.community.accounts import SigninFailed, SigninThrottled, User, bearer_token
from portal.community.store import CommunityStore
from portal.errors import BAD_REQUEST, TOO_LARGE, ApiError
from protocol.wire import API_PREFIX

SIGNIN_REQUIRED = "signin_required"
SIGNIN_FAILED = "signin_failed"
TOO_MANY_ATTEMPTS = "too_many_attempts"
MAX_AUTH_BODY = 8 * 1024

SIGNIN_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["login", "password"], "additionalProperties": False,
    "properties": {"login": {"type": "string", "maxLength": 100},
                   "password": {"type": "string", "maxLength": 1000},
                   "device_name": {"type": "string", "maxLength": 200,
                                   "description": "shown to the user and administrators "
                                   "when managing devices"}},
}


class UserInfo(BaseModel):
    id: str
    login: str
    display_name: str
    school: str
    municipality: str
    region: str
    role: str


class SigninResult(BaseModel):
    token: str
    user: UserInfo


class Me(BaseModel):
    user: UserInfo
    memberships: dict[str, str]
    streams: list[str]


def signin_required(message: str = "sign in again: the device token is missing, unknown "
                    "or revoked") -> ApiError:
    return ApiError(401, SIGNIN_REQUIRED, message, headers={"www-authenticate": "Bearer"})


async def current_user(request: Request, community: CommunityStore) -> User | None:
    """The user of the request's bearer token; None without an Authorization header; 401 for
    a token that is malformed, unknown or revoked."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    user = await run_in_threadpool(community.authenticate, token)
    if user is None:
        raise signin_required()
    remember_user(request.scope, user.id)  # for the access log (never the token)
    return user


async def _json_body(request: Request) -> dict[str, Any]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():  # never buffer more than the limit
        size += len(chunk)
        if size > MAX_AUTH_BODY:
            raise ApiError(413, TOO_LARGE,
                           f"the request body is larger than {MAX_AUTH_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, BAD_REQUEST, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, BAD_REQUEST, "the request body must be a JSON object")
    return body


def add_community_routes(app: FastAPI, community: CommunityStore) -> None:
    """Register ``/auth/signin``, ``/auth/signout`` and ``/me`` on the app."""

    @app.post(f"{API_PREFIX}/auth/signin", response_model=SigninResult, tags=["community"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": SIGNIN_SCHEMA}}}},
              responses={401: {"description": "wrong login or password (signin_failed)"},
                         429: {"description": "too many failures; see Retry-After"}})
    async def signin(request: Request) -> SigninResult:
        """Exchange a login and password for a long-lived device token."""
        body = await _json_body(request)
        unknown = sorted(set(body) - {"login", "password", "device_name"})
        if unknown:
            raise ApiError(400, BAD_REQUEST, f"unknown field(s): {', '.join(unknown)[:200]}")
        login, password = body.get("login"), body.get("password")
        device = body.get("device_name", "")
        if not all(isinstance(v, str) for v in (login, password, device)):
            raise ApiError(400, BAD_REQUEST, "login, password and device_name must be text")
        try:
            token, user = await run_in_threadpool(community.signin, login, password, device)
        except SigninThrottled as exc:
            raise ApiError(429, TOO_MANY_ATTEMPTS, "too many failed sign-ins for this login; "
                           f"try again in {exc.retry_after} seconds",
                           headers={"retry-after": str(exc.retry_after)}) from None
        except SigninFailed:
            raise ApiError(401, SIGNIN_FAILED, "wrong login or password") from None
        return SigninResult(token=token, user=UserInfo(**user.public()))

    @app.post(f"{API_PREFIX}/auth/signout", tags=["community"],
              responses={401: {"description": "signin_required: no device token was sent"}})
    async def signout(request: Request) -> JSONResponse:
        """Revoke this device's token. Answers 200 even for a token already revoked."""
        token = bearer_token(request.headers.get("authorization"))
        if not token:
            raise signin_required("no device token was sent")
        revoked = await run_in_threadpool(community.signout, token)
        return JSONResponse({"revoked": revoked}, headers={"cache-control": "no-store"})

    @app.get(f"{API_PREFIX}/me", response_model=Me, tags=["community"],
             responses={401: {"description": "signin_required"}})
    async def me(request: Request) -> Me:
        """The signed-in user, their memberships and the streams to follow."""
        user = await current_user(request, community)
        if user is None:
            raise signin_required("sign in first")

        def load() -> Me:
            return Me(user=UserInfo(**user.public()),
                      memberships=community.memberships_of(user.id),
                      streams=community.suggested_streams(user))

        return await run_in_threadpool(load)
