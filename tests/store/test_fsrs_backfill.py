"""The FSRS backfill (migration 0009, seed-demo) in chunks of people: same rows, never doubled."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from store import db, demo, fsrs_cards

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content" / "valid"

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]

CARDS = (
    "SELECT user_id, module_id, question_id, state, step, stability, difficulty, due, "
    "last_review, last_correct, reviews FROM fsrscard ORDER BY user_id, module_id, question_id"
)
REVIEWS = (
    "SELECT user_id, module_id, question_id, rating, reviewed_at FROM fsrsreview "
    "ORDER BY user_id, reviewed_at, module_id, question_id, rating"
)


def tables() -> tuple[list, list]:
    with db.get_engine().connect() as c:
        return c.execute(text(CARDS)).all(), c.execute(text(REVIEWS)).all()


def backfill(**kwargs) -> int:
    with db.get_engine().begin() as c:
        return fsrs_cards.backfill(c, **kwargs)


def add_refresher_answers() -> None:
    """Give the first learners a refresher review ("module:question" ids), after their quizzes."""
    with db.get_engine().begin() as c:
        rows = c.execute(
            text(
                "SELECT a.user_id, a.module_id, MAX(a.submitted_at), MIN(n.question_id) "
                "FROM attempt a JOIN answer n ON n.attempt_id = a.id "
                "WHERE a.submitted_at IS NOT NULL GROUP BY a.user_id, a.module_id "
                "ORDER BY a.user_id, a.module_id"
            )
        ).all()[:4]
        for n, (user_id, module_id, last, question_id) in enumerate(rows, start=900_000):
            if isinstance(last, str):  # SQLite: the stored text
                when = (datetime.fromisoformat(last) + timedelta(days=3)).isoformat(" ")
            else:
                when = last + timedelta(days=3)
            c.execute(
                text(
                    "INSERT INTO attempt (id, user_id, module_id, content_version, kind, seed, "
                    "drawn, draft_answers, position, started_at, submitted_at, score, passed) "
                    "VALUES (:id, :u, '_refresher', 'v1', 'refresher', 1, '[]', '{}', 0, :s, :s, "
                    "100.0, NULL)"
                ),
                {"id": n, "u": user_id, "s": when},
            )
            c.execute(
                text(
                    "INSERT INTO answer (attempt_id, question_id, chosen, correct, marks, "
                    "max_marks) VALUES (:a, :q, '[0]', :c, 1, 1)"
                ),
                {"a": n, "q": f"{module_id}:{question_id}", "c": n % 2 == 0},
            )


def test_a_backfill_over_many_chunks_writes_what_one_chunk_writes_and_never_doubles():
    demo.seed_demo(staff=10, teams=2, attempts=80, seed=7, content_dir=FIXTURES)
    add_refresher_answers()
    with db.get_engine().begin() as c:
        c.execute(text("DELETE FROM fsrsreview"))
        c.execute(text("DELETE FROM fsrscard"))

    written = backfill(people_at_a_time=10_000)  # everyone at once
    one_chunk = tables()
    assert written == len(one_chunk[0]) > 20
    assert not [r for r in one_chunk[1] if r.module_id == "_refresher"]  # named by the answer
    assert len([r for r in one_chunk[1] if r.rating == 3]) < len(one_chunk[1])
    with db.get_engine().connect() as c:
        answers = c.execute(
            text(
                "SELECT COUNT(*) FROM answer n JOIN attempt a ON a.id = n.attempt_id "
                "WHERE a.submitted_at IS NOT NULL"
            )
        ).scalar()
    assert len(one_chunk[1]) == answers  # one review row per answer

    assert backfill() == 0  # again: everyone has cards already, nothing doubles
    assert tables() == one_chunk

    for size in (1, 3):
        with db.get_engine().begin() as c:
            c.execute(text("DELETE FROM fsrsreview"))
            c.execute(text("DELETE FROM fsrscard"))
        assert backfill(people_at_a_time=size) == written
        assert tables() == one_chunk


def test_a_backfill_stopped_half_way_finishes_the_rest_without_doubling():
    demo.seed_demo(staff=10, teams=2, attempts=80, seed=7, content_dir=FIXTURES)
    whole = tables()
    with db.get_engine().begin() as c:  # as if it had stopped after the first people
        first = c.execute(text("SELECT MIN(user_id) FROM fsrscard")).scalar()
        c.execute(text("DELETE FROM fsrsreview WHERE user_id > :u"), {"u": first})
        c.execute(text("DELETE FROM fsrscard WHERE user_id > :u"), {"u": first})
    assert backfill(people_at_a_time=2) == len([r for r in whole[0] if r.user_id > first])
    assert tables() == whole


def test_the_seeded_cards_and_review_log_are_what_a_backfill_makes_of_the_seeded_answers():
    # seed-demo replays each person's answers as it writes them (no second pass over the
    # database); the cards and review rows must be exactly the backfill's.
    demo.seed_demo(staff=12, teams=2, attempts=120, seed=3, content_dir=FIXTURES)
    seeded = tables()
    assert len(seeded[0]) > 20 and len(seeded[1]) > len(seeded[0])
    with db.get_engine().begin() as c:
        c.execute(text("DELETE FROM fsrsreview"))
        c.execute(text("DELETE FROM fsrscard"))
    assert backfill() == len(seeded[0])
    assert tables() == seeded
