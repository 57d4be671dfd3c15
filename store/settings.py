"""Organisation settings that administrators edit: typed values by name, with defaults.

Kept in the small key/value `setting` table (as JSON under an ``org.`` key), so a new setting
(quiet hours, desired retention, observation cadence) is one more `SettingSpec` here and needs no
migration. Every value is parsed and validated on the way in and again on the way out: a value
that no longer parses (hand-edited, or from a newer version) reads as the default.
"""

from __future__ import annotations

import json
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from time import monotonic
from typing import Any

from sqlmodel import Session

from store import config
from store.accounts import now_utc
from store.db import session_scope
from store.models import AuditLog, Setting, User
from store.permissions import Action, PermissionDenied, require
from training import clock
from training.practice import DEFAULT_RETENTION, RETENTION_RANGE
from training.reminders import REMINDER_KINDS, Kind

KEY_PREFIX = "org."


class SettingError(ValueError):
    """A setting value that cannot be used, with a message for the person who entered it."""


class NotAllowed(SettingError):
    """The acting person may not change organisation settings."""


@dataclass(frozen=True)
class SettingSpec:
    """One organisation setting: its name, label, default, and the function that checks it."""

    name: str
    label: str
    default: Any
    parse: Callable[[Any], Any]  # returns the clean value or raises SettingError
    help: str = ""
    # For a number: the lowest and highest value parse accepts and the step of the form's input.
    bounds: tuple[int, int] | tuple[float, float] | None = None
    step: float | None = None


def parse_time_zone(value: Any) -> str:
    """Return value as an IANA time zone name the server knows (for example Europe/Berlin)."""
    name = value.strip() if isinstance(value, str) else ""
    if name.upper() == "UTC":
        return "UTC"
    if name not in zoneinfo.available_timezones():
        shown = name or "(empty)"
        raise SettingError(
            f"'{shown}' is not a time zone name this server knows. Use a name like "
            "Europe/Berlin, America/New_York or UTC."
        )
    return name


NOT_OBSERVED_RANGE = (1, 365)


def parse_not_observed_days(value: Any) -> int:
    """Return value as a whole number of days from 1 to 365."""
    try:
        days = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        days = None
    low, high = NOT_OBSERVED_RANGE
    if days is None or not low <= days <= high:
        raise SettingError(f"Give the number of days as a whole number from {low} to {high}.")
    return days


def parse_quiet_hours(value: Any) -> str:
    """Return value as quiet hours "HH:MM-HH:MM" (local time; may wrap past midnight)."""
    text = value.strip() if isinstance(value, str) else ""
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        first, last = (_clock_time(part) for part in (start, end))
    except ValueError:
        raise SettingError(
            f"'{text or '(empty)'}' is not a time range. Write it like 21:00-07:00 (from 21:00 "
            "in the evening to 07:00 in the morning); 00:00-00:00 means no quiet hours."
        ) from None
    return f"{first:%H:%M}-{last:%H:%M}"


def _clock_time(text: str) -> time:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes))


