"""The question statistics page body (trainers): Moodle's item analysis for one module version.

The figures come from `training.item_analysis` (a pure function, checked against Moodle's own
fixture); this module only picks the data (`store.content_store.responses`) and shows it:
whole-quiz figures, per-question figures with plain-language flags, two Altair charts and a
CSV download.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from store import content_store
from store.learning import module_for_version
from store.models import User
from training.csv_export import csv_bytes
from training.item_analysis import (
    MIN_ATTEMPTS_FOR_FLAGS,
    POOR_DISCRIMINATION_INDEX,
    TOO_EASY_FACILITY,
    TOO_HARD_FACILITY,
    QuestionFigures,
    QuizStats,
    analyse,
    question_figures,
    random_guess_score,
    short_text,
)
from training.words import count, question_type_label
from ui import content
from ui.dates import format_date
from ui.links import page_link, studio_query

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _num(value: float | None, pattern: str = "{:.1f}") -> str:
    return "—" if value is None else pattern.format(value)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --- page ------------------------------------------------------------------------------


def render(user: User) -> None:
    """Draw the page: pick a module and version, then the statistics."""
    st.title("Question statistics")
    st.caption(
        "Item analysis as Moodle computes it: how hard each question is, whether it separates "
        "learners who know the topic from those who do not, and which options people choose."
    )
    modules = content.modules()
    if not modules:
        st.info("There are no valid modules in the content folder.")
        return
    module_id = st.selectbox(
        "Module",
        list(modules),
        format_func=lambda m: f"{modules[m].module.title} ({m})",
        key="item_analysis_module",
    )
    loaded = modules[module_id]
    versions = {v.version: v for v in content_store.analysis_versions(module_id=module_id)}
    if not versions:
        st.info(
            "No learner has submitted this quiz yet. Statistics appear with the first "
            f"attempts; questions are checked for problems from {MIN_ATTEMPTS_FOR_FLAGS} "
            "attempts."
        )
        return

    def version_label(v: str) -> str:
        usage = versions[v]
        current = " (current)" if v == loaded.version else ""
        return (
            f"{v[:8]}{current} · {count(usage.attempts, 'attempt')} by "
            f"{count(usage.learners, 'learner')}, "
            f"last {format_date(usage.last_at)}"
        )

    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        version = st.selectbox(
            "Content version",
            list(versions),
            format_func=version_label,
            key="item_analysis_version",
        )
    with right:
        every = st.toggle(
            "Include every attempt",
            key="item_analysis_all",
            help="By default only each learner's first attempt counts, as in Moodle: later "
            "attempts follow the feedback of earlier ones.",
        )
    module = module_for_version(module_id=module_id, version=version, current=loaded)
    if module is None:
        st.warning("The text of this version was not recorded, so its questions are unknown.")
        return
    questions = list(module.quiz.questions)
    data = content_store.responses(
        module_id=module_id,
        version=version,
        question_ids=[q.id for q in questions],
        first_attempts_only=not every,
    )
    if not data.attempts:
        st.info(
            "No first attempts were made on this version: everyone who answered it had taken "
            "an earlier version first. Switch on **Include every attempt** to see them."
        )
        return
    stats = analyse(data.marks, data.max_marks, [random_guess_score(q) for q in questions])
    figures = question_figures(questions, stats, data.choices)
    which = "all attempts" if every else "first attempts only"
    st.caption(f"{count(stats.attempts, 'attempt')} analysed ({which}).")
    _whole_quiz(stats)
    _flag_summary(module_id, figures)
    _overview_chart(figures)
    table = _table(figures)
    st.subheader("Every question", anchor=False)
    st.dataframe(table, hide_index=True, width="stretch", placeholder="")
    st.download_button(
        "Download CSV",
        csv_bytes(list(table.columns), table.itertuples(index=False)),
        file_name=f"item-analysis-{module_id}-{version[:8]}.csv",
        mime="text/csv",
        key="item_analysis_csv",
        icon=":material/download:",
    )
    _distractors(figures)


def _whole_quiz(stats: QuizStats) -> None:
    st.subheader("Whole quiz", anchor=False)
    unit = "%" if stats.max_total else ""
    figures = [
        ("Mean", _num(stats.mean_percent, "{:.1f}" + unit), "Average score."),
        ("Median", _num(stats.median_percent, "{:.1f}" + unit), "Middle score."),
        (
            "Standard deviation",
            _num(stats.standard_deviation_percent, "{:.1f}" + unit),
            "How spread out the scores are.",
        ),
        (
            "Skewness",
            _num(stats.skewness, "{:.2f}"),
            "Negative: most scores are high with a tail of low ones.",
        ),
        ("Kurtosis", _num(stats.kurtosis, "{:.2f}"), "How peaked the score distribution is."),
        (
            "Internal consistency",
            _num(stats.cronbach_alpha, "{:.1f}%"),
            "Cronbach's alpha: do the questions measure the same thing? Above 75% is good.",
        ),
        (
            "Error ratio",
            _num(stats.error_ratio, "{:.1f}%"),
            "Share of the spread that is random noise; lower is better.",
        ),
        (
            "Standard error",
            _num(stats.standard_error_percent, "{:.1f}" + unit),
            "The uncertainty of one learner's score.",
        ),
    ]
    # A wrapping row: four cards a line on a desktop, two on a phone.
    with st.container(horizontal=True, gap="small"):
        for label, value, help_text in figures:
            st.metric(label, value, help=help_text, border=True, width=176)


def _flag_summary(module_id: str, figures: list[QuestionFigures]) -> None:
    st.subheader("What to look at", anchor=False)
    checked = [f for f in figures if f.checked]
    waiting = [f for f in figures if not f.checked]
    if not checked:
        most = max((f.item.attempts for f in figures), default=0)
        st.info(
            f"Not enough data yet to judge the questions: the most answered question has "
            f"{count(most, 'attempt')}, and questions are checked from {MIN_ATTEMPTS_FOR_FLAGS} "
            "attempts, so that a few people cannot make a good question look bad.",
            icon=":material/hourglass_empty:",
        )
        return
    flagged = [f for f in checked if f.flags]
    if not flagged:
        st.success("No problems found in the questions with enough attempts.")
    for f in flagged:
        st.warning(
            f"**{f.question.id}** · {short_text(f.question.prompt, 90)}\n\n"
            + "\n".join(f"- {message}" for message in f.flags),
            icon=":material/flag:",
        )
        page_link(
            "pages/studio.py",
            f"Open {f.question.id} in the content studio",
            icon=":material/edit_note:",
            query=studio_query(module_id, f.question.id),
        )
    if waiting:
        st.caption(
            f"{count(len(waiting), 'question')} {'has' if len(waiting) == 1 else 'have'} "
            f"fewer than {MIN_ATTEMPTS_FOR_FLAGS} attempts and "
            f"{'is' if len(waiting) == 1 else 'are'} not checked yet: "
            + ", ".join(f.question.id for f in waiting)
            + "."
        )


def _table(figures: list[QuestionFigures]) -> pd.DataFrame:
    rows = []
    for f in figures:
        item = f.item
        sd = item.standard_deviation
        sd_percent = 100 * sd / item.max_mark if sd is not None and item.max_mark else None
        shares = "; ".join(
            f"{LETTERS[n]}{'✓' if o in f.correct else ''} {100 * f.shares[o]:.0f}%"
            for n, o in enumerate(f.option_ids)
        )
        if f.checked:
            notes = " ".join(f.flags) or "OK"
        else:
            notes = f"Not enough data yet ({item.attempts} of {MIN_ATTEMPTS_FOR_FLAGS} attempts)"
        rows.append(
            {
                "#": f.number,
                "Question": f.question.id,
                "Type": question_type_label(f.question.type),
                "Prompt": short_text(f.question.prompt),
                "Attempts": item.attempts,
                "Facility %": _pct(item.facility),
                "SD %": _round(sd_percent),
                "Random guess %": _pct(item.random_guess_score),
                "Discrimination index": _round(item.discrimination_index),
                "Discriminative efficiency": _round(item.discriminative_efficiency),
                "Options chosen": shares,
                "Flags": notes,
            }
        )
    return pd.DataFrame(rows)


def _overview_chart(figures: list[QuestionFigures]) -> None:
    points = pd.DataFrame(
        [
            {
                "Question": f.question.id,
                "Prompt": short_text(f.question.prompt),
                "Facility %": 100 * f.item.facility,
                "Discrimination index": f.item.discrimination_index,
                "Attempts": f.item.attempts,
                "Status": (
                    "not checked yet" if not f.checked else ("flagged" if f.flags else "fine")
                ),
            }
            for f in figures
            if f.item.facility is not None and f.item.discrimination_index is not None
        ]
    )
    if points.empty:
        return
    st.subheader("Facility and discrimination", anchor=False)
    st.caption(
        f"Good questions sit in the middle band ({100 * TOO_HARD_FACILITY:.0f}–"
        f"{100 * TOO_EASY_FACILITY:.0f}% facility) above the line at "
        f"{POOR_DISCRIMINATION_INDEX:.0f} (discrimination). A question everybody gets right "
        "(or wrong) has no discrimination index and is not plotted."
    )
    colours = alt.Scale(
        domain=["fine", "flagged", "not checked yet"], range=["#0072b2", "#d55e00", "#9e9e9e"]
    )
    tens = list(range(0, 101, 10))
    base = alt.Chart(points)
    dots = base.mark_circle(size=110, opacity=0.85).encode(
        x=alt.X("Facility %:Q", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(values=tens)),
        y=alt.Y("Discrimination index:Q", scale=alt.Scale(domain=[-100, 100])),
        color=alt.Color("Status:N", scale=colours, legend=alt.Legend(orient="bottom")),
        tooltip=["Question", "Prompt", "Facility %", "Discrimination index", "Attempts"],
    )
    labels = base.mark_text(dx=9, align="left", fontSize=11).encode(
        x="Facility %:Q", y="Discrimination index:Q", text="Question:N"
    )
    guide = alt.Chart(pd.DataFrame({"rule": [0]})).mark_rule(strokeDash=[4, 4], color="#888")
    rules = [guide.encode(x=alt.datum(100 * f)) for f in (TOO_HARD_FACILITY, TOO_EASY_FACILITY)]
    rules.append(guide.encode(y=alt.datum(POOR_DISCRIMINATION_INDEX)))
    chart = alt.layer(*rules, dots, labels).properties(height=360)
    st.altair_chart(chart, width="stretch")


def _distractors(figures: list[QuestionFigures]) -> None:
    st.subheader("Options chosen (distractor analysis)", anchor=False)
    by_id = {f.question.id: f for f in figures}
    picked = st.selectbox(
        "Question",
        list(by_id),
        format_func=lambda q: f"{q} · {short_text(by_id[q].question.prompt, 70)}",
        key="item_analysis_question",
    )
    f = by_id[picked]
    if not f.item.attempts:
        st.info("No attempt drew this question yet.")
        return
    bars = pd.DataFrame(
        [
            {
                "Option": f"{LETTERS[n]}. {short_text(f.option_labels[o], 32)}",
                "Text": f.option_labels[o],
                "Share %": round(100 * f.shares[o], 1),
                "Answer": "right" if o in f.correct else "wrong",
            }
            for n, o in enumerate(f.option_ids)
        ]
    )
    base = alt.Chart(bars).encode(
        x=alt.X(
            "Share %:Q",
            title="Share of attempts (%)",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(values=list(range(0, 101, 10))),
        ),
        y=alt.Y("Option:N", sort=None, title=None, axis=alt.Axis(labelLimit=180)),
        tooltip=["Text", "Share %", "Answer"],
    )
    bar = base.mark_bar().encode(
        color=alt.Color(
            "Answer:N",
            scale=alt.Scale(domain=["right", "wrong"], range=["#0072b2", "#e69f00"]),
            legend=alt.Legend(orient="bottom"),
        )
    )
    value = base.mark_text(align="left", dx=4, fontSize=11).encode(
        text=alt.Text("Share %:Q", format=".0f")
    )
    # A fixed height would squeeze the bars under the legend; a step per option does not.
    chart = alt.layer(bar, value).properties(height=alt.Step(34))
    st.altair_chart(chart, width="stretch")
    st.caption(
        f"{count(f.item.attempts, 'attempt')} drew this question. Shares of a question with "
        "several right answers can add up to more than 100%."
    )
