"""Item analysis: Moodle's own expected figures, hand-computed cases, degenerate input, flags."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import pytest

from tests.reference import moodle_file
from training.item_analysis import (
    MIN_ATTEMPTS_FOR_FLAGS,
    ItemStats,
    QuizStats,
    analyse,
    flags,
    option_shares,
    random_guess_score,
)
from training.models import Option, Question

# qstats00.csv column -> ItemStats attribute, with Moodle's relative tolerance for it.
QSTATS_COLUMNS = {
    "facility": ("facility", 1e-6),
    "sd": ("standard_deviation", 1e-6),
    "effectiveweight": ("effective_weight", 1e-5),
    "covariance": ("covariance", 1e-5),
    "markvariance": ("mark_variance", 1e-6),
    "othermarkvariance": ("other_mark_variance", 1e-6),
    "discriminationindex": ("discrimination_index", 1e-5),
    "covariancemax": ("covariance_max", 1e-6),
    "discriminativeefficiency": ("discriminative_efficiency", 1e-5),
}

# From Moodle's stats_from_steps_walkthrough_test.php (see the reference README).
MOODLE_QUIZ_STATS = {
    "mean": 4.617333332,
    "median": 4.5,
    "standard_deviation": 0.8117265554,
    "skewness": -0.092502502,
    "kurtosis": -0.7073968557,
    "cronbach_alpha": -87.2230935542,
    "error_ratio": 136.8294900795,
    "standard_error": 1.1106813066,
}


def _moodle_file(name: str) -> Path:
    return moodle_file(name)


@pytest.fixture(scope="module")
def moodle_stats() -> QuizStats:
    with _moodle_file("quiz-statistics-results00.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    marks = [[float(row[f"slots.{slot}.mark"]) for slot in range(1, 8)] for row in rows]
    return analyse(marks, [1.0] * 7)


@pytest.fixture(scope="module")
def moodle_expected_items() -> list[dict[str, str]]:
    with _moodle_file("quiz-statistics-qstats00.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _assert_relative(actual: float | None, expected: float, tolerance: float, what: str) -> None:
    assert actual is not None, f"{what} is None, expected {expected}"
    assert abs(actual - expected) <= abs(expected) * tolerance, f"{what}: {actual} != {expected}"


def test_every_moodle_item_figure_matches(
    moodle_stats: QuizStats, moodle_expected_items: list[dict[str, str]]
) -> None:
    assert len(moodle_expected_items) == len(moodle_stats.items) == 7
    checked = 0
    for row in moodle_expected_items:
        item = moodle_stats.items[int(row["slot"]) - 1]
        assert item.attempts == 25
        for column, value in row.items():
            if column == "slot":
                continue
            attribute, tolerance = QSTATS_COLUMNS[column]
            what = f"slot {row['slot']} {column}"
            _assert_relative(getattr(item, attribute), float(value), tolerance, what)
            checked += 1
    assert checked == 7 * 9


def test_moodle_whole_test_figures_match(moodle_stats: QuizStats) -> None:
    assert moodle_stats.attempts == 25
    assert moodle_stats.basis == "marks"
    assert moodle_stats.max_total == 7
    for name, expected in MOODLE_QUIZ_STATS.items():
        _assert_relative(getattr(moodle_stats, name), expected, 1.5e-5, name)


def test_effective_weights_add_up_to_100(moodle_stats: QuizStats) -> None:
    weights = [i.effective_weight for i in moodle_stats.items]
    assert all(w is not None for w in weights)
    assert math.fsum(weights) == pytest.approx(100)  # type: ignore[arg-type]


# Two questions, four attempts; every figure below is worked out by hand in the comments.
HAND_MARKS = [[1, 1], [1, 0], [0, 0], [0, 0]]


def test_hand_computed_item_figures() -> None:
    stats = analyse(HAND_MARKS, [1, 1])
    a, b = stats.items
    # Question A: marks 1,1,0,0 -> mean 0.5, variance (4 * 0.25) / 3 = 1/3.
    assert a.facility == pytest.approx(0.5)
    assert a.facility_percent == pytest.approx(50)
    assert a.mark_variance == pytest.approx(1 / 3)
    assert a.standard_deviation == pytest.approx(math.sqrt(1 / 3))
    # The rest of the test for A is B: 1,0,0,0 -> variance 0.75 / 3 = 1/4; covariance 0.5/3.
    assert a.other_mark_variance == pytest.approx(1 / 4)
    assert a.covariance == pytest.approx(1 / 6)
    assert a.discrimination_index == pytest.approx(100 * (1 / 6) / math.sqrt(1 / 12))
    # Sorted columns pair up the same way, so efficiency is 100%.
    assert a.covariance_max == pytest.approx(1 / 6)
    assert a.discriminative_efficiency == pytest.approx(100)
    assert b.facility == pytest.approx(0.25)
    assert b.discrimination_index == pytest.approx(a.discrimination_index)
    # Covariance with the total (2,1,0,0): A 1.5/3, B 1.25/3.
    assert a.covariance_with_overall == pytest.approx(0.5)
    assert b.covariance_with_overall == pytest.approx(1.25 / 3)
    root_a, root_b = math.sqrt(0.5), math.sqrt(1.25 / 3)
    assert a.effective_weight == pytest.approx(100 * root_a / (root_a + root_b))
    assert b.effective_weight == pytest.approx(100 * root_b / (root_a + root_b))


def test_hand_computed_whole_test_figures() -> None:
    stats = analyse(HAND_MARKS, [1, 1])
    assert stats.attempts == 4
    assert stats.mean == pytest.approx(0.75)
    assert stats.median == pytest.approx(0.5)
    assert stats.mean_percent == pytest.approx(37.5)
    # Deviations 1.25, 0.25, -0.75, -0.75: sum of squares 2.75, variance 11/12.
    assert stats.standard_deviation == pytest.approx(math.sqrt(11 / 12))
    # alpha = 2/1 * (1 - (1/3 + 1/4) / (11/12)) = 8/11.
    assert stats.cronbach_alpha == pytest.approx(800 / 11)
    assert stats.error_ratio == pytest.approx(100 * math.sqrt(3 / 11))
    assert stats.standard_error == pytest.approx(0.5)


def _numbers(stats: QuizStats) -> list[float | None]:
    values = [v for k, v in dataclasses.asdict(stats).items() if k != "items"]
    for item in stats.items:
        values += list(dataclasses.asdict(item).values())
    return [v for v in values if not isinstance(v, str)]


def _assert_no_nan(stats: QuizStats) -> None:
    for value in _numbers(stats):
        assert value is None or math.isfinite(value)


def test_no_attempts_gives_none_not_errors() -> None:
    stats = analyse([], [1, 1])
    assert stats.attempts == 0
    assert stats.mean is None and stats.median is None and stats.standard_deviation is None
    assert [i.attempts for i in stats.items] == [0, 0]
    assert all(i.facility is None for i in stats.items)
    _assert_no_nan(stats)


def test_one_attempt_has_a_mean_but_no_spread() -> None:
    stats = analyse([[1, 0]], [1, 1])
    assert stats.attempts == 1
    assert stats.mean == 1 and stats.median == 1
    assert stats.standard_deviation is None and stats.cronbach_alpha is None
    assert stats.items[0].facility == 1
    assert stats.items[0].standard_deviation is None
    assert stats.items[0].discrimination_index is None
    _assert_no_nan(stats)


def test_identical_attempts_have_zero_spread_and_no_ratios() -> None:
    stats = analyse([[0.8, 1]] * 5, [1, 1])
    assert stats.standard_deviation == 0
    assert stats.skewness is None and stats.kurtosis is None and stats.cronbach_alpha is None
    item = stats.items[0]
    assert item.standard_deviation == 0
    assert item.discrimination_index is None and item.discriminative_efficiency is None
    assert item.effective_weight is None
    _assert_no_nan(stats)


def test_zero_max_mark_has_no_facility() -> None:
    stats = analyse([[1, 0], [0, 0], [1, 0]], [1, 0])
    assert stats.items[1].facility is None
    _assert_no_nan(stats)


def test_unseen_questions_use_only_attempts_that_saw_them() -> None:
    # Each attempt draws two of three questions.
    marks = [[1, 1, None], [1, None, 0], [None, 0, 1], [0, 1, None], [1, None, 1], [None, 0, 0]]
    stats = analyse(marks, [1, 1, 1])
    assert [i.attempts for i in stats.items] == [4, 4, 4]
    assert stats.items[0].facility == pytest.approx(3 / 4)
    assert stats.items[1].facility == pytest.approx(2 / 4)
    # Rest of the test for question 0 is the other drawn question's mark: 1, 0, 1, 1.
    assert stats.items[0].other_mark_variance == pytest.approx(0.25)
    assert stats.basis == "marks" and stats.max_total == 2
    assert stats.attempts == 6
    assert stats.mean == pytest.approx(7 / 6)
    # Effective weight needs every question in every attempt.
    assert all(i.effective_weight is None for i in stats.items)
    # Two drawn per attempt: alpha from the pooled variance of the 12 drawn marks (7 ones).
    pooled = (7 * (5 / 12) ** 2 + 5 * (7 / 12) ** 2) / 11
    variance = stats.standard_deviation**2  # type: ignore[operator]
    assert stats.cronbach_alpha == pytest.approx(200 * (1 - 2 * pooled / variance))
    _assert_no_nan(stats)


def test_attempts_with_different_maxima_are_compared_as_percents() -> None:
    marks = [[1, 1, None], [1, 0, 1], [0, None, None], [1, 1, 0]]
    stats = analyse(marks, [1, 1, 1])
    assert stats.basis == "percent" and stats.max_total == 100
    assert stats.mean == pytest.approx((100 + 200 / 3 + 0 + 200 / 3) / 4)
    assert stats.cronbach_alpha is None  # the attempts drew different numbers of questions
    _assert_no_nan(stats)


def test_attempts_that_saw_nothing_are_left_out() -> None:
    stats = analyse([[1, 0], [None, None], [0, 1]], [1, 1])
    assert stats.attempts == 2


def test_malformed_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="has 1 marks"):
        analyse([[1, 0], [1]], [1, 1])
    with pytest.raises(ValueError, match="not a number"):
        analyse([[float("nan"), 0]], [1, 1])
    with pytest.raises(ValueError, match="not negative"):
        analyse([[1]], [-1])


def test_random_guess_score_follows_moodle() -> None:
    single = Question(
        id="q-1",
        type="single",
        prompt="p",
        options=[Option(text="a", correct=True), Option(text="b"), Option(text="c")],
    )
    multiple = single.model_copy(update={"type": "multiple"})
    true_false = Question(id="q-2", type="true_false", prompt="p", answer=True)
    assert random_guess_score(single) == pytest.approx(1 / 3)
    assert random_guess_score(true_false) == 0.5
    assert random_guess_score(multiple) is None
    stats = analyse([[1, 0], [0, 1]], [1, 1], random_guess_scores=[1 / 3, None])
    assert [i.random_guess_score for i in stats.items] == [1 / 3, None]


def test_option_shares_counts_each_response_once() -> None:
    choices = [[0], [1], [1], [], [1, 1], [7]]
    assert option_shares(choices, [0, 1, 2]) == {0: 1 / 6, 1: 3 / 6, 2: 0.0}
    assert option_shares([[0, 2], [2]], [0, 1, 2]) == {0: 0.5, 1: 0.0, 2: 1.0}
    assert option_shares([], ["a", "b"]) == {"a": 0.0, "b": 0.0}


def _item(facility: float, discrimination: float | None, attempts: int = 40) -> ItemStats:
    return ItemStats(
        index=0,
        attempts=attempts,
        max_mark=1,
        mean_mark=facility,
        facility=facility,
        standard_deviation=0.4,
        random_guess_score=None,
        mark_variance=0.16,
        other_mark_variance=1.0,
        covariance=None,
        covariance_max=None,
        covariance_with_overall=None,
        discrimination_index=discrimination,
        discriminative_efficiency=None,
        effective_weight=None,
    )


def test_a_healthy_question_gets_no_flags() -> None:
    shares = {0: 0.6, 1: 0.2, 2: 0.2}
    assert flags(_item(0.6, 45), shares, 40, correct={0}) == []


def test_nothing_is_flagged_below_ten_attempts() -> None:
    found = flags(_item(1.0, -50, attempts=9), {0: 1.0, 1: 0.0}, correct={0})
    assert len(found) == 1
    assert "Not enough data" in found[0] and str(MIN_ATTEMPTS_FOR_FLAGS) in found[0]
    assert flags(_item(1.0, None, attempts=40), n=3)[0].startswith("Not enough data")


def test_easy_hard_and_poor_discriminators_are_flagged() -> None:
    assert flags(_item(0.95, 40)) == ["Too easy: 95% of learners get it right."]
    assert flags(_item(0.2, 40)) == ["Too hard: only 20% of learners get it right."]
    assert flags(_item(0.6, 12))[0].startswith("Poor discriminator (index 12)")
    assert "do worse on this question" in flags(_item(0.6, -7))[0]
    assert flags(_item(0.6, None)) == []


def test_distractor_flags() -> None:
    shares = {0: 0.3, 1: 0.45, 2: 0.25, 3: 0.0}
    labels = {0: "Apologise", 1: "Explain the policy", 2: "Call security", 3: "Ignore them"}
    found = flags(_item(0.3, 40), shares, correct={0}, labels=labels)
    assert "Nobody chose option 'Ignore them': it does not distract; rewrite or remove it." in (
        found
    )
    assert any(
        f.startswith("Wrong option 'Explain the policy' is chosen more often (45%)") for f in found
    )
    assert flags(_item(0.5, 40), {0: 0.0, 1: 1.0}, correct={0})[0].startswith(
        "Nobody chose the right option '0'"
    )
