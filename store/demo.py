"""Write the demo organisation and its history (`training.demo`) into the database, fast.

`training.demo` plans the organisation and its year of history as plain records from a seeded
random generator; this module only writes them. Rows go in through SQLAlchemy Core executemany
(SQLite) or COPY (PostgreSQL) in large batches inside a few transactions, so 500,000 attempts
(and their answer rows) take a couple of minutes, not hours.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from store import db, fsrs_cards
from store.bulk import BackgroundWriter, without_secondary_indexes
from store.bulk import BulkWriter as _Writer
from store.bulk import next_id as _next_id
from store.demo_observations import seed_observations
from store.learning import ensure_revision
from store.models import (
    Answer,
    Assignment,
    Attempt,
    AuditLog,
    Certificate,
    FsrsCard,
    FsrsReview,
    Progress,
    Team,
    TeamManager,
    User,
)
from store.security import hash_password
from training import clock, quiz
from training.demo.history import Draw, ModuleHistory, histories
from training.demo.organisation import (
    DEMO_PASSWORD,
    LOGINS_TEXT,
    Organisation,
    check_size,
    plan_organisation,
)
from training.loader import LoadedModule, load_content_dir, module_files
from training.practice import Replayer, rating, utc

__all__ = ["DEMO_PASSWORD", "LOGINS_TEXT", "seed_demo"]

BATCH_ATTEMPTS = 25_000  # attempts (with their answers) per executemany batch


def _advance_sequences(conn: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids this seeder chose itself."""
    with conn.begin():
        for table in (Team.__table__, User.__table__, Attempt.__table__):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
            )


LOADED_TABLES = ("attempt", "answer", "progress", "certificate", "fsrscard", "fsrsreview")


def _one_transaction(conn: Connection):
    """PostgreSQL: one transaction around the whole load (SQLite: one per batch, as before)."""
    return contextlib.nullcontext() if conn.dialect.name == "sqlite" else conn.begin()


def _transaction(conn: Connection):
    """A transaction for one batch, unless the load is already inside one."""
    return contextlib.nullcontext() if conn.in_transaction() else conn.begin()


@functools.cache
def _load(directory: Path, signature: tuple) -> tuple[LoadedModule, ...]:
    content = load_content_dir(directory)
    return tuple(content.modules[k] for k in sorted(content.modules))


def _modules(directory: Path) -> list[LoadedModule]:
    """Return the valid modules of a folder by id (parsed once per version of its files)."""
    signature = tuple((p.name, p.stat().st_mtime_ns) for p in module_files(directory))
    return list(_load(directory.resolve(), signature))


@dataclass
class _Counts:
    """What the history writer wrote, for the summary."""

    attempts: int = 0
    answers: int = 0
    passes: int = 0
    open: int = 0
    progress: int = 0


