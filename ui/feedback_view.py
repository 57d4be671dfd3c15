"""The Customer feedback page body: upload with a preview (admins), API tokens (admins), and
the weekly feedback of the teams the person may see (managers their own)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from store import feedback
from store.models import User
from ui.dates import DATE_COLUMN_FORMAT, format_datetime
from ui.dates import today as org_today
from ui.text import plain

NEW_TOKEN = "feedback_new_token"  # shown once, then dropped
WEEKS_SHOWN = 12
PREVIEW_ROWS = 20


def _weekly(user: User) -> None:
    today = org_today()
    start = today - timedelta(weeks=WEEKS_SHOWN)
    try:
        weeks = feedback.team_feedback(actor=user, start=start, end=today)
    except feedback.FeedbackError as exc:
        st.error(str(exc))
        return
    from store import dashboard

    names = {t.id: t.name for t in dashboard.team_choices(actor=user)}
    if not weeks:
        st.info(f"No customer feedback for your teams in the last {WEEKS_SHOWN} weeks.")
        return
    frame = pd.DataFrame(
        [
            {
                "Team": names.get(w.team_id, str(w.team_id)),
                "Week starting": w.week,
                "Responses": w.responses,
                "CSAT": round(w.csat, 2) if w.csat is not None else None,
                "NPS": round(w.nps, 1) if w.nps is not None else None,
                "Complaints per 100": (
                    round(w.complaints_per_100, 1) if w.complaints_per_100 is not None else None
                ),
            }
            for w in sorted(weeks, key=lambda w: (w.week, names.get(w.team_id, "")), reverse=True)
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="feedback_weeks",
        column_config={
            "Week starting": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT),
        },
        placeholder="",
    )


def _upload(user: User) -> None:
    st.write(
        "A CSV of either shape (see the README): one row per team, day and channel with "
        "`responses,csat_mean,nps_promoters,...`, or one row per response with `kind,score`. "
        "Nothing is written while any row has a problem; rows imported before are left as they are."
    )
    upload = st.file_uploader("Feedback CSV", type=["csv"], key="feedback_upload")
    if upload is None:
        _latest_imports(user)
        return
    preview = feedback.parse_csv(upload.getvalue())
    if preview.errors:
        st.error(preview.summary())
        st.dataframe(
            pd.DataFrame(
                [{"Where": e.where, "Problem": e.message} for e in preview.errors],
                columns=["Where", "Problem"],
            ),
            hide_index=True,
            width="stretch",
            key="feedback_errors",
            placeholder="",
        )
        return
    st.success(preview.summary())
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Where": r.where,
                    "Date": r.day,
                    "Team": r.team,
                    "Channel": r.channel,
                    "Responses": r.responses,
                    "CSAT": round(r.csat_sum / r.csat_n, 2) if r.csat_n else None,
                    "Complaints": r.complaints,
                }
                for r in preview.rows[:PREVIEW_ROWS]
            ]
        ),
        hide_index=True,
        width="stretch",
        key="feedback_preview",
        column_config={"Date": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT)},
        placeholder="",
    )
    if st.button(
        f"Import {preview.new} new rows", type="primary", key="feedback_import",
        disabled=preview.new == 0,
    ):  # fmt: skip
        try:
            result = feedback.import_feedback(
                preview, actor_id=user.id, source="upload", name=upload.name
            )
        except feedback.FeedbackError as exc:
            st.error(str(exc))
            return
        st.success(result.summary())


def _latest_imports(user: User) -> None:
    imports = feedback.recent_imports(actor=user)
    if not imports:
        return
    st.markdown("**Latest imports**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": format_datetime(i.at),
                    "How": i.source,
                    "Name": plain(i.name),
                    "Rows": i.rows,
                    "New": i.added,
                }
                for i in imports
            ]
        ),
        hide_index=True,
        width="stretch",
        key="feedback_imports",
        placeholder="",
    )


def _tokens(user: User) -> None:
    st.write(
        "Survey tools and point-of-sale systems send feedback to `POST /api/feedback` with a "
        "token (see the README). Each token is shown once, when it is made; only a hash is kept."
    )
    shown = st.session_state.pop(NEW_TOKEN, None)
    if shown:
        st.warning("Copy this token now: it is not shown again.", icon=":material/key:")
        st.code(shown, language=None)
    with st.form("feedback_token_form", clear_on_submit=True, border=True):
        name = st.text_input("Token name (who uses it)", key="feedback_token_name", max_chars=120)
        made = st.form_submit_button("Create token")
    if made:
        try:
            _info, token = feedback.create_token(actor_id=user.id, name=name)
        except feedback.FeedbackError as exc:
            st.error(str(exc))
        else:
            st.session_state[NEW_TOKEN] = token
            st.rerun()
    tokens = feedback.list_tokens(actor_id=user.id)
    if not tokens:
        st.caption("No tokens yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": plain(t.name),
                    "Created": format_datetime(t.created_at),
                    "By": t.created_by or "",
                    "Last used": format_datetime(t.last_used_at),
                    "Status": "revoked " + format_datetime(t.revoked_at)
                    if t.revoked_at
                    else "live",
                }
                for t in tokens
            ]
        ),
        hide_index=True,
        width="stretch",
        key="feedback_tokens",
        placeholder="",
    )
    live = [t for t in tokens if t.revoked_at is None]
    if live:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        pick = left.selectbox(
            "Token to revoke", live, format_func=lambda t: t.name, key="feedback_revoke_pick"
        )
        if right.button("Revoke", key="feedback_revoke"):
            feedback.revoke_token(actor_id=user.id, token_id=pick.id)
            st.rerun()


def render(user: User) -> None:
    """Draw the feedback page: admins get upload and tokens, everyone their teams' weeks."""
    st.title("Customer feedback")
    if user.role != "admin":
        st.caption("What customers said about your teams, week by week.")
        _weekly(user)
        return
    upload, tokens, weeks = st.tabs(["Upload", "API tokens", "By week"])
    with upload:
        _upload(user)
    with tokens:
        _tokens(user)
    with weeks:
        _weekly(user)
