"""Practice scheduled by FSRS: every question a learner has answered is a card.

Pure functions over a learner's answer history (`Review`s, from quizzes, the refresher and daily
practice, in the order they happened). Each answer is one FSRS review of its question's card:
wrong is ``Rating.Again``, right is ``Rating.Good`` (the learner answers; nobody rates their own
memory). Replaying the history through the `fsrs` scheduler (py-fsrs, fuzzing off so the same
history always gives the same schedule; no minute-long learning steps, since practice is daily)
gives each card's state and due time.

The daily selection takes up to ``DAILY_LIMIT`` due cards across all modules: missed ones (last
answer wrong) first, then the most overdue, ties by module and question id.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from training.models import Module
from training.quiz import TRUE_FALSE_ORDER, DrawnQuestion

DAILY_LIMIT = 5
DEFAULT_RETENTION = 0.9
RETENTION_RANGE = (0.7, 0.97)

QuestionKey = tuple[str, str]


@dataclass(frozen=True)
class Review:
    """One answer to one question at one moment (timezone-aware), right or wrong."""

    module_id: str
    question_id: str
    at: datetime
    correct: bool


@dataclass(frozen=True)
class CardState:
    """Where one question's card stands after its history: the FSRS card and the last answer."""

    module_id: str
    question_id: str
    card: Card
    last_correct: bool
    reviews: int

    @property
    def key(self) -> QuestionKey:
        return (self.module_id, self.question_id)


