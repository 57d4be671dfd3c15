"""Who gets which reminder when: pure rules over statuses decided by `training.status`.

A reminder is named by its kind and a subject key, and each (person, kind, subject key) is
mailed at most once (the outbox in store/reminders.py holds that in the database):

- ``assigned``: an open assignment that is not yet overdue; key ``module:due date``. A new due
  date (the module assigned again) is a new subject.
- ``due_soon``: the same, once the due date is at most `DUE_SOON_DAYS` days away. When the
  assignment mail goes out that close to the date, it says the date and the due-soon mail is
  skipped.
- ``overdue``: status overdue; then every `OVERDUE_EVERY_DAYS` days, at most `OVERDUE_MAX`
  times; key ``module:due date:n`` with n = 1..4 (n counts the weeks since the due date).
- ``expiring``: a pass that expires within `training.status.EXPIRING_SOON_DAYS` days (status
  expiring); key ``module:expiry day``.
- ``digest``: a manager's weekly summary of their teams; key the ISO week (``2026-W49``).

Units, so nobody has to guess: days are calendar days in the organisation's time zone (the
caller passes its "today", from `training.clock`); quiet hours are local wall-clock times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from training.status import Status

DUE_SOON_DAYS = 3
OVERDUE_EVERY_DAYS = 7
OVERDUE_MAX = 4


class Kind(StrEnum):
    """A kind of mail the app sends."""

    ASSIGNED = "assigned"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    EXPIRING = "expiring"
    DIGEST = "digest"
    PASSWORD_RESET = "password_reset"

    @property
    def label(self) -> str:
        """Return the kind in words, as Account and People show it."""
        return _LABELS[self]

    @property
    def optional(self) -> bool:
        """Return True when a person may switch this kind off for themselves."""
        return self in OPTIONAL


_LABELS = {
    Kind.ASSIGNED: "New training assigned to me",
    Kind.DUE_SOON: "Training due in 3 days",
    Kind.OVERDUE: "Overdue training (weekly, at most 4 times)",
    Kind.EXPIRING: "A pass of mine expires within 30 days",
    Kind.DIGEST: "Weekly digest of my teams (managers)",
    Kind.PASSWORD_RESET: "Password reset links",
}

REMINDER_KINDS = (Kind.ASSIGNED, Kind.DUE_SOON, Kind.OVERDUE, Kind.EXPIRING, Kind.DIGEST)
"""The kinds `send-reminders` sends; an administrator chooses which the organisation uses."""

OPTIONAL = frozenset({Kind.DUE_SOON, Kind.EXPIRING, Kind.DIGEST})
"""Kinds a person may switch off on Account (an assignment and being overdue always mail)."""


@dataclass(frozen=True)
class Cell:
    """One person's standing on one module today, as `store.dashboard` computes it."""

    module_id: str
    status: Status
    due: date | None
    expires_on: date | None


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: its kind, subject key, module and the date it is about."""

    kind: Kind
    subject_key: str
    module_id: str
    on: date | None  # the due date, or the expiry day for a pass
    overdue_count: int = 0


def reminders_for(cell: Cell, today: date) -> list[Reminder]:
    """Return every reminder the rules call for on this cell today (the outbox drops repeats)."""
    m = cell.module_id
    if cell.status is Status.EXPIRING and cell.expires_on is not None:
        key = f"{m}:{cell.expires_on.isoformat()}"
        return [Reminder(Kind.EXPIRING, key, m, cell.expires_on)]
    if cell.status.done or cell.due is None:
        return []
    due = cell.due
    if cell.status is Status.OVERDUE:
        weeks = (today - due).days // OVERDUE_EVERY_DAYS
        if weeks >= OVERDUE_MAX:
            return []
        n = weeks + 1
        return [Reminder(Kind.OVERDUE, f"{m}:{due.isoformat()}:{n}", m, due, overdue_count=n)]
    key = f"{m}:{due.isoformat()}"
    found = [Reminder(Kind.ASSIGNED, key, m, due)]
    if (due - today).days <= DUE_SOON_DAYS:
        found.append(Reminder(Kind.DUE_SOON, key, m, due))
    return found


def plan(
    cells: Iterable[Cell], today: date, known: set[tuple[str, str]]
) -> tuple[list[Reminder], list[Reminder]]:
    """Return (to send, to skip) for one person: reminders not yet in known (kind, key) pairs.

    A due-soon reminder whose assignment mail goes out now is skipped: that mail says the date.
    """
    new = [
        r
        for cell in cells
        for r in reminders_for(cell, today)
        if (r.kind.value, r.subject_key) not in known
    ]
    assigned_now = {r.subject_key for r in new if r.kind is Kind.ASSIGNED}
    skip = [r for r in new if r.kind is Kind.DUE_SOON and r.subject_key in assigned_now]
    send = [r for r in new if r not in skip]
    return send, skip


def digest_key(today: date) -> str:
    """Return the subject key of the weekly digest for the week of today (ISO week)."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def in_quiet_hours(moment: datetime | time, start: time, end: time) -> bool:
    """Return True when a local wall-clock moment falls in quiet hours [start, end).

    Quiet hours may wrap past midnight (21:00-07:00); equal start and end mean none.
    """
    now = moment.time() if isinstance(moment, datetime) else moment
    now = now.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def retry_delay_minutes(attempts: int) -> int:
    """Return the wait after the attempts-th failed send: 5, 10, 20, 40 minutes."""
    return 5 * 2 ** max(0, attempts - 1)


MAX_ATTEMPTS = 5
"""After this many failed sends a mail is given up and listed on the People page."""
