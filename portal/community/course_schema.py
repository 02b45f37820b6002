"""Portal tables of courses and the library in use (created by the migration step
``portal.db._v4_courses``; kept apart from ``portal.db`` so that module stays the catalog's
and the forums'). The change log stays the source of what clients receive; these tables are
what ops check and what coordinators' reports and the leaders' computation read.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    select,
)

from portal import db
from portal.db import ID_LEN, STAMP_LEN

metadata = MetaData()

courses = Table(
    "courses", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("title", Text, nullable=False),
    Column("association_id", String(ID_LEN), nullable=True),
    Column("content", Text, nullable=False),  # JSON: protocol.courses.course_content
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
)

enrollments = Table(
    "course_enrollments", metadata,
    Column("user_id", String(ID_LEN), nullable=False),
    Column("course_id", String(ID_LEN), nullable=False),
    Column("enrolled", String(STAMP_LEN), nullable=False),
    Column("completed", String(STAMP_LEN), nullable=True),
    PrimaryKeyConstraint("user_id", "course_id"),
    Index("course_enrollments_by_course", "course_id"),
)

progress = Table(
    "course_progress", metadata,
    Column("user_id", String(ID_LEN), nullable=False),
    Column("course_id", String(ID_LEN), nullable=False),
    Column("item_id", String(ID_LEN), nullable=False),
    Column("state", String(20), nullable=False),  # opened | completed
    Column("answer", Text, nullable=True),
    Column("checked", Text, nullable=True),  # JSON list of checked checklist items
    Column("modified", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("user_id", "course_id", "item_id"),
)

reviews = Table(
    "resource_reviews", metadata,
    Column("id", String(ID_LEN), primary_key=True),  # protocol.courses.review_id
    Column("resource_id", String(ID_LEN), nullable=False),
    Column("user_id", String(ID_LEN), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("body_md", Text, nullable=False),
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
    Index("resource_reviews_by_resource", "resource_id"),
    Index("resource_reviews_by_user", "user_id"),
)

lesson_sets = Table(
    "lesson_sets", metadata,
    Column("id", String(ID_LEN), primary_key=True),
    Column("owner_id", String(ID_LEN), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("resource_ids", Text, nullable=False),  # JSON list
    Column("shared_with", String(ID_LEN), nullable=True),  # association id, or private
    Column("created", String(STAMP_LEN), nullable=False),
    Column("modified", String(STAMP_LEN), nullable=False),
    Index("lesson_sets_by_owner", "owner_id"),
)


def create_tables(conn: Connection) -> None:
    metadata.create_all(conn)


# ---- leaders: contribution sources (portal.community.leaders.SOURCES) ------------------------


def count_reviews(conn: Connection, association_id: str) -> dict[str, int]:
    """Reviews of library resources written by each member of the association (a review is
    not tied to an association: it counts in every association its author belongs to)."""
    m, r = db.memberships.c, reviews.c
    rows = conn.execute(
        select(r.user_id, func.count()).join(db.memberships, m.user_id == r.user_id)
        .where(m.association_id == association_id).group_by(r.user_id)).all()
    return {uid: int(n) for uid, n in rows}


def count_course_completions(conn: Connection, association_id: str) -> dict[str, int]:
    """Courses each member of the association completed (every required item done)."""
    m, e = db.memberships.c, enrollments.c
    rows = conn.execute(
        select(e.user_id, func.count()).join(db.memberships, m.user_id == e.user_id)
        .where(m.association_id == association_id, e.completed.is_not(None))
        .group_by(e.user_id)).all()
    return {uid: int(n) for uid, n in rows}
