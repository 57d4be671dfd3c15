"""The Team progress page body: who is behind, on what, and are they getting better.

Everything shown comes from `store.dashboard`, which scopes every query to the teams the
signed-in person may see. Results are cached per person, view and filter, and keyed by the
database's data stamp, so a submitted quiz or a changed assignment shows on the next run.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from store import config, dashboard, practice
from store.learning import NotAllowed
from store.models import User
from store.permissions import EVERY_TEAM_ROLES
from training.models import COMPETENCY_LABELS, CUSTOMER_NEEDS
from training.scores import format_score, score_value
from training.status import STATUS_LABELS, Status
from ui import charts, observe_view, practice_view
from ui.content import _signature as content_signature
from ui.content import modules as content_modules
from ui.dates import DATE_COLUMN_FORMAT, date_range_input, format_date, format_datetime
from ui.dates import today as org_today
from ui.text import plain

# Scores in tables: rounded by the one rule (training.scores), kept numeric so columns sort.
SCORE_COLUMN = st.column_config.NumberColumn(format="%.1f%%")


def _score(pct: float | None) -> float | None:
    return score_value(pct) if pct is not None else None


CACHE_TTL = 600  # seconds; the data stamp already expires entries when data changes
DEFAULT_WEEKS = 26
# Above this many people in the view (all teams at once), the heatmap shows teams and the
# lists of people (not observed, did not transfer, memory strength) are drawn for a chosen team.
PERSON_HEATMAP_LIMIT = 60
TEAM_HEATMAP_ROWS = 30
ATTENTION_ROWS = 100
ALL = "__all__"
HEATMAP_KEY = "team_heatmap"


# --- cached reads (keyed by the acting person, every filter and the data stamp) -------------


@st.cache_data(ttl=CACHE_TTL, max_entries=128, show_spinner=False)
def _overview(
    actor_id: int, team_id: int | None, module_ids: tuple, today: date, stamp: tuple, _actor: User
) -> dashboard.Overview:
    return dashboard.overview(  # the page lists no more of who needs attention
        actor=_actor,
        team_id=team_id,
        module_ids=module_ids,
        today=today,
        attention_limit=ATTENTION_ROWS,
    )


@st.cache_data(ttl=CACHE_TTL, max_entries=128, show_spinner=False)
def _person_modules(
    actor_id: int, team_id: int | None, module_ids: tuple, today: date, stamp: tuple, _actor: User
) -> list[dashboard.PersonModule]:
    return dashboard.person_modules(
        actor=_actor, team_id=team_id, module_ids=module_ids, today=today
    )


# The figures over a date range, by name: one cached wrapper serves them all.
_OVER_PERIOD = {
    "weekly": dashboard.weekly_activity,
    "scores": dashboard.score_distribution,
}


@st.cache_data(ttl=CACHE_TTL, max_entries=128, show_spinner=False)
def _over_period(
    figure: str,
    actor_id: int,
    team_id: int | None,
    module_ids: tuple,
    start: date,
    end: date,
    stamp: tuple,
    _actor: User,
) -> list:
    return _OVER_PERIOD[figure](
        actor=_actor, team_id=team_id, module_ids=module_ids, start=start, end=end
    )


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def _organisation_scores(stamp: tuple, _actor: User) -> list[dashboard.ModuleScore]:
    # The same for every manager: only totals per module.
    return dashboard.organisation_scores(actor=_actor)


@st.cache_data(ttl=CACHE_TTL, max_entries=128, show_spinner=False)
def _person(
    actor_id: int, user_id: int, module_ids: tuple, today: date, stamp: tuple, _actor: User
) -> dashboard.PersonDetail:
    return dashboard.person_detail(
        actor=_actor, user_id=user_id, module_ids=module_ids, today=today
    )


@functools.lru_cache(maxsize=8)
def _catalogue(directory: str, signature: tuple) -> tuple[dict[str, str], dict[str, str]]:
    loaded = content_modules()
    titles = {mid: lm.module.title for mid, lm in loaded.items()}
    return titles, {mid: str(lm.module.competency) for mid, lm in loaded.items()}


def catalogue() -> tuple[dict[str, str], dict[str, str]]:
    """Return module titles (in title order) and competencies by module id.

    Kept as one shared, read-only object per version of the content files (the signature
    changes with any file's size or modification time): reading the whole content set from
    st.cache_data on every run would copy hundreds of models each time.
    """
    directory = config.content_dir()
    return _catalogue(str(directory), content_signature(directory))


# A view of every team reads its figures at once, each on its own connection, so the
# database works on all of them while the overview is computed here. Shared by the process:
# at most this many such reads run together, whoever asked.
_READS = ThreadPoolExecutor(max_workers=5, thread_name_prefix="team-progress")


def _at_once(calls: Mapping[str, Callable[[], Any]], *, parallel: bool) -> dict[str, Callable]:
    """Return, per name, a function giving that call's result: started now on a worker thread
    when parallel (an error is raised where the result is asked for), else called when asked."""
    if not parallel:
        return dict(calls)
    ctx = get_script_run_ctx()

    def run(call: Callable[[], Any]) -> Any:
        add_script_run_ctx(threading.current_thread(), ctx)  # the caches know whose run it is
        return call()

    return {name: _READS.submit(run, call).result for name, call in calls.items()}


def clear_cache() -> None:
    """Forget every cached dashboard figure (call after a write that changes them)."""
    for cached in (_overview, _person_modules, _over_period, _organisation_scores, _person):
        cached.clear()
    observe_view.clear_cache()


# --- the page -------------------------------------------------------------------------------


def render(user: User) -> None:
    """Draw the page for a manager (their teams) or an administrator (every team)."""
    st.title("Team progress")
    choices = dashboard.team_choices(actor=user)
    if not choices:
        st.info(
            "You do not manage a team yet. An administrator can make you a team's manager "
            "under People and teams."
        )
        return
    titles, competency_of = catalogue()
    today = org_today()

    team_id, scope_label = _team_filter(user, choices)
    module_ids, start, end = _other_filters(titles, competency_of, today)
    stamp = dashboard.data_stamp()
    key = (user.id, team_id, module_ids)
    modules = content_modules()
    try:
        # A view of more people than this shows teams, and the lists of people (not observed,
        # did not transfer, memory strength) only for one team; its figures are read at once.
        many_people = dashboard.people_in_view(actor=user, team_id=team_id) > PERSON_HEATMAP_LIMIT
        per_person = team_id is not None or not many_people
        later = _at_once(
            {
                "weekly": lambda: _over_period("weekly", *key, start, end, stamp, _actor=user),
                "scores": lambda: _over_period("scores", *key, start, end, stamp, _actor=user),
                "organisation": lambda: _organisation_scores(stamp, _actor=user),
                "floor": lambda: observe_view.floor_figures(
                    user, team_id, competency_of, per_person=per_person
                ),
                "memory": lambda: practice.team_memory_strength(
                    actor=user, modules=modules, team_id=team_id
                ),
            },
            parallel=many_people,
        )
        view = _overview(*key, today, stamp, _actor=user)
    except NotAllowed as exc:  # the picker only offers allowed teams; this is the backstop
        st.error(str(exc))
        return

    _headline(view.headline)
    grid = [] if many_people else _person_modules(*key, today, stamp, _actor=user)

    _attention(user, view, titles, module_ids, today, stamp, grid, show_team=team_id is None)

    st.subheader("Where the team stands")
    if many_people:
        _team_heatmap(view, titles)
    else:
        _person_heatmap(grid, titles)
    left, right = st.columns(2, gap="large")
    with left:
        _module_bars(view, titles)
    with right:
        _competencies(view, scope_label, competency_of, later["organisation"]())

    st.subheader("Are they getting better?")
    st.caption(
        f"Activity from {format_date(start)} to {format_date(end)} (change it with Dates above)."
    )
    left, right = st.columns(2, gap="large")
    with left:
        weeks = later["weekly"]()
        frame = pd.DataFrame(
            [
                {
                    "week": pd.Timestamp(w.week),
                    "attempts": w.attempts,
                    "passes": w.passes,
                    "average": w.average_score,
                }
                for w in weeks
            ]
        )
        charts.show("weekly_chart", frame)
    with right:
        bins = later["scores"]()
        frame = pd.DataFrame(
            [
                {
                    "band": f"{b.low}-{b.low + 9}" if b.low < 90 else "90-100",
                    "low": b.low,
                    "count": b.count,
                }
                for b in bins
            ]
        )
        charts.show("score_histogram", frame)

    st.subheader("Details")
    if many_people:
        _team_table(view)
    else:
        _people_table(grid, titles)
    _download(user, team_id, module_ids, titles, today)
    practice_view.team_memory_strength(
        user, modules, team_id, per_person=per_person, figures=later["memory"]
    )
    observe_view.team_floor(
        user,
        team_id,
        _knows(view, competency_of),
        competency_of,
        per_person=per_person,
        figures=later["floor"],
    )


def _team_filter(
    user: User, choices: Sequence[dashboard.TeamChoice]
) -> tuple[int | None, str | None]:
    """Return the chosen team (None: all teams in view) and a label for the view's numbers
    (None when the view is the whole organisation)."""
    ids = [c.id for c in choices]
    names = {c.id: c.name for c in choices}
    all_label = "Whole organisation" if user.role in EVERY_TEAM_ROLES else "All my teams"
    wanted = st.query_params.get("team")
    if wanted is not None:
        try:
            wanted_id = int(wanted)
        except ValueError:
            wanted_id = None
        if wanted_id not in names:
            st.warning("That team is not one you can see, so it is not shown.")
            del st.query_params["team"]
        elif "team_filter_team" not in st.session_state:
            st.session_state["team_filter_team"] = wanted_id
    if len(choices) == 1 and user.role not in EVERY_TEAM_ROLES:
        st.caption(f"Team: **{plain(choices[0].name)}**")
        return choices[0].id, choices[0].name
    options: list[int | str] = [ALL, *ids]
    if st.session_state.get("team_filter_team") not in options:
        st.session_state["team_filter_team"] = ALL
    picked = st.selectbox(
        "Team",
        options,
        format_func=lambda v: all_label if v == ALL else names[v],
        key="team_filter_team",
    )
    if picked == ALL:
        if "team" in st.query_params:
            del st.query_params["team"]
        return None, None if user.role in EVERY_TEAM_ROLES else "Your teams"
    st.query_params["team"] = str(picked)
    return int(picked), names[int(picked)]


def _all_or_one(
    label: str, every: str, options: list[str], names: Mapping[str, str], key: str
) -> str:
    """Draw a filter offering every option at once (ALL, named every) or one of them, by name."""
    return st.selectbox(
        label, [ALL, *options], format_func=lambda o: every if o == ALL else names[o], key=key
    )


def _other_filters(
    titles: dict[str, str], competency_of: dict[str, str], today: date
) -> tuple[tuple[str, ...], date, date]:
    """Read competency, module and date filters; return module ids in view and the dates."""
    order = list(COMPETENCY_LABELS)
    competencies = sorted(set(competency_of.values()), key=lambda c: order.index(c))
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        competency = _all_or_one(
            "Competency",
            "All competencies",
            competencies,
            COMPETENCY_LABELS,
            "team_filter_competency",
        )
    in_competency = [m for m in titles if competency == ALL or competency_of[m] == competency]
    if st.session_state.get("team_filter_module") not in [ALL, *in_competency]:
        st.session_state["team_filter_module"] = ALL
    with c2:
        module = _all_or_one("Module", "All modules", in_competency, titles, "team_filter_module")
    with c3:
        dates = date_range_input(
            "Dates",
            start=today - timedelta(weeks=DEFAULT_WEEKS),
            end=today,
            key="team_filter_dates",
            help="The period of the activity charts (completions over time, best scores).",
        )
    start = dates[0] if dates else today - timedelta(weeks=DEFAULT_WEEKS)
    end = dates[1] if len(dates) > 1 else today
    module_ids = tuple(in_competency) if module == ALL else (module,)
    return module_ids, start, end


def _headline(h: dashboard.Headline) -> None:
    cols = st.columns(4)
    completion = f"{h.completion:.0%}" if h.completion is not None else "–"
    cols[0].metric(
        "Completion",
        completion,
        help=f"{h.completed} of {h.assigned} assigned modules have a valid pass.",
        border=True,
    )
    cols[0].caption(f"{h.completed} of {h.assigned} assignments · {h.people} people")
    cols[1].metric("Overdue", h.overdue, help="Assigned modules past their due date.", border=True)
    average = format_score(h.average_best)
    cols[2].metric(
        "Average best score",
        average,
        help="The mean of each person's best score per module.",
        border=True,
    )
    cols[3].metric(
        "Expiring in 30 days",
        h.expiring,
        help="Passes that run out within 30 days; the module is due again after that.",
        border=True,
    )


def _module_list(ids: Sequence[str], titles: dict[str, str]) -> str:
    return ", ".join(titles.get(m, m) for m in ids)


def _attention(
    user: User,
    view: dashboard.Overview,
    titles: dict[str, str],
    module_ids: tuple[str, ...],
    today: date,
    stamp: tuple,
    grid: list[dashboard.PersonModule],
    *,
    show_team: bool,
) -> None:
    st.subheader("Who needs attention")
    rows = view.attention[:ATTENTION_ROWS]
    everyone = view.attention_count
    person_key = "team_person"
    wanted = st.query_params.get("person")
    if wanted is not None and wanted.isdigit() and person_key not in st.session_state:
        st.session_state[person_key] = int(wanted)
    clicked = _heatmap_click()
    if clicked is not None:
        st.session_state[person_key] = clicked
    if not rows:
        st.success("Nobody is overdue, failing repeatedly or about to expire.")
    else:
        more = everyone > len(rows)
        st.caption(
            (
                f"The {len(rows)} most urgent of {everyone} people (pick a team to "
                "narrow the list). "
                if more
                else ""
            )
            + "Select a row to see the person's modules, attempts and certificates."
        )
        # "Why" last: it is the long one, so a narrow screen cuts only its end (hover shows it).
        frame = pd.DataFrame(
            [
                {
                    "Person": r.name,
                    "Team": r.team,
                    "Earliest due": r.earliest_due,
                    "Why": _why(r, titles),
                }
                for r in rows
            ]
        )
        if not show_team:
            frame = frame.drop(columns=["Team"])
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="team_attention",
            column_config={
                "Person": st.column_config.TextColumn(width="medium"),
                "Team": st.column_config.TextColumn(width="medium"),
                "Earliest due": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT, width=110),
            },
            placeholder="",
        )
        selected = list(event.selection.rows) if event is not None else []
        if selected != st.session_state.get("team_attention_last"):
            st.session_state["team_attention_last"] = selected
            if selected:
                st.session_state[person_key] = rows[selected[0]].user_id

    people = {r.user_id: f"{r.name} ({r.username})" for r in rows}
    for cell in grid:
        people.setdefault(cell.user_id, f"{cell.name} ({cell.username})")
    current = st.session_state.get(person_key)
    if current is not None and current not in people:
        people[current] = "Chosen person"
    options = [None, *sorted(people, key=lambda uid: people[uid].lower())]
    picked = st.selectbox(
        "Look at one person",
        options,
        format_func=lambda uid: "Choose a person…" if uid is None else people[uid],
        key=person_key,
    )
    if picked is None:
        if "person" in st.query_params:
            del st.query_params["person"]
        return
    st.query_params["person"] = str(picked)
    try:
        detail = _person(user.id, picked, module_ids, today, stamp, _actor=user)
    except NotAllowed as exc:
        st.error(str(exc))
        return
    _person_panel(detail, titles)
    observe_view.person_floor(user, detail)


def _heatmap_click() -> int | None:
    """Return the person a click on the heatmap picked since the last run, if any."""
    state = st.session_state.get(HEATMAP_KEY)
    picked = []
    if state is not None:
        picked = [p.get("user_id") for p in state.get("selection", {}).get(charts.PERSON_PICK, [])]
    picked = [int(p) for p in picked if isinstance(p, int | float)]
    if picked == st.session_state.get("team_heatmap_last"):
        return None
    st.session_state["team_heatmap_last"] = picked
    return picked[0] if picked else None


def _why(row: dashboard.AttentionRow, titles: dict[str, str]) -> str:
    parts = []
    if row.overdue:
        parts.append("Overdue: " + _module_list(row.overdue, titles))
    if row.failed_twice:
        parts.append("failed twice or more: " + _module_list(row.failed_twice, titles))
    if row.expiring:
        parts.append("expiring soon: " + _module_list(row.expiring, titles))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _person_panel(detail: dashboard.PersonDetail, titles: dict[str, str]) -> None:
    with st.container(border=True):
        st.markdown(f"#### {plain(detail.name)}")
        st.caption(f"{detail.username} · {plain(detail.team or 'no team')}")
        frame = pd.DataFrame(
            [
                {
                    "Module": titles.get(m.module_id, m.module_id),
                    "Status": STATUS_LABELS[m.status],
                    "Due": m.due_date,
                    "Best score": _score(m.best_score),
                    "Attempts": m.attempts,
                    "Passed": format_date(m.passed_at),
                    "Expires": format_date(m.expires_at),
                    "Certificate": m.certificate_id or "",
                }
                for m in detail.modules
            ]
        )
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            key="team_person_modules",
            column_config={
                "Best score": SCORE_COLUMN,
                "Due": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT),
            },
            placeholder="",
        )
        certificates = [m for m in detail.modules if m.certificate_id and m.status.done]
        if certificates:
            st.caption(
                "Valid certificates: "
                + "; ".join(
                    f"{titles.get(m.module_id, m.module_id)} ({m.certificate_id})"
                    for m in certificates
                )
            )
        if detail.attempts:
            attempts = pd.DataFrame(
                [
                    {
                        "Submitted": format_datetime(a.submitted_at),
                        "Module": titles.get(a.module_id, a.module_id),
                        "Score": _score(a.score),
                        "Result": "Passed" if a.passed else "Not passed",
                    }
                    for a in detail.attempts
                ]
            )
            st.markdown("**Attempts**, newest first")
            st.dataframe(
                attempts,
                hide_index=True,
                width="stretch",
                height=240,
                key="team_person_attempts",
                column_config={"Score": SCORE_COLUMN},
                placeholder="",
            )
        else:
            st.caption("No quiz submitted yet.")


def _module_bars(view: dashboard.Overview, titles: dict[str, str]) -> None:
    if not view.by_module:
        st.info("Nothing is assigned in this view yet. Assign training under Assignments.")
        return
    totals: dict[str, list[int]] = {}
    for row in view.by_module:
        done, total = totals.setdefault(row.module_id, [0, 0])
        totals[row.module_id] = [
            done + (row.people if row.status in dashboard.DONE else 0),
            total + row.people,
        ]
    frame = pd.DataFrame(
        [
            {
                "module": titles.get(r.module_id, r.module_id),
                "status": STATUS_LABELS[r.status],
                "people": r.people,
                "order": Status(r.status).order,
                "completion": totals[r.module_id][0] / totals[r.module_id][1],
            }
            for r in view.by_module
        ]
    )
    charts.show("module_status_bars", frame)


def _person_heatmap(grid: list[dashboard.PersonModule], titles: dict[str, str]) -> None:
    if not grid:
        st.info("Nobody is in this view yet.")
        return
    frame = pd.DataFrame(
        [
            {
                "user_id": c.user_id,
                "person": c.name,
                "module": titles.get(c.module_id, c.module_id),
                "status": charts.NOT_ASSIGNED
                if c.status is Status.NOT_STARTED and not c.assigned
                else STATUS_LABELS[c.status],
                "assigned": "yes" if c.assigned else "no",
                "due": format_date(c.due_date),
                "best": format_score(c.best_score, missing=""),
                "attempts": c.attempts,
            }
            for c in grid
        ]
    )
    charts.show("status_heatmap", frame, key=HEATMAP_KEY)
    st.caption(
        "Click a cell to open that person's modules, attempts and certificates under "
        "**Who needs attention** above."
    )


def _team_heatmap(view: dashboard.Overview, titles: dict[str, str]) -> None:
    teams = [t for t in view.teams if t.assigned][:TEAM_HEATMAP_ROWS]  # lowest completion first
    wanted = {t.team_id: (rank, t.team) for rank, t in enumerate(teams)}
    frame = pd.DataFrame(
        [
            {
                "team": wanted[c.team_id][1],
                "rank": wanted[c.team_id][0],
                "module": titles.get(c.module_id, c.module_id),
                "completion": c.completed / c.assigned,
                "completed": c.completed,
                "assigned": c.assigned,
                "people_overdue": c.overdue,
            }
            for c in view.team_modules
            if c.team_id in wanted and c.assigned
        ]
    )
    if frame.empty:
        st.info("Nothing is assigned in this view yet.")
        return
    charts.show("team_completion_heatmap", frame)
    st.caption(
        f"The {len(teams)} teams with the lowest completion; every team is in Details below."
    )


def _competencies(
    view: dashboard.Overview,
    label: str | None,
    competency_of: dict[str, str],
    organisation: list[dashboard.ModuleScore],
) -> None:
    """Draw the view's competency profile against the organisation (label None: the view is
    the whole organisation, so draw that alone)."""
    order = [c for c in COMPETENCY_LABELS if c in set(competency_of.values())]
    profile = dashboard.competency_profile(
        scores=view.scores,
        organisation=organisation,
        competency_of=competency_of,
        competencies=order,
    )
    rows = []
    for p in profile:
        name = COMPETENCY_LABELS[p.competency]
        if p.average is not None and label:
            rows.append({"competency": name, "group": label, "score": p.average})
        if p.organisation is not None:
            rows.append({"competency": name, "group": "Organisation", "score": p.organisation})
    if not rows:
        return
    frame = pd.DataFrame(rows)
    floor = max(0, int(frame["score"].min() - 5) // 10 * 10)
    charts.show("competency_profile", frame, team_label=label, score_floor=floor)


def _knows(view: dashboard.Overview, competency_of: dict[str, str]) -> dict[str, float | None]:
    """Return the view's average best score per need, for the knows-and-does comparison."""
    profile = dashboard.competency_profile(
        scores=view.scores,
        organisation=(),
        competency_of=competency_of,
        competencies=CUSTOMER_NEEDS,
    )
    return {p.competency: p.average for p in profile}


