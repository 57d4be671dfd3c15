"""Quiz drawing, answer validation, grading, feedback modes and attempt limits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training.models import Module
from training.quiz import (
    TRUE_FALSE_ORDER,
    AttemptLimitReached,
    DrawnQuestion,
    Grade,
    QuizContentError,
    answer_summary,
    attempts_left,
    can_start,
    correct_answer,
    draw_questions,
    drawn_from_json,
    drawn_to_json,
    ensure_can_start,
    grade,
    immediate_feedback,
    is_correct,
    new_seed,
    option_verdicts,
    ordered_options,
    review,
    validate_answer,
    without_verdict,
)


def make_module(**quiz: Any) -> Module:
    """Build a small module with one question of each type (plus fillers) for the tests."""
    questions: list[dict[str, Any]] = [
        {
            "id": "single-1",
            "type": "single",
            "prompt": "What do you say first?",
            "options": [
                {"text": "Housekeeping is busy.", "feedback": "An excuse."},
                {
                    "text": "That sounds frustrating; let me fix it.",
                    "correct": True,
                    "feedback": "Names the feeling, then acts.",
                },
                {"text": "Nothing."},
            ],
            "explanation": "Name the feeling before the fix.",
        },
        {
            "id": "multi-1",
            "type": "multiple",
            "prompt": "Which show prompt attention?",
            "options": [
                {"text": "Greet within ten seconds", "correct": True, "feedback": "Yes."},
                {"text": "Finish your phone call first", "feedback": "The guest waits."},
                {"text": "Make eye contact while busy", "correct": True},
                {"text": "Pretend not to see them"},
            ],
            "explanation": "Acknowledge at once, even when busy.",
        },
        {
            "id": "tf-1",
            "type": "true_false",
            "prompt": "Empathy means agreeing with every complaint.",
            "answer": False,
            "explanation": "You can understand a feeling without accepting every claim.",
        },
        {
            "id": "tf-2",
            "type": "true_false",
            "prompt": "A sincere apology names what went wrong.",
            "answer": True,
        },
    ]
    for n in range(2, 7):
        questions.append(
            {
                "id": f"single-{n}",
                "type": "single",
                "prompt": f"Filler {n}?",
                "options": [
                    {"text": "A", "correct": True},
                    {"text": "B"},
                    {"text": "C"},
                    {"text": "D"},
                ],
            }
        )
    data = {
        "id": "empathy",
        "title": "Empathy",
        "competency": "empathy",
        "summary": "Feelings first.",
        "estimated_minutes": 10,
        "lessons": [{"title": "L", "body": "Body"}],
        "quiz": {"pass_mark": 80, "questions": questions, **quiz},
    }
    return Module.model_validate(data)


MODULE = make_module()
RIGHT: dict[str, list[int]] = {q.id: correct_answer(q) for q in MODULE.quiz.questions}


def q(question_id: str):
    question = MODULE.question(question_id)
    assert question is not None
    return question


def all_drawn(module: Module = MODULE) -> list[DrawnQuestion]:
    return draw_questions(module, seed=1)


# --- drawing -------------------------------------------------------------------------------


def test_draw_is_deterministic_per_seed() -> None:
    module = make_module(questions_per_attempt=4)
    assert draw_questions(module, 42) == draw_questions(module, 42)
    draws = {json.dumps(drawn_to_json(draw_questions(module, s))) for s in range(20)}
    assert len(draws) > 1, "different seeds should give different draws"


def test_draw_takes_questions_per_attempt_without_repeats() -> None:
    module = make_module(questions_per_attempt=4)
    for seed in range(30):
        drawn = draw_questions(module, seed)
        ids = [d.question_id for d in drawn]
        assert len(ids) == 4 and len(set(ids)) == 4
        assert set(ids) <= {q.id for q in module.quiz.questions}


def test_draw_defaults_to_whole_pool_and_caps_at_pool_size() -> None:
    pool = {q.id for q in MODULE.quiz.questions}
    assert {d.question_id for d in draw_questions(MODULE, 3)} == pool
    big = make_module(questions_per_attempt=50)
    assert {d.question_id for d in draw_questions(big, 3)} == pool


def test_draw_covers_the_whole_pool_across_seeds() -> None:
    module = make_module(questions_per_attempt=2)
    seen = {d.question_id for s in range(200) for d in draw_questions(module, s)}
    assert seen == {q.id for q in module.quiz.questions}


def test_option_order_is_a_permutation_and_true_false_is_fixed() -> None:
    orders_seen: set[tuple[int, ...]] = set()
    for seed in range(50):
        for d in draw_questions(MODULE, seed):
            question = q(d.question_id)
            if question.type == "true_false":
                assert d.option_order == TRUE_FALSE_ORDER == [1, 0]
            else:
                assert sorted(d.option_order) == list(range(len(question.options or [])))
                if d.question_id == "multi-1":
                    orders_seen.add(tuple(d.option_order))
    assert len(orders_seen) > 1, "options should be shuffled"


def test_draw_json_round_trip() -> None:
    drawn = draw_questions(MODULE, 7)
    data = json.loads(json.dumps(drawn_to_json(drawn)))
    assert drawn_from_json(data) == drawn
    assert DrawnQuestion.from_json(drawn[0].to_json()) == drawn[0]


@pytest.mark.parametrize(
    "data",
    [
        {"question_id": "x"},
        [{"question_id": "", "option_order": []}],
        [{"question_id": "x", "option_order": "01"}],
        [{"question_id": "x", "option_order": [True, False]}],
        [{"question_id": "x", "option_order": [0]}, {"question_id": "x", "option_order": [0]}],
        ["x"],
    ],
)
def test_drawn_from_json_rejects_malformed(data: Any) -> None:
    with pytest.raises(ValueError):
        drawn_from_json(data)


def test_ordered_options_follow_the_draw() -> None:
    drawn = {d.question_id: d for d in draw_questions(MODULE, 5)}
    multi = ordered_options(q("multi-1"), drawn["multi-1"])
    assert [i for i, _ in multi] == drawn["multi-1"].option_order
    assert all(text == q("multi-1").options[i].text for i, text in multi)  # type: ignore[index]
    assert ordered_options(q("tf-1"), drawn["tf-1"]) == [(1, "True"), (0, "False")]


def test_ordered_options_detects_changed_content() -> None:
    with pytest.raises(QuizContentError):
        ordered_options(q("single-1"), DrawnQuestion("single-1", [0, 1]))
    with pytest.raises(QuizContentError):
        ordered_options(q("single-1"), DrawnQuestion("tf-1", [0, 1, 2]))


def test_new_seed_is_an_int() -> None:
    assert isinstance(new_seed(), int)


# --- answers -------------------------------------------------------------------------------


def test_validate_answer_normalises() -> None:
    assert validate_answer(q("single-1"), [1]) == [1]
    assert validate_answer(q("single-1"), (2,)) == [2]
    assert validate_answer(q("multi-1"), [2, 0]) == [0, 2]
    assert validate_answer(q("multi-1"), {3, 1}) == [1, 3]
    assert validate_answer(q("tf-1"), [0]) == [0]
    assert validate_answer(q("tf-1"), [True]) == [1]
    assert validate_answer(q("tf-1"), [False]) == [0]


@pytest.mark.parametrize(
    ("question_id", "answer", "message"),
    [
        ("single-1", [], "empty"),
        ("single-1", [0, 1], "exactly one"),
        ("single-1", [3], "out of range"),
        ("single-1", [-1], "out of range"),
        ("single-1", 1, "list of option indexes"),
        ("single-1", "1", "list of option indexes"),
        ("single-1", None, "list of option indexes"),
        ("single-1", {"a": 1}, "list of option indexes"),
        ("single-1", ["1"], "not an index"),
        ("single-1", [1.0], "not an index"),
        ("single-1", [True], "not"),
        ("multi-1", [], "empty"),
        ("multi-1", [0, 0], "repeats"),
        ("multi-1", [4], "out of range"),
        ("tf-1", [2], "0 (False) or 1 (True)"),
        ("tf-1", [0, 1], "exactly one"),
    ],
)
def test_validate_answer_rejects(question_id: str, answer: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        validate_answer(q(question_id), answer)
    assert question_id in str(info.value)


def test_correct_answer_per_type() -> None:
    assert correct_answer(q("single-1")) == [1]
    assert correct_answer(q("multi-1")) == [0, 2]
    assert correct_answer(q("tf-1")) == [0]
    assert correct_answer(q("tf-2")) == [1]


def test_is_correct() -> None:
    assert is_correct(q("single-1"), [1])
    assert not is_correct(q("single-1"), [0])
    assert not is_correct(q("single-1"), None)
    assert not is_correct(q("multi-1"), [])


# --- grading -------------------------------------------------------------------------------


def test_all_right_scores_100() -> None:
    drawn = all_drawn()
    result = grade(MODULE, drawn, {d.question_id: RIGHT[d.question_id] for d in drawn})
    assert (result.marks, result.max_marks, result.score, result.passed) == (9, 9, 100.0, True)
    assert [r.question_id for r in result.results] == [d.question_id for d in drawn]
    assert all(r.correct and r.marks == 1 and r.max_marks == 1 for r in result.results)


def test_unanswered_is_wrong() -> None:
    drawn = all_drawn()
    result = grade(MODULE, drawn, {"single-1": [1], "tf-1": []})
    assert result.marks == 1 and not result.passed
    tf = result.result("tf-1")
    assert tf is not None and tf.chosen == [] and not tf.correct and tf.marks == 0
    untouched = result.result("multi-1")
    assert untouched is not None and untouched.chosen == [] and not untouched.correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [([0, 2], True), ([2, 0], True), ([0], False), ([0, 1, 2], False), ([1, 3], False)],
)
def test_multiple_is_all_or_nothing(answer: list[int], correct: bool) -> None:
    drawn = [DrawnQuestion("multi-1", [0, 1, 2, 3])]
    result = grade(MODULE, drawn, {"multi-1": answer})
    assert result.results[0].correct is correct
    assert result.results[0].marks == int(correct)
    assert result.results[0].chosen == sorted(answer)


@pytest.mark.parametrize(("answer", "correct"), [([0], True), ([1], False)])
def test_true_false_grading(answer: list[int], correct: bool) -> None:
    result = grade(MODULE, [DrawnQuestion("tf-1", TRUE_FALSE_ORDER)], {"tf-1": answer})
    assert result.passed is correct


def test_single_grading_uses_original_indexes_not_display_order() -> None:
    drawn = [DrawnQuestion("single-1", [2, 0, 1])]  # the right option is shown last
    assert grade(MODULE, drawn, {"single-1": [1]}).passed
    assert not grade(MODULE, drawn, {"single-1": [2]}).passed


def test_score_is_raw_and_pass_mark_compared_exactly() -> None:
    module = make_module(pass_mark=67)
    ids = ["single-1", "single-2", "single-3"]
    drawn = [DrawnQuestion(i, [0, 1, 2, 3][: len(q(i).options or [])]) for i in ids]
    result = grade(module, drawn, {"single-1": [1], "single-2": [0]})
    assert result.score == pytest.approx(200 / 3)
    assert result.score_rounded == 66.7
    assert not result.passed  # 66.67 < 67
    assert grade(make_module(pass_mark=66), drawn, {"single-1": [1], "single-2": [0]}).passed


def test_exact_pass_mark_passes() -> None:
    module = make_module(pass_mark=80)
    ids = [f"single-{n}" for n in range(2, 7)]
    drawn = [DrawnQuestion(i, [0, 1, 2, 3]) for i in ids]
    result = grade(module, drawn, {i: [0] for i in ids[:4]})
    assert result.score == 80.0 and result.passed
    assert isinstance(result, Grade) and result.pass_mark == 80


def test_grade_rejects_unknown_question() -> None:
    with pytest.raises(QuizContentError, match="gone-1"):
        grade(MODULE, [DrawnQuestion("gone-1", [0, 1])], {})


def test_grade_rejects_answers_outside_the_draw_and_invalid_answers() -> None:
    drawn = [DrawnQuestion("single-1", [0, 1, 2])]
    with pytest.raises(ValueError, match="not in this attempt"):
        grade(MODULE, drawn, {"single-1": [1], "tf-1": [0]})
    with pytest.raises(ValueError, match="out of range"):
        grade(MODULE, drawn, {"single-1": [9]})
    with pytest.raises(ValueError, match="no questions"):
        grade(MODULE, [], {})
    with pytest.raises(ValueError, match="twice"):
        grade(MODULE, drawn + drawn, {})


@given(st.lists(st.booleans(), min_size=1, max_size=9), st.integers(1, 100))
def test_grade_properties(rights: list[bool], pass_mark: int) -> None:
    module = make_module(pass_mark=pass_mark)
    pool = [qq.id for qq in module.quiz.questions][: len(rights)]
    drawn = [DrawnQuestion(i, []) for i in pool]
    answers = {}
    for qid, right in zip(pool, rights, strict=True):
        question = module.question(qid)
        assert question is not None
        good = correct_answer(question)
        if right:
            answers[qid] = good
        elif question.type == "true_false":
            answers[qid] = [1 - good[0]]
    result = grade(module, drawn, answers)
    assert result.marks == sum(rights)
    assert 0.0 <= result.score <= 100.0
    assert result.passed == (sum(rights) * 100 >= pass_mark * len(rights))


# --- feedback modes ------------------------------------------------------------------------


def graded(passing: bool) -> Grade:
    drawn = [DrawnQuestion(i, [0, 1, 2, 3]) for i in ("single-1", "multi-1")]
    answers = {"single-1": [1], "multi-1": [0, 2] if passing else [1]}
    return grade(MODULE, drawn, answers)


@pytest.mark.parametrize("mode", ["after_submit", "immediate"])
@pytest.mark.parametrize("passing", [True, False])
def test_after_submit_and_immediate_reveal_everything(mode: str, passing: bool) -> None:
    reviews = review(MODULE, graded(passing), mode)
    assert [r.question_id for r in reviews] == ["single-1", "multi-1"]
    single, multi = reviews
    assert single.revealed and single.correct and single.chosen == [1]
    assert single.right_answer == [1]
    assert single.option_feedback == {0: "An excuse.", 1: "Names the feeling, then acts."}
    assert single.explanation == "Name the feeling before the fix."
    assert multi.correct is passing and multi.right_answer == [0, 2]
    assert multi.option_feedback == {0: "Yes.", 1: "The guest waits."}


def test_on_pass_hides_answers_until_passed() -> None:
    failed = graded(False)
    hidden = review(MODULE, failed, "on_pass")
    for r in hidden:
        assert not r.revealed
        assert r.right_answer is None and r.option_feedback == {} and r.explanation is None
    assert [r.correct for r in hidden] == [True, False]
    assert hidden[1].chosen == [1]

    shown = review(MODULE, graded(True), "on_pass")
    assert all(r.revealed and r.right_answer is not None for r in shown)


def test_on_pass_reveals_after_an_earlier_pass() -> None:
    failed = graded(False)
    assert all(r.revealed for r in review(MODULE, failed, "on_pass", passed=True))
    assert not any(r.revealed for r in review(MODULE, graded(True), "on_pass", passed=False))


def test_review_defaults_to_module_mode() -> None:
    module = make_module(feedback="on_pass")
    drawn = [DrawnQuestion("single-1", [0, 1, 2])]
    failing = grade(module, drawn, {"single-1": [0]})
    assert not review(module, failing)[0].revealed
    assert review(MODULE, grade(MODULE, drawn, {"single-1": [0]}))[0].revealed  # after_submit


def test_review_rejects_unknown_mode_and_question() -> None:
    with pytest.raises(ValueError):
        review(MODULE, graded(True), "sometimes")
    other = make_module()
    other_grade = grade(other, [DrawnQuestion("single-1", [0, 1, 2])], {})
    trimmed = Module.model_validate(
        {
            **MODULE.model_dump(),
            "quiz": {
                **MODULE.quiz.model_dump(),
                "questions": [MODULE.quiz.questions[2].model_dump()],
            },
        }
    )
    with pytest.raises(QuizContentError):
        review(trimmed, other_grade, "after_submit")


def test_immediate_feedback_per_type() -> None:
    right = immediate_feedback(q("single-1"), [1])
    assert right.correct and right.feedback == ["Names the feeling, then acts."]
    assert right.explanation == "Name the feeling before the fix." and right.right_answer == [1]

    wrong = immediate_feedback(q("single-1"), [0])
    assert not wrong.correct and wrong.feedback == ["An excuse."]

    no_feedback = immediate_feedback(q("single-1"), [2])
    assert not no_feedback.correct and no_feedback.feedback == []

    multi = immediate_feedback(q("multi-1"), [1, 0])
    assert not multi.correct and multi.feedback == ["Yes.", "The guest waits."]
    assert immediate_feedback(q("multi-1"), [2, 0]).correct

    tf = immediate_feedback(q("tf-1"), [0])
    assert tf.correct and tf.feedback == [] and tf.right_answer == [0]
    assert not immediate_feedback(q("tf-1"), [1]).correct

    with pytest.raises(ValueError):
        immediate_feedback(q("single-1"), [])


# --- attempts ------------------------------------------------------------------------------


def test_attempts_left_and_can_start() -> None:
    assert attempts_left(None, 0) is None and attempts_left(None, 99) is None
    assert attempts_left(3, 0) == 3
    assert attempts_left(3, 2) == 1
    assert attempts_left(3, 3) == 0
    assert attempts_left(3, 5) == 0
    assert can_start(None, 1000)
    assert can_start(3, 2)
    assert not can_start(3, 3)
    assert not can_start(1, 1)


def test_attempt_helpers_reject_nonsense_and_enforce_limit() -> None:
    with pytest.raises(ValueError):
        attempts_left(3, -1)
    with pytest.raises(ValueError):
        attempts_left(0, 0)
    ensure_can_start(2, 1)
    ensure_can_start(None, 50)
    with pytest.raises(AttemptLimitReached, match="all 2 attempts used"):
        ensure_can_start(2, 2)


def test_option_verdicts_and_summary_for_a_multiple_answer_question() -> None:
    q = MODULE.question("multi-1")  # options 0 and 2 are right
    verdicts = option_verdicts(q, [0, 1])
    assert [(v.index, v.chosen, v.correct, v.right) for v in verdicts] == [
        (0, True, True, True),
        (1, True, False, False),
        (2, False, True, False),
        (3, False, False, True),
    ]
    assert [v.sentence(q.type) for v in verdicts] == [
        "You ticked it, and it is right.",
        "You ticked it, but it is not right.",
        "You left it out, but it is right.",
        "You left it out, and rightly so.",
    ]
    assert verdicts[0].feedback is None  # "Yes." says nothing the verdict does not
    assert answer_summary(q, [0, 1]) == (
        "Not quite: you ticked 1 of the 2 right answers and 1 that is not right."
    )
    assert answer_summary(q, [0, 2]) == "Correct: you ticked every right answer and nothing else."


def test_single_answer_verdicts_name_the_choice_and_the_right_one() -> None:
    q = MODULE.question("single-1")
    right = correct_answer(q)[0]
    wrong = next(i for i in range(len(q.options)) if i != right)
    verdicts = option_verdicts(q, [wrong])
    assert [(v.index, v.sentence(q.type)) for v in verdicts] == sorted(
        [(wrong, "You chose it, but it is not right."), (right, "This is the right answer.")]
    )
    assert answer_summary(q, [wrong]) == "Not quite." and answer_summary(q, [right]) == "Correct."


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Correct. It names the feeling.", "It names the feeling."),
        ("Yes. because it shows care.", "Because it shows care."),
        ("Not quite! The guest waits.", "The guest waits."),
        ("Nobody likes waiting.", "Nobody likes waiting."),
        ("Yes.", ""),
    ],
)
def test_without_verdict_drops_an_opening_verdict_word(text: str, clean: str) -> None:
    assert without_verdict(text) == clean
