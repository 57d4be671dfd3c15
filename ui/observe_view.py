"""Observe (managers and administrators), and what observations show elsewhere.

The /observe page is built for a phone held in one hand: find a person (recently observed
first), pick a checklist, then one behaviour per row with large rating buttons. Every rating is
written to the draft as it is given (`store.observations.save_rating`), so a reload, a lost
connection or a closed tab loses nothing; the person and checklist are kept in the URL
(`/observe?person=ID&checklist=ID`), so the reload lands on the same draft.

Also here: the observations on My progress (with Acknowledge), and the "On the floor" part of
Team progress (not observed for N days, knows against does, did not transfer, CSV).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from store import config, dashboard, settings
from store import observations as obs
from store.models import User
from training import competency
from training.behaviour import NOT_OBSERVED, Does, format_does, format_share
from training.checklists import (
    ChecklistSet,
    LoadedChecklist,
    load_checklists,
    observations_dir,
    rating_label,
    ratings_for,
)
from training.markdown import safe_markdown
from training.models import COMPETENCY_LABELS, CUSTOMER_NEEDS
from ui import charts, content
from ui.auth import as_signed_in
from ui.content import _signature
from ui.dates import format_date, format_datetime
from ui.dates import today as org_today
from ui.text import plain

PERSON = "person"  # query parameters: the person observed and the checklist
CHECKLIST = "checklist"
CORRECT = "correct"  # query parameter: a submitted observation being corrected
FLASH = "observe_flash"
# Phone first: taller rating buttons with room for a thumb, nothing under 16 px.
_CSS = """<style>
.st-key-observe_items [role="radiogroup"] {
  display: flex; flex-wrap: wrap; gap: 0.5rem; width: 100%;
}
.st-key-observe_items [role="radiogroup"] button {
  flex: 1 1 calc(50% - 0.5rem); min-height: 3.25rem; margin: 0;
  border-radius: 0.5rem !important; margin-left: 0 !important;
}
.st-key-observe_items [role="radiogroup"] button[aria-checked="false"] {
  border: 1px solid rgba(49, 51, 63, 0.25) !important;
}
.st-key-observe_items [role="radiogroup"] button p {
  font-size: 1rem; white-space: normal; overflow: visible; text-overflow: clip;
}
@media (min-width: 720px) {
  .st-key-observe_items [role="radiogroup"] button { flex-basis: 0; }
}
.st-key-observe_people button, .st-key-observe_checklists button {
  min-height: 3.25rem; justify-content: flex-start; text-align: left;
}
</style>"""


# --- checklists as the running app sees them ------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(directory: str, signature: tuple) -> ChecklistSet:
    return load_checklists(Path(directory))


def checklists() -> dict[str, LoadedChecklist]:
    """Return the valid checklists by id, in title order (reloaded when a file changes)."""
    directory = config.content_dir()
    found = _load(str(directory), _signature(observations_dir(directory))).checklists
    return dict(sorted(found.items(), key=lambda kv: kv[1].checklist.title))


# --- /observe -------------------------------------------------------------------------------


def _int_param(name: str) -> int | None:
    raw = st.query_params.get(name, "")
    return int(raw) if raw.isdigit() else None


def _go(person: int | None = None, checklist: str | None = None) -> None:
    st.query_params.clear()
    if person is not None:
        st.query_params[PERSON] = str(person)
    if checklist is not None:
        st.query_params[CHECKLIST] = checklist


def render(user: User) -> None:
    """Draw the observe page: a person, a checklist, then the items."""
    st.html(_CSS)
    st.title("Observe")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    available = checklists()
    if not available:
        st.info("There are no observation checklists yet. A trainer adds them in the studio.")
        return
    person_id = _int_param(PERSON)
    wanted = st.query_params.get(CHECKLIST)
    fixing = _int_param(CORRECT)
    if fixing is not None:
        _correct(user, fixing, available)
        return
    if person_id is None:
        _pick_person(user, available)
        return
    subject = obs.person_choice(actor=user, person_id=person_id)
    if subject is None:
        st.error(obs.OUT_OF_SCOPE, icon=":material/block:")
        st.button("Find someone else", on_click=_go, key="observe_restart")
        return
    if wanted not in available:
        _pick_checklist(subject, available)
        return
    _rate(user, subject, available[wanted])


def _pick_person(user: User, available: dict[str, LoadedChecklist]) -> None:
    # A checklist opened but not rated yet is no work to carry on.
    drafts = [
        d
        for d in obs.open_drafts(actor=user)
        if d.checklist_id in available and (d.ratings or d.note)
    ]
    if drafts:
        st.subheader("Carry on")
        for d in drafts:
            rated = len(d.ratings)
            total = len(available[d.checklist_id].checklist.items)
            st.button(
                f"{d.subject_name}: {available[d.checklist_id].checklist.title} "
                f"({rated} of {total} rated)",
                key=f"observe_draft_{d.id}",
                on_click=_go,
                args=(d.subject_id, d.checklist_id),
                icon=":material/edit:",
                width="stretch",
            )
    recent = [o for o in obs.correctable(actor=user) if o.checklist_id in available]
    if recent:
        st.subheader("Correct a recent one")
        for o in recent:
            st.button(
                f"{o.subject_name}: {available[o.checklist_id].checklist.title}, "
                f"{format_datetime(o.submitted_at)} (until {format_datetime(o.correctable_until)})",
                key=f"observe_fix_{o.id}",
                on_click=_go_correct,
                args=(o.id,),
                icon=":material/edit_note:",
                width="stretch",
            )
    st.subheader("Who are you observing?")
    query = st.text_input("Find a person", key="observe_search", placeholder="Type part of a name")
    people = obs.find_people(actor=user, query=query)
    if not people:
        st.info("Nobody matches. You can observe the people of the teams you manage.")
        return
    with st.container(key="observe_people"):
        for p in people:
            when = (
                f"last observed {format_date(p.last_observed)}"
                if p.last_observed
                else ("not observed yet")
            )
            team = f" · {plain(p.team)}" if p.team else ""
            st.button(
                f"**{plain(p.name)}**{team} · {when}",
                key=f"observe_person_{p.id}",
                on_click=_go,
                args=(p.id,),
                width="stretch",
            )


def _go_correct(observation_id: int) -> None:
    st.query_params.clear()
    st.query_params[CORRECT] = str(observation_id)


def _correct(user: User, observation_id: int, available: dict[str, LoadedChecklist]) -> None:
    """Change a submitted observation within its 24 hours (kept as a new revision)."""
    try:
        o = obs.observation(actor=user, observation_id=observation_id)
    except obs.NotAllowed as exc:
        st.error(str(exc), icon=":material/block:")
        st.button("Back", on_click=_go, key="observe_fix_back")
        return
    loaded = available.get(o.checklist_id)
    if o.observer_id != user.id or o.correctable_until is None or loaded is None:
        st.warning(
            f"This observation can no longer be corrected: observations are locked "
            f"{obs.CORRECTION_HOURS} hours after they are submitted.",
            icon=":material/lock:",
        )
        st.button("Back", on_click=_go, key="observe_fix_back")
        return
    checklist = loaded.checklist
    st.subheader(f"Correct: {plain(o.subject_name)} · {plain(checklist.title)}")
    st.caption(f"Open for corrections until {format_datetime(o.correctable_until)}.")
    st.button("Back", on_click=_go, key="observe_fix_back", icon=":material/arrow_back:")
    choices = [r.value for r in ratings_for(checklist.scale)]
    with st.container(key="observe_items"):
        for number, item in enumerate(checklist.items, start=1):
            with st.container(border=True):
                st.markdown(f"**{number}. {plain(item.behaviour)}**")
                st.segmented_control(
                    f"Rating for item {number}",
                    choices,
                    default=o.ratings.get(item.id),
                    format_func=lambda r, s=checklist.scale: rating_label(s, r),
                    key=f"observe_fix_{o.id}_{item.id}",
                    label_visibility="collapsed",
                    width="stretch",
                )
    note = st.text_area("Coaching note", value=o.note, key=f"observe_fix_note_{o.id}")

    def save() -> None:
        ratings = {
            item.id: st.session_state.get(f"observe_fix_{o.id}_{item.id}") or "not_applicable"
            for item in checklist.items
        }
        try:
            done = obs.correct(
                actor=user,
                observation_id=o.id,
                checklist=checklist,
                ratings=ratings,
                note=st.session_state.get(f"observe_fix_note_{o.id}", note),
            )
        except obs.ObservationError as exc:
            st.session_state[FLASH + "_error"] = str(exc)
            return
        st.session_state[FLASH] = f"Correction saved (revision {done.revision})."
        _go()

    error = st.session_state.pop(FLASH + "_error", None)
    if error:
        st.error(error)
    st.button(
        "Save correction",
        key="observe_fix_save",
        type="primary",
        on_click=as_signed_in(user, save),
        width="stretch",
    )


def _pick_checklist(subject: obs.PersonChoice, available: dict[str, LoadedChecklist]) -> None:
    st.subheader(f"Observing {plain(subject.name)}")
    st.button("Someone else", key="observe_back", on_click=_go, icon=":material/arrow_back:")
    st.markdown("**Pick a checklist**")
    with st.container(key="observe_checklists"):
        for cid, loaded in available.items():
            c = loaded.checklist
            st.button(
                f"**{plain(c.title)}** · {len(c.items)} items  \n{plain(c.summary)}",
                key=f"observe_checklist_{cid}",
                on_click=_go,
                args=(subject.id, cid),
                width="stretch",
            )


def _rating_key(observation_id: int, item_id: str) -> str:
    return f"observe_rate_{observation_id}_{item_id}"


def _rate(user: User, subject: obs.PersonChoice, loaded: LoadedChecklist) -> None:
    checklist = loaded.checklist
    try:
        draft = obs.start_or_resume(actor=user, subject_id=subject.id, loaded=loaded)
    except obs.ObservationError as exc:
        st.error(str(exc), icon=":material/block:")
        return
    st.subheader(f"{plain(subject.name)} · {plain(checklist.title)}")
    st.caption(plain(checklist.summary))
    st.button(
        "Change person or checklist",
        key="observe_change",
        on_click=_go,
        icon=":material/arrow_back:",
    )
    choices = [r.value for r in ratings_for(checklist.scale)]

    def saved(item_id: str) -> None:
        value = st.session_state.get(_rating_key(draft.id, item_id))
        if value is None:
            return
        try:
            obs.save_rating(
                actor=user,
                observation_id=draft.id,
                checklist=checklist,
                item_id=item_id,
                rating=value,
            )
        except obs.ObservationError as exc:
            st.session_state[FLASH + "_error"] = str(exc)

    error = st.session_state.pop(FLASH + "_error", None)
    if error:
        st.error(error)
    ratings = dict(draft.ratings)
    for item in checklist.items:
        key = _rating_key(draft.id, item.id)
        if key in st.session_state and st.session_state[key] is not None:
            ratings[item.id] = st.session_state[key]
    with st.container(key="observe_items"):
        for number, item in enumerate(checklist.items, start=1):
            with st.container(border=True):
                need = COMPETENCY_LABELS.get(str(item.need), str(item.need))
                st.markdown(f"**{number}. {safe_markdown(item.behaviour)}**")
                st.caption(f"{need}" + (f" · {plain(item.guidance)}" if item.guidance else ""))
                st.segmented_control(
                    f"Rating for item {number}",
                    choices,
                    default=draft.ratings.get(item.id),
                    format_func=lambda r, s=checklist.scale: rating_label(s, r),
                    key=_rating_key(draft.id, item.id),
                    on_change=as_signed_in(user, saved),
                    args=(item.id,),
                    label_visibility="collapsed",
                    width="stretch",
                )
    rated = sum(1 for i in checklist.items if ratings.get(i.id))
    st.progress(rated / len(checklist.items), text=f"{rated} of {len(checklist.items)} rated")

    def note_saved() -> None:
        try:
            obs.save_note(
                actor=user,
                observation_id=draft.id,
                note=st.session_state.get(f"observe_note_{draft.id}", ""),
            )
        except obs.ObservationError as exc:
            st.session_state[FLASH + "_error"] = str(exc)

    st.text_area(
        "Coaching note",
        value=draft.note,
        key=f"observe_note_{draft.id}",
        max_chars=obs.NOTE_MAX,
        placeholder="One thing that went well, one thing to try next.",
        on_change=as_signed_in(user, note_saved),
    )

    def submitted() -> None:
        try:
            done = obs.submit(
                actor=user,
                observation_id=draft.id,
                checklist=checklist,
                note=st.session_state.get(f"observe_note_{draft.id}", draft.note),
            )
        except obs.ObservationError as exc:
            st.session_state[FLASH + "_error"] = str(exc)
            return
        st.session_state[FLASH] = (
            f"Observation of {done.subject_name} saved. You can correct it for "
            f"{obs.CORRECTION_HOURS} hours on their Team progress details."
        )
        _go()

    unrated = len(checklist.items) - rated
    st.button(
        "Submit observation",
        key="observe_submit",
        type="primary",
        icon=":material/send:",
        on_click=as_signed_in(user, submitted),
        width="stretch",
        help=(f"{unrated} not rated yet: they count as 'did not come up'." if unrated else None),
    )


# --- My progress ----------------------------------------------------------------------------


def _item_texts() -> dict[tuple[str, str], tuple[str, str, str]]:
    """Return (checklist, item) -> (behaviour, need, scale) for every current checklist."""
    return {
        (cid, item.id): (item.behaviour, str(item.need), str(loaded.checklist.scale))
        for cid, loaded in checklists().items()
        for item in loaded.checklist.items
    }


def my_observations(user: User) -> None:
    """Show the person's observations per need (what was seen, the note, the date)."""
    seen = obs.observations_of(actor=user, person_id=user.id)
    if not seen:
        st.info("Nobody has observed you at work yet. Your manager records what they see here.")
        return
    texts = _item_texts()
    titles = {cid: loaded.checklist.title for cid, loaded in checklists().items()}

    def acknowledge(observation_id: int) -> None:
        obs.acknowledge(user_id=user.id, observation_id=observation_id)

    for o in seen:
        with st.container(border=True, key=f"my_observation_{o.id}"):
            title = titles.get(o.checklist_id, o.checklist_id)
            st.markdown(
                f"**{plain(title)}** · {format_datetime(o.submitted_at)} · by "
                f"{plain(o.observer_name)}"
            )
            if o.note:
                st.markdown(f"> {plain(o.note)}")
            by_need: dict[str, list[str]] = {}
            for item_id, rating in o.ratings.items():
                if rating == "not_applicable":
                    continue
                behaviour, need, scale = texts.get(
                    (o.checklist_id, item_id), (item_id, "foundations", "three_point")
                )
                label = rating_label(scale, rating)
                by_need.setdefault(need, []).append(f"{label}: {plain(behaviour)}")
            for need in sorted(by_need, key=list(COMPETENCY_LABELS).index):
                st.markdown(
                    f"*{COMPETENCY_LABELS[need]}*  \n"
                    + "  \n".join(f"- {line}" for line in by_need[need])
                )
            if o.acknowledged_at:
                st.caption(f"You acknowledged this on {format_date(o.acknowledged_at)}.")
            else:
                st.button(
                    "Acknowledge",
                    key=f"observe_ack_{o.id}",
                    on_click=as_signed_in(user, acknowledge),
                    args=(o.id,),
                    icon=":material/done:",
                )


