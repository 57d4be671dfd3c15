"""The one way dates and times are written for people: day, short month, year, 24-hour clock.

"3 Dec 2026" and "3 Dec 2026, 14:05". A moment (datetime) is shown in the organisation's time
zone; the database keeps moments in UTC, and a naive datetime is taken to be UTC. A calendar
date (a due date) has no time zone and is written as it is. None is written as "" so a table
cell stays blank.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from training import clock


def local_moment(value: datetime, zone: tzinfo = UTC) -> datetime:
    """Return value (UTC when naive) in zone."""
    return clock.aware(value).astimezone(zone)


def local_date(value: date | datetime, zone: tzinfo = UTC) -> date:
    """Return the calendar date of value in zone (a date is returned unchanged)."""
    if isinstance(value, datetime):
        return local_moment(value, zone).date()
    return value


def format_date(value: date | datetime | None, zone: tzinfo = UTC) -> str:
    """Return value as "3 Dec 2026" (a moment: its date in zone); "" for None."""
    if value is None:
        return ""
    day = local_date(value, zone)
    return f"{day.day} {day:%b %Y}"


def format_datetime(value: datetime | None, zone: tzinfo = UTC) -> str:
    """Return value as "3 Dec 2026, 14:05" in zone; "" for None."""
    if value is None:
        return ""
    moment = local_moment(value, zone)
    return f"{moment.day} {moment:%b %Y, %H:%M}"
