"""The one clock: what time it is and which day it is for the organisation.

Every "today" in the app comes from `today()`, so the learner's list, the module page, the
dashboards and the certificates agree on the day. Pages pass the organisation's time zone
(`ui.dates.today()` does); without one it is the UTC day, as in the store's defaults.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def today(zone: tzinfo = UTC) -> date:
    """Return the current day in zone (the organisation's time zone; UTC by default)."""
    return datetime.now(zone).date()


def day_of(moment: datetime, zone: tzinfo = UTC) -> date:
    """Return the day in zone on which moment fell (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()
