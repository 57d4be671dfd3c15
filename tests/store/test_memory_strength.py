"""Memory strength summed in SQL (store/memory_strength.py) equals fsrs's own retrievability,
and the figures a process keeps follow every new answer, also one committed late."""

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, State
from sqlmodel import select

from store import memory_strength
from store.db import session_scope
from store.models import FsrsCard, FsrsReview
from tests.factories import make_user
from training.practice import scheduler

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]

REF = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
LIVE = {("m", f"q{i}") for i in range(8)}


def _card(user_id: int, question: str, stability: float | None, last: datetime | None):
    return FsrsCard(
        user_id=user_id,
        module_id="m",
        question_id=question,
        state=2,
        stability=stability,
        difficulty=5.0,
        due=REF,
        last_review=last,
        last_correct=True,
        reviews=1,
    )


def _review(user_id: int, question: str, review_id: int | None = None) -> FsrsReview:
    return FsrsReview(
        id=review_id,
        user_id=user_id,
        module_id="m",
        question_id=question,
        rating=3,
        reviewed_at=REF,
    )


def _fsrs(stability: float | None, last: datetime | None) -> float:
    if stability is None or last is None:
        return 0.0
    card = Card(card_id=1, state=State.Review, stability=stability, last_review=last)
    return scheduler().get_card_retrievability(card, REF)


CARDS = [  # (question, stability, last review): day edges, future reviews, no review
    ("q0", 3.2, REF - timedelta(days=1)),
    ("q1", 3.2, REF - timedelta(days=1) + timedelta(milliseconds=1)),
    ("q2", 0.5, REF - timedelta(days=40, hours=23, minutes=59)),
    ("q3", 120.0, REF - timedelta(days=7, seconds=1)),
    ("q4", 12.5, REF + timedelta(hours=5)),
    ("q5", None, None),
    ("q6", 2.0, REF),
    ("gone", 9.0, REF - timedelta(days=2)),  # a question no longer in the content
]


def test_sql_retrievability_equals_fsrs_for_every_kind_of_card():
    eve = make_user("eve")
    with session_scope() as s:
        for question, stability, last in CARDS:
            s.add(_card(eve.id, question, stability, last))
    with session_scope(write=False) as s:
        found = memory_strength.sums(s, [eve.id], LIVE, REF)
    expected = [_fsrs(st, last) for q, st, last in CARDS if q != "gone"]
    assert found[eve.id][1] == len(expected) == 7
    assert found[eve.id][0] == pytest.approx(sum(expected), rel=1e-12)
    assert _fsrs(3.2, REF - timedelta(days=1)) < 1.0  # a whole day elapsed counts
    assert _fsrs(3.2, REF - timedelta(days=1) + timedelta(milliseconds=1)) == 1.0


def test_kept_figures_follow_new_answers_even_when_a_review_id_commits_late():
    eve, ann = make_user("eve"), make_user("ann")
    with session_scope() as s:
        s.add(_card(eve.id, "q0", 3.0, REF - timedelta(days=10)))
        s.add(_card(ann.id, "q0", 3.0, REF - timedelta(days=10)))
        s.add(_review(eve.id, "q0", review_id=100))
        s.add(_review(ann.id, "q0", review_id=200))

    def kept():
        with session_scope(write=False) as s:
            return memory_strength.kept_sums(s, [eve.id, ann.id], LIVE, REF)

    before = kept()
    assert before[eve.id] == before[ann.id]
    with session_scope() as s:  # Ann answers again: her card is fresh, a review row is logged
        card = s.exec(select(FsrsCard).where(FsrsCard.user_id == ann.id)).one()
        card.last_review = REF
        s.add(card)
        s.add(_review(ann.id, "q0", review_id=300))
    after = kept()
    assert after[ann.id][0] == pytest.approx(1.0)
    assert after[eve.id] == before[eve.id]
    # Eve's answer got review id 150 from the sequence but its transaction committed only now,
    # after id 300 was seen (PostgreSQL hands out ids before commit).
    with session_scope() as s:
        card = s.exec(select(FsrsCard).where(FsrsCard.user_id == eve.id)).one()
        card.last_review = REF
        s.add(card)
        s.add(_review(eve.id, "q0", review_id=150))
    assert kept()[eve.id][0] == pytest.approx(1.0)


def test_kept_figures_start_again_for_another_moment_or_other_content():
    eve = make_user("eve")
    with session_scope() as s:
        s.add(_card(eve.id, "q0", 3.0, REF - timedelta(days=10)))
    with session_scope(write=False) as s:
        now = memory_strength.kept_sums(s, [eve.id], LIVE, REF)
        later = memory_strength.kept_sums(s, [eve.id], LIVE, REF + timedelta(days=30))
        elsewhere = memory_strength.kept_sums(s, [eve.id], {("m", "q1")}, REF)
    assert later[eve.id][0] < now[eve.id][0]
    assert elsewhere == {}


def test_a_second_read_without_new_answers_reads_no_card(fresh_db):
    from sqlalchemy import event

    from store import db

    eve = make_user("eve")
    with session_scope() as s:
        s.add(_card(eve.id, "q0", 3.0, REF - timedelta(days=10)))
    sent: list[str] = []
    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    for _ in range(2):  # read-only sessions bind a new Engine proxy each time
        with session_scope(write=False) as s:
            first = memory_strength.kept_sums(s, [eve.id], LIVE, REF)
        reads = [q for q in sent if "FROM fsrscard" in q]
        sent.clear()
    assert first[eve.id][1] == 1
    assert reads == []