def knows_and_does(user: User, knows: dict[str, float | None]) -> None:
    """Show knows (quiz) beside does (observed) per need for the signed-in person."""
    does = obs.person_does(actor=user, person_id=user.id, today=org_today())
    st.markdown("**Knows and does**")
    st.table(_knows_does_frame(knows, does).set_index("Need"))


def _knows_does_frame(
    knows: dict[str, float | None],
    does: dict[str, Does],
    organisation: dict[str, Does] | None = None,
) -> pd.DataFrame:
    rows = []
    for need in CUSTOMER_NEEDS:
        value = does.get(need, NOT_OBSERVED)
        score = knows.get(need)
        rows.append(
            {
                "Need": COMPETENCY_LABELS[need],
                "Knows (quiz)": "not tried yet" if score is None else f"{round(score)}%",
                "Does (observed)": format_share(value),
                "Observations": value.observations,
            }
        )
        if organisation is not None:
            rows[-1]["Organisation does"] = format_share(organisation.get(need, NOT_OBSERVED))
    return pd.DataFrame(rows)


# --- Team progress --------------------------------------------------------------------------


def person_floor(user: User, detail) -> None:
    """Show knows and does per need for one person in a manager's drill-down."""
    try:
        does = obs.person_does(actor=user, person_id=detail.user_id, today=org_today())
    except obs.NotAllowed:
        return  # an administrator without teams, or a person outside the observer's reach
    need_of = {mid: str(lm.module.competency) for mid, lm in content.modules().items()}
    knows = competency.knows(need_of, {m.module_id: m for m in detail.modules})
    st.markdown(f"**Knows and does: {plain(detail.name)}**")
    st.table(_knows_does_frame(knows, does).set_index("Need"))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _floor(
    actor_id: int,
    team_id: int | None,
    today: date,
    days: int,
    competency_of: tuple,
    per_person: bool,
    stamp: tuple,
    _actor: User,
):
    """Return the view's does, the organisation's, who was not observed, and either the two
    transfer lists (per_person) or their counts per team."""
    mine, org = obs.view_does(actor=_actor, team_id=team_id, today=today)
    missing = obs.not_observed(actor=_actor, team_id=team_id, today=today, days=days)
    kwargs = {"actor": _actor, "team_id": team_id, "today": today}
    if per_person:
        gaps = obs.transfer(**kwargs, competency_of=dict(competency_of))
    else:
        gaps = obs.transfer_counts(**kwargs, competency_of=dict(competency_of))
    return mine, org, missing, gaps


