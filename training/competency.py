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
