"""Migration 0009 (fsrs): stored answers become FSRS cards with the due dates fsrs computes."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from fsrs import Card, Rating, Scheduler
from sqlalchemy import text

from store import db, practice

pytestmark = pytest.mark.usefixtures("fresh_db")

T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)

# (days after T0, kind, answers): quiz answers name the question, refresher ones "module:question"
HISTORY = [
    (0, "quiz", [("emp-01", False), ("emp-02", True)]),
    (1, "refresher", [("empathy:emp-01", True)]),
    (4, "quiz", [("emp-01", True), ("emp-02", False)]),
    (9, "refresher", [("empathy:emp-01", False), ("empathy:emp-02", True)]),
]


@pytest.fixture
def old_url(db_backend, request, tmp_path) -> str:
    """A database at 0005, the revision before the FSRS migration."""
    if db_backend == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"fsrs{os.getpid()}_{tmp_path.name[-12:]}".lower())
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = db.alembic_config(url)
    with db.get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    return url


def direct(answers: list[tuple[datetime, bool]]) -> datetime:
    sched = Scheduler(
        desired_retention=0.9, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = Card()
    for moment, correct in answers:
        card, _ = sched.review_card(card, Rating.Good if correct else Rating.Again, moment)
    return card.due


@pytest.mark.both_dbs
def test_stored_answers_become_cards_with_fsrs_due_dates(old_url, monkeypatch):
    sqlite = old_url.startswith("sqlite")
    t = lambda m: m.replace(tzinfo=None).isoformat(" ") if sqlite else m  # noqa: E731
    with db.get_engine(old_url).begin() as c:
        c.execute(
            text(
                'INSERT INTO "user" (id, username, name, password_hash, role, active, '
                "must_change_password, created_at) VALUES "
                "(1, 'eve', 'Eve', 'x', 'employee', true, false, :t)"
            ),
            {"t": t(T0 - timedelta(days=100))},
        )
        for n, (days, kind, answers) in enumerate(HISTORY, start=1):
            when = t(T0 + timedelta(days=days))
            module = "empathy" if kind == "quiz" else "_refresher"
            c.execute(
                text(
                    "INSERT INTO attempt (id, user_id, module_id, content_version, kind, seed, "
                    "drawn, draft_answers, position, started_at, submitted_at, score, passed) "
                    "VALUES (:id, 1, :m, 'v1', :k, 1, '[]', '{}', 0, :s, :s, 50.0, NULL)"
                ),
                {"id": n, "m": module, "k": kind, "s": when},
            )
            for qid, correct in answers:
                c.execute(
                    text(
                        "INSERT INTO answer (attempt_id, question_id, chosen, correct, marks, "
                        "max_marks) VALUES (:a, :q, '[0]', :c, 0, 1)"
                    ),
                    {"a": n, "q": qid, "c": correct},
                )
    db.upgrade(old_url)
    monkeypatch.setenv("TRAINING_DATABASE_URL", old_url)
    db.dispose_engines()

    def answers_to(qid: str) -> list[tuple[datetime, bool]]:
        return [
            (T0 + timedelta(days=days), correct)
            for days, _kind, answers in HISTORY
            for q, correct in answers
            if q.endswith(qid)
        ]

    cards = practice.cards(user_id=1)
    assert set(cards) == {("empathy", "emp-01"), ("empathy", "emp-02")}
    for qid in ("emp-01", "emp-02"):
        card = cards[("empathy", qid)]
        assert card.card.due == direct(answers_to(qid))
        assert card.reviews == len(answers_to(qid))
    assert cards[("empathy", "emp-01")].last_correct is False
    with db.get_engine(old_url).connect() as c:
        log = c.execute(text("SELECT question_id, rating FROM fsrsreview ORDER BY id")).all()
    assert len(log) == 7 and log[0] == ("emp-01", 1) and log[1] == ("emp-02", 3)


def test_downgrade_drops_the_fsrs_tables_and_upgrade_fills_them_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'down.db'}"
    db.upgrade(url)
    cfg = db.alembic_config(url)
    with db.get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with db.get_engine(url).connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    assert not {"fsrscard", "fsrsreview"} & names
    db.upgrade(url)
