"""A person's progress on one module, and how one graded attempt changes it: the one rule.

`store.learning` keeps a progress row per person and module up to date on every submit, and
the demo history (`training.demo`) builds its rows the same way, both through `after_attempt`.
Certificate ids are not decided here: an id must be unique among those already issued, which
only the caller can check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ModuleProgress:
    """What is kept about one person on one module: scores, attempts and the latest pass."""

    best_score: float | None = None
    last_score: float | None = None
    attempt_count: int = 0
    last_attempt_at: datetime | None = None
    passed_at: datetime | None = None
    expires_at: datetime | None = None


def pass_expiry(passed_at: datetime, valid_for_days: int | None) -> datetime | None:
    """Return when a pass at passed_at expires (None: it never does)."""
    return passed_at + timedelta(days=valid_for_days) if valid_for_days else None


def after_attempt(
    previous: ModuleProgress,
    *,
    score: float,
    passed: bool,
    submitted_at: datetime,
    valid_for_days: int | None,
) -> ModuleProgress:
    """Return the progress after one more graded attempt, submitted at submitted_at.

    The best score is the highest ever; a pass (re)starts the validity period from its own
    moment; a failed attempt after a pass leaves the pass standing.
    """
    best = score if previous.best_score is None else max(previous.best_score, score)
    new = replace(
        previous,
        best_score=best,
        last_score=score,
        attempt_count=previous.attempt_count + 1,
        last_attempt_at=submitted_at,
    )
    if passed:
        new = replace(
            new, passed_at=submitted_at, expires_at=pass_expiry(submitted_at, valid_for_days)
        )
    return new
