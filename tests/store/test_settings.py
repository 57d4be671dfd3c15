"""Organisation settings: typed values with defaults, validated, admins only, audited."""

from __future__ import annotations

import json

import pytest

from store import accounts, settings
from store.db import session_scope
from store.models import Setting
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("fresh_db")


@pytest.mark.both_dbs
def test_time_zone_defaults_to_utc_and_an_admin_sets_a_known_zone():
    admin = make_user("boss", "admin")
    assert settings.get_setting("time_zone") == "UTC"
    assert settings.set_setting(actor=admin, name="time_zone", value=" Europe/Berlin ") == (
        "Europe/Berlin"
    )
    assert settings.time_zone().key == "Europe/Berlin"
    assert settings.all_settings()["time_zone"] == "Europe/Berlin"
    audit = accounts.recent_audit(limit=5)
    assert audit[0].action == "setting_changed" and "Europe/Berlin" in audit[0].detail


@pytest.mark.parametrize("bad", ["", "Mars/Olympus", "../../etc/passwd", "Europe", 42, None])
def test_an_unknown_time_zone_is_refused_with_a_clear_message_and_nothing_changes(bad):
    admin = make_user("boss", "admin")
    settings.set_setting(actor=admin, name="time_zone", value="Asia/Tokyo")
    with pytest.raises(settings.SettingError, match="not a time zone name"):
        settings.set_setting(actor=admin, name="time_zone", value=bad)
    assert settings.get_setting("time_zone") == "Asia/Tokyo"


@pytest.mark.parametrize("role", ["employee", "manager", "trainer"])
def test_only_admins_change_organisation_settings(role):
    person = make_user("someone", role)
    with pytest.raises(settings.NotAllowed):
        settings.set_setting(actor=person, name="time_zone", value="Europe/Paris")
    assert settings.get_setting("time_zone") == "UTC"


def test_a_stored_value_that_no_longer_parses_reads_as_the_default():
    with session_scope() as s:
        s.add(Setting(key="org.time_zone", value=json.dumps("Atlantis/Lost")))
    assert settings.get_setting("time_zone") == "UTC"


def test_an_unknown_setting_name_is_an_error():
    admin = make_user("boss", "admin")
    with pytest.raises(settings.SettingError):
        settings.get_setting("colour")
    with pytest.raises(settings.SettingError):
        settings.set_setting(actor=admin, name="colour", value="blue")


def test_not_observed_days_defaults_to_45_and_takes_only_sensible_numbers():
    admin = make_user("boss2", "admin")
    assert settings.get_setting("not_observed_days") == 45
    assert settings.set_setting(actor=admin, name="not_observed_days", value="30") == 30
    for bad in ("0", "366", "a month", True):
        with pytest.raises(settings.SettingError, match="1 to 365"):
            settings.set_setting(actor=admin, name="not_observed_days", value=bad)
    assert settings.get_setting("not_observed_days") == 30
