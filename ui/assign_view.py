"""The Assignments page body: assign modules with due dates, change them, withdraw them.

Managers assign to the teams they manage (or chosen people in them); administrators to any
team. `store.learning` checks the same rules on every write, so the page only offers choices.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from store import accounts, dashboard, learning
from store.accounts import now_utc
from store.models import User
from ui import team_view
from ui.dates import DATE_COLUMN_FORMAT, format_date
from ui.text import plain

WHOLE_TEAM = "The whole team"
CHOSEN_PEOPLE = "Chosen people in the team"
ON_A_DATE = "On a date"
IN_DAYS = "A number of days from today"
FLASH = "assign_flash"


def render(user: User) -> None:
    """Draw the page: a form to assign, the current assignments, and edit or withdraw."""
    st.title("Assignments")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    teams = {t.id: t.name for t in dashboard.team_choices(actor=user)}
    if not teams:
        st.info(
            "You do not manage a team yet. An administrator can make you a team's manager "
            "under People and teams."
        )
        return
    titles, _competency = team_view.catalogue()
    today = now_utc().date()
    _assign_form(user, teams, titles, today)
    rows = learning.list_assignments(actor=user)
    _current(rows, teams, titles, today)
    _edit(user, rows, titles, today)


def _assign_form(user: User, teams: dict[int, str], titles: dict[str, str], today: date) -> None:
    st.subheader("Assign training")
    with st.container(border=True):
        module_ids = st.multiselect(
            "Modules",
            list(titles),
            format_func=titles.__getitem__,
            key="assign_modules",
            placeholder="Choose one or more modules",
        )
        left, right = st.columns(2)
        with left:
            team_id = st.selectbox(
                "Team", list(teams), format_func=teams.__getitem__, key="assign_team"
            )
            target = st.radio(
                "Assign to",
                [WHOLE_TEAM, CHOSEN_PEOPLE],
                key="assign_target",
                horizontal=True,
                help="Team assignments also apply to people who join the team later.",
            )
            people: list[int] = []
            if target == CHOSEN_PEOPLE:
                members = {m.id: f"{m.name} ({m.username})" for m in _members(team_id)}
                people = st.multiselect(
                    "People",
                    list(members),
                    format_func=members.__getitem__,
                    key=f"assign_people_{team_id}",
                    placeholder="Choose people",
                )
        with right:
            how = st.radio("Due", [ON_A_DATE, IN_DAYS], key="assign_due_mode", horizontal=True)
            if how == ON_A_DATE:
                due = st.date_input(
                    "Due date",
                    value=today + timedelta(days=30),
                    min_value=today,
                    key="assign_due_date",
                    format="DD/MM/YYYY",
                )
            else:
                days = st.number_input(
                    "Days from today", min_value=1, max_value=730, value=30, key="assign_due_days"
                )
                due = today + timedelta(days=int(days))
                st.caption(f"Due on {due:%A %d %B %Y}.")
        if st.button("Assign", type="primary", key="assign_submit", icon=":material/send:"):
            _create(user, module_ids, due, team_id, target, people, titles, teams)


def _members(team_id: int) -> list[User]:
    return accounts.team_members(team_id=team_id)


def _create(
    user: User,
    module_ids: list[str],
    due: date,
    team_id: int,
    target: str,
    people: list[int],
    titles: dict[str, str],
    teams: dict[int, str],
) -> None:
    if target == CHOSEN_PEOPLE and not people:
        st.error("Choose at least one person, or assign to the whole team.")
        return
    try:
        count = learning.create_assignments(
            actor=user,
            module_ids=module_ids,
            due_date=due,
            team_id=team_id if target == WHOLE_TEAM else None,
            user_ids=people if target == CHOSEN_PEOPLE else (),
            known_modules=titles,
        )
    except learning.LearningError as exc:
        st.error(str(exc))
        return
    team_view.clear_cache()
    team = plain(teams[team_id])
    who = team if target == WHOLE_TEAM else f"{len(people)} people in {team}"
    names = ", ".join(plain(titles[m]) for m in sorted(module_ids, key=titles.__getitem__))
    st.session_state[FLASH] = f"Assigned {names} to {who}, due {format_date(due)} ({count} rows)."
    st.session_state.pop("assign_modules", None)
    st.rerun()


def _label(row: learning.AssignmentRow, titles: dict[str, str]) -> str:
    who = row.team if row.team_id is not None else row.person
    return f"{titles.get(row.module_id, row.module_id)} · {who} · due {format_date(row.due_date)}"


def _current(
    rows: list[learning.AssignmentRow], teams: dict[int, str], titles: dict[str, str], today: date
) -> None:
    st.subheader("Current assignments")
    if not rows:
        st.caption("Nothing is assigned yet.")
        return
    frame = pd.DataFrame(
        [
            {
                "Module": titles.get(r.module_id, r.module_id),
                "Assigned to": f"Team: {r.team}" if r.team_id is not None else r.person,
                "Due": r.due_date,
                "Past due": r.due_date < today,
                "Assigned by": r.assigned_by or "",
                "Assigned on": r.assigned_at.date(),
            }
            for r in rows
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(frame)),
        key="assign_table",
        column_config={
            "Due": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT),
            "Assigned on": st.column_config.DateColumn(format=DATE_COLUMN_FORMAT),
        },
        placeholder="",
    )
    st.caption(
        "Past due means the date has gone; people who have passed the module are not "
        "overdue. Team progress shows who is."
    )


def _edit(
    user: User, rows: list[learning.AssignmentRow], titles: dict[str, str], today: date
) -> None:
    if not rows:
        return
    st.subheader("Change or withdraw an assignment")
    by_id = {r.id: r for r in rows}
    picked = st.selectbox(
        "Assignment",
        list(by_id),
        format_func=lambda i: _label(by_id[i], titles),
        key="assign_edit_pick",
    )
    row = by_id[picked]
    with st.container(border=True):
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        with left:
            new_due = st.date_input(
                "New due date",
                value=row.due_date,
                key=f"assign_edit_due_{row.id}",
                format="DD/MM/YYYY",
            )
        with right:
            save = st.button("Save due date", key=f"assign_edit_save_{row.id}")
        withdraw = st.button(
            "Withdraw this assignment",
            key=f"assign_withdraw_{row.id}",
            icon=":material/delete:",
            help="It stops being due; results already earned are kept.",
        )
    try:
        if save:
            learning.change_due_date(actor=user, assignment_id=row.id, due_date=new_due)
            message = (
                f"Moved {_label(row, titles).rsplit(' · due', 1)[0]} to {format_date(new_due)}."
            )
        elif withdraw:
            learning.withdraw_assignment(actor=user, assignment_id=row.id)
            message = f"Withdrew {_label(row, titles)}."
        else:
            return
    except learning.LearningError as exc:
        st.error(str(exc))
        return
    team_view.clear_cache()
    st.session_state[FLASH] = message
    st.rerun()
