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
        days_spec = settings.SETTINGS["not_observed_days"]
        days = st.number_input(
            days_spec.label,
            min_value=1,
            max_value=365,
            step=1,
            value=current["not_observed_days"],
            key="settings_not_observed_days",
            help=days_spec.help,
        )
        retention_spec = settings.SETTINGS["desired_retention"]
        retention = st.number_input(
            retention_spec.label,
            min_value=0.7,
            max_value=0.97,
            step=0.01,
            value=float(current["desired_retention"]),
            key="settings_desired_retention",
            help=retention_spec.help,
        )
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