def floor_figures(
    user: User, team_id: int | None, competency_of: dict[str, str], *, per_person: bool
) -> tuple:
    """Return `team_floor`'s figures (cached): the view's does, the organisation's, who was
    not observed, and the transfer lists or counts. Safe to call from a worker thread."""
    return _floor(
        user.id,
        team_id,
        org_today(),
        settings.get_setting("not_observed_days"),
        tuple(sorted(competency_of.items())),
        per_person,
        (obs.data_stamp(), dashboard.data_stamp()),  # observations, and passes for "knows"
        _actor=user,
    )


def clear_cache() -> None:
    """Forget the cached "On the floor" figures."""
    _floor.clear()


def team_floor(
    user: User,
    team_id: int | None,
    knows: dict[str, float | None],
    competency_of: dict[str, str],
    *,
    per_person: bool = True,
    figures: Callable[[], tuple] | None = None,
) -> None:
    """Draw "On the floor": not observed lately, knows against does, did not transfer, CSV.

    per_person False (a view of many people): the lists of people are replaced by counts per
    team, and the CSV (built only when asked for) has everyone. figures, when given, returns
    what `floor_figures` would for these arguments (read ahead on another thread)."""
    today = org_today()
    days = settings.get_setting("not_observed_days")
    if figures is None:
        figures = functools.partial(
            floor_figures, user, team_id, competency_of, per_person=per_person
        )
    mine, org, missing, gaps = figures()
    whole_org = dashboard.resolve_scope(actor=user, team_id=team_id).whole_org
    st.subheader("On the floor: knows and does")
    st.caption(
        "Knows: the average best quiz score per need. Does: the share of that need's "
        "behaviours rated consistently in observations of the last 90 days, recent ones "
        "weighing more."
    )
    left, right = st.columns(2, gap="large")
    with left:
        rows = []
        for need in CUSTOMER_NEEDS:
            label = COMPETENCY_LABELS[need]
            if knows.get(need) is not None:
                rows.append(
                    {"need": label, "measure": "Knows (quiz)", "value": knows[need], "n": None}
                )
            value = mine.get(need, NOT_OBSERVED)
            if value.share is not None:
                rows.append(
                    {
                        "need": label,
                        "measure": "Does (observed)",
                        "value": value.share * 100,
                        "n": value.observations,
                    }
                )
        if rows:
            charts.show("knows_does", pd.DataFrame(rows))
        st.dataframe(
            # Beside the organisation, unless the view is the whole organisation already.
            _knows_does_frame(knows, mine, None if whole_org else org),
            hide_index=True,
            placeholder="",
            width="stretch",
            key="team_knows_does",
        )
    with right:
        st.markdown(f"**Not observed for {days} days** ({len(missing):,})")
        if not missing:
            st.caption("Everyone has been observed recently.")
        elif not per_person:
            st.caption("Counted per team below.")
        else:
            _table(
                [
                    {
                        "Person": m.name,
                        "Team": m.team,
                        "Last observed": format_date(m.last_observed)
                        if m.last_observed
                        else "never",
                    }
                    for m in missing
                ],
                "team_not_observed",
            )
    if per_person:
        not_done, untaught = gaps
        st.markdown("**Did not transfer**: passed the need's module, not seen doing it")
        _gap_table(not_done, "team_not_transferred", "Nobody: what people passed, they also do.")
        st.markdown("**The reverse**: seen doing it, without having passed its module")
        _gap_table(untaught, "team_untaught", "Nobody.")
    else:
        _team_counts(missing, gaps)

    def build() -> bytes:
        # Runs only when the button is pressed: at organisation scale, thousands of rows.
        if per_person:
            done, reverse = gaps
        else:
            done, reverse = obs.transfer(
                actor=user, team_id=team_id, today=today, competency_of=competency_of
            )
        return obs.floor_csv(
            view=mine,
            not_transferred=done,
            untaught=reverse,
            labels=COMPETENCY_LABELS,
            not_observed=missing,
        )

    st.download_button(
        "Download observations CSV",
        data=build,
        file_name=f"knows-and-does-{today.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="team_floor_download",
        help="Every person of the view: did not transfer, the reverse, and not observed lately.",
    )


