"""training/reminders.py: who gets which reminder when, quiet hours and retry waits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from training.reminders import (
    Cell,
    Kind,
    digest_key,
    in_quiet_hours,
    plan,
    reminders_for,
    retry_delay_minutes,
)
from training.status import Status

TODAY = date(2026, 12, 1)


def cell(status: Status, due: date | None = None, expires_on: date | None = None) -> Cell:
    return Cell("empathy", status, due, expires_on)


def test_an_open_assignment_is_announced_once_per_due_date():
    due = TODAY + timedelta(days=10)
    [r] = reminders_for(cell(Status.NOT_STARTED, due), TODAY)
    assert (r.kind, r.subject_key, r.on) == (Kind.ASSIGNED, "empathy:2026-12-11", due)


def test_three_days_before_the_due_date_the_due_soon_reminder_joins():
    due = TODAY + timedelta(days=3)
    kinds = [r.kind for r in reminders_for(cell(Status.IN_PROGRESS, due), TODAY)]
    assert kinds == [Kind.ASSIGNED, Kind.DUE_SOON]
    assert [r.kind for r in reminders_for(cell(Status.FAILED, due + timedelta(1)), TODAY)] == [
        Kind.ASSIGNED
    ]


def test_due_soon_is_skipped_when_the_assignment_mail_goes_out_now_and_sent_later_otherwise():
    due = TODAY + timedelta(days=2)
    send, skip = plan([cell(Status.NOT_STARTED, due)], TODAY, set())
    assert [r.kind for r in send] == [Kind.ASSIGNED]
    assert [r.kind for r in skip] == [Kind.DUE_SOON]
    send, skip = plan([cell(Status.NOT_STARTED, due)], TODAY, {("assigned", "empathy:2026-12-03")})
    assert [r.kind for r in send] == [Kind.DUE_SOON] and skip == []


def test_overdue_is_mailed_weekly_at_most_four_times():
    due = TODAY - timedelta(days=1)
    keys = []
    for days in range(0, 40):
        today = due + timedelta(days=1 + days)
        for r in reminders_for(cell(Status.OVERDUE, due), today):
            assert r.kind is Kind.OVERDUE
            keys.append(r.subject_key)
    assert sorted(set(keys)) == [f"empathy:2026-11-30:{n}" for n in (1, 2, 3, 4)]
    assert reminders_for(cell(Status.OVERDUE, due), due + timedelta(days=28)) == []


def test_a_pass_expiring_within_30_days_is_mailed_once_per_expiry_day():
    expires = TODAY + timedelta(days=20)
    [r] = reminders_for(cell(Status.EXPIRING, None, expires), TODAY)
    assert (r.kind, r.subject_key) == (Kind.EXPIRING, "empathy:2026-12-21")


@pytest.mark.parametrize("status", [Status.PASSED, Status.DUE_AGAIN, Status.NOT_STARTED])
def test_nothing_for_a_valid_pass_or_a_module_without_an_assignment(status):
    due = TODAY + timedelta(days=5) if status is Status.PASSED else None
    assert reminders_for(cell(status, due), TODAY) == []


def test_already_known_reminders_are_not_planned_again():
    due = TODAY + timedelta(days=10)
    assert plan([cell(Status.NOT_STARTED, due)], TODAY, {("assigned", "empathy:2026-12-11")}) == (
        [],
        [],
    )


def test_the_digest_key_is_the_iso_week():
    assert digest_key(date(2026, 12, 1)) == "2026-W49"
    assert digest_key(date(2027, 1, 1)) == "2026-W53"


@pytest.mark.parametrize(
    ("now", "quiet"),
    [("20:59", False), ("21:00", True), ("23:30", True), ("03:00", True), ("06:59", True)]
    + [("07:00", False), ("12:00", False)],
)
def test_quiet_hours_wrap_past_midnight(now, quiet):
    hour, minute = map(int, now.split(":"))
    moment = datetime(2026, 12, 1, hour, minute)
    assert in_quiet_hours(moment, time(21), time(7)) is quiet


def test_quiet_hours_within_a_day_and_none():
    assert in_quiet_hours(time(13), time(12), time(14))
    assert not in_quiet_hours(time(14), time(12), time(14))
    assert not in_quiet_hours(time(3), time(0), time(0))


def test_retries_wait_longer_each_time():
    assert [retry_delay_minutes(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
