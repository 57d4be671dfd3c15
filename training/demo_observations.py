"""Demo observations whose behaviour follows quiz knowledge, with a lag and noise.

Pure: people, their passes and the checklists go in, planned observations come out; the writer
is `store.demo_observations`. The story the charts should tell:

* Before someone passes a need's module, its behaviours are seen consistently now and then
  (`BEFORE`); from `lag` days after the pass (each person's own, 10 to 60 days) the chance
  climbs over `RAMP_DAYS` days towards what that person carries over to the floor.
* Most people carry most of it over; about one in seven (`KNOW_NOT_DO`) knows but does not
  do, so "did not transfer" has names in it.
* About `PER_PERSON_YEAR` observations per person and year (30,000 at 5,000 staff), spread
  over the year, each by a manager of the person's team, mostly acknowledged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from training.checklists import LoadedChecklist, Rating

PER_PERSON_YEAR = 6
BEFORE = 0.3
RAMP_DAYS = 60
KNOW_NOT_DO = 0.15
NOT_APPLICABLE = 0.08
NOTES = (
    "Warm greeting every time; next, say how long the wait will be.",
    "Great use of names. Try naming the customer's worry before the fix.",
    "Calm with a difficult caller. Next: give a time for the callback.",
    "Clear answers. Try checking at the end that nothing else is needed.",
    "Friendly and quick. Next time, keep side chat out of earshot.",
    "",
)


@dataclass(frozen=True)
class DemoPerson:
    """Someone to observe: their team and who observes them."""

    id: int
    team_id: int
    observer_id: int


@dataclass(frozen=True)
class PlannedObservation:
    """One observation to write: who, by whom, which checklist, when, every rating."""

    subject_id: int
    observer_id: int
    team_id: int
    checklist_id: str
    version: str
    submitted_at: datetime
    observed_on: date
    ratings: dict[str, str]
    note: str
    acknowledged_at: datetime | None


def _chance(passed: date | None, day: date, lag: int, carry: float) -> float:
    """Return the chance that a behaviour is seen consistently on day."""
    if passed is None or day < passed + timedelta(days=lag):
        return BEFORE
    ramp = min(1.0, (day - passed - timedelta(days=lag)).days / RAMP_DAYS)
    return BEFORE + (carry - BEFORE) * ramp


def plan_observations(
    *,
    people: Sequence[DemoPerson],
    passed: Mapping[tuple[int, str], date],
    checklists: Sequence[LoadedChecklist],
    start: date,
    end: date,
    seed: int,
) -> list[PlannedObservation]:
    """Return the observations of people from start to end (passed: first pass per need)."""
    if not people or not checklists or end < start:
        return []
    rng = random.Random(seed)
    span = (end - start).days + 1
    per_person = PER_PERSON_YEAR * span / 365
    plans: list[PlannedObservation] = []
    for person in people:
        carry = rng.uniform(0.3, 0.45) if rng.random() < KNOW_NOT_DO else rng.uniform(0.7, 0.95)
        lag = rng.randint(10, 60)
        count = int(per_person) + (rng.random() < per_person - int(per_person))
        for day in sorted(start + timedelta(days=rng.randrange(span)) for _ in range(count)):
            loaded = rng.choice(checklists)
            ratings: dict[str, str] = {}
            for item in loaded.checklist.items:
                if rng.random() < NOT_APPLICABLE:
                    ratings[item.id] = Rating.not_applicable.value
                    continue
                p = _chance(passed.get((person.id, str(item.need))), day, lag, carry)
                roll = rng.random()
                if roll < p:
                    value = Rating.consistently
                elif loaded.checklist.scale == "yes_no" or roll < p + (1 - p) * 0.55:
                    value = Rating.not_seen if loaded.checklist.scale == "yes_no" else Rating.partly
                else:
                    value = Rating.not_seen
                ratings[item.id] = value.value
            if all(v == Rating.not_applicable.value for v in ratings.values()):
                ratings[loaded.checklist.items[0].id] = Rating.partly.value
            moment = datetime.combine(day, time(rng.randint(8, 17), rng.randrange(60)), tzinfo=UTC)
            acknowledged = (
                moment + timedelta(hours=rng.randint(2, 72)) if rng.random() < 0.8 else None
            )
            plans.append(
                PlannedObservation(
                    subject_id=person.id,
                    observer_id=person.observer_id,
                    team_id=person.team_id,
                    checklist_id=loaded.checklist.id,
                    version=loaded.version,
                    submitted_at=moment,
                    observed_on=day,
                    ratings=ratings,
                    note=rng.choice(NOTES),
                    acknowledged_at=acknowledged,
                )
            )
    return plans
