"""Daily practice scheduled by FSRS, read from the answers the app already keeps.

Every graded answer (quiz answers, refresher and daily-practice answers) is one FSRS review of
its question's card (training.practice). The cards are replayed from the `answer` table, the one
record of what a learner answered, so existing refresher history is FSRS history as it stands and
nobody loses their schedule. Refresher and practice answers are stored as ungraded attempts of
kind "refresher" with question ids "module:question" (store.learning.record_refresher).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlmodel import func, select

from store import config, learning, settings
from store.accounts import now_utc
from store.db import session_scope
from store.models import Answer, Attempt
from training import clock
from training.loader import LoadedModule
from training.practice import (
    DAILY_LIMIT,
    CardState,
    QuestionKey,
    Review,
    daily_selection,
    mean_retrievability,
    replay,
)


def reviews(*, user_id: int) -> list[Review]:
    """Return every graded answer of the person as FSRS reviews, in the order they were given."""
    with session_scope(write=False) as session:
        rows = session.exec(
            select(
                Attempt.module_id,
                Attempt.kind,
                Attempt.submitted_at,
                Answer.question_id,
                Answer.correct,
            )
            .join(Answer, Answer.attempt_id == Attempt.id)
            .where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
            .order_by(Attempt.submitted_at, Answer.id)
        ).all()
    out = []
    for module_id, kind, submitted_at, question_id, correct in rows:
        if kind == "refresher":
            module_id, _, question_id = question_id.partition(":")
        out.append(Review(module_id, question_id, submitted_at, bool(correct)))
    return out


# My training shows the due count on every rerun, and replaying reads every answer of the
# person. The cards only change when the person submits something or the retention changes, so
# each process keeps them keyed by a cheap stamp of the person's submitted attempts.
_CACHE: OrderedDict[tuple, dict[QuestionKey, CardState]] = OrderedDict()
_CACHE_SIZE = 10_000
_LOCK = threading.Lock()


def cards(*, user_id: int) -> dict[QuestionKey, CardState]:
    """Return the person's FSRS cards, replaying their answers only when they changed."""
    retention = settings.desired_retention()
    with session_scope(write=False) as session:
        stamp = session.exec(
            select(func.count(), func.max(Attempt.submitted_at)).where(
                Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)
            )
        ).one()
    key = (config.database_url(), retention, user_id, tuple(stamp))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = replay(reviews(user_id=user_id), retention)
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


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
