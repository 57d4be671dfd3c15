"""One-time sign-in links: single use, 15 minutes, a one-shift session, and who may make one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from store import accounts, sign_in_links
from store.db import session_scope
from store.models import AuditLog, SignInLink
from tests.factories import PASSWORD, make_user

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A fixed clock for every store function; move it with clock[0] += ..."""
    now = [START]
    monkeypatch.setattr(accounts, "now_utc", lambda: now[0])
    return now


@pytest.fixture
def org(fresh_db):
    """An admin, a manager of team A, and people in teams A and B."""
    a = accounts.create_team(name="Counter A", actor_id=None)
    b = accounts.create_team(name="Counter B", actor_id=None)
    admin = make_user("boss", "admin")
    manager = make_user("mia", "manager")
    accounts.set_team_managers(team_id=a.id, user_ids=[manager.id], actor_id=None)
    return {
        "admin": admin,
        "manager": manager,
        "mine": make_user("ali", team_id=a.id, name="Ali Counter"),
        "theirs": make_user("bo", team_id=b.id),
        "trainer_mine": make_user("tess", "trainer", team_id=a.id),
        "employee": make_user("eve", team_id=a.id),
    }


@pytest.mark.both_dbs
def test_a_link_signs_in_once_and_only_its_hash_is_kept(org, clock):
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    assert sign_in_links.person_for_link(token).id == org["mine"].id  # looking uses nothing up
    session_token, expires = sign_in_links.redeem_link(token, browser_secret="tablet")
    assert accounts.user_for_token(session_token).id == org["mine"].id
    assert expires == START + timedelta(hours=8)
    assert sign_in_links.redeem_link(token, browser_secret="tablet") is None
    assert sign_in_links.person_for_link(token) is None
    with session_scope(write=False) as s:
        row = s.exec(select(SignInLink)).one()
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id))]
    assert row.token_hash != token and len(row.token_hash) == 64
    assert row.used_at == START
    assert actions[-3:] == ["sign_in_link_created", "sign_in_link_used", "sign_in_link_refused"]


def test_a_link_expires_after_15_minutes(org, clock):
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    clock[0] = START + timedelta(minutes=15)
    assert sign_in_links.person_for_link(token) is not None
    clock[0] = START + timedelta(minutes=15, seconds=1)
    assert sign_in_links.person_for_link(token) is None
    assert sign_in_links.redeem_link(token, browser_secret="tablet") is None


def test_the_session_of_a_link_lasts_one_shift(org, clock, monkeypatch):
    monkeypatch.setenv("TRAINING_IDLE_TIMEOUT_MINUTES", "600")  # only the shift ends it here
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    session_token, _ = sign_in_links.redeem_link(token, browser_secret="tablet")
    clock[0] = START + timedelta(hours=7, minutes=59)
    assert accounts.user_for_token(session_token) is not None
    clock[0] = START + timedelta(hours=8, minutes=1)
    assert accounts.user_for_token(session_token) is None
    # The idle timeout still applies within the shift.
    monkeypatch.setenv("TRAINING_IDLE_TIMEOUT_MINUTES", "120")
    clock[0] = START
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    session_token, _ = sign_in_links.redeem_link(token, browser_secret="tablet")
    clock[0] = START + timedelta(hours=2, minutes=1)
    assert accounts.user_for_token(session_token) is None
    # A shorter shift comes from the setting.
    monkeypatch.setenv("TRAINING_SIGN_IN_LINK_HOURS", "4")
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    _, expires = sign_in_links.redeem_link(token, browser_secret="tablet")
    assert expires == clock[0] + timedelta(hours=4)


@pytest.mark.both_dbs
def test_a_manager_makes_links_only_for_employees_of_their_teams(org):
    manager = org["manager"]
    people = sign_in_links.people_for_links(actor=manager)
    assert [p.username for p in people] == ["ali", "eve"]
    assert sign_in_links.issue_link(actor_id=manager.id, user_id=org["mine"].id)
    for other in ("theirs", "trainer_mine", "admin"):
        with pytest.raises(sign_in_links.LinkError, match="teams you manage"):
            sign_in_links.issue_link(actor_id=manager.id, user_id=org[other].id)
    with pytest.raises(sign_in_links.LinkError, match="Only managers and administrators"):
        sign_in_links.issue_link(actor_id=org["employee"].id, user_id=org["mine"].id)
    with pytest.raises(sign_in_links.LinkError):
        sign_in_links.people_for_links(actor=org["employee"])
    # An administrator reaches everyone.
    admin = org["admin"]
    assert len(sign_in_links.people_for_links(actor=admin)) == 6
    assert sign_in_links.issue_link(actor_id=admin.id, user_id=org["theirs"].id)
    # A manager demoted a moment ago reaches nobody.
    accounts.update_user(user_id=manager.id, actor_id=None, role="employee")
    with pytest.raises(sign_in_links.LinkError):
        sign_in_links.issue_link(actor_id=manager.id, user_id=org["mine"].id)


def test_crafted_ids_and_tokens_get_a_clear_refusal(org):
    admin = org["admin"]
    for crafted in ("1", None, True, 1.5, [1]):
        with pytest.raises(sign_in_links.LinkError, match="Choose a person"):
            sign_in_links.issue_link(actor_id=admin.id, user_id=crafted)
    for missing in (-5, 0, 10**12):
        with pytest.raises(sign_in_links.LinkError, match="does not exist"):
            sign_in_links.issue_link(actor_id=admin.id, user_id=missing)
    for token in (None, "", "x" * 5000, "not-a-token", 12, "é\x00"):
        assert sign_in_links.person_for_link(token) is None
        assert sign_in_links.redeem_link(token, browser_secret="tablet") is None


def test_deactivated_people_and_older_links_sign_nobody_in(org):
    admin, person = org["admin"], org["mine"]
    old = sign_in_links.issue_link(actor_id=admin.id, user_id=person.id)
    new = sign_in_links.issue_link(actor_id=admin.id, user_id=person.id)
    assert sign_in_links.person_for_link(old) is None  # a new link voids the unused older one
    accounts.update_user(user_id=person.id, actor_id=None, active=False)
    assert sign_in_links.redeem_link(new, browser_secret="tablet") is None
    with pytest.raises(sign_in_links.LinkError, match="deactivated"):
        sign_in_links.issue_link(actor_id=admin.id, user_id=person.id)
    # Without the browser's pre-sign-in cookie nothing is used up.
    accounts.update_user(user_id=person.id, actor_id=None, active=True)
    token = sign_in_links.issue_link(actor_id=admin.id, user_id=person.id)
    assert sign_in_links.redeem_link(token, browser_secret=None) is None
    assert sign_in_links.person_for_link(token) is not None


def test_a_temporary_password_never_changed_is_voided_by_a_link_sign_in(org):
    newcomer = make_user("nina", must_change_password=True)
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=newcomer.id)
    session_token, _ = sign_in_links.redeem_link(token, browser_secret="tablet")
    signed_in = accounts.user_for_token(session_token)
    assert signed_in.id == newcomer.id and not signed_in.must_change_password  # no gate
    assert accounts.authenticate(username="nina", password=PASSWORD).user is None
    with session_scope(write=False) as s:
        voided = s.exec(
            select(AuditLog).where(AuditLog.action == "temporary_password_voided")
        ).one()
    assert (voided.target, voided.detail) == ("nina", "sign-in link")
