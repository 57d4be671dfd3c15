"""`python -m bench`: the app at the scale of a large organisation, and many people at once.

1. Build (once) a demo organisation with `python -m store seed-demo` at full scale on SQLite,
   cached under data/bench/ (delete the file or pass --rebuild to build again), and seed the
   same organisation on a throwaway PostgreSQL cluster (tests/pg.py; the seeder streams rows
   with COPY), timed; the one of 20,000 staff and 2,000,000 attempts is seeded once into a
   PostgreSQL cluster kept under data/bench/ too (--rebuild seeds it again).
2. Render pages/team.py with Streamlit's AppTest as the demo manager (two teams) and as the
   administrator (the whole organisation) on each database: median of several runs with the
   dashboard caches cleared first ("cold"), and with them warm; against two floors: the very
   statements the render sent, replayed through the plain driver, and the same figures from
   hand-written SQL (bench/floor.py).
3. On SQLite (a temp copy of the cached database) and on PostgreSQL: quiz submit latency
   (bench/submit.py), 8 processes submitting at once, cold start of `streamlit run app.py` and
   its memory with 20 signed-in browser sessions (bench/server.py), and the load test
   (bench/load.py): websocket clients speaking Streamlit's protocol against one server process
   at 10-200 sessions (SQLite), then one and two processes behind nginx (PostgreSQL).
4. Print markdown tables and write them, with the machine, its load and the date, to
   bench/RESULTS.md.

`--only load,submit` runs some parts alone (the other sections of bench/RESULTS.md are kept);
`--quick` leaves out the 20,000-staff organisation and shortens the load test. A whole run
takes about 50 minutes on 2 cores; every part is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TARGETS = {"manager": 0.3, "admin": 1.5}  # seconds for a full render
FLOOR_FACTOR = 3.0
PARTS = ("dashboard", "submit", "processes", "coldstart", "memory", "load", "impact", "mail")


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
    true_floor: list[float]
    true_statements: int
    database: str
    load: float

    @property
    def cold_median(self) -> float:
        return statistics.median(self.cold)

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def true_floor_median(self) -> float:
        return statistics.median(self.true_floor)


def database_label(url: str) -> str:
    """Return "SQLite" or "PostgreSQL" for a URL."""
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


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
        "--quick",
        action="store_true",
        help="shorter: no 20,000-staff organisation; the load part with fewer levels, shorter "
        "windows and a 2-minute soak",
    )
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
        help="PostgreSQL attempts (default: the same full scale as SQLite)",
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
        from store import db

        db.upgrade(f"sqlite:///{path}")  # once, here: every part measures a copy of this file
        db.dispose_engines()
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
            params = parameters if isinstance(parameters, dict) else tuple(parameters or ())
            self.statements.append((statement, params))


def _floor(url: str, statements: list[tuple[str, tuple]], runs: int) -> list[float]:
    """Time the statements through the plain driver, every row fetched, nothing else done."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1])
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    times = []
    try:
        for _ in range(runs + 1):
            started = time.perf_counter()
            for sql, params in statements:
                if sql.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA")):
                    conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
            if not url.startswith("sqlite"):
                conn.rollback()
    finally:
        conn.close()
    return times[1:]  # the first run only warms the page cache


