"""Refresher: spaced review of the questions a learner missed.

Pure functions over a learner's answer history (`ReviewEvent`s, from quizzes and from earlier
refresher reviews). The schedule, per (module id, question id):

1. A question enters the schedule when it is answered wrong in a quiz (unanswered counts as
   wrong). It is then at step 0 and due ``INTERVALS[0]`` = 1 day after the miss.
2. Each refresher review of it moves it one step along ``INTERVALS`` = (1, 3, 7, 21) days, right
   or wrong: it is next due that many days after the review (after step 3, every 21 days).
   So a missed question comes back after 1, then 3, 7 and 21 days.
3. It is retired (leaves the schedule) once answered right in ``RETIRE_AFTER`` = 2 refresher
   reviews in a row. A wrong refresher answer resets that count to zero.
4. A new wrong answer in a quiz while it is scheduled restarts it: step 0, count zero, due 1 day
   later. A right answer in a quiz neither advances nor retires it (only refresher reviews do);
   a right quiz answer to a question that is not scheduled changes nothing.
5. A retired question that is missed again in a quiz enters the schedule afresh.

Why a wrong refresher answer does not send the question back to 1 day: with "two right in a row
retires" and "a wrong answer restarts at step 0", a question could never get past the 3-day
step, so the 7- and 21-day reviews the learner asked for would never happen.

Events are applied in date order; events on the same day keep the order they are given in (pass
them in the order they happened). The refresher itself is ungraded: record each answer as a
``ReviewEvent(source="refresher")``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from training.models import Module
from training.quiz import TRUE_FALSE_ORDER, DrawnQuestion, Grade

INTERVALS: tuple[int, ...] = (1, 3, 7, 21)
RETIRE_AFTER = 2

Source = Literal["quiz", "refresher"]
QuestionKey = tuple[str, str]


@dataclass(frozen=True)
class ReviewEvent:
    """One answer to one question, from a quiz attempt or a refresher review."""

    module_id: str
    question_id: str
    answered_on: date
    correct: bool
    source: Source


@dataclass(frozen=True)
class ScheduleEntry:
    """Where a scheduled question stands: its step, right-in-a-row count and due date."""

    module_id: str
    question_id: str
    step: int
    streak: int
    due_on: date


@dataclass(frozen=True)
class RefresherQuestion:
    """One question of a refresher review: the module it comes from and its option order."""

    module_id: str
    question_id: str
    option_order: list[int]

    @property
    def drawn(self) -> DrawnQuestion:
        """Return it as a DrawnQuestion for the quiz helpers (ordered_options and so on)."""
        return DrawnQuestion(question_id=self.question_id, option_order=list(self.option_order))

    def to_json(self) -> dict[str, Any]:
        """Return a plain dict for JSON storage."""
        return {
            "module_id": self.module_id,
            "question_id": self.question_id,
            "option_order": list(self.option_order),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RefresherQuestion:
        """Rebuild a refresher question from `to_json` output, rejecting malformed data."""
        if not isinstance(data, Mapping) or not isinstance(data.get("module_id"), str):
            raise ValueError("a refresher question needs a string module_id")
        drawn = DrawnQuestion.from_json(data)
        return cls(data["module_id"], drawn.question_id, drawn.option_order)


def _interval(step: int) -> timedelta:
    return timedelta(days=INTERVALS[min(step, len(INTERVALS) - 1)])


def schedule(history: Iterable[ReviewEvent]) -> list[ScheduleEntry]:
    """Return every question currently in the schedule, soonest due first."""
    events = sorted(history, key=lambda e: e.answered_on)  # stable: same-day order is kept
    state: dict[QuestionKey, ScheduleEntry] = {}
    for event in events:
        if event.source not in ("quiz", "refresher"):
            raise ValueError(f"unknown review source {event.source!r}")
        key = (event.module_id, event.question_id)
        entry = state.get(key)
        if event.source == "quiz":
            if not event.correct:
                state[key] = ScheduleEntry(
                    *key, step=0, streak=0, due_on=event.answered_on + _interval(0)
                )
            continue
        if entry is None:
            continue  # a refresher answer to a question that is not scheduled
        streak = entry.streak + 1 if event.correct else 0
        if streak >= RETIRE_AFTER:
            del state[key]
            continue
        step = entry.step + 1
        state[key] = ScheduleEntry(
            *key, step=step, streak=streak, due_on=event.answered_on + _interval(step)
        )
    return sorted(state.values(), key=lambda e: (e.due_on, e.module_id, e.question_id))


def due_questions(history: Sequence[ReviewEvent], today: date) -> list[tuple[str, str]]:
    """Return (module_id, question_id) of each question due by today, most overdue first."""
    return [(e.module_id, e.question_id) for e in schedule(history) if e.due_on <= today]


def events_from_grade(module_id: str, grade: Grade, answered_on: date) -> list[ReviewEvent]:
    """Return one quiz ReviewEvent per graded question of a submitted attempt."""
    return [
        ReviewEvent(module_id, r.question_id, answered_on, r.correct, "quiz") for r in grade.results
    ]


def build_refresher(
    modules: Mapping[str, Module] | Iterable[Module],
    due: Sequence[tuple[str, str]],
    limit: int = 5,
    *,
    seed: int,
) -> list[RefresherQuestion]:
    """Draw a short review from the due questions: the first `limit` that still exist, shuffled.

    `due` is taken in its given order (most overdue first from `due_questions`); questions whose
    module or question is no longer in the content are skipped. Question order and option order
    are shuffled with random.Random(seed); true_false stays True then False.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    by_id = dict(modules) if isinstance(modules, Mapping) else {m.id: m for m in modules}
    rng = random.Random(seed)
    picked: list[RefresherQuestion] = []
    seen: set[QuestionKey] = set()
    for module_id, question_id in due:
        if len(picked) >= limit:
            break
        module = by_id.get(module_id)
        question = module.question(question_id) if module else None
        if question is None or (module_id, question_id) in seen:
            continue
        seen.add((module_id, question_id))
        if question.type == "true_false":
            order = list(TRUE_FALSE_ORDER)
        elif question.options:
            order = list(range(len(question.options)))
            rng.shuffle(order)
        else:
            continue  # malformed content; the loader reports it
        picked.append(RefresherQuestion(module_id, question_id, order))
    rng.shuffle(picked)
    return picked
