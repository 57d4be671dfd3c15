"""Concurrency: parallel submits lose nothing and never hit "database is locked"; a sign-in
flood holds up no write."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from store import accounts, db, learning
from store.db import session_scope
from store.models import User
from tests.factories import PASSWORD, make_user
from training import quiz
from training.loader import load_content_dir

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content" / "valid"
PROCESSES = 4
QUIZZES_EACH = 25


def _worker(url: str, user_id: int, count: int, queue) -> None:
    os.environ["TRAINING_DATABASE_URL"] = url
    db.dispose_engines()
    loaded = load_content_dir(FIXTURES).modules["sample-basics"]
    # no attempt limit here: the test is about the database, not the quiz rules
    module = loaded.module.model_copy(deep=True)
    module.quiz.max_attempts = None
    loaded = type(loaded)(module=module, path=loaded.path, version=loaded.version, text=loaded.text)
    errors = []
    for _ in range(count):
        try:
            attempt = learning.start_attempt(user_id=user_id, loaded=loaded)
            for d in attempt.drawn:
                q = module.question(d["question_id"])
                learning.save_answer(
                    attempt_id=attempt.id,
                    user_id=user_id,
                    module=module,
                    question_id=q.id,
                    answer=quiz.correct_answer(q),
                )
            learning.submit_attempt(attempt_id=attempt.id, user_id=user_id, module=module)
        except Exception as exc:  # any error at all fails the test
            errors.append(repr(exc))
    queue.put(errors)


def test_parallel_processes_submitting_record_every_result(fresh_db, spawn):
    users = [make_user(f"user{i}") for i in range(PROCESSES)]
    ctx = spawn
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(fresh_db, u.id, QUIZZES_EACH, queue)) for u in users]
    for p in procs:
        p.start()
    errors = [e for _ in procs for e in queue.get(timeout=300)]
    for p in procs:
        p.join(timeout=60)
    assert errors == []
    for u in users:
        assert len(learning.history(user_id=u.id)) == QUIZZES_EACH
        assert learning.progress_rows(user_id=u.id)["sample-basics"].attempt_count == QUIZZES_EACH


def test_parallel_double_submits_record_one_result(fresh_db):
    eve = make_user("eve")
    loaded = load_content_dir(FIXTURES).modules["sample-basics"]
    attempt = learning.start_attempt(user_id=eve.id, loaded=loaded)
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(
                lambda _: learning.submit_attempt(
                    attempt_id=attempt.id, user_id=eve.id, module=loaded.module
                ),
                range(8),
            )
        )
    assert sum(r.first_submit for r in results) == 1
    assert learning.progress_rows(user_id=eve.id)["sample-basics"].attempt_count == 1


def _flood(url: str, usernames: list[str], seconds: float, worker: int, queue) -> None:
    """Sign in wrongly, as fast as possible, each try from a new address (an attacker)."""
    os.environ["TRAINING_DATABASE_URL"] = url
    db.dispose_engines()
    errors, tries = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        name = usernames[tries % len(usernames)]
        try:
            accounts.authenticate(
                username=name, password="guess guess guess", address=f"10.{worker}.{tries}.1"
            )
        except Exception as exc:
            errors.append(repr(exc))
        tries += 1
    queue.put(("flood", errors, tries))


def _submit_timed(url: str, user_id: int, seconds: float, queue) -> None:
    """Take quizzes for a while; report every error and the slowest single write."""
    os.environ["TRAINING_DATABASE_URL"] = url
    db.dispose_engines()
    loaded = load_content_dir(FIXTURES).modules["sample-basics"]
    module = loaded.module.model_copy(deep=True)
    module.quiz.max_attempts = None
    loaded = type(loaded)(module=module, path=loaded.path, version=loaded.version, text=loaded.text)
    errors, slowest, done = [], 0.0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            t = time.monotonic()
            attempt = learning.start_attempt(user_id=user_id, loaded=loaded)
            slowest = max(slowest, time.monotonic() - t)
            for d in attempt.drawn:
                q = module.question(d["question_id"])
                t = time.monotonic()
                learning.save_answer(
                    attempt_id=attempt.id,
                    user_id=user_id,
                    module=module,
                    question_id=q.id,
                    answer=quiz.correct_answer(q),
                )
                slowest = max(slowest, time.monotonic() - t)
            t = time.monotonic()
            learning.submit_attempt(attempt_id=attempt.id, user_id=user_id, module=module)
            slowest = max(slowest, time.monotonic() - t)
            done += 1
        except Exception as exc:
            errors.append(repr(exc))
    queue.put(("submit", errors, done, slowest))


def test_a_flood_of_wrong_sign_ins_blocks_no_write_and_no_correct_sign_in(
    fresh_db, db_backend, spawn
):
    # The attacked accounts carry production-cost argon2 hashes (about 0.15 s per check here),
    # so each wrong try is as slow as on a real server.
    real = CryptContext(schemes=["argon2"], argon2__type="ID").hash("their real password")
    targets = [make_user(f"staff{i}").username for i in range(12)]
    with session_scope() as s:
        for user in s.exec(select(User).where(User.username.in_(targets))):
            user.password_hash = real
            s.add(user)
    eve, _sam = make_user("eve"), make_user("sam")
    ctx = spawn
    queue = ctx.Queue()
    procs = [ctx.Process(target=_flood, args=(fresh_db, targets, 8.0, w, queue)) for w in range(3)]
    procs += [ctx.Process(target=_submit_timed, args=(fresh_db, u.id, 8.0, queue)) for u in (eve,)]
    for p in procs:
        p.start()
    signed_in = []
    time.sleep(2)
    for _ in range(5):
        signed_in.append(accounts.authenticate(username="sam", password=PASSWORD).user is not None)
        time.sleep(0.5)
    reports = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    floods = [r for r in reports if r[0] == "flood"]
    (submit,) = [r for r in reports if r[0] == "submit"]
    assert [e for r in floods for e in r[1]] == []
    assert submit[1] == [], submit[1][:3]
    assert submit[2] > 0
    assert all(signed_in)
    # No write waited behind password checks. While they ran inside the write transaction,
    # the slowest quiz write on SQLite took 6.5 s (one flooding process starved the others).
    # PostgreSQL locked only the user row then, which no quiz write touches, so there the
    # time says nothing but how busy the machine is.
    if db_backend == "sqlite":
        assert submit[3] < 3.0, f"slowest quiz write took {submit[3]:.2f} s"
