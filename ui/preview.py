"""Draw a module's lessons and questions the way a learner sees them, for the content studio.

Everything is drawn by the learner's own functions in `ui/module_view.py` (the lesson screen,
one lesson at a time with its key points; the question's situation, prompt and hint), so the
preview cannot drift from what learners get. Only the answer key is the studio's own. All
trainer-written text goes through `safe_markdown`: raw HTML shows as text, never as markup.
"""

from __future__ import annotations

import streamlit as st

from training.markdown import safe_markdown
from training.models import Module, Question
from training.quiz import TRUE_FALSE_LABELS, TRUE_FALSE_ORDER
from training.words import question_type_label
from ui.module_view import lesson_screen, question_header


def render_lessons(module: Module, *, key: str) -> None:
    """Draw the module's lessons one at a time, as the learner's lesson screen does."""
    if not module.lessons:
        return
    position_key = f"{key}_lesson"
    pos = min(max(st.session_state.get(position_key, 0), 0), len(module.lessons) - 1)

    def go(to: int) -> None:
        st.session_state[position_key] = to

    def to_quiz() -> None:
        st.session_state[f"{key}_section"] = "Quiz"

    lesson_screen(module, pos, key=key, go=go, to_quiz=to_quiz)


def _options(question: Question) -> list[tuple[int, str]]:
    """Return (answer index, text) pairs in content order (learners see them shuffled)."""
    if question.type == "true_false":
        return [(i, TRUE_FALSE_LABELS[i]) for i in TRUE_FALSE_ORDER]
    return list(enumerate(o.text for o in question.options or []))


def render_question_preview(
    question: Question,
    *,
    key: str | None = None,
    number: int | None = None,
    show_answer: bool = False,
    expanded: bool = False,
) -> None:
    """Draw one question as the quiz shows it: situation, prompt, hint and answer options.

    key makes the widgets unique when the same question is drawn twice on a page; number adds
    "Question n" and the question's id and type; show_answer adds the answer key, option
    feedback and explanation below (opened when expanded).
    """
    key = key or f"preview_{question.id}"
    options = _options(question)
    labels = {index: safe_markdown(text) for index, text in options}
    with st.container(border=True, key=f"{key}_box"):
        if number is not None:
            st.caption(
                f"Question {number} · `{question.id}` · {question_type_label(question.type)}"
            )
        question_header(question)
        if question.type == "multiple":
            for index, _text in options:
                st.checkbox(labels[index], key=f"{key}_{index}")
        else:
            st.radio(
                "Your answer",
                [index for index, _text in options],
                index=None,
                format_func=labels.__getitem__,
                key=key,
                label_visibility="collapsed",
            )
        if show_answer:
            _answer_key(question, labels, expanded=expanded)


def _answer_key(question: Question, labels: dict[int, str], *, expanded: bool) -> None:
    with st.expander("Answer and feedback", icon=":material/key:", expanded=expanded):
        if question.type == "true_false":
            st.markdown(f"Right answer: **{'True' if question.answer else 'False'}**")
        else:
            lines = []
            for index, option in enumerate(question.options or []):
                mark = ":green[**right**]" if option.correct else ":red[wrong]"
                feedback = f" — {safe_markdown(option.feedback)}" if option.feedback else ""
                lines.append(f"- {mark}: {labels[index]}{feedback}")
            st.markdown("\n".join(lines))
        if question.explanation:
            st.markdown(f"**Explanation:** {safe_markdown(question.explanation)}")
