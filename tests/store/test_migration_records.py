"""The records migration keeps what people rely on: certificates, join dates, assignments."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from store import db, learning
from training.certificate import certificate_id

pytestmark = pytest.mark.usefixtures("fresh_db")

T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)


def records_revision(cfg) -> tuple[str, str]:
    """Return (this migration's revision, the one before it), wherever it sits in the chain."""
    for script in ScriptDirectory.from_config(cfg).walk_revisions():
        if "every certificate kept" in (script.doc or ""):
            return script.revision, script.down_revision
    raise AssertionError("the records migration is missing")


@pytest.fixture
def old_url(db_backend, request, tmp_path) -> str:
    """A database of the schema just before the records migration."""
    if db_backend == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"old{os.getpid()}_{tmp_path.name[-12:]}".lower())
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = db.alembic_config(url)
    _mine, before = records_revision(cfg)
    with db.get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, before)
    return url


def stamp(moment: datetime, sqlite: bool):
    return moment.replace(tzinfo=None).isoformat(" ") if sqlite else moment


@pytest.mark.both_dbs
def test_existing_certificates_join_dates_and_double_assignments_migrate(old_url, monkeypatch):
    sqlite = old_url.startswith("sqlite")
    t = lambda m: stamp(m, sqlite)  # noqa: E731
    first, second = T0, T0 + timedelta(days=4)  # two passes; the second is current
    current = certificate_id(1, "empathy", second)
    with db.get_engine(old_url).begin() as c:
        c.execute(
            text("INSERT INTO team (id, name, created_at) VALUES (1, 'Desk', :t)"), {"t": t(T0)}
        )
        c.execute(
            text(
                'INSERT INTO "user" (id, username, name, password_hash, role, team_id, active, '
                "must_change_password, created_at) VALUES "
                "(1, 'eve', 'Eve', 'x', 'employee', 1, true, false, :t)"
            ),
            {"t": t(T0 - timedelta(days=100))},
        )
        for n, (when, score, passed) in enumerate(
            [(first, 100.0, True), (second - timedelta(days=1), 20.0, False), (second, 87.5, True)],
            start=1,
        ):
            c.execute(
                text(
                    "INSERT INTO attempt (id, user_id, module_id, content_version, kind, seed, "
                    "drawn, draft_answers, position, started_at, submitted_at, score, passed) "
                    "VALUES (:id, 1, 'empathy', 'v1', 'quiz', 1, '[]', '{}', 0, :s, :s, :score, "
                    ":passed)"
                ),
                {"id": n, "s": t(when), "score": score, "passed": passed},
            )
        # the old code paired the best score with the latest pass
        c.execute(
            text(
                "INSERT INTO progress (user_id, module_id, best_score, last_score, "
                "attempt_count, passed_at, expires_at, last_attempt_at, certificate_id, "
                "lesson_position) VALUES (1, 'empathy', 100.0, 87.5, 3, :p, :e, :p, :c, 0)"
            ),
            {"p": t(second), "e": t(second + timedelta(days=365)), "c": current},
        )
        for _ in range(3):  # Assign pressed three times
            c.execute(
                text(
                    "INSERT INTO assignment (module_id, team_id, due_date, assigned_by, "
                    "assigned_at) VALUES ('empathy', 1, :d, 1, :a)"
                ),
                {"d": date(2026, 3, 31), "a": t(T0)},
            )
    db.upgrade(old_url)
    monkeypatch.setenv("TRAINING_DATABASE_URL", old_url)

    certs = learning.certificates(user_id=1, today=date(2026, 6, 1))
    assert [(c.certificate_id, c.score, c.passed_at, c.standing) for c in certs] == [
        (current, 87.5, second, "current"),
        (certificate_id(1, "empathy", first), 100.0, first, "superseded"),
    ]
    assert certs[0].expires_at == second + timedelta(days=365)
    assert certs[1].expires_at == first + timedelta(days=365)
    with db.get_engine(old_url).connect() as c:
        joined = c.execute(text('SELECT team_joined_at FROM "user"')).scalar()
        live = c.execute(
            text("SELECT due_days, from_joining FROM assignment WHERE withdrawn_at IS NULL")
        ).all()
    assert str(joined)[:10] == str((T0 - timedelta(days=100)).date())
    assert [(d, bool(f)) for d, f in live] == [(30, True)]