def _measure(
    label: str, username: str, url: str, runs: int, recorder: _Recorder, *, target: float
) -> Measure:
    from streamlit.testing.v1 import AppTest

    from bench import floor
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
    headline = dashboard.overview(actor=user, module_ids=None).headline
    people = headline.people
    today = accounts.now_utc().date()
    true_times, figures = floor.timed(
        url,
        runs=runs,
        team_ids=None if scope.whole_org else scope.team_ids,
        today=today,
        start=today - timedelta(weeks=team_view.DEFAULT_WEEKS),
        end=today,
    )
    mine = (figures.people, figures.assigned, figures.completed, figures.overdue, figures.expiring)
    page = (people, headline.assigned, headline.completed, headline.overdue, headline.expiring)
    if mine != page:
        raise SystemExit(f"{label}: the true floor computed {mine}, the page {page}")
    return Measure(
        label=f"{label}: {'whole organisation' if scope.whole_org else 'their teams'}",
        people=people,
        cold=[w for w, _ in cold],
        cold_cpu=[c for _, c in cold],
        warm=warm,
        floor=_floor(url, statements, runs),
        statements=len(statements),
        heap_peak_mb=heap_peak,
        target=target,
        true_floor=true_times,
        true_statements=figures.statements,
        database=database_label(url),
        load=os.getloadavg()[0],
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
        "| Database | View | People | Cold render (AppTest, median) | CPU of cold render | "
        "Warm render (cached) | Replayed SQL floor | Cold ÷ replayed | True floor "
        "(hand-written SQL) | Cold ÷ true floor | Target | Met | Load (1 min) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for m in results:
        ratio = m.cold_median / m.floor_median if m.floor_median else float("inf")
        true_ratio = m.cold_median / m.true_floor_median if m.true_floor_median else float("inf")
        met = m.cold_median < m.target and ratio <= FLOOR_FACTOR  # the same test as main()
        lines.append(
            f"| {m.database} | {m.label} | {m.people} | {s(m.cold_median)} | "
            f"{s(statistics.median(m.cold_cpu))} | {s(m.warm_median)} | "
            f"{s(m.floor_median)} ({m.statements} statements) | {ratio:.1f}x | "
            f"{s(m.true_floor_median)} ({m.true_statements} statements) | {true_ratio:.1f}x | "
            f"< {s(m.target)}, ≤ {FLOOR_FACTOR:.0f}x replayed | {'yes' if met else 'NO'} | "
            f"{m.load:.1f} |"
        )
    return "\n".join(lines)


# --- PostgreSQL: one throwaway cluster for every part, databases seeded once per scale ---------

_PG: dict = {}
LARGE = {"staff": 20_000, "teams": 1000, "attempts": 2_000_000}
LARGE_TARGETS = {"manager": 0.3, "admin": 2.0}
PG_SEED_TARGET = 180.0  # seconds for seed-demo at 5,000 staff and 500,000 attempts


def _pg_cluster():
    if "cluster" not in _PG:
        from tests.pg import PgCluster

        _PG["cluster"] = PgCluster().start()
    return _PG["cluster"]


def _pg_database(*, staff: int, teams: int, attempts: int, seed_: int) -> tuple[str, float]:
    """Return (url, seconds it took to seed) of a PostgreSQL database at this scale."""
    from bench import submit as submit_bench

    key = (staff, teams, attempts, seed_)
    if key not in _PG:
        url = _pg_cluster().create_database(f"bench_s{staff}_a{attempts}")
        print(f"PostgreSQL: seeding {staff} staff, {attempts} attempts (COPY)...", flush=True)
        seconds = submit_bench.seed(url, staff=staff, teams=teams, attempts=attempts, seed_=seed_)
        print(f"  seeded in {seconds:.0f} s", flush=True)
        _PG[key] = (url, seconds)
    return _PG[key]


def _pg_large(seed_: int, *, rebuild: bool) -> tuple[str, float]:
    """Return (url, seconds it took to seed) of the 20,000-staff organisation on PostgreSQL.

    Its cluster is kept under data/bench (seeding it takes many minutes), like the SQLite
    database: seeded once, with the seconds it took in seeded.json; --rebuild seeds it again."""
    from bench import submit as submit_bench
    from tests.pg import PgCluster

    if "large" in _PG:
        return _PG["large"]
    name = f"pg-s{LARGE['staff']}-t{LARGE['teams']}-a{LARGE['attempts']}-seed{seed_}"
    root, marker = CACHE / name, CACHE / name / "seeded.json"
    if rebuild or not marker.exists():  # a seed cut short leaves no marker: start again
        shutil.rmtree(root, ignore_errors=True)
    cluster = PgCluster(root=root).start()
    _PG["large cluster"] = cluster
    if marker.exists():
        seconds = json.loads(marker.read_text())["seconds"]
        _PG["large seeded"] = json.loads(marker.read_text())["at"]
        print(f"PostgreSQL: the {LARGE['staff']}-staff organisation is cached in {root}")
        url = cluster.url("bench_large")
    else:
        url = cluster.create_database("bench_large")
        print(f"PostgreSQL: seeding {LARGE['staff']} staff, {LARGE['attempts']} attempts...")
        seconds = submit_bench.seed(url, **LARGE, seed_=seed_, timeout=5400)
        _PG["large seeded"] = datetime.now(UTC).isoformat()
        marker.write_text(json.dumps({"seconds": seconds, "at": _PG["large seeded"]}))
        print(f"  seeded in {seconds:.0f} s", flush=True)
    _PG["large"] = (url, seconds)
    return _PG["large"]


def _pg_stop() -> None:
    clusters = [_PG.pop(k, None) for k in ("cluster", "large cluster")]
    _PG.clear()
    for cluster in clusters:
        if cluster is not None:
            cluster.stop()


def _dashboard(args: argparse.Namespace, path: Path, origin: str) -> tuple[str, bool]:
    """Measure the Team progress page on each database; return (RESULTS.md head, all met)."""
    from bench import submit as submit_bench
    from store import db

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    plan = []  # (url, scale text, targets)
    copy = None
    if "sqlite" in backends:
        # A copy: a render writes (sessions, the kept activity summary, migrations), and the
        # parts after this one must start from the same cached file every run.
        copy, how = submit_bench.sqlite_copy(path)
        origin = f"{origin}; measured on a {how}"
        plan.append((f"sqlite:///{copy}", f"{args.staff} staff, {args.attempts} attempts", TARGETS))
    seeds = []
    try:
        if "postgresql" in backends:
            attempts = args.pg_attempts or args.attempts
            url, seconds = _pg_database(
                staff=args.staff, teams=args.teams, attempts=attempts, seed_=args.seed
            )
            seeds.append((args.staff, attempts, seconds))
            plan.append((url, f"{args.staff} staff, {attempts} attempts", TARGETS))
            if not args.quick:
                url, seconds = _pg_large(args.seed, rebuild=args.rebuild)
                seeds.append((LARGE["staff"], LARGE["attempts"], seconds))
                plan.append(
                    (url, f"{LARGE['staff']} staff, {LARGE['attempts']} attempts", LARGE_TARGETS)
                )
        results = _dashboard_runs(args, plan)
    finally:
        if copy is not None:
            db.dispose_engines()
            shutil.rmtree(copy.parent, ignore_errors=True)
    return _dashboard_text(args, path, origin, results, seeds)


def _dashboard_runs(args: argparse.Namespace, plan: list) -> list[Measure]:
    from sqlalchemy import event

    from store import db

    results = []
    for url, scale, targets in plan:
        os.environ["TRAINING_DATABASE_URL"] = url
        db.upgrade(url)  # a cached database gets any newer migration (indexes included)
        recorder = _Recorder()
        event.listen(db.get_engine(url), "before_cursor_execute", recorder)
        print(f"Dashboard on {database_label(url)} ({scale})...", flush=True)
        for label, username in (("Manager", "manager"), ("Administrator", "admin")):
            m = _measure(label, username, url, args.runs, recorder, target=targets[username])
            m.label = f"{m.label} ({scale})"
            results.append(m)
        event.remove(db.get_engine(url), "before_cursor_execute", recorder)
    return results


def _dashboard_text(
    args: argparse.Namespace, path: Path, origin: str, results: list[Measure], seeds: list
) -> tuple[str, bool]:
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 2**20
    table = _table(results)
    heap = "; ".join(f"{m.label.split(':')[0]} {m.heap_peak_mb:.1f} MB" for m in results)
    seeded = "; ".join(
        f"{staff} staff and {attempts} attempts in {seconds:.0f} s"
        + (f" (target < {PG_SEED_TARGET:.0f} s: {'met' if seconds < PG_SEED_TARGET else 'NOT met'})"
           if (staff, attempts) == (args.staff, args.attempts) else
           f" (seeded once at {_PG.get('large seeded', '?')[:16]} UTC and kept under data/bench; "
           "that time is the seed's then, not re-measured)")
        for staff, attempts, seconds in seeds
    )  # fmt: skip
    notes = (
        f"- Data: SQLite {args.staff} people, {args.teams} teams, {args.attempts} submitted "
        f"attempts (seed {args.seed}); database {size_mb:.0f} MB, {origin}.\n"
        + (
            f"- PostgreSQL: throwaway cluster (tests/pg.py: fsync off, full_page_writes off, "
            f"loopback), `python -m store seed-demo` with COPY: {seeded}. The larger "
            f"organisation has {LARGE['teams']} teams; its targets are manager < "
            f"{LARGE_TARGETS['manager'] * 1000:.0f} ms, organisation < "
            f"{LARGE_TARGETS['admin']:.0f} s cold.\n"
            if seeds
            else ""
        )
        + f"- Each render is a rerun of one AppTest session of pages/team.py, default filters; "
        f"median of {args.runs}, after one untimed first run (imports, SQL compilation, chart "
        f"templates). Cold: the dashboard's st.cache_data entries cleared first (as after a "
        f"submitted quiz or a changed assignment). Warm: served from the cache.\n"
        f"- Replayed SQL floor: the exact statements a cold render sent, replayed through the "
        f"plain driver (sqlite3 or psycopg) with every row fetched. So slow SQL raises this "
        f"floor too.\n"
        f"- True floor: the same figures from hand-written SQL, one statement per figure, "
        f"through the plain driver (bench/floor.py; median of {args.runs} after one warm-up). "
        f"Its headline numbers (people, assigned, completed, overdue, expiring) are checked "
        f"equal to the page's before it is reported. Met is judged on the target and the "
        f"replayed floor; the true-floor ratio is reported alongside.\n"
        f"- Memory: peak RSS of this process {peak_rss:.0f} MB; Python heap peak during one "
        f"cold render (tracemalloc): {heap}.\n"
        f"- Load (1 min) is os.getloadavg() when each view finished.\n"
        f"- Machine: {_machine()}."
    )
    print(table)
    print()
    print(notes)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = f"# Team progress benchmark\n\n`make bench` ({stamp})\n\n{table}\n\n{notes}\n"
    met = all(
        m.cold_median < m.target and m.cold_median <= FLOOR_FACTOR * m.floor_median for m in results
    )
    seed_met = all(
        seconds < PG_SEED_TARGET
        for staff, attempts, seconds in seeds
        if (staff, attempts) == (args.staff, args.attempts)
    )
    return head, met and seed_met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and save) the results tables."""
    args = _args(argv)
    started = time.perf_counter()
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    sys.path.insert(0, str(ROOT))
    path, origin = _database(args)
    met = True
    try:
        if "dashboard" in args.only:
            head, met = _dashboard(args, path, origin)
            if not args.no_write:
                _, sections = _read_results()
                RESULTS.write_text(head + "".join(sections.values()), encoding="utf-8")
                print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
        extra = _extra(args, path, origin)
    finally:
        _pg_stop()
    print(f"\n`python -m bench` took {(time.perf_counter() - started) / 60:.1f} min.")
    return 0 if met and extra == 0 else 1


# --- submit, processes, cold start, memory (bench/submit.py, bench/server.py) ------------------

SECTIONS = {
    "submit": "## Quiz submit latency",
    "processes": "## 8 processes submitting at once",
    "coldstart": "## Cold start",
    "memory": "## Server memory with 20 signed-in sessions",
    "load": "## Many people at once",
    "mail": "## Reminder mail: send-reminders over the organisation",
    "impact": "## Customer feedback: import and the impact view",
    "observations": "## Observations: submit and Team progress",  # python -m bench.observations
    "summary": "## Capacity: targets, gaps and why",  # written by hand (dated inside), kept
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


def write_section(part: str, text: str) -> None:
    """Put one section's text into bench/RESULTS.md, keeping the others."""
    head, sections = _read_results()
    sections[part] = "\n" + text
    ordered = "".join(sections[p] for p in SECTIONS if p in sections)
    RESULTS.write_text(head + ordered, encoding="utf-8")
    print(f"Written to {RESULTS.relative_to(ROOT)}")


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
    met = True
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
            attempts = args.pg_attempts or args.attempts
            url, seconds = _pg_database(
                staff=args.staff, teams=args.teams, attempts=attempts, seed_=args.seed
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
                f"full_page_writes off, loopback), seed-demo (COPY) at {args.staff} staff "
                f"and {attempts} attempts in {seconds:.0f} s; the dashboard part measured "
                "it first, and the parts write to it in turn." + gap
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
        if "load" in parts:
            found["load"].append((name, _load_part(args, url, backend)))
        if "mail" in parts:
            from bench import mail as mail_bench

            found["mail"].append(mail_bench.reminders_run(url, backend=name))
        if "impact" in parts:  # bench/impact.py reads the configured database
            from bench import impact as impact_bench
            from store import db as store_db

            os.environ["TRAINING_DATABASE_URL"] = url
            store_db.dispose_engines()
            rows = impact_bench.FULL_ROWS if not args.quick else impact_bench.FULL_ROWS // 10
            found["impact"].append(
                impact_bench.measure(name, rows=rows, runs=3, only={"import", "render"})
            )
        from store import db

        db.dispose_engines()
        if backend == "sqlite":
            import shutil

            shutil.rmtree(copy.parent, ignore_errors=True)

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
    if found.get("load"):
        text, ok = _load_text(args, found["load"], stamp, common)
        met &= ok
        texts["load"] = text
    if found.get("mail"):
        from bench import mail as mail_bench

        rows = found["mail"]
        met &= all(r.met for r in rows)
        texts["mail"] = (
            f"{SECTIONS['mail']}\n\n`python -m bench --only mail` ({stamp})\n\n"
            f"{mail_bench.table(rows)}\n\n"
            "- Every active person given an address, quiet hours off, then `python -m store "
            "send-reminders` run twice as cron would (process start, curriculum parse, planning, "
            "outbox writes and SMTP to a local aiosmtpd server on loopback all counted). Target: "
            "first pass under 60 s, second pass sends nothing. Small mode: "
            "`python -m bench.mail --staff 200`.\n"
            f"{common}\n"
        )
    if found.get("impact"):
        from bench import impact as impact_bench

        imports = [t for done, _ in found["impact"] for t in done]
        renders = [r for _, drawn in found["impact"] for r in drawn]
        met &= all(t.met for t in imports) and all(r.met for r in renders)
        texts["impact"] = (
            f"{SECTIONS['impact']}\n\n`python -m bench --only impact` ({stamp})\n\n"
            f"{impact_bench.table(imports, renders)}\n\n"
            "- Import: an aggregated CSV of that many rows (bench/impact.py), checked by "
            "store.feedback.parse_csv and written in one transaction (executemany on SQLite, "
            "COPY into a temporary table then INSERT ... ON CONFLICT DO NOTHING on PostgreSQL). "
            "Render: pages/impact.py through AppTest, default range (a year), no team chosen; "
            "cold = st.cache_data cleared first; median of 3 after one untimed run. A bench "
            "database seeded before feedback existed gets a year of demo feedback first.\n"
            f"{common}\n"
        )

    for text in texts.values():
        print()
        print(text)
    if not args.no_write:
        for part, text in texts.items():
            write_section(part, text)
    return 0 if met else 1


# --- many people at once (bench/load.py) -------------------------------------------------------


def _load_plan(quick: bool) -> dict:
    from bench import load

    if quick:
        return dict(
            levels=(10, 50, 100), thinks=load.THINKS, window=12.0, per_rerun=10.0,
            compare=[(25, 1.0)], soak=120.0, every=10.0, nginx=[(50, 1.0), (100, 5.0)],
        )  # fmt: skip
    return dict(
        levels=load.LEVELS, thinks=load.THINKS, window=20.0, per_rerun=20.0,
        compare=[(25, 1.0), (50, 1.0), (100, 5.0)], soak=600.0, every=15.0,
        nginx=[(50, 1.0), (100, 1.0), (100, 5.0), (200, 5.0)],
    )  # fmt: skip


def _load_part(args: argparse.Namespace, url: str, backend: str) -> dict:
    """SQLite: one process at every level, GC on/off, the soak. PostgreSQL: nginx, 1 vs 2."""

    plan = _load_plan(args.quick)
    os.environ["TRAINING_DATABASE_URL"] = url  # the bench signs people in on the same database
    started = time.perf_counter()
    try:
        found = _load_runs(plan, url, backend)
    except Exception as exc:  # one broken part must not lose the rest of a long run
        import traceback

        traceback.print_exc()
        found = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    found["seconds"] = time.perf_counter() - started
    return found


def _load_runs(plan: dict, url: str, backend: str) -> dict:
    from bench import load

    if backend == "postgresql":
        found = {"nginx": load.behind_nginx(url, cases=plan["nginx"], window=plan["window"])}
    else:
        found = {"per_rerun": load.per_rerun(url, seconds=plan["per_rerun"])}
        found["levels"], found["compare"] = load.one_process(
            url,
            levels=plan["levels"],
            thinks=plan["thinks"],
            window=plan["window"],
            compare=plan["compare"],
        )
        print(f"  soak: 50 sessions, 1 s think, {plan['soak']:.0f} s", flush=True)
        found["soak"] = load.soak_run(
            url, sessions=50, think=1.0, seconds=plan["soak"], every=plan["every"]
        )
    return found


LOAD_NOTES = """\
- Each session is one websocket to /_stcore/stream speaking Streamlit's protocol (BackMsg
  rerun_script out, ForwardMsgs in until script_finished), signed in through the app's own cookie
  route (a session and one-time ticket made in the database, traded at /api/session/complete for
  the HttpOnly cookie the websocket then carries). The first rerun of every session must show its
  page ("My training" or "Question"), so a sign-in page is never timed. Think time: a random
  0.5x-1.5x of the stated value after each rerun. Sessions join over the first seconds; only
  reruns that start and finish inside the {window:.0f} s window count.
- Server CPU per rerun: user + system time of the server process(es) from /proc/<pid>/stat over
  the window, divided by the reruns finished in it. It includes websocket, protobuf and
  event-loop work, and is the figure least disturbed by other work on the machine. Met is judged
  on that whole figure. Beside it, in the one-session table: the same server's CPU per second
  over 6 s with nobody rerunning (Streamlit polls its config files every 0.2 s, the HTTP server
  ticks), and the figure less that background spread over the window's reruns. Wall times
  (p50/p95) are what a person would feel and rise with the machine's load; the 1-minute load
  average is on every row. With other helpers' tests on the same 2 cores, compare rows measured
  in the same run (the ratios) rather than absolute times.
- The load client runs in the bench process on the same 2 cores, so at the higher levels it
  competes with the server for CPU.
- nginx: Debian's package, `ip_hash` as in the README, `proxy_set_header Host $http_host`.
  ip_hash keys on the first three octets of the client address, so the sessions connect from
  127.0.N.1 (N = 1..250), as people from different networks would; from one address every
  session would land on one process.
"""


def _load_text(args, runs: list[tuple[str, dict]], stamp: str, common: str) -> tuple[str, bool]:
    from bench import load

    plan = _load_plan(args.quick)
    flag = " --quick" if args.quick else ""
    parts = [f"{SECTIONS['load']}\n\n`python -m bench --only load{flag}` ({stamp})\n"]
    met = True
    for name, found in runs:
        if "error" in found:
            met = False
            parts.append(f"### {name}: **the load part failed**: `{found['error']}`\n")
        if "per_rerun" in found:
            rows = found["per_rerun"]
            met &= all(r.cpu_per_rerun <= load.RERUN_CPU_TARGET for r in rows if "off" in r.label)
            levels = found["levels"]
            hundred = [r for r in levels if r.sessions == 100 and r.think == 5.0]
            met &= all(r.p95 < load.P95_TARGET and not r.errors for r in hundred)
            met &= not any(r.errors for r in levels)
            samples, soak_level = found["soak"]
            soak_line, flat = load.soak_summary(samples)
            met &= flat
            parts.append(
                f"### {name}: server time per rerun (one session rerunning as fast as it can)\n\n"
                f"{load.per_rerun_table(rows)}\n\n"
                f"### {name}: one server process, every level\n\n"
                f"{load.levels_table(levels, target=True)}\n\n"
                f"### {name}: `runner.postScriptGC` on and off, back to back\n\n"
                f"{load.levels_table(found['compare'])}\n\n"
                f"{load.ratio_lines(found['compare'])}\n\n"
                f"### {name}: memory under load ({plan['soak'] / 60:.0f} minutes, 50 sessions, "
                f"1 s think, postScriptGC off)\n\n"
                f"- {soak_line} {'Flat' if flat else '**Not flat**'} (second half grows < 10%).\n"
                f"- {soak_level.reruns} reruns, p50 {load._ms(soak_level.p50)}, p95 "
                f"{load._ms(soak_level.p95)}, {len(soak_level.errors)} errors; server CPU per "
                f"rerun {soak_level.cpu_per_rerun * 1000:.1f} ms; load average at the end "
                f"{soak_level.load[0]:.1f}.\n"
                f"- This SQLite part took {found['seconds'] / 60:.1f} min.\n"
            )
        if "nginx" in found:
            rows = found["nginx"]
            met &= not any(r.errors for r in rows)
            parts.append(
                f"### {name}: behind Debian's nginx (ip_hash), one then two server processes\n\n"
                f"{load.levels_table(rows)}\n\n{load.nginx_lines(rows)}\n"
                f"- This part took {found['seconds'] / 60:.1f} min.\n"
            )
    parts.append(LOAD_NOTES.format(window=plan["window"]) + f"{common}\n")
    return "\n".join(parts), met


if __name__ == "__main__":
    sys.exit(main())
