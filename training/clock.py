"""The one clock: what time it is and which day it is for the organisation.

Every "today" in the app comes from `today(zone)` with the organisation's time zone
(`store.settings.today()` passes it; `ui.dates.today()` is that), and every "which day did this
moment fall on" from `day_of(moment, zone)`, so the learner's list, the module page, the
dashboards, pass expiry, join days and the certificates agree on the day. `frozen_at` stops the
clock at one moment (for tests and for reproducing what a page showed at a given time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from typing import overload

_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today(zone: tzinfo = UTC) -> date:
    """Return the current day in zone (the organisation's time zone; UTC by default)."""
    return now().astimezone(zone).date()


def day_of(moment: datetime, zone: tzinfo = UTC) -> date:
    """Return the day in zone on which moment fell (naive moments are taken as UTC)."""
    return aware(moment).astimezone(zone).date()


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """Return moment with a time zone: a naive one (as SQLite hands back) is taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def start_of_day(day: date, zone: tzinfo = UTC) -> datetime:
    """Return the moment (in UTC) at which day begins in zone."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Stop the clock at moment (timezone-aware) until the block ends."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware moment")
    before, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = before
