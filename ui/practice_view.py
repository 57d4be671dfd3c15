"""Daily practice on My training (and the refresher tab of My progress), scheduled by FSRS.

Up to five due questions across all modules, missed ones first (store.practice), one at a time;
each answer is recorded as it is given and gets immediate feedback with the right answer and the
explanation. A quiet count of the days practised this month; no scores, no leaderboard. Memory
strength per need (mean FSRS retrievability) for My progress.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store import practice
from store.models import User
from training import quiz
from training.markdown import safe_markdown
from training.models import COMPETENCY_LABELS
from training.practice import RefresherQuestion, build_refresher
from training.words import count
from ui import style
from ui.dates import today as org_today
from ui.module_view import answer_feedback, question_header


def render(
    user: User,
    modules,
    *,
    key: str = "practice",
    option_key: str = "practice_opt",
    days_practised: int | None = None,
) -> None:
    """Draw today's practice: the due questions one at a time, each answer saved at once.

    days_practised: this month's count when the caller has it (My training's cached read)."""
    answers_key = f"{key}_answers"
    if key not in st.session_state:
        due = practice.due_questions(user_id=user.id, modules=modules, today=org_today())
        plain = {mid: lm.module for mid, lm in modules.items()}
        drawn = build_refresher(plain, due, seed=quiz.new_seed())
        st.session_state[key] = [q.to_json() for q in drawn]
        st.session_state[answers_key] = {}
    questions = [
        rq
        for rq in (RefresherQuestion.from_json(q) for q in st.session_state[key])
        if rq.module_id in modules and modules[rq.module_id].module.question(rq.question_id)
    ]
    days = (
        practice.days_practised(user_id=user.id, today=org_today())
        if days_practised is None
        else days_practised
    )
    if days:
        st.caption(f"You practised on {count(days, 'day')} this month.")
    if not questions:
        st.success(
            "Nothing to practise today. Come back tomorrow for a few more questions.",
            icon=":material/check_circle:",
        )
        return
    answers: dict[int, list[int]] = st.session_state.setdefault(answers_key, {})
    for n, rq in enumerate(questions, start=1):
        q = modules[rq.module_id].module.question(rq.question_id)
        with st.container(border=True):
            st.caption(f"Question {n} of {len(questions)}")
            _question(user, n, rq, q, answers, key, option_key)
        if n not in answers:
            return  # one at a time: the next appears once this one is answered
    right = sum(
        1
        for n, rq in enumerate(questions, start=1)
        if quiz.is_correct(modules[rq.module_id].module.question(rq.question_id), answers[n])
    )
    st.success(
        f"{right} of {len(questions)} right. Missed ones come back soon; the ones you got "
        "right come back later, when you are about to forget them.",
        icon=":material/psychology:",
    )

    def finish() -> None:
        st.session_state.pop(key, None)
        st.session_state.pop(answers_key, None)

    st.button("Done", key=f"{key}_done", on_click=finish, type="primary")


def _question(
    user: User, n: int, rq: RefresherQuestion, q, answers: dict[int, list[int]], key, option_key
) -> None:
    """Ask one question; once answered, record it and show the right answer."""
    labels = dict(quiz.ordered_options(q, rq.drawn))
    question_header(q)
    if n in answers:
        chosen = ", ".join(safe_markdown(labels[i]) for i in answers[n] if i in labels)
        st.markdown(f"**Your answer:** {chosen or '*no answer*'}")
        answer_feedback(q, answers[n], labels)
        return
    with st.form(f"{key}_form_{n}", border=False), style.answer_options(f"{key}_{n}"):
        if q.type == "multiple":
            chosen = [
                i
                for i in labels
                if st.checkbox(safe_markdown(labels[i]), key=f"{option_key}_{n}_{i}")
            ]
        else:
            choice = st.radio(
                "Your answer",
                list(labels),
                format_func=lambda i: safe_markdown(labels[i]),
                index=None,
                key=f"{option_key}_{n}",
                label_visibility="collapsed",
            )
            chosen = [] if choice is None else [choice]
        submitted = st.form_submit_button("Check answer", type="primary")
    if submitted:
        if not chosen:
            st.warning("Choose an answer first.")
            return
        correct = quiz.is_correct(q, chosen)
        practice.record_answer(
            user_id=user.id,
            module_id=rq.module_id,
            question_id=rq.question_id,
            chosen=sorted(chosen),
            correct=correct,
        )
        answers[n] = sorted(chosen)
        st.rerun()


def memory_strength(user: User, modules) -> None:
    """Draw the learner's memory strength per need: how likely they recall each need's answers."""
    strength = practice.memory_strength(user_id=user.id, modules=modules)
    st.subheader("Memory strength")
    if not strength:
        st.caption("Answer a quiz and your memory strength per need appears here.")
        return
    st.caption("How likely you are to recall the answers of each need today (FSRS).")
    st.dataframe(
        [
            {"Need": COMPETENCY_LABELS.get(need, need), "Memory strength": f"{value:.0%}"}
            for need, value in strength.items()
        ],
        hide_index=True,
        placeholder="",
    )


def team_memory_strength(
    user: User,
    modules,
    team_id: int | None,
    *,
    per_person: bool,
    figures: Callable[[], tuple] | None = None,
) -> None:
    """Draw memory strength per team, and per person when per_person (one team, or a view
    small enough to list everyone) for Team progress. figures, when given, returns what
    store.practice.team_memory_strength gives for these arguments (read ahead)."""
    if figures is None:
        teams, people = practice.team_memory_strength(actor=user, modules=modules, team_id=team_id)
    else:
        teams, people = figures()
    st.subheader("Memory strength")
    st.caption(
        "How likely people are to recall what their quizzes and daily practice asked, today "
        "(mean FSRS retrievability of their answered questions)."
    )

    def shown(value: float | None) -> str:
        return "no answers yet" if value is None else f"{value:.0%}"

    left, right = st.columns(2, gap="large")
    with left:
        st.dataframe(
            [{"Team": t.label, "Memory strength": shown(t.strength)} for t in teams],
            hide_index=True,
            placeholder="",
            key="team_memory_teams",
        )
    with right:
        if not per_person:
            st.caption(
                f"Memory strength per person is shown for one team at a time ({len(people):,} "
                "people in this view): pick a team under **Team** above."
            )
            return
        st.dataframe(
            [
                {"Person": p.label, "Team": p.team, "Memory strength": shown(p.strength)}
                for p in people
            ],
            hide_index=True,
            placeholder="",
            key="team_memory_people",
        )
