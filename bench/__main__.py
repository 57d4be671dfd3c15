"""`python -m bench`: the Team progress page at the scale of a large organisation.

1. Build (once) a demo organisation with `python -m store seed-demo` at full scale, cached under
   data/bench/ so later runs start at once (delete the file or pass --rebuild to build again).
2. Render pages/team.py with Streamlit's AppTest, as the demo manager (two teams) and as the
   administrator (the whole organisation): median of several runs with the dashboard caches
   cleared first ("cold"), and of several runs with them warm.
3. Replay the very SQL statements a cold render sent, straight through sqlite3 with no
   SQLAlchemy, Streamlit or Python work around them: the raw SQL floor of that render.
4. Print a markdown table and write it, with the machine and the date, to bench/RESULTS.md.

Then, on SQLite (a temp copy of the cached database) and on PostgreSQL (a throwaway cluster,
tests/pg.py): quiz submit latency (bench/submit.py), 8 processes submitting at once
(bench/submit.py), cold start of `streamlit run app.py` and its memory with 20 signed-in
browser sessions (bench/server.py). `--only submit,processes` runs some parts alone; the other
sections of bench/RESULTS.md are kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TARGETS = {"manager": 0.3, "admin": 1.5}  # seconds for a full render
FLOOR_FACTOR = 3.0
PARTS = ("dashboard", "submit", "processes", "coldstart", "memory")


@dataclass
class Measure:
    """What was measured for one view."""

    label: str
    people: int
    cold: list[float]
    cold_cpu: list[float]
    warm: list[float]
    floor: list[float]
    statements: int
    heap_peak_mb: float
    target: float

    @property
    def cold_median(self) -> float:
        return statistics.median(self.cold)

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=250)
    parser.add_argument("--attempts", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timed renders per measurement")
    parser.add_argument("--rebuild", action="store_true", help="seed the database again")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="for the new parts: sqlite,postgresql"
    )
    parser.add_argument(
        "--pg-attempts",
        type=int,
        default=None,
        help="PostgreSQL scale (default: probe 50k, full scale only if projected under 6 min)",
    )
    args = parser.parse_args(argv)
    args.only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = args.only - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {','.join(PARTS)}")
    return args


def _database(args: argparse.Namespace) -> tuple[Path, str]:
    """Return the cached benchmark database, seeding it first when needed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"org-s{args.staff}-t{args.teams}-a{args.attempts}-seed{args.seed}.db"
    path = CACHE / name
    if path.exists() and not args.rebuild:
        built = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return path, f"cached {path.relative_to(ROOT)} (built {built:%Y-%m-%d %H:%M} UTC)"
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    print(
        f"Seeding {path.relative_to(ROOT)}: {args.staff} people, {args.teams} teams, "
        f"{args.attempts} attempts (a few minutes, once)...",
        flush=True,
    )
    env = dict(os.environ, TRAINING_DATABASE_URL=f"sqlite:///{partial}")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "store",
            "seed-demo",
            "--staff",
            str(args.staff),
            "--teams",
            str(args.teams),
            "--attempts",
            str(args.attempts),
            "--seed",
            str(args.seed),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    conn = sqlite3.connect(partial)  # fold the WAL in before the file moves
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    partial.rename(path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    return path, f"seeded in {seconds:.0f} s (seeder peak RSS {peak:.0f} MB)"


class _Recorder:
    """Collect every SQL statement (with its parameters) sent while switched on."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on and not executemany:
            self.statements.append((statement, tuple(parameters or ())))


def _floor(path: Path, statements: list[tuple[str, tuple]], runs: int) -> list[float]:
    """Time the statements through plain sqlite3, every row fetched, nothing else done."""
    times = []
    conn = sqlite3.connect(path)
    try:
        for _ in range(runs + 1):
            started = time.perf_counter()
            for sql, params in statements:
                if sql.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA")):
                    conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
    finally:
        conn.close()
    return times[1:]  # the first run only warms the page cache


def _measure(label: str, username: str, path: Path, runs: int, recorder: _Recorder) -> Measure:
    from streamlit.testing.v1 import AppTest

    from store import accounts, dashboard
    from ui import team_view

    user = accounts.get_user_by_username(username)
    if user is None:
        raise SystemExit(f"the benchmark database has no {username!r}; run with --rebuild")
    token, _ticket = accounts.create_session(user_id=user.id)
    at = AppTest.from_file(str(ROOT / "pages" / "team.py"), default_timeout=120)
    at.session_state["session_token"] = token

    def render(clear: bool) -> tuple[float, float]:
        if clear:
            team_view.clear_cache()
        wall, cpu = time.perf_counter(), time.process_time()
        at.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if at.exception:
            raise SystemExit(f"{label}: the page failed: {at.exception[0].value}")
        return wall, cpu

    render(clear=True)  # imports, content, SQLAlchemy statement and chart spec compilation
    cold = [render(clear=True) for _ in range(runs)]
    warm = [render(clear=False)[0] for _ in range(runs)]

    recorder.statements.clear()
    recorder.on = True
    render(clear=True)
    recorder.on = False
    statements = list(recorder.statements)

    team_view.clear_cache()
    tracemalloc.start()
    at.run()
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    scope = dashboard.resolve_scope(actor=user)
    people = dashboard.overview(actor=user, module_ids=None).headline.people
    return Measure(
        label=f"{label}: {'whole organisation' if scope.whole_org else 'their teams'}",
        people=people,
        cold=[w for w, _ in cold],
        cold_cpu=[c for _, c in cold],
        warm=warm,
        floor=_floor(path, statements, runs),
        statements=len(statements),
        heap_peak_mb=heap_peak,
        target=TARGETS[username],
    )


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        memory = "unknown RAM"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.platform()}; {os.cpu_count()} × {cpu}; {memory}; Python "
        f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}; load average {load}"
    )


def _table(results: list[Measure]) -> str:
    def s(x: float) -> str:
        return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"

    lines = [
        "| View | People | Cold render (AppTest, median) | CPU of cold render | "
        "Warm render (cached) | Raw SQL floor | Cold ÷ floor | Target | Met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for m in results:
        ratio = m.cold_median / m.floor_median if m.floor_median else float("inf")
        met = m.cold_median < m.target and ratio <= FLOOR_FACTOR  # the same test as main()
        lines.append(
            f"| {m.label} | {m.people} | {s(m.cold_median)} | {s(statistics.median(m.cold_cpu))} "
            f"| {s(m.warm_median)} | {s(m.floor_median)} ({m.statements} statements) "
            f"| {ratio:.1f}x | < {s(m.target)}, ≤ {FLOOR_FACTOR:.0f}x floor "
            f"| {'yes' if met else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and save) the results table."""
    args = _args(argv)
    path, origin = _database(args)
    if "dashboard" not in args.only:
        return _extra(args, path, origin)
    url = f"sqlite:///{path}"
    os.environ["TRAINING_DATABASE_URL"] = url
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import event

    from store import db

    db.upgrade(url)  # a cached database gets any newer migration (indexes included)
    recorder = _Recorder()
    event.listen(db.get_engine(url), "before_cursor_execute", recorder)

    results = [
        _measure("Manager", "manager", path, args.runs, recorder),
        _measure("Administrator", "admin", path, args.runs, recorder),
    ]
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 2**20
    table = _table(results)
    heap = "; ".join(f"{m.label.split(':')[0]} {m.heap_peak_mb:.1f} MB" for m in results)
    notes = (
        f"- Data: {args.staff} people, {args.teams} teams, {args.attempts} submitted attempts "
        f"(seed {args.seed}); database {size_mb:.0f} MB, {origin}.\n"
        f"- Each render is a rerun of one AppTest session of pages/team.py, default filters; "
        f"median of {args.runs}, after one untimed first run (imports, SQL compilation, chart "
        f"templates). Cold: the dashboard's st.cache_data entries cleared first (as after a "
        f"submitted quiz or a changed assignment). Warm: served from the cache.\n"
        f"- Raw SQL floor: the exact statements a cold render sent, replayed through plain "
        f"sqlite3 with every row fetched.\n"
        f"- Memory: peak RSS of this process {peak_rss:.0f} MB; Python heap peak during one "
        f"cold render (tracemalloc): {heap}.\n"
        f"- Machine: {_machine()}."
    )
    print(table)
    print()
    print(notes)
    if not args.no_write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        _, sections = _read_results()
        RESULTS.write_text(
            f"# Team progress benchmark\n\n`make bench` ({stamp})\n\n{table}\n\n{notes}\n"
            + "".join(sections.values()),
            encoding="utf-8",
        )
        print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    met = all(
        m.cold_median < m.target and m.cold_median <= FLOOR_FACTOR * m.floor_median for m in results
    )
    extra = _extra(args, path, origin)
    return 0 if met and extra == 0 else 1


# --- submit, processes, cold start, memory (bench/submit.py, bench/server.py) ------------------

SECTIONS = {
    "submit": "## Quiz submit latency",
    "processes": "## 8 processes submitting at once",
    "coldstart": "## Cold start",
    "memory": "## Server memory with 20 signed-in sessions",
}


def _read_results() -> tuple[str, dict[str, str]]:
    """Split RESULTS.md into the dashboard part and the "## " sections (by heading)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    head, *rest = text.split("\n## ")
    sections = {}
    for chunk in rest:
        body = "\n## " + chunk.rstrip("\n") + "\n"
        for part, heading in SECTIONS.items():
            if body.startswith("\n" + heading):
                sections[part] = body
    return head.rstrip("\n") + "\n", sections


def _extra(args: argparse.Namespace, cached: Path, origin: str) -> int:
    """Run the new parts asked for on each backend; write their sections; 0 when all met."""
    parts = [p for p in PARTS[1:] if p in args.only]
    if not parts:
        return 0
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    from bench import server as server_bench
    from bench import submit as submit_bench

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    found: dict[str, list] = {p: [] for p in parts}
    notes: list[str] = []
    cluster = None
    met = True
    try:
        for backend in backends:
            if backend == "sqlite":
                copy, how = submit_bench.sqlite_copy(cached)
                url, name = f"sqlite:///{copy}", "SQLite"
                scale = f"{args.staff} staff, {args.attempts} attempts"
                notes.append(
                    f"- SQLite: {how}, {origin}; every part "
                    "writes its rows to that copy, deleted afterwards, so parts that run later "
                    "see the earlier parts' extra attempts (a few thousand on 500k)."
                )
            elif backend == "postgresql":
                from tests.pg import PgCluster

                cluster = PgCluster().start()
                url, attempts, how = submit_bench.postgres(
                    cluster,
                    staff=args.staff,
                    teams=args.teams,
                    attempts=args.attempts,
                    seed_=args.seed,
                    force=args.pg_attempts,
                )
                name = "PostgreSQL 15"
                scale = f"{args.staff} staff, {attempts} attempts"
                gap = (
                    ""
                    if attempts == args.attempts
                    else f" **Reduced scale: {attempts} attempts instead of {args.attempts}.**"
                )
                notes.append(
                    f"- PostgreSQL: throwaway cluster (tests/pg.py: fsync off, "
                    f"full_page_writes off, loopback), seed-demo at {args.staff} staff; {how}."
                    + gap
                )
            else:
                raise SystemExit(f"unknown backend {backend!r}")
            print(f"{name}: {', '.join(parts)} ...", flush=True)
            if "submit" in parts:
                found["submit"].append(
                    submit_bench.submit_latency(url, backend=name, scale=scale, count=301)
                )
            if "processes" in parts:
                found["processes"].append(submit_bench.concurrent_submits(url, backend=name))
            if "coldstart" in parts:
                found["coldstart"].append(server_bench.cold_start(url, backend=name, runs=3))
            if "memory" in parts:
                names = server_bench.employee_usernames(url, 20)
                found["memory"].append(
                    server_bench.memory(url, backend=name, usernames=names, sessions=20)
                )
            from store import db

            db.dispose_engines()
            if backend == "sqlite":
                import shutil

                shutil.rmtree(copy.parent, ignore_errors=True)
    finally:
        if cluster is not None:
            cluster.stop()

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    common = "\n".join(notes) + f"\n- Machine: {_machine()}."
    texts = {}
    if found.get("submit"):
        rows = found["submit"]
        met &= all(r.met for r in rows)
        texts["submit"] = (
            f"{SECTIONS['submit']}\n\n`python -m bench --only submit` ({stamp})\n\n"
            f"{submit_bench.latency_table(rows)}\n\n"
            "- learning.submit_attempt alone is timed (grade + conditional UPDATE + answers + "
            "progress in one transaction, then the re-read of the attempt it does); each of 300 "
            "quizzes (after one untimed warm-up) is started by a different seeded employee on a "
            "content module without an attempt limit, every drawn question answered correctly "
            "with save_answer first (those calls are timed separately, all of them together).\n"
            f"{common}\n"
        )
    if found.get("processes"):
        rows = found["processes"]
        met &= all(r.met for r in rows)
        texts["processes"] = (
            f"{SECTIONS['processes']}\n\n`python -m bench --only processes` ({stamp})\n\n"
            f"{submit_bench.concurrency_table(rows)}\n\n"
            "- multiprocessing (spawn), 8 processes released together by a barrier; each runs "
            "500 whole quizzes for its own 50 employees (start_attempt, one save_answer per "
            "question, submit_attempt), so quizzes/s counts all of those transactions. "
            "Recorded = the distinct attempt ids the workers submitted, found in the database "
            "afterwards with submitted_at and score set (start_attempt resumes a seeded open "
            "attempt when the person has one, so not every id is new); attempts started in the "
            'run and left unsubmitted, and any exception ("database is locked" included), '
            "count as errors. Limit 600 s.\n"
            f"{common}\n"
        )
    if found.get("coldstart"):
        texts["coldstart"] = (
            f"{SECTIONS['coldstart']}\n\n`python -m bench --only coldstart` ({stamp})\n\n"
            f"{server_bench.cold_start_table(found['coldstart'])}\n\n"
            "- From launching `streamlit run app.py` (tests/browser/server.Server, which polls "
            '/_stcore/health every 0.3 s) to the "Sign in" button visible in headless '
            "Chromium (Playwright, already running, fresh context each time). Median of 3.\n"
            f"{common}\n"
        )
    if found.get("memory"):
        rows = found["memory"]
        met &= all(r.signed_in == r.sessions for r in rows)
        texts["memory"] = (
            f"{SECTIONS['memory']}\n\n`python -m bench --only memory` ({stamp})\n\n"
            f"{server_bench.memory_table(rows)}\n\n"
            "- 20 Playwright contexts in one headless Chromium, each signing in a different "
            "seeded employee through the form and left on the home page (all still open when "
            "measured). VmRSS / VmHWM from /proc/<pid>/status of the streamlit server process; "
            "child processes found through /proc/<pid>/task/*/children. Sign-ins verify the "
            "seeded argon2 hash (the seed hashes with full-cost argon2).\n"
            f"{common}\n"
        )
    for text in texts.values():
        print()
        print(text)
    if not args.no_write:
        head, sections = _read_results()
        sections.update({part: "\n" + text for part, text in texts.items()})
        ordered = "".join(sections[p] for p in SECTIONS if p in sections)
        RESULTS.write_text(head + ordered, encoding="utf-8")
        print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
