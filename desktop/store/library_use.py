"""The library in use on the desktop: reviews of resources (rating + "how I used it in class"),
lesson sets (own, and those colleagues shared with an association), and the discussions that
link to a resource (posts whose Markdown links to ``okno://resource/<id>``).

Writes are local first, each with its outbox op, in one durable transaction.

>>> op_id, changes = store.save_review("res-000012", 5, "Провела урок в 6 «Б» …")
>>> store.rating_summary("res-000012")
{'average': 5.0, 'count': 1}
"""

from __future__ import annotations

import json
from typing import Any

from desktop.store.base import ReaderBase, WriterBase
from desktop.store.db import utc_now
from desktop.store.errors import StoreError
from desktop.store.types import Changes
from protocol.community import MAX_BODY_MD
from protocol.courses import (
    MAX_RATING,
    MAX_SET_RESOURCES,
    MIN_RATING,
    OP_LESSON_SET_DELETE,
    OP_LESSON_SET_SAVE,
    OP_REVIEW_DELETE,
    OP_REVIEW_SET,
    linked_resources,
    resource_link,
    review_id,
)
from protocol.wire import MAX_TITLE

_SET_COLS = "id, owner_id, title, description, resource_ids, shared_with, modified, version"


def _set_row(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "owner_id": row[1], "title": row[2], "description": row[3],
            "resource_ids": json.loads(row[4]), "shared_with": row[5], "modified": row[6],
            "local": row[7] == 0}


