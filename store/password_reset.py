"""Self-service password reset: a single-use link by mail, valid for 30 minutes.

- Asking for a link gives the same answer whatever was entered (a username, an email address,
  nobody's name, a deactivated person's, a person without an address): nobody learns which
  accounts exist. The mail goes out from a background thread, so a real account does not answer
  more slowly than a made-up one.
- Requests are rate-limited with the sign-in backoff (store/throttle.py) under keys of their own,
  per name asked for and per client address, so they neither lock nor loosen sign-in.
- Only the SHA-256 of the link's token is stored. Using the link sets the new password (the
  usual password rules), uses up every open link of that person, ends every session of theirs
  and clears their sign-in wait, in one transaction; all of it is audit-logged.
- The mail goes through store/mail.py at once; quiet hours do not apply to it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import select

from store import contact, mail, sso_config, throttle
from store.accounts import (
    AccountError,
    _audit,
    _check_new_password,
    normalise_username,
    now_utc,
)
from store.db import session_scope
from store.models import AuthSession, PasswordReset, User
from store.security import MAX_PASSWORD_LENGTH, hash_password, new_token, token_hash

log = logging.getLogger("training.password_reset")

RESET_LIFETIME = timedelta(minutes=30)
KEY_PREFIX = "reset:"  # throttle names of their own (usernames never contain ':')
REQUESTED = (
    "If that is the username or email address of an account with an email address, a link to "
    "choose a new password is on its way to that address. It works once, within 30 minutes. "
    "No mail after a few minutes? Check the spam folder, or ask your manager or an "
    "administrator to reset your password."
)
BAD_LINK = (
    "This password reset link has expired or has been used already. Ask for a new one with "
    '"Forgot your password?" on the sign-in page.'
)


@dataclass(frozen=True)
class ResetAnswer:
    """What the person who asked is told (the same for every name), and how long to wait."""

    message: str
    wait_seconds: int = 0


def _too_many(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many requests for a reset link. Try again in {seconds} {unit}."


def _find(session, identifier: str) -> User | None:
    name = normalise_username(identifier)[:254]
    clauses = [User.username == name]
    try:
        email = contact.normalise_email(identifier) if "@" in identifier else None
    except AccountError:
        email = None
    if email:
        clauses.append(User.email == email)
    return session.exec(select(User).where(or_(*clauses))).first()


def request_reset(
    *, identifier: str, address: str | None, now: datetime | None = None
) -> ResetAnswer:
    """Send a reset link to the account named by username or email, if there is one.

    The answer reads the same whatever was entered; only the rate limit can refuse.
    """
    now = now or now_utc()
    identifier = (identifier or "").strip()[:254]
    name_key = KEY_PREFIX + identifier.lower()
    address_key = KEY_PREFIX + (address or throttle.UNKNOWN_ADDRESS)
    wait = throttle.wait_seconds(username=name_key, address=address_key, now=now)
    if wait:
        return ResetAnswer(_too_many(wait), wait)
    token = new_token()
    message = None
    with session_scope() as session:
        # Every request counts against the name and the address (a request is not a failure,
        # but it is what the backoff must slow down: mail to someone, or guessing names).
        throttle.record_failure(session, username=name_key, address=address_key, now=now)
        _purge_old_links(session, now)  # on every request, so both answers cost the same
        user = _find(session, identifier) if identifier else None
        if user is not None and user.active and user.email and _may_reset(user):
            session.add(
                PasswordReset(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + RESET_LIFETIME,
                )
            )
            _audit(session, "password_reset_requested", actor_id=user.id, target=user.username)
            message = _reset_message(user, token)
        else:
            _audit(
                session,
                "password_reset_requested_nobody",
                target=identifier[:200],
                detail=f"from {address or throttle.UNKNOWN_ADDRESS}",
            )
    if message is not None:
        threading.Thread(target=_send, args=(message, user.username), daemon=True).start()
    return ResetAnswer(REQUESTED)


def password_reset_offered() -> bool:
    """Return True when people may ask for a reset link: mail is on and passwords sign in."""
    return mail.mail_enabled() and sso_config.password_mode() != "off"


def _may_reset(user: User) -> bool:
    # With password sign-in for administrators only (break-glass), a link for anyone else
    # would set a password that signs nobody in.
    mode = sso_config.password_mode()
    return password_reset_offered() and (mode == "everyone" or user.role == "admin")


def _reset_message(user: User, token: str):
    url = mail.link(f"/?reset={token}")
    return mail.build_message(
        to=user.email,
        subject="Choose a new password for the training app",
        text=(
            f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of your "
            f"account {user.username}. The link below lets you choose a new one; it works once, "
            "within 30 minutes, and signs you out everywhere else.\n\nDid not ask? Ignore this "
            "mail: your password stays as it is."
        ),
        link_url=url,
        link_label="Choose a new password",
        automatic=False,
    )


def _send(message, username: str) -> None:
    try:
        mail.send_now(message)
    except mail.MailError as exc:
        log.error("Password reset mail for %s failed: %s", username, exc)
        with session_scope() as session:
            _audit(session, "password_reset_mail_failed", target=username, detail=str(exc)[:2000])


def _live_reset(session, token: str, now: datetime) -> PasswordReset | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return row if user is not None and user.active else None


def reset_link_is_live(token: str | None, *, now: datetime | None = None) -> bool:
    """Return True when token is an unused, unexpired reset link of an active person."""
    with session_scope(write=False) as session:
        return _live_reset(session, token or "", now or now_utc()) is not None


def use_reset(*, token: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link; end every session of that person.

    Raises AccountError with BAD_LINK for a used, expired or unknown link, or the password
    rule that the new password breaks.
    """
    now = now or now_utc()
    if len(new_password or "") > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Passwords are at most {MAX_PASSWORD_LENGTH:,} characters.")
    with session_scope(write=False) as session:
        row = _live_reset(session, token, now)
        user = session.get(User, row.user_id) if row else None
    if row is None or user is None:
        raise AccountError(BAD_LINK)
    _check_new_password(new_password or "", username=user.username, name=user.name)
    password_hash = hash_password(new_password)  # slow: outside the write transaction
    with session_scope() as session:
        # Using the link up is the compare-and-set: of two submissions, one wins.
        used = session.exec(
            update(PasswordReset)
            .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if not used:
            raise AccountError(BAD_LINK)
        session.exec(
            update(PasswordReset)
            .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        session.exec(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=password_hash, must_change_password=False)
        )
        ended = session.exec(delete(AuthSession).where(AuthSession.user_id == user.id)).rowcount
        throttle.clear_account(session, user.username)
        _audit(
            session,
            "password_reset_by_link",
            actor_id=user.id,
            target=user.username,
            detail=f"{ended or 0} session(s) ended",
        )
    return user


def _purge_old_links(session, now: datetime) -> None:
    """Delete reset links that expired over a day ago."""
    session.exec(delete(PasswordReset).where(PasswordReset.expires_at < now - timedelta(days=1)))
