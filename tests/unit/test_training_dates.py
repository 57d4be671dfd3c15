"""One date style everywhere: day, month, year; moments in the organisation's time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from training.dates import format_date, format_datetime


def test_dates_carry_the_year_and_no_leading_zero():
    assert format_date(date(2026, 12, 3)) == "3 Dec 2026"
    assert format_datetime(datetime(2026, 12, 3, 9, 5, tzinfo=UTC)) == "3 Dec 2026, 09:05"


def test_moments_are_shown_in_the_zone_and_naive_ones_are_utc():
    late = datetime(2026, 12, 31, 23, 30)  # naive: UTC, as the database keeps it
    tokyo = ZoneInfo("Asia/Tokyo")
    assert format_datetime(late, tokyo) == "1 Jan 2027, 08:30"
    assert format_date(late, tokyo) == "1 Jan 2027"
    assert format_date(late.replace(tzinfo=UTC), ZoneInfo("America/New_York")) == "31 Dec 2026"


def test_a_calendar_date_is_not_shifted_and_none_is_blank():
    assert format_date(date(2026, 1, 1), ZoneInfo("Pacific/Kiritimati")) == "1 Jan 2026"
    assert format_date(None) == "" and format_datetime(None) == ""
