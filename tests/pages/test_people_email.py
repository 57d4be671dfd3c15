"""People's email addresses (People page, roster CSV), mail choices on Account, mail status."""

from __future__ import annotations

import pytest

from store import accounts, contact, roster
from tests.factories import make_user, page_test, page_text
from training.reminders import Kind


@pytest.mark.usefixtures("fresh_db")
def test_an_address_is_checked_stored_lowercase_and_unique_whatever_the_case():
    jo, sam = make_user("jo"), make_user("sam")
    assert contact.set_email(user_id=jo.id, actor_id=None, email=" Jo.Smith@Example.COM ") == (
        "jo.smith@example.com"
    )
    with pytest.raises(accounts.AccountError, match="Someone else already has"):
        contact.set_email(user_id=sam.id, actor_id=None, email="JO.SMITH@example.com")
    for bad in ("jo", "jo@", "jo@@example.com", "jo smith@example.com", "a" * 250 + "@x.com"):
        with pytest.raises(accounts.AccountError, match="email address"):
            contact.set_email(user_id=sam.id, actor_id=None, email=bad)
    assert contact.set_email(user_id=jo.id, actor_id=None, email="") is None
    assert accounts.get_user(jo.id).email is None


@pytest.mark.usefixtures("fresh_db")
def test_only_administrators_set_addresses():
    jo = make_user("jo")
    with pytest.raises(accounts.AccountError, match="may not"):
        contact.set_email(user_id=jo.id, actor_id=jo.id, email="jo@example.com")


@pytest.mark.usefixtures("fresh_db")
def test_the_roster_email_column_is_optional_checked_and_unique():
    kim = make_user("kim")
    contact.set_email(user_id=kim.id, actor_id=None, email="k@x.io")
    preview = roster.parse_roster(
        "username,name,team,role,email\n"
        "ann,Ann,Desk,employee,Ann@Example.com\n"
        "bob,Bob,Desk,employee,not-an-address\n"
        "cat,Cat,Desk,employee,ann@example.com\n"
        "dan,Dan,Desk,employee,K@X.io\n"
        "eve,Eve,Desk,employee,\n"
    )
    messages = dict(preview.errors)
    assert set(messages) == {3, 4, 5}
    assert "not an email address" in messages[3]
    assert "appears twice (first on line 2)" in messages[4]
    assert "Someone else already has the email address k@x.io" in messages[5]
    good = roster.parse_roster(
        "username,name,team,role,email\nann,Ann,Desk,employee,Ann@Example.com\n"
        "kim,Kim,Desk,employee,\n"
    )
    assert good.ok
    roster.import_roster(good, actor_id=None)
    assert accounts.get_user_by_username("ann").email == "ann@example.com"
    assert accounts.get_user_by_username("kim").email == "k@x.io"  # blank keeps it


@pytest.mark.usefixtures("fresh_db")
def test_the_people_page_saves_an_address_and_refuses_a_bad_one_saving_nothing(monkeypatch):
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    admin = make_user("boss", "admin")
    jo = make_user("jo", name="Jo Tester")
    at = page_test("pages/people.py", admin).run()
    assert "Mail is off: TRAINING_SMTP_URL is not set" in page_text(at)
    monkeypatch.setenv("TRAINING_SMTP_URL", "http://not-mail")
    assert "Mail is off: TRAINING_SMTP_URL must look like" in page_text(
        page_test("pages/people.py", admin).run()
    )
    monkeypatch.delenv("TRAINING_SMTP_URL")
    at.selectbox(key="people_edit_pick").select("Jo Tester (jo)").run()
    at.text_input(key=f"people_edit_name_{jo.id}").input("Jo Renamed")
    at.text_input(key=f"people_edit_email_{jo.id}").input("jo@@example")
    at.button(key=f"FormSubmitter:people_edit_{jo.id}-Save changes").click().run()
    assert any("is not an email address" in e.value for e in at.error)
    assert accounts.get_user(jo.id).name == "Jo Tester"  # nothing saved
    kim = make_user("kim")
    contact.set_email(user_id=kim.id, actor_id=None, email="kim@example.com")
    at.text_input(key=f"people_edit_email_{jo.id}").input("KIM@example.com")
    at.button(key=f"FormSubmitter:people_edit_{jo.id}-Save changes").click().run()
    assert any("Someone else already has" in e.value for e in at.error)
    assert accounts.get_user(jo.id).name == "Jo Tester"
    at.text_input(key=f"people_edit_email_{jo.id}").input("Jo@Example.com")
    at.button(key=f"FormSubmitter:people_edit_{jo.id}-Save changes").click().run()
    assert not at.error
    fresh = accounts.get_user(jo.id)
    assert (fresh.name, fresh.email) == ("Jo Renamed", "jo@example.com")


def test_the_people_page_lists_mail_given_up(fresh_db, smtp_server):
    from datetime import UTC, datetime

    from store.db import session_scope
    from store.models import MailOutbox

    admin = make_user("boss", "admin")
    jo = make_user("jo", name="Jo Tester")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope() as session:
        session.add(
            MailOutbox(
                user_id=jo.id,
                kind="overdue",
                subject_key="m:2026-11-30:1",
                to_address="jo@example.com",
                subject="Overdue: Empathy",
                body="x",
                status="failed",
                attempts=5,
                last_error="550 mailbox unavailable",
                next_try_at=now,
                created_at=now,
            )
        )
    at = page_test("pages/people.py", admin).run()
    text = page_text(at)
    assert "1 mail(s) could not be sent after 5 tries" in text
    assert "Mail goes out through plain to 127.0.0.1" in text


def test_account_mail_choices_switch_optional_kinds_off(fresh_db, smtp_server):
    jo = make_user("jo")
    at = page_test("pages/account.py", jo).run()
    assert "You have no email address in the app" in page_text(at)
    contact.set_email(user_id=jo.id, actor_id=None, email="jo@example.com")
    at = page_test("pages/account.py", jo).run()
    at.checkbox(key="account_mail_digest").uncheck()
    at.checkbox(key="account_mail_due_soon").uncheck()
    at.button(key="FormSubmitter:account_mail_form-Save mail choices").click().run()
    assert contact.opt_outs(accounts.get_user(jo.id)) == {Kind.DIGEST, Kind.DUE_SOON}
    at = page_test("pages/account.py", jo).run()
    assert at.checkbox(key="account_mail_digest").value is False
    assert at.checkbox(key="account_mail_expiring").value is True


def test_an_administrator_chooses_the_kinds_and_quiet_hours(fresh_db, smtp_server):
    from store import settings

    admin = make_user("boss", "admin")
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="settings_quiet_hours").input("22:00-6:00")
    at.multiselect(key="settings_mail_kinds").unselect("digest")
    at.button(key="FormSubmitter:settings_mail_form-Save mail settings").click().run()
    assert settings.get_setting("quiet_hours") == "22:00-06:00"
    assert Kind.DIGEST not in settings.mail_kinds()
    at.text_input(key="settings_quiet_hours").input("late")
    at.button(key="FormSubmitter:settings_mail_form-Save mail settings").click().run()
    assert any("not a time range" in e.value for e in at.error)
    assert settings.get_setting("quiet_hours") == "22:00-06:00"
