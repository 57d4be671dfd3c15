"""Quiz submit at the seed-demo scale: latency of one submit, and 8 processes submitting at once.

Every function here takes a database URL (SQLite or PostgreSQL) that already holds a seeded
demo organisation, and returns plain rows for bench/__main__.py to print.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMIT_TARGET_P95 = 0.025  # seconds


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- databases ---------------------------------------------------------------------------------


def sqlite_copy(cached: Path) -> tuple[Path, str]:
    """Copy the cached full-scale bench database to a temp file (the cache stays clean)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    target = folder / cached.name
    started = time.perf_counter()
    shutil.copyfile(cached, target)
    return target, f"temp copy of the cached bench DB ({time.perf_counter() - started:.0f} s)"


def seed(
    url: str, *, staff: int, teams: int, attempts: int, seed_: int, timeout: float = 1800
) -> float:
    """Upgrade and seed an empty database at url with `python -m store seed-demo`; seconds."""
    env = dict(os.environ, TRAINING_DATABASE_URL=url, TRAINING_CONTENT_DIR=str(ROOT / "content"))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "store", "seed-demo", "--staff", str(staff), "--teams", str(teams),
         "--attempts", str(attempts), "--seed", str(seed_)],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=timeout,
    )  # fmt: skip
    return time.perf_counter() - started


# --- one quiz ----------------------------------------------------------------------------------


def _setup(url: str):
    """Point the store at url; return (learning, modules usable for repeated quizzes)."""
    os.environ["TRAINING_DATABASE_URL"] = url
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from store import learning
    from training.loader import load_content_dir

    content = load_content_dir(ROOT / "content")
    modules = [
        m
        for m in content.modules.values()
        if m.module.quiz.max_attempts is None and not m.module.id.startswith("_")
    ]
    return learning, modules


def _learners(url: str) -> list[int]:
    from sqlalchemy import text

    from store import db

    with db.get_engine(url).connect() as conn:
        return list(
            conn.execute(text("SELECT id FROM \"user\" WHERE role = 'employee' ORDER BY id"))
            .scalars()
            .all()
        )


def _answer_all(learning, attempt, loaded) -> None:
    """Answer every drawn question correctly (as the quiz page does, one save per answer)."""
    from training import quiz

    for position, drawn in enumerate(attempt.drawn):
        question = loaded.module.question(drawn["question_id"])
        learning.save_answer(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            module=loaded.module,
            question_id=question.id,
            answer=quiz.correct_answer(question),
            position=position,
        )


@dataclass
class Latency:
    backend: str
    scale: str
    submits: int
    p50: float
    p95: float
    worst: float
    start_p50: float
    answers_p50: float

    @property
    def met(self) -> bool:
        return self.p95 < SUBMIT_TARGET_P95


def submit_latency(url: str, *, backend: str, scale: str, count: int = 300) -> Latency:
    """Time learning.submit_attempt alone over count quizzes by seeded employees."""
    learning, modules = _setup(url)
    rng = random.Random(7)
    users = rng.sample(_learners(url), count + 1)
    starts, answers, submits = [], [], []
    for i, user_id in enumerate(users):
        loaded = modules[i % len(modules)]
        t = time.perf_counter()
        attempt = learning.start_attempt(user_id=user_id, loaded=loaded, seed=i)
        starts.append(time.perf_counter() - t)
        t = time.perf_counter()
        _answer_all(learning, attempt, loaded)
        answers.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = learning.submit_attempt(
            attempt_id=attempt.id, user_id=user_id, module=loaded.module
        )
        submits.append(time.perf_counter() - t)
        if not result.first_submit:
            raise RuntimeError(f"attempt {attempt.id} was already submitted")
    submits, starts, answers = submits[1:], starts[1:], answers[1:]  # first one warms up
    return Latency(
        backend=backend,
        scale=scale,
        submits=len(submits),
        p50=statistics.median(submits),
        p95=_percentile(submits, 0.95),
        worst=max(submits),
        start_p50=statistics.median(starts),
        answers_p50=statistics.median(answers),
    )


# --- 8 processes at once -----------------------------------------------------------------------


