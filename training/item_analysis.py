"""Item analysis: Moodle's quiz statistics over a table of marks, plus distractor flags.

The figures follow Moodle's quiz statistics report (``mod/quiz/report/statistics`` and
``core_question\\statistics\\questions\\calculator``) and are checked against Moodle's own
fixture in ``tests/unit/test_item_analysis.py``.

Input is a table of marks: one row per attempt, one column per question of the pool, ``None``
where the attempt did not draw that question (quizzes draw a random subset of the pool). As for
Moodle's random questions, each question's figures use only the attempts that saw it.

Units, so nobody has to guess:

* ``ItemStats.facility`` and ``random_guess_score`` are fractions 0..1 (``facility_percent``
  gives 0..100); ``standard_deviation`` is in marks (divide by the question's maximum for
  Moodle's displayed percent); discrimination index, discriminative efficiency and effective
  weight are percents as Moodle shows them (the index is a correlation times 100).
* ``QuizStats`` mean, median, standard deviation and standard error are in marks when every
  attempt has the same maximum (``basis == "marks"``, as Moodle computes them); ``*_percent``
  properties give them as a percent of ``max_total``. Skewness and kurtosis are unitless;
  ``cronbach_alpha`` (Moodle's coefficient of internal consistency) and ``error_ratio`` are
  percents.

Where this differs from Moodle (see the function docstrings for why):

* A question missing from some attempts is correlated with the rest of the attempt (total minus
  its own mark), like Moodle's fixed questions; Moodle's random sub-question figures use the
  whole total, which includes the question's own mark.
* With a random draw, the coefficient of internal consistency uses p = questions per attempt
  and the pooled variance of all drawn marks in place of Moodle's per-position variances, and
  effective weight is None (it is only defined when every attempt sees every question).
* Attempts whose maxima differ are compared as percents of their own maximum (``basis ==
  "percent"``); Moodle's attempts always share one maximum.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Literal, TypeVar

from training.models import Question
from training.quiz import TRUE_FALSE_LABELS, TRUE_FALSE_ORDER, correct_answer

K = TypeVar("K", bound=Hashable)

MIN_ATTEMPTS_FOR_FLAGS = 10
"""Below this many attempts at a question, `flags` flags nothing."""

TOO_EASY_FACILITY = 0.9
TOO_HARD_FACILITY = 0.3
POOR_DISCRIMINATION_INDEX = 30.0


@dataclass(frozen=True)
class ItemStats:
    """Moodle's statistics for one question (one column of the marks table)."""

    index: int
    attempts: int
    max_mark: float
    mean_mark: float | None
    facility: float | None
    standard_deviation: float | None
    random_guess_score: float | None
    mark_variance: float | None
    other_mark_variance: float | None
    covariance: float | None
    covariance_max: float | None
    covariance_with_overall: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    effective_weight: float | None

    @property
    def facility_percent(self) -> float | None:
        """Return the facility as a percent, as Moodle displays it."""
        return None if self.facility is None else 100 * self.facility


def _percent_of(figure: str, what: str) -> property:
    """Return a property: QuizStats' figure as a percent of its maximum total (None without one)."""

    def percent(self: QuizStats) -> float | None:
        value = getattr(self, figure)
        if value is None or not self.max_total:
            return None
        return 100 * value / self.max_total

    return property(percent, doc=f"Return {what} as a percent of the maximum.")


@dataclass(frozen=True)
class QuizStats:
    """Moodle's whole-test statistics and the per-question statistics."""

    attempts: int
    basis: Literal["marks", "percent"]
    max_total: float | None
    mean: float | None
    median: float | None
    standard_deviation: float | None
    skewness: float | None
    kurtosis: float | None
    cronbach_alpha: float | None
    error_ratio: float | None
    standard_error: float | None
    items: list[ItemStats]

    # Each figure as a percent of the maximum total (None without one), as Moodle shows them.
    mean_percent = _percent_of("mean", "the mean attempt score")
    median_percent = _percent_of("median", "the median attempt score")
    standard_deviation_percent = _percent_of("standard_deviation", "the standard deviation")
    standard_error_percent = _percent_of("standard_error", "the standard error")


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _centred(values: Sequence[float]) -> list[float]:
    # All-equal values are exactly zero-variance; rounding in the mean must not fake a spread.
    if min(values) == max(values):
        return [0.0] * len(values)
    mean = _mean(values)
    return [v - mean for v in values]