class LibraryUseReads(ReaderBase):

    def reviews(self, resource_id: str) -> list[dict[str, Any]]:
        """A resource's reviews, newest first, with the author's display name."""
        cur = self._conn.execute(
            "SELECT r.id, r.author_id, coalesce(p.display_name, ''), r.rating, r.body_md, "
            "r.modified, r.version FROM reviews r LEFT JOIN profiles p ON p.id = r.author_id "
            "WHERE r.resource_id = ? "
            # Unsent reviews first, in writing order (their times are the client's clock);
            "ORDER BY r.version = 0 DESC, CASE WHEN r.version = 0 THEN r.rowid END DESC, "
            "r.modified DESC, r.id", (resource_id,))  # portal clock: synced rows only
        return [{"id": i, "author_id": a, "author": n, "rating": rt, "body_md": b,
                 "modified": m, "local": v == 0} for i, a, n, rt, b, m, v in cur]

    def rating_summary(self, resource_id: str) -> dict[str, Any]:
        avg, count = self._conn.execute(
            "SELECT avg(rating), count(*) FROM reviews WHERE resource_id = ?",
            (resource_id,)).fetchone()
        return {"average": round(avg, 2) if avg is not None else None, "count": count}

    def my_review(self, resource_id: str) -> dict[str, Any] | None:
        raw = self._meta("community_user")
        if not raw:
            return None
        rid = review_id(json.loads(raw)["id"], resource_id)
        row = self._conn.execute("SELECT rating, body_md, version FROM reviews WHERE id = ?",
                                 (rid,)).fetchone()
        return None if row is None else {"id": rid, "rating": row[0], "body_md": row[1],
                                         "local": row[2] == 0}

    def linked_discussions(self, resource_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Posts (with their thread) whose Markdown links to the resource with
        ``okno://resource/<id>``; newest first. Hidden and removed posts are left out."""
        link = resource_link(resource_id)
        cur = self._conn.execute(
            "SELECT p.id, p.thread_id, coalesce(t.title, ''), p.author_id, "
            "coalesce(pr.display_name, ''), coalesce(p.local_body_md, p.body_md), p.created "
            "FROM posts p LEFT JOIN threads t ON t.id = p.thread_id "
            "LEFT JOIN profiles pr ON pr.id = p.author_id "
            "WHERE instr(coalesce(p.local_body_md, p.body_md), ?) > 0 "
            "AND p.hidden = 0 AND p.removed = 0 AND p.deleted = 0 "
            # Unsent posts first, in writing order (their times are the client's clock).
            "ORDER BY p.local DESC, CASE WHEN p.local THEN p.rowid END DESC, "
            "p.created DESC, p.rowid DESC", (link,))  # portal clock: synced rows only
        out = []
        for pid, tid, title, author_id, author, body, created in cur:
            if resource_id in linked_resources(body):  # not a longer id with this prefix
                out.append({"post_id": pid, "thread_id": tid, "title": title,
                            "author_id": author_id, "author": author, "body_md": body,
                            "created": created})
                if len(out) >= limit:
                    break
        return out

    def lesson_sets(self) -> list[dict[str, Any]]:
        """The user's own lesson sets by title."""
        return [_set_row(r) for r in self._conn.execute(
            f"SELECT {_SET_COLS} FROM lesson_sets ORDER BY title, id")]

    def shared_lesson_sets(self, association_id: str | None = None) -> list[dict[str, Any]]:
        """Sets colleagues shared with associations the user follows (or with one of them)."""
        where, params = ("WHERE s.shared_with = ?", (association_id,)) if association_id \
            else ("", ())
        cur = self._conn.execute(
            f"SELECT s.id, s.owner_id, s.title, s.description, s.resource_ids, s.shared_with, "
            f"s.modified, s.version, coalesce(p.display_name, ''), coalesce(a.name, '') "
            f"FROM shared_lesson_sets s LEFT JOIN profiles p ON p.id = s.owner_id "
            f"LEFT JOIN associations a ON a.id = s.shared_with {where} "
            "ORDER BY s.title, s.id", params)
        return [dict(_set_row(r[:8]), owner=r[8], association=r[9]) for r in cur]

    def lesson_set(self, set_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(f"SELECT {_SET_COLS} FROM lesson_sets WHERE id = ?",
                                 (set_id,)).fetchone()
        if row is None:
            row = self._conn.execute(f"SELECT {_SET_COLS} FROM shared_lesson_sets WHERE id = ?",
                                     (set_id,)).fetchone()
        return None if row is None else _set_row(row)


class LibraryUseWrites(WriterBase):

    def save_review(self, resource_id: str, rating: int, body_md: str = ""
                    ) -> tuple[str, Changes]:
        """Write (or rewrite) the user's one review of a resource. Returns (op_id, changes)."""
        if type(rating) is not int or not MIN_RATING <= rating <= MAX_RATING:
            raise StoreError(f"a rating is a whole number from {MIN_RATING} to {MAX_RATING}")
        body_md = (body_md or "").strip()
        if len(body_md) > MAX_BODY_MD:
            raise StoreError(f"the note is longer than {MAX_BODY_MD} characters")
        user = self._author()  # type: ignore[attr-defined]
        rid = review_id(user, resource_id)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM resources WHERE id = ?",
                            (resource_id,)).fetchone() is None:
                raise StoreError(f"there is no resource {resource_id!r:.60} in the library")
            now = utc_now()
            conn.execute(
                "INSERT INTO reviews (id, resource_id, author_id, rating, body_md, created, "
                "modified, version, seq) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT (id) DO "
                "UPDATE SET rating = excluded.rating, body_md = excluded.body_md, "
                "modified = excluded.modified, version = 0",
                (rid, resource_id, user, rating, body_md, now, now))
            # Only the latest unsent review of a resource needs to go.
            conn.execute("DELETE FROM outbox WHERE type IN (?, ?) AND state = 'pending' AND "
                         "json_extract(data, '$.resource_id') = ?",
                         (OP_REVIEW_SET, OP_REVIEW_DELETE, resource_id))
            op_id = self._add_op(conn, OP_REVIEW_SET,  # type: ignore[attr-defined]
                                 {"resource_id": resource_id, "rating": rating,
                                  "body_md": body_md})
        return op_id, Changes(community=True, outbox=True, resources=frozenset({resource_id}))

    def delete_review(self, resource_id: str) -> tuple[str, Changes]:
        user = self._author()  # type: ignore[attr-defined]
        with self._write() as conn:
            conn.execute("DELETE FROM reviews WHERE id = ?", (review_id(user, resource_id),))
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.resource_id') = ?", (OP_REVIEW_SET, resource_id))
            op_id = self._add_op(conn, OP_REVIEW_DELETE,  # type: ignore[attr-defined]
                                 {"resource_id": resource_id})
        return op_id, Changes(community=True, outbox=True, resources=frozenset({resource_id}))

    def save_lesson_set(self, set_id: str | None, title: str, resource_ids: list[str], *,
                        description: str = "", shared_with: str | None = None
                        ) -> tuple[str, str, Changes]:
        """Create (``set_id`` None) or replace one of the user's lesson sets; ``shared_with``
        an association id shares it with that association's members (None: private).
        Returns (set_id, op_id, changes)."""
        from desktop.store.community import new_id

        title = (title or "").strip()
        if not title or len(title) > MAX_TITLE:
            raise StoreError(f"a lesson set needs a title of 1 to {MAX_TITLE} characters")
        ids = list(dict.fromkeys(resource_ids))
        if len(ids) > MAX_SET_RESOURCES:
            raise StoreError(f"a lesson set holds at most {MAX_SET_RESOURCES} resources")
        user = self._author()  # type: ignore[attr-defined]
        set_id = set_id or new_id()
        with self._write() as conn:
            old = conn.execute("SELECT owner_id FROM lesson_sets WHERE id = ?",
                               (set_id,)).fetchone()
            if old is not None and old[0] != user:
                raise StoreError("only its owner can change a lesson set")
            conn.execute(
                "INSERT INTO lesson_sets (id, owner_id, title, description, resource_ids, "
                "shared_with, modified, version, seq) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) "
                "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
                "description = excluded.description, resource_ids = excluded.resource_ids, "
                "shared_with = excluded.shared_with, modified = excluded.modified, version = 0",
                (set_id, user, title, description, json.dumps(ids, ensure_ascii=False),
                 shared_with, utc_now()))
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.id') = ?", (OP_LESSON_SET_SAVE, set_id))
            op_id = self._add_op(conn, OP_LESSON_SET_SAVE, {  # type: ignore[attr-defined]
                "id": set_id, "title": title, "description": description, "resource_ids": ids,
                "shared_with": shared_with})
        return set_id, op_id, Changes(community=True, outbox=True)

    def add_to_lesson_set(self, set_id: str, resource_id: str) -> tuple[str, str, Changes]:
        s = self.lesson_set(set_id)  # type: ignore[attr-defined]
        if s is None:
            raise StoreError(f"there is no lesson set {set_id!r:.60}")
        return self.save_lesson_set(set_id, s["title"], [*s["resource_ids"], resource_id],
                                    description=s["description"], shared_with=s["shared_with"])

    def delete_lesson_set(self, set_id: str) -> tuple[str, Changes]:
        with self._write() as conn:
            conn.execute("DELETE FROM lesson_sets WHERE id = ?", (set_id,))
            conn.execute("DELETE FROM outbox WHERE type = ? AND state = 'pending' AND "
                         "json_extract(data, '$.id') = ?", (OP_LESSON_SET_SAVE, set_id))
            op_id = self._add_op(conn, OP_LESSON_SET_DELETE,  # type: ignore[attr-defined]
                                 {"id": set_id})
        return op_id, Changes(community=True, outbox=True)
