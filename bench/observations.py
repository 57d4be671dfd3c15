"""`python -m bench.observations`: observation submit latency and Team progress with the
"On the floor" charts, on a seeded demo organisation (SQLite).

Full scale (the default) is the bench organisation: 5,000 staff, 250 teams, 500,000 attempts
and the ~30,000 observations seed-demo adds; it reuses data/bench/'s cached database when
there is one (a temp copy), else seeds one. `--small` seeds 400 staff, 20 teams and 20,000
attempts into a temp file (about a minute) for a quick look. Prints a markdown table;
exits 1 when a target is missed.

Targets (issue 12): observation submit p95 < 25 ms; Team progress with the new charts stays
inside the dashboard's targets (manager < 0.3 s, organisation < 1.5 s, cold).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.__main__ import CACHE, _machine, write_section

ROOT = Path(__file__).resolve().parent.parent
SUBMIT_TARGET_P95 = 0.025
PAGE_TARGETS = {"manager": 0.3, "admin": 1.5}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _database(args: argparse.Namespace) -> str:
    from bench import submit as submit_bench

    cached = CACHE / f"org-s{args.staff}-t{args.teams}-a{args.attempts}-seed1.db"
    if not args.small and cached.exists():  # the one python -m bench seeds
        copy, _ = submit_bench.sqlite_copy(cached)
        args.origin = f"a temp copy of {cached.relative_to(ROOT)}"
        return f"sqlite:///{copy}"
    args.origin = "seeded for this run"
    folder = Path(tempfile.mkdtemp(prefix="bench-observe-"))
    url = f"sqlite:///{folder / 'observe.db'}"
    seconds = submit_bench.seed(
        url, staff=args.staff, teams=args.teams, attempts=args.attempts, seed_=1
    )
    print(f"seeded {args.staff} staff in {seconds:.0f} s", flush=True)
    return url


def submit_latency(count: int) -> dict:
    """Time observations.submit alone over count observations of a full checklist."""
    from sqlmodel import func, select

    from store import accounts
    from store import observations as obs
    from store.db import session_scope
    from store.models import Observation
    from training.checklists import load_checklists

    checklists = list(load_checklists(ROOT / "content").checklists.values())
    admin = accounts.get_user_by_username("admin")
    with session_scope(write=False) as s:
        total = s.exec(select(func.count()).select_from(Observation)).one()
    people = [p.id for p in obs.find_people(actor=admin, limit=100_000)]
    rng = random.Random(3)
    submits, ratings = [], []
    for i in range(count):
        loaded = checklists[i % len(checklists)]
        draft = obs.start_or_resume(actor=admin, subject_id=rng.choice(people), loaded=loaded)
        for item in loaded.checklist.items:
            t = time.perf_counter()
            obs.save_rating(
                actor=admin,
                observation_id=draft.id,
                checklist=loaded.checklist,
                item_id=item.id,
                rating=rng.choice(("not_seen", "partly", "consistently")),
            )
            ratings.append(time.perf_counter() - t)
        t = time.perf_counter()
        obs.submit(actor=admin, observation_id=draft.id, checklist=loaded.checklist, note="ok")
        submits.append(time.perf_counter() - t)
    return {
        "observations": total,
        "submits": count,
        "p50": statistics.median(submits),
        "p95": _percentile(submits, 0.95),
        "rating_p95": _percentile(ratings, 0.95),
    }


def headline_people(user) -> int:
    """Return how many people the user's Team progress covers with every team at once."""
    from store import dashboard

    return dashboard.overview(actor=user, team_id=None).headline.people


