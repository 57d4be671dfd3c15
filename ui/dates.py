"""Dates and times as the app shows them: `training.dates` in the organisation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from store import settings
from training import dates

# Streamlit's date columns, written the same way as format_date ("3 Dec 2026").
DATE_COLUMN_FORMAT = "D MMM YYYY"


def zone() -> ZoneInfo:
    """Return the organisation's time zone (store.settings.time_zone, read every 30 s at most)."""
    return settings.time_zone()


def forget_zone() -> None:
    """Drop the remembered time zone (after an administrator changed it)."""
    settings.forget_time_zone()


def format_date(value: date | datetime | None) -> str:
    """Return value as "3 Dec 2026" in the organisation's time zone; "" for None."""
    return dates.format_date(value, zone())


def format_datetime(value: datetime | None) -> str:
    """Return value as "3 Dec 2026, 14:05" in the organisation's time zone; "" for None."""
    return dates.format_datetime(value, zone())


def today() -> date:
    """Return today's date in the organisation's time zone (store.settings.today, the one today)."""
    return settings.today()


def local_date(value: date | datetime) -> date:
    """Return the calendar day of value in the organisation's time zone (a date unchanged)."""
    return dates.local_date(value, zone())
