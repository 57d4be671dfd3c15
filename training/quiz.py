"""Quiz logic: draw an attempt, validate answers, grade, and decide what feedback may be shown.

Pure functions over the content models; no Streamlit, no database. The store persists what
`draw_questions` returns (`drawn_to_json`) on the attempt row so a refresh shows the same
questions in the same order, and grades against the module version the attempt started with.

Answer representation (one list of ints per question, keyed by question id):

* ``single``: ``[i]``, the original index of the chosen option in ``question.options``.
* ``multiple``: the sorted original indexes of every ticked option, e.g. ``[0, 2]``.
* ``true_false``: ``[1]`` for True, ``[0]`` for False (``int(bool)``), so
  ``TRUE_FALSE_ORDER == [1, 0]`` shows True first.

Indexes are always into the content's option list, never into the shuffled display order, so
answers stay meaningful whatever order the learner saw. A missing key or an empty list means
unanswered, which scores zero.

Marking: one mark per question, all or nothing. A ``multiple`` question scores its mark only when
the ticked set is exactly the set of correct options (no partial credit, no negative marks).
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from training.models import FeedbackMode, Module, Question
from training.scores import score_value

TRUE_FALSE_ORDER: list[int] = [1, 0]
"""Display order of a true_false question: True (1) first, then False (0)."""

TRUE_FALSE_LABELS: dict[int, str] = {1: "True", 0: "False"}


class QuizContentError(ValueError):
    """The attempt refers to a question or option the module does not have."""


class AttemptLimitReached(ValueError):
    """The learner has used every attempt the quiz allows."""


@dataclass(frozen=True)
class DrawnQuestion:
    """One question of an attempt: its id and the order its options are shown in."""

    question_id: str
    option_order: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return a plain dict for JSON storage."""
        return {"question_id": self.question_id, "option_order": list(self.option_order)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrawnQuestion:
        """Rebuild a drawn question from `to_json` output, rejecting malformed data."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a drawn question must be a mapping, got {type(data).__name__}")
        qid = data.get("question_id")
        order = data.get("option_order")
        if not isinstance(qid, str) or not qid:
            raise ValueError("a drawn question needs a non-empty string question_id")
        if not isinstance(order, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in order
        ):
            raise ValueError(f"option_order of {qid!r} must be a list of integers")
        return cls(question_id=qid, option_order=list(order))


@dataclass(frozen=True)
class QuestionResult:
    """How one question of an attempt was marked."""

    question_id: str
    chosen: list[int]
    correct: bool
    marks: int
    max_marks: int = 1


@dataclass(frozen=True)
class Grade:
    """The outcome of an attempt; `score` is the raw percent, `score_rounded` is for display."""

    results: list[QuestionResult]
    marks: int
    max_marks: int
    score: float
    pass_mark: int
    passed: bool

    @property
    def score_rounded(self) -> float:
        """Return the score rounded for display (training.scores.score_value)."""
        return score_value(self.score)

    def result(self, question_id: str) -> QuestionResult | None:
        """Return the result for this question id, or None."""
        return next((r for r in self.results if r.question_id == question_id), None)


@dataclass(frozen=True)
class QuestionReview:
    """What the results page may show for one question.

    When `revealed` is False (on_pass mode before a pass) only `correct` and the learner's own
    `chosen` answer are filled in: `right_answer` is None, `option_feedback` is empty and
    `explanation` is None.
    """

    question_id: str
    chosen: list[int]
    correct: bool
    revealed: bool
    right_answer: list[int] | None = None
    option_feedback: dict[int, str] = field(default_factory=dict)
    explanation: str | None = None


@dataclass(frozen=True)
class ImmediateFeedback:
    """Feedback right after one answer (immediate mode)."""

    correct: bool
    right_answer: list[int]
    feedback: list[str]
    explanation: str | None


def new_seed() -> int:
    """Return a fresh random seed for a new attempt (store it with the attempt)."""
    # 31 bits: the seed is stored in a 32-bit INTEGER column on every database.
    return secrets.randbits(31)


def _option_count(question: Question) -> int:
    """Return how many answer choices the question has (2 for true_false)."""
    if question.type == "true_false":
        return 2
    if not question.options:
        raise QuizContentError(f"question {question.id!r} ({question.type}) has no options")
    return len(question.options)


def draw_count(module: Module) -> int:
    """Return how many questions one attempt draws: questions_per_attempt, at most the pool."""
    pool = len(module.quiz.questions)
    return min(module.quiz.questions_per_attempt or pool, pool)


def draw_questions(module: Module, seed: int) -> list[DrawnQuestion]:
    """Draw the questions of one attempt and each one's option order, deterministically per seed.

    `quiz.questions_per_attempt` questions (all when unset or larger than the pool) are sampled
    without replacement in random order; options of single/multiple questions are shuffled,
    true_false is always shown True then False.
    """
    rng = random.Random(seed)
    picked = rng.sample(list(module.quiz.questions), draw_count(module))
    drawn: list[DrawnQuestion] = []
    for question in picked:
        if question.type == "true_false":
            order = list(TRUE_FALSE_ORDER)
        else:
            order = list(range(_option_count(question)))
            rng.shuffle(order)
        drawn.append(DrawnQuestion(question_id=question.id, option_order=order))
    return drawn


def drawn_to_json(drawn: Sequence[DrawnQuestion]) -> list[dict[str, Any]]:
    """Return the draw as plain lists and dicts for the attempt row."""
    return [d.to_json() for d in drawn]


def drawn_from_json(data: Any) -> list[DrawnQuestion]:
    """Rebuild a draw stored with `drawn_to_json`, rejecting malformed data with ValueError."""
    if not isinstance(data, list):
        raise ValueError(f"a stored draw must be a list, got {type(data).__name__}")
    drawn = [DrawnQuestion.from_json(item) for item in data]
    ids = [d.question_id for d in drawn]
    if len(set(ids)) != len(ids):
        raise ValueError("a stored draw lists the same question twice")
    return drawn


def _question(module: Module, question_id: str) -> Question:
    question = module.question(question_id)
    if question is None:
        raise QuizContentError(
            f"question {question_id!r} is not in module {module.id!r}; grade an attempt against "
            "the content version it started with"
        )
    return question


def ordered_options(question: Question, drawn: DrawnQuestion) -> list[tuple[int, str]]:
    """Return (answer index, text) pairs in the drawn display order."""
    if drawn.question_id != question.id:
        raise QuizContentError(f"drawn {drawn.question_id!r} does not match {question.id!r}")
    n = _option_count(question)
    if sorted(drawn.option_order) != list(range(n)):
        raise QuizContentError(
            f"option order {drawn.option_order} does not fit question {question.id!r} "
            f"with {n} options"
        )
    if question.type == "true_false":
        return [(i, TRUE_FALSE_LABELS[i]) for i in drawn.option_order]
    assert question.options is not None
    return [(i, question.options[i].text) for i in drawn.option_order]


def validate_answer(question: Question, answer: Any) -> list[int]:
    """Normalise an answer to the list-of-indexes form, raising ValueError when it is invalid.

    Accepts a list, tuple or set of ints. single and true_false need exactly one index,
    multiple needs at least one, without repeats; the result is sorted. true_false also
    accepts a bool (True/False) in place of 1/0. An empty answer is rejected here: to leave a
    question unanswered, leave it out of the answers dict.
    """
    qid = question.id
    if isinstance(answer, str | bytes | Mapping) or not isinstance(answer, list | tuple | set):
        raise ValueError(
            f"answer to {qid!r} must be a list of option indexes, got {type(answer).__name__}"
        )
    items = list(answer)
    indexes: list[int] = []
    for item in items:
        if isinstance(item, bool):
            if question.type != "true_false":
                raise ValueError(f"answer to {qid!r} must use option indexes, not {item!r}")
            item = int(item)
        if not isinstance(item, int):
            raise ValueError(f"answer to {qid!r} contains {item!r}, which is not an index")
        indexes.append(item)
    if not indexes:
        raise ValueError(f"answer to {qid!r} is empty; choose an option")
    n = _option_count(question)
    bad = [i for i in indexes if not 0 <= i < n]
    if bad:
        valid = "0 (False) or 1 (True)" if question.type == "true_false" else f"0 to {n - 1}"
        raise ValueError(f"answer to {qid!r} has index {bad[0]} out of range; use {valid}")
    if len(set(indexes)) != len(indexes):
        raise ValueError(f"answer to {qid!r} repeats an option")
    if question.type in ("single", "true_false") and len(indexes) != 1:
        raise ValueError(f"question {qid!r} ({question.type}) takes exactly one answer")
    return sorted(indexes)


def correct_answer(question: Question) -> list[int]:
    """Return the right answer in the list-of-indexes form."""
    if question.type == "true_false":
        if question.answer is None:
            raise QuizContentError(f"true_false question {question.id!r} has no answer")
        return [int(question.answer)]
    _option_count(question)
    assert question.options is not None
    return [i for i, option in enumerate(question.options) if option.correct]


def is_correct(question: Question, answer: Sequence[int] | None) -> bool:
    """Return whether an answer earns the mark; None or empty counts as wrong."""
    if not answer:
        return False
    return validate_answer(question, answer) == correct_answer(question)


def grade(
    module: Module, drawn: Sequence[DrawnQuestion], answers: Mapping[str, Sequence[int]]
) -> Grade:
    """Mark an attempt: one mark per drawn question, all or nothing, unanswered is wrong.

    `passed` compares the exact fraction with the pass mark (marks * 100 >= pass_mark *
    max_marks), so float rounding never flips a pass. Raises QuizContentError when a drawn
    question is not in `module`, ValueError for an invalid answer or an answer to a question
    that was not drawn.
    """
    if not drawn:
        raise ValueError("cannot grade an attempt with no questions")
    drawn_ids = [d.question_id for d in drawn]
    if len(set(drawn_ids)) != len(drawn_ids):
        raise ValueError("the draw lists the same question twice")
    extra = sorted(set(answers) - set(drawn_ids))
    if extra:
        raise ValueError(f"answers given for questions not in this attempt: {', '.join(extra)}")
    results: list[QuestionResult] = []
    for qid in drawn_ids:
        question = _question(module, qid)
        raw = answers.get(qid)
        chosen = validate_answer(question, raw) if raw else []
        correct = bool(chosen) and chosen == correct_answer(question)
        results.append(
            QuestionResult(
                question_id=qid, chosen=chosen, correct=correct, marks=int(correct), max_marks=1
            )
        )
    return total(results, module.quiz.pass_mark)


def total(results: Sequence[QuestionResult], pass_mark: int) -> Grade:
    """Return the grade of an attempt from its marked questions: the one scoring rule.

    `passed` compares the exact fraction with the pass mark, so float rounding never flips it.
    """
    marks = sum(r.marks for r in results)
    max_marks = sum(r.max_marks for r in results)
    return Grade(
        results=list(results),
        marks=marks,
        max_marks=max_marks,
        score=marks * 100 / max_marks,
        pass_mark=pass_mark,
        passed=marks * 100 >= pass_mark * max_marks,
    )


def _option_feedback(question: Question) -> dict[int, str]:
    if question.type == "true_false" or not question.options:
        return {}
    return {i: o.feedback for i, o in enumerate(question.options) if o.feedback}


def review(
    module: Module,
    grade: Grade,
    mode: FeedbackMode | str | None = None,
    passed: bool | None = None,
) -> list[QuestionReview]:
    """Return, per graded question, what the results page may show under the feedback mode.

    `mode` defaults to the module's quiz setting. `passed` says whether the learner has passed
    the module (this or an earlier attempt); it defaults to `grade.passed`. after_submit and
    immediate reveal the right answer, every option's feedback and the explanation; on_pass
    reveals them only when passed, otherwise just right or wrong per question.
    """
    mode_value = FeedbackMode(mode if mode is not None else module.quiz.feedback)
    has_passed = grade.passed if passed is None else passed
    reveal = mode_value is not FeedbackMode.on_pass or has_passed
    reviews: list[QuestionReview] = []
    for result in grade.results:
        question = _question(module, result.question_id)
        reviews.append(
            QuestionReview(
                question_id=result.question_id,
                chosen=list(result.chosen),
                correct=result.correct,
                revealed=reveal,
                right_answer=correct_answer(question) if reveal else None,
                option_feedback=_option_feedback(question) if reveal else {},
                explanation=question.explanation if reveal else None,
            )
        )
    return reviews


def immediate_feedback(question: Question, answer: Sequence[int]) -> ImmediateFeedback:
    """Return the feedback shown right after an answer: right or not, chosen options' feedback.

    Meant for immediate mode (and ungraded refresher reviews). The page should lock the answer
    once this is shown, so the learner cannot change it after seeing the right one.
    """
    chosen = validate_answer(question, answer)
    right = correct_answer(question)
    option_feedback = _option_feedback(question)
    return ImmediateFeedback(
        correct=chosen == right,
        right_answer=right,
        feedback=[option_feedback[i] for i in chosen if i in option_feedback],
        explanation=question.explanation,
    )


@dataclass(frozen=True)
class OptionVerdict:
    """One option of an answered question: whether it was chosen, whether it is right."""

    index: int
    chosen: bool
    correct: bool  # the option is one of the right answers
    feedback: str | None

    @property
    def right(self) -> bool:
        """Return True when the learner treated this option as they should have."""
        return self.chosen == self.correct

    def sentence(self, question_type: str) -> str:
        """Return what the learner did with this option, as a whole sentence."""
        picked = "ticked" if question_type == "multiple" else "chose"
        if self.chosen and self.correct:
            return f"You {picked} it, and it is right."
        if self.chosen:
            return f"You {picked} it, but it is not right."
        if self.correct:
            if question_type == "multiple":
                return "You left it out, but it is right."
            return "This is the right answer."
        return "You left it out, and rightly so."


_VERDICT_OPENING = re.compile(
    r"^\s*(correct|right|yes|exactly|wrong|incorrect|no|not quite)\s*[.!]\s+(?=\S)",
    re.IGNORECASE,
)


def without_verdict(feedback: str) -> str:
    """Return option feedback without an opening "Correct." or "Not quite." (shown already).

    Feedback that is nothing but such a word ("Yes.") comes back empty.
    """
    if _VERDICT_OPENING.sub("", feedback.strip() + " x", count=1) == "x":
        return ""
    rest = _VERDICT_OPENING.sub("", feedback, count=1)
    return rest[:1].upper() + rest[1:] if rest else feedback


def option_verdicts(question: Question, chosen: Sequence[int]) -> list[OptionVerdict]:
    """Return, per option worth mentioning, what the learner did with it and its feedback.

    multiple: every option, so the learner sees which were right and wrong one by one.
    single and true_false: the chosen option and, when it was wrong, the right one.
    Options come in content order (indexes into the question's options).
    """
    picked = set(chosen)
    right = set(correct_answer(question))
    feedback = {i: without_verdict(text) for i, text in _option_feedback(question).items()}
    indexes = range(_option_count(question))
    if question.type != "multiple":
        indexes = [i for i in indexes if i in picked or i in right]
    return [
        OptionVerdict(
            index=i, chosen=i in picked, correct=i in right, feedback=feedback.get(i) or None
        )
        for i in indexes
    ]


def answer_summary(question: Question, chosen: Sequence[int]) -> str:
    """Return the one-sentence verdict on an answer ("Correct." or how far off it is)."""
    picked, right = set(chosen), set(correct_answer(question))
    if picked == right:
        if question.type == "multiple":
            return "Correct: you ticked every right answer and nothing else."
        return "Correct."
    if question.type != "multiple":
        return "Not quite." if picked else "Not answered."
    hits, wrong = len(picked & right), len(picked - right)
    text = f"Not quite: you ticked {hits} of the {len(right)} right answers"
    if wrong:
        text += f" and {wrong} that {'is' if wrong == 1 else 'are'} not right"
    return text + "."


@dataclass(frozen=True)
class AnswerVerdict:
    """Everything said about one answered question: the verdict, option by option, and why."""

    correct: bool
    summary: str  # answer_summary
    verdicts: list[OptionVerdict]  # option_verdicts, in content order
    explanation: str | None


def answer_verdict(question: Question, chosen: Sequence[int]) -> AnswerVerdict:
    """Return the verdict on an answer as the quiz, the results and the refresher show it."""
    return AnswerVerdict(
        correct=is_correct(question, chosen),
        summary=answer_summary(question, chosen),
        verdicts=option_verdicts(question, chosen),
        explanation=question.explanation,
    )


def attempts_left(max_attempts: int | None, used: int) -> int | None:
    """Return how many attempts remain, or None when unlimited.

    Count every started attempt as used, submitted or not, so abandoning an attempt does not
    give a free retry.
    """
    if used < 0:
        raise ValueError(f"used attempts cannot be negative, got {used}")
    if max_attempts is None:
        return None
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    return max(0, max_attempts - used)


def can_start(max_attempts: int | None, used: int) -> bool:
    """Return whether another attempt may be started."""
    left = attempts_left(max_attempts, used)
    return left is None or left > 0


def ensure_can_start(max_attempts: int | None, used: int) -> None:
    """Raise AttemptLimitReached when no attempt is left (call it server side before starting)."""
    if not can_start(max_attempts, used):
        raise AttemptLimitReached(
            f"all {max_attempts} attempts used; ask your manager or trainer for another"
        )
