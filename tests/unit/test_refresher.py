"""The refresher schedule (1, 3, 7, 21 days; retired after two right in a row) and its draw."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training.models import Module
from training.quiz import TRUE_FALSE_ORDER, DrawnQuestion, grade, ordered_options
from training.refresher import (
    INTERVALS,
    RefresherQuestion,
    ReviewEvent,
    build_refresher,
    due_questions,
    events_from_grade,
    schedule,
)

D0 = date(2025, 3, 1)
KEY = ("empathy", "emp-01")


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def quiz(n: int, correct: bool, qid: str = "emp-01", mid: str = "empathy") -> ReviewEvent:
    return ReviewEvent(mid, qid, day(n), correct, "quiz")


def ref(n: int, correct: bool, qid: str = "emp-01", mid: str = "empathy") -> ReviewEvent:
    return ReviewEvent(mid, qid, day(n), correct, "refresher")


def due_on(history: list[ReviewEvent]) -> date | None:
    entries = [e for e in schedule(history) if (e.module_id, e.question_id) == KEY]
    return entries[0].due_on if entries else None


# --- schedule ------------------------------------------------------------------------------


def test_intervals_are_the_promised_ones() -> None:
    assert INTERVALS == (1, 3, 7, 21)


def test_a_quiz_miss_is_due_the_next_day() -> None:
    history = [quiz(0, False)]
    assert due_questions(history, day(0)) == []
    assert due_questions(history, day(1)) == [KEY]
    assert due_questions(history, day(30)) == [KEY]  # stays due until reviewed


def test_right_quiz_answers_never_enter_the_schedule() -> None:
    assert schedule([quiz(0, True), quiz(5, True)]) == []
    assert due_questions([quiz(0, True)], day(100)) == []


def test_comes_back_after_1_3_7_21_days_until_right_twice_in_a_row() -> None:
    history = [quiz(0, False)]
    assert due_on(history) == day(1)
    history.append(ref(1, False))
    assert due_on(history) == day(1 + 3)
    history.append(ref(4, True))
    assert due_on(history) == day(4 + 7)
    history.append(ref(11, False))  # breaks the run of right answers
    assert due_on(history) == day(11 + 21)
    history.append(ref(32, True))
    assert due_on(history) == day(32 + 21)  # after the last step it stays at 21 days
    history.append(ref(53, True))
    assert due_on(history) is None  # two right in a row: retired
    assert due_questions(history, day(400)) == []


def test_two_right_reviews_retire_quickly() -> None:
    history = [quiz(0, False), ref(1, True)]
    entry = schedule(history)[0]
    assert (entry.step, entry.streak, entry.due_on) == (1, 1, day(4))
    history.append(ref(4, True))
    assert schedule(history) == []


def test_a_new_quiz_miss_restarts_the_schedule() -> None:
    history = [quiz(0, False), ref(1, True), quiz(2, False)]
    entry = schedule(history)[0]
    assert (entry.step, entry.streak, entry.due_on) == (0, 0, day(3))
    history.append(ref(3, True))
    assert due_on(history) == day(6)  # still needs two right in a row after the restart


def test_right_quiz_answers_do_not_retire_a_scheduled_question() -> None:
    history = [quiz(0, False), quiz(1, True), quiz(2, True)]
    assert due_on(history) == day(1)


def test_a_retired_question_missed_again_comes_back() -> None:
    history = [quiz(0, False), ref(1, True), ref(4, True), quiz(40, False)]
    assert due_on(history) == day(41)


def test_refresher_answers_to_unscheduled_questions_are_ignored() -> None:
    assert schedule([ref(0, False), ref(1, True)]) == []


def test_events_are_applied_in_date_order_keeping_same_day_order() -> None:
    shuffled = [ref(4, True), quiz(0, False), ref(1, True)]
    assert schedule(shuffled) == []  # sorted: miss, right, right -> retired
    same_day = [quiz(0, False), ref(0, True), ref(0, True)]
    assert schedule(same_day) == []
    reversed_same_day = [ref(0, True), ref(0, True), quiz(0, False)]
    assert due_on(reversed_same_day) == day(1)


def test_questions_are_tracked_separately_and_sorted_most_overdue_first() -> None:
    history = [
        quiz(0, False, "emp-02"),
        quiz(5, False, "emp-01"),
        quiz(3, False, "q-1", "sincerity"),
        quiz(3, False, "emp-09"),
        quiz(5, True, "emp-03"),
    ]
    assert due_questions(history, day(10)) == [
        ("empathy", "emp-02"),
        ("empathy", "emp-09"),
        ("sincerity", "q-1"),
        ("empathy", "emp-01"),
    ]
    assert due_questions(history, day(4)) == [
        ("empathy", "emp-02"),
        ("empathy", "emp-09"),
        ("sincerity", "q-1"),
    ]


def test_same_question_id_in_two_modules_is_two_questions() -> None:
    history = [quiz(0, False, "q-1", "a"), quiz(0, False, "q-1", "b"), ref(1, True, "q-1", "a")]
    assert due_questions(history, day(1)) == [("b", "q-1")]


def test_unknown_source_is_rejected() -> None:
    with pytest.raises(ValueError, match="source"):
        schedule([ReviewEvent("m", "q", D0, False, "exam")])  # type: ignore[arg-type]


@given(st.lists(st.tuples(st.integers(0, 60), st.booleans(), st.booleans()), max_size=30))
def test_schedule_invariants(raw: list[tuple[int, bool, bool]]) -> None:
    history = [(quiz if is_quiz else ref)(n, ok) for n, ok, is_quiz in raw]
    entries = schedule(history)
    assert len(entries) <= 1
    for entry in entries:
        assert 0 <= entry.streak < 2
        assert entry.due_on > min(e.answered_on for e in history)
    ever_missed = any(not e.correct and e.source == "quiz" for e in history)
    if not ever_missed:
        assert entries == []


# --- from a graded quiz --------------------------------------------------------------------


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


def test_events_from_grade_feed_the_schedule() -> None:
    module = make_module()
    drawn = [
        DrawnQuestion("emp-01", [0, 1, 2, 3]),
        DrawnQuestion("emp-02", [0, 1, 2, 3, 4]),
        DrawnQuestion("emp-03", TRUE_FALSE_ORDER),
    ]
    result = grade(module, drawn, {"emp-01": [0], "emp-02": [0]})
    events = events_from_grade("empathy", result, D0)
    assert [(e.question_id, e.correct, e.source) for e in events] == [
        ("emp-01", True, "quiz"),
        ("emp-02", False, "quiz"),
        ("emp-03", False, "quiz"),
    ]
    assert due_questions(events, day(1)) == [("empathy", "emp-02"), ("empathy", "emp-03")]


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
