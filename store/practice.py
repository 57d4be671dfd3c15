"""Daily practice scheduled by FSRS: today's questions, days practised, memory strength.

Every graded answer (quiz answers, refresher and daily-practice answers) is one FSRS review of
its question's card (training.practice); store.fsrs_cards keeps the cards up to date as answers
are saved. Practice answers are stored as ungraded attempts of kind "refresher" with question ids
"module:question" (store.learning.record_refresher).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import select

from store import dashboard, fsrs_cards, learning, settings
from store import memory_strength as strength_sums
from store.accounts import now_utc
from store.db import session_scope
from store.models import Attempt, Team, User
from training import clock
from training.loader import LoadedModule
from training.practice import (
    DAILY_LIMIT,
    CardState,
    QuestionKey,
    daily_selection,
    mean_retrievability,
)


def cards(*, user_id: int) -> dict[QuestionKey, CardState]:
    """Return the person's FSRS cards as the database keeps them (store.fsrs_cards)."""
    with session_scope(write=False) as session:
        return fsrs_cards.load(session, user_id)


def _end_of(day: date) -> datetime:
    """Return the first moment after `day` in the organisation's time zone: due "today"."""
    return clock.start_of_day(day + timedelta(days=1), settings.time_zone())


def _in_content(key: QuestionKey, modules: Mapping[str, LoadedModule]) -> bool:
    module_id, question_id = key
    return module_id in modules and modules[module_id].module.question(question_id) is not None


def due_questions(
    *,
    user_id: int,
    modules: Mapping[str, LoadedModule],
    today: date | None = None,
    limit: int = DAILY_LIMIT,
) -> list[QuestionKey]:
    """Return today's practice: up to `limit` due questions still in the content, missed first."""
    live = [c for c in cards(user_id=user_id).values() if _in_content(c.key, modules)]
    return daily_selection(live, _end_of(today or settings.today()), limit)


def due_count(
    *, user_id: int, modules: Mapping[str, LoadedModule], today: date | None = None
) -> int:
    """Return how many questions still in the content are due for practice today."""
    return len(due_questions(user_id=user_id, modules=modules, today=today, limit=10**9))


def record_answer(
    *, user_id: int, module_id: str, question_id: str, chosen: list[int], correct: bool
) -> int:
    """Record one daily-practice answer at once (a refresh loses nothing); return its attempt."""
    return learning.record_refresher(
        user_id=user_id, results=[(module_id, question_id, list(chosen), correct)]
    )


def days_practised(*, user_id: int, today: date | None = None) -> int:
    """Return on how many days of this month (organisation time) the person practised."""
    today = today or settings.today()
    zone = settings.time_zone()
    start = clock.start_of_day(today.replace(day=1), zone)
    with session_scope(write=False) as session:
        moments = session.exec(
            select(Attempt.submitted_at).where(
                Attempt.user_id == user_id,
                Attempt.kind == "refresher",
                Attempt.submitted_at >= start,
                Attempt.submitted_at < _end_of(today),
            )
        ).all()
    return len({clock.day_of(m, zone) for m in moments})


def memory_strength(
    *, user_id: int, modules: Mapping[str, LoadedModule], now: datetime | None = None
) -> dict[str, float]:
    """Return the mean FSRS retrievability (0 to 1) of the person's cards per need (competency)."""
    now = now or now_utc()
    by_need: dict[str, list[CardState]] = {}
    for card in cards(user_id=user_id).values():
        if _in_content(card.key, modules):
            need = str(modules[card.module_id].module.competency)
            by_need.setdefault(need, []).append(card)
    retention = settings.desired_retention()
    return {
        need: mean_retrievability(group, now, retention) for need, group in sorted(by_need.items())
    }


@dataclass(frozen=True)
class Strength:
    """Mean FSRS retrievability (0 to 1) of a group's cards; None when it has no cards."""

    label: str
    team: str
    strength: float | None
    cards: int


def team_memory_strength(
    *,
    actor: User,
    modules: Mapping[str, LoadedModule],
    team_id: int | None = None,
    now: datetime | None = None,
) -> tuple[list[Strength], list[Strength]]:
    """Return memory strength per team and per person of the teams `actor` may see, at `now`
    (default: the start of the current hour, so one process's figures serve the hour).

    The cards are summed in SQL and kept per process until their people answer again
    (store.memory_strength). Raises dashboard.NotAllowed for a team the actor does not manage
    (store.permissions)."""
    scope = dashboard.resolve_scope(actor=actor, team_id=team_id)
    now = now or now_utc().replace(minute=0, second=0, microsecond=0)
    live = [
        (module_id, question.id)
        for module_id, loaded in modules.items()
        for question in loaded.module.quiz.questions
    ]
    with session_scope(write=False) as session:
        people = session.exec(
            select(User.id, User.name, Team.name)
            .join(Team, Team.id == User.team_id)
            .where(scope.condition())
            .order_by(Team.name, User.name)
        ).all()
        found = strength_sums.kept_sums(session, [p[0] for p in people], live, now)
    by_team: dict[str, list[float]] = {}
    persons = []
    for user_id, name, team in people:
        total, count = found.get(user_id, (0.0, 0))
        group = by_team.setdefault(team, [0.0, 0])
        group[0] += total
        group[1] += count
        persons.append(Strength(name, team, total / count if count else None, count))
    teams = [
        Strength(team, team, total / count if count else None, count)
        for team, (total, count) in by_team.items()
    ]
    return teams, persons


def people_memory_strength(
    *, user_ids: list[int], modules: Mapping[str, LoadedModule], now: datetime | None = None
) -> dict[int, float | None]:
    """Return each person's mean retrievability over all their cards still in the content."""
    now = now or now_utc()
    retention = settings.desired_retention()
    out: dict[int, float | None] = {}
    for user_id in user_ids:
        live = [c for c in cards(user_id=user_id).values() if _in_content(c.key, modules)]
        out[user_id] = mean_retrievability(live, now, retention)
    return out