def scheduler(desired_retention: float = DEFAULT_RETENTION) -> Scheduler:
    """Return the app's FSRS scheduler: default parameters, no fuzzing, the given retention."""
    low, high = RETENTION_RANGE
    if not low <= desired_retention <= high:
        raise ValueError(f"desired retention must be from {low} to {high}, got {desired_retention}")
    return Scheduler(
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def rating(correct: bool) -> Rating:
    """Return the FSRS rating of an answer: right is Good, wrong is Again."""
    return Rating.Good if correct else Rating.Again


def utc(moment: datetime) -> datetime:
    """Return the moment in UTC (a naive one is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def apply(
    sched: Scheduler, before: CardState | None, review: Review, card_id: int = 1
) -> CardState:
    """Return the card after one more answer (`before` is None for a question's first answer)."""
    card = before.card if before else Card(card_id=card_id)
    after, _log = sched.review_card(card, rating(review.correct), utc(review.at))
    count = before.reviews + 1 if before else 1
    return CardState(
        review.module_id, review.question_id, after, last_correct=review.correct, reviews=count
    )


def replay(
    history: Iterable[Review], desired_retention: float = DEFAULT_RETENTION
) -> dict[QuestionKey, CardState]:
    """Return every answered question's card after replaying its answers in time order."""
    return Replayer(desired_retention).replay(history)


class Replayer:
    """Replays histories through one FSRS scheduler, computing each distinct review step once.

    With fuzzing off, what `Scheduler.review_card` makes of a card (its new state, step,
    stability, difficulty and interval) depends only on the card's state, step, stability and
    difficulty, the rating and the whole days since its last review; the due time is the review
    time plus that interval. So a step already taken (by anyone's card) is reused instead of
    recomputed. A new step of this app's scheduler (no learning or relearning steps: every card
    is in Review after its first answer) is computed with the scheduler's own formulas, the
    ones `review_card` calls in the same order, without the card copies and review log it also
    makes; any other scheduler or card state goes through `review_card` itself. The result is
    exactly fsrs's (tests/unit/test_practice.py holds it to `review_card` over random
    histories), several times faster over an organisation's history. At most `MEMO_STEPS`
    steps are kept.
    """

    MEMO_STEPS = 200_000

    def __init__(self, desired_retention: float = DEFAULT_RETENTION) -> None:
        self.sched = scheduler(desired_retention)
        self._steps: dict[tuple, tuple] = {}
        self._own_formulas = not (
            self.sched.learning_steps or self.sched.relearning_steps or self.sched.enable_fuzzing
        )

    def _step(self, key: tuple, last_review: datetime | None, at: datetime) -> tuple:
        state, step, stability, difficulty, correct, days = key
        sched, grade = self.sched, rating(correct)
        if self._own_formulas and state == State.Learning and step == 0 and stability is None:
            # review_card, a new card with no learning steps: initial values, then Review
            stability = sched._initial_stability(rating=grade)
            difficulty = sched._initial_difficulty(rating=grade, clamp=True)
        elif self._own_formulas and state == State.Review and step is None and days is not None:
            # review_card, a card in Review (no relearning steps: it stays in Review)
            if days < 1:
                stability = sched._short_term_stability(stability=stability, rating=grade)
            else:
                memory = SimpleNamespace(last_review=last_review, stability=stability)
                stability = sched._next_stability(
                    difficulty=difficulty,
                    stability=stability,
                    retrievability=sched.get_card_retrievability(memory, at),
                    rating=grade,
                )
            difficulty = sched._next_difficulty(difficulty=difficulty, rating=grade)
        else:
            card = Card(1, State(state), step, stability, difficulty, at, last_review)
            after, _log = sched.review_card(card, grade, at)
            outcome = (int(after.state), after.step, after.stability, after.difficulty)
            return self._remember(key, outcome, after.due - at)
        interval = timedelta(days=sched._next_interval(stability=stability))
        return self._remember(key, (int(State.Review), None, stability, difficulty), interval)

    def _remember(self, key: tuple, outcome: tuple, interval: timedelta) -> tuple:
        if len(self._steps) >= self.MEMO_STEPS:
            self._steps.clear()
        self._steps[key] = found = (outcome, interval)
        return found

    def replay(self, history: Iterable[Review]) -> dict[QuestionKey, CardState]:
        """Return every answered question's card after replaying its answers in time order."""
        timed = sorted(((utc(r.at), r) for r in history), key=lambda t: t[0])  # stable
        cards = self.fields(((r.module_id, r.question_id), at, r.correct) for at, r in timed)
        return {
            key: CardState(
                key[0],
                key[1],
                Card(number, State(fields[0]), fields[1], fields[2], fields[3], due, last),
                last_correct=correct,
                reviews=count,
            )
            for number, (key, (fields, last, due, correct, count)) in enumerate(cards.items(), 1)
        }

    def fields(self, answers: Iterable[tuple[QuestionKey, datetime, bool]]) -> dict:
        """Replay (card key, UTC time, right) answers given in time order; return per card, in
        order of first answer, [(state, step, stability, difficulty), last review, due, last
        answer right, reviews] (`replay` without the Card objects, for bulk writers)."""
        cards: dict[QuestionKey, list] = {}
        steps, new = self._steps, (int(State.Learning), 0, None, None)
        for key, at, correct in answers:
            card = cards.get(key)
            if card is None:
                card = cards[key] = [new, None, None, False, 0]
                step_key = (*new, correct, None)
            else:
                step_key = (*card[0], correct, (at - card[1]).days)
            found = steps.get(step_key) or self._step(step_key, card[1], at)
            card[0], card[1], card[2] = found[0], at, at + found[1]
            card[3], card[4] = correct, card[4] + 1
        return cards


def due_cards(cards: Iterable[CardState], now: datetime) -> list[CardState]:
    """Return the cards due at `now`: missed ones first, then the most overdue, then by id."""
    now = utc(now)
    due = [c for c in cards if utc(c.card.due) <= now]
    return sorted(due, key=lambda c: (c.last_correct, utc(c.card.due), c.module_id, c.question_id))


def daily_selection(
    cards: Iterable[CardState], now: datetime, limit: int = DAILY_LIMIT
) -> list[QuestionKey]:
    """Return today's practice: up to `limit` due questions in the order `due_cards` gives."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return [c.key for c in due_cards(cards, now)[:limit]]


def retrievability(
    card: CardState, now: datetime, desired_retention: float = DEFAULT_RETENTION
) -> float:
    """Return the chance (0 to 1) that the learner recalls this card's answer at `now`."""
    return scheduler(desired_retention).get_card_retrievability(card.card, utc(now))


def mean_retrievability(
    cards: Iterable[CardState], now: datetime, desired_retention: float = DEFAULT_RETENTION
) -> float | None:
    """Return the mean retrievability of the cards at `now` (None when there are none)."""
    sched = scheduler(desired_retention)
    values = [sched.get_card_retrievability(c.card, utc(now)) for c in cards]
    return sum(values) / len(values) if values else None


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


def build_refresher(
    modules: Mapping[str, Module] | Iterable[Module],
    due: Sequence[QuestionKey],
    limit: int = 5,
    *,
    seed: int,
) -> list[RefresherQuestion]:
    """Draw a short review from the due questions: the first `limit` that still exist, shuffled.

    `due` is taken in its given order (in the order `daily_selection` gives); questions whose
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
