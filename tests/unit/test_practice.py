"""FSRS practice: answers as cards (wrong Again, right Good), the daily selection, the draw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler, State

from training.models import Module
from training.practice import (
    DAILY_LIMIT,
    RefresherQuestion,
    Review,
    build_refresher,
    daily_selection,
    due_cards,
    mean_retrievability,
    rating,
    replay,
    scheduler,
)
from training.quiz import ordered_options

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
KEY = ("empathy", "emp-01")


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def review(days: float, correct: bool, qid: str = "emp-01", mid: str = "empathy") -> Review:
    return Review(mid, qid, at(days), correct)


def direct(answers: list[tuple[float, bool]], retention: float = 0.9) -> Card:
    """The card fsrs itself gives for the answers (same settings as the app)."""
    sched = Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = Card()
    for days, correct in answers:
        card, _ = sched.review_card(card, Rating.Good if correct else Rating.Again, at(days))
    return card


def test_wrong_is_again_and_right_is_good() -> None:
    assert rating(False) is Rating.Again and rating(True) is Rating.Good


def test_replay_gives_the_due_dates_fsrs_computes_directly() -> None:
    answers = [(0, False), (1, True), (4, True), (15, False), (16, True)]
    cards = replay([review(d, c) for d, c in answers])
    card = cards[KEY].card
    expected = direct(answers)
    assert card.due == expected.due and card.stability == expected.stability
    assert card.state is State.Review and cards[KEY].reviews == 5
    assert cards[KEY].last_correct is True


def test_replay_orders_by_time_whatever_order_it_is_given() -> None:
    history = [review(4, True), review(0, False), review(1, True)]
    assert replay(history)[KEY].card.due == direct([(0, False), (1, True), (4, True)]).due


def test_naive_times_are_taken_as_utc() -> None:
    naive = Review("empathy", "emp-01", at(0).replace(tzinfo=None), True)
    assert replay([naive])[KEY].card.due == direct([(0, True)]).due


def test_retention_changes_the_schedule_and_is_checked() -> None:
    answers = [(0, True), (3, True)]
    high = replay([review(d, c) for d, c in answers], 0.97)[KEY].card.due
    low = replay([review(d, c) for d, c in answers], 0.7)[KEY].card.due
    assert high == direct(answers, 0.97).due and low == direct(answers, 0.7).due
    assert high < low
    for bad in (0.5, 0.99):
        with pytest.raises(ValueError):
            scheduler(bad)


def test_daily_selection_takes_missed_first_then_most_overdue_with_a_fixed_clock() -> None:
    history = [
        review(0, True, "q1"),  # right, due at about day 2
        review(0, True, "q2", "other"),
        review(1, False, "q3"),  # wrong: due again a day later, missed
        review(0, True, "q4"),
        review(0, True, "q5"),
        review(0, True, "q6"),
        review(0, True, "q7"),
        review(30, True, "late"),  # not due yet
    ]
    cards = replay(history)
    now = at(31)
    picked = daily_selection(cards.values(), now)
    assert len(picked) == DAILY_LIMIT
    assert picked[0] == ("empathy", "q3")  # missed first
    assert picked[1:] == [
        ("empathy", "q1"),
        ("empathy", "q4"),
        ("empathy", "q5"),
        ("empathy", "q6"),
    ]
    assert picked == daily_selection(list(cards.values())[::-1], now)  # deterministic
    assert ("empathy", "late") not in {c.key for c in due_cards(cards.values(), now)}
    assert daily_selection(cards.values(), at(0.5)) == []  # nothing due yet
    with pytest.raises(ValueError):
        daily_selection(cards.values(), now, limit=0)


def test_most_overdue_comes_first_among_right_answers() -> None:
    cards = replay([review(5, True, "newer"), review(0, True, "older")])
    assert daily_selection(cards.values(), at(40)) == [("empathy", "older"), ("empathy", "newer")]


def test_mean_retrievability_falls_with_time() -> None:
    cards = replay([review(0, True), review(0, False, "emp-02")]).values()
    soon, later = mean_retrievability(cards, at(1)), mean_retrievability(cards, at(60))
    assert soon is not None and later is not None and 0 < later < soon <= 1
    assert mean_retrievability([], at(1)) is None


# --- drawing the practice ------------------------------------------------------------------


def make_module(module_id: str = "empathy") -> Module:
    return Module.model_validate(
        {
            "id": module_id,
            "title": module_id.title(),
            "competency": "empathy",
            "summary": "S.",
            "estimated_minutes": 5,
            "lessons": [{"title": "L", "body": "B"}],
            "quiz": {
                "questions": [
                    {
                        "id": "emp-01",
                        "type": "single",
                        "prompt": "P?",
                        "options": [{"text": t, "correct": t == "a"} for t in "abcd"],
                    },
                    {
                        "id": "emp-02",
                        "type": "multiple",
                        "prompt": "P?",
                        "options": [{"text": t, "correct": t in "ab"} for t in "abcde"],
                    },
                    {"id": "emp-03", "type": "true_false", "prompt": "P.", "answer": True},
                ]
            },
        }
    )


# --- building a refresher ------------------------------------------------------------------


DUE = [("empathy", "emp-01"), ("empathy", "emp-02"), ("empathy", "emp-03"), ("other", "emp-01")]


def test_build_refresher_is_deterministic_and_limited() -> None:
    modules = [make_module(), make_module("other")]
    first = build_refresher(modules, DUE, limit=3, seed=9)
    assert first == build_refresher(modules, DUE, limit=3, seed=9)
    assert len(first) == 3
    assert {(r.module_id, r.question_id) for r in first} == set(DUE[:3])  # most overdue first
    assert len(build_refresher(modules, DUE, seed=9)) == 4  # default limit 5, only 4 due


def test_build_refresher_shuffles_options_but_not_true_false() -> None:
    modules = {"empathy": make_module()}
    orders = set()
    for seed in range(40):
        for item in build_refresher(modules, DUE, seed=seed):
            question = modules[item.module_id].question(item.question_id)
            assert question is not None
            if question.type == "true_false":
                assert item.option_order == [1, 0]
            else:
                assert sorted(item.option_order) == list(range(len(question.options or [])))
                orders.add(tuple(item.option_order))
            ordered_options(question, item.drawn)  # usable with the quiz helpers
    assert len(orders) > 2


def test_build_refresher_skips_removed_content_and_duplicates() -> None:
    due = [("gone", "emp-01"), ("empathy", "nope"), ("empathy", "emp-01"), ("empathy", "emp-01")]
    picked = build_refresher([make_module()], due, limit=5, seed=1)
    assert [(r.module_id, r.question_id) for r in picked] == [("empathy", "emp-01")]
    assert build_refresher([make_module()], [], seed=1) == []


def test_build_refresher_rejects_bad_limit() -> None:
    with pytest.raises(ValueError):
        build_refresher([make_module()], DUE, limit=0, seed=1)


def test_refresher_question_json_round_trip() -> None:
    item = build_refresher([make_module()], DUE, seed=3)[0]
    assert RefresherQuestion.from_json(item.to_json()) == item
    with pytest.raises(ValueError):
        RefresherQuestion.from_json({"question_id": "emp-01", "option_order": [0]})