def seed_demo(
    *, staff: int, teams: int, attempts: int, seed: int, content_dir: Path, copy: bool = True
) -> str:
    """Fill the database with a demo organisation and its history; return a short summary.

    copy=False writes PostgreSQL rows with INSERTs instead of COPY (same rows, slower).
    """
    check_size(staff=staff, teams=teams)
    if attempts < 0:
        raise ValueError("--attempts cannot be negative")
    started = time.perf_counter()
    modules = _modules(Path(content_dir))
    if not modules:
        raise ValueError(f"no valid modules in {content_dir}")
    for loaded in modules:
        ensure_revision(module_id=loaded.module.id, version=loaded.version, text=loaded.text)

    rng = random.Random(seed)
    now = clock.now().replace(microsecond=0)
    engine = db.get_engine()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Seeding is a one-off bulk load: trade crash safety for speed while it runs.
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-262144")
            raw.execute("PRAGMA temp_store=MEMORY")
        try:
            with conn.begin():
                org = plan_organisation(
                    rng,
                    staff=staff,
                    teams=teams,
                    module_ids=[m.module.id for m in modules],
                    now=now,
                    taken_team_names=conn.execute(select(Team.name)).scalars(),
                    taken_usernames=conn.execute(select(User.username)).scalars(),
                    first_team_id=_next_id(conn, Team.__table__),
                    first_user_id=_next_id(conn, User.__table__),
                )
                _write_organisation(conn, org, now)
                first_attempt_id = _next_id(conn, Attempt.__table__)
            history = histories(
                rng,
                org.learners,
                modules,
                attempts=attempts,
                now=now,
                first_attempt_id=first_attempt_id,
            )
            # PostgreSQL loads the history in one transaction, its indexes built afterwards.
            with _one_transaction(conn), without_secondary_indexes(conn, LOADED_TABLES):
                # issue 14: the demo learners' practice schedule, their cards replayed and
                # review log written with the history (what fsrs_cards.backfill makes of it)
                counts = _write_history(conn, history, copy=copy)
            conn.commit()
            observations = seed_observations(  # issue 12: what people do
                conn, seed=seed, now=now, content_dir=Path(content_dir), copy=copy
            )
        finally:
            if conn.in_transaction():
                conn.rollback()
            if sqlite:
                raw.execute("PRAGMA synchronous=NORMAL")
                raw.execute("PRAGMA cache_size=-2000")
        if sqlite:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        else:
            _advance_sequences(conn)
            # Fresh planner statistics, so the dashboards' plans fit the new data at once.
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    from store.demo_feedback import seed_feedback  # customer feedback and a push (issue 13)

    feedback_summary = seed_feedback(seed=seed, now=now)
    seconds = time.perf_counter() - started
    return (
        f"Demo organisation: {len(org.people)} people in {teams} teams ({org.managers} managers, "
        f"{org.trainers} trainer{'s' if org.trainers != 1 else ''}, 1 administrator), "
        f"{len(modules)} modules, "
        f"{len(org.assignments)} assignments, {counts.attempts} submitted attempts "
        f"({counts.answers} answers, {counts.passes} passes), {counts.open} attempts "
        f"in progress, {counts.progress} progress rows, {observations} "
        f"observations; built in {seconds:.1f} s. "
        f"{feedback_summary}"
    )


def _write_organisation(conn: Connection, org: Organisation, now: datetime) -> None:
    """Insert the teams, people, team managers, assignments and an audit line."""
    created = org.created_at
    conn.execute(
        insert(Team), [{"id": t.id, "name": t.name, "created_at": created} for t in org.teams]
    )
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for everyone: seeding stays fast
    conn.execute(
        insert(User),
        [
            {
                "id": p.id,
                "username": p.username,
                "name": p.name,
                "password_hash": password_hash,
                "role": p.role,
                "team_id": p.team_id,
                "team_joined_at": created if p.team_id is not None else None,
                "active": True,
                "must_change_password": False,
                "created_at": created,
            }
            for p in org.people
        ],
    )
    conn.execute(insert(TeamManager), [{"team_id": t, "user_id": u} for t, u in org.managed])
    conn.execute(
        insert(Assignment),
        [
            {
                "module_id": a.module_id,
                "team_id": a.team_id,
                "user_id": a.user_id,
                "due_date": a.due_date,
                "due_days": a.due_days,
                "from_joining": a.from_joining,
                "assigned_by": a.assigned_by,
                "assigned_at": a.assigned_at,
            }
            for a in org.assignments
        ],
    )
    conn.execute(
        insert(AuditLog),
        [{"at": now, "action": "demo_seeded", "detail": f"{len(org.people)} people"}],
    )


ATTEMPT_COLUMNS = (
    "id",
    "user_id",
    "module_id",
    "content_version",
    "kind",
    "seed",
    "drawn",
    "draft_answers",
    "position",
    "started_at",
    "submitted_at",
    "score",
    "passed",
)
ANSWER_COLUMNS = ("attempt_id", "question_id", "chosen", "correct", "marks", "max_marks")
PROGRESS_COLUMNS = (
    "user_id",
    "module_id",
    "best_score",
    "last_score",
    "attempt_count",
    "passed_at",
    "expires_at",
    "last_attempt_at",
    "certificate_id",
    "lesson_position",
)
CERTIFICATE_COLUMNS = (
    "certificate_id",
    "user_id",
    "module_id",
    "attempt_id",
    "score",
    "passed_at",
    "expires_at",
)


