"""Concurrency: parallel submits lose nothing and never hit "database is locked"; lockout holds."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from store import accounts, db, learning
from tests.conftest import PASSWORD, make_user
from training import quiz
from training.loader import load_content_dir

pytestmark = pytest.mark.both_dbs

FIXTURES = Path(__file__).parent / "fixtures" / "content" / "valid"
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


def test_parallel_processes_submitting_record_every_result(fresh_db):
    users = [make_user(f"user{i}") for i in range(PROCESSES)]
    ctx = mp.get_context("spawn")
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


def test_lockout_holds_under_a_burst_of_parallel_wrong_passwords(fresh_db):
    make_user("eve")
    with ThreadPoolExecutor(10) as pool:
        results = list(
            pool.map(
                lambda _: accounts.authenticate(username="eve", password="wrong password!"),
                range(20),
            )
        )
    assert all(r.user is None for r in results)
    assert accounts.authenticate(username="eve", password=PASSWORD).locked
