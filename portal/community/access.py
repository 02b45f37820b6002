"""Who may read and write what: the rules every sync request and every op goes through.

* Reading ``directory``: any signed-in user. ``user:<id>``: that user only.
  ``assoc:<id>``: anyone signed in if the association is public; its members (any role) and
  portal administrators if it is private.
* Posting (new thread, reply): members of the association (any role) and administrators;
  joining a public association is one op (``membership.join``).
* Author-owned: a post's text (edit, delete) belongs to its author alone — a moderator hides
  or removes a post but never rewrites it.
* Moderation (hide/unhide/remove posts, lock/pin threads) belongs to the association's
  moderators and coordinators, and to portal-wide ``moderator`` and ``administrator`` users.
  A portal-wide ``coordinator`` role is a title on the profile; coordinating powers come from
  a membership with role ``coordinator``.

>>> can_read(user, association_row, membership_role=None)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from portal import db
from portal.community.accounts import User
from protocol.community import MODERATING_ROLES

PORTAL_MODERATORS = frozenset({"moderator", "administrator"})


def membership_role(conn: Connection, user_id: str, association_id: str) -> str | None:
    m = db.memberships.c
    return conn.execute(select(m.role).where(
        m.user_id == user_id, m.association_id == association_id)).scalar()


def association_row(conn: Connection, association_id: str) -> Mapping[str, Any] | None:
    a = db.associations
    return conn.execute(select(a).where(a.c.id == association_id)).mappings().first()


def can_read(user: User, association: Mapping[str, Any], role: str | None) -> bool:
    return (association["visibility"] == "public" or role is not None
            or user.role == "administrator")


def can_post(user: User, role: str | None) -> bool:
    return role is not None or user.role == "administrator"


def can_moderate(user: User, role: str | None) -> bool:
    return user.role in PORTAL_MODERATORS or role in MODERATING_ROLES
