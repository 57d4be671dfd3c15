"""The Impact page body: training beside what customers say, per team and combined, weekly.

`store.impact` hands the page one read model (scoped to the teams the person may see);
`training.impact` does the statistics. One date range drives every chart, so the panels line up.
"""

from __future__ import annotations

import copy
import functools
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from sqlmodel import func, select

from store import dashboard
from store import impact as store_impact
from store.db import session_scope
from store.models import FeedbackImport, User
from training import impact
from ui import charts
from ui.content import modules as content_modules
from ui.dates import date_range_input, format_date
from ui.dates import today as org_today

CACHE_TTL = 600
DEFAULT_DAYS = 364
COMBINED = "__combined__"


def data_stamp() -> tuple:
    """Return a fingerprint that moves with training data and with every feedback import."""
    with session_scope(write=False) as session:
        last_import = session.exec(select(func.max(FeedbackImport.id))).one()
    return (dashboard.data_stamp(), last_import)


@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _view(actor_id: int, start: date, end: date, team_id, stamp: tuple, _actor: User):
    return store_impact.impact_view(actor=_actor, start=start, end=end, team_id=team_id)


@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _compare(actor_id: int, push: store_impact.Push, measure: str, stamp: tuple, _actor: User):
    return store_impact.compare_push(actor=_actor, push=push, measure=measure)


@functools.lru_cache(maxsize=64)
def _spec(title: str, start: str, end: str) -> dict:
    chart = charts.impact_panel(pd.DataFrame(), title=title, start=start, end=end)
    spec = chart.to_dict(validate=False)
    spec.pop("datasets", None)
    spec.pop("data", None)
    return spec


def _frame(view: store_impact.ImpactView, team_id: int | None) -> pd.DataFrame:
    order = {m.key: i for i, m in enumerate(view.measures)}
    label = {m.key: m.label for m in view.measures}
    fmt = {m.key: m for m in view.measures}
    wanted = {None, team_id} if team_id is not None else {None}
    rows = [
        {
            "week": p.week,
            "measure": label[p.measure],
            "order": order[p.measure],
            # shares are drawn as percentages, so every axis reads as its tooltip does
            "value": p.value * 100 if fmt[p.measure].percent else p.value,
            "shown": fmt[p.measure].format(p.value),
            "group": view.combined_label if p.team_id is None else view.teams[p.team_id],
            "n": p.n,
        }
        for p in view.points
        if p.team_id in wanted
    ]
    return pd.DataFrame(rows, columns=["week", "measure", "order", "value", "shown", "group", "n"])


def _correlation_table(view: store_impact.ImpactView) -> pd.DataFrame:
    rows = []
    for c in impact.correlations(view.per_team):
        rows.append(
            {
                "Training measure": impact.MEASURES[c.training].label,
                "Customer measure": impact.MEASURES[c.customer].label,
                "r": round(c.r, 2) if c.enough else None,
                "95% CI": f"{c.low:.2f} to {c.high:.2f}" if c.enough else "not enough data",
                "Teams": c.n,
            }
        )
    return pd.DataFrame(rows)


def _push_label(push: store_impact.Push, titles: dict[str, str]) -> str:
    teams = len(push.team_ids)
    return (
        f"{titles.get(push.module_id, push.module_id)}, due {format_date(push.due)} "
        f"({teams} team{'s' if teams != 1 else ''})"
    )


def render(user: User) -> None:
    """Draw the impact page for a manager (their teams) or an administrator (everyone)."""
    st.title("Impact")
    st.caption(
        "Training beside what customers say, week by week. "
        + ("Every team and the organisation." if user.role == "admin" else "Your teams.")
    )
    today = org_today()
    picked = date_range_input(
        "Date range", start=today - timedelta(days=DEFAULT_DAYS), end=today, key="impact_range"
    )
    if len(picked) != 2:
        st.info("Pick the last day of the range too.")
        return
    start, end = picked
    teams = {t.id: t.name for t in dashboard.team_choices(actor=user)}
    if not teams:
        st.info("You manage no teams yet, so there is nothing to show.")
        return
    combined = "Organisation" if user.role == "admin" else "Your teams"
    team_choice = st.selectbox(
        "Team",
        [COMBINED, *teams],
        format_func=lambda t: f"{combined} only" if t == COMBINED else teams[t],
        key="impact_team",
    )
    team_id = None if team_choice == COMBINED else team_choice
    stamp = data_stamp()
    try:
        view = _view(user.id, start, end, team_id, stamp, user)
    except store_impact.ImpactError as exc:
        st.error(str(exc))
        return
    frame = _frame(view, team_id)
    st.subheader("Week by week")
    team_name = view.teams.get(team_id) if team_id else None
    st.caption(
        f"Orange diamonds: {view.combined_label.lower()}"
        + (f". Blue circles: {team_name}." if team_name else ". Pick a team to add its line.")
    )
    if frame.empty:
        st.info("No training or feedback in this range yet.")
    else:
        for measure in view.measures:  # one panel each, same range: they line up
            part = frame[frame["measure"] == measure.label]
            if measure.key in view.team_only and team_id is None:
                st.markdown(f"**{measure.label}**")
                st.caption(
                    f"Pick a team to see its line. Over {store_impact.COMBINED_LIMIT} teams a "
                    "combined line would read every quiz attempt ever made; the correlations "
                    "below use each team's current average best score."
                )
                continue
            if part.empty:
                continue
            spec = copy.deepcopy(_spec(measure.label, start.isoformat(), end.isoformat()))
            st.markdown(f"**{measure.label}**" + (" (%)" if measure.percent else ""))
            st.vega_lite_chart(part, spec, width="stretch", key=f"impact_chart_{measure.key}")
        st.caption(
            "Completion: share of assigned modules passed by each week's end. Knowledge: average "
            "best quiz score so far. CSAT 1-5, NPS -100 to 100, complaints per 100 responses. "
            + ("" if team_id else f"{view.combined_label}: all answers pooled.")
        )

    st.subheader("Across teams")
    st.caption(
        "Each team is one point: its training at the end of the range against its customer "
        f"measures over the range. Pearson's r with a 95% interval; under {impact.MIN_TEAMS} "
        "teams with both measures there is not enough data to say anything."
    )
    st.dataframe(
        _correlation_table(view),
        hide_index=True,
        width="stretch",
        key="impact_corr",
        placeholder="",
    )

    st.subheader("Before and after a training push")
    pushes = [p for p in view.pushes if len(p.team_ids) >= impact.MIN_TEAMS_PER_GROUP]
    if not pushes:
        st.info(
            f"No module was assigned with one due date to at least {impact.MIN_TEAMS_PER_GROUP} "
            "of these teams, so there is no push to compare."
        )
    else:
        titles = {mid: m.module.title for mid, m in content_modules().items()}
        left, right = st.columns([3, 1])
        push = left.selectbox(
            "Push", pushes, format_func=lambda p: _push_label(p, titles), key="impact_push"
        )
        measure = right.selectbox(
            "Customer measure",
            impact.CUSTOMER,
            format_func=lambda k: impact.MEASURES[k].label,
            key="impact_measure",
        )
        compared = _compare(user.id, push, measure, stamp, user)
        title = titles.get(push.module_id, push.module_id)
        st.markdown(f"**{impact.did_sentence(compared.result, module=title, due=push.due)}**")
        st.caption(impact.did_basis(compared.result, compared.windows, left_out=compared.left_out))
    st.info(impact.ASSOCIATION_NOTE, icon=":material/info:")
