"""What the module page shows, one read model per screen, each read in one session.

The page used to fetch its pieces one by one (progress, the open attempt, the draw, drafts,
option order, feedback, the attempt count, the next module): seven trips down to the store
and back per run. Here `module_header` hands it the top of the page and `quiz_screen` the quiz
section (the introduction, the open attempt, or a result), each built from `training.quiz` in
one read-only session; the page only draws them. Writes (starting, answering, submitting) stay
in `store.learning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from store import config, learning, settings
from store.db import reading
from store.stamped import StampedCache
from training import quiz
from training.loader import LoadedModule
from training.models import FeedbackMode, Module, Question


@dataclass(frozen=True)
class ModuleHeader:
    """The top of the module page and what decides its first section."""

    item: learning.TrainingItem  # status, dates, best score
    lesson_position: int
    has_open_attempt: bool


@dataclass(frozen=True)
class QuestionView:
    """One question as the learner answers it: options in their drawn order, the draft."""

    question: Question
    options: list[tuple[int, str]]  # (option index, text) in the order shown
    draft: list[int]
    verdict: quiz.AnswerVerdict | None  # immediate mode, once answered (the answer is locked)


@dataclass(frozen=True)
class OpenAttemptView:
    """An attempt in progress: where the learner is and the question they are on."""

    attempt_id: int
    module: Module  # as at the attempt's content version (answers are checked against it)
    position: int  # 0-based, within the draw
    questions: int
    answered: int
    current: QuestionView


@dataclass(frozen=True)
class QuizIntro:
    """Before an attempt: the rules, the attempts left and the last result."""

    draw_count: int
    pool: int
    pass_mark: int
    feedback: FeedbackMode
    max_attempts: int | None
    used: int
    left: int | None
    last_attempt_id: int | None
    last_score: float | None
    last_submitted_at: datetime | None


@dataclass(frozen=True)
class ReviewView:
    """One question of a submitted attempt, as the results show it."""

    number: int
    question: Question
    correct: bool
    revealed: bool  # on_pass before a pass: only right or wrong, and the learner's answer
    options: list[tuple[int, str]]
    chosen: list[int]
    verdict: quiz.AnswerVerdict | None  # when revealed


@dataclass(frozen=True)
class ResultsScreen:
    """A submitted attempt's result, its questions, and what the learner can do next."""

    attempt_id: int
    grade: quiz.Grade
    reviews: list[ReviewView]
    left: int | None
    next_module: tuple[str, str] | None  # (id, title) of the next module not yet done


@dataclass(frozen=True)
class QuizScreen:
    """The quiz section: exactly one of the fields is set (unreadable: the attempt's version
    can no longer be read; missing_result: the asked-for result is not available)."""

    intro: QuizIntro | None = None
    attempt: OpenAttemptView | None = None
    results: ResultsScreen | None = None
    unreadable: bool = False
    missing_result: bool = False


# The header is read on every rerun of a module page (every answer of a quiz): kept per
# process by the person's stamp, which moves with their attempts, team, assignments and
# their place in this module's lessons (learning.person_stamp).
_HEADERS = StampedCache(5_000)


def module_header(
    *, user_id: int, loaded: LoadedModule, today: date, session: Session | None = None
) -> ModuleHeader:
    """Return the top of the module page for the person (read again only on a change)."""
    module_id = loaded.module.id
    with reading(session) as session:
        stamp = learning.person_stamp(session, user_id, module_id)
        zone = str(settings.time_zone())
        key = (config.database_url(), user_id, module_id, id(loaded), today, zone, stamp)
        found = _HEADERS.get(key)
        if found is None:
            found = _read_header(user_id, loaded, today, session)
            _HEADERS.put(key, found, keep=(loaded,))
    return found


def quiz_first(header: ModuleHeader, result_attempt_id: int | None) -> bool:
    """Return True when the module page opens on its quiz: an attempt is open or a result
    was asked for; else it opens on the lessons."""
    return header.has_open_attempt or bool(result_attempt_id)


def module_screen(
    *,
    user_id: int,
    loaded: LoadedModule,
    modules: Mapping[str, LoadedModule],
    today: date,
    quiz_section: bool | None,
    result_attempt_id: int | None = None,
) -> tuple[ModuleHeader, QuizScreen | None]:
    """Return the header and, when the quiz section shows, the quiz: one session for both.

    quiz_section None: the page does not know its section yet (its first run); the quiz is
    read when the page will open on it (quiz_first). A rerun of a quiz question (every answer)
    read them in two sessions before, and so did the first run of a page with an open attempt.
    """
    with reading() as session:
        header = module_header(user_id=user_id, loaded=loaded, today=today, session=session)
        if quiz_section is None:
            quiz_section = quiz_first(header, result_attempt_id)
        if not quiz_section:
            return header, None
        screen = quiz_screen(
            user_id=user_id,
            loaded=loaded,
            modules=modules,
            result_attempt_id=result_attempt_id,
            today=today,
            session=session,
        )
        return header, screen


