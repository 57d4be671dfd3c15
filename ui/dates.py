"""Dates and times as the app shows them: `training.dates` in the organisation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from store import settings
from training import dates

# Streamlit's date columns, written the same way as format_date ("3 Dec 2026").
DATE_COLUMN_FORMAT = "D MMM YYYY"
# Streamlit's date inputs (day first, as the organisation writes dates).
DATE_INPUT_FORMAT = "DD/MM/YYYY"


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


def date_range_input(
    label: str, *, start: date, end: date, key: str, help: str | None = None
) -> tuple[date, ...]:
    """Draw a date range picker (start to end at first, end the latest day); return its days.

    The range has 0, 1 or 2 days while someone is still picking it; the page decides what a
    half-picked range means.
    """
    picked = st.date_input(
        label, value=(start, end), max_value=end, key=key, format=DATE_INPUT_FORMAT, help=help
    )
    return tuple(picked) if isinstance(picked, list | tuple) else (picked,)
