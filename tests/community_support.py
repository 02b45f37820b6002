"""Helpers shared by the community tests and benchmark (a real portal, a real replica)."""

from __future__ import annotations

from typing import Any


def reply_thread(store: Any) -> str:
    """A thread of an association the signed-in demo user is a member of, not locked:
    one the user may reply in."""
    for association_id in sorted(store.memberships()):
        for forum in store.forums(association_id):
            for thread in store.threads(forum["id"]):
                if not thread["locked"]:
                    return thread["id"]
    raise AssertionError("the demo user has no thread to reply to")
