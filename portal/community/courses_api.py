"""HTTP route of the coordinators' course report (see portal.community.courses):
``GET /api/v1/associations/{id}/course-progress[?course=ID]``, coordinators only.
Kept apart so that the CLI and the ops do not import FastAPI.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from portal.community import access
from portal.community.api import current_user, signin_required
from portal.community.courses import association_progress, may_see_progress
from portal.errors import NOT_FOUND, ApiError
from protocol.wire import API_PREFIX


def add_course_routes(app: FastAPI, community: Any) -> None:
    """``GET /api/v1/associations/{id}/course-progress[?course=ID]``: coordinators only."""
    @app.get(f"{API_PREFIX}/associations/{{association_id}}/course-progress",
             tags=["community"],
             responses={401: {"description": "signin_required"},
                        403: {"description": "not a coordinator of the association"},
                        404: {"description": "no such association"}})
    async def course_progress_report(association_id: str, request: Request,
                                     course: str | None = None) -> JSONResponse:
        """Per-member course progress of an association, for its coordinators."""
        user = await current_user(request, community)
        if user is None:
            raise signin_required("sign in first")

        def load() -> list[dict[str, Any]]:
            with community.engine.connect() as conn:
                if access.association_row(conn, association_id) is None:
                    raise ApiError(404, NOT_FOUND, f"there is no association "
                                   f"{association_id!r}")
                if not may_see_progress(conn, user, association_id):
                    raise ApiError(403, "forbidden", "only the association's coordinators see "
                                   "its members' progress")
            return association_progress(community.engine, association_id, course)

        rows = await run_in_threadpool(load)
        return JSONResponse({"association_id": association_id, "members": rows},
                            headers={"cache-control": "no-store"})
