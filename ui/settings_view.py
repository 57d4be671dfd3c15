"""Organisation settings on the People and teams page (administrators): the time zone and how
long someone may go unobserved before Team progress lists them."""

from __future__ import annotations

import streamlit as st

from store import settings
from store.accounts import now_utc
from store.models import User
from ui import dates


def render(admin: User) -> None:
    """Draw the organisation settings form and save what the administrator changes."""
    current = settings.all_settings()
    spec = settings.SETTINGS["time_zone"]
    st.caption(
        f"Dates and times are shown in **{current['time_zone']}**: now "
        f"{dates.format_datetime(now_utc())}."
    )
    with st.form("settings_form", border=True):
        zone = st.text_input(
            spec.label,
            value=current["time_zone"],
            key="settings_time_zone",
            help=spec.help + " An IANA name such as Europe/Berlin, America/New_York or UTC.",
        )
        days = _number_input("not_observed_days", current)
        retention = _number_input("desired_retention", current)
        submitted = st.form_submit_button("Save settings", type="primary")
    if submitted:
        try:
            saved = settings.set_setting(actor=admin, name="time_zone", value=zone)
            settings.set_setting(actor=admin, name="not_observed_days", value=days)
            settings.set_setting(actor=admin, name="desired_retention", value=retention)
        except settings.SettingError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        dates.forget_zone()
        st.session_state["people_flash"] = f"Saved: dates and times are now shown in {saved}."
        st.rerun()


def _number_input(name: str, current: dict) -> float:
    """Draw the input of a number setting, within the bounds and in the steps of its spec."""
    spec = settings.SETTINGS[name]
    if spec.bounds is None or spec.step is None:
        raise ValueError(f"{name} is not a number setting")
    low, high = spec.bounds
    number = type(spec.step)  # int or float: the input's values all have the step's type
    return st.number_input(
        spec.label,
        min_value=low,
        max_value=high,
        step=spec.step,
        value=number(current[name]),
        key=f"settings_{name}",
        help=spec.help,
    )
