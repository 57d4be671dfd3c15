"""Single sign-on in the store: sign-ins under way, and who a provider's answer signs in.

The protocol (redirects, token exchange, ID token checks) is in `ui/oidc.py`; it hands the
checked claims to `sign_in`, which decides, in one transaction, which person they are:

1. A person already linked to this issuer and subject is that person.
2. Otherwise only a verified email counts; it is matched case-insensitively to `user.email`,
   and the person is then linked by issuer and subject for next time.
3. Nobody has that email: refused, or created as an employee of the default team, as set
   (only for the email domains listed in `create_domains`, when it is set).

A deactivated person is refused whatever the provider says. Every outcome is audit-logged.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from store import accounts
from store.db import session_scope
from store.models import SignInLink, SsoLogin, Team, User, UserIdentity
from store.security import NO_PASSWORD, has_password, token_hash
from store.sso_config import SsoSettings

LOGIN_LIFETIME = timedelta(minutes=10)  # from the click to coming back from the provider
MAX_NEXT = 2000

# Why a single sign-on was refused: a short code (it travels in the URL back to the sign-in
# page, so nothing a stranger writes is ever shown there) and the words people read.
REFUSALS = {
    "deactivated": "Your account here is deactivated. Ask your administrator if you need it back.",
    "unverified": (
        "Your identity provider did not confirm your email address, so it cannot be matched "
        "to an account here. Ask your IT team to verify it, or your administrator for help."
    ),
    "unknown": (
        "There is no account here for the email address your identity provider gave. Ask "
        "your administrator to add you with that address."
    ),
    "ambiguous": (
        "More than one account here has your email address, so nobody was signed in. Ask your "
        "administrator to fix it."
    ),
    "conflict": (
        "The account with your email address is linked to a different sign-in at your "
        "identity provider. Ask your administrator."
    ),
    "state": (
        "That sign-in could not be checked (it was started in another browser, took longer "
        "than 10 minutes, or was changed on the way). Start again with the button below."
    ),
    "provider": "Your identity provider did not sign you in. Try again, or ask your IT team.",
    "config": "Single sign-on is not set up correctly. Tell your administrator.",
    "cookies": "Your browser did not keep this site's cookie. Reload the page and try again.",
}


@dataclass(frozen=True)
class PendingLogin:
    """What a sign-in under way sends to the provider and checks when it comes back."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str = "/"


@dataclass(frozen=True)
class SsoOutcome:
    """Who a provider's answer signed in, or the code of the refusal (a key of REFUSALS)."""

    user: User | None
    refusal: str | None = None


# --- sign-ins under way ---------------------------------------------------------------


def begin_login(*, browser_secret: str, next_path: str = "/") -> PendingLogin:
    """Record a new sign-in under way for this browser; return its state, nonce and verifier."""
    pending = PendingLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters: within PKCE's 43-128
        next_path=next_path[:MAX_NEXT] or "/",
    )
    now = accounts.now_utc()
    with session_scope() as session:
        # One sign-in under way per browser: a new click replaces the last one.
        browser = token_hash(browser_secret)
        session.exec(
            delete(SsoLogin).where(or_(SsoLogin.expires_at < now, SsoLogin.browser_hash == browser))
        )
        session.add(
            SsoLogin(
                state_hash=token_hash(pending.state),
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
                next_path=pending.next_path,
                browser_hash=browser,
                expires_at=now + LOGIN_LIFETIME,
            )
        )
    return pending


def take_login(*, state: str | None, browser_secret: str | None) -> PendingLogin | None:
    """Use up the sign-in under way with this state; None unless this browser started it."""
    if not state or len(state) > 200 or not browser_secret or len(browser_secret) > 200:
        return None
    with session_scope() as session:
        row = session.get(SsoLogin, token_hash(state))
        if row is None:
            return None
        session.delete(row)
        if row.expires_at < accounts.now_utc() or not secrets.compare_digest(
            row.browser_hash, token_hash(browser_secret)
        ):
            return None
        return PendingLogin(state, row.nonce, row.code_verifier, row.next_path)


# --- who the claims sign in -----------------------------------------------------------


def claimed_email(claims: Mapping, settings: SsoSettings) -> tuple[str | None, bool]:
    """Return (email, verified) from the claims, by the configured claim names."""
    email = claims.get(settings.email_claim)
    email = email.strip() if isinstance(email, str) else None
    verified = claims.get(settings.email_verified_claim)
    # Some providers send the flag as the string "true".
    verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    if not email or len(email) > 254 or "@" not in email:
        return None, False
    return email, verified


