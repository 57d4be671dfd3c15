"""A module: lessons one at a time, then the quiz; every answer is saved the moment it is given."""

from __future__ import annotations

import streamlit as st

from store import learning, module_page
from store.models import User
from training import quiz
from training.loader import LoadedModule
from training.markdown import safe_markdown
from training.models import Module, Question
from training.scores import format_score
from training.words import competency_note, count
from ui import content, style
from ui.auth import as_signed_in
from ui.badges import status_badge
from ui.dates import format_date, today
from ui.links import page_link
from ui.text import plain

FEEDBACK_WORDS = {
    "immediate": "You see whether each answer is right as soon as you give it.",
    "after_submit": "You see the right answers and explanations after you submit.",
    "on_pass": "The right answers are shown once you have passed.",
}


def render(user: User) -> None:
    """Draw the module page for ?id=."""
    module_id = st.query_params.get("id", "")
    modules = content.modules()
    loaded = modules.get(module_id) if isinstance(module_id, str) else None
    if loaded is None:
        st.title("Module not found")
        st.write(
            "There is no training module with that name. It may have been renamed or "
            "removed; pick one from your list."
        )
        page_link("pages/home.py", "Back to my training", icon=":material/arrow_back:")
        return
    m = loaded.module
    section_key = f"module_section_{m.id}"
    result_key = f"module_result_{m.id}"
    # The section is known before the read except on the first run of this module page (None:
    # the read decides as the page will, below).
    known = section_key in st.session_state
    result_attempt_id = st.session_state.get(result_key) or None
    header, screen = module_page.module_screen(
        user_id=user.id,
        loaded=loaded,
        modules=modules,
        today=today(),
        quiz_section=st.session_state[section_key] == "Quiz" if known else None,
        result_attempt_id=result_attempt_id,
    )

    page_link("pages/home.py", "My training", icon=":material/arrow_back:")
    st.title(plain(m.title))
    facts = [
        *filter(None, [competency_note(m.title, m.competency)]),
        f"about {m.estimated_minutes} min",
        count(len(m.lessons), "lesson"),
    ]
    if header.item.best_score is not None:
        facts.append(f"best score {format_score(header.item.best_score)}")
    facts.append(_standing(header.item))
    st.caption(" · ".join(facts))
    st.write(m.summary)

    if not known:
        quiz_first = module_page.quiz_first(header, result_attempt_id)
        st.session_state[section_key] = "Quiz" if quiz_first else "Lessons"
    section = st.segmented_control(
        "Section", ["Lessons", "Quiz"], key=section_key, label_visibility="collapsed"
    )
    if section == "Quiz":
        _quiz(user, loaded, modules, screen)
    else:
        _lessons(user, m, header.lesson_position)


def _standing(item: learning.TrainingItem) -> str:
    """Return the badge of the person's status on this module, with its dates."""
    text = item.label
    if item.passed_at is not None and item.status.done:
        until = f", valid until {format_date(item.expires_at)}" if item.expires_at else ""
        text = f"passed {format_date(item.passed_at)}{until}"
    elif item.passed_at is not None and item.expires_at is not None:
        text = f"{item.label}: the pass of {format_date(item.passed_at)} "
        text += f"expired {format_date(item.expires_at)}"
    elif item.due_date is not None:
        text = f"{item.label}, due {format_date(item.due_date)}"
    return status_badge(item.status, text)


# --- lessons ---------------------------------------------------------------------------


def _lessons(user: User, m: Module, saved: int) -> None:
    key = f"module_lesson_{m.id}"
    if key not in st.session_state:
        st.session_state[key] = min(max(saved, 0), len(m.lessons) - 1)
    pos = min(st.session_state[key], len(m.lessons) - 1)

    def go(to: int) -> None:
        st.session_state[key] = to
        learning.set_lesson_position(user_id=user.id, module_id=m.id, position=to)

    def to_quiz() -> None:
        st.session_state[f"module_section_{m.id}"] = "Quiz"

    lesson_screen(m, pos, key=m.id, go=as_signed_in(user, go), to_quiz=to_quiz)