def _read_header(user_id: int, loaded: LoadedModule, today: date, session: Session) -> ModuleHeader:
    rows = learning.progress_rows(user_id=user_id, session=session)
    item = learning.training_item(
        user_id=user_id, loaded=loaded, today=today, session=session, progress=rows
    )
    progress = rows.get(loaded.module.id)
    return ModuleHeader(
        item=item,
        lesson_position=progress.lesson_position if progress else 0,
        has_open_attempt=item.has_open_attempt,
    )


def quiz_screen(
    *,
    user_id: int,
    loaded: LoadedModule,
    modules: Mapping[str, LoadedModule],
    result_attempt_id: int | None,
    today: date,
    session: Session | None = None,
) -> QuizScreen:
    """Return the quiz section for the person, read in one session.

    An open attempt comes first; else the result of result_attempt_id when given; else the
    introduction.
    """
    m = loaded.module
    with reading(session) as session:
        open_row = learning.open_attempt(user_id=user_id, module_id=m.id, session=session)
        if open_row is not None:
            module = learning.module_for_version(
                module_id=m.id, version=open_row.content_version, current=loaded, session=session
            )
            if module is None:
                return QuizScreen(unreadable=True)
            return QuizScreen(attempt=_open_attempt(open_row, module))
        if result_attempt_id is not None:
            results = results_screen(
                user_id=user_id,
                loaded=loaded,
                modules=modules,
                attempt_id=result_attempt_id,
                today=today,
                session=session,
            )
            return QuizScreen(results=results) if results else QuizScreen(missing_result=True)
        return QuizScreen(intro=_intro(user_id, m, session))


def _open_attempt(row, module: Module) -> OpenAttemptView:
    drawn = quiz.drawn_from_json(row.drawn)
    drafts = row.draft_answers or {}
    position = min(max(row.position, 0), len(drawn) - 1)
    current = drawn[position]
    question = module.question(current.question_id)
    draft = drafts.get(current.question_id) or []
    locked = module.quiz.feedback == FeedbackMode.immediate and bool(draft)
    return OpenAttemptView(
        attempt_id=row.id,
        module=module,
        position=position,
        questions=len(drawn),
        answered=sum(1 for d in drawn if drafts.get(d.question_id)),
        current=QuestionView(
            question=question,
            options=quiz.ordered_options(question, current),
            draft=draft,
            verdict=quiz.answer_verdict(question, draft) if locked else None,
        ),
    )


def _intro(user_id: int, m: Module, session: Session) -> QuizIntro:
    used = learning.attempts_used(user_id=user_id, module_id=m.id, session=session)
    last = next(
        iter(learning.history(user_id=user_id, module_id=m.id, limit=1, session=session)), None
    )
    return QuizIntro(
        draw_count=quiz.draw_count(m),
        pool=len(m.quiz.questions),
        pass_mark=m.quiz.pass_mark,
        feedback=FeedbackMode(m.quiz.feedback),
        max_attempts=m.quiz.max_attempts,
        used=used,
        left=quiz.attempts_left(m.quiz.max_attempts, used),
        last_attempt_id=last.id if last else None,
        last_score=last.score if last else None,
        last_submitted_at=last.submitted_at if last else None,
    )


def results_screen(
    *,
    user_id: int,
    loaded: LoadedModule,
    modules: Mapping[str, LoadedModule],
    attempt_id: int,
    today: date,
    session: Session | None = None,
) -> ResultsScreen | None:
    """Return the result of one of the person's submitted attempts, or None if not theirs or
    no longer readable."""
    m = loaded.module
    with reading(session) as session:
        row = learning.attempt(attempt_id=attempt_id, user_id=user_id, session=session)
        if row is None:
            return None
        module = learning.module_for_version(
            module_id=m.id, version=row.content_version, current=loaded, session=session
        )
        if module is None:
            return None
        result = learning.recorded_result(
            attempt_id=attempt_id, user_id=user_id, module=module, session=session
        )
        if result is None:
            return None
        items = learning.my_training(user_id=user_id, modules=modules, today=today, session=session)
        used = learning.attempts_used(user_id=user_id, module_id=m.id, session=session)
    grade = result.grade
    mine = next((i for i in items if i.module_id == m.id), None)
    ever_passed = bool(mine and mine.passed_at) or grade.passed
    drawn = {d.question_id: d for d in quiz.drawn_from_json(row.drawn)}
    reviews = []
    for number, r in enumerate(quiz.review(module, grade, passed=ever_passed), start=1):
        question = module.question(r.question_id)
        reviews.append(
            ReviewView(
                number=number,
                question=question,
                correct=r.correct,
                revealed=r.revealed,
                options=quiz.ordered_options(question, drawn[r.question_id]),
                chosen=list(r.chosen),
                verdict=quiz.answer_verdict(question, r.chosen) if r.revealed else None,
            )
        )
    following = next((i for i in items if i.module_id != m.id and not i.status.done), None)
    return ResultsScreen(
        attempt_id=attempt_id,
        grade=grade,
        reviews=reviews,
        left=quiz.attempts_left(m.quiz.max_attempts, used),
        next_module=(following.module_id, following.title) if following else None,
    )
