"""Synthetic customer feedback for the demo: a year of daily rows per team.

Pure: the caller says, per team, on which days the team completed a module (80% of its people
passed it) and whether the team "responds" to training. A responding team's service level steps
up by STEP a LAG after each completion (reaching it over RAMP days, at most MAX_RISE in all); a
team that does not respond stays at its own level. Around that level every day has noise: the
day's CSAT mean, NPS answers, complaints and compliments are drawn from it. So the impact view
shows a real effect (responding teams) beside a null (the others).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

STEP = 0.3  # CSAT points per completed module, for a responding team
MAX_RISE = 0.8
LAG = timedelta(days=7)
RAMP = 14  # days from the lag to the full step
CHANNELS = ("survey",)


@dataclass(frozen=True)
class DemoTeam:
    """A team of the demo and what its feedback responds to."""

    team_id: int
    name: str
    size: int
    completions: tuple[date, ...]
    responds: bool


def level(team: DemoTeam, base: float, day: date) -> float:
    """Return the team's underlying CSAT level on day (before the day's noise)."""
    if not team.responds:
        return base
    rise = 0.0
    for done in team.completions:
        days = (day - (done + LAG)).days
        if days > 0:
            rise += STEP * min(1.0, days / RAMP)
    return base + min(rise, MAX_RISE)


def daily_rows(teams: Sequence[DemoTeam], *, start: date, end: date, seed: int) -> list[dict]:
    """Return one aggregated feedback row per team and day in [start, end]."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in teams:
        base = float(np.clip(rng.normal(3.75, 0.15), 3.2, 4.3))
        volume = max(3.0, team.size * 0.9)
        day = start
        while day <= end:
            lv = level(team, base, day)
            n = int(max(1, rng.poisson(volume * (0.7 if day.weekday() >= 5 else 1.0))))
            csat = float(np.clip(rng.normal(lv, 0.5 / np.sqrt(n) + 0.05), 1.0, 5.0))
            good = (lv - 3.0) / 2.0  # 0 at CSAT 3, 1 at CSAT 5
            p_prom = float(np.clip(0.10 + 0.55 * good, 0.02, 0.9))
            p_det = float(np.clip(0.40 - 0.45 * good, 0.02, 0.9))
            promoters, passives, detractors = rng.multinomial(
                n, [p_prom, 1 - p_prom - p_det, p_det]
            )
            complaints = int(rng.binomial(n, float(np.clip(0.16 - 0.12 * good, 0.01, 0.5))))
            compliments = int(rng.binomial(n, float(np.clip(0.03 + 0.08 * good, 0.01, 0.5))))
            rows.append(
                {
                    "date": day,
                    "team_id": team.team_id,
                    "team": team.name,
                    "channel": CHANNELS[0],
                    "responses": n,
                    "csat_mean": round(csat, 2),
                    "nps_promoters": int(promoters),
                    "nps_passives": int(passives),
                    "nps_detractors": int(detractors),
                    "complaints": complaints,
                    "compliments": compliments,
                }
            )
            day += timedelta(days=1)
    return rows
