"""FSRS cards and review log in the database: one card per (person, question), kept up to date.

Every graded answer is one FSRS review (training.practice): a quiz submit, a refresher or a
daily-practice answer calls `record` in the same transaction that saves the answer, so the card
and the answer never disagree. `backfill` is the data step of migration 0009: it replays the
answers already stored, in time order, so existing refresher history keeps its schedule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC

import sqlalchemy as sa
from fsrs import Card, State
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store import settings
from store.models import FsrsCard, FsrsReview
from training.practice import CardState, QuestionKey, Replayer, Review, apply, rating, scheduler

REFRESHER_KIND = "refresher"


def review_of(module_id: str, kind: str, submitted_at, question_id: str, correct) -> Review:
    """Return one stored answer as a Review (refresher answers name "module:question")."""
    if kind == REFRESHER_KIND:
        module_id, _, question_id = question_id.partition(":")
    if submitted_at.tzinfo is None:
        submitted_at = submitted_at.replace(tzinfo=UTC)
    return Review(module_id, question_id, submitted_at, bool(correct))


def card_state(row: FsrsCard) -> CardState:
    """Return a stored card as training.practice's CardState (an fsrs Card inside)."""
    card = Card(
        card_id=row.id or 1,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due if row.due.tzinfo else row.due.replace(tzinfo=UTC),
        last_review=(
            row.last_review.replace(tzinfo=UTC)
            if row.last_review and row.last_review.tzinfo is None
            else row.last_review
        ),
    )
    return CardState(row.module_id, row.question_id, card, row.last_correct, row.reviews)


def _fill(row: FsrsCard, state: CardState) -> None:
    card = state.card
    row.state = int(card.state)
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review
    row.last_correct = state.last_correct
    row.reviews = state.reviews


def _card_row(session: Session, user_id: int, review: Review) -> FsrsCard | None:
    return session.exec(
        select(FsrsCard)
        .where(
            FsrsCard.user_id == user_id,
            FsrsCard.module_id == review.module_id,
            FsrsCard.question_id == review.question_id,
        )
        .with_for_update()
    ).first()


def record(session: Session, user_id: int, reviews: Iterable[Review]) -> None:
    """Apply each answer to its card (creating it on a first answer) and log the review."""
    sched = scheduler(settings.get_setting("desired_retention", session=session))
    for review in reviews:
        row = _card_row(session, user_id, review)
        if row is None:
            row = FsrsCard(user_id=user_id, module_id=review.module_id)
            row.question_id = review.question_id
            _fill(row, apply(sched, None, review))
            try:
                with session.begin_nested():  # another tab may add the same card at once
                    session.add(row)
            except IntegrityError:
                row = _card_row(session, user_id, review)
                _fill(row, apply(sched, card_state(row), review))
        else:
            _fill(row, apply(sched, card_state(row), review))
        session.add(row)
        session.add(
            FsrsReview(
                user_id=user_id,
                module_id=review.module_id,
                question_id=review.question_id,
                rating=int(rating(review.correct)),
                reviewed_at=review.at,
            )
        )
    session.flush()


def load(session: Session, user_id: int) -> dict[QuestionKey, CardState]:
    """Return the person's cards by (module id, question id)."""
    rows = session.exec(select(FsrsCard).where(FsrsCard.user_id == user_id)).all()
    return {(r.module_id, r.question_id): card_state(r) for r in rows}


# --- migration 0009's data step (plain tables: it must not depend on later models) ----------

_attempt = sa.table(
    "attempt",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("module_id"),
    sa.column("kind"),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
)
_answer = sa.table(
    "answer",
    sa.column("id"),
    sa.column("attempt_id"),
    sa.column("question_id"),
    sa.column("correct", sa.Boolean),
)


_has_cards = sa.select(sa.column("user_id")).select_from(sa.table("fsrscard"))


def stored_retention(connection: sa.Connection) -> float:
    row = connection.execute(
        sa.text("SELECT value FROM setting WHERE key = :k"), {"k": "org.desired_retention"}
    ).first()
    spec = settings.SETTINGS["desired_retention"]
    try:
        return spec.parse(json.loads(row[0])) if row else spec.default
    except (settings.SettingError, ValueError, TypeError):
        return spec.default


