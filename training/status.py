"""Where a person stands on a module, and when it is due: the one home of both rules.

`decide_status` is the only function that decides a status; `store.dashboard` computes the same
rule in SQL, and a test holds the two equal. `due_for_member` is the only rule for when a team
assignment is due for one member of the team. Pages show `Status.label`, never the raw value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from training.clock import day_of

EXPIRING_SOON_DAYS = 30
"""A valid pass that expires within this many days is "expiring soon"."""


class Status(StrEnum):
    """A module's status for one person on one day, most urgent first."""

    OVERDUE = "overdue"
    DUE_AGAIN = "due_again"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    EXPIRING = "expiring"
    PASSED = "passed"

    @property
    def label(self) -> str:
        """Return the status in words, as pages show it."""
        return _LABELS[self]

    @property
    def order(self) -> int:
        """Return the sort rank: 0 is the most urgent."""
        return list(Status).index(self)

    @property
    def done(self) -> bool:
        """Return True for a valid pass (the assignment is complete)."""
        return self in DONE


_LABELS = {
    Status.OVERDUE: "Overdue",
    Status.DUE_AGAIN: "Due again",
    Status.FAILED: "Not passed yet",
    Status.IN_PROGRESS: "In progress",
    Status.NOT_STARTED: "Not started",
    Status.EXPIRING: "Expiring soon",
    Status.PASSED: "Passed",
}

DONE = frozenset({Status.PASSED, Status.EXPIRING})
"""The statuses of a valid pass: an assignment in one of them is complete."""

STATUS_LABELS: dict[str, str] = {s.value: s.label for s in Status}
"""Status value -> label, for tables and CSV files that hold plain strings."""


def pass_is_valid(expires_at: datetime | None, today: date, zone: tzinfo = UTC) -> bool:
    """Return whether a pass that expires at expires_at still counts on today.

    A pass is valid up to the day before its expiry day (the day in zone, the organisation's
    time zone, on which expires_at falls): on the expiry day it is due again.
    """
    return expires_at is None or day_of(expires_at, zone) > today


def decide_status(
    *,
    passed_at: datetime | None,
    expires_at: datetime | None,
    attempts: int,
    due: date | None,
    open_attempt: bool,
    today: date,
    zone: tzinfo = UTC,
) -> Status:
    """Return a module's status for one person on a day.

    passed_at and expires_at are those of the person's latest pass, attempts counts their
    submitted attempts, due is the (earliest) due date of their assignments, if any; today
    is a day in zone (the organisation's time zone), where expires_at is placed too.
    """
    if passed_at is not None and pass_is_valid(expires_at, today, zone):
        soon = today + timedelta(days=EXPIRING_SOON_DAYS)
        if expires_at is not None and day_of(expires_at, zone) <= soon:
            return Status.EXPIRING
        return Status.PASSED
    if due is not None and due < today:
        return Status.OVERDUE
    if passed_at is not None:
        return Status.DUE_AGAIN
    if open_attempt:
        return Status.IN_PROGRESS
    if attempts:
        return Status.FAILED
    return Status.NOT_STARTED


def due_for_member(
    *,
    due_date: date,
    due_days: int | None,
    from_joining: bool,
    assigned_on: date,
    joined_on: date | None,
) -> date:
    """Return when a team assignment is due for one member who joined the team on joined_on.

    Members of the team on the day it was assigned are due on due_date. Someone who joined
    later is never due before they joined: with from_joining (the default for team
    assignments) they get due_days from joining or the assignment's date, whichever is later;
    with a fixed date they keep the date, unless they joined after it, when they get due_days
    from joining. due_days is None for personal assignments, which are always due on due_date.
    """
    if due_days is None or joined_on is None or joined_on <= assigned_on:
        return due_date
    own = joined_on + timedelta(days=due_days)
    if from_joining or joined_on > due_date:
        return max(due_date, own)
    return due_date
