"""One-time sign-in links (shown as a QR code) for staff who share a device at the counter.

A manager makes one for an employee of a team they manage, an administrator for anyone. The
link works once, within 15 minutes, and only its hash is stored; making a new link for a
person voids their unused older one. The session it starts lasts one shift
(`sso_config.link_session_hours`, 8 hours by default), and the idle timeout applies as always.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import select

from store import accounts, sso_config
from store.db import session_scope
from store.models import SignInLink, User
from store.permissions import Action, PermissionDenied, team_scope
from store.security import new_token, token_hash

LINK_LIFETIME = timedelta(minutes=15)
OUT_OF_SCOPE = "You can show sign-in links only for employees of the teams you manage."
USED_OR_EXPIRED = (
    "This sign-in link has been used or has expired (links work once, for 15 minutes). Ask "
    "your manager for a new one."
)


class LinkError(ValueError):
    """A sign-in link that cannot be made; the message says why."""


def _valid_token(token: object) -> bool:
    return isinstance(token, str) and 0 < len(token) <= 200


def people_for_links(*, actor: User) -> list[User]:
    """Return the active people actor may make sign-in links for, by name."""
    with session_scope(write=False) as session:
        try:
            scope = team_scope(session, actor, Action.SHOW_SIGN_IN_LINK)
        except PermissionDenied as exc:
            raise LinkError(str(exc)) from None
        query = select(User).where(User.active).order_by(User.name)
        if scope is not None:
            if not scope:
                return []
            query = query.where(User.team_id.in_(scope), User.role == "employee")
        return list(session.exec(query))


def issue_link(*, actor_id: int, user_id: object) -> str:
    """Make a one-time sign-in link token for a person; raise LinkError when not allowed."""
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise LinkError("Choose a person from the list.")
    token = new_token()
    now = accounts.now_utc()
    with session_scope() as session:
        actor = session.get(User, actor_id)
        if actor is None:
            raise LinkError("You are no longer signed in.")
        try:
            scope = team_scope(session, actor, Action.SHOW_SIGN_IN_LINK)
        except PermissionDenied as exc:
            raise LinkError(str(exc)) from None
        person = session.get(User, user_id)
        if person is None:
            raise LinkError("That person does not exist.")
        if scope is not None and (person.team_id not in scope or person.role != "employee"):
            raise LinkError(OUT_OF_SCOPE)
        if not person.active:
            raise LinkError(f"{person.name} is deactivated and cannot sign in.")
        session.exec(
            delete(SignInLink).where(SignInLink.user_id == person.id, SignInLink.used_at.is_(None))
        )
        session.add(
            SignInLink(
                token_hash=token_hash(token),
                user_id=person.id,
                created_by=actor.id,
                created_at=now,
                expires_at=now + LINK_LIFETIME,
            )
        )
        accounts._audit(
            session,
            "sign_in_link_created",
            actor_id=actor.id,
            target=person.username,
            detail="valid 15 minutes, single use",
        )
    return token


def _live_link(session, token: str, now: datetime) -> SignInLink | None:
    row = session.exec(select(SignInLink).where(SignInLink.token_hash == token_hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    return row


def person_for_link(token: object) -> User | None:
    """Return the active person an unused, unexpired link is for (the link stays unused)."""
    if not _valid_token(token):
        return None
    with session_scope(write=False) as session:
        row = _live_link(session, token, accounts.now_utc())
        person = session.get(User, row.user_id) if row else None
        return person if person is not None and person.active else None


def redeem_link(token: object, *, browser_secret: str | None) -> tuple[str, datetime] | None:
    """Use up a link and start a one-shift session in this browser; return (token, expiry).

    None when the link is unknown, used, expired, its person deactivated, or the browser has
    no pre-sign-in cookie to bind the session to.
    """
    if not _valid_token(token) or not browser_secret:
        return None
    now = accounts.now_utc()
    with session_scope() as session:
        row = _live_link(session, token, now)
        person = session.get(User, row.user_id) if row else None
        if row is None or person is None or not person.active:
            accounts._audit(session, "sign_in_link_refused", detail="used, expired or unknown")
            return None
        row.used_at = now
        session.add(row)
        accounts.void_temporary_password(session, person, how="sign-in link")
        accounts._audit(session, "sign_in_link_used", actor_id=person.id, target=person.username)
    lifetime = timedelta(hours=sso_config.link_session_hours())
    _token, ticket = accounts.create_session(
        user_id=person.id, browser_secret=browser_secret, lifetime=lifetime
    )
    return accounts.redeem_ticket(ticket, browser_secret=browser_secret)
