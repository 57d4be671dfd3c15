"""Self-service password reset: one answer for every name, single-use 30-minute links by mail."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from store import accounts, contact, password_reset
from store.db import session_scope
from store.models import AuditLog, PasswordReset
from store.security import token_hash
from tests.factories import PASSWORD, make_user, page_test, page_text

NEW_PASSWORD = "plum orbit lantern seven"
LINK = re.compile(r"https://training\.example\.com/\?reset=([A-Za-z0-9_-]+)")


@pytest.fixture
def jo(fresh_db, smtp_server):
    user = make_user("jo", name="Jo Tester")
    contact.set_email(user_id=user.id, actor_id=None, email="Jo@Example.com")
    return accounts.get_user(user.id)


def link_token(box, count: int = 1) -> str:
    mail = box.wait_for(count)[count - 1]
    text = mail.message.get_body(("plain",)).get_content()
    return LINK.search(text).group(1)


def actions() -> list[str]:
    with session_scope(write=False) as session:
        return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


def test_the_link_sets_a_new_password_once_and_ends_every_session(jo, smtp_server):
    sessions = [accounts.create_session(user_id=jo.id)[0] for _ in range(2)]
    answer = password_reset.request_reset(identifier="jo", address="10.0.0.1")
    assert answer.message == password_reset.REQUESTED
    mail = smtp_server.wait_for(1)[0]
    assert mail.recipients == ["jo@example.com"]
    assert mail.message["Subject"] == "Choose a new password for the training app"
    token = link_token(smtp_server)
    with session_scope(write=False) as session:
        stored = session.exec(select(PasswordReset)).one()
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    assert password_reset.reset_link_is_live(token)
    password_reset.use_reset(token=token, new_password=NEW_PASSWORD)
    assert all(accounts.user_for_token(t) is None for t in sessions)
    assert accounts.authenticate(username="jo", password=NEW_PASSWORD).user is not None
    assert accounts.authenticate(username="jo", password=PASSWORD).user is None
    assert not password_reset.reset_link_is_live(token)
    with pytest.raises(accounts.AccountError, match="expired or has been used"):
        password_reset.use_reset(token=token, new_password="another fine password 9")
    assert "password_reset_requested" in actions() and "password_reset_by_link" in actions()


def test_the_email_address_works_whatever_its_case_and_an_old_link_dies_with_a_new_password(
    jo, smtp_server
):
    password_reset.request_reset(identifier="JO@example.COM", address=None)
    first = link_token(smtp_server, 1)
    password_reset.request_reset(identifier="jo", address=None)
    second = link_token(smtp_server, 2)
    password_reset.use_reset(token=second, new_password=NEW_PASSWORD)
    assert not password_reset.reset_link_is_live(first)


def test_a_link_expires_after_30_minutes(jo, smtp_server):
    start = accounts.now_utc()
    password_reset.request_reset(identifier="jo", address=None, now=start)
    token = link_token(smtp_server)
    assert password_reset.reset_link_is_live(token, now=start + timedelta(minutes=29))
    late = start + timedelta(minutes=30, seconds=1)
    with pytest.raises(accounts.AccountError, match="expired"):
        password_reset.use_reset(token=token, new_password=NEW_PASSWORD, now=late)


def test_a_weak_password_is_refused_and_the_link_still_works(jo, smtp_server):
    password_reset.request_reset(identifier="jo", address=None)
    token = link_token(smtp_server)
    with pytest.raises(accounts.AccountError, match="at least 10"):
        password_reset.use_reset(token=token, new_password="short")
    assert password_reset.reset_link_is_live(token)


def test_every_name_gets_the_same_answer_and_only_a_real_address_gets_mail(jo, smtp_server):
    nomail = make_user("nomail")
    gone = make_user("gone")
    contact.set_email(user_id=gone.id, actor_id=None, email="gone@example.com")
    accounts.update_user(user_id=gone.id, actor_id=None, active=False)
    answers = {
        name: password_reset.request_reset(identifier=name, address=f"10.0.0.{n}")
        for n, name in enumerate(["jo", "nobody", nomail.username, "gone", "x@example.com"])
    }
    assert {a.message for a in answers.values()} == {password_reset.REQUESTED}
    smtp_server.wait_for(1)
    time.sleep(0.5)  # mails would have arrived by now
    assert [m.recipients for m in smtp_server.received] == [["jo@example.com"]]


def test_requests_are_rate_limited_per_name_whether_or_not_it_exists(jo, smtp_server):
    for name in ("jo", "nobody-at-all"):
        answers = [
            password_reset.request_reset(identifier=name, address=f"10.1.0.{n}") for n in range(7)
        ]
        # the sign-in backoff's allowance: five free, then waits that double from 1 second
        assert [a.wait_seconds > 0 for a in answers] == [False] * 6 + [True], name
        assert "Too many requests" in answers[-1].message
    assert len(smtp_server.wait_for(6)) == 6  # and no seventh mail to jo
    time.sleep(0.3)
    assert len(smtp_server.received) == 6
    # sign-in for jo is not slowed by the reset requests
    assert accounts.authenticate(username="jo", password=PASSWORD).user is not None


def _ask(at, identifier: str):
    at.button(key="signin_forgot").click()
    at.run()
    at.text_input(key="signin_forgot_identifier").input(identifier)
    at.button(key="FormSubmitter:signin_forgot_form-Send me a link").click()
    return at.run()


def test_the_sign_in_page_answers_the_same_for_a_real_and_a_made_up_name(jo, smtp_server):
    at = page_test("app.py").run()
    assert "Forgot your password?" in page_text(at)
    real = [i.value for i in _ask(at, "jo").info]
    at = page_test("app.py").run()
    made_up = [i.value for i in _ask(at, "nobody-here").info]
    assert real == made_up == [password_reset.REQUESTED]
    assert smtp_server.wait_for(1)[0].recipients == ["jo@example.com"]


def test_the_link_page_sets_the_password_and_says_so_on_the_sign_in_page(jo, smtp_server):
    password_reset.request_reset(identifier="jo", address=None)
    token = link_token(smtp_server)
    at = page_test("app.py")
    at.query_params["reset"] = token
    at.run()
    assert "Choose a new password" in page_text(at)
    at.text_input(key="reset_new").input(NEW_PASSWORD)
    at.text_input(key="reset_again").input(NEW_PASSWORD + "x")
    at.button(key="FormSubmitter:reset_form-Set new password").click()
    at.run()
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    at.text_input(key="reset_again").input(NEW_PASSWORD)
    at.button(key="FormSubmitter:reset_form-Set new password").click()
    at.run()
    assert any("Your password is changed" in s.value for s in at.success)
    assert accounts.authenticate(username="jo", password=NEW_PASSWORD).user is not None
    at = page_test("app.py")
    at.query_params["reset"] = token
    at.run()
    assert [e.value for e in at.error] == [password_reset.BAD_LINK]


def test_without_mail_the_sign_in_page_says_to_ask_an_administrator(fresh_db, monkeypatch):
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    make_user("jo")
    at = page_test("app.py").run()
    at.button(key="signin_forgot").click()
    at.run()
    assert "Password reset by mail is not set up on this server" in page_text(at)


def test_with_password_sign_in_for_administrators_only_only_they_get_a_link(
    jo, smtp_server, monkeypatch
):
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "admins")
    boss = make_user("boss", "admin")
    contact.set_email(user_id=boss.id, actor_id=None, email="boss@example.com")
    answers = {n: password_reset.request_reset(identifier=n, address=None) for n in ("jo", "boss")}
    assert {a.message for a in answers.values()} == {password_reset.REQUESTED}
    assert smtp_server.wait_for(1)[0].recipients == ["boss@example.com"]
    time.sleep(0.3)
    assert len(smtp_server.received) == 1
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "off")
    assert not password_reset.password_reset_offered()
    at = page_test("app.py").run()
    assert "Forgot your password?" not in page_text(at)