def team_page(username: str, runs: int) -> dict:
    """Render pages/team.py cold (caches cleared) runs times; return the median and the floor
    section's own share."""
    from streamlit.testing.v1 import AppTest

    from store import accounts
    from store import observations as obs
    from training import clock
    from ui import team_view

    user = accounts.get_user_by_username(username)
    token, _ = accounts.create_session(user_id=user.id)
    at = AppTest.from_file(str(ROOT / "pages" / "team.py"), default_timeout=120)
    at.session_state["session_token"] = token
    _, competency_of = team_view.catalogue()

    def once() -> tuple[float, float]:
        team_view.clear_cache()
        t, cpu = time.perf_counter(), time.process_time()
        at.run()
        if at.exception:
            raise SystemExit(f"{username}: the page failed: {at.exception[0].value}")
        return time.perf_counter() - t, time.process_time() - cpu

    once()  # imports, content, statement compilation
    cold = [once() for _ in range(runs)]
    floor = []
    today = clock.today()
    many = headline_people(user) > team_view.PERSON_HEATMAP_LIMIT  # counts per team
    for _ in range(runs):
        t = time.perf_counter()
        obs.view_does(actor=user, team_id=None, today=today)
        obs.not_observed(actor=user, team_id=None, today=today, days=45)
        if many:
            obs.transfer_counts(actor=user, team_id=None, today=today, competency_of=competency_of)
        else:
            obs.transfer(actor=user, team_id=None, today=today, competency_of=competency_of)
        floor.append(time.perf_counter() - t)
    return {
        "cold": statistics.median(w for w, _ in cold),
        "cold_cpu": statistics.median(c for _, c in cold),
        "floor": statistics.median(floor),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure and print; return 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.observations")
    parser.add_argument("--small", action="store_true", help="400 staff in a temp database")
    parser.add_argument("--staff", type=int)
    parser.add_argument("--teams", type=int)
    parser.add_argument("--attempts", type=int)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    small = (400, 20, 20_000) if args.small else (5000, 250, 500_000)
    args.staff = args.staff or small[0]
    args.teams = args.teams or small[1]
    args.attempts = args.attempts or small[2]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    url = _database(args)
    os.environ["TRAINING_DATABASE_URL"] = url
    try:
        submit = submit_latency(args.submits)
        pages = {who: team_page(who, args.runs) for who in PAGE_TARGETS}
    finally:  # the temp copy (1.4 GB at full scale) or the seeded database goes with its folder
        from store import db

        db.dispose_engines()
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    met = submit["p95"] < SUBMIT_TARGET_P95 and all(
        pages[who]["cold"] < PAGE_TARGETS[who] for who in PAGE_TARGETS
    )
    scale = f"{args.staff} staff, {args.attempts} attempts, {submit['observations']} observations"
    lines = [
        f"## Observations: submit and Team progress\n\n`python -m bench.observations` "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M UTC}; {scale}, SQLite, {args.origin})\n",
        "| Measure | Value | Target | Met |\n| --- | --- | --- | --- |",
        f"| observation submit p50 | {submit['p50'] * 1000:.1f} ms | | |",
        f"| observation submit p95 ({submit['submits']} submits) | {submit['p95'] * 1000:.1f} ms "
        f"| < 25 ms | {'yes' if submit['p95'] < SUBMIT_TARGET_P95 else 'NO'} |",
        f"| one rating saved, p95 | {submit['rating_p95'] * 1000:.1f} ms | | |",
    ]
    for who, target in PAGE_TARGETS.items():
        page = pages[who]
        label = "manager (their teams)" if who == "manager" else "admin (organisation)"
        ok = "yes" if page["cold"] < target else "NO"
        lines.append(
            f"| Team progress cold, {label}, median of {args.runs} | {page['cold']:.2f} s "
            f"(CPU {page['cold_cpu']:.2f} s) | < {target} s | {ok} |"
        )
        lines.append(f"| of which the floor queries, {label} | {page['floor'] * 1000:.0f} ms | | |")
    lines.append(f"\n- Machine: {_machine()}.\n- All targets met: {'yes' if met else 'NO'}.\n")
    text = "\n".join(lines)
    print("\n" + text)
    if not args.small and not args.no_write:
        write_section("observations", text)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
