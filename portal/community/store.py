"""The community over the portal's database: accounts, associations, forums, stream access
and op application. Shares the catalog's engine and change log.

>>> community = CommunityStore(portal_store.engine)
>>> user = community.add_user("ivanova", "Иванова Мария Петровна", password="секрет")
>>> token, user = community.signin("ivanova", "секрет", "Кабинет информатики, ПК 3")
>>> community.authenticate(token).login
'ivanova'
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from portal import db
from portal.catalog import check_fields, validated
from portal.community import access, records
from portal.community.accounts import (
    LAST_USED_EVERY_SECONDS,
    MAX_FAILURES,
    MAX_PASSWORD,
    WINDOW_SECONDS,
    SigninFailed,
    SigninThrottled,
    User,
    hash_password,
    needs_rehash,
    new_token,
    normalize_login,
    token_digest,
    verify_password,
)
from portal.community.ops import Outcome, apply_op
from portal.community.records import ChangeSet
from protocol import community as pc
from protocol.wire import CATALOG_STREAM

ASSOCIATION_FIELDS = frozenset({"id", "name", "description", "kind", "visibility", "parent_id",
                                "region", "municipality", "topic"})
FORUM_FIELDS = frozenset({"id", "association_id", "title", "description", "position"})
MAX_LOGIN = 100
MAX_DEVICE_NAME = 200


class StreamAccessError(Exception):
    """A sync asked for a stream this user may not read: ``status`` 401, 403 or 404."""

    def __init__(self, status: int, code: str, message: str, streams: Sequence[str]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.streams = list(streams)


def _stamp_days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(row: Mapping[str, Any]) -> User:
    return User(row["id"], row["login"], row["display_name"], row["school"],
                row["municipality"], row["region"], row["role"])




def _new_stream(conn: Connection, name: str) -> None:
    s = db.streams.c
    if conn.execute(select(s.name).where(s.name == name)).first() is None:
        conn.execute(insert(db.streams).values(name=name, last_seq=0, horizon_seq=0))


class CommunityStore:
    """Accounts, associations, forums and ops over a migrated portal database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- users ------------------------------------------------------------------------------

    def add_user(self, login: str, display_name: str, *, password: str | None = None,
                 role: str = "member", school: str = "", municipality: str = "",
                 region: str = "", user_id: str | None = None,
                 password_hash: str | None = None) -> User:
        """Create a user (and their ``user:<id>`` stream and public profile)."""
        login = normalize_login(login)
        if not login or len(login) > MAX_LOGIN or any(c.isspace() for c in login):
            raise ValueError("a login must be 1 to 100 characters without spaces")
        if role not in pc.USER_ROLES:
            raise ValueError(f"role must be one of {', '.join(sorted(pc.USER_ROLES))}")
        uid = user_id or f"u-{secrets.token_hex(6)}"
        pc.owner_id(uid, "user id")
        hashed = hash_password(password) if password is not None else password_hash
        now = db.utc_now()
        row = {"id": uid, "login": login, "display_name": display_name.strip(),
               "school": school, "municipality": municipality, "region": region,
               "role": role, "password_hash": hashed, "created": now, "modified": now}
        with db.write_transaction(self.engine) as conn:
            u = db.users.c
            if conn.execute(select(u.id).where(
                    (u.login == login) | (u.id == uid))).first() is not None:
                raise ValueError(f"a user with login {login!r} (or id {uid!r}) already exists")
            cs = ChangeSet(conn, now)
            cs.put(pc.DIRECTORY_STREAM, pc.KIND_PROFILE, records.profile_record(row), new=True)
            conn.execute(insert(db.users).values(row))
            _new_stream(conn, pc.user_stream(uid))
            cs.flush()
        return _user(row)

    def get_user(self, login_or_id: str) -> User | None:
        u = db.users
        key = normalize_login(login_or_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(u).where(
                (u.c.login == key) | (u.c.id == login_or_id))).mappings().first()
        return None if row is None else _user(row)

    def require_user(self, login_or_id: str) -> User:
        user = self.get_user(login_or_id)
        if user is None:
            raise ValueError(f"there is no user {login_or_id!r}")
        return user

    def set_password(self, login: str, password: str) -> None:
        user = self.require_user(login)
        hashed = hash_password(password)
        with db.write_transaction(self.engine) as conn:
            conn.execute(update(db.users).where(db.users.c.id == user.id)
                         .values(password_hash=hashed, modified=db.utc_now()))

    # ---- sign-in and tokens -----------------------------------------------------------------

    def signin(self, login: str, password: str, device_name: str) -> tuple[str, User]:
        """A new device token for a right password. Raises :class:`SigninThrottled` after
        :data:`MAX_FAILURES` failures for the login within :data:`WINDOW_SECONDS` (counted in
        the database, so every portal process sees them), :class:`SigninFailed` otherwise."""
        key = normalize_login(login)[:MAX_LOGIN]
        if len(password) > MAX_PASSWORD:  # no argon2 work for absurd inputs
            raise SigninFailed("wrong login or password")
        now = int(time.time())
        f = db.signin_failures.c
        with self.engine.connect() as conn:
            count, oldest = conn.execute(select(func.count(), func.min(f.at)).where(
                f.login == key, f.at > now - WINDOW_SECONDS)).one()
            row = conn.execute(select(db.users).where(db.users.c.login == key)).mappings().first()
        if count >= MAX_FAILURES:
            raise SigninThrottled(max(1, int(oldest) + WINDOW_SECONDS - now))
        # argon2 is slow on purpose: verify outside any transaction.
        if row is None or not verify_password(row["password_hash"], password):
            with db.write_transaction(self.engine) as conn:
                # Expired failures of every login go: the table holds one window at most.
                conn.execute(delete(db.signin_failures).where(f.at <= now - WINDOW_SECONDS))
                conn.execute(insert(db.signin_failures).values(login=key, at=now))
            raise SigninFailed("wrong login or password")
        token = new_token()
        stamp = db.utc_now()
        with db.write_transaction(self.engine) as conn:
            conn.execute(delete(db.signin_failures).where(f.login == key))
            conn.execute(insert(db.tokens).values(
                token_hash=token_digest(token), user_id=row["id"],
                device_name=device_name.strip()[:MAX_DEVICE_NAME] or "?", created=stamp,
                last_used=stamp, revoked=None))
            if needs_rehash(row["password_hash"]):
                conn.execute(update(db.users).where(db.users.c.id == row["id"])
                             .values(password_hash=hash_password(password)))
        return token, _user(row)

    def authenticate(self, token: str) -> User | None:
        """The user of a valid (not revoked) token, or None."""
        if not token:
            return None
        digest = token_digest(token)
        t, u = db.tokens, db.users
        with self.engine.connect() as conn:
            row = conn.execute(
                select(u, t.c.last_used).join(t, t.c.user_id == u.c.id)
                .where(t.c.token_hash == digest, t.c.revoked.is_(None))).mappings().first()
        if row is None:
            return None
        stale = datetime.now(UTC) - timedelta(seconds=LAST_USED_EVERY_SECONDS)
        if row["last_used"] < stale.strftime("%Y-%m-%dT%H:%M:%SZ"):
            with db.write_transaction(self.engine) as conn:
                conn.execute(update(t).where(t.c.token_hash == digest)
                             .values(last_used=db.utc_now()))
        return _user(row)

    def signout(self, token: str) -> bool:
        """Revoke one token; True if it was valid."""
        t = db.tokens.c
        with db.write_transaction(self.engine) as conn:
            done = conn.execute(update(db.tokens).where(
                t.token_hash == token_digest(token), t.revoked.is_(None),
            ).values(revoked=db.utc_now()))
        return done.rowcount > 0

    def revoke_tokens(self, login: str) -> int:
        """Revoke every token of a user (all devices sign in again); returns how many."""
        user = self.require_user(login)
        t = db.tokens.c
        with db.write_transaction(self.engine) as conn:
            done = conn.execute(update(db.tokens).where(
                t.user_id == user.id, t.revoked.is_(None)).values(revoked=db.utc_now()))
        return int(done.rowcount)

    def tokens_of(self, login: str) -> list[dict[str, Any]]:
        user = self.require_user(login)
        t = db.tokens.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.device_name, t.created, t.last_used, t.revoked)
                                .where(t.user_id == user.id).order_by(t.created))
            return [dict(r._mapping) for r in rows]

    # ---- associations, forums, memberships (administration) ---------------------------------

    def add_association(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace an association; its stream ``assoc:<id>`` is created with it."""
        fields = check_fields(data, ASSOCIATION_FIELDS, "association")
        now = db.utc_now()
        row = {"description": "", "parent_id": None, "region": "", "municipality": "",
               "topic": "", **fields, "created": now, "modified": now}
        validated(pc.validate_association, {**row, "version": 1})
        a = db.associations
        with db.write_transaction(self.engine) as conn:
            old = access.association_row(conn, row["id"])
            if row["parent_id"] is not None and (
                    row["parent_id"] == row["id"]
                    or access.association_row(conn, row["parent_id"]) is None):
                raise ValueError(f"unknown parent association {row['parent_id']!r}")
            cs = ChangeSet(conn, now)
            if old is None:
                conn.execute(insert(a).values(row))
                _new_stream(conn, pc.assoc_stream(row["id"]))
            else:
                row["created"] = old["created"]
                conn.execute(update(a).where(a.c.id == row["id"]).values(row))
            d = cs.put(pc.DIRECTORY_STREAM, pc.KIND_ASSOCIATION, records.association_record(row))
            cs.flush()
        return d

    def add_forum(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace a forum of an existing association."""
        fields = check_fields(data, FORUM_FIELDS, "forum")
        now = db.utc_now()
        row = {"description": "", "position": 0, **fields, "created": now, "modified": now}
        validated(pc.validate_forum, {**row, "version": 1})
        pc.client_id(row["id"], "forum.id")
        f = db.forums
        with db.write_transaction(self.engine) as conn:
            if access.association_row(conn, row["association_id"]) is None:
                raise ValueError(f"there is no association {row['association_id']!r}")
            old = conn.execute(select(f).where(f.c.id == row["id"])).mappings().first()
            if old is None:
                conn.execute(insert(f).values(row))
            elif old["association_id"] != row["association_id"]:
                raise ValueError("a forum cannot move to another association")
            else:
                row["created"] = old["created"]
                conn.execute(update(f).where(f.c.id == row["id"]).values(row))
            cs = ChangeSet(conn, now)
            d = cs.put(pc.DIRECTORY_STREAM, pc.KIND_FORUM, records.forum_record(row))
            cs.flush()
        return d

    def set_membership(self, login: str, association_id: str, role: str) -> dict[str, Any]:
        """Make a user a member (or moderator, coordinator) of an association; the record goes
        to the user's own stream."""
        if role not in pc.MEMBER_ROLES:
            raise ValueError(f"role must be one of {', '.join(sorted(pc.MEMBER_ROLES))}")
        user = self.require_user(login)
        now = db.utc_now()
        m = db.memberships
        with db.write_transaction(self.engine) as conn:
            if access.association_row(conn, association_id) is None:
                raise ValueError(f"there is no association {association_id!r}")
            old = conn.execute(select(m.c.created).where(
                m.c.user_id == user.id, m.c.association_id == association_id)).scalar()
            row = {"association_id": association_id, "user_id": user.id, "role": role,
                   "created": old or now}
            if old is None:
                conn.execute(insert(m).values(row))
            else:
                conn.execute(update(m).where(m.c.user_id == user.id,
                                             m.c.association_id == association_id)
                             .values(role=role))
            cs = ChangeSet(conn, now)
            d = cs.put(pc.user_stream(user.id), pc.KIND_MEMBERSHIP,
                       records.membership_record({**row, "modified": now}))
            cs.flush()
        return d

    # ---- reading ----------------------------------------------------------------------------

    def check_streams(self, user: User | None, streams: Iterable[str]) -> None:
        """Raise :class:`StreamAccessError` unless ``user`` may read every stream named."""
        community = [s for s in streams if s != CATALOG_STREAM]
        if not community:
            return
        if user is None:
            raise StreamAccessError(401, "signin_required", "sign in to sync the community "
                                    "streams", community)
        with self.engine.connect() as conn:
            for stream in community:
                family = pc.stream_family(stream)
                owner = pc.stream_owner(stream)
                if family == "user" and owner != user.id:
                    raise StreamAccessError(403, "forbidden", f"stream {stream} is another "
                                            "user's private data", [stream])
                if family == "assoc":
                    row = access.association_row(conn, owner)
                    if row is None:
                        raise StreamAccessError(404, "not_found", f"there is no association "
                                                f"{owner!r}", [stream])
                    role = access.membership_role(conn, user.id, owner)
                    if not access.can_read(user, row, role):
                        raise StreamAccessError(403, "forbidden", f"association {owner!r} is "
                                                "private: only its members can read it",
                                                [stream])

    def memberships_of(self, user_id: str) -> dict[str, str]:
        m = db.memberships.c
        with self.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(
                select(m.association_id, m.role).where(m.user_id == user_id))}

    def suggested_streams(self, user: User) -> list[str]:
        """The streams a client of ``user`` would normally follow: the directory, the user's
        own, and every association they are a member of or follow."""
        f = db.follows.c
        with self.engine.connect() as conn:
            followed = set(conn.execute(select(f.target_id).where(
                f.user_id == user.id, f.target_kind == pc.KIND_ASSOCIATION)).scalars())
        wanted = sorted(set(self.memberships_of(user.id)) | followed)
        return [pc.DIRECTORY_STREAM, pc.user_stream(user.id), *map(pc.assoc_stream, wanted)]

    def post(self, post_id: str) -> dict[str, Any] | None:
        """The post record clients hold (``d``), or None."""
        p = db.posts.c
        with self.engine.connect() as conn:
            aid = conn.execute(select(p.association_id).where(p.id == post_id)).scalar()
            if aid is None:
                return None
            return records.current_record(conn, pc.assoc_stream(aid), pc.KIND_POST, post_id)

    def revisions(self, post_id: str) -> list[dict[str, Any]]:
        r = db.post_revisions.c
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(
                select(r.revision, r.body_md, r.author_id, r.created)
                .where(r.post_id == post_id).order_by(r.revision))]

    # ---- ops --------------------------------------------------------------------------------

    def apply_ops(self, user: User, ops: Sequence[pc.Op | pc.BadOp]) -> list[Outcome]:
        """Apply ops in order, each in its own transaction (a failure of one never undoes
        another that was already answered)."""
        return [apply_op(self.engine, user, op) for op in ops]

    # ---- upkeep -----------------------------------------------------------------------------

    def purge_tombstones(self, older_than_days: float = 365) -> int:
        """Forget old community tombstones (follows, reactions, memberships) and raise each
        stream's horizon past them; returns how many were purged."""
        cutoff = _stamp_days_ago(older_than_days)
        c, s = db.changelog.c, db.streams.c
        purged = 0
        with db.write_transaction(self.engine) as conn:
            tops = conn.execute(
                select(c.stream, func.count(), func.max(c.seq))
                .where(c.stream != CATALOG_STREAM, c.deleted == True,  # noqa: E712
                       c.changed_at <= cutoff).group_by(c.stream)).all()
            for stream, count, top in tops:
                conn.execute(delete(db.changelog).where(and_(
                    c.stream == stream, c.deleted == True,  # noqa: E712
                    c.changed_at <= cutoff, c.seq <= top)))
                conn.execute(update(db.streams).where(s.name == stream, s.horizon_seq < top)
                             .values(horizon_seq=top))
                purged += int(count)
        return purged

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                    for t in (db.users, db.associations, db.forums, db.threads, db.posts,
                              db.reactions)}
