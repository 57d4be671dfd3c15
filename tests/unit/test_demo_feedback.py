"""The demo's feedback generator: responding teams rise after training, the others do not."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pandas as pd

from training import demo_feedback as gen
from ui import charts

DONE = date(2026, 3, 2)


def _team(responds: bool, team_id: int = 1) -> gen.DemoTeam:
    return gen.DemoTeam(team_id, f"T{team_id}", 20, (DONE,), responds)


def test_a_responding_team_steps_up_after_the_lag_and_a_quiet_one_stays():
    up, flat = _team(True), _team(False)
    assert gen.level(up, 3.8, DONE + gen.LAG) == 3.8
    later = DONE + gen.LAG + timedelta(days=gen.RAMP + 1)
    assert gen.level(up, 3.8, later) == 3.8 + gen.STEP
    assert gen.level(flat, 3.8, later) == 3.8


def test_daily_rows_show_the_effect_through_the_noise():
    teams = [_team(True, 1), _team(False, 2)]
    rows = gen.daily_rows(teams, start=DONE - timedelta(days=60), end=DONE + timedelta(days=90),
                          seed=4)  # fmt: skip
    assert len(rows) == 2 * 151

    def mean(team_id, after):
        cut = DONE + gen.LAG + timedelta(days=gen.RAMP)
        return statistics.mean(
            r["csat_mean"] for r in rows
            if r["team_id"] == team_id and (r["date"] > cut if after else r["date"] < DONE)
        )  # fmt: skip

    assert mean(1, True) - mean(1, False) > gen.STEP / 2
    assert abs(mean(2, True) - mean(2, False)) < gen.STEP / 2
    for r in rows:
        assert 1 <= r["csat_mean"] <= 5
        assert r["nps_promoters"] + r["nps_passives"] + r["nps_detractors"] == r["responses"]


def test_the_impact_panel_is_valid_vega_lite_with_a_fixed_range():
    frame = pd.DataFrame(
        [{"week": date(2026, 3, 2), "value": 4.1, "shown": "4.10", "group": "Spa", "n": 40}]
    )
    spec = charts.impact_panel(frame, title="CSAT", start="2026-01-01", end="2026-06-30")
    encoded = spec.to_dict(validate=True)["encoding"]
    assert encoded["x"]["scale"]["domain"] == ["2026-01-01", "2026-06-30"]
    assert encoded["color"]["scale"]["range"] == [charts.ORG_COLOUR, charts.TEAM_COLOUR]