FOR_ONE_TEAM = (
    "In a view of this many people, the lists of people are shown for one team at a time: "
    "pick a team under **Team** above. **Download observations CSV** has everyone."
)


def _team_counts(missing: list[obs.NotObserved], gaps: list[obs.TeamGaps]) -> None:
    """Draw, per team, how many people are in each list of "On the floor"."""
    st.markdown(
        "**Per team**: people not observed lately; people and needs that did not transfer, "
        "or the reverse"
    )
    st.caption(FOR_ONE_TEAM)
    unseen: dict[str, int] = {}
    for m in missing:
        unseen[m.team or ""] = unseen.get(m.team or "", 0) + 1
    rows = {g.team: (g.not_transferred, g.untaught) for g in gaps}
    teams = sorted(set(unseen) | set(rows), key=lambda t: (-unseen.get(t, 0), t))
    _table(
        [
            {
                "Team": team,
                "Not observed": unseen.get(team, 0),
                "Did not transfer": rows.get(team, (0, 0))[0],
                "The reverse": rows.get(team, (0, 0))[1],
            }
            for team in teams
        ],
        "team_floor_counts",
    )


def _table(rows: list[dict], key: str) -> None:
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        placeholder="",
        width="stretch",
        height=min(300, 38 + 35 * len(rows)),
        key=key,
    )


def _gap_table(rows: list[obs.TransferRow], key: str, empty: str) -> None:
    if not rows:
        st.caption(empty)
        return
    _table(
        [
            {
                "Person": r.name,
                "Team": r.team,
                "Need": COMPETENCY_LABELS.get(r.need, r.need),
                "Does": format_does(r.does),
            }
            for r in rows
        ],
        key,
    )