def _write_history(
    conn: Connection, history: Iterable[ModuleHistory], *, copy: bool = True
) -> _Counts:
    """Insert the attempts with their answers, open attempts, progress rows and certificates."""
    writer = _Writer(conn, copy=copy)
    drawn_json: dict[int, object] = {}  # id(draw) -> its JSON, written once per draw

    def draw_json(draw: Draw) -> object:
        text = drawn_json.get(id(draw))
        if text is None:
            text = drawn_json[id(draw)] = writer.json(quiz.drawn_to_json(draw.questions))
        return text

    empty = writer.json({})
    time_, chosen_ = writer.time, writer.chosen
    replayer = Replayer(fsrs_cards.stored_retention(conn))
    card_rows: list[tuple] = []
    review_rows: list[tuple] = []
    good, again = int(rating(True)), int(rating(False))
    attempt_rows: list[tuple] = []
    answer_rows: list[tuple] = []
    progress_rows: list[tuple] = []
    certificate_rows: list[tuple] = []
    counts = _Counts()

    # Inside the load's one transaction (PostgreSQL), COPY runs on a thread beside us.
    out = BackgroundWriter(writer) if writer.copy and conn.in_transaction() else writer

    def flush() -> None:
        nonlocal attempt_rows, answer_rows, card_rows, review_rows
        if not attempt_rows:
            return
        with _transaction(conn):
            out.insert(Attempt, ATTEMPT_COLUMNS, attempt_rows)
            out.insert(Answer, ANSWER_COLUMNS, answer_rows)
            out.insert(FsrsCard, fsrs_cards.CARD_COLUMNS, card_rows, fsrs_cards.CARD_TYPES)
            out.insert(FsrsReview, fsrs_cards.REVIEW_COLUMNS, review_rows, fsrs_cards.REVIEW_TYPES)
        # new lists: the handed-in ones stay as they are
        attempt_rows, answer_rows, card_rows, review_rows = [], [], [], []

    try:
        for h in history:
            reviews = []
            for a in h.attempts:
                submitted, at = time_(a.submitted_at), utc(a.submitted_at)
                reviewed = time_(at)
                attempt_rows.append(
                    (
                        a.id,
                        h.user_id,
                        h.module_id,
                        h.version,
                        "quiz",
                        a.draw.seed,
                        draw_json(a.draw),
                        empty,
                        len(a.draw.questions) - 1,
                        time_(a.started_at),
                        submitted,
                        a.grade.score,
                        a.grade.passed,
                    )
                )
                for r in a.grade.results:
                    answer_rows.append(
                        (a.id, r.question_id, chosen_(r.chosen), r.correct, r.marks, r.max_marks)
                    )
                    reviews.append(((h.module_id, r.question_id), at, r.correct))
                    review_rows.append(
                        (h.user_id, h.module_id, r.question_id, good if r.correct else again)
                        + (reviewed,)
                    )
                counts.answers += len(a.grade.results)
                if a.certificate_id is not None:
                    counts.passes += 1
                    certificate_rows.append(
                        (
                            a.certificate_id,
                            h.user_id,
                            h.module_id,
                            a.id,
                            a.grade.score,
                            submitted,
                            time_(a.expires_at),
                        )
                    )
            counts.attempts += len(h.attempts)
            for (module_id, question_id), (f, last, due, right, count) in replayer.fields(
                reviews
            ).items():  # a module's answers, in time order: its cards, as backfill makes them
                card_rows.append(
                    (h.user_id, module_id, question_id, f[0], f[1], f[2], f[3], time_(due))
                    + (time_(last), right, count)
                )
            if h.open is not None:
                o = h.open
                attempt_rows.append(
                    (
                        o.id,
                        h.user_id,
                        h.module_id,
                        h.version,
                        "quiz",
                        o.draw.seed,
                        draw_json(o.draw),
                        writer.json(o.drafts),
                        len(o.drafts),
                        time_(o.started_at),
                        None,
                        None,
                        None,
                    )
                )
                counts.open += 1
            p = h.progress
            progress_rows.append(
                (
                    h.user_id,
                    h.module_id,
                    p.best_score,
                    p.last_score,
                    p.attempt_count,
                    time_(p.passed_at),
                    time_(p.expires_at),
                    time_(p.last_attempt_at),
                    h.certificate_id,
                    0,
                )
            )
            if len(attempt_rows) >= BATCH_ATTEMPTS:
                flush()
        flush()
        with _transaction(conn):
            out.insert(Progress, PROGRESS_COLUMNS, progress_rows)
            out.insert(Certificate, CERTIFICATE_COLUMNS, certificate_rows)
    finally:
        if out is not writer:
            out.close()  # waits for the last batch; raises its error
    counts.progress = len(progress_rows)
    return counts