def _refuse(session: Session, code: str, *, target: str | None, actor_id=None) -> SsoOutcome:
    accounts._audit(
        session,
        "sso_sign_in_refused",
        actor_id=actor_id,
        target=(target or "")[:200] or None,
        detail=code,
    )
    return SsoOutcome(None, code)


def _username_for(session: Session, email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", ".", email.split("@")[0].lower()).strip("._-")[:56]
    if len(base) < 2:
        base = f"user.{base}" if base else "user"
    candidate, n = base, 1
    while session.exec(select(User.id).where(User.username == candidate)).first() is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _default_team(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    team = session.exec(select(Team).where(func.lower(Team.name) == name.lower())).first()
    if team is None:
        team = Team(name=name[:120], created_at=accounts.now_utc())
        session.add(team)
        session.flush()
        accounts._audit(session, "team_created", target=team.name, detail="by single sign-on")
    return team.id


def sign_in(*, issuer: str, subject: str, claims: Mapping, settings: SsoSettings) -> SsoOutcome:
    """Decide whom a provider's checked claims sign in (see the module docstring)."""
    email, verified = claimed_email(claims, settings)
    if not issuer or not subject or len(issuer) > 255 or len(subject) > 255:
        return SsoOutcome(None, "provider")
    now = accounts.now_utc()
    with session_scope() as session:
        identity = session.exec(
            select(UserIdentity).where(
                UserIdentity.issuer == issuer, UserIdentity.subject == subject
            )
        ).first()
        if identity is not None:
            user = session.get(User, identity.user_id)
            if user is None or not user.active:
                return _refuse(session, "deactivated", target=email, actor_id=identity.user_id)
            identity.last_sign_in_at = now
            session.add(identity)
            accounts.void_temporary_password(session, user, how="single sign-on")
            accounts._audit(session, "sso_sign_in", actor_id=user.id, target=user.username)
            return SsoOutcome(user)
        if not email or not verified:
            return _refuse(session, "unverified", target=email)
        matches = list(session.exec(select(User).where(func.lower(User.email) == email.lower())))
        if len(matches) > 1:
            return _refuse(session, "ambiguous", target=email)
        if matches:
            user = matches[0]
            if not user.active:
                return _refuse(session, "deactivated", target=email, actor_id=user.id)
            linked_elsewhere = session.exec(
                select(UserIdentity.id).where(
                    UserIdentity.user_id == user.id, UserIdentity.issuer == issuer
                )
            ).first()
            if linked_elsewhere is not None:
                return _refuse(session, "conflict", target=email, actor_id=user.id)
            accounts.void_temporary_password(session, user, how="single sign-on")
        elif settings.unknown_people != "create" or (
            settings.create_domains
            and email.rsplit("@", 1)[1].lower() not in settings.create_domains
        ):
            return _refuse(session, "unknown", target=email)
        else:
            name = claims.get("name")
            name = name.strip()[:200] if isinstance(name, str) and name.strip() else email
            user = accounts._new_user(
                session,
                username=_username_for(session, email),
                team_id=_default_team(session, settings.default_team),
                name=name,
                role="employee",
                password_hash=NO_PASSWORD,
                email=email.lower(),  # stored lowercase, unique (store/contact.py)
            )
            accounts._audit(
                session,
                "user_created",
                target=user.username,
                detail="role=employee, at first single sign-on",
            )
        session.add(
            UserIdentity(
                user_id=user.id,
                issuer=issuer,
                subject=subject,
                email_at_link=email,
                created_at=now,
                last_sign_in_at=now,
            )
        )
        accounts._audit(
            session,
            "sso_identity_linked",
            actor_id=user.id,
            target=user.username,
            detail=f"{issuer} (by verified email)",
        )
        accounts._audit(session, "sso_sign_in", actor_id=user.id, target=user.username)
        return SsoOutcome(user)


# --- how people sign in ---------------------------------------------------------------


def sign_in_methods(*, password_mode: str) -> dict[int, str]:
    """Return, per person id, how they can sign in ("password, single sign-on, link")."""
    with session_scope(write=False) as session:
        people = list(session.exec(select(User.id, User.role, User.password_hash)))
        linked = set(session.exec(select(UserIdentity.user_id).distinct()))
        with_links = set(session.exec(select(SignInLink.user_id).distinct()))
    out: dict[int, str] = {}
    for user_id, role, password_hash in people:
        ways = []
        if has_password(password_hash) and (
            password_mode == "everyone" or (password_mode == "admins" and role == "admin")
        ):
            ways.append("password")
        if user_id in linked:
            ways.append("single sign-on")
        if user_id in with_links:
            ways.append("sign-in link")
        out[user_id] = ", ".join(ways) or "—"
    return out
