"""Who a single sign-on signs in (store rules), sign-ins under way, and the password modes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from store import accounts, sso, sso_config
from store.db import session_scope
from store.models import AuditLog, Team, User, UserIdentity
from store.sso_config import SsoSettings
from tests.factories import PASSWORD, make_user

ISSUER = "http://127.0.0.1:9/"
SETTINGS = SsoSettings(metadata_url="http://127.0.0.1:9/x", client_id="app", client_secret="s")
CREATE = SsoSettings(
    metadata_url="http://127.0.0.1:9/x",
    client_id="app",
    client_secret="s",
    unknown_people="create",
    default_team="Front desk",
)


def _person(username: str, email: str | None, *, role="employee", active=True) -> User:
    user = make_user(username, role)
    with session_scope() as s:
        row = s.get(User, user.id)
        row.email, row.active = email, active
        s.add(row)
        return row


def _claims(email, verified=True, **more):
    return {"email": email, "email_verified": verified, **more}


def _sign_in(subject: str, claims: dict, settings: SsoSettings = SETTINGS) -> sso.SsoOutcome:
    return sso.sign_in(issuer=ISSUER, subject=subject, claims=claims, settings=settings)


def _audit(action: str) -> list[AuditLog]:
    with session_scope(write=False) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)))


@pytest.mark.both_dbs
def test_a_verified_email_matches_in_any_case_and_links_the_subject(fresh_db):
    anna = _person("anna", "Anna.Berg@Example.com")
    outcome = _sign_in("sub-anna", _claims("anna.berg@EXAMPLE.COM"))
    assert outcome.user is not None and outcome.user.id == anna.id
    # From now on the subject decides, even when the provider's email changes.
    again = _sign_in("sub-anna", _claims("anna@newname.example", verified=False))
    assert again.user is not None and again.user.id == anna.id
    with session_scope(write=False) as s:
        link = s.exec(select(UserIdentity)).one()
    assert (link.user_id, link.subject, link.email_at_link) == (
        anna.id,
        "sub-anna",
        "anna.berg@EXAMPLE.COM",
    )
    assert len(_audit("sso_sign_in")) == 2 and len(_audit("sso_identity_linked")) == 1


@pytest.mark.both_dbs
def test_an_unverified_or_missing_email_matches_nobody(fresh_db):
    _person("anna", "anna@example.com")
    assert _sign_in("s1", _claims("anna@example.com", verified=False)).refusal == "unverified"
    assert _sign_in("s1", _claims("anna@example.com", verified="false")).refusal == "unverified"
    assert _sign_in("s1", {"email_verified": True}).refusal == "unverified"
    assert _sign_in("s1", _claims("not-an-email")).refusal == "unverified"
    # Some providers send the flag as a string.
    assert _sign_in("s1", _claims("anna@example.com", verified="true")).user is not None
    assert [a.detail for a in _audit("sso_sign_in_refused")] == ["unverified"] * 4


@pytest.mark.both_dbs
def test_a_deactivated_person_is_refused_by_email_and_by_linked_subject(fresh_db):
    _person("gone", "gone@example.com", active=False)
    assert _sign_in("s-gone", _claims("gone@example.com")).refusal == "deactivated"
    anna = _person("anna", "anna@example.com")
    assert _sign_in("s-anna", _claims("anna@example.com")).user is not None
    accounts.update_user(user_id=anna.id, actor_id=None, active=False)
    assert _sign_in("s-anna", _claims("anna@example.com")).refusal == "deactivated"


@pytest.mark.both_dbs
def test_unknown_people_are_refused_or_created_as_employees_of_the_default_team(fresh_db):
    assert _sign_in("s-new", _claims("new.person@example.com")).refusal == "unknown"
    assert accounts.count_users() == 0
    created = _sign_in("s-new", _claims("New.Person@example.com", name="New Person"), CREATE)
    user = created.user
    assert user is not None
    assert (user.username, user.name, user.role, user.email) == (
        "new.person",
        "New Person",
        "employee",
        "new.person@example.com",  # addresses are stored lowercase (store/contact.py)
    )
    with session_scope(write=False) as s:
        assert s.get(Team, user.team_id).name == "Front desk"
    # No password signs them in (they have none).
    result = accounts.authenticate(username="new.person", password=PASSWORD)
    assert result.user is None
    # A second person with the same local part gets a username of their own.
    other = _sign_in("s-other", _claims("new.person@other.example"), CREATE).user
    assert other.username == "new.person-2" and other.team_id == user.team_id
    # Only the organisation's own domains, when they are listed.
    ours = dataclasses.replace(CREATE, create_domains=("example.com",))
    assert _sign_in("s-gmail", _claims("someone@gmail.example"), ours).refusal == "unknown"
    assert _sign_in("s-ours", _claims("someone@EXAMPLE.com"), ours).user is not None


@pytest.mark.both_dbs
def test_two_accounts_with_one_email_or_a_second_subject_are_refused(fresh_db):
    _person("a1", "same@example.com")
    _person("a2", "SAME@example.com")
    assert _sign_in("s", _claims("same@example.com")).refusal == "ambiguous"
    _person("bea", "b@example.com")
    assert _sign_in("s-b", _claims("b@example.com")).user is not None
    # Another account at the same provider claiming b's email does not take b over.
    assert _sign_in("s-intruder", _claims("b@example.com")).refusal == "conflict"


def test_a_sign_in_under_way_works_once_in_the_browser_that_started_it(fresh_db, monkeypatch):
    clock = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(accounts, "now_utc", lambda: clock[0])
    pending = sso.begin_login(browser_secret="browser-a", next_path="/progress")
    assert sso.take_login(state=pending.state, browser_secret="browser-b") is None
    # Tried from another browser, it is used up all the same.
    assert sso.take_login(state=pending.state, browser_secret="browser-a") is None

    pending = sso.begin_login(browser_secret="browser-a")
    assert sso.take_login(state=pending.state + "x", browser_secret="browser-a") is None
    taken = sso.take_login(state=pending.state, browser_secret="browser-a")
    assert taken == pending
    assert sso.take_login(state=pending.state, browser_secret="browser-a") is None

    # A second click in the same browser replaces the first sign-in under way.
    first = sso.begin_login(browser_secret="browser-a")
    second = sso.begin_login(browser_secret="browser-a")
    assert sso.take_login(state=first.state, browser_secret="browser-a") is None
    assert sso.take_login(state=second.state, browser_secret="browser-a") == second

    late = sso.begin_login(browser_secret="browser-a")
    clock[0] += sso.LOGIN_LIFETIME + timedelta(seconds=1)
    assert sso.take_login(state=late.state, browser_secret="browser-a") is None
    for crafted in (None, "", "x" * 5000):
        assert sso.take_login(state=crafted, browser_secret="browser-a") is None


def test_password_sign_in_for_admins_only_reads_the_same_for_every_refusal(fresh_db, monkeypatch):
    make_user("boss", "admin")
    make_user("emma")
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "admins")
    assert accounts.authenticate(username="boss", password=PASSWORD).user is not None
    right = accounts.authenticate(username="emma", password=PASSWORD)
    wrong = accounts.authenticate(username="boss", password="wrong password here")
    nobody = accounts.authenticate(username="nobody", password=PASSWORD)
    assert right.user is None
    assert right.message == wrong.message == nobody.message == accounts.ADMINS_ONLY


def test_password_sign_in_off_refuses_everyone_and_a_typo_means_admins_only(fresh_db, monkeypatch):
    make_user("boss", "admin")
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "off")
    result = accounts.authenticate(username="boss", password=PASSWORD)
    assert result.user is None and result.message == accounts.PASSWORDS_OFF
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "of")
    assert sso_config.password_mode() == "admins"
    assert accounts.authenticate(username="boss", password=PASSWORD).user is not None


def test_settings_come_from_the_environment_before_secrets_toml(fresh_db, monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[sso]\nmetadata_url = "https://login.example.com/.well-known/openid-configuration"\n'
        'client_id = "from-file"\nunknown_people = "create"\npassword_sign_in = "admins"\n'
        'create_domains = "Example.com, @example.org"\n'
    )
    monkeypatch.setenv("TRAINING_SECRETS_FILE", str(secrets))
    for env, _key in sso_config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    loaded = sso_config.load()
    assert (loaded.client_id, loaded.unknown_people) == ("from-file", "create")
    assert loaded.create_domains == ("example.com", "example.org")
    assert sso_config.password_mode() == "admins"
    monkeypatch.setenv("TRAINING_SSO_CLIENT_ID", "from-env")
    assert sso_config.load().client_id == "from-env"
    monkeypatch.setenv("TRAINING_SSO_PROMPT", "Select_Account")
    assert sso_config.load().prompt == "select_account"
    monkeypatch.setenv("TRAINING_SSO_PROMPT", "always")
    with pytest.raises(sso_config.SsoConfigError, match="login"):
        sso_config.load()
    monkeypatch.delenv("TRAINING_SSO_PROMPT")
    monkeypatch.setenv("TRAINING_SSO_UNKNOWN_PEOPLE", "maybe")
    with pytest.raises(sso_config.SsoConfigError, match="refuse.*create"):
        sso_config.load()
    monkeypatch.delenv("TRAINING_SSO_UNKNOWN_PEOPLE")
    monkeypatch.setenv("TRAINING_SSO_METADATA_URL", "http://idp.example.com/.well-known/x")
    with pytest.raises(sso_config.SsoConfigError, match="https"):
        sso_config.load()
    secrets.unlink()
    for env, _key in sso_config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    assert sso_config.load() is None and sso_config.password_mode() == "everyone"


def test_the_people_list_says_how_each_person_signs_in(fresh_db):
    boss = make_user("boss", "admin")
    emma = _person("emma", "emma@example.com")
    sso_only = _sign_in("s-new", _claims("new@example.com"), CREATE).user
    _sign_in("s-emma", _claims("emma@example.com"))
    from store import sign_in_links

    counter = make_user("counter")
    sign_in_links.issue_link(actor_id=boss.id, user_id=counter.id)
    ways = sso.sign_in_methods(password_mode="everyone")
    assert ways[boss.id] == "password"
    assert ways[emma.id] == "password, single sign-on"
    assert ways[sso_only.id] == "single sign-on"
    assert ways[counter.id] == "password, sign-in link"
    admins_only = sso.sign_in_methods(password_mode="admins")
    assert admins_only[boss.id] == "password" and admins_only[emma.id] == "single sign-on"
    assert admins_only[counter.id] == "sign-in link"


def test_a_temporary_password_never_changed_is_voided_by_single_sign_on(fresh_db):
    make_user("nina", must_change_password=True)
    with session_scope() as s:
        row = s.exec(select(User).where(User.username == "nina")).one()
        row.email = "nina@example.com"
    user = _sign_in("s-nina", _claims("nina@example.com")).user
    assert user is not None and not user.must_change_password
    assert accounts.authenticate(username="nina", password=PASSWORD).user is None
    # Someone who chose their own password keeps it.
    kept = _person("kim", "kim@example.com")
    assert _sign_in("s-kim", _claims("kim@example.com")).user is not None
    assert accounts.authenticate(username="kim", password=PASSWORD).user.id == kept.id
