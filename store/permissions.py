"""Roles, what each may do, and the one check every write function makes.

One table answers "may this person do this?". Write functions in `store/` call `require` with
the acting person's id inside their own transaction, so the role is read from the database at
the moment of the write (a person demoted or deactivated a second ago can no longer act), and
pages only decide what to show.

`actor_id=None` means the operator at the console (`python -m store ...`, first-run set-up):
whoever can run commands on the server already holds the database.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from store.models import TeamManager, User

# Every role, in the order forms list them, with the label people read.
ROLES = ("employee", "manager", "trainer", "admin")
ROLE_LABELS = {
    "employee": "Employee",
    "manager": "Manager",
    "trainer": "Trainer",
    "admin": "Administrator",
}
# The roles that may do what a role may do (pages for managers are open to admins too).
ROLE_INCLUDES = {
    "employee": frozenset(ROLES),
    "manager": frozenset({"manager", "admin"}),
    "trainer": frozenset({"trainer", "admin"}),
    "admin": frozenset({"admin"}),
}
# Roles whose team actions reach every team; the others reach only the teams they manage.
EVERY_TEAM_ROLES = ROLE_INCLUDES["admin"]
# Roles that may be set as the manager of a team.
TEAM_MANAGER_ROLES = ROLE_INCLUDES["manager"]
# Who something for a role is for, in words ("Team progress is for managers and administrators").
ROLE_AUDIENCE = {
    role: "everyone"
    if ROLE_INCLUDES[role] == frozenset(ROLES)
    else " and ".join(ROLE_LABELS[r].lower() + "s" for r in ROLES if r in ROLE_INCLUDES[role])
    for role in ROLES
}


class Action(StrEnum):
    """A kind of write that needs a role."""

    MANAGE_PEOPLE = "manage people"  # create, edit, (de)activate, change roles
    RESET_PASSWORD = "reset passwords"
    MANAGE_TEAMS = "manage teams"  # create, rename, set managers
    IMPORT_ROSTER = "import a roster"
    EDIT_CONTENT = "edit training content"
    ASSIGN_TRAINING = "assign training"
    SEE_TEAM_PROGRESS = "see team progress"
    CHANGE_SETTINGS = "change organisation settings"
    OBSERVE = "observe people at work"  # rate checklists, read what was observed
    IMPORT_FEEDBACK = "import customer feedback"
    MANAGE_API_TOKENS = "manage API tokens"
    SEE_FEEDBACK = "see customer feedback"  # scoped to a manager's teams (team_scope)
    SHOW_SIGN_IN_LINK = "show sign-in links"  # for people of the teams one manages


# The permissions table: which roles may do each action.
PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.MANAGE_PEOPLE: ROLE_INCLUDES["admin"],
    Action.RESET_PASSWORD: ROLE_INCLUDES["admin"],
    Action.MANAGE_TEAMS: ROLE_INCLUDES["admin"],
    Action.IMPORT_ROSTER: ROLE_INCLUDES["admin"],
    Action.EDIT_CONTENT: ROLE_INCLUDES["trainer"],
    Action.ASSIGN_TRAINING: ROLE_INCLUDES["manager"],
    Action.SEE_TEAM_PROGRESS: ROLE_INCLUDES["manager"],
    Action.CHANGE_SETTINGS: ROLE_INCLUDES["admin"],
    Action.OBSERVE: ROLE_INCLUDES["manager"],
    Action.IMPORT_FEEDBACK: ROLE_INCLUDES["admin"],
    Action.MANAGE_API_TOKENS: ROLE_INCLUDES["admin"],
    Action.SEE_FEEDBACK: ROLE_INCLUDES["manager"],
    Action.SHOW_SIGN_IN_LINK: ROLE_INCLUDES["manager"],
}
LAST_ADMIN = "This is the last active administrator; make someone else admin first."


class PermissionDenied(ValueError):
    """The acting person may not do this; the message says what."""


def role_may(role: str, page_role: str) -> bool:
    """Return True when someone with role may open what page_role may open."""
    return role in ROLE_INCLUDES[page_role]


def allowed(user: User | None, action: Action) -> bool:
    """Return True when this active user's role may do action (anything with role and active)."""
    return user is not None and user.active and user.role in PERMISSIONS[action]


def require(session: Session, actor_id: int | None, action: Action) -> User | None:
    """Refuse unless the actor (read now, in this transaction) may do action; return them.

    None is the operator at the console and may do everything.
    """
    if actor_id is None:
        return None
    actor = session.get(User, actor_id)
    if not allowed(actor, action):
        raise PermissionDenied(f"You may not {action.value}.")
    return actor


def keep_an_admin(session: Session, user: User, *, new_role: str, active: bool) -> None:
    """Refuse a change that would leave no active administrator (every path checks this)."""
    if not (user.role == "admin" and user.active):
        return
    if new_role == "admin" and active:
        return
    others = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active, User.id != user.id)
    ).one()
    if not others:
        raise PermissionDenied(LAST_ADMIN)


def team_scope(session: Session, actor: User, action: Action) -> set[int] | None:
    """Return the team ids actor may act on for action (None: every team), read now.

    The actor's role is read again in this transaction, so someone demoted a second ago
    reaches no team; anyone whose role may not do action at all is refused.
    """
    # One plain read of the role and the managed teams: every Team progress figure asks.
    rows = (
        session.connection()
        .execute(
            select(User.role, User.active, TeamManager.team_id)
            .select_from(User)
            .outerjoin(TeamManager, TeamManager.user_id == User.id)
            .where(User.id == actor.id)
        )
        .all()
        if actor.id is not None
        else []
    )
    current = rows[0] if rows else actor
    if not allowed(current, action):
        raise PermissionDenied(f"Only managers and administrators can {action.value}.")
    if current.role in EVERY_TEAM_ROLES:
        return None
    return {row.team_id for row in rows if row.team_id is not None}
