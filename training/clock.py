"""The one clock: what time it is and which day it is for the organisation.

Every "today" in the app comes from `today()`, so the learner's list, the module page, the
dashboards and the certificates agree on the day. For now the organisation's day is the UTC
day; an organisation time zone setting replaces the zone here and nowhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

ORGANISATION_ZONE: tzinfo = UTC


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Return the organisation's current day."""
    return datetime.now(ORGANISATION_ZONE).date()


def day_of(moment: datetime) -> date:
    """Return the organisation's day on which moment fell (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ORGANISATION_ZONE).date()
