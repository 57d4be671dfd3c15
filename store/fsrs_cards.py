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
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def _values(state: CardState) -> dict:
    """Return a card's columns after `state` (the person and question are set by the caller)."""
    card = state.card
    return {
        "state": int(card.state),
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due,
        "last_review": card.last_review,
        "last_correct": state.last_correct,
        "reviews": state.reviews,
    }


def _locked_cards(session: Session, user_id: int, keys: set[QuestionKey]) -> dict:
    """Return {key: (card id, CardState)} of the person's stored cards among keys, locked."""
    if not keys:
        return {}
    rows = session.exec(
        select(FsrsCard)
        .where(
            FsrsCard.user_id == user_id,
            sa.tuple_(FsrsCard.module_id, FsrsCard.question_id).in_(sorted(keys)),
        )
        .order_by(FsrsCard.id)  # one lock order for every writer
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {(row.module_id, row.question_id): (row.id, card_state(row)) for row in rows}
    for row in rows:  # written through Core below: no stale copy stays in the session
        session.expunge(row)
    return found


def _replayed(sched, stored: dict, reviews: list[Review], keys: set[QuestionKey]) -> dict:
    """Return {key: CardState} after applying, in order, the reviews of those keys."""
    states = {key: stored[key][1] if key in stored else None for key in keys}
    for review in reviews:
        key = (review.module_id, review.question_id)
        if key in states:
            states[key] = apply(sched, states[key], review)
    return states


def record(session: Session, user_id: int, reviews: Iterable[Review]) -> None:
    """Apply each answer to its card (creating it on a first answer) and log the review.

    A few statements for a whole quiz, not a round trip per question: the person's cards for
    these questions are read at once and locked; first answers are inserted together (ON
    CONFLICT DO NOTHING), and any card another tab inserted meanwhile is read, locked and
    updated like the rest; the updates and the review log are each one executemany.
    """
    reviews = list(reviews)
    if not reviews:
        return
    sched = scheduler(settings.get_setting("desired_retention", session=session))
    keys = {(r.module_id, r.question_id) for r in reviews}
    stored = _locked_cards(session, user_id, keys)  # flushes what the session holds first
    connection = session.connection()  # Core from here: plain rows, no unit of work
    fresh = keys - stored.keys()
    if fresh:
        states = _replayed(sched, stored, reviews, fresh)
        rows = [
            {"user_id": user_id, "module_id": m, "question_id": q, **_values(states[(m, q)])}
            for m, q in sorted(fresh)
        ]
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        added = connection.execute(
            insert(FsrsCard.__table__)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["user_id", "module_id", "question_id"])
            .returning(FsrsCard.__table__.c.module_id, FsrsCard.__table__.c.question_id)
        ).all()
        # Another tab added some of these cards since the read: take them as stored ones.
        stored |= _locked_cards(session, user_id, fresh - {tuple(row) for row in added})
    held = keys & stored.keys()
    if held:
        states = _replayed(sched, stored, reviews, held)
        cards = FsrsCard.__table__
        connection.execute(
            sa.update(cards).where(cards.c.id == sa.bindparam("card_id")),
            [{"card_id": stored[key][0], **_values(states[key])} for key in sorted(held)],
        )
    connection.execute(
        sa.insert(FsrsReview.__table__),
        [
            {
                "user_id": user_id,
                "module_id": r.module_id,
                "question_id": r.question_id,
                "rating": int(rating(r.correct)),
                "reviewed_at": r.at,
            }
            for r in reviews
        ],
    )


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
