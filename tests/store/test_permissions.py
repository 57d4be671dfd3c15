"""Permissions: every admin write in store/ checks the acting person; one admin always stays."""

from __future__ import annotations

import pytest

from store import accounts, permissions, roster
from tests.factories import make_user

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db", "small_content")]

ROSTER = "username,name,team,role\nboss,Boss,Office,employee\nnew.one,New One,Office,employee\n"


def _writes(actor_id: int, ann_id: int, team_id: int):
    """Every admin write, as the given actor would call it."""
    return {
        "create_user": lambda: accounts.create_user(
            actor_id=actor_id,
            username="zed",
            name="Zed",
            role="admin",
            password="a fine passphrase",
        ),
        "update_user": lambda: accounts.update_user(
            user_id=ann_id, actor_id=actor_id, role="admin"
        ),
        "reset_password": lambda: accounts.reset_password(user_id=ann_id, actor_id=actor_id),
        "unlock": lambda: accounts.unlock(username="ann", actor_id=actor_id),
        "create_team": lambda: accounts.create_team(name="Mine", actor_id=actor_id),
        "rename_team": lambda: accounts.rename_team(team_id=team_id, name="X", actor_id=actor_id),
        "set_team_managers": lambda: accounts.set_team_managers(
            team_id=team_id, user_ids=[], actor_id=actor_id
        ),
        "import_roster": lambda: roster.import_roster(
            roster.parse_roster(ROSTER.replace("boss", "zed")), actor_id=actor_id
        ),
    }


@pytest.mark.parametrize("role", ["employee", "manager", "trainer"])
def test_admin_writes_refuse_anyone_who_is_not_an_admin(role):
    make_user("boss", "admin")
    actor = make_user("actor", role)
    ann = make_user("ann")
    team = accounts.create_team(name="Office", actor_id=None)
    for name, write in _writes(actor.id, ann.id, team.id).items():
        with pytest.raises(accounts.AccountError, match="You may not"):
            write()
        assert accounts.get_user(ann.id).role == "employee", name
    assert accounts.get_user_by_username("zed") is None


def test_an_admin_who_was_deactivated_can_no_longer_act():
    boss = make_user("boss", "admin")
    other = make_user("other", "admin")
    accounts.update_user(user_id=boss.id, actor_id=other.id, active=False)
    with pytest.raises(accounts.AccountError, match="You may not"):
        accounts.create_team(name="Late", actor_id=boss.id)


def test_roster_import_cannot_demote_the_last_admin():
    boss = make_user("boss", "admin")
    preview = roster.parse_roster(ROSTER)
    assert preview.ok, preview.errors
    with pytest.raises(accounts.AccountError, match="last active administrator"):
        roster.import_roster(preview, actor_id=boss.id)
    assert accounts.get_user(boss.id).role == "admin"
    assert accounts.get_user_by_username("new.one") is None  # all or nothing


def test_the_last_admin_can_be_neither_demoted_nor_deactivated():
    boss = make_user("boss", "admin")
    for change in ({"role": "manager"}, {"active": False}):
        with pytest.raises(accounts.AccountError, match="last active administrator"):
            accounts.update_user(user_id=boss.id, actor_id=boss.id, **change)
    # an inactive admin does not count as the other one
    spare = make_user("spare", "admin")
    accounts.update_user(user_id=spare.id, actor_id=boss.id, active=False)
    with pytest.raises(accounts.AccountError, match="last active administrator"):
        accounts.update_user(user_id=boss.id, actor_id=boss.id, role="employee")


def test_roles_have_one_home():
    import store.models
    import ui.auth
    import ui.nav

    assert ui.nav.ROLE_LABELS is permissions.ROLE_LABELS
    assert not hasattr(store.models, "ROLES")
    assert not hasattr(ui.auth, "ROLE_ACCESS")
    assert set(permissions.ROLE_LABELS) == set(permissions.ROLES) == set(permissions.ROLE_INCLUDES)
    assert set(permissions.PERMISSIONS) == set(permissions.Action)


def test_a_manager_demoted_a_moment_ago_can_no_longer_assign_or_see_the_team():
    # The page holds the User it read at the start of the run; the store reads the role again.
    from datetime import date, timedelta

    from store import dashboard, learning

    boss = make_user("boss", "admin")
    team = accounts.create_team(name="Desk", actor_id=None)
    mia = make_user("mia", "manager", team_id=team.id)
    accounts.set_team_managers(team_id=team.id, user_ids=[mia.id], actor_id=boss.id)
    assert dashboard.team_choices(actor=mia)[0].name == "Desk"
    accounts.update_user(user_id=mia.id, actor_id=boss.id, role="employee")
    due = date.today() + timedelta(days=7)
    with pytest.raises(learning.NotAllowed, match="assign training"):
        learning.create_assignments(
            actor=mia, module_ids=["empathy"], due_date=due, team_id=team.id
        )
    with pytest.raises(learning.NotAllowed, match="see team progress"):
        dashboard.team_choices(actor=mia)
    assert permissions.PERMISSIONS[permissions.Action.ASSIGN_TRAINING] == {"manager", "admin"}


def test_team_scope_reads_the_managed_teams_and_the_account_now():
    from store.db import session_scope

    boss = make_user("boss", "admin")
    desk = accounts.create_team(name="Desk", actor_id=None)
    bar = accounts.create_team(name="Bar", actor_id=None)
    mia = make_user("mia", "manager", team_id=desk.id)
    for team in (desk, bar):
        accounts.set_team_managers(team_id=team.id, user_ids=[mia.id], actor_id=boss.id)
    see = permissions.Action.SEE_TEAM_PROGRESS

    def scope(actor):
        with session_scope(write=False) as session:
            return permissions.team_scope(session, actor, see)

    assert scope(mia) == {desk.id, bar.id}
    assert scope(boss) is None  # every team
    accounts.set_team_managers(team_id=bar.id, user_ids=[], actor_id=boss.id)
    assert scope(mia) == {desk.id}  # the User object mia is stale; the store is not
    accounts.set_team_managers(team_id=desk.id, user_ids=[], actor_id=boss.id)
    assert scope(mia) == set()
    accounts.update_user(user_id=mia.id, actor_id=boss.id, active=False)
    with pytest.raises(permissions.PermissionDenied, match="see team progress"):
        scope(mia)
