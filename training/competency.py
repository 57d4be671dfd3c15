"""A learner's competency profile: how they stand on each of the eight customer needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from training.models import CUSTOMER_NEEDS
from training.scores import score_value


class ModuleStanding(Protocol):
    """What the profile reads of a person's progress on one module (a store progress row)."""

    best_score: float | None
    passed_at: datetime | None


@dataclass(frozen=True)
class NeedScore:
    """One customer need: the mean best score over its modules (0 for untried) and passes."""

    competency: str
    best_score: float
    passed: int
    modules: int


def personal_profile(
    competency_of: Mapping[str, str], progress: Mapping[str, ModuleStanding]
) -> list[NeedScore]:
    """Return one NeedScore per customer need, in order, from module id -> competency and the
    person's progress by module id."""
    profile = []
    for need in CUSTOMER_NEEDS:
        ids = [mid for mid, competency in competency_of.items() if competency == need]
        scores = [progress[mid].best_score or 0 for mid in ids if mid in progress]
        passed = sum(1 for mid in ids if mid in progress and progress[mid].passed_at)
        mean = score_value(sum(scores) / len(ids)) if ids else 0.0
        profile.append(NeedScore(competency=need, best_score=mean, passed=passed, modules=len(ids)))
    return profile


def knows(
    competency_of: Mapping[str, str], progress: Mapping[str, ModuleStanding]
) -> dict[str, float | None]:
    """Return what a person knows of each customer need: the mean best score over the need's
    modules they have a score on, or None when they have none (not tried yet, never 0).

    The same rule as a team's "knows" (store.dashboard.competency_profile averages the scores
    people have), so a person and their team are compared like with like."""
    scores: dict[str, list[float]] = {need: [] for need in CUSTOMER_NEEDS}
    for module_id, standing in progress.items():
        need = competency_of.get(module_id)
        if need in scores and standing.best_score is not None:
            scores[need].append(standing.best_score)
    return {
        need: score_value(sum(values) / len(values)) if values else None
        for need, values in scores.items()
    }