def lesson_screen(m: Module, pos: int, *, key: str, go, to_quiz) -> None:
    """Draw lesson pos of m as learners see it: progress, body, key points, and the buttons.

    go(to) moves to another lesson, to_quiz() leaves the last one for the quiz; key makes the
    buttons unique (the studio preview draws this screen too).
    """
    lesson = m.lessons[pos]
    st.progress((pos + 1) / len(m.lessons), text=f"Lesson {pos + 1} of {len(m.lessons)}")
    st.subheader(plain(lesson.title), divider="gray")
    st.markdown(safe_markdown(lesson.body))
    if lesson.key_points:
        st.info(
            "**Key points**\n\n" + "\n".join(f"- {safe_markdown(p)}" for p in lesson.key_points),
            icon=":material/lightbulb:",
        )
    # One row of two equal buttons: a horizontal container is one message to the browser,
    # two columns were three (bench/RESULTS.md, "Many people at once").
    with st.container(horizontal=True):
        st.button(
            "Previous lesson",
            key=f"module_prev_{key}",
            on_click=go,
            args=(pos - 1,),
            disabled=pos == 0,
            icon=":material/arrow_back:",
            width="stretch",
        )
        if pos + 1 < len(m.lessons):
            st.button(
                "Next lesson",
                key=f"module_next_{key}",
                on_click=go,
                args=(pos + 1,),
                type="primary",
                icon=":material/arrow_forward:",
                width="stretch",
            )
        else:
            st.button(
                "Go to the quiz",
                key=f"module_to_quiz_{key}",
                on_click=to_quiz,
                type="primary",
                icon=":material/quiz:",
                width="stretch",
            )


# --- quiz ------------------------------------------------------------------------------


def _quiz(user: User, loaded: LoadedModule, modules, screen: module_page.QuizScreen | None) -> None:
    """Draw the quiz section from screen (read with the header), or read it now."""
    m = loaded.module
    result_key = f"module_result_{m.id}"
    flash = st.session_state.pop("module_flash", None)
    if flash:
        st.error(flash)
    if screen is None:  # the quiz was not read with the header (a section chosen since)
        screen = module_page.quiz_screen(
            user_id=user.id,
            loaded=loaded,
            modules=modules,
            result_attempt_id=st.session_state.get(result_key) or None,
            today=today(),
        )
    if screen.unreadable:
        st.error(
            "This attempt was started on a version of the module that can no longer be "
            "read. Ask a trainer for help."
        )
    elif screen.missing_result:
        st.session_state.pop(result_key, None)
        st.warning("That result is not available.")
    elif screen.results is not None:
        _results(user, loaded, screen.results)
    elif screen.attempt is not None:
        _question_screen(user, screen.attempt)
    else:
        _quiz_intro(user, loaded, screen.intro)


def _quiz_intro(user: User, loaded: LoadedModule, intro: module_page.QuizIntro) -> None:
    m = loaded.module
    with st.container(border=True):
        st.subheader("Quiz")
        lines = [
            f"- **{intro.draw_count} questions**, drawn from a pool of {intro.pool}",
            f"- **Pass mark: {intro.pass_mark}%**",
            f"- {FEEDBACK_WORDS[intro.feedback.value]}",
            "- Your answers are saved as you go: you can close the page and come back.",
        ]
        if intro.left is not None:
            lines.append(f"- Attempts left: **{intro.left}** of {intro.max_attempts}")
        st.markdown("\n".join(lines))
        if intro.left == 0:
            st.warning(
                "You have used every attempt at this quiz. Your manager can help you "
                "with what to do next."
            )
        else:

            def start() -> None:
                try:
                    learning.start_attempt(user_id=user.id, loaded=loaded)
                except learning.LearningError as exc:
                    st.session_state["module_flash"] = str(exc)
                st.session_state.pop(f"module_result_{m.id}", None)

            label = "Start quiz" if not intro.used else "Start a new attempt"
            st.button(
                label,
                key=f"module_start_{m.id}",
                type="primary",
                on_click=as_signed_in(user, start),
                icon=":material/play_arrow:",
            )
    if intro.last_attempt_id is not None:

        def show_last() -> None:
            st.session_state[f"module_result_{m.id}"] = intro.last_attempt_id

        when = format_date(intro.last_submitted_at)
        st.button(
            f"See my last result ({format_score(intro.last_score)}, {when})",
            key=f"module_last_{m.id}",
            on_click=show_last,
        )


def _answer_key(attempt_id: int, qid: str, option: int | None = None) -> str:
    base = f"quiz_{attempt_id}_{qid}"
    return base if option is None else f"{base}_{option}"


def _save(user: User, module: Module, attempt_id: int, qid: str, answer: list[int]) -> None:
    try:
        learning.save_answer(
            attempt_id=attempt_id, user_id=user.id, module=module, question_id=qid, answer=answer
        )
    except learning.LearningError as exc:
        st.session_state["module_flash"] = f"Your answer could not be saved: {exc}"