def _worker(url: str, users: list[int], per: int, deadline: float, barrier, out) -> None:
    learning, modules = _setup(url)
    errors: list[str] = []
    done = 0
    ids: list[int] = []
    barrier.wait(timeout=120)
    started = time.perf_counter()
    for i in range(per):
        if time.time() > deadline:
            errors.append("time limit reached")
            break
        user_id = users[i % len(users)]
        loaded = modules[(i // len(users)) % len(modules)]
        try:
            attempt = learning.start_attempt(user_id=user_id, loaded=loaded, seed=i)
            _answer_all(learning, attempt, loaded)
            result = learning.submit_attempt(
                attempt_id=attempt.id, user_id=user_id, module=loaded.module
            )
            if result.first_submit:
                done += 1
                ids.append(attempt.id)
            else:
                errors.append(f"attempt {attempt.id} already submitted")
        except Exception as exc:  # every failure counts, "database is locked" included
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    out.put((done, ids, errors, time.perf_counter() - started))


@dataclass
class Concurrency:
    backend: str
    processes: int
    per_process: int
    seconds: float
    recorded: int
    answers_recorded: int
    errors: list[str]
    locked: int

    @property
    def expected(self) -> int:
        return self.processes * self.per_process

    @property
    def throughput(self) -> float:
        return self.recorded / self.seconds if self.seconds else 0.0

    @property
    def met(self) -> bool:
        return self.recorded == self.expected and not self.errors


def concurrent_submits(
    url: str, *, backend: str, processes: int = 8, per: int = 500, limit: float = 600
) -> Concurrency:
    """processes spawned at once, each starting, answering and submitting per quizzes."""
    from sqlalchemy import text

    from store import db

    _setup(url)
    learners = _learners(url)
    rng = random.Random(11)
    chosen = rng.sample(learners, processes * 50)  # 50 people per process, none shared
    engine = db.get_engine(url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM attempt")).scalar_one()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    out = ctx.Queue()
    deadline = time.time() + limit
    procs = [
        ctx.Process(
            target=_worker,
            args=(url, chosen[i * 50 : (i + 1) * 50], per, deadline, barrier, out),
        )
        for i in range(processes)
    ]
    # Streamlit's AppTest (the dashboard part, earlier in this process) leaves a page script as
    # __main__, which spawn would re-run in every child: hide it while the children start.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        for p in procs:
            p.start()
    finally:
        sys.modules["__main__"] = main
    barrier.wait(timeout=180)
    started = time.perf_counter()
    results = [out.get(timeout=limit + 60) for _ in procs]
    seconds = time.perf_counter() - started
    for p in procs:
        p.join(timeout=30)
    errors = [e for r in results for e in r[2]]
    ids = [i for r in results for i in r[1]]
    # Count in the database what the workers say they submitted (a worker may resume a seeded
    # attempt that was already open, so its id can be older than the run).
    recorded = answers = 0
    unique = sorted(set(ids))
    with engine.connect() as conn:
        for chunk in range(0, len(unique), 500):
            batch = unique[chunk : chunk + 500]
            marks = ", ".join(str(int(i)) for i in batch)
            recorded += conn.execute(
                text(
                    f"SELECT count(*) FROM attempt WHERE id IN ({marks}) "
                    "AND submitted_at IS NOT NULL AND score IS NOT NULL AND kind = 'quiz'"
                )
            ).scalar_one()
            answers += conn.execute(
                text(f"SELECT count(*) FROM answer WHERE attempt_id IN ({marks})")
            ).scalar_one()
        newer = conn.execute(
            text("SELECT count(*) FROM attempt WHERE id > :b AND submitted_at IS NULL"),
            {"b": before},
        ).scalar_one()
    if newer:
        errors.append(f"{newer} attempts started during the run were left unsubmitted")
    if len(set(ids)) != len(ids):
        errors.append(f"{len(ids) - len(set(ids))} attempt ids reported twice")
    return Concurrency(
        backend=backend,
        processes=processes,
        per_process=per,
        seconds=seconds,
        recorded=recorded,
        answers_recorded=answers,
        errors=errors,
        locked=sum("locked" in e for e in errors),
    )


# --- tables ------------------------------------------------------------------------------------


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def latency_table(rows: list[Latency]) -> str:
    lines = [
        "| Database | Scale | Submits | submit p50 | submit p95 | worst | "
        "start_attempt p50 | all save_answer calls p50 | Target | Met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.scale} | {r.submits} | {_ms(r.p50)} | {_ms(r.p95)} | "
            f"{_ms(r.worst)} | {_ms(r.start_p50)} | {_ms(r.answers_p50)} | "
            f"p95 < {SUBMIT_TARGET_P95 * 1000:.0f} ms | {'yes' if r.met else 'NO'} |"
        )
    return "\n".join(lines)


def concurrency_table(rows: list[Concurrency]) -> str:
    lines = [
        "| Database | Processes × quizzes | Wall time | Quizzes/s | Submitted attempts recorded | "
        'Answers recorded | Errors | of which "database is locked" | Met |',
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.processes} × {r.per_process} | {r.seconds:.1f} s | "
            f"{r.throughput:.1f} | {r.recorded} / {r.expected} | {r.answers_recorded} | "
            f"{len(r.errors)} | {r.locked} | {'yes' if r.met else 'NO'} |"
        )
    samples = sorted({e for r in rows for e in r.errors})[:5]
    if samples:
        lines.append("")
        lines.append("Error samples: " + "; ".join(f"`{s}`" for s in samples))
    return "\n".join(lines)
