"""Altair chart builders for the dashboards: labelled axes, tooltips, colour-blind-safe colours.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common colour
vision deficiencies; no chart relies on colour alone (tooltips everywhere, shapes on the profile).
Builders take plain pandas DataFrames and return charts; they never query anything. Every
encoding names its type, so a chart's spec does not depend on its data: `show` builds each spec
once per process (`template`) and hands Streamlit the data beside it, because building and
validating Altair charts on every run would cost more than everything else on the page. The
tests validate every builder's output against the Vega-Lite schema instead.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from training.status import Status

# Okabe-Ito, one distinct colour per status, most urgent first. Seven of its eight colours go
# to the statuses (black would hide the cell borders); "not assigned" is the empty cell, a pale
# grey with an outline in the legend, so no two statuses share a hue.
STATUS_COLOURS: dict[Status, str] = {
    Status.OVERDUE: "#D55E00",  # vermillion
    Status.DUE_AGAIN: "#E69F00",  # orange
    Status.FAILED: "#CC79A7",  # reddish purple
    Status.IN_PROGRESS: "#0072B2",  # blue
    Status.NOT_STARTED: "#56B4E9",  # sky blue
    Status.EXPIRING: "#F0E442",  # yellow
    Status.PASSED: "#009E73",  # bluish green
}
NOT_ASSIGNED = "Not assigned"  # heatmap only: not started on a module nobody asked for
NOT_ASSIGNED_COLOUR = "#EEEEEE"
STATUS_DOMAIN = [*(s.label for s in STATUS_COLOURS), NOT_ASSIGNED]
STATUS_RANGE = [*STATUS_COLOURS.values(), NOT_ASSIGNED_COLOUR]
PERSON_PICK = "person_pick"  # the heatmap's click selection: one person's row
TEAM_COLOUR = "#0072B2"
ORG_COLOUR = "#E69F00"
PASS_COLOUR = "#009E73"
SCORE_COLOUR = "#0072B2"
SEQUENTIAL = "viridis"  # perceptually even and colour-blind safe

ROW_HEIGHT = 22  # pixels per row of a heatmap


def _names(field: str, **sort: Any) -> alt.Y:
    """Return a y axis of names (modules, teams, people, needs): no title, room for long ones."""
    return alt.Y(field, title=None, axis=alt.Axis(labelLimit=180), **sort)


def _status_scale(with_not_assigned: bool = False) -> alt.Scale:
    n = len(STATUS_DOMAIN) if with_not_assigned else len(STATUS_DOMAIN) - 1
    return alt.Scale(domain=STATUS_DOMAIN[:n], range=STATUS_RANGE[:n])


def _status_legend(columns: int) -> alt.Legend:
    # The legend starts under the plot, right of the axis labels. Two columns fit where the
    # labels are people's names (the heatmap); under the module bars, whose labels take 180 px,
    # only one does: two ran out of a half-width chart and a phone ("Due ag", "In p").
    return alt.Legend(
        title="Status",
        orient="bottom",
        columns=columns,
        columnPadding=12,
        labelLimit=140,
        symbolType="square",
        symbolStrokeColor="#999999",  # so the pale "not assigned" square shows
        symbolStrokeWidth=0.5,
    )


def module_status_bars(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars: for each module, the share of assigned people in each status.

    frame columns: module (title), status (label), people, order (status rank), completion (0-1).
    """
    return (
        alt.Chart(frame, title="Assigned training by module")
        .mark_bar()
        .encode(
            y=_names("module:N", sort=alt.EncodingSortField("completion", order="ascending")),
            x=alt.X(
                "sum(people):Q",
                stack="normalize",
                title="Share of people assigned",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("status:N", scale=_status_scale(), legend=_status_legend(1)),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("module:N", title="Module"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("people:Q", title="People"),
                alt.Tooltip("completion:Q", title="Completed", format=".0%"),
            ],
        )
        .properties(height=alt.Step(24))
    )


def _module_axis(**options) -> alt.Axis:
    """The module names over a heatmap's columns, upright.

    On a phone a column is about 15 px wide: at 10 px every name of the curriculum fits (at the
    default 11 px, Vega hid every other one). With many more modules "greedy" still drops the
    names that would run into each other rather than print them on top of one another.
    """
    return alt.Axis(
        orient="top", labelAngle=-90, labelFontSize=10, labelOverlap="greedy", **options
    )


def status_heatmap(frame: pd.DataFrame) -> alt.Chart:
    """Person x module grid coloured by status (NOT_ASSIGNED for untouched, unassigned cells).

    frame columns: user_id, person, module (title), status (label), assigned ("yes"/"no"),
    due, best (text), attempts. A click on a cell selects that person (PERSON_PICK, by user_id):
    draw it with on_select="rerun" to open them.
    """
    pick = alt.selection_point(name=PERSON_PICK, fields=["user_id"], on="click", clear="dblclick")
    return (
        alt.Chart(frame, title="Status by person and module")
        .mark_rect(stroke="white", strokeWidth=1, cursor="pointer")
        .encode(
            x=alt.X(
                "module:N",
                title=None,
                axis=_module_axis(labelLimit=220),
            ),
            y=_names("person:N"),
            color=alt.Color(
                "status:N",
                scale=_status_scale(with_not_assigned=True),
                legend=_status_legend(2),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
            tooltip=[
                alt.Tooltip("person:N", title="Person"),
                alt.Tooltip("module:N", title="Module"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("assigned:N", title="Assigned"),
                alt.Tooltip("due:N", title="Due"),
                alt.Tooltip("best:N", title="Best score"),
                alt.Tooltip("attempts:Q", title="Attempts"),
            ],
        )
        .add_params(pick)
        .properties(height=alt.Step(ROW_HEIGHT))
    )


def team_completion_heatmap(frame: pd.DataFrame) -> alt.Chart:
    """Team x module grid coloured by the completed share of assigned people.

    frame columns: team, rank (row order), module (title), completion (0-1), completed,
    assigned, overdue.
    """
    return (
        alt.Chart(frame, title="Completion by team and module")
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "module:N",
                title=None,
                axis=_module_axis(labelLimit=150),
            ),
            y=_names("team:N", sort=alt.EncodingSortField("rank", op="min")),
            color=alt.Color(
                "completion:Q",
                title="Completed",
                scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1]),
                legend=alt.Legend(format="%", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("module:N", title="Module"),
                alt.Tooltip("completion:Q", title="Completed", format=".0%"),
                alt.Tooltip("completed:Q", title="People done"),
                alt.Tooltip("assigned:Q", title="People assigned"),
                alt.Tooltip("people_overdue:Q", title="Overdue"),
            ],
        )
        .properties(height=alt.Step(ROW_HEIGHT))
    )


