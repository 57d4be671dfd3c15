"""Draw a module's lessons and questions the way a learner sees them.

The content studio previews with these functions, and the learner's module page can use them
too, so both always look the same. All trainer-written text goes through `safe_markdown`:
raw HTML shows as text, never as markup.
"""

from __future__ import annotations

import streamlit as st

from training.markdown import safe_markdown
from training.models import Lesson, Module, Question
from training.quiz import TRUE_FALSE_LABELS, TRUE_FALSE_ORDER
from ui.text import plain


def render_lesson(lesson: Lesson) -> None:
    """Draw one lesson: title, Markdown body and its key points."""
    st.subheader(plain(lesson.title), anchor=False)
    st.markdown(safe_markdown(lesson.body))
    if lesson.key_points:
        with st.container(border=True):
            st.markdown(
                "**Key points**\n\n"
                + "\n".join(f"- {safe_markdown(' '.join(p.split()))}" for p in lesson.key_points)
            )


def render_lessons(module: Module) -> None:
    """Draw every lesson of a module, in order."""
    for lesson in module.lessons:
        render_lesson(lesson)


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
) -> None:
    """Draw one question as the quiz shows it: scenario, prompt and answer options.

    key makes the widgets unique when the same question is drawn twice on a page; number adds
    "Question n"; show_answer adds the answer key, option feedback and explanation below.
    """
    key = key or f"preview_{question.id}"
    options = _options(question)
    labels = {index: safe_markdown(text) for index, text in options}
    with st.container(border=True):
        if number is not None:
            st.caption(f"Question {number}")
        if question.scenario:
            st.markdown(safe_markdown(question.scenario))
        prompt = safe_markdown(question.prompt)
        st.markdown(f"**{prompt}**" if "\n" not in prompt.strip() else prompt)
        if question.type == "multiple":
            st.caption("Tick every answer that is right.")
            for index, _text in options:
                st.checkbox(labels[index], key=f"{key}_{index}")
        else:
            st.radio(
                prompt,
                [index for index, _text in options],
                index=None,
                format_func=labels.__getitem__,
                key=key,
                label_visibility="collapsed",
            )
        if show_answer:
            _answer_key(question, labels)


def _answer_key(question: Question, labels: dict[int, str]) -> None:
    with st.expander("Answer and feedback", icon=":material/key:"):
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