def _people_table(grid: list[dashboard.PersonModule], titles: dict[str, str]) -> None:
    if not grid:
        return
    frame = pd.DataFrame(
        [
            {
                "Person": c.name,
                "Team": c.team,
                "Module": titles.get(c.module_id, c.module_id),
                "Status": STATUS_LABELS[c.status],
                "Assigned": c.assigned,
                "Due": c.due_date,
                "Best score": _score(c.best_score),
                "Attempts": c.attempts,
                "Expires": format_date(c.expires_at),
            }
            for c in grid
        ]
    )
    _table(
        frame,
        {
            "Assigned": st.column_config.CheckboxColumn(width=70),
            "Due": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT, width=100),
            "Best score": st.column_config.NumberColumn(format="%.1f%%", width=80),
            "Attempts": st.column_config.NumberColumn(width=70),
            "Expires": st.column_config.TextColumn(width=100),
        },
    )


def _team_table(view: dashboard.Overview) -> None:
    frame = pd.DataFrame(
        [
            {
                "Team": t.team,
                "People": t.people,
                "Completed": None if t.completion is None else 100 * t.completion,
                "Assigned": t.assigned,
                "Overdue": t.overdue,
                "Expiring soon": t.expiring,
                "Average best score": _score(t.average_best),
            }
            for t in view.teams
        ]
    )
    _table(
        frame,
        {
            "Completed": st.column_config.ProgressColumn(
                "Completed", format="%.0f%%", min_value=0, max_value=100
            ),
            "Average best score": SCORE_COLUMN,
        },
    )


def _table(frame: pd.DataFrame, column_config: dict) -> None:
    """Show the page's table of people or of teams: one place on the page, one size."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=320,
        key="team_table",
        column_config=column_config,
        placeholder="",
    )


def _download(
    user: User,
    team_id: int | None,
    module_ids: tuple[str, ...],
    titles: dict[str, str],
    today: date,
) -> None:
    def build() -> bytes:
        # Runs only when the button is pressed: the whole organisation is 65,000 rows.
        rows = dashboard.person_modules(
            actor=user, team_id=team_id, module_ids=module_ids, today=today
        )
        return dashboard.rows_to_csv(rows, titles=titles, labels=STATUS_LABELS)

    st.download_button(
        "Download CSV",
        data=build,
        file_name=f"team-progress-{today.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="team_download",
        help="One row per person and module, with the filters above.",
    )
