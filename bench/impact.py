"""Benchmark of customer feedback: importing 100,000 rows, and /impact rendered cold.

Targets (issue 13): an import of 100,000 rows < 10 s (parse, check and write, all rows in one
transaction); /impact at bench scale (250 teams, a year of daily feedback) cold < 1.5 s for the
administrator (the whole organisation) and < 0.3 s for a manager (their teams).

`python -m bench --only impact` runs it on the bench database (SQLite copy and PostgreSQL);
`python -m bench.impact --small` runs a small version on its own temporary SQLite database in
about a minute: 50 teams, 500 people, 20,000 attempts, a year of daily feedback per team, and an
import of 10,000 rows (`--rows 100000` for the full-size import alone: `--only import`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"import": 10.0, "admin": 1.5, "manager": 0.3}
FULL_ROWS = 100_000


@dataclass
class ImportTiming:
    """One import: how long the check and the write took."""

    backend: str
    rows: int
    parse: float
    write: float
    added: int
    cpu: float = 0.0  # CPU seconds of this process for both (the machine may be busy)
    load: float = 0.0

    @property
    def total(self) -> float:
        return self.parse + self.write

    @property
    def target(self) -> float:
        return TARGETS["import"] * self.rows / FULL_ROWS

    @property
    def met(self) -> bool:
        return self.total < self.target


@dataclass
class RenderTiming:
    """/impact rendered by AppTest for one person, cold (caches cleared) and warm."""

    backend: str
    label: str
    teams: int
    feedback_rows: int
    cold: list[float]
    warm: list[float]
    target: float
    cold_cpu: list[float] = field(default_factory=list)  # CPU seconds of this process
    load: float = 0.0

    @property
    def met(self) -> bool:
        return statistics.median(self.cold) < self.target


def feedback_csv(rows: int, seed: int = 1) -> str:
    """Return an aggregated feedback CSV of rows rows over the teams in the database."""
    from store import accounts, feedback
    from training import clock

    teams = [t.name for t in accounts.list_teams()]
    rng = random.Random(seed)
    today = clock.today()
    lines = [",".join(feedback.AGGREGATED_COLUMNS)]
    for i in range(rows):
        day = today - timedelta(days=1 + i % 365)
        n = rng.randint(5, 30)
        promoters = rng.randint(0, n // 2)
        lines.append(
            f"{day.isoformat()},{teams[i % len(teams)]},pos,{n},{rng.uniform(3, 5):.2f},"
            f"{promoters},{rng.randint(0, n - promoters)},0,{rng.randint(0, 3)},"
            f"{rng.randint(0, 2)},bench-{seed}-{i}"
        )
    return "\n".join(lines) + "\n"


def import_timing(backend: str, rows: int) -> ImportTiming:
    """Check and import rows feedback rows into the configured database, timed."""
    from store import feedback

    text = feedback_csv(rows).encode("utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    preview = feedback.parse_csv(text)
    parsed = time.perf_counter()
    if not preview.ok:
        raise SystemExit(f"bench feedback did not pass its own checks: {preview.errors[:3]}")
    result = feedback.import_feedback(preview, actor_id=None, source="cli", name="bench")
    written = time.perf_counter()
    return ImportTiming(
        backend,
        rows,
        parsed - started,
        written - parsed,
        result.added,
        cpu=time.process_time() - cpu,
        load=os.getloadavg()[0],
    )


def render_timing(backend: str, username: str, label: str, runs: int, target: float):
    """Render pages/impact.py as username with AppTest: cold (caches cleared), then warm."""
    import streamlit as st
    from sqlmodel import func, select
    from streamlit.testing.v1 import AppTest

    from store import accounts
    from store import impact as store_impact
    from store.db import session_scope
    from store.models import Feedback

    user = accounts.get_user_by_username(username)
    token, _ticket = accounts.create_session(user_id=user.id)
    at = AppTest.from_file(str(ROOT / "pages" / "impact.py"), default_timeout=300)
    at.session_state["session_token"] = token

    cpu: list[float] = []

    def render(clear: bool) -> float:
        if clear:
            st.cache_data.clear()
        started, used = time.perf_counter(), time.process_time()
        at.run()
        if at.exception:
            raise SystemExit(f"/impact failed for {username}: {at.exception[0].value}")
        cpu.append(time.process_time() - used)
        return time.perf_counter() - started

    render(clear=True)  # imports, SQL compilation, chart specs
    cpu.clear()
    cold = [render(clear=True) for _ in range(runs)]
    cold_cpu = list(cpu)
    warm = [render(clear=False) for _ in range(runs)]
    with session_scope(write=False) as s:
        teams = len(store_impact._scope(s, user)[1])
        stored = s.exec(select(func.count()).select_from(Feedback)).one()
    return RenderTiming(
        backend, label, teams, stored, cold, warm, target, cold_cpu, os.getloadavg()[0]
    )


def table(imports: list[ImportTiming], renders: list[RenderTiming]) -> str:
    """Return the results as markdown tables."""
    out = [
        "| Database | Rows | Check (parse, validate) | Write | Total | CPU | Target | Met | Load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for t in imports:
        out.append(
            f"| {t.backend} | {t.rows:,} | {t.parse:.2f} s | {t.write:.2f} s | {t.total:.2f} s "
            f"| {t.cpu:.2f} s | < {t.target:.1f} s | {'yes' if t.met else 'NO'} | {t.load:.1f} |"
        )
    out += [
        "",
        "| Database | View | Teams | Feedback rows | Cold (median) | CPU of cold | Warm | Target "
        "| Met | Load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for r in renders:
        cold, warm = statistics.median(r.cold) * 1000, statistics.median(r.warm) * 1000
        out.append(
            f"| {r.backend} | {r.label} | {r.teams} | {r.feedback_rows:,} "
            f"| {cold:.0f} ms | {statistics.median(r.cold_cpu) * 1000:.0f} ms | {warm:.0f} ms "
            f"| < {r.target * 1000:.0f} ms | {'yes' if r.met else 'NO'} | {r.load:.1f} |"
        )
    return "\n".join(out)


def measure(backend: str, *, rows: int, runs: int, only: set[str]) -> tuple[list, list]:
    """Run the parts asked for against the configured database (TRAINING_DATABASE_URL)."""
    from sqlmodel import func, select

    from store.db import session_scope
    from store.demo_feedback import seed_feedback
    from store.models import Feedback

    imports, renders = [], []
    if "render" in only:
        with session_scope(write=False) as s:
            has_feedback = s.exec(select(func.count()).select_from(Feedback)).one()
        if not has_feedback:  # a bench database seeded before feedback existed
            print(seed_feedback(seed=1), flush=True)
        for username, label, key in (
            ("admin", "Administrator: whole organisation", "admin"),
            ("manager", "Manager: their teams", "manager"),
        ):
            renders.append(render_timing(backend, username, label, runs, TARGETS[key]))
    if "import" in only:
        imports.append(import_timing(backend, rows))
    return imports, renders


def main(argv: list[str] | None = None) -> int:
    """Run the small benchmark on a temporary SQLite database (or --url) and print it."""
    parser = argparse.ArgumentParser(prog="python -m bench.impact", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the small organisation (default)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows to import")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="import,render")
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",")}
    sys.path.insert(0, str(ROOT))
    folder = Path(tempfile.mkdtemp(prefix="bench-impact-"))
    os.environ["TRAINING_DATABASE_URL"] = f"sqlite:///{folder / 'impact.db'}"
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    from store import db, demo

    db.upgrade()
    started = time.perf_counter()
    summary = demo.seed_demo(
        staff=500, teams=50, attempts=20_000, seed=1, content_dir=ROOT / "content"
    )
    print(f"Seeded in {time.perf_counter() - started:.0f} s: {summary}", flush=True)
    imports, renders = measure("SQLite", rows=args.rows, runs=args.runs, only=only)
    print(table(imports, renders))
    db.dispose_engines()
    return 0 if all(t.met for t in imports) and all(r.met for r in renders) else 1


if __name__ == "__main__":
    sys.exit(main())
