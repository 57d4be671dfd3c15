"""Memory strength of many people at once: their FSRS cards' retrievability summed in SQL and
kept per process, so Team progress over a whole organisation does not read a million cards on
every render.

A card's retrievability at a moment is fsrs's own formula,
`(1 + FACTOR * elapsed_days / stability) ** DECAY` with whole elapsed days (0 without a review),
written here in SQL for SQLite and PostgreSQL; tests hold it equal to
`Scheduler.get_card_retrievability`. A person's sum and count change in only two ways: an
answer changes their cards (every change logs an FsrsReview row, whose ids rise), or time
passes. So the figures are taken at one reference moment (the caller's `now`; Team progress
passes the start of the current hour) and kept per database (connection pool); a later read drops
the people with review rows it has not seen yet, then sums only who is missing.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Float, Integer, case, cast, func, literal, tuple_
from sqlalchemy.pool import Pool
from sqlmodel import Session, select

from store.models import FsrsCard, FsrsReview
from training.practice import QuestionKey, scheduler

# Review ids are taken from a sequence before their transaction commits, so on PostgreSQL a
# slow transaction can commit an id below the highest one already seen. Every read looks this
# many ids back as well (a few milliseconds of a busy server's reviews; the look is one index
# range).
LOOK_BACK = 10_000
CHUNK = 1_000  # people per IN list


def _decay_and_factor() -> tuple[float, float]:
    # fsrs: DECAY = -w[20], FACTOR = 0.9 ** (1 / DECAY) - 1 (training.practice.scheduler's weights)
    decay = -float(scheduler().parameters[20])
    return decay, 0.9 ** (1 / decay) - 1


def _elapsed_days(session: Session, ref: datetime):
    """Return SQL for the whole days from a card's last review to ref, never below 0."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC text; julianday differences are rounded to the millisecond first so
        # that exactly n days is n, as timedelta.days gives (a julianday resolves about 50
        # microseconds, so within a millisecond of a whole day the two may differ).
        moment = literal(ref.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
        ms = cast(
            (func.julianday(moment) - func.julianday(FsrsCard.last_review)) * 86_400_000 + 0.5,
            Integer,
        )
        return func.max(0, ms // 86_400_000)
    seconds = func.extract("epoch", literal(ref) - FsrsCard.last_review)
    return func.greatest(0, func.floor(seconds / 86_400))


def _retrievability(session: Session, ref: datetime):
    decay, factor = _decay_and_factor()
    elapsed = cast(_elapsed_days(session, ref), Float)
    value = func.power(1 + factor * elapsed / FsrsCard.stability, decay)
    missing = FsrsCard.stability.is_(None) | FsrsCard.last_review.is_(None)
    return case((missing, 0.0), else_=value)


def sums(
    session: Session, user_ids: Collection[int], live: Collection[QuestionKey], ref: datetime
) -> dict[int, tuple[float, int]]:
    """Return, per person with cards, the sum of their live cards' retrievability at ref and
    how many there are (straight from SQL, no cache)."""
    out: dict[int, tuple[float, int]] = {}
    ids = sorted(user_ids)
    if not ids or not live:
        return out
    r = _retrievability(session, ref)
    pairs = tuple_(FsrsCard.module_id, FsrsCard.question_id).in_(sorted(live))
    for start in range(0, len(ids), CHUNK):
        query = (
            select(FsrsCard.user_id, func.sum(r), func.count())
            .where(FsrsCard.user_id.in_(ids[start : start + CHUNK]), pairs)
            .group_by(FsrsCard.user_id)
        )
        for user_id, total, count in session.connection().execute(query):
            out[user_id] = (float(total or 0.0), int(count))
    return out


@dataclass
class _Kept:
    """What one process knows for one database: sums at ref over the live cards."""

    ref: datetime
    live: frozenset[QuestionKey]
    recent: set[int] = field(default_factory=set)  # review ids seen in the look-back window
    by_person: dict[int, tuple[float, int]] = field(default_factory=dict)


_kept: weakref.WeakKeyDictionary[Pool, _Kept] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _news(session: Session, kept: _Kept) -> set[int]:
    """Return the people with review rows kept has not seen, and remember those rows."""
    if kept.recent:
        floor = max(kept.recent) - LOOK_BACK
    else:  # a new start: what is older than the look-back window is in the sums to come
        floor = (session.exec(select(func.max(FsrsReview.id))).one() or 0) - LOOK_BACK
    rows = session.exec(select(FsrsReview.id, FsrsReview.user_id).where(FsrsReview.id > floor))
    rows = rows.all()
    people = {user_id for review_id, user_id in rows if review_id not in kept.recent}
    highest = max((review_id for review_id, _ in rows), default=0)
    kept.recent = {review_id for review_id, _ in rows if review_id > highest - LOOK_BACK}
    return people


def kept_sums(
    session: Session, user_ids: Iterable[int], live: Collection[QuestionKey], ref: datetime
) -> dict[int, tuple[float, int]]:
    """Return sums(...) for these people, from this process's figures where they still hold."""
    # Keyed by the connection pool: read-only sessions bind to a fresh Engine proxy each time,
    # and disposing of the engines (tests, a restore) gives a new pool, so a fresh start.
    pool = session.get_bind().pool
    live = frozenset(live)
    wanted = set(user_ids)
    with _lock:
        kept = _kept.get(pool)
        if kept is None or kept.ref != ref or kept.live != live:
            kept = _kept[pool] = _Kept(ref=ref, live=live)
            _news(session, kept)
        else:
            for person in _news(session, kept):
                kept.by_person.pop(person, None)
        missing = wanted - kept.by_person.keys()
        if missing:
            found = sums(session, missing, live, ref)
            for person in missing:
                kept.by_person[person] = found.get(person, (0.0, 0))
        return {p: kept.by_person[p] for p in wanted if kept.by_person[p][1]}
