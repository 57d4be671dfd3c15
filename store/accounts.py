"""People, teams, sign-in, sessions, lockout and the audit log."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from store.db import session_scope
from store.models import ROLES, AuditLog, AuthSession, Setting, Team, TeamManager, User
from store.security import (
    hash_password,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)  # a working day
TICKET_LIFETIME = timedelta(seconds=60)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
WRONG_CREDENTIALS = "Wrong username or password."


class AccountError(ValueError):
    """A request about people or teams that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt came to."""

    user: User | None
    message: str | None = None
    locked: bool = False


def now_utc() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


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


# --- people ---------------------------------------------------------------------------


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


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError("A display name of 1 to 200 characters is required.")
    return name


def count_users() -> int:
    """Return how many accounts exist."""
    with session_scope(write=False) as session:
        return session.exec(select(func.count()).select_from(User)).one()


def has_users() -> bool:
    """Return True when any account exists (one index probe, not a count of everyone)."""
    with session_scope(write=False) as session:
        return session.exec(select(User.id).limit(1)).first() is not None


def create_user(
    *,
    username: str,
    name: str,
    role: str,
    password: str,
    team_id: int | None = None,
    must_change_password: bool = False,
    actor_id: int | None = None,
) -> User:
    """Create an account and return it; raise AccountError on bad input or a taken username."""
    username = _check_username(username)
    name = _check_name(name)
    role = _check_role(role)
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    with session_scope() as session:
        if session.exec(select(User).where(User.username == username)).first():
            raise AccountError(f"The username {username!r} is already taken.")
        if team_id is not None and session.get(Team, team_id) is None:
            raise AccountError("That team does not exist.")
        user = User(
            username=username,
            name=name,
            role=role,
            password_hash=hash_password(password),
            team_id=team_id,
            must_change_password=must_change_password,
            created_at=now_utc(),
        )
        session.add(user)
        session.flush()
        _audit(session, "user_created", actor_id=actor_id, target=username, detail=f"role={role}")
        return user


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
    locked: bool
    must_change_password: bool
    manages: str


def list_people() -> list[PersonRow]:
    """Return every account with its team and the teams it manages, sorted by name."""
    with session_scope(write=False) as session:
        teams = {t.id: t.name for t in session.exec(select(Team))}
        manages: dict[int, list[str]] = {}
        for tm in session.exec(select(TeamManager)):
            manages.setdefault(tm.user_id, []).append(teams.get(tm.team_id, "?"))
        now = now_utc()
        rows = []
        for u in session.exec(select(User).order_by(User.name)):
            rows.append(
                PersonRow(
                    id=u.id,
                    username=u.username,
                    name=u.name,
                    role=u.role,
                    team=teams.get(u.team_id) if u.team_id else None,
                    team_id=u.team_id,
                    active=u.active,
                    locked=bool(u.locked_until and u.locked_until > now),
                    must_change_password=u.must_change_password,
                    manages=", ".join(sorted(manages.get(u.id, []))),
                )
            )
        return rows


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
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("That person does not exist.")
        if name is not None:
            user.name = _check_name(name)
        if role is not None and role != user.role:
            _check_role(role)
            if user.role == "admin" and role != "admin":
                _require_another_admin(session, user.id)
            _audit(
                session,
                "role_changed",
                actor_id=actor_id,
                target=user.username,
                detail=f"{user.role} -> {role}",
            )
            user.role = role
        if clear_team:
            user.team_id = None
        elif team_id is not None:
            if session.get(Team, team_id) is None:
                raise AccountError("That team does not exist.")
            user.team_id = team_id
        if active is not None and active != user.active:
            if not active and user.role == "admin":
                _require_another_admin(session, user.id)
            user.active = active
            if not active:
                session.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
            _audit(
                session,
                "user_activated" if active else "user_deactivated",
                actor_id=actor_id,
                target=user.username,
            )
        session.add(user)
        return user


def _require_another_admin(session: Session, user_id: int) -> None:
    others = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active, User.id != user_id)
    ).one()
    if not others:
        raise AccountError("This is the last active administrator; make someone else admin first.")


def reset_password(*, user_id: int, new_password: str, actor_id: int | None) -> None:
    """Set a temporary password that the person must change at next sign-in."""
    problem = password_problem(new_password)
    if problem:
        raise AccountError(problem)
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("That person does not exist.")
        user.password_hash = hash_password(new_password)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        session.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
        _audit(session, "password_reset", actor_id=actor_id, target=user.username)


def change_password(*, user_id: int, current_password: str, new_password: str) -> None:
    """Change one's own password after checking the current one."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("That person does not exist.")
        ok, _ = verify_password(current_password, user.password_hash)
        if not ok:
            raise AccountError("The current password is not right.")
        problem = password_problem(new_password)
        if problem:
            raise AccountError(problem)
        if new_password == current_password:
            raise AccountError("The new password must differ from the current one.")
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        session.add(user)
        _audit(session, "password_changed", actor_id=user.id, target=user.username)


# --- sign-in and sessions -------------------------------------------------------------


