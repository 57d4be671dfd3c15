"""The Assignments page body: assign modules with due dates, change them, withdraw them.

Managers assign to the teams they manage (or chosen people in them); administrators to any
team. `store.learning` checks the same rules on every write, so the page only offers choices.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from store import accounts, dashboard, learning
from store.models import User
from ui import team_view
from ui.dates import DATE_COLUMN_FORMAT, DATE_INPUT_FORMAT, format_date, local_date
from ui.dates import today as org_today
from ui.text import plain

WHOLE_TEAM = "The whole team"
CHOSEN_PEOPLE = "Chosen people in the team"
ON_A_DATE = "On a date"
IN_DAYS = "A number of days from today"
FLASH = "assign_flash"  # (kind, message) shown once at the top
ERROR = "assign_error"  # a problem with the form, shown under it
WITHDRAW = "assign_withdraw_confirm"  # the assignment waiting for "Yes, withdraw"


def render(user: User) -> None:
    """Draw the page: a form to assign, the current assignments, and edit or withdraw."""
    st.title("Assignments")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        kind, text = flash
        (st.success if kind == "success" else st.info)(text)
    teams = {t.id: t.name for t in dashboard.team_choices(actor=user)}
    if not teams:
        st.info(
            "You do not manage a team yet. An administrator can make you a team's manager "
            "under People and teams."
        )
        return
    titles, _competency = team_view.catalogue()
    today = org_today()
    _assign_form(user, teams, titles, today)
    rows = learning.list_assignments(actor=user)
    _current(rows, teams, titles, today)
    _edit(user, rows, titles, today)


def _assign_form(user: User, teams: dict[int, str], titles: dict[str, str], today: date) -> None:
    st.subheader("Assign training")
    error = st.session_state.pop(ERROR, None)
    with st.container(border=True):
        st.multiselect(
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
            if target == CHOSEN_PEOPLE:
                members = {m.id: f"{m.name} ({m.username})" for m in _members(team_id)}
                st.multiselect(
                    "People",
                    list(members),
                    format_func=members.__getitem__,
                    key=f"assign_people_{team_id}",
                    placeholder="Choose people",
                )
            else:
                st.checkbox(
                    "People who join the team later get the same time from the day they join",
                    value=True,
                    key="assign_from_joining",
                    help="Otherwise the date holds for everyone who joins before it; people "
                    "who join after it still get the same time from joining, so nobody is "
                    "overdue on their first day.",
                )
        with right:
            how = st.radio("Due", [ON_A_DATE, IN_DAYS], key="assign_due_mode", horizontal=True)
            if how == ON_A_DATE:
                due = st.date_input(
                    "Due date",
                    value=today + timedelta(days=30),
                    min_value=today,
                    key="assign_due_date",
                    format=DATE_INPUT_FORMAT,
                )
            else:
                days = st.number_input(
                    "Days from today", min_value=1, max_value=730, value=30, key="assign_due_days"
                )
                due = today + timedelta(days=int(days))
                st.caption(f"Due on {due:%A %d %B %Y}.")
        if error:
            st.error(error)
        st.button(
            "Assign",
            type="primary",
            key="assign_submit",
            icon=":material/send:",
            on_click=_create,
            args=(user, titles, teams, today),
        )


def _members(team_id: int) -> list[User]:
    return accounts.team_members(team_id=team_id)


def _and(items: list[str]) -> str:
    """Return "A", "A and B" or "A, B and C"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _create(user: User, titles: dict[str, str], teams: dict[int, str], today: date) -> None:
    """Assign what the form says (read from the widgets' state, which is current here)."""
    state = st.session_state
    module_ids = list(state.get("assign_modules") or [])
    team_id = state.get("assign_team")
    target = state.get("assign_target", WHOLE_TEAM)
    people = list(state.get(f"assign_people_{team_id}") or []) if target == CHOSEN_PEOPLE else []
    from_joining = bool(state.get("assign_from_joining", True)) and target == WHOLE_TEAM
    if state.get("assign_due_mode", ON_A_DATE) == ON_A_DATE:
        due = state.get("assign_due_date") or today + timedelta(days=30)
    else:
        due = today + timedelta(days=int(state.get("assign_due_days") or 30))
    # A callback: it runs before the page draws again, so it may clear the form's widgets.
    if target == CHOSEN_PEOPLE and not people:
        st.session_state[ERROR] = "Choose at least one person, or assign to the whole team."
        return
    try:
        result = learning.create_assignments(
            actor=user,
            module_ids=module_ids,
            due_date=due,
            team_id=team_id if target == WHOLE_TEAM else None,
            user_ids=people if target == CHOSEN_PEOPLE else (),
            known_modules=titles,
            from_joining=from_joining,
        )
    except learning.LearningError as exc:
        st.session_state[ERROR] = str(exc)
        return
    team_view.clear_cache()
    if target == WHOLE_TEAM:
        who = plain(teams[team_id])
    else:
        names = {m.id: m.name for m in _members(team_id)}
        who = _and([plain(names.get(uid, "?")) for uid in people])
    what = _and([plain(titles[m]) for m in sorted(module_ids, key=titles.__getitem__)])
    when = f"due {format_date(due)}"
    if not result.created:
        single = len(module_ids) == 1 and (target == WHOLE_TEAM or len(people) == 1)
        verb = "is" if single else "are"
        st.session_state[FLASH] = (
            "info",
            f"{what} {verb} already assigned to {who}, {when}. Nothing new was added.",
        )
        return
    text = f"Assigned {what} to {who}, {when}."
    if result.existing:
        text += (
            f" {result.existing} of these {'was' if result.existing == 1 else 'were'} "
            "already assigned and left as it was."
        )
    st.session_state[FLASH] = ("success", text)
    # Reset the form, so a second press cannot repeat the assignment.
    st.session_state["assign_modules"] = []
    st.session_state[f"assign_people_{team_id}"] = []
    for key in ("assign_due_date", "assign_due_days", "assign_from_joining"):
        st.session_state.pop(key, None)


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
                "Assigned on": local_date(r.assigned_at),
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
                format=DATE_INPUT_FORMAT,
            )
        with right:
            save = st.button("Save due date", key=f"assign_edit_save_{row.id}")
        st.button(
            "Withdraw this assignment",
            key=f"assign_withdraw_{row.id}",
            icon=":material/delete:",
            help="It stops being due; results already earned are kept.",
            on_click=st.session_state.__setitem__,
            args=(WITHDRAW, row.id),
        )
        withdraw = False
        if st.session_state.get(WITHDRAW) == row.id:
            st.warning(
                f"Withdraw {_label(row, titles)}? It stops being due for everyone it applies "
                "to; results already earned are kept.",
                icon=":material/help:",
            )
            yes, no = st.columns(2)
            withdraw = yes.button(
                "Yes, withdraw it", key=f"assign_withdraw_yes_{row.id}", type="primary"
            )
            no.button(
                "Keep it",
                key=f"assign_withdraw_no_{row.id}",
                on_click=st.session_state.pop,
                args=(WITHDRAW, None),
            )
    try:
        if save:
            learning.change_due_date(actor=user, assignment_id=row.id, due_date=new_due)
            message = (
                f"Moved {_label(row, titles).rsplit(' · due', 1)[0]} to {format_date(new_due)}."
            )
        elif withdraw:
            learning.withdraw_assignment(actor=user, assignment_id=row.id)
            st.session_state.pop(WITHDRAW, None)
            message = f"Withdrew {_label(row, titles)}."
        else:
            return
    except learning.LearningError as exc:
        st.error(str(exc))
        return
    team_view.clear_cache()
    st.session_state[FLASH] = ("success", message)
    st.rerun()
