"""My training: assigned modules with due dates and status, then optional ones by competency."""

from __future__ import annotations

from datetime import date

import streamlit as st

from store import accounts, home_page, learning
from store.models import User
from training.models import COMPETENCY_LABELS
from training.scores import format_score
from training.status import Status
from training.words import competency_note, count
from ui import content, practice_view
from ui.auth import may
from ui.badges import status_badge
from ui.dates import format_date
from ui.dates import today as org_today
from ui.links import page_link
from ui.text import plain

PRACTICE_OPEN = "home_practice_open"  # the Daily practice expander's state (True while open)

ACTION = {
    Status.IN_PROGRESS: "Continue",
    Status.PASSED: "Review",
    Status.EXPIRING: "Renew",
    Status.FAILED: "Try again",
    Status.DUE_AGAIN: "Renew",
}


def _due_text(item: learning.TrainingItem, today: date) -> str:
    if item.due_date is None:
        return ""
    days = (item.due_date - today).days
    if item.status.done:
        return f"due {format_date(item.due_date)}"
    if days < 0:
        return (
            f"**{-days} day{'s' if days != -1 else ''} overdue** (due {format_date(item.due_date)})"
        )
    if days == 0:
        return "**due today**"
    return f"due in {days} day{'s' if days != 1 else ''} ({format_date(item.due_date)})"


def _card(item: learning.TrainingItem, today: date) -> None:
    # Three elements a card (the bordered box, one Markdown block, the link): the page has a
    # dozen cards and every element is one more message from the script to the browser, which
    # is most of the server's time per rerun (bench/RESULTS.md, "Many people at once").
    # The key gives the card a class the style block uses to make the whole card the link;
    # horizontal, so the link sits right at desk width and wraps under the text on a phone.
    with st.container(
        border=True,
        horizontal=True,
        vertical_alignment="center",
        key=f"training_card_{item.module_id}",
    ):
        bits = [status_badge(item.status)]
        competency = competency_note(item.title, item.competency)
        if competency:
            bits.append(competency)
        bits.append(f"{item.estimated_minutes} min")
        due = _due_text(item, today)
        if due:
            bits.append(due)
        if item.best_score is not None:
            bits.append(f"best {format_score(item.best_score)}")
        if item.expires_at is not None and item.status.done:
            bits.append(f"valid until {format_date(item.expires_at)}")
        st.markdown(f"**{plain(item.title)}**  \n" + " · ".join(bits), width="stretch")
        page_link(
            "pages/module.py",
            ACTION.get(item.status, "Start"),
            icon=":material/arrow_forward:",
            query={"id": item.module_id},
        )


def _withdrawn(withdrawn: tuple[learning.WithdrawnAttempt, ...]) -> None:
    """Tell the learner about quizzes closed in the last 30 days because the module went."""
    for gone in withdrawn:
        old = learning.module_for_version(module_id=gone.module_id, version=gone.content_version)
        title = old.title if old is not None else gone.module_id
        st.info(
            f"Your quiz on **{plain(title)}** was withdrawn: the module was removed from the "
            "training, so nothing was recorded and it used none of your attempts.",
            icon=":material/block:",
        )


def _first_steps() -> None:
    """What a new administrator does next, shown while nobody else has an account."""
    with st.container(border=True, key="home_first_steps"):
        st.subheader("Set up your organisation", anchor=False)
        st.markdown(
            "You are the only person here so far. To get training going:\n\n"
            "1. **Create your teams** (front desk, restaurant, …) on *People and teams*, "
            "tab *Teams*.\n"
            "2. **Add people** one by one on the *People* tab, or **import a roster** CSV "
            "(username, name, role, team) on *Import roster*. Each person gets a temporary "
            "password to hand over; they choose their own at first sign-in.\n"
            "3. **Invite managers**: give team leads the *manager* role and make them managers "
            "of their teams, so they see their team's progress and assign training.\n"
            "4. **Check the curriculum** on *Content studio* (or give a trainer the *trainer* "
            "role), then assign modules with due dates on *Assignments*."
        )
        with st.container(horizontal=True):
            page_link("pages/people.py", "People and teams", icon=":material/group:")
            page_link("pages/studio.py", "Content studio", icon=":material/edit_note:")
            page_link("pages/assign.py", "Assignments", icon=":material/assignment:")


def render(user: User) -> None:
    """Draw the learner's home page."""
    today = org_today()
    loaded = content.modules()
    st.title("My training")
    # The list, the withdrawn quizzes and the days practised: cached per process until the
    # person's data changes (store.home_page).
    view = home_page.my_training(user_id=user.id, modules=loaded, today=today)
    items = list(view.items) if loaded else []
    returning = any(i.status is not Status.NOT_STARTED for i in items)
    name = plain(user.name)
    st.caption(f"Welcome back, {name}." if returning else f"Welcome, {name}.")
    _withdrawn(view.withdrawn)
    if may(user, "admin") and accounts.count_users() <= 1:
        _first_steps()
    # Only trainers see the content folder's problems: nobody else pays for a second scan.
    problems = content.content().problems if may(user, "trainer") else ()
    if problems:
        with st.expander(
            f"{count(len(problems), 'problem')} in the content folder: some modules are "
            "hidden until they are fixed",
            icon=":material/warning:",
        ):
            st.code("\n".join(str(p) for p in problems[:50]), language=None)
    if not loaded:
        st.info("No training modules are available yet. A trainer adds them in the content folder.")
        return
    assigned = [i for i in items if i.assigned]
    optional = [i for i in items if not i.assigned]

    # Drawn only while open: a closed expander's content was still sent on every rerun (eight
    # messages to the browser, and the due questions read), most of My training's reruns.
    practice = st.expander(
        "Daily practice: about three minutes",
        icon=":material/psychology:",
        key=PRACTICE_OPEN,
        on_change="rerun",
    )
    if practice.open:
        with practice:
            practice_view.render(user, loaded, days_practised=view.days_practised)

    st.subheader("Assigned to me")
    if assigned:
        done = sum(1 for i in assigned if i.status.done)
        st.progress(
            done / len(assigned), text=f"{done} of {len(assigned)} assigned modules completed"
        )
        overdue = sum(1 for i in assigned if i.status is Status.OVERDUE)
        if overdue:
            st.error(
                f"{count(overdue, 'module')} overdue. Start with those.", icon=":material/error:"
            )
        for item in assigned:
            _card(item, today)
    else:
        st.write("Nothing is assigned to you right now. Pick any module below.")

    st.subheader("More training")
    if not optional:
        st.write("You have every module on your list above.")
        return
    competencies = ["All"] + sorted(
        {i.competency for i in optional}, key=lambda c: list(COMPETENCY_LABELS).index(c)
    )
    choice = st.pills(
        "Competency",
        competencies,
        default="All",
        format_func=lambda c: "All" if c == "All" else COMPETENCY_LABELS.get(c, c),
        key="home_competency",
    )
    for item in optional:
        if choice in (None, "All") or item.competency == choice:
            _card(item, today)
