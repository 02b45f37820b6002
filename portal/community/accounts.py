"""Accounts: argon2 password hashes, device tokens and database-kept sign-in throttling.

A device token is ``okno_`` + 43 url-safe characters (256 random bits). Only its sha256 is
stored, so a stolen database does not sign anyone in. Tokens do not expire (a school PC may
be offline for weeks); they end when revoked (sign-out, or ``okno-portal user-revoke-tokens``).

>>> hashed = hash_password("секрет")
>>> verify_password(hashed, "секрет")
True
>>> token = new_token(); len(token_digest(token))
64
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "okno_"
MAX_TOKEN = 200
MAX_PASSWORD = 1000  # argon2 takes any length; a cap keeps hostile requests cheap
MIN_PASSWORD = 4

# Throttling: at most MAX_FAILURES wrong passwords per login in WINDOW_SECONDS.
MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
# last_used is written at most this often per token (a write per request would be waste).
LAST_USED_EVERY_SECONDS = 3600

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so both cases cost the same time."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in (or looked-up) user; ``role`` is the portal-wide role."""

    id: str
    login: str
    display_name: str
    school: str
    municipality: str
    region: str
    role: str

    def public(self) -> dict[str, str]:
        """What ``/auth/signin`` and ``/me`` return about the user (their own login included)."""
        return {"id": self.id, "login": self.login, "display_name": self.display_name,
                "school": self.school, "municipality": self.municipality,
                "region": self.region, "role": self.role}


class SigninFailed(Exception):
    """Wrong login or password (deliberately not saying which)."""


class SigninThrottled(Exception):
    """Too many failures for this login recently; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; retry after {retry_after} s")
        self.retry_after = retry_after


def normalize_login(login: str) -> str:
    return login.strip().casefold()


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Constant-ish time: an account without a password still costs one verification."""
    try:
        return _hasher.verify(hashed or _dummy_hash(), password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None if absent. A present but
    malformed header gives ``""`` (which no token matches)."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN:
        return ""
    return token