def _sum_products(a: Sequence[float], b: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def _check(marks: Sequence[Sequence[float | None]], max_marks: Sequence[float]) -> None:
    for m in max_marks:
        if not math.isfinite(m) or m < 0:
            raise ValueError(f"max marks must be finite and not negative, got {m!r}")
    for row_no, row in enumerate(marks):
        if len(row) != len(max_marks):
            raise ValueError(
                f"attempt {row_no} has {len(row)} marks but there are {len(max_marks)} questions"
            )
        for mark in row:
            if mark is not None and not math.isfinite(mark):
                raise ValueError(f"attempt {row_no} has a mark that is not a number: {mark!r}")


def _item_stats(
    index: int,
    max_mark: float,
    own: list[float],
    rest: list[float],
    totals: list[float],
    guess: float | None,
) -> ItemStats:
    s = len(own)
    mean_mark = _mean(own) if s else None
    facility = mean_mark / max_mark if mean_mark is not None and max_mark else None
    known = {
        "index": index,
        "attempts": s,
        "max_mark": max_mark,
        "mean_mark": mean_mark,
        "facility": facility,
        "random_guess_score": guess,
    }
    if s < 2:  # every other figure (spread, covariances, indices) needs two attempts
        rest_none = {f.name: None for f in fields(ItemStats) if f.name not in known}
        return ItemStats(**known, **rest_none)
    d_own, d_rest, d_total = _centred(own), _centred(rest), _centred(totals)
    # Moodle's "maximum covariance": both columns sorted, paired rank by rank.
    sorted_own, sorted_rest = _centred(sorted(own)), _centred(sorted(rest))
    mark_var = _sum_products(d_own, d_own) / (s - 1)
    other_var = _sum_products(d_rest, d_rest) / (s - 1)
    cov = _sum_products(d_own, d_rest) / (s - 1)
    cov_max = _sum_products(sorted_own, sorted_rest) / (s - 1)
    cov_overall = _sum_products(d_own, d_total) / (s - 1)
    product = mark_var * other_var
    return ItemStats(
        **known,
        standard_deviation=math.sqrt(mark_var),
        mark_variance=mark_var,
        other_mark_variance=other_var,
        covariance=cov,
        covariance_max=cov_max,
        covariance_with_overall=cov_overall,
        discrimination_index=100 * cov / math.sqrt(product) if product else None,
        discriminative_efficiency=100 * cov / cov_max if cov_max else None,
        effective_weight=None,
    )


def _with_effective_weights(items: list[ItemStats]) -> list[ItemStats]:
    roots = [
        math.sqrt(i.covariance_with_overall)
        for i in items
        if i.covariance_with_overall is not None and i.covariance_with_overall >= 0
    ]
    total = math.fsum(roots)
    if not total:
        return items
    weighted = []
    for item in items:
        cov = item.covariance_with_overall
        weight = None if cov is None or cov < 0 else 100 * math.sqrt(cov) / total
        weighted.append(replace(item, effective_weight=weight))
    return weighted


_WHOLE_TEST_FIGURES = (
    "mean",
    "median",
    "standard_deviation",
    "skewness",
    "kurtosis",
    "cronbach_alpha",
    "error_ratio",
    "standard_error",
)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def analyse(
    marks: Sequence[Sequence[float | None]],
    max_marks: Sequence[float],
    random_guess_scores: Sequence[float | None] | None = None,
) -> QuizStats:
    """Compute Moodle's quiz and question statistics from a table of marks.

    `marks[a][q]` is the mark attempt `a` got on question `q`, or None when the attempt did not
    draw that question. `max_marks[q]` is the question's maximum mark. `random_guess_scores`,
    if given, is stored on each item (see `random_guess_score`). Attempts that saw no question
    are left out. Figures that need more attempts, or spread, than there is are None.
    Raises ValueError for a malformed table (ragged rows, non-finite or negative numbers).
    """
    _check(marks, max_marks)
    n_items = len(max_marks)
    if random_guess_scores is not None and len(random_guess_scores) != n_items:
        raise ValueError("random_guess_scores needs one entry per question")
    rows = [row for row in marks if any(m is not None for m in row)]
    complete = all(m is not None for row in rows for m in row)

    attempt_max = [
        math.fsum(mx for m, mx in zip(row, max_marks, strict=True) if m is not None) for row in rows
    ]
    same_max = len(set(attempt_max)) <= 1
    basis: Literal["marks", "percent"] = "marks" if same_max else "percent"
    # One scale per attempt so totals are comparable: marks when maxima agree, else percent.
    scales = [1.0 if same_max or not mx else 100 / mx for mx in attempt_max]
    scaled = [
        [None if m is None else m * k for m in row] for row, k in zip(rows, scales, strict=True)
    ]
    totals = [math.fsum(m for m in row if m is not None) for row in scaled]

    items = []
    for q in range(n_items):
        seen = [a for a, row in enumerate(rows) if row[q] is not None]
        own = [float(rows[a][q]) for a in seen]  # type: ignore[arg-type]
        rest = [totals[a] - scaled[a][q] for a in seen]  # type: ignore[operator]
        guess = random_guess_scores[q] if random_guess_scores is not None else None
        items.append(_item_stats(q, max_marks[q], own, rest, [totals[a] for a in seen], guess))
    if complete:
        items = _with_effective_weights(items)

    s = len(totals)
    max_total = (attempt_max[0] if attempt_max else math.fsum(max_marks)) if same_max else 100.0
    stats: dict[str, float | None] = dict.fromkeys(_WHOLE_TEST_FIGURES)
    if s:
        stats["mean"] = _mean(totals)
        stats["median"] = _median(totals)
    if s > 1:
        stats.update(_moments(totals, scaled, items, complete))
    return QuizStats(attempts=s, basis=basis, max_total=max_total, items=items, **stats)


def _moments(
    totals: list[float],
    scaled: list[list[float | None]],
    items: list[ItemStats],
    complete: bool,
) -> dict[str, float | None]:
    """Return Moodle's standard deviation, skewness, kurtosis and reliability figures."""
    s = len(totals)
    d = _centred(totals)
    power2 = math.fsum(x**2 for x in d)
    power3 = math.fsum(x**3 for x in d)
    power4 = math.fsum(x**4 for x in d)
    sd = math.sqrt(power2 / (s - 1))
    out: dict[str, float | None] = {"standard_deviation": sd}
    if s < 3:
        return out
    m2, m3, m4 = power2 / s, power3 / s, power4 / s
    k2 = s * m2 / (s - 1)
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    if not k2:
        return out
    out["skewness"] = k3 / k2**1.5
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        out["kurtosis"] = k4 / (k2 * k2)
    p, sum_variance = _positions_and_variance(scaled, items, complete)
    if p is not None and p > 1 and sum_variance is not None:
        cic = (100 * p / (p - 1)) * (1 - sum_variance / k2)
        out["cronbach_alpha"] = cic
        if cic <= 100:
            error_ratio = 100 * math.sqrt(1 - cic / 100)
            out["error_ratio"] = error_ratio
            out["standard_error"] = error_ratio * sd / 100
    return out


def _positions_and_variance(
    scaled: list[list[float | None]], items: list[ItemStats], complete: bool
) -> tuple[int | None, float | None]:
    """Return Moodle's p (questions per attempt) and the sum of their mark variances."""
    if complete:
        return len(items), math.fsum(i.mark_variance or 0.0 for i in items)
    counts = {sum(m is not None for m in row) for row in scaled}
    if len(counts) != 1:
        return None, None
    # A random draw has no fixed positions: each position's variance is estimated by the
    # variance of every drawn mark pooled together (what a position filled at random sees).
    cells = [m for row in scaled for m in row if m is not None]
    if len(cells) < 2:
        return None, None
    d = _centred(cells)
    p = counts.pop()
    return p, p * math.fsum(x * x for x in d) / (len(cells) - 1)


def random_guess_score(question: Question) -> float | None:
    """Return the fraction a random guess scores on this question, as Moodle estimates it.

    single: one right option out of n gives 1/n; true_false: 0.5; multiple: None (Moodle does
    not try to estimate it for multiple-answer questions).
    """
    if question.type == "true_false":
        return 0.5
    if question.type == "single" and question.options:
        return sum(o.correct for o in question.options) / len(question.options)
    return None


def option_shares(choices: Sequence[Collection[K]], option_ids: Sequence[K]) -> dict[K, float]:
    """Return the share (0..1) of responses that chose each option.

    `choices` holds one collection of chosen option ids per attempt at the question (one id for
    a single-answer question, any number for multiple answers, empty when unanswered), e.g.
    the option indexes `training.quiz` records (true_false: 1 for True, 0 for False). Shares
    of a multiple-answer question can add up to more than 1. Ids not in `option_ids` are
    ignored; with no responses every share is 0.
    """
    counts = dict.fromkeys(option_ids, 0)
    for chosen in choices:
        for option in set(chosen):
            if option in counts:
                counts[option] += 1
    n = len(choices)
    return {option: (count / n if n else 0.0) for option, count in counts.items()}


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def flags(
    item: ItemStats,
    shares: Mapping[K, float] | None = None,
    n: int | None = None,
    *,
    correct: Collection[K] = (),
    labels: Mapping[K, str] | None = None,
) -> list[str]:
    """Return plain-language warnings about a question, or one reason why there are none yet.

    `shares` comes from `option_shares`, `correct` names the right options and `labels` gives
    each option's text for the messages. `n` is the number of attempts at the question
    (default `item.attempts`); below `MIN_ATTEMPTS_FOR_FLAGS` the only entry is the reason.
    """
    n = item.attempts if n is None else n
    if n < MIN_ATTEMPTS_FOR_FLAGS:
        return [
            f"Not enough data yet: {n} attempt{'' if n == 1 else 's'}; "
            f"questions are checked from {MIN_ATTEMPTS_FOR_FLAGS} attempts."
        ]
    found: list[str] = []
    if item.facility is not None and item.facility > TOO_EASY_FACILITY:
        found.append(f"Too easy: {_pct(item.facility)} of learners get it right.")
    if item.facility is not None and item.facility < TOO_HARD_FACILITY:
        found.append(f"Too hard: only {_pct(item.facility)} of learners get it right.")
    di = item.discrimination_index
    if di is not None and di < POOR_DISCRIMINATION_INDEX:
        if di < 0:
            found.append(
                f"Poor discriminator (index {di:.0f}): learners who do well on the rest of the "
                "quiz do worse on this question; check the key and the wording."
            )
        else:
            found.append(
                f"Poor discriminator (index {di:.0f}): strong and weak learners do about as "
                "well on it."
            )
    if shares:
        found.extend(_option_flags(shares, correct, labels or {}))
    return found


def _option_flags(
    shares: Mapping[K, float], correct: Collection[K], labels: Mapping[K, str]
) -> list[str]:
    def name(option: K) -> str:
        return f"'{labels.get(option, str(option))}'"

    found = []
    for option, share in shares.items():
        if share == 0:
            if option in correct:
                found.append(f"Nobody chose the right option {name(option)}.")
            else:
                found.append(
                    f"Nobody chose option {name(option)}: it does not distract; "
                    "rewrite or remove it."
                )
    right = [shares[o] for o in correct if o in shares]
    if right:
        best_right = max(right)
        for option, share in shares.items():
            if option not in correct and share > best_right:
                found.append(
                    f"Wrong option {name(option)} is chosen more often ({_pct(share)}) than the "
                    f"right answer ({_pct(best_right)}): check the key and the wording."
                )
    return found


# --- what the page shows per question -------------------------------------------------


@dataclass(frozen=True)
class QuestionFigures:
    """Everything the page shows about one question."""

    number: int
    question: Question
    item: ItemStats
    option_ids: list[int]
    option_labels: dict[int, str]
    correct: list[int]
    shares: dict[int, float]
    flags: list[str]

    @property
    def checked(self) -> bool:
        """Return True when the question has enough attempts to be flagged."""
        return self.item.attempts >= MIN_ATTEMPTS_FOR_FLAGS


def short_text(text: str, limit: int = 60) -> str:
    """Return text on one line, cut at limit characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def option_ids(question: Question) -> tuple[list[int], dict[int, str]]:
    """Return a question's option ids in content order, and their texts."""
    if question.type == "true_false":
        return list(TRUE_FALSE_ORDER), dict(TRUE_FALSE_LABELS)
    options = question.options or []
    return list(range(len(options))), {i: o.text for i, o in enumerate(options)}


def question_figures(
    questions: Sequence[Question],
    stats: QuizStats,
    choices: Mapping[str, Sequence[Collection[int]]],
) -> list[QuestionFigures]:
    """Return the figures, option shares and flags of every question of the pool.

    choices holds, per question id, the options each response chose.
    """
    figures = []
    for number, (question, item) in enumerate(zip(questions, stats.items, strict=True), 1):
        ids, labels = option_ids(question)
        shares = option_shares(choices.get(question.id, []), ids)
        correct = correct_answer(question)
        short = {i: short_text(t, 40) for i, t in labels.items()}
        found = flags(item, shares, correct=correct, labels=short)
        figures.append(QuestionFigures(number, question, item, ids, labels, correct, shares, found))
    return figures
