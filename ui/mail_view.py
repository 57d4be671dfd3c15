"""Mail on the People page (status, given-up mails, organisation choices) and on Account."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store import config, contact, mail, reminders, settings
from store.models import User
from training.reminders import OPTIONAL, REMINDER_KINDS, Kind
from ui.dates import format_datetime

KIND_VALUES = frozenset(k.value for k in Kind)


def status(admin: User) -> None:
    """Say whether mail goes out, and list mails given up after repeated failures."""
    try:
        smtp = mail.smtp_settings()
    except mail.MailError as exc:
        st.error(f"Mail is off: {exc}", icon=":material/mail_lock:")
        return
    if smtp is None:
        st.warning(
            "Mail is off: TRAINING_SMTP_URL is not set, so no reminders, digests or password "
            "reset links are sent. The README says how to set it.",
            icon=":material/mail_lock:",
        )
        return
    st.caption(
        f"Mail goes out through {smtp.describe()}, from "
        f"{config.mail_from()}; links point at {config.link_base()}."
    )
    failed = reminders.given_up()
    if failed:
        st.error(
            f"{len(failed)} mail(s) could not be sent after {reminders.MAX_ATTEMPTS} tries and "
            "will not be tried again.",
            icon=":material/mail:",
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "To": f.to,
                        "Person": f.name,
                        "Kind": Kind(f.kind).label if f.kind in KIND_VALUES else f.kind,
                        "Subject": f.subject,
                        "Tries": f.attempts,
                        "Last error": f.last_error or "",
                        "Queued": format_datetime(f.created_at),
                    }
                    for f in failed
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )


def settings_form(admin: User) -> None:
    """Let an administrator choose which mail the organisation sends, and its quiet hours."""
    st.subheader("Mail")
    current = settings.all_settings()
    with st.form("settings_mail_form", border=True):
        kinds = st.multiselect(
            settings.SETTINGS["mail_kinds"].label,
            [k.value for k in REMINDER_KINDS],
            default=current["mail_kinds"],
            format_func=lambda v: Kind(v).label,
            key="settings_mail_kinds",
        )
        quiet = st.text_input(
            settings.SETTINGS["quiet_hours"].label,
            value=current["quiet_hours"],
            key="settings_quiet_hours",
            help=settings.SETTINGS["quiet_hours"].help,
        )
        submitted = st.form_submit_button("Save mail settings")
    if submitted:
        try:
            quiet = settings.parse_quiet_hours(quiet)  # check both before saving either
            settings.set_setting(actor=admin, name="mail_kinds", value=kinds)
            settings.set_setting(actor=admin, name="quiet_hours", value=quiet)
        except settings.SettingError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        st.session_state["people_flash"] = "Saved the mail settings."
        st.rerun()


def preferences(user: User) -> None:
    """Let a person switch optional kinds of mail off for themselves (Account page)."""
    st.subheader("Mail")
    if not user.email:
        st.caption("You have no email address in the app, so it sends you no mail.")
        return
    st.caption(
        f"Mail goes to {user.email}. New assignments and overdue training are always mailed."
    )
    off = contact.opt_outs(user)
    org = settings.mail_kinds()
    with st.form("account_mail_form", border=True):
        wanted = {
            kind: st.checkbox(
                kind.label,
                value=kind not in off,
                key=f"account_mail_{kind.value}",
                disabled=kind not in org,
                help=None if kind in org else "Your organisation does not send this kind.",
            )
            for kind in sorted(OPTIONAL, key=REMINDER_KINDS.index)
        }
        saved = st.form_submit_button("Save mail choices")
    if saved:
        contact.set_opt_outs(user_id=user.id, kinds={k for k, on in wanted.items() if not on})
        st.success("Saved your mail choices.")
