"""The demo organisation: known sign-ins, history graded by the quiz rules, consistent progress."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlmodel import func, select

from store import accounts, dashboard, demo, learning
from store.__main__ import main as store_cli
from store.db import session_scope
from store.models import (
    Answer,
    Assignment,
    Attempt,
    Certificate,
    ContentRevision,
    Progress,
    TeamManager,
    User,
)
from tests.factories import ROOT
from training import clock, quiz
from training.certificate import certificate_id
from training.loader import load_content_dir

pytestmark = pytest.mark.usefixtures("fresh_db")

CONTENT = ROOT / "content"
MODULES = load_content_dir(CONTENT).modules


@pytest.fixture
def seeded():
    summary = demo.seed_demo(staff=30, teams=3, attempts=300, seed=7, content_dir=CONTENT)
    return summary


def test_summary_and_every_listed_sign_in_works(seeded):
    assert "30 people in 3 teams" in seeded and "300 submitted attempts" in seeded
    usernames = re.findall(r"^  (\w+) ", demo.LOGINS_TEXT, flags=re.MULTILINE)
    assert usernames == ["admin", "manager", "trainer", "employee"]
    roles = {}
    for username in usernames:
        result = accounts.authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert result.user is not None, username
        roles[username] = result.user.role
    assert roles == {
        "admin": "admin",
        "manager": "manager",
        "trainer": "trainer",
        "employee": "employee",
    }
    assert demo.DEMO_PASSWORD in demo.LOGINS_TEXT


def test_organisation_shape(seeded):
    with session_scope() as s:
        users = s.exec(select(User)).all()
        managed = defaultdict(list)
        for link in s.exec(select(TeamManager)):
            managed[link.user_id].append(link.team_id)
        assignments = s.exec(select(Assignment)).all()
    assert len(users) == 30
    manager = next(u for u in users if u.username == "manager")
    employee = next(u for u in users if u.username == "employee")
    assert len(managed[manager.id]) == 2 and employee.team_id in managed[manager.id]
    assert len({t for teams in managed.values() for t in teams}) == 3  # every team managed
    assert any(u.role == "trainer" for u in users)
    today = clock.today()
    assert any(a.due_date < today for a in assignments)  # some overdue
    assert any(a.due_date >= today for a in assignments)  # some still to come


def test_attempts_are_graded_by_the_quiz_rules(seeded):
    with session_scope() as s:
        attempts = s.exec(select(Attempt).where(Attempt.submitted_at.is_not(None))).all()
        answers = defaultdict(dict)
        for a in s.exec(select(Answer)):
            answers[a.attempt_id][a.question_id] = a
        revisions = {(r.module_id, r.version) for r in s.exec(select(ContentRevision))}
        open_count = s.exec(
            select(func.count()).select_from(Attempt).where(Attempt.submitted_at.is_(None))
        ).one()
    assert len(attempts) == 300 and open_count >= 1
    for attempt in attempts:
        loaded = MODULES[attempt.module_id]
        assert (attempt.module_id, attempt.content_version) in revisions
        drawn = quiz.drawn_from_json(attempt.drawn)
        assert drawn == quiz.draw_questions(loaded.module, attempt.seed)  # reproducible
        given = {q: list(a.chosen) for q, a in answers[attempt.id].items() if a.chosen}
        grade = quiz.grade(loaded.module, drawn, given)
        assert (grade.score, grade.passed) == (attempt.score, attempt.passed)
        assert {r.question_id: r.correct for r in grade.results} == {
            q: a.correct for q, a in answers[attempt.id].items()
        }


@pytest.mark.both_dbs  # the bulk writer has a SQLite fast path and a generic one
def test_progress_rows_match_the_attempts(seeded):
    with session_scope() as s:
        attempts = s.exec(
            select(Attempt).where(Attempt.submitted_at.is_not(None)).order_by(Attempt.id)
        ).all()
        progress = {(p.user_id, p.module_id): p for p in s.exec(select(Progress))}
        certificates = defaultdict(list)
        for c in s.exec(select(Certificate).order_by(Certificate.passed_at)):
            certificates[(c.user_id, c.module_id)].append(c)
    by_pair = defaultdict(list)
    for a in attempts:
        by_pair[(a.user_id, a.module_id)].append(a)
    for pair, rows in by_pair.items():
        p = progress[pair]
        rows.sort(key=lambda a: a.submitted_at)
        passes = [a for a in rows if a.passed]
        assert p.attempt_count == len(rows)
        assert p.best_score == max(a.score for a in rows)
        assert p.last_score == rows[-1].score
        if passes:
            assert p.passed_at == passes[-1].submitted_at
            assert p.certificate_id == certificate_id(pair[0], pair[1], p.passed_at)
            days = MODULES[pair[1]].module.valid_for_days
            expected = p.passed_at + timedelta(days=days) if days else None
            assert p.expires_at == expected
            # one certificate per pass, each with its own attempt's score and dates
            issued = certificates[pair]
            assert [(c.attempt_id, c.score, c.passed_at) for c in issued] == [
                (a.id, a.score, a.submitted_at) for a in passes
            ]
            assert issued[-1].certificate_id == p.certificate_id
            assert issued[-1].expires_at == p.expires_at
        else:
            assert p.passed_at is None and p.certificate_id is None


@pytest.mark.both_dbs
def test_the_app_keeps_working_after_seeding(seeded):
    team = accounts.create_team(name="Added after the demo", actor_id=None)
    person = accounts.create_user(
        actor_id=None,
        username="added.later",
        name="Added Later",
        role="employee",
        password="a later passphrase",
        team_id=team.id,
    )
    attempt = learning.start_attempt(user_id=person.id, loaded=MODULES["empathy"])
    assert attempt.id > 300


def test_attempt_limits_are_respected(seeded):
    with session_scope() as s:
        rows = s.exec(
            select(Attempt.user_id, Attempt.module_id, func.count())
            .where(Attempt.kind == "quiz")
            .group_by(Attempt.user_id, Attempt.module_id)
        ).all()
    for _user, module_id, started in rows:
        limit = MODULES[module_id].module.quiz.max_attempts
        assert limit is None or started <= limit


def test_skill_improves_over_the_year():
    demo.seed_demo(staff=30, teams=2, attempts=900, seed=3, content_dir=CONTENT)
    with session_scope() as s:
        rows = s.exec(
            select(Attempt.submitted_at, Attempt.score).where(Attempt.submitted_at.is_not(None))
        ).all()
    rows.sort()
    half = len(rows) // 2
    first = sum(score for _, score in rows[:half]) / half
    second = sum(score for _, score in rows[half:]) / (len(rows) - half)
    assert second > first + 3


def test_cli_seeds_and_prints_the_sign_ins(capsys):
    code = store_cli(["seed-demo", "--staff", "12", "--teams", "2", "--attempts", "20"])
    out = capsys.readouterr().out
    assert code == 0 and "20 submitted attempts" in out and demo.LOGINS_TEXT in out
    assert store_cli(["seed-demo", "--staff", "12", "--teams", "2", "--attempts", "5"]) == 1
    assert store_cli(["demo-logins"]) == 0 and demo.LOGINS_TEXT in capsys.readouterr().out


def test_too_few_people_for_the_teams_is_explained():
    with pytest.raises(ValueError, match="at least"):
        demo.seed_demo(staff=4, teams=3, attempts=0, seed=1, content_dir=CONTENT)


def _seeded_rows(url: str) -> dict[str, list[tuple]]:
    """Every seeded row of the history tables, timestamps as offsets from the seeding moment."""
    from datetime import datetime

    from sqlalchemy import text

    from store.db import get_engine

    tables = {
        "attempt": "id",
        "answer": "attempt_id, question_id",
        "progress": "user_id, module_id",
        "assignment": "id",
        "team": "id",
        "teammanager": "team_id, user_id",
    }
    out = {}
    with get_engine(url).connect() as conn:
        seeded_at = conn.execute(
            text("SELECT at FROM auditlog WHERE action = 'demo_seeded'")
        ).scalar_one()

        def norm(value):
            return value - seeded_at if isinstance(value, datetime) else value

        for table, order in tables.items():
            result = conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
            names = list(result.keys())
            # A certificate id hashes the absolute pass time, so only its presence compares.
            out[table] = [
                tuple(
                    (v is not None) if c == "certificate_id" else norm(v)
                    for c, v in zip(names, row, strict=True)
                )
                for row in result
            ]
        users = conn.execute(
            text('SELECT id, username, name, role, team_id FROM "user" ORDER BY id')
        )
        out["user"] = [tuple(r) for r in users]
    return out


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_copy_seeder_writes_the_same_rows_as_inserts_on_postgresql(
    fresh_db, pg_cluster, monkeypatch
):
    from store import db

    def figures():
        admin = accounts.get_user_by_username("admin")
        return dashboard.overview(actor=admin, module_ids=None).headline

    demo.seed_demo(staff=40, teams=4, attempts=600, seed=5, content_dir=CONTENT)  # COPY
    copied = _seeded_rows(fresh_db)
    copied_figures = figures()
    other = pg_cluster.create_database(f"{fresh_db.rsplit('/', 1)[1]}_rows")
    monkeypatch.setenv("TRAINING_DATABASE_URL", other)
    db.upgrade(other)
    demo.seed_demo(staff=40, teams=4, attempts=600, seed=5, content_dir=CONTENT, copy=False)
    inserted = _seeded_rows(other)
    assert len(copied["attempt"]) > 600 and len(copied["answer"]) > 3000
    for table in copied:
        assert copied[table] == inserted[table], table
    assert figures() == copied_figures and copied_figures.people > 30
