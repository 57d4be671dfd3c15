"""Scores as people see them: one rounding rule and one way to write a percentage.

A score is kept exact (for example 37.5 or 66.666...) and rounded only to be shown: to one
decimal, halves rounded up, and a whole number written without ".0" ("38%", "37.5%", "66.7%").
Every page, the certificate PDF, the dashboards and the CSV export use these two functions, so
the same score never reads differently in two places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def score_value(pct: float) -> float:
    """Return a percentage rounded for display: one decimal, halves up (62.25 -> 62.3)."""
    # Through the shortest decimal text of the float, so 62.25 rounds up as written rather than
    # by its binary value, and round() never rounds a half to even.
    return float(Decimal(repr(float(pct))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def format_score(pct: float | None, *, missing: str = "–") -> str:
    """Return a percentage for display, such as "38%" or "37.5%" (missing when None)."""
    if pct is None:
        return missing
    value = score_value(pct)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"
