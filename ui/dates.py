"""Dates and times as the app shows them: `training.dates` in the organisation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from store import config, settings
from training import dates

# Streamlit's date columns, written the same way as format_date ("3 Dec 2026").
DATE_COLUMN_FORMAT = "D MMM YYYY"


@st.cache_data(ttl=30, show_spinner=False)
def _zone_name(database_url: str) -> str:
    # Read at most every 30 seconds per process; People clears it when an admin changes it.
    return settings.get_setting("time_zone")


def zone() -> ZoneInfo:
    """Return the organisation's time zone."""
    return ZoneInfo(_zone_name(config.database_url()))


def forget_zone() -> None:
    """Drop the remembered time zone (after an administrator changed it)."""
    _zone_name.clear()


def format_date(value: date | datetime | None) -> str:
    """Return value as "3 Dec 2026" in the organisation's time zone; "" for None."""
    return dates.format_date(value, zone())


def format_datetime(value: datetime | None) -> str:
    """Return value as "3 Dec 2026, 14:05" in the organisation's time zone; "" for None."""
    return dates.format_datetime(value, zone())