def _question_screen(user: User, screen: module_page.OpenAttemptView) -> None:
    """One question per step: the question, then "Question 3 of 8" and Previous/Next at the
    bottom; Submit takes Next's place on the last question only."""
    module, attempt_id = screen.module, screen.attempt_id
    n, pos, answered = screen.questions, screen.position, screen.answered
    last = pos + 1 >= n
    with st.container(border=True):
        _ask(user, module, attempt_id, screen.current)

    def move(to: int) -> None:
        try:
            learning.save_position(attempt_id=attempt_id, user_id=user.id, position=to)
        except learning.LearningError as exc:
            st.session_state["module_flash"] = str(exc)

    unanswered = n - answered
    confirm = True
    if last and unanswered:
        st.caption(
            f"{count(unanswered, 'question')} not answered yet. "
            "Unanswered questions count as wrong."
        )
        confirm = st.checkbox("Submit with unanswered questions", key=f"quiz_confirm_{attempt_id}")

    def submit() -> None:
        try:
            result = learning.submit_attempt(attempt_id=attempt_id, user_id=user.id, module=module)
        except learning.LearningError as exc:
            st.session_state["module_flash"] = str(exc)
            return
        st.session_state[f"module_result_{module.id}"] = result.attempt.id

    st.progress(answered / n, text=f"Question {pos + 1} of {n} · {answered} answered")
    with st.container(horizontal=True):  # as lesson_screen's row: one message, not three
        st.button(
            "Previous",
            key=f"quiz_prev_{attempt_id}",
            on_click=as_signed_in(user, move),
            args=(pos - 1,),
            disabled=pos == 0,
            icon=":material/arrow_back:",
            width="stretch",
        )
        if last:
            st.button(
                "Submit quiz",
                key=f"quiz_submit_{attempt_id}",
                on_click=as_signed_in(user, submit),
                type="primary",
                disabled=not confirm,
                icon=":material/send:",
                width="stretch",
            )
        else:
            st.button(
                "Next",
                key=f"quiz_next_{attempt_id}",
                on_click=as_signed_in(user, move),
                args=(pos + 1,),
                icon=":material/arrow_forward:",
                type="primary",
                width="stretch",
            )


def question_header(question: Question) -> None:
    """Draw a question's situation and prompt as the quiz shows them (and the studio preview)."""
    # The situation and the prompt are one Markdown block (two paragraphs): one message.
    prompt = f"**{safe_markdown(question.prompt)}**"
    if question.scenario:
        situation = f":gray[:material/storefront: Situation]  \n{safe_markdown(question.scenario)}"
        prompt = f"{situation}\n\n{prompt}"
    st.markdown(prompt)
    if question.type == "multiple":
        st.caption("Tick every answer that applies.")


def _ask(user: User, module: Module, attempt_id: int, view: module_page.QuestionView) -> None:
    question, options = view.question, view.options
    immediate = module.quiz.feedback == "immediate"
    question_header(question)
    labels = {idx: text for idx, text in options}
    locked = view.verdict is not None
    with style.answer_options("quiz"):
        _options(user, module, attempt_id, view, labels, locked=locked, immediate=immediate)
    if locked:
        _verdict_box(question, view.verdict, options)


def _options(user, module, attempt_id, view, labels, *, locked: bool, immediate: bool) -> None:
    question, options, draft = view.question, view.options, view.draft
    qid = question.id
    if question.type == "multiple":
        ticked = []
        for idx, _text in options:
            key = _answer_key(attempt_id, qid, idx)

            def changed() -> None:
                chosen = [
                    i for i, _ in options if st.session_state.get(_answer_key(attempt_id, qid, i))
                ]
                _save(user, module, attempt_id, qid, chosen)

            st.checkbox(
                safe_markdown(labels[idx]),
                value=idx in draft,
                key=key,
                disabled=locked,
                on_change=None if immediate else as_signed_in(user, changed),
            )
            if st.session_state.get(key):
                ticked.append(idx)
        if immediate and not locked:
            st.button(
                "Check answer",
                key=f"quiz_check_{attempt_id}_{qid}",
                disabled=not ticked,
                on_click=as_signed_in(user, _save),
                args=(user, module, attempt_id, qid, ticked),
            )
    else:
        key = _answer_key(attempt_id, qid)
        order = [idx for idx, _ in options]

        def picked() -> None:
            value = st.session_state.get(key)
            _save(user, module, attempt_id, qid, [] if value is None else [value])

        st.radio(
            "Your answer",
            order,
            key=key,
            index=order.index(draft[0]) if draft and draft[0] in order else None,
            format_func=lambda i: safe_markdown(labels[i]),
            disabled=locked,
            on_change=as_signed_in(user, picked),
            label_visibility="collapsed",
        )


