"""Accounts: hashing, sign-in, lockout, sessions, teams, first run."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from passlib.context import CryptContext
from sqlalchemy import inspect, update
from sqlmodel import select

from store import accounts, config, security
from store.db import session_scope
from store.models import AuditLog, AuthSession, User
from store.security import token_hash
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


def audit_actions() -> list[str]:
    with session_scope() as s:
        return [r.action for r in s.exec(select(AuditLog).order_by(AuditLog.id))]


def test_create_user_stores_argon2id_hash():
    user = make_user("ann")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_create_user_refuses_bad_input():
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.create_user(
            actor_id=None, username="bob", name="Bob", role="employee", password="short"
        )
    with pytest.raises(accounts.AccountError, match="Usernames"):
        accounts.create_user(
            actor_id=None, username="Bad Name!", name="B", role="employee", password=PASSWORD
        )
    with pytest.raises(accounts.AccountError, match="Unknown role"):
        accounts.create_user(
            actor_id=None, username="bob", name="Bob", role="boss", password=PASSWORD
        )
    make_user("bob")
    with pytest.raises(accounts.AccountError, match="already taken"):
        make_user("BOB")


def test_sign_in_with_right_password_works_after_a_typo():
    make_user("ann")
    assert accounts.authenticate(username="ann", password="wrong password").user is None
    result = accounts.authenticate(username=" ANN ", password=PASSWORD)
    assert result.user is not None and result.user.username == "ann"


def test_unknown_user_and_wrong_password_give_the_same_message():
    make_user("ann")
    unknown = accounts.authenticate(username="nobody", password=PASSWORD)
    wrong = accounts.authenticate(username="ann", password="not the password")
    assert unknown.message == wrong.message == accounts.WRONG_CREDENTIALS


def test_inactive_user_cannot_sign_in():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    accounts.update_user(user_id=ann.id, actor_id=admin.id, active=False)
    assert accounts.authenticate(username="ann", password=PASSWORD).user is None


def test_session_ticket_is_traded_once_for_a_new_token():
    ann = make_user("ann")
    token, ticket = accounts.create_session(user_id=ann.id, browser_secret="browser-1")
    assert accounts.user_for_token(token).id == ann.id
    redeemed = accounts.redeem_ticket(ticket, browser_secret="browser-1")
    assert redeemed is not None
    cookie_token, _expires = redeemed
    assert accounts.user_for_token(cookie_token).id == ann.id
    # the tab's own token is replaced, and the ticket cannot be used twice
    assert accounts.user_for_token(token) is None
    assert accounts.redeem_ticket(ticket, browser_secret="browser-1") is None


def test_expired_ticket_is_refused():
    ann = make_user("ann")
    _token, ticket = accounts.create_session(user_id=ann.id, browser_secret="browser-1")
    with session_scope() as s:
        row = s.exec(select(AuthSession)).one()
        row.ticket_expires_at = accounts.now_utc() - timedelta(seconds=1)
        s.add(row)
    assert accounts.redeem_ticket(ticket, browser_secret="browser-1") is None


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


def test_every_check_of_a_session_reads_the_person_and_the_session_afresh():
    """No answer is kept between checks: a role change, a deactivation (even one that left
    the session row in place) and a sign-out each take effect on the very next check."""
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    token, _ = accounts.create_session(user_id=ann.id)
    assert accounts.user_for_token(token).role == "employee"
    accounts.update_user(user_id=ann.id, actor_id=admin.id, role="manager")
    assert accounts.user_for_token(token).role == "manager"
    with session_scope() as s:  # the account switched off behind the sessions' back
        s.exec(update(User).where(User.id == ann.id).values(active=False))
    assert accounts.user_for_token(token) is None
    with session_scope() as s:
        s.exec(update(User).where(User.id == ann.id).values(active=True))
    assert accounts.user_for_token(token).id == ann.id
    accounts.update_user(user_id=ann.id, actor_id=admin.id, active=False)
    assert accounts.user_for_token(token) is None
    other, _ = accounts.create_session(user_id=admin.id)
    assert accounts.user_for_token(other).id == admin.id
    accounts.end_session(token=other)
    assert accounts.user_for_token(other) is None


def test_the_signed_in_user_is_the_stored_row_and_saves_like_one():
    ann = make_user("ann")
    token, _ = accounts.create_session(user_id=ann.id)
    served = accounts.user_for_token(token)
    assert served.model_dump() == accounts.get_user(ann.id).model_dump()
    assert inspect(served).detached  # not new: adding it to a session updates the row
    with session_scope() as s:
        served.name = "Ann Other"
        s.add(served)
    assert accounts.get_user(ann.id).name == "Ann Other"
    assert accounts.count_users() == 1


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
    assert code is not None
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
        accounts.create_team(name="front desk", actor_id=None)
    mgr = make_user("mia", "manager")
    emp = make_user("eve")
    with pytest.raises(accounts.AccountError, match="manager role"):
        accounts.set_team_managers(team_id=team.id, user_ids=[emp.id], actor_id=None)
    accounts.set_team_managers(team_id=team.id, user_ids=[mgr.id], actor_id=None)
    assert accounts.managed_team_ids(user_id=mgr.id) == [team.id]
    accounts.rename_team(team_id=team.id, name="Reception", actor_id=admin.id)
    assert [t.name for t in accounts.list_teams()] == ["Reception"]


def test_has_users_says_whether_anyone_exists():
    assert not accounts.has_users()
    make_user("ana")
    assert accounts.has_users()


def test_ticket_of_another_browser_does_not_sign_this_one_in():
    # Login CSRF: an attacker's own ticket, opened in a victim's browser, must not set a cookie.
    attacker = make_user("mallory")
    _token, ticket = accounts.create_session(user_id=attacker.id, browser_secret="attacker")
    assert accounts.redeem_ticket(ticket, browser_secret="victim") is None
    assert accounts.redeem_ticket(ticket, browser_secret="attacker") is None  # used up
    _token, unbound = accounts.create_session(user_id=attacker.id)
    assert accounts.redeem_ticket(unbound, browser_secret="anyone") is None


def test_password_change_ends_every_other_session_and_keeps_this_one():
    ann = make_user("ann")
    here, _ = accounts.create_session(user_id=ann.id)
    elsewhere, _ = accounts.create_session(user_id=ann.id)
    accounts.change_password(
        user_id=ann.id, current_password=PASSWORD, new_password="a brand new one", keep_token=here
    )
    assert accounts.user_for_token(here).id == ann.id
    assert accounts.user_for_token(elsewhere) is None


def test_sign_out_everywhere_ends_every_session():
    ann = make_user("ann")
    tokens = [accounts.create_session(user_id=ann.id)[0] for _ in range(3)]
    assert accounts.end_all_sessions(user_id=ann.id) == 3
    assert all(accounts.user_for_token(t) is None for t in tokens)
    assert "signed_out_everywhere" in audit_actions()


def test_idle_session_ends_after_the_timeout_and_use_keeps_it_alive(monkeypatch):
    monkeypatch.setenv("TRAINING_IDLE_TIMEOUT_MINUTES", "30")
    ann = make_user("ann")
    idle, _ = accounts.create_session(user_id=ann.id)
    busy, _ = accounts.create_session(user_id=ann.id)
    with session_scope() as s:
        for row in s.exec(select(AuthSession)):
            row.last_seen_at = accounts.now_utc() - timedelta(minutes=29)
            s.add(row)
    assert accounts.user_for_token(busy).id == ann.id  # seen now: the clock restarts
    with session_scope() as s:
        rows = {r.token_hash: r for r in s.exec(select(AuthSession))}
        for row in rows.values():
            row.last_seen_at -= timedelta(minutes=2)
            s.add(row)
    assert accounts.user_for_token(idle) is None
    assert accounts.user_for_token(busy).id == ann.id


def test_idle_timeout_defaults_to_two_hours(monkeypatch):
    monkeypatch.delenv("TRAINING_IDLE_TIMEOUT_MINUTES", raising=False)
    assert config.idle_timeout_minutes() == 120
    monkeypatch.setenv("TRAINING_IDLE_TIMEOUT_MINUTES", "nonsense")
    assert config.idle_timeout_minutes() == 120


def test_expired_and_idle_sessions_are_purged_when_someone_signs_in():
    ann = make_user("ann")
    old, _ = accounts.create_session(user_id=ann.id)
    stale, _ = accounts.create_session(user_id=ann.id)
    with session_scope() as s:
        for row in s.exec(select(AuthSession)):
            if row.token_hash == token_hash(old):
                row.expires_at = accounts.now_utc() - timedelta(seconds=1)
            else:
                row.last_seen_at = accounts.now_utc() - timedelta(days=1)
            s.add(row)
    accounts.create_session(user_id=ann.id)
    with session_scope() as s:
        assert len(s.exec(select(AuthSession)).all()) == 1
    assert accounts.purge_expired_sessions() == 0


def test_a_password_over_the_cap_gets_one_clear_message_everywhere():
    ann = make_user("ann")
    admin = make_user("boss", "admin")
    huge = "x" * 5000  # passlib's argon2 raised PasswordSizeError here
    result = accounts.authenticate(username="ann", password=huge)
    assert result.user is None and result.message == security.TOO_LONG
    assert accounts.authenticate(username="nobody", password=huge).message == security.TOO_LONG
    with pytest.raises(accounts.AccountError, match="at most 1,024"):
        accounts.change_password(user_id=ann.id, current_password=huge, new_password="abc")
    with pytest.raises(accounts.AccountError, match="at most 1,024"):
        accounts.change_password(user_id=ann.id, current_password=PASSWORD, new_password=huge)
    with pytest.raises(accounts.AccountError, match="at most 1,024"):
        accounts.reset_password(user_id=ann.id, new_password=huge, actor_id=admin.id)
    with pytest.raises(accounts.AccountError, match="at most 1,024"):
        accounts.create_user(
            actor_id=None, username="bob", name="Bob", role="employee", password=huge
        )


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "password12", "qwertyuiop", "1234567890"])
def test_common_and_trivial_passwords_are_refused(weak):
    with pytest.raises(accounts.AccountError, match="too easy to guess"):
        accounts.create_user(
            actor_id=None, username="bob", name="Bob", role="employee", password=weak
        )


def test_a_password_containing_the_username_is_refused():
    ann = make_user("annabel")
    with pytest.raises(accounts.AccountError, match="must not contain the username"):
        accounts.change_password(
            user_id=ann.id, current_password=PASSWORD, new_password="Annabel likes tea"
        )


def test_temporary_passwords_come_from_one_unambiguous_alphabet():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    made = [security.temporary_password() for _ in range(2000)]
    made.append(accounts.reset_password(user_id=ann.id, actor_id=admin.id))
    allowed = set(security.TEMPORARY_ALPHABET)
    assert not allowed & set("-_0O1lI")
    for password in made:
        assert set(password) <= allowed and len(password) >= 12
        assert security.password_problem(password) is None
    assert accounts.authenticate(username="ann", password=made[-1]).user


def test_the_setup_code_is_made_once_per_database():
    first = accounts.new_setup_code()
    assert first is not None
    assert accounts.new_setup_code() is None  # a second process prints nothing, changes nothing
    accounts.create_first_admin(setup_code=first, username="root", name="Root", password=PASSWORD)
    assert not accounts.setup_code_exists()


def test_simultaneous_first_run_submissions_create_one_administrator(monkeypatch):
    # Production-cost hashing: the slow step between "nobody exists yet" and the insert was
    # where several submissions each made an administrator.
    monkeypatch.setattr(security, "_CTX", CryptContext(schemes=["argon2"], argon2__type="ID"))
    code = accounts.new_setup_code()
    barrier = threading.Barrier(6)

    def submit(i: int) -> str:
        barrier.wait()
        try:
            accounts.create_first_admin(
                setup_code=code, username=f"root{i}", name="Root", password=PASSWORD
            )
        except accounts.AccountError as exc:
            return str(exc)
        return "created"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(submit, range(6)))
    assert outcomes.count("created") == 1, outcomes
    assert accounts.count_users() == 1
