"""People, teams, sign-in with backoff, sessions and the audit log.

Every write takes the acting person (`actor_id`, None for the operator at the console) and
asks `store.permissions` whether they may, inside its own transaction. Password hashing and
checking (argon2, tens of milliseconds and 64 MiB each) always happen outside any write
transaction, so they never hold SQLite's write lock.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import bindparam, delete, func, or_, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from store import config, sso_config, throttle
from store.db import get_engine, session_scope
from store.models import AuditLog, AuthSession, Setting, Team, TeamManager, User
from store.permissions import (
    ROLES,
    TEAM_MANAGER_ROLES,
    Action,
    PermissionDenied,
    keep_an_admin,
    require,
)
from store.security import (
    MAX_PASSWORD_LENGTH,
    NO_PASSWORD,
    TOO_LONG,
    hash_password,
    new_token,
    password_problem,
    temporary_password,
    token_hash,
    verify_password,
)
from training import clock

SESSION_LIFETIME = timedelta(hours=10)  # a working day
TICKET_LIFETIME = timedelta(seconds=60)
SEEN_EVERY = timedelta(minutes=1)  # how often a live session's last-seen time is written
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
WRONG_CREDENTIALS = "Wrong username or password."
ADMINS_ONLY = (
    "Wrong username or password. Password sign-in is for administrators only here; everyone "
    "else signs in with single sign-on."
)
PASSWORDS_OFF = "Password sign-in is turned off here; sign in with single sign-on."


class AccountError(ValueError):
    """A request about people or teams that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt came to; every refusal reads the same for every account name."""

    user: User | None
    message: str | None = None
    wait_seconds: int = 0


def too_many_attempts(seconds: int) -> str:
    """Return the refusal shown while sign-ins from here or for this name must wait."""
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many sign-in attempts. Try again in {seconds} {unit}."


def now_utc() -> datetime:
    """Return the current time, timezone-aware in UTC (training.clock, the one clock)."""
    return clock.now()


def _audit(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditLog(at=now_utc(), actor_id=actor_id, action=action, target=target, detail=detail)
    )


def record_audit(
    *,
    action: str,
    actor_id: int | None = None,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one row to the audit log."""
    with session_scope() as session:
        _audit(session, action, actor_id=actor_id, target=target, detail=detail)


def recent_audit(*, limit: int = 200) -> list[AuditLog]:
    """Return the newest audit rows first."""
    with session_scope(write=False) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))


def _permitted(session: Session, actor_id: int | None, action: Action) -> None:
    try:
        require(session, actor_id, action)
    except PermissionDenied as exc:
        raise AccountError(str(exc)) from None


def _keep_an_admin(session: Session, user: User, *, new_role: str, active: bool) -> None:
    try:
        keep_an_admin(session, user, new_role=new_role, active=active)
    except PermissionDenied as exc:
        raise AccountError(str(exc)) from None


# --- people ---------------------------------------------------------------------------


# What a missing row is called in the message that refuses it.
_CALLED = {User: "person", Team: "team"}
_Row = TypeVar("_Row", User, Team)


def _existing(session: Session, table: type[_Row], row_id: int) -> _Row:
    """Return the row with this id; raise AccountError when there is none."""
    row = session.get(table, row_id)
    if row is None:
        raise AccountError(f"That {_CALLED[table]} does not exist.")
    return row


def normalise_username(username: str) -> str:
    """Return the canonical (trimmed, lowercase) form of a username."""
    return (username or "").strip().lower()


def _check_username(username: str) -> str:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise AccountError(
            "Usernames are 2 to 64 characters: lowercase letters, digits, dots, dashes and "
            "underscores, starting with a letter or digit."
        )
    return username


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return role


def _check_text(value: str, what: str, longest: int) -> str:
    """Return value trimmed; refuse it when empty or longer than longest characters."""
    value = (value or "").strip()
    if not value or len(value) > longest:
        raise AccountError(f"A {what} of 1 to {longest} characters is required.")
    return value


def _check_name(name: str) -> str:
    return _check_text(name, "display name", 200)


def _check_new_password(password: str, *, username: str, name: str = "") -> None:
    problem = password_problem(password or "", username=username, name=name)
    if problem:
        raise AccountError(problem)


def count_users() -> int:
    """Return how many accounts exist."""
    with session_scope(write=False) as session:
        return session.exec(select(func.count()).select_from(User)).one()


