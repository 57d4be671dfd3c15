"""Password hashing and random tokens."""

from __future__ import annotations

import hashlib
import os
import secrets

from passlib.context import CryptContext

MIN_PASSWORD_LENGTH = 10


def _context() -> CryptContext:
    # TRAINING_FAST_HASH makes argon2 cheap for the test suite only; never set it in production.
    if os.environ.get("TRAINING_FAST_HASH"):
        return CryptContext(
            schemes=["argon2", "bcrypt"],
            deprecated=["bcrypt"],
            argon2__type="ID",
            argon2__time_cost=1,
            argon2__memory_cost=1024,
            argon2__parallelism=1,
        )
    return CryptContext(schemes=["argon2", "bcrypt"], deprecated=["bcrypt"], argon2__type="ID")


_CTX = _context()
# Verified when the username is unknown, so that case costs the same time as a wrong password.
_DUMMY_HASH = _CTX.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Return an argon2id hash of password."""
    return _CTX.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check password; return (ok, new hash to store when the old one needs an upgrade)."""
    if not password_hash:
        _CTX.verify(password, _DUMMY_HASH)
        return False, None
    try:
        ok, new_hash = _CTX.verify_and_update(password, password_hash)
    except (ValueError, TypeError):
        return False, None
    return bool(ok), new_hash


def password_problem(password: str) -> str | None:
    """Return why password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if password.strip() != password or not password.strip():
        return "The password must not start or end with spaces."
    return None


def new_token() -> str:
    """Return a new random URL-safe token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
