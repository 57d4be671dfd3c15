"""Password hashing, password rules, temporary passwords and random tokens."""

from __future__ import annotations

import hashlib
import os
import secrets

from passlib.context import CryptContext
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
# Checked before any hashing: argon2 in passlib refuses over 4,096 characters with an exception,
# and hashing megabytes of "password" is work an anonymous visitor should not get for free.
MAX_PASSWORD_LENGTH = 1024
TOO_LONG = f"Passwords are at most {MAX_PASSWORD_LENGTH:,} characters."
# zxcvbn scores 0 (too guessable) to 4; 0 and 1 are refused ("password12", "aaaaaaaaaa").
MIN_STRENGTH = 2
_ZXCVBN_MAX = 72  # zxcvbn's own limit; the start of a longer password is what it judges
# Temporary passwords: letters and digits that cannot be misread (no 0/O/o, 1/l/I), so none
# starts with "-" or confuses whoever types it from a printout.
TEMPORARY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
TEMPORARY_LENGTH = 12
# Stored instead of a hash for people who have no password (single sign-on, sign-in links):
# no password ever matches it, and checking one costs the same time as a wrong password.
NO_PASSWORD = "!"


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
    if len(password) > MAX_PASSWORD_LENGTH:
        return False, None
    if not has_password(password_hash):
        _CTX.verify(password, _DUMMY_HASH)
        return False, None
    try:
        ok, new_hash = _CTX.verify_and_update(password, password_hash)
    except (ValueError, TypeError):
        return False, None
    return bool(ok), new_hash


def has_password(password_hash: str | None) -> bool:
    """Return True when a stored hash is a password to sign in with (not NO_PASSWORD)."""
    return bool(password_hash) and not password_hash.startswith(NO_PASSWORD)


def password_problem(password: str, *, username: str = "", name: str = "") -> str | None:
    """Return why password is not acceptable as a new password, or None when it is."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return TOO_LONG
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if password.strip() != password or not password.strip():
        return "The password must not start or end with spaces."
    if len(username) >= 3 and username.lower() in password.lower():
        return "The password must not contain the username."
    verdict = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[w for w in (username, name) if w])
    if verdict["score"] < MIN_STRENGTH:
        why = verdict["feedback"].get("warning") or "It is too easy to guess."
        return f"That password is too easy to guess. {why} Try a few unrelated words."
    return None


def temporary_password(*, username: str = "") -> str:
    """Return a random temporary password that every password rule accepts."""
    while True:
        password = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if password_problem(password, username=username) is None:
            return password


def new_token() -> str:
    """Return a new random URL-safe token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
