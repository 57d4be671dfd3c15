"""Roster import from CSV: preview with row-level errors, then all rows or none."""

from __future__ import annotations

import csv
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import select

from store.accounts import (
    USERNAME_RE,
    AccountError,
    _audit,
    _keep_an_admin,
    _permitted,
    normalise_username,
    now_utc,
)
from store.contact import email_taken, normalise_email, taken_message
from store.db import session_scope
from store.models import Team, TeamManager, User
from store.permissions import ROLES, TEAM_MANAGER_ROLES, Action
from store.security import hash_password, temporary_password
from training.csv_export import csv_bytes

REQUIRED_COLUMNS = ("username", "name", "team", "role")
EXAMPLE_ROWS = (
    ("jsmith", "Jo Smith", "Front desk", "employee", "no", "jo.smith@example.com"),
    ("amorgan", "Alex Morgan", "Front desk", "manager", "yes", ""),
)
TRUE_WORDS = {"1", "true", "yes", "y", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n"}
MAX_ROWS = 20000
# 20,000 rows of a generous 200 bytes each: a bigger file is refused before it is read.
MAX_BYTES = 4 * 1024 * 1024
TOO_BIG = (
    f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; a roster of "
    f"{MAX_ROWS:,} people fits in that. Remove other columns or split the file."
)


@dataclass(frozen=True)
class RosterRow:
    """One valid line of a roster file."""

    line: int
    username: str
    name: str
    team: str
    role: str
    manager: bool
    email: str | None = None  # optional column; blank leaves a person's address as it is


@dataclass
class RosterPreview:
    """What an import would do, and every problem that stops it."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    digest: str = ""  # SHA-256 of the file, so an unchanged upload is not parsed again
    new_usernames: set[str] = field(default_factory=set)
    new_teams: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        """Return True when the file can be imported."""
        return bool(self.rows) and not self.errors


@dataclass
class RosterResult:
    """What an import did; temporary passwords are shown once, to the admin."""

    created: list[tuple[str, str]] = field(default_factory=list)
    updated: int = 0
    teams_created: int = 0


def example_csv() -> bytes:
    """Return an example roster file, written by the one CSV writer (training/csv_export.py)."""
    return csv_bytes((*REQUIRED_COLUMNS, "manager", "email"), EXAMPLE_ROWS)


def passwords_csv(created: list[tuple[str, str]]) -> bytes:
    """Return the (username, temporary password) pairs of an import as a CSV file."""
    return csv_bytes(("username", "temporary_password"), created)


def parse_roster(data: bytes | str) -> RosterPreview:
    """Read a roster CSV (username, name, team, role, optional manager) and check every row."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    preview = RosterPreview(digest=hashlib.sha256(raw).hexdigest())
    if len(raw) > MAX_BYTES:
        preview.errors.append((1, TOO_BIG))
        return preview
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            preview.errors.append((1, "The file is not UTF-8 text; save it as CSV UTF-8."))
            return preview
    else:
        text = data.lstrip("\ufeff")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        lines = list(reader)
    except csv.Error as exc:
        preview.errors.append((1, f"The file is not valid CSV: {exc}"))
        return preview
    if not lines:
        preview.errors.append((1, "The file is empty."))
        return preview
    header = [h.strip().lower() for h in lines[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        preview.errors.append(
            (
                1,
                "Missing column(s): " + ", ".join(missing) + ". The first line must be "
                "username,name,team,role and optionally manager and email.",
            )
        )
        return preview
    if len(lines) - 1 > MAX_ROWS:
        preview.errors.append((1, f"At most {MAX_ROWS} people per file."))
        return preview
    index = {name: header.index(name) for name in header if name}
    seen: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line_no, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(column: str, cells=cells) -> str:
            i = index.get(column)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        username = normalise_username(cell("username"))
        name, team, role = cell("name"), cell("team"), cell("role").lower()
        manager_word = cell("manager").lower()
        problems = []
        if not USERNAME_RE.match(username):
            problems.append(
                f"username {cell('username')!r} is not valid (lowercase letters, "
                "digits, . _ -; 2 to 64 characters)"
            )
        elif username in seen:
            problems.append(f"username {username!r} appears twice (first on line {seen[username]})")
        if not name or len(name) > 200:
            problems.append("name is required (up to 200 characters)")
        if len(team) > 120:
            problems.append("team name is longer than 120 characters")
        if role not in ROLES:
            problems.append(f"role {cell('role')!r} is not one of {', '.join(ROLES)}")
        if manager_word not in TRUE_WORDS | FALSE_WORDS:
            problems.append(f"manager must be yes or no, not {cell('manager')!r}")
        manager = manager_word in TRUE_WORDS
        if manager and role not in TEAM_MANAGER_ROLES:
            problems.append("only a manager or admin can be marked as a team manager")
        if manager and not team:
            problems.append("a team manager needs a team")
        email = None
        try:
            email = normalise_email(cell("email"))
        except AccountError as exc:
            problems.append(str(exc))
        if email and email in seen_emails:
            problems.append(f"email {email} appears twice (first on line {seen_emails[email]})")
        if problems:
            preview.errors.extend((line_no, p) for p in problems)
            continue
        seen[username] = line_no
        if email:
            seen_emails[email] = line_no
        preview.rows.append(RosterRow(line_no, username, name, team, role, manager, email))
    if not preview.rows and not preview.errors:
        preview.errors.append((2, "The file has a header but no people."))
    with session_scope(write=False) as session:
        existing = set(session.exec(select(User.username)))
        teams = {t.lower() for t in session.exec(select(Team.name))}
        emails = list(seen_emails)
        owners = dict(
            session.exec(select(User.email, User.username).where(User.email.in_(emails))).all()
            if emails
            else {}
        )
    for row in preview.rows:
        if row.email and owners.get(row.email, row.username) != row.username:
            preview.errors.append((row.line, taken_message(row.email)))
    preview.new_usernames = {r.username for r in preview.rows} - existing
    preview.new_teams = {r.team for r in preview.rows if r.team and r.team.lower() not in teams}
    return preview


def import_roster(preview: RosterPreview, *, actor_id: int | None) -> RosterResult:
    """Create or update every person of a valid preview in one transaction.

    Temporary passwords are hashed before the transaction (argon2 is the slow part: 200 new
    people would otherwise hold the write lock for many seconds).
    """
    if not preview.ok:
        raise ValueError("The roster has problems; nothing was imported.")
    result = RosterResult()
    now = now_utc()
    new = sorted(preview.new_usernames)
    passwords = {u: temporary_password(username=u) for u in new}
    with ThreadPoolExecutor(max_workers=2) as pool:  # argon2-cffi releases the GIL
        hashes = dict(zip(new, pool.map(hash_password, (passwords[u] for u in new)), strict=True))
    with session_scope() as session:
        _permitted(session, actor_id, Action.IMPORT_ROSTER)
        teams = {t.name.lower(): t for t in session.exec(select(Team))}
        for row in preview.rows:
            if row.team and row.team.lower() not in teams:
                team = Team(name=row.team, created_at=now)
                session.add(team)
                session.flush()
                teams[row.team.lower()] = team
                result.teams_created += 1
        for row in preview.rows:
            team = teams.get(row.team.lower()) if row.team else None
            user = session.exec(select(User).where(User.username == row.username)).first()
            if user is None:
                if row.username not in hashes:
                    raise AccountError(
                        f"{row.username!r} was removed while the file was checked; upload it "
                        "again to see the new preview."
                    )
                password = passwords[row.username]
                user = User(
                    username=row.username,
                    name=row.name,
                    role=row.role,
                    password_hash=hashes[row.username],
                    team_id=team.id if team else None,
                    team_joined_at=now if team else None,
                    must_change_password=True,
                    created_at=now,
                    email=row.email,
                )
                result.created.append((row.username, password))
            else:
                _keep_an_admin(session, user, new_role=row.role, active=user.active)
                if user.role != row.role:
                    _audit(
                        session,
                        "role_changed",
                        actor_id=actor_id,
                        target=user.username,
                        detail=f"{user.role} -> {row.role} (roster import)",
                    )
                user.name, user.role = row.name, row.role
                if row.email and user.email != row.email:
                    if email_taken(session, row.email, other_than=user.id):
                        raise AccountError(taken_message(row.email))
                    user.email = row.email
                if user.team_id != (team.id if team else None):
                    user.team_id = team.id if team else None
                    user.team_joined_at = now if team else None
                result.updated += 1
            session.add(user)
            session.flush()
            if row.manager and team is not None:
                exists = session.exec(
                    select(func.count())
                    .select_from(TeamManager)
                    .where(TeamManager.team_id == team.id, TeamManager.user_id == user.id)
                ).one()
                if not exists:
                    session.add(TeamManager(team_id=team.id, user_id=user.id))
        _audit(
            session,
            "roster_imported",
            actor_id=actor_id,
            detail=f"{len(result.created)} created, {result.updated} updated, "
            f"{result.teams_created} teams created",
        )
    return result
