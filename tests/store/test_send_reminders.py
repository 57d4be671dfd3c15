"""`send-reminders` end to end against a real SMTP server: who, what, once, retries, quiet hours."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlmodel import select

from store import accounts, contact, mail, reminders, settings
from store.db import session_scope
from store.models import Assignment, AuditLog, MailOutbox, Progress
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "tests" / "fixtures" / "mail"
MODULE = "sample-basics"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, outside the default quiet hours
TODAY = NOW.date()


@pytest.fixture
def org(fresh_db, smtp_server, monkeypatch):
    """A team with two people who have an address, one who has none, and an administrator."""
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(CONTENT))
    team = accounts.create_team(name="Front desk", actor_id=None)
    people = {}
    for username, address in (("jo", "Jo@Example.com"), ("sam", "sam@example.com"), ("kim", None)):
        user = make_user(username, team_id=team.id)
        contact.set_email(user_id=user.id, actor_id=None, email=address)
        people[username] = accounts.get_user(user.id)
    people["admin"] = make_user("admin", "admin")
    return team, people


def assign(*, team_id=None, user_id=None, due: date) -> None:
    with session_scope() as session:
        session.add(
            Assignment(
                module_id=MODULE,
                team_id=team_id,
                user_id=user_id,
                due_date=due,
                assigned_at=NOW - timedelta(days=30),
            )
        )


def mails_to(box, address: str) -> list:
    return [r for r in box.received if address in r.recipients]


def subjects(box) -> list[tuple[str, str]]:
    return sorted((r.recipients[0], r.message["Subject"]) for r in box.received)


@pytest.mark.both_dbs
def test_a_new_assignment_is_mailed_once_with_its_link_and_calendar_file(org, smtp_server):
    team, people = org
    assign(team_id=team.id, due=TODAY + timedelta(days=10))
    first = reminders.run_pass(now=NOW)
    assert (first.queued, first.sent, first.failed) == (2, 2, 0)
    assert subjects(smtp_server) == [
        ("jo@example.com", "New training for you: Sample basics (due 11 Dec 2026)"),
        ("sam@example.com", "New training for you: Sample basics (due 11 Dec 2026)"),
    ]
    [got] = mails_to(smtp_server, "jo@example.com")
    text = got.message.get_body(("plain",)).get_content()
    assert "Hello Jo Tester" in text
    assert "https://training.example.com/module?id=sample-basics" in text
    [ics] = list(got.message.iter_attachments())
    event = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == TODAY + timedelta(days=10)
    assert str(event["URL"]) == "https://training.example.com/module?id=sample-basics"

    again = reminders.run_pass(now=NOW + timedelta(minutes=15))
    assert (again.queued, again.sent) == (0, 0)
    assert len(smtp_server.received) == 2
    with session_scope(write=False) as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "reminders_pass")).first()


def test_due_soon_follows_an_earlier_assignment_mail_and_respects_opt_outs(org, smtp_server):
    team, people = org
    due = TODAY + timedelta(days=5)
    assign(team_id=team.id, due=due)
    reminders.run_pass(now=NOW)
    contact.set_opt_outs(user_id=people["sam"].id, kinds={reminders.Kind.DUE_SOON})
    later = NOW + timedelta(days=3)
    result = reminders.run_pass(now=later)
    assert result.sent == 1
    [got] = [r for r in smtp_server.received if r.message["Subject"].startswith("Due in 2 days")]
    assert got.recipients == ["jo@example.com"]
    assert got.message["Subject"] == "Due in 2 days: Sample basics"
    assert len(list(got.message.iter_attachments())) == 1


def test_overdue_is_mailed_weekly_and_stops_after_four(org, smtp_server):
    team, people = org
    assign(user_id=people["jo"].id, due=TODAY - timedelta(days=1))
    for week in range(6):
        reminders.run_pass(now=NOW + timedelta(days=7 * week))
        reminders.run_pass(now=NOW + timedelta(days=7 * week, hours=2))
    got = [r.message["Subject"] for r in mails_to(smtp_server, "jo@example.com")]
    assert got == ["Overdue: Sample basics (was due 30 Nov 2026)"] * 4


def test_an_expiring_pass_and_the_managers_weekly_digest(org, smtp_server):
    team, people = org
    manager = make_user("max", "manager", team_id=team.id, name="Max Manager")
    contact.set_email(user_id=manager.id, actor_id=None, email="max@example.com")
    accounts.set_team_managers(team_id=team.id, user_ids=[manager.id], actor_id=None)
    assign(user_id=people["sam"].id, due=TODAY - timedelta(days=3))
    with session_scope() as session:
        session.add(
            Progress(
                user_id=people["jo"].id,
                module_id=MODULE,
                best_score=90,
                attempt_count=1,
                passed_at=NOW - timedelta(days=345),
                expires_at=NOW + timedelta(days=20),
            )
        )
    reminders.run_pass(now=NOW)
    [expiring] = mails_to(smtp_server, "jo@example.com")
    assert expiring.message["Subject"] == "Your pass of Sample basics expires on 21 Dec 2026"
    [digest] = mails_to(smtp_server, "max@example.com")
    assert digest.message["Subject"] == "Your teams this week (2026-W49)"
    body = digest.message.get_body(("plain",)).get_content()
    assert "Front desk: 4 people, 0% complete." in body
    assert "Overdue: Sam Tester (1 module(s))" in body
    assert "Passes expiring within 30 days: Jo Tester (1)" in body
    [floor] = [line for line in body.splitlines() if line.startswith("Not observed on the floor")]
    assert floor.startswith("Not observed on the floor for 45 days or more: ")
    assert "Sam Tester" in floor and "Jo Tester" in floor and "Max Manager" not in floor
    assert "https://training.example.com/team" in body
    reminders.run_pass(now=NOW + timedelta(days=2))  # same week: no second digest
    assert len(mails_to(smtp_server, "max@example.com")) == 1
    reminders.run_pass(now=NOW + timedelta(days=7))
    assert len(mails_to(smtp_server, "max@example.com")) == 2


def test_each_manager_gets_the_figures_of_their_own_teams_only(org, smtp_server):
    front, people = org
    back = accounts.create_team(name="Back office", actor_id=None)
    lee = make_user("lee", team_id=back.id, name="Lee Late")
    contact.set_email(user_id=lee.id, actor_id=None, email="lee@example.com")
    both = make_user("ada", "manager", name="Ada Both")
    one = make_user("bo", "manager", name="Bo Back")
    gone = make_user("cy", "manager", name="Cy Former")
    for who in (both, one, gone):
        contact.set_email(user_id=who.id, actor_id=None, email=f"{who.username}@example.com")
    accounts.set_team_managers(team_id=front.id, user_ids=[both.id], actor_id=None)
    accounts.set_team_managers(team_id=back.id, user_ids=[both.id, one.id, gone.id], actor_id=None)
    accounts.update_user(user_id=gone.id, actor_id=None, role="employee")  # no longer a manager
    assign(user_id=lee.id, due=TODAY - timedelta(days=8))
    assign(user_id=people["sam"].id, due=TODAY - timedelta(days=3))
    reminders.run_pass(now=NOW)

    def digest(address: str) -> str:
        [mail_] = mails_to(smtp_server, address)
        return mail_.message.get_body(("plain",)).get_content()

    ada = digest("ada@example.com")
    assert ada.index("Back office: 1 people, 0% complete.") < ada.index("Front desk: 3 people")
    assert "Overdue: Lee Late (1 module(s))" in ada and "Overdue: Sam Tester (1" in ada
    bo = digest("bo@example.com")
    lines = bo.splitlines()
    team_line = lines.index("Back office: 1 people, 0% complete.")
    assert lines[team_line + 1] == "Overdue: Lee Late (1 module(s))"
    assert "Front desk" not in bo and "Sam Tester" not in bo and "Jo Tester" not in bo
    assert mails_to(smtp_server, "cy@example.com") == []


def test_nothing_is_sent_in_quiet_hours_in_the_organisations_time_zone(org, smtp_server):
    team, people = org
    admin = people["admin"]
    settings.set_setting(actor=admin, name="time_zone", value="Europe/Berlin")
    settings.set_setting(actor=admin, name="quiet_hours", value="21:00-07:00")
    assign(team_id=team.id, due=TODAY + timedelta(days=10))
    night = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    result = reminders.run_pass(now=night)
    assert result.quiet and result.queued == 2 and result.sent == 0
    assert smtp_server.received == []
    early = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)  # 06:30 in Berlin: still quiet
    assert reminders.run_pass(now=early).sent == 0
    morning = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)  # 07:05 in Berlin
    assert reminders.run_pass(now=morning).sent == 2


def test_a_reminder_queued_at_night_is_not_sent_once_the_training_is_done(org, smtp_server):
    team, people = org
    assign(user_id=people["jo"].id, due=TODAY + timedelta(days=10))
    night = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    assert reminders.run_pass(now=night).queued == 1
    with session_scope() as session:
        session.add(
            Progress(
                user_id=people["jo"].id,
                module_id=MODULE,
                best_score=100,
                attempt_count=1,
                passed_at=night + timedelta(hours=1),
                expires_at=night + timedelta(days=365),
            )
        )
    morning = reminders.run_pass(now=datetime(2026, 12, 2, 7, 30, tzinfo=UTC))
    assert (morning.sent, morning.skipped) == (0, 1)
    assert smtp_server.received == []


def test_the_organisation_chooses_the_kinds_and_mail_off_sends_nothing(
    org, smtp_server, monkeypatch
):
    team, people = org
    settings.set_setting(actor=people["admin"], name="mail_kinds", value=["overdue"])
    assign(team_id=team.id, due=TODAY + timedelta(days=10))
    assert reminders.run_pass(now=NOW).queued == 0
    monkeypatch.delenv("TRAINING_SMTP_URL")
    settings.set_setting(actor=people["admin"], name="mail_kinds", value=["assigned"])
    off = reminders.run_pass(now=NOW)
    assert off.mail_off and "TRAINING_SMTP_URL" in off.summary()
    assert smtp_server.received == []
    with session_scope(write=False) as session:
        assert session.exec(select(MailOutbox)).all() == []


def test_a_refused_send_is_retried_with_backoff_and_given_up_after_five(org, smtp_server):
    team, people = org
    assign(user_id=people["jo"].id, due=TODAY + timedelta(days=10))
    smtp_server.refuse_next = 1
    first = reminders.run_pass(now=NOW)
    assert (first.sent, first.failed) == (0, 1)
    assert reminders.run_pass(now=NOW + timedelta(minutes=4)).sent == 0  # waits 5 minutes
    assert reminders.run_pass(now=NOW + timedelta(minutes=6)).sent == 1
    assert len(smtp_server.received) == 1

    assign(user_id=people["sam"].id, due=TODAY + timedelta(days=12))
    smtp_server.refuse_next = 99
    when = NOW + timedelta(hours=1)
    for _ in range(8):
        reminders.run_pass(now=when)
        when += timedelta(hours=2)
    assert smtp_server.refused == 1 + 5
    [lost] = reminders.given_up()
    assert (lost.to, lost.attempts) == ("sam@example.com", 5)
    assert "451" in lost.last_error
    with session_scope(write=False) as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "mail_given_up")).first()


@pytest.mark.both_dbs
def test_a_pass_keeps_one_line_per_sender_and_a_dropped_line_loses_and_repeats_nothing(
    fresh_db, smtp_server, monkeypatch
):
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(CONTENT))
    monkeypatch.setattr(reminders, "CLAIM_BATCH", 4)  # several batches per sender
    team = accounts.create_team(name="Floor", actor_id=None)
    addresses = [f"p{n:02d}@example.com" for n in range(15)]
    for n, address in enumerate(addresses):
        user = make_user(f"p{n:02d}", team_id=team.id)
        contact.set_email(user_id=user.id, actor_id=None, email=address)
    assign(team_id=team.id, due=TODAY + timedelta(days=10))
    smtp_server.drop_every = 5  # the server takes 5 mails per connection, then says 421
    result = reminders.run_pass(now=NOW)
    assert (result.sent, result.failed) == (15, 0)
    assert sorted(r.recipients[0] for r in smtp_server.received) == addresses  # each once
    # connections: one per sender, plus one after each drop (not one per batch of 4)
    assert smtp_server.greetings <= reminders.SENDERS + smtp_server.drops
    assert smtp_server.drops >= 2
    with session_scope(write=False) as session:
        assert {r.status for r in session.exec(select(MailOutbox))} == {"sent"}


def test_an_unreadable_smtp_url_is_an_error_not_silence(org, monkeypatch):
    monkeypatch.setenv("TRAINING_SMTP_URL", "mail.example.com:25")
    with pytest.raises(mail.MailError, match="must look like"):
        reminders.run_pass(now=NOW)


def test_a_dry_run_lists_the_mails_and_writes_nothing(org, smtp_server):
    team, people = org
    assign(team_id=team.id, due=TODAY + timedelta(days=10))
    result = reminders.run_pass(now=NOW, dry_run=True)
    assert sorted(to for to, _, _ in result.planned) == ["jo@example.com", "sam@example.com"]
    assert smtp_server.received == []
    with session_scope(write=False) as session:
        assert session.exec(select(MailOutbox)).all() == []


def _run_cli(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "store", "send-reminders", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.both_dbs
def test_two_passes_at_once_in_two_processes_never_send_twice(fresh_db, smtp_server, monkeypatch):
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(CONTENT))
    admin = make_user("admin", "admin")
    settings.set_setting(actor=admin, name="quiet_hours", value="00:00-00:00")  # real clock
    team = accounts.create_team(name="Floor", actor_id=None)
    for n in range(40):
        user = make_user(f"p{n:02d}", team_id=team.id)
        contact.set_email(user_id=user.id, actor_id=None, email=f"p{n:02d}@example.com")
    assign(team_id=team.id, due=date.today() + timedelta(days=10))
    env = dict(os.environ)
    procs = [_run_cli(env), _run_cli(env)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    recipients = sorted(r.recipients[0] for r in smtp_server.received)
    assert recipients == [f"p{n:02d}@example.com" for n in range(40)], outputs
    third = _run_cli(env)
    assert "queued 0, sent 0" in third.communicate(timeout=120)[0]
    assert len(smtp_server.received) == 40


def test_the_command_explains_a_dry_run(fresh_db, smtp_server, monkeypatch):
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(CONTENT))
    team = accounts.create_team(name="Floor", actor_id=None)
    user = make_user("ann", team_id=team.id)
    contact.set_email(user_id=user.id, actor_id=None, email="ann@example.com")
    assign(team_id=team.id, due=date.today() + timedelta(days=10))
    proc = _run_cli(dict(os.environ), "--dry-run")
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, out
    assert "would send\tann@example.com\tassigned\tNew training for you: Sample basics" in out
    assert out.strip().endswith("(given up 0)") or "quiet hours" in out
    assert smtp_server.received == []
