"""Accounts: hashing, sign-in, lockout, sessions, teams, first run."""

from datetime import timedelta

import pytest
from sqlmodel import select

from store import accounts
from store.db import session_scope
from store.models import AuditLog, AuthSession, User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.both_dbs


def audit_actions() -> list[str]:
    with session_scope() as s:
        return [r.action for r in s.exec(select(AuditLog).order_by(AuditLog.id))]


def test_create_user_stores_argon2id_hash():
    user = make_user("ann")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_create_user_refuses_bad_input():
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.create_user(username="bob", name="Bob", role="employee", password="short")
    with pytest.raises(accounts.AccountError, match="Usernames"):
        accounts.create_user(username="Bad Name!", name="B", role="employee", password=PASSWORD)
    with pytest.raises(accounts.AccountError, match="Unknown role"):
        accounts.create_user(username="bob", name="Bob", role="boss", password=PASSWORD)
    make_user("bob")
    with pytest.raises(accounts.AccountError, match="already taken"):
        make_user("BOB")


def test_sign_in_with_right_password_resets_failures():
    make_user("ann")
    assert accounts.authenticate(username="ann", password="wrong password").user is None
    result = accounts.authenticate(username=" ANN ", password=PASSWORD)
    assert result.user is not None and result.user.username == "ann"
    assert accounts.get_user_by_username("ann").failed_logins == 0


def test_unknown_user_and_wrong_password_give_the_same_message():
    make_user("ann")
    unknown = accounts.authenticate(username="nobody", password=PASSWORD)
    wrong = accounts.authenticate(username="ann", password="not the password")
    assert unknown.message == wrong.message == accounts.WRONG_CREDENTIALS


def test_five_failures_lock_the_account_and_refuse_the_right_password():
    make_user("ann")
    for _ in range(5):
        assert accounts.authenticate(username="ann", password="nope nope nope").user is None
    locked = accounts.authenticate(username="ann", password=PASSWORD)
    assert locked.user is None and locked.locked
    assert "locked" in locked.message
    assert "account_locked" in audit_actions()


def test_lock_expires_after_fifteen_minutes():
    make_user("ann")
    for _ in range(5):
        accounts.authenticate(username="ann", password="nope nope nope")
    with session_scope() as s:
        user = s.exec(select(User).where(User.username == "ann")).one()
        user.locked_until = accounts.now_utc() - timedelta(seconds=1)
        s.add(user)
    assert accounts.authenticate(username="ann", password=PASSWORD).user is not None


def test_inactive_user_cannot_sign_in():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    accounts.update_user(user_id=ann.id, actor_id=admin.id, active=False)
    assert accounts.authenticate(username="ann", password=PASSWORD).user is None


def test_session_ticket_is_traded_once_for_a_new_token():
    ann = make_user("ann")
    token, ticket = accounts.create_session(user_id=ann.id)
    assert accounts.user_for_token(token).id == ann.id
    redeemed = accounts.redeem_ticket(ticket)
    assert redeemed is not None
    cookie_token, _expires = redeemed
    assert accounts.user_for_token(cookie_token).id == ann.id
    # the tab's own token is replaced, and the ticket cannot be used twice
    assert accounts.user_for_token(token) is None
    assert accounts.redeem_ticket(ticket) is None


def test_expired_ticket_is_refused():
    ann = make_user("ann")
    _token, ticket = accounts.create_session(user_id=ann.id)
    with session_scope() as s:
        row = s.exec(select(AuthSession)).one()
        row.ticket_expires_at = accounts.now_utc() - timedelta(seconds=1)
        s.add(row)
    assert accounts.redeem_ticket(ticket) is None


def test_sign_out_deletes_the_session():
    ann = make_user("ann")
    token, _ = accounts.create_session(user_id=ann.id)
    accounts.end_session(token=token)
    assert accounts.user_for_token(token) is None
    assert "sign_out" in audit_actions()


def test_expired_session_is_not_accepted():
    ann = make_user("ann")
    token, _ = accounts.create_session(user_id=ann.id)
    with session_scope() as s:
        row = s.exec(select(AuthSession)).one()
        row.expires_at = accounts.now_utc() - timedelta(seconds=1)
        s.add(row)
    assert accounts.user_for_token(token) is None


def test_change_password_needs_the_current_one():
    ann = make_user("ann")
    with pytest.raises(accounts.AccountError, match="current password"):
        accounts.change_password(
            user_id=ann.id, current_password="wrong one!!", new_password="a brand new one"
        )
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.change_password(user_id=ann.id, current_password=PASSWORD, new_password="short")
    accounts.change_password(
        user_id=ann.id, current_password=PASSWORD, new_password="a brand new one"
    )
    assert accounts.authenticate(username="ann", password="a brand new one").user
    assert "password_changed" in audit_actions()


def test_reset_password_forces_a_change_and_ends_sessions():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    token, _ = accounts.create_session(user_id=ann.id)
    accounts.reset_password(user_id=ann.id, new_password="temporary pass 1", actor_id=admin.id)
    assert accounts.user_for_token(token) is None
    assert accounts.get_user(ann.id).must_change_password


def test_role_change_is_audited_and_last_admin_is_kept():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    accounts.update_user(user_id=ann.id, actor_id=admin.id, role="manager")
    assert "role_changed" in audit_actions()
    with pytest.raises(accounts.AccountError, match="last active administrator"):
        accounts.update_user(user_id=admin.id, actor_id=admin.id, role="employee")


def test_first_admin_needs_the_setup_code_and_only_works_once():
    code = accounts.new_setup_code()
    with pytest.raises(accounts.AccountError, match="setup code"):
        accounts.create_first_admin(
            setup_code="WRONG", username="root", name="Root", password=PASSWORD
        )
    admin = accounts.create_first_admin(
        setup_code=code.lower(), username="root", name="Root", password=PASSWORD
    )
    assert admin.role == "admin"
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_first_admin(setup_code=code, username="root2", name="R", password=PASSWORD)


def test_teams_and_managers():
    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Front desk", actor_id=admin.id)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_team(name="front desk")
    mgr = make_user("mia", "manager")
    emp = make_user("eve")
    with pytest.raises(accounts.AccountError, match="manager role"):
        accounts.set_team_managers(team_id=team.id, user_ids=[emp.id])
    accounts.set_team_managers(team_id=team.id, user_ids=[mgr.id])
    assert accounts.managed_team_ids(user_id=mgr.id) == [team.id]
    accounts.rename_team(team_id=team.id, name="Reception")
    assert [t.name for t in accounts.list_teams()] == ["Reception"]


def test_has_users_says_whether_anyone_exists():
    assert not accounts.has_users()
    make_user("ana")
    assert accounts.has_users()