def authenticate(*, username: str, password: str) -> SignInResult:
    """Check a username and password, counting failures and locking after five."""
    now = now_utc()
    username = normalise_username(username)
    with session_scope() as session:
        # FOR UPDATE: parallel wrong passwords must each count (PostgreSQL; SQLite already
        # holds the write lock from BEGIN IMMEDIATE).
        user = session.exec(select(User).where(User.username == username).with_for_update()).first()
        ok, new_hash = verify_password(password or "", user.password_hash if user else None)
        if user is None:
            _audit(session, "sign_in_failed", target=username[:200], detail="unknown user")
            return SignInResult(None, WRONG_CREDENTIALS)
        if user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            _audit(session, "sign_in_refused_locked", actor_id=user.id, target=user.username)
            return SignInResult(
                None,
                f"This account is locked after too many failed sign-ins. Try again in "
                f"{minutes} minutes, or ask an administrator to reset the password.",
                locked=True,
            )
        if not ok or not user.active:
            user.failed_logins += 1
            _audit(session, "sign_in_failed", actor_id=user.id, target=user.username)
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
                _audit(session, "account_locked", actor_id=user.id, target=user.username)
            session.add(user)
            return SignInResult(None, WRONG_CREDENTIALS)
        user.failed_logins = 0
        user.locked_until = None
        if new_hash:
            user.password_hash = new_hash
        session.add(user)
        _audit(session, "sign_in", actor_id=user.id, target=user.username)
        return SignInResult(user)


def create_session(*, user_id: int) -> tuple[str, str]:
    """Start a sign-in session; return (session token, one-time cookie ticket)."""
    token, ticket = new_token(), new_token()
    now = now_utc()
    with session_scope() as session:
        session.add(
            AuthSession(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
                ticket_hash=token_hash(ticket),
                ticket_expires_at=now + TICKET_LIFETIME,
            )
        )
    return token, ticket


def redeem_ticket(ticket: str) -> tuple[str, datetime] | None:
    """Trade a one-time ticket for a fresh session token; return (token, expiry) or None."""
    if not ticket or len(ticket) > 200:
        return None
    now = now_utc()
    with session_scope() as session:
        row = session.exec(
            select(AuthSession).where(AuthSession.ticket_hash == token_hash(ticket))
        ).first()
        if row is None:
            return None
        row.ticket_hash = None
        if row.ticket_expires_at is None or row.ticket_expires_at < now or row.expires_at < now:
            session.add(row)
            return None
        # The token held by the server-side Streamlit session is replaced, so the only live
        # credential is the HttpOnly cookie.
        token = new_token()
        row.token_hash = token_hash(token)
        row.ticket_expires_at = None
        session.add(row)
        return token, row.expires_at


def user_for_token(token: str | None) -> User | None:
    """Return the active user of a live session token, or None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    # One joined query: this runs at the top of every rerun of every page.
    with session_scope(write=False) as session:
        return session.exec(
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                AuthSession.token_hash == token_hash(token),
                AuthSession.expires_at >= now_utc(),
                User.active,
            )
        ).first()


def end_session(*, token: str | None) -> None:
    """Delete the session of this token (sign-out); audit it."""
    if not token:
        return
    with session_scope() as session:
        row = session.exec(
            select(AuthSession).where(AuthSession.token_hash == token_hash(token))
        ).first()
        if row is None:
            return
        session.delete(row)
        _audit(session, "sign_out", actor_id=row.user_id)


def purge_expired_sessions() -> int:
    """Delete expired sessions; return how many went."""
    with session_scope() as session:
        result = session.exec(delete(AuthSession).where(AuthSession.expires_at < now_utc()))
        return result.rowcount or 0


# --- first run ------------------------------------------------------------------------

SETUP_KEY = "setup_code_hash"


def new_setup_code() -> str:
    """Make and store a new one-time setup code for creating the first administrator."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    with session_scope() as session:
        row = session.get(Setting, SETUP_KEY) or Setting(key=SETUP_KEY, value="")
        row.value = token_hash(code)
        session.add(row)
    return code


def setup_code_exists() -> bool:
    """Return True when a first-run setup code is waiting to be used."""
    with session_scope(write=False) as session:
        return session.get(Setting, SETUP_KEY) is not None


def create_first_admin(*, setup_code: str, username: str, name: str, password: str) -> User:
    """Create the first administrator, if the setup code is right and nobody exists yet."""
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(User)).one():
            raise AccountError("The administrator already exists; sign in instead.")
        row = session.get(Setting, SETUP_KEY)
        code = (setup_code or "").strip().upper()
        if row is None or not secrets.compare_digest(row.value, token_hash(code)):
            raise AccountError(
                "That setup code is not right. It is printed in the terminal where the "
                "server was started."
            )
    user = create_user(username=username, name=name, role="admin", password=password)
    with session_scope() as session:
        row = session.get(Setting, SETUP_KEY)
        if row is not None:
            session.delete(row)
        _audit(session, "first_admin_created", actor_id=user.id, target=user.username)
    return user


# --- teams ----------------------------------------------------------------------------


def _check_team_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise AccountError("A team name of 1 to 120 characters is required.")
    return name


def create_team(*, name: str, actor_id: int | None = None) -> Team:
    """Create a team; raise AccountError when the name is empty or taken."""
    name = _check_team_name(name)
    with session_scope() as session:
        if session.exec(select(Team).where(func.lower(Team.name) == name.lower())).first():
            raise AccountError(f"A team called {name!r} already exists.")
        team = Team(name=name, created_at=now_utc())
        session.add(team)
        session.flush()
        _audit(session, "team_created", actor_id=actor_id, target=name)
        return team


def rename_team(*, team_id: int, name: str, actor_id: int | None = None) -> Team:
    """Rename a team."""
    name = _check_team_name(name)
    with session_scope() as session:
        team = session.get(Team, team_id)
        if team is None:
            raise AccountError("That team does not exist.")
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


def set_team_managers(*, team_id: int, user_ids: list[int], actor_id: int | None = None) -> None:
    """Make exactly these people the managers of a team (each must have the manager role)."""
    with session_scope() as session:
        team = session.get(Team, team_id)
        if team is None:
            raise AccountError("That team does not exist.")
        for uid in user_ids:
            user = session.get(User, uid)
            if user is None or user.role not in ("manager", "admin"):
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