CARD_COLUMNS = (
    "user_id",
    "module_id",
    "question_id",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "last_correct",
    "reviews",
)
# PostgreSQL's types of CARD_COLUMNS, for a binary COPY (store.bulk)
CARD_TYPES = ("int4", "varchar", "varchar", "int4", "int4", "float8", "float8")
CARD_TYPES += ("timestamptz", "timestamptz", "bool", "int4")
REVIEW_COLUMNS = ("user_id", "module_id", "question_id", "rating", "reviewed_at")
REVIEW_TYPES = ("int4", "varchar", "varchar", "int4", "timestamptz")
BACKFILL_PEOPLE = 250  # people replayed and written at a time: memory stays bounded


def _people_to_replay(connection: sa.Connection) -> list[int]:
    """Return the ids of people with submitted answers and no cards yet, in order."""
    query = (
        sa.select(_attempt.c.user_id)
        .where(_attempt.c.submitted_at.is_not(None), _attempt.c.user_id.not_in(_has_cards))
        .distinct()
        .order_by(_attempt.c.user_id)
    )
    return list(connection.execute(query).scalars())


_review = sa.table("fsrsreview", *(sa.column(c) for c in REVIEW_COLUMNS))
_people = sa.bindparam("people", expanding=True)


def _answers(*columns, where=sa.true()) -> sa.Select:
    """Select the chosen people's submitted answers, by person and in time order."""
    return (
        sa.select(*columns)
        .join(_answer, _answer.c.attempt_id == _attempt.c.id)
        .where(_attempt.c.submitted_at.is_not(None), _attempt.c.user_id.in_(_people), where)
        .order_by(_attempt.c.user_id, _attempt.c.submitted_at, _answer.c.id)
    )


def card_rows(user_id: int, cards: dict[QuestionKey, CardState], time_) -> Iterator[tuple]:
    """Yield one person's replayed cards as rows in CARD_COLUMNS order."""
    for s in cards.values():
        c = s.card
        yield (
            user_id,
            s.module_id,
            s.question_id,
            int(c.state),
            c.step,
            c.stability,
            c.difficulty,
            time_(c.due),
            time_(c.last_review),
            s.last_correct,
            s.reviews,
        )


def _quiz_log(where) -> sa.Insert:
    again, good = int(rating(False)), int(rating(True))
    return _review.insert().from_select(
        REVIEW_COLUMNS,
        _answers(
            _attempt.c.user_id,
            _attempt.c.module_id,
            _answer.c.question_id,
            sa.case((_answer.c.correct, good), else_=again),
            _attempt.c.submitted_at,
            where=where,
        ),
    )


def backfill(connection: sa.Connection, *, people_at_a_time: int = BACKFILL_PEOPLE) -> int:
    """Replay stored answers into FSRS cards and review rows; return the cards written.

    Only people who have no cards yet (all of them in the migration; the new people of a demo
    seed) are replayed, so running it again never doubles a card. People are read, replayed
    and written `people_at_a_time` at a time (cards through store.bulk, COPY on PostgreSQL;
    quiz answers' review rows straight from the answers, inside the database), so memory stays
    bounded whatever the size of the organisation."""
    from store.bulk import BulkWriter

    replayer = Replayer(stored_retention(connection))
    writer = BulkWriter(connection)
    time_, again, good = writer.time, int(rating(False)), int(rating(True))
    answers = _answers(
        _attempt.c.user_id,
        _attempt.c.module_id,
        _attempt.c.kind,
        _attempt.c.submitted_at,
        _answer.c.question_id,
        _answer.c.correct,
    )
    quiz_log = _quiz_log(_attempt.c.kind != REFRESHER_KIND)
    people = _people_to_replay(connection)
    written = 0
    for start in range(0, len(people), people_at_a_time):
        chunk = {"people": people[start : start + people_at_a_time]}
        by_user: dict[int, list[Review]] = {}
        refresher_log = []
        for user_id, module_id, kind, at, question_id, correct in connection.execute(
            answers, chunk
        ).all():
            review = review_of(module_id, kind, at, question_id, correct)
            by_user.setdefault(user_id, []).append(review)
            if kind == REFRESHER_KIND:  # its question id names the module: rows made here
                rated = good if correct else again
                refresher_log.append(
                    (user_id, review.module_id, review.question_id, rated, time_(review.at))
                )
        cards = []
        for user_id, history in by_user.items():
            cards.extend(card_rows(user_id, replayer.replay(history), time_))
        writer.insert(FsrsCard, CARD_COLUMNS, cards)
        connection.execute(quiz_log, chunk)
        writer.insert(FsrsReview, REVIEW_COLUMNS, refresher_log)
        written += len(cards)
    return written