# Databases known to have an account. No path removes accounts (people are deactivated), so
# once one exists the answer stays yes and app.py need not ask on every rerun.
_HAS_USERS: set[str] = set()


def has_users() -> bool:
    """Return True when any account exists (one index probe, then remembered per process)."""
    url = config.database_url()
    if url in _HAS_USERS:
        return True
    with session_scope(write=False) as session:
        found = session.exec(select(User.id).limit(1)).first() is not None
    if found:
        _HAS_USERS.add(url)
    return found


def _new_user(session: Session, *, username: str, team_id: int | None, **fields) -> User:
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"The username {username!r} is already taken.")
    if team_id is not None:
        _existing(session, Team, team_id)
    now = now_utc()
    user = User(
        username=username,
        team_id=team_id,
        team_joined_at=now if team_id is not None else None,
        created_at=now,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def create_user(
    *,
    actor_id: int | None,
    username: str,
    name: str,
    role: str,
    password: str,
    team_id: int | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account and return it; raise AccountError on bad input or a taken username."""
    username = _check_username(username)
    name = _check_name(name)
    role = _check_role(role)
    _check_new_password(password, username=username, name=name)
    password_hash = hash_password(password)  # before the transaction: it is the slow part
    with session_scope() as session:
        _permitted(session, actor_id, Action.MANAGE_PEOPLE)
        user = _new_user(
            session,
            username=username,
            team_id=team_id,
            name=name,
            role=role,
            password_hash=password_hash,
            must_change_password=must_change_password,
        )
        _audit(session, "user_created", actor_id=actor_id, target=username, detail=f"role={role}")
        return user


def add_person(
    *, actor_id: int | None, username: str, name: str, role: str, team_id: int | None = None
) -> tuple[User, str]:
    """Create an account with a temporary password to change at first sign-in; return both."""
    password = temporary_password(username=normalise_username(username))
    user = create_user(
        actor_id=actor_id,
        username=username,
        name=name,
        role=role,
        password=password,
        team_id=team_id,
        must_change_password=True,
    )
    return user, password


def get_user(user_id: int) -> User | None:
    """Return the account with this id, or None."""
    with session_scope(write=False) as session:
        return session.get(User, user_id)


def get_user_by_username(username: str) -> User | None:
    """Return the account with this username, or None."""
    with session_scope(write=False) as session:
        return session.exec(
            select(User).where(User.username == normalise_username(username))
        ).first()


@dataclass(frozen=True)
class PersonRow:
    """One line of the people list."""

    id: int
    username: str
    name: str
    role: str
    team: str | None
    team_id: int | None
    active: bool
    must_change_password: bool
    manages: str
    email: str | None = None


def list_people() -> list[PersonRow]:
    """Return every account with its team and the teams it manages, sorted by name."""
    with session_scope(write=False) as session:
        teams = {t.id: t.name for t in session.exec(select(Team))}
        manages: dict[int, list[str]] = {}
        for tm in session.exec(select(TeamManager)):
            manages.setdefault(tm.user_id, []).append(teams.get(tm.team_id, "?"))
        return [
            PersonRow(
                id=u.id,
                username=u.username,
                name=u.name,
                role=u.role,
                team=teams.get(u.team_id) if u.team_id else None,
                team_id=u.team_id,
                active=u.active,
                must_change_password=u.must_change_password,
                manages=", ".join(sorted(manages.get(u.id, []))),
                email=u.email,
            )
            for u in session.exec(select(User).order_by(User.name))
        ]


def update_user(
    *,
    user_id: int,
    actor_id: int | None,
    name: str | None = None,
    role: str | None = None,
    team_id: int | None = None,
    clear_team: bool = False,
    active: bool | None = None,
) -> User:
    """Change a person's name, role, team or active flag; audit role changes."""
    with session_scope() as session:
        _permitted(session, actor_id, Action.MANAGE_PEOPLE)
        user = _existing(session, User, user_id)
        new_role = user.role if role is None else _check_role(role)
        new_active = user.active if active is None else active
        _keep_an_admin(session, user, new_role=new_role, active=new_active)
        if name is not None:
            user.name = _check_name(name)
        if new_role != user.role:
            _audit(
                session,
                "role_changed",
                actor_id=actor_id,
                target=user.username,
                detail=f"{user.role} -> {new_role}",
            )
            user.role = new_role
        if clear_team:
            user.team_id = user.team_joined_at = None
        elif team_id is not None and team_id != user.team_id:
            _existing(session, Team, team_id)
            user.team_id, user.team_joined_at = team_id, now_utc()
        if new_active != user.active:
            user.active = new_active
            if not new_active:
                session.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
            _audit(
                session,
                "user_activated" if new_active else "user_deactivated",
                actor_id=actor_id,
                target=user.username,
            )
        session.add(user)
        return user


def reset_password(*, user_id: int, actor_id: int | None, new_password: str | None = None) -> str:
    """Set a temporary password that must be changed at next sign-in; return it.

    Also clears the sign-in backoff of the account and ends every session of the person.
    """
    user = get_user(user_id)
    if user is None:
        raise AccountError("That person does not exist.")
    if new_password is None:
        new_password = temporary_password(username=user.username)
    _check_new_password(new_password, username=user.username, name=user.name)
    password_hash = hash_password(new_password)
    with session_scope() as session:
        _permitted(session, actor_id, Action.RESET_PASSWORD)
        user = _existing(session, User, user_id)
        user.password_hash = password_hash
        user.must_change_password = True
        session.add(user)
        session.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
        throttle.clear_account(session, user.username)
        _audit(session, "password_reset", actor_id=actor_id, target=user.username)
    return new_password


def set_password(*, username: str, password: str) -> User:
    """Set a chosen password from the console; clear the backoff and end every session."""
    user = get_user_by_username(username)
    if user is None:
        raise AccountError(f"Nobody has the username {normalise_username(username)!r}.")
    _check_new_password(password, username=user.username, name=user.name)
    password_hash = hash_password(password)
    with session_scope() as session:
        user = session.get(User, user.id)
        user.password_hash = password_hash
        user.must_change_password = False
        session.add(user)
        session.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
        throttle.clear_account(session, user.username)
        _audit(session, "password_set_at_console", target=user.username)
        return user


def void_temporary_password(session: Session, user: User, *, how: str) -> None:
    """Void a temporary password never changed, at a first sign-in another way (how).

    Whoever handed it out still knows it, and a person who signs in by single sign-on or a
    sign-in link would otherwise be stopped to change a password they never had.
    """
    if not user.must_change_password:
        return
    user.password_hash = NO_PASSWORD
    user.must_change_password = False
    session.add(user)
    _audit(session, "temporary_password_voided", actor_id=user.id, target=user.username, detail=how)


def unlock(*, username: str, actor_id: int | None) -> bool:
    """Clear the sign-in backoff of an account name; return True when there was one."""
    username = normalise_username(username)
    with session_scope() as session:
        _permitted(session, actor_id, Action.RESET_PASSWORD)
        cleared = throttle.clear_account(session, username)
        _audit(session, "sign_in_backoff_cleared", actor_id=actor_id, target=username[:200])
        return cleared


def change_password(
    *, user_id: int, current_password: str, new_password: str, keep_token: str | None = None
) -> None:
    """Change one's own password after checking the current one; end every other session."""
    user = get_user(user_id)
    if user is None:
        raise AccountError("That person does not exist.")
    if len(current_password or "") > MAX_PASSWORD_LENGTH:
        raise AccountError(TOO_LONG)
    ok, _ = verify_password(current_password or "", user.password_hash)
    if not ok:
        raise AccountError("The current password is not right.")
    _check_new_password(new_password, username=user.username, name=user.name)
    if new_password == current_password:
        raise AccountError("The new password must differ from the current one.")
    password_hash = hash_password(new_password)
    keep = token_hash(keep_token) if keep_token else ""
    with session_scope() as session:
        # Compare-and-set: a reset or change that landed since the check wins.
        changed = session.exec(
            update(User)
            .where(User.id == user_id, User.password_hash == user.password_hash)
            .values(password_hash=password_hash, must_change_password=False)
        ).rowcount
        if not changed:
            raise AccountError("Your password was changed meanwhile; sign in again.")
        session.exec(
            delete(AuthSession).where(
                AuthSession.user_id == user_id, AuthSession.token_hash != keep
            )
        )
        _audit(session, "password_changed", actor_id=user_id, target=user.username)


# --- sign-in and sessions -------------------------------------------------------------


def authenticate(*, username: str, password: str, address: str | None = None) -> SignInResult:
    """Check a username and password from a client address, with backoff on failures.

    Read, verify (slow, outside any transaction), then one short write. A name or address in
    backoff is refused before any hashing, with the same words whether the account exists.
    """
    password = password or ""
    mode = sso_config.password_mode()
    if mode == "off":
        return SignInResult(None, PASSWORDS_OFF)
    if len(password) > MAX_PASSWORD_LENGTH:
        return SignInResult(None, TOO_LONG)
    username = normalise_username(username)[:200]
    wait = throttle.wait_seconds(username=username, address=address)
    if wait:
        return SignInResult(None, too_many_attempts(wait), wait_seconds=wait)
    user = get_user_by_username(username)
    ok, new_hash = verify_password(password, user.password_hash if user else None)
    now = now_utc()
    with session_scope() as session:
        fresh = session.get(User, user.id) if user else None
        if (
            fresh is None
            or not ok
            or not fresh.active
            or fresh.password_hash != user.password_hash  # changed while we checked
            or (mode == "admins" and fresh.role != "admin")  # break-glass: admins only
        ):
            throttle.record_failure(session, username=username, address=address, now=now)
            _audit(
                session,
                "sign_in_failed",
                actor_id=fresh.id if fresh else None,
                target=username,
                detail=f"from {address or throttle.UNKNOWN_ADDRESS}",
            )
            # The same words for every failure, so they tell nobody who is an administrator.
            return SignInResult(None, ADMINS_ONLY if mode == "admins" else WRONG_CREDENTIALS)
        throttle.clear_account(session, username)
        if new_hash:
            fresh.password_hash = new_hash
            session.add(fresh)
        _audit(session, "sign_in", actor_id=fresh.id, target=fresh.username)
        return SignInResult(fresh)


def _idle_limit() -> timedelta:
    return timedelta(minutes=config.idle_timeout_minutes())


def _dead_sessions(now: datetime):
    idle_since = now - _idle_limit()
    return or_(
        AuthSession.expires_at < now,
        func.coalesce(AuthSession.last_seen_at, AuthSession.created_at) < idle_since,
    )


def create_session(
    *, user_id: int, browser_secret: str | None = None, lifetime: timedelta = SESSION_LIFETIME
) -> tuple[str, str]:
    """Start a sign-in session; return (session token, one-time cookie ticket).

    The session ends after lifetime in any case (a sign-in link's lasts one shift), and
    sooner when idle. The ticket can be traded for the cookie only by the browser holding
    browser_secret (its pre-sign-in cookie), so nobody can sign someone else's browser into
    their account.
    """
    token, ticket = new_token(), new_token()
    now = now_utc()
    with session_scope() as session:
        session.exec(delete(AuthSession).where(_dead_sessions(now)))
        session.add(
            AuthSession(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + min(lifetime, SESSION_LIFETIME),
                last_seen_at=now,
                ticket_hash=token_hash(ticket),
                ticket_expires_at=now + TICKET_LIFETIME,
                ticket_browser_hash=token_hash(browser_secret) if browser_secret else None,
            )
        )
    return token, ticket


def redeem_ticket(ticket: str, *, browser_secret: str | None) -> tuple[str, datetime] | None:
    """Trade a one-time ticket for a fresh session token; return (token, expiry) or None."""
    if not ticket or len(ticket) > 200 or not browser_secret or len(browser_secret) > 200:
        return None
    now = now_utc()
    with session_scope() as session:
        row = session.exec(
            select(AuthSession).where(AuthSession.ticket_hash == token_hash(ticket))
        ).first()
        if row is None:
            return None
        row.ticket_hash = None
        bound = row.ticket_browser_hash
        row.ticket_browser_hash = None
        if (
            row.ticket_expires_at is None
            or row.ticket_expires_at < now
            or row.expires_at < now
            or not bound
            or not secrets.compare_digest(bound, token_hash(browser_secret))
        ):
            session.add(row)
            return None
        # The token held by the server-side Streamlit session is replaced, so the only live
        # credential is the HttpOnly cookie.
        token = new_token()
        row.token_hash = token_hash(token)
        row.ticket_expires_at = None
        row.last_seen_at = now
        session.add(row)
        return token, row.expires_at


# The sign-in check runs at the top of every rerun of every page: one joined Core query, built
# once with a bound parameter, on a bare connection, because an ORM session, its transaction
# and its identity map cost more CPU than the query itself (bench/load.py's per-rerun profile).
# The User is built from the row as the ORM's loader builds one, and left detached, as a
# closed session leaves it. Nothing is kept between checks: every rerun reads the session and
# the person afresh, so a sign-out, an expiry, a deactivation or a role change holds at once.
_USER_COLUMNS = tuple((prop.key, prop.columns[0]) for prop in sa_inspect(User).column_attrs)
_USER_CLASS = sa_inspect(User).class_manager
_SESSION_USER = (
    sa_select(
        AuthSession.id,
        AuthSession.expires_at,
        AuthSession.last_seen_at,
        AuthSession.created_at,
        *(column for _key, column in _USER_COLUMNS),
    )
    .join_from(AuthSession, User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


def _detached_user(values: Sequence) -> User:
    """Return a User holding values (in _USER_COLUMNS order), detached from any session.

    As the ORM's loader does: a bare instance, the values straight into its dict, then the
    identity key from the primary key, so a session it is added to later updates that row.
    """
    user = _USER_CLASS.new_instance()
    user.__dict__.update(zip((key for key, _column in _USER_COLUMNS), values, strict=True))
    make_transient_to_detached(user)
    return user


def user_for_token(token: str | None) -> User | None:
    """Return the active user of a live session token, or None; note the session as seen."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    now = now_utc()
    with get_engine().connect() as conn:
        conn.execution_options(write=False)  # never the write lock (store.db._sqlite_begin)
        row = conn.execute(_SESSION_USER, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    session_id, expires_at, last_seen_at, created_at, *values = row
    user = _detached_user(values)
    seen = last_seen_at or created_at
    if expires_at < now or seen < now - _idle_limit() or not user.active:
        return None
    if seen < now - SEEN_EVERY:
        with session_scope() as session:
            session.exec(
                update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
            )
    return user


def end_session(*, token: str | None) -> None:
    """Delete the session of this token (sign-out); audit it."""
    if not token or len(token) > 200:
        return
    with session_scope() as session:
        row = session.exec(
            select(AuthSession).where(AuthSession.token_hash == token_hash(token))
        ).first()
        if row is None:
            return
        session.delete(row)
        _audit(session, "sign_out", actor_id=row.user_id)


def session_exists(token: str | None) -> bool:
    """Return True when a session row (live or not yet purged) has this token."""
    if not token or len(token) > 200:
        return False
    with session_scope(write=False) as session:
        return (
            session.exec(
                select(AuthSession.id).where(AuthSession.token_hash == token_hash(token))
            ).first()
            is not None
        )


def end_all_sessions(*, user_id: int) -> int:
    """Sign a person out on every browser ("sign out everywhere"); return how many ended."""
    with session_scope() as session:
        ended = session.exec(delete(AuthSession).where(AuthSession.user_id == user_id)).rowcount
        _audit(session, "signed_out_everywhere", actor_id=user_id, detail=f"{ended} session(s)")
        return ended or 0


def purge_expired_sessions() -> int:
    """Delete expired and idle sessions and forgotten sign-in failures; return sessions gone."""
    now = now_utc()
    with session_scope() as session:
        result = session.exec(delete(AuthSession).where(_dead_sessions(now)))
        throttle.purge_quiet(session, now)
        return result.rowcount or 0


# --- first run ------------------------------------------------------------------------

SETUP_KEY = "setup_code_hash"


def _setup_code() -> str:
    return "-".join(secrets.token_hex(2).upper() for _ in range(3))


def new_setup_code() -> str | None:
    """Make the database's one setup code and return it; None when one exists or people do.

    Whichever process makes the code prints it; others print nothing, so two servers on one
    database never overwrite each other's code.
    """
    code = _setup_code()
    try:
        with session_scope() as session:
            if session.exec(select(func.count()).select_from(User)).one():
                return None
            if session.get(Setting, SETUP_KEY) is not None:
                return None
            session.add(Setting(key=SETUP_KEY, value=token_hash(code)))
    except IntegrityError:  # another process inserted it first (PostgreSQL)
        return None
    return code


def replace_setup_code() -> str:
    """Replace the setup code (console only: the first one was lost); return the new one."""
    code = _setup_code()
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(User)).one():
            raise AccountError("An administrator exists already; no setup code is needed.")
        row = session.get(Setting, SETUP_KEY) or Setting(key=SETUP_KEY, value="")
        row.value = token_hash(code)
        session.add(row)
        _audit(session, "setup_code_replaced")
    return code


def setup_code_exists() -> bool:
    """Return True when a first-run setup code is waiting to be used."""
    with session_scope(write=False) as session:
        return session.get(Setting, SETUP_KEY) is not None


def create_first_admin(*, setup_code: str, username: str, name: str, password: str) -> User:
    """Create the first administrator, using up the setup code in the same transaction."""
    username = _check_username(username)
    name = _check_name(name)
    _check_new_password(password, username=username, name=name)
    password_hash = hash_password(password)
    code = (setup_code or "").strip().upper()[:64]
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(User)).one():
            raise AccountError("The administrator already exists; sign in instead.")
        # Deleting the row is what uses the code up: of two submissions at once, only one
        # deletes it (the other waits for that row and then finds nothing to delete).
        used = session.exec(
            delete(Setting).where(Setting.key == SETUP_KEY, Setting.value == token_hash(code))
        ).rowcount
        if not used:
            if session.exec(select(func.count()).select_from(User)).one():
                raise AccountError("The administrator already exists; sign in instead.")
            raise AccountError(
                "That setup code is not right. It is printed in the terminal where the "
                "server was started."
            )
        user = _new_user(
            session,
            username=username,
            team_id=None,
            name=name,
            role="admin",
            password_hash=password_hash,
        )
        _audit(session, "first_admin_created", actor_id=user.id, target=user.username)
        return user


# --- teams ----------------------------------------------------------------------------


def _check_team_name(name: str) -> str:
    return _check_text(name, "team name", 120)


def create_team(*, name: str, actor_id: int | None) -> Team:
    """Create a team; raise AccountError when the name is empty or taken."""
    name = _check_team_name(name)
    with session_scope() as session:
        _permitted(session, actor_id, Action.MANAGE_TEAMS)
        if session.exec(select(Team).where(func.lower(Team.name) == name.lower())).first():
            raise AccountError(f"A team called {name!r} already exists.")
        team = Team(name=name, created_at=now_utc())
        session.add(team)
        session.flush()
        _audit(session, "team_created", actor_id=actor_id, target=name)
        return team


def rename_team(*, team_id: int, name: str, actor_id: int | None) -> Team:
    """Rename a team."""
    name = _check_team_name(name)
    with session_scope() as session:
        _permitted(session, actor_id, Action.MANAGE_TEAMS)
        team = _existing(session, Team, team_id)
        clash = session.exec(
            select(Team).where(func.lower(Team.name) == name.lower(), Team.id != team_id)
        ).first()
        if clash:
            raise AccountError(f"A team called {name!r} already exists.")
        _audit(session, "team_renamed", actor_id=actor_id, target=f"{team.name} -> {name}")
        team.name = name
        session.add(team)
        return team


def list_teams() -> list[Team]:
    """Return every team, by name."""
    with session_scope(write=False) as session:
        return list(session.exec(select(Team).order_by(Team.name)))


def team_members(*, team_id: int) -> list[User]:
    """Return the active people of a team, by name."""
    with session_scope(write=False) as session:
        return list(
            session.exec(
                select(User).where(User.team_id == team_id, User.active).order_by(User.name)
            )
        )


def set_team_managers(*, team_id: int, user_ids: list[int], actor_id: int | None) -> None:
    """Make exactly these people the managers of a team (each must have the manager role)."""
    with session_scope() as session:
        _permitted(session, actor_id, Action.MANAGE_TEAMS)
        team = _existing(session, Team, team_id)
        for uid in user_ids:
            user = session.get(User, uid)
            if user is None or user.role not in TEAM_MANAGER_ROLES:
                raise AccountError("Only people with the manager role can manage a team.")
        session.exec(delete(TeamManager).where(TeamManager.team_id == team_id))
        for uid in sorted(set(user_ids)):
            session.add(TeamManager(team_id=team_id, user_id=uid))
        _audit(
            session,
            "team_managers_set",
            actor_id=actor_id,
            target=team.name,
            detail=",".join(str(u) for u in sorted(set(user_ids))),
        )


def team_managers(*, team_id: int) -> list[User]:
    """Return the managers of a team."""
    with session_scope(write=False) as session:
        return list(
            session.exec(
                select(User)
                .join(TeamManager, TeamManager.user_id == User.id)
                .where(TeamManager.team_id == team_id)
                .order_by(User.name)
            )
        )


def managed_team_ids(*, user_id: int) -> list[int]:
    """Return the ids of the teams this person manages."""
    with session_scope(write=False) as session:
        return list(session.exec(select(TeamManager.team_id).where(TeamManager.user_id == user_id)))
