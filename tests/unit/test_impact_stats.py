"""training/impact.py checked against values computed another way on fixed data."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from scipy import stats

from training import impact
from training.impact import TeamChange

X = [0.2, 0.35, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.85, 0.9]
Y = [3.6, 3.9, 3.7, 4.0, 4.1, 3.95, 4.2, 4.3, 4.15, 4.5]


def test_correlation_matches_numpy_and_a_hand_computed_fisher_interval():
    c = impact.correlation("completion", "csat", zip(X, Y, strict=True))
    r = np.corrcoef(X, Y)[0, 1]
    z, se = math.atanh(r), 1 / math.sqrt(len(X) - 3)
    q = stats.norm.ppf(0.975)
    assert c.n == 10
    assert math.isclose(c.r, r, rel_tol=1e-12)
    assert math.isclose(c.low, math.tanh(z - q * se), rel_tol=1e-9)
    assert math.isclose(c.high, math.tanh(z + q * se), rel_tol=1e-9)
    # the same by hand: z = atanh(0.9176) = 1.5733, se = 1/sqrt(7) = 0.3780, z +- 0.7408
    assert round(c.r, 4) == 0.9176 and round(c.low, 3) == 0.682 and round(c.high, 3) == 0.981
    assert c.text() == "r = 0.92 (95% CI 0.68 to 0.98), 10 teams"


def test_correlation_under_the_threshold_says_not_enough_data():
    few = impact.correlation("completion", "nps", zip(X[:7], Y[:7], strict=True))
    assert not few.enough and few.n == 7
    assert few.text() == "not enough data (7 teams with both; at least 8 needed)"
    gaps = impact.correlation("knowledge", "csat", [(1, None), (None, 2), *zip(X, Y, strict=True)])
    assert gaps.n == 10


def test_correlations_cover_every_training_and_customer_measure():
    per_team = {i: {"completion": x, "csat": y} for i, (x, y) in enumerate(zip(X, Y, strict=True))}
    table = impact.correlations(per_team)
    assert [(c.training, c.customer) for c in table] == [
        (t, c) for t in impact.TRAINING for c in impact.CUSTOMER
    ]
    assert sum(c.enough for c in table) == 1


TREATED = [TeamChange(1, 4.0, 4.3), TeamChange(2, 3.8, 4.2), TeamChange(3, 4.1, 4.25)]
CONTROL = [
    TeamChange(4, 4.0, 4.05),
    TeamChange(5, 3.9, 3.85),
    TeamChange(6, 4.2, 4.3),
    TeamChange(7, 4.1, 4.1),
    TeamChange(8, None, 4.0),  # no feedback before: not counted
]


def test_diff_in_diff_matches_a_hand_computed_welch_interval():
    d = impact.diff_in_diff("csat", TREATED, CONTROL)
    dt = np.array([0.3, 0.4, 0.15])
    dk = np.array([0.05, -0.05, 0.1, 0.0])
    est = dt.mean() - dk.mean()
    vt, vk = dt.var(ddof=1) / 3, dk.var(ddof=1) / 4
    se = math.sqrt(vt + vk)
    df = (vt + vk) ** 2 / (vt**2 / 2 + vk**2 / 3)
    q = stats.t.ppf(0.975, df)
    assert (d.treated, d.control) == (3, 4)
    assert math.isclose(d.estimate, est, rel_tol=1e-12)
    assert math.isclose(d.df, df, rel_tol=1e-9)
    assert math.isclose(d.low, est - q * se, rel_tol=1e-9)
    assert math.isclose(d.high, est + q * se, rel_tol=1e-9)
    assert round(d.estimate, 4) == 0.2583
    assert math.isclose(d.treated_before, (4.0 + 3.8 + 4.1) / 3)


def test_the_sentence_reads_as_in_the_issue_and_names_its_numbers():
    d = impact.DiffInDiff("csat", 4, 12, 0.21, 0.08, 0.34, 9.3, 4.02, 4.31, 4.05, 4.13)
    sentence = impact.did_sentence(d, module="Empathy", due=date(2026, 3, 1))
    assert sentence == (
        "Teams that completed Empathy by 1 Mar 2026: CSAT +0.21 (95% CI 0.08 to 0.34) "
        "relative to other teams in the next 8 weeks."
    )
    basis = impact.did_basis(d, impact.push_windows(date(2026, 3, 1)), left_out=2)
    assert "4 teams that completed it (CSAT 4.02 before, 4.31 after)" in basis
    assert "12 teams not given it (4.05 before, 4.13 after)" in basis
    assert "Left out: 2 teams" in basis
    assert "not proof" in impact.ASSOCIATION_NOTE


def test_too_few_teams_give_no_comparison_and_say_so():
    d = impact.diff_in_diff("nps", TREATED[:2], CONTROL)
    assert not d.enough
    assert "not enough data for NPS" in impact.did_sentence(
        d, module="Empathy", due=date(2026, 3, 1)
    )


def test_push_windows_leave_out_the_due_week():
    w = impact.push_windows(date(2026, 3, 4), weeks=8)  # a Wednesday
    assert w.before_end == date(2026, 3, 1) and w.after_start == date(2026, 3, 9)
    assert (w.before_end - w.before_start).days == 55 and w.after_start.weekday() == 0
