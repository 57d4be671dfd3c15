"""The one status rule, the due-date rule for team members, the clock and score formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from training import clock
from training.scores import format_score, score_value
from training.status import DONE, STATUS_LABELS, Status, decide_status, due_for_member

TODAY = date(2026, 6, 1)


def status(**kw) -> Status:
    args = dict(passed_at=None, expires_at=None, attempts=0, due=None, open_attempt=False)
    args.update(kw)
    return decide_status(today=TODAY, **args)


def test_status_rules():
    passed = datetime(2026, 1, 1, tzinfo=UTC)
    assert status() is Status.NOT_STARTED
    assert status(due=TODAY - timedelta(days=1), open_attempt=True) is Status.OVERDUE
    assert status(attempts=1) is Status.FAILED
    assert status(open_attempt=True) is Status.IN_PROGRESS
    soon = datetime(2026, 6, 20, tzinfo=UTC)
    assert status(passed_at=passed, expires_at=soon, due=TODAY - timedelta(days=9)) == "expiring"
    assert status(passed_at=passed) is Status.PASSED
    assert status(passed_at=passed, expires_at=datetime(2026, 5, 1, tzinfo=UTC)) == "due_again"


def test_a_pass_is_no_longer_valid_on_its_expiry_day():
    passed = datetime(2025, 11, 30, 9, tzinfo=UTC)
    expires = datetime(2026, 11, 30, 9, tzinfo=UTC)
    on = {
        day: decide_status(
            passed_at=passed,
            expires_at=expires,
            attempts=1,
            due=None,
            open_attempt=False,
            today=day,
        )
        for day in (date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1))
    }
    assert on == {
        date(2026, 11, 29): Status.EXPIRING,
        date(2026, 11, 30): Status.DUE_AGAIN,
        date(2026, 12, 1): Status.DUE_AGAIN,
    }


def test_status_enum_has_labels_order_and_done_set():
    assert [s.order for s in Status] == list(range(7))
    assert Status.OVERDUE.order < Status.PASSED.order
    assert {Status.PASSED, Status.EXPIRING} == DONE
    assert Status.EXPIRING.done and not Status.DUE_AGAIN.done
    assert Status.FAILED.label == "Not passed yet"
    assert STATUS_LABELS["passed"] == "Passed" and STATUS_LABELS[Status.OVERDUE] == "Overdue"
    assert Status("due_again") is Status.DUE_AGAIN and Status.PASSED == "passed"


def test_team_members_who_join_later_are_due_from_the_day_they_join():
    assigned_on = date(2026, 6, 1)
    same = dict(due_date=date(2026, 7, 1), due_days=30, assigned_on=assigned_on)

    def due(joined_on, from_joining=True):
        return due_for_member(**same, from_joining=from_joining, joined_on=joined_on)

    # members on the day it was assigned are due on its date, even a date already past
    assert due(date(2025, 1, 1)) == due(assigned_on) == date(2026, 7, 1)
    # from joining (the default): the later of the date and joining + 30 days
    assert due(date(2026, 6, 20)) == date(2026, 7, 20)
    # a fixed date holds for people who join before it; later joiners get their 30 days
    assert due(date(2026, 6, 20), from_joining=False) == date(2026, 7, 1)
    assert due(date(2026, 12, 1), from_joining=False) == date(2026, 12, 31)
    assert due(date(2026, 12, 1)) == date(2026, 12, 31)
    # personal assignments (no due_days) are due on their date
    personal = dict(same, due_days=None)
    assert due_for_member(**personal, from_joining=True, joined_on=TODAY) == date(2026, 7, 1)


def test_clock_gives_one_today():
    assert clock.today() == datetime.now(UTC).date()
    assert clock.now().tzinfo is not None
    assert clock.day_of(datetime(2026, 6, 1, 23, 59)) == date(2026, 6, 1)


@pytest.mark.parametrize(
    ("pct", "text"),
    [
        (37.5, "37.5%"),
        (38.0, "38%"),
        (100, "100%"),
        (0, "0%"),
        (200 / 3, "66.7%"),
        (62.25, "62.3%"),  # halves round up, never to even
        (99.96, "100%"),
        (87.5, "87.5%"),
        (None, "–"),
    ],
)
def test_format_score_is_one_rule(pct, text):
    assert format_score(pct) == text


def test_score_value_matches_format_score():
    assert score_value(37.5) == 37.5 and score_value(100 / 3) == 33.3 and score_value(0.25) == 0.3