def parse_mail_kinds(value: Any) -> list[str]:
    """Return value as the list of reminder kinds the organisation sends, in a fixed order."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SettingError("Choose the kinds of mail from the list.")
    known = {k.value for k in REMINDER_KINDS}
    unknown = sorted(set(value) - known)
    if unknown:
        raise SettingError(f"Unknown kind of mail: {', '.join(unknown)}.")
    return [k.value for k in REMINDER_KINDS if k.value in value]


def parse_desired_retention(value: Any) -> float:
    """Return value as the FSRS desired retention, a fraction from 0.7 to 0.97."""
    low, high = RETENTION_RANGE
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise SettingError(
            f"Give the desired retention as a number from {low} to {high} (for example 0.9)."
        )
    return round(number, 2)


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            name="time_zone",
            label="Time zone",
            default="UTC",
            parse=parse_time_zone,
            help="Dates and times everywhere in the app are shown in this time zone.",
        ),
        SettingSpec(
            name="not_observed_days",
            label="Not observed for (days)",
            default=45,
            parse=parse_not_observed_days,
            help="Team progress lists people with no observation for this many days.",
            bounds=NOT_OBSERVED_RANGE,
            step=1,
        ),
        SettingSpec(
            name="quiet_hours",
            label="Quiet hours",
            default="21:00-07:00",
            parse=parse_quiet_hours,
            help="No reminder mail goes out between these times, in the organisation's time zone.",
        ),
        SettingSpec(
            name="mail_kinds",
            label="Mail the organisation sends",
            default=[k.value for k in REMINDER_KINDS],
            parse=parse_mail_kinds,
            help="Which reminders and digests go out. People can also switch optional ones off.",
        ),
        SettingSpec(
            name="desired_retention",
            label="Desired retention",
            default=DEFAULT_RETENTION,
            parse=parse_desired_retention,
            help=(
                "How likely a learner should still know an answer when daily practice asks it "
                "again. Higher means more frequent practice."
            ),
            bounds=RETENTION_RANGE,
            step=0.01,
        ),
    )
}


def _spec(name: str) -> SettingSpec:
    try:
        return SETTINGS[name]
    except KeyError:
        raise SettingError(f"there is no organisation setting called {name!r}") from None


def get_setting(name: str, *, session: Session | None = None) -> Any:
    """Return the current value of an organisation setting (its default when never set).

    With `session`, read inside that transaction (a caller that is already writing)."""
    spec = _spec(name)
    if session is not None:
        row = session.get(Setting, KEY_PREFIX + name)
    else:
        with session_scope(write=False) as own:
            row = own.get(Setting, KEY_PREFIX + name)
    if row is None:
        return spec.default
    try:
        return spec.parse(json.loads(row.value))
    except (SettingError, ValueError, TypeError):
        return spec.default


def all_settings() -> dict[str, Any]:
    """Return every organisation setting by name."""
    return {name: get_setting(name) for name in SETTINGS}


def set_setting(*, actor: User, name: str, value: Any) -> Any:
    """Check and store an organisation setting for an administrator; return the clean value."""
    spec = _spec(name)
    clean = spec.parse(value)
    with session_scope() as session:
        try:  # the actor's role as the database has it now
            require(session, actor.id, Action.CHANGE_SETTINGS)
        except PermissionDenied:
            raise NotAllowed("Only administrators change organisation settings.") from None
        row = session.get(Setting, KEY_PREFIX + name) or Setting(key=KEY_PREFIX + name, value="")
        before = row.value
        row.value = json.dumps(clean)
        session.add(row)
        if before != row.value:
            session.add(
                AuditLog(
                    at=now_utc(),
                    actor_id=actor.id,
                    action="setting_changed",
                    target=name,
                    detail=f"{spec.label}: {clean}",
                )
            )
    forget_time_zone()
    return clean


ZONE_TTL_SECONDS = 30.0
"""How long one process trusts the time zone it read (another process may have changed it)."""

_zones: dict[str, tuple[float, zoneinfo.ZoneInfo]] = {}
_zones_lock = threading.Lock()


def time_zone() -> zoneinfo.ZoneInfo:
    """Return the organisation's time zone (UTC until an administrator sets one).

    Read from the database at most every ZONE_TTL_SECONDS per database and process; changing
    it here forgets the remembered one at once.
    """
    url = config.database_url()
    with _zones_lock:
        remembered = _zones.get(url)
    if remembered is not None and monotonic() - remembered[0] < ZONE_TTL_SECONDS:
        return remembered[1]
    zone = zoneinfo.ZoneInfo(get_setting("time_zone"))
    with _zones_lock:
        _zones[url] = (monotonic(), zone)
    return zone


def forget_time_zone() -> None:
    """Drop the remembered time zone, so the next time_zone() reads the database."""
    with _zones_lock:
        _zones.clear()


def today() -> date:
    """Return today in the organisation's time zone: the one "today" of the app."""
    return clock.today(time_zone())


def quiet_hours() -> tuple[time, time]:
    """Return the organisation's quiet hours as (start, end) local times."""
    start, _, end = get_setting("quiet_hours").partition("-")
    return _clock_time(start), _clock_time(end)


def mail_kinds() -> frozenset[Kind]:
    """Return the reminder kinds the organisation sends."""
    return frozenset(Kind(k) for k in get_setting("mail_kinds"))


def desired_retention() -> float:
    """Return the organisation's FSRS desired retention (0.9 until an administrator sets one)."""
    return get_setting("desired_retention")