def score_histogram(frame: pd.DataFrame) -> alt.Chart:
    """Bars: how many best scores fall in each ten-point band.

    frame columns: band (label such as "80-89"), low (for order), count.
    """
    return (
        alt.Chart(frame, title="Best scores")
        .mark_bar(color=SCORE_COLOUR)
        .encode(
            x=alt.X(
                "band:O",
                title="Best score (%)",
                sort=alt.EncodingSortField("low", order="ascending"),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("count:Q", title="People and modules"),
            tooltip=[
                alt.Tooltip("band:O", title="Score band"),
                alt.Tooltip("count:Q", title="People and modules"),
            ],
        )
        .properties(height=260)
    )


def weekly_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Passes per week as bars, with the week's average score as a line on its own axis.

    frame columns: week (date), attempts, passes, average (score or None).
    """
    base = alt.Chart(frame).encode(
        x=alt.X("week:T", title="Week starting", axis=alt.Axis(format="%-d %b", labelAngle=0))
    )
    tooltip = [
        alt.Tooltip("week:T", title="Week starting", format="%-d %b %Y"),  # as format_date
        alt.Tooltip("passes:Q", title="Passes"),
        alt.Tooltip("attempts:Q", title="Attempts"),
        alt.Tooltip("average:Q", title="Average score", format=".1~f"),
    ]
    bars = base.mark_bar(color=PASS_COLOUR, opacity=0.8).encode(
        y=alt.Y("passes:Q", title="Passes", axis=alt.Axis(titleColor=PASS_COLOUR)),
        tooltip=tooltip,
    )
    # The points repeat the line: out of the accessibility tree (axe svg-img-alt: Vega leaves
    # their container unlabelled), the line and the bars carry the data.
    points = alt.OverlayMarkDef(filled=True, aria=False)
    line = base.mark_line(color=SCORE_COLOUR, point=points, strokeDash=[4, 2]).encode(
        y=alt.Y(
            "average:Q",
            title="Average score (%)",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(titleColor=SCORE_COLOUR),
        ),
        tooltip=tooltip,
    )
    return (
        alt.layer(bars, line, title="Completions over time")
        .resolve_scale(y="independent")
        .properties(height=260)
    )


def competency_profile(
    frame: pd.DataFrame, *, team_label: str | None = None, score_floor: int = 0
) -> alt.Chart:
    """Dot plot: average best score per competency, the view against the organisation.

    frame columns: competency (label), group (team_label or "Organisation"), score. Without a
    team_label only the organisation is drawn. The axis starts at score_floor, a little below
    the lowest score, so differences are visible.
    """
    groups = [team_label, "Organisation"] if team_label else ["Organisation"]
    colours = [TEAM_COLOUR, ORG_COLOUR] if team_label else [ORG_COLOUR]
    shapes = ["circle", "diamond"] if team_label else ["diamond"]
    return (
        alt.Chart(frame, title="Competency profile")
        .mark_point(filled=True, size=110)
        .encode(
            y=_names("competency:N"),
            x=alt.X(
                "score:Q",
                title="Average best score (%)",
                scale=alt.Scale(domain=[score_floor, 100]),
            ),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=groups, range=colours),
                legend=alt.Legend(orient="bottom"),
            ),
            shape=alt.Shape(
                "group:N",
                scale=alt.Scale(domain=groups, range=shapes),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("competency:N", title="Competency"),
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("score:Q", title="Average best score", format=".1~f"),
            ],
        )
        .properties(height=alt.Step(26))
    )


KNOWS = "Knows (quiz)"
DOES = "Does (observed)"


def knows_does(frame: pd.DataFrame) -> alt.Chart:
    """Dot plot per need: knows (average best quiz score) against does (share observed).

    frame columns: need (label), measure (KNOWS or DOES), value (0-100), n (observations
    behind a does value). A need not observed yet has no does point; the table beside says so.
    Blue circles and vermillion diamonds: told apart by shape as well as colour.
    """
    return (
        alt.Chart(frame, title="Knows and does")
        .mark_point(filled=True, size=120)
        .encode(
            y=_names("need:N"),
            x=alt.X("value:Q", title="Percent", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=[KNOWS, DOES], range=[TEAM_COLOUR, STATUS_COLOURS[Status.OVERDUE]]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            shape=alt.Shape(
                "measure:N",
                scale=alt.Scale(domain=[KNOWS, DOES], range=["circle", "diamond"]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("need:N", title="Need"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Percent", format=".0f"),
                alt.Tooltip("n:Q", title="Observations"),
            ],
        )
        .properties(height=alt.Step(26))
    )


def impact_panel(
    frame: pd.DataFrame, *, title: str = "", start: str = "", end: str = ""
) -> alt.Chart:
    """Weekly lines of one measure over a fixed date range (start, end ISO), for stacking.

    title names the measure in tooltips; the page writes it above the panel.

    frame columns: week (date), value, shown (text), group (the combined line's label or a
    team's name), n. Every panel of a page gets the same range and a y axis of fixed width, so
    stacked panels line up week for week. The combined line is orange with diamonds, a team
    blue with circles, so colour is never the only cue.
    """
    domain = [start, end] if start and end else alt.Undefined
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(filled=True, aria=False), strokeWidth=2)
        .encode(
            x=alt.X(
                "week:T",
                title=None,
                scale=alt.Scale(domain=domain),
                axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap="greedy", tickCount=6),
            ),
            y=alt.Y(
                "value:Q",
                title=None,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(minExtent=48, maxExtent=48, tickCount=4),
            ),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(range=[ORG_COLOUR, TEAM_COLOUR]),
                sort="descending",
                legend=None,  # the page names the two lines once, above the panels
            ),
            shape=alt.Shape(
                "group:N",
                scale=alt.Scale(range=["diamond", "circle"]),
                sort="descending",
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("week:T", title="Week starting", format="%-d %b %Y"),
                alt.Tooltip("group:N", title="Who"),
                alt.Tooltip("shown:N", title=title or "Value"),
                alt.Tooltip("n:Q", title="Based on", format=",.0f"),
            ],
        )
        .properties(height=150)
    )


BUILDERS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "module_status_bars": module_status_bars,
    "status_heatmap": status_heatmap,
    "team_completion_heatmap": team_completion_heatmap,
    "score_histogram": score_histogram,
    "weekly_chart": weekly_chart,
    "competency_profile": competency_profile,
    "knows_does": knows_does,
}


@functools.lru_cache(maxsize=64)
def template(kind: str, options: tuple = ()) -> dict:
    """Return the Vega-Lite spec of a BUILDERS[kind] chart without its data (built once)."""
    chart = BUILDERS[kind](pd.DataFrame(), **dict(options))
    spec = chart.to_dict(validate=False)
    spec.pop("datasets", None)
    spec.pop("data", None)
    return spec


def show(kind: str, frame: pd.DataFrame, *, key: str | None = None, **options):
    """Draw a BUILDERS[kind] chart of frame, full width.

    With a key, a chart that has a selection reruns the page on a click and returns its state.
    """
    spec = copy.deepcopy(template(kind, tuple(sorted(options.items()))))
    if key is None:
        return st.vega_lite_chart(frame, spec, width="stretch")
    return st.vega_lite_chart(frame, spec, width="stretch", key=key, on_select="rerun")