def answer_feedback(question: Question, answer: list[int], labels: dict[int, str]) -> None:
    """Show the verdict on an answer, option by option, and the explanation (immediate
    feedback in the quiz, and each refresher answer); labels are in display order."""
    _verdict_box(question, quiz.answer_verdict(question, answer), list(labels.items()))


def _verdict_box(
    question: Question, verdict: quiz.AnswerVerdict, options: list[tuple[int, str]]
) -> None:
    text = f"**{verdict.summary}**\n\n" + _verdicts(question, options, verdict)
    if verdict.explanation:
        text += f"\n\n*{safe_markdown(verdict.explanation)}*"
    if verdict.correct:
        st.success(text, icon=":material/check_circle:")
    else:
        st.error(text, icon=":material/cancel:")


def _verdicts(
    question: Question, options: list[tuple[int, str]], verdict: quiz.AnswerVerdict
) -> str:
    """Return Markdown: one item per option worth naming, its verdict and its feedback.

    Each option's text stands on its own line, so option texts ending in a full stop are never
    run into a comma or a colon.
    """
    by_index = {v.index: v for v in verdict.verdicts}
    lines = []
    for idx, text in options:  # in the order the learner saw them
        v = by_index.get(idx)
        if v is None:
            continue
        # Green for what the learner got right, and for the right answer of a single choice.
        good = v.right or (v.correct and question.type != "multiple")
        icon = ":green[:material/check:]" if good else ":red[:material/close:]"
        line = f"- {icon} **{safe_markdown(text)}**  \n  {v.sentence(question.type)}"
        if v.feedback and (v.chosen or v.correct):
            line += f" {safe_markdown(v.feedback)}"
        lines.append(line)
    return "\n".join(lines)


def _results(user: User, loaded: LoadedModule, screen: module_page.ResultsScreen) -> None:
    m = loaded.module
    grade = screen.grade
    with st.container(border=True):
        score_col, text_col = st.columns([1, 3], vertical_alignment="center")
        score_col.metric(
            "Your score", format_score(grade.score), help=f"Pass mark {grade.pass_mark}%"
        )
        with text_col:
            if grade.passed:
                st.success(
                    f"**You passed {plain(m.title)}.** {grade.marks} of {grade.max_marks} right. "
                    "Your certificate is on My progress.",
                    icon=":material/celebration:",
                )
            else:
                st.warning(
                    f"**Not passed yet.** {grade.marks} of {grade.max_marks} right; you "
                    f"need {grade.pass_mark}%. Read the feedback below, then try again.",
                    icon=":material/replay:",
                )
    st.subheader("Your answers")
    if not any(r.revealed for r in screen.reviews):
        st.caption("This quiz shows the right answers once you have passed it.")
    for r in screen.reviews:
        q = r.question
        icon = ":material/check_circle:" if r.correct else ":material/cancel:"
        colour = "green" if r.correct else "red"
        with st.expander(f":{colour}[{icon}] {r.number}. {q.prompt}", expanded=not r.correct):
            if q.scenario:
                st.caption(safe_markdown(q.scenario))
            if r.verdict is not None:
                st.markdown(f"**{r.verdict.summary}**")
                st.markdown(_verdicts(q, r.options, r.verdict))
                if r.verdict.explanation:
                    st.info(safe_markdown(r.verdict.explanation), icon=":material/lightbulb:")
            else:
                labels = dict(r.options)
                chosen = [f"- {safe_markdown(labels[i])}" for i in r.chosen if i in labels]
                st.markdown("**Your answer:**\n\n" + ("\n".join(chosen) or "*no answer*"))
    st.subheader("What next")

    def again() -> None:
        st.session_state.pop(f"module_result_{m.id}", None)
        try:
            learning.start_attempt(user_id=user.id, loaded=loaded)
        except learning.LearningError as exc:
            st.session_state["module_flash"] = str(exc)

    def close() -> None:
        st.session_state.pop(f"module_result_{m.id}", None)

    cols = st.columns(3)
    if not grade.passed and screen.left != 0:
        cols[0].button(
            "Try again",
            key=f"module_retry_{m.id}",
            type="primary",
            on_click=as_signed_in(user, again),
            icon=":material/replay:",
        )
    elif not grade.passed:
        cols[0].warning("No attempts left.")
    with cols[1]:
        if screen.next_module is not None:
            page_link(
                "pages/module.py",
                f"Next: {screen.next_module[1]}",
                icon=":material/arrow_forward:",
                query={"id": screen.next_module[0]},
            )
        else:
            page_link("pages/home.py", "Back to my training", icon=":material/home:")
    cols[2].button("Close results", key=f"module_close_{m.id}", on_click=close)
