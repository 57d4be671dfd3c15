"""The whole organisation's kept daily activity (store.activity_days) against the attempts.

Every figure is checked against an oracle computed here in Python from the attempts as they
stand in the database, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, text
from sqlmodel import select

from store import activity_days, dashboard, db, demo
from store.db import get_engine, session_scope
from store.models import ActivityCoverage, ActivityDay, Attempt
from tests.factories import (
    FIXTURES,
    ROOT,
    add_attempt,
    loaded_module,
    make_user,
    pass_quiz,
    two_teams,
)
from training import clock

pytestmark = [pytest.mark.usefixtures("fresh_db"), pytest.mark.both_dbs]

NOW = datetime(2026, 6, 10, 15, tzinfo=UTC)  # a Wednesday afternoon
TODAY = NOW.date()
START = TODAY - timedelta(days=40)
MODULES = ["empathy", "sincerity", "timely-service"]


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def put_attempt(user_id, module_id, submitted, score, passed, kind="quiz"):
    started = (submitted or NOW) - timedelta(minutes=10)
    add_attempt(
        user_id,
        module_id,
        submitted=submitted,
        score=score,
        passed=passed,
        kind=kind,
        started=started,
    )


def closed_attempts(today: date = TODAY) -> int:
    """Return how many quiz attempts were submitted before today (the days the summary holds)."""
    with session_scope(write=False) as s:
        return s.exec(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.kind == "quiz", Attempt.submitted_at < clock.start_of_day(today))
        ).one()


def oracle(start: date, end: date, module_ids=None, user_ids=None) -> dict:
    """Weeks as weekly_activity must give them, computed in Python from every attempt."""
    with session_scope(write=False) as s:
        rows = s.exec(select(Attempt).where(Attempt.kind == "quiz")).all()
    weeks: dict[date, list] = {}
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        weeks[monday] = [0, 0, []]
        monday += timedelta(days=7)
    for a in rows:
        if a.submitted_at is None or (module_ids is not None and a.module_id not in module_ids):
            continue
        if user_ids is not None and a.user_id not in user_ids:
            continue
        day = clock.day_of(a.submitted_at)
        if start <= day <= end:
            week = weeks[day - timedelta(days=day.weekday())]
            week[0] += 1
            week[1] += bool(a.passed)
            week[2].append(a.score or 0.0)
    return {w: (n, p, sum(scores) / n if n else None) for w, (n, p, scores) in weeks.items()}


def found(weeks) -> dict:
    return {w.week: (w.attempts, w.passes, w.average_score) for w in weeks}


def same(got: dict, want: dict) -> None:
    """Counts and passes exactly; the average to the last few bits (float sums in any order)."""
    assert list(got) == list(want)
    for week in want:
        (n, p, avg), (wn, wp, wavg) = got[week], want[week]
        assert (n, p) == (wn, wp), week
        assert (avg is None) == (wavg is None), week
        if avg is not None:
            assert avg == pytest.approx(wavg, rel=1e-12, abs=1e-12), week


def coverage() -> ActivityCoverage | None:
    with session_scope(write=False) as s:
        return s.exec(select(ActivityCoverage)).first()


def kept_total() -> int:
    with session_scope(write=False) as s:
        return s.exec(select(func.coalesce(func.sum(ActivityDay.attempts), 0))).one()


@pytest.fixture
def org():
    """Two teams, an administrator, and 40 days of attempts at three modules (and noise)."""
    teams = two_teams()
    admin = make_user("ada", "admin", name="Ada Admin")
    eve = make_user("eve", team_id=teams.desk.id)
    ron = make_user("ron", team_id=teams.bar.id)
    people = [teams.mia.id, eve.id, ron.id, teams.bob.id]
    for i in range(60):
        day = START + timedelta(days=(i * 7) % 41)
        score = [100 / 3, 62.25, 80.0, 0.0, 200 / 3][i % 5]
        put_attempt(people[i % 4], MODULES[i % 3], at(day, i % 24, i), score, score >= 60)
    put_attempt(eve.id, "empathy", None, None, None)  # open: never counted
    put_attempt(eve.id, "empathy", at(TODAY - timedelta(days=3)), 90.0, True, kind="refresher")
    put_attempt(ron.id, "sincerity", at(TODAY, 9), 75.0, True)  # today
    put_attempt(ron.id, "sincerity", at(TODAY - timedelta(days=1), 23, 59), 50.0, False)
    return teams, admin, eve, ron


def test_kept_days_give_what_the_attempts_give_with_and_without_a_module_filter(org):
    _, admin, _, _ = org
    with clock.frozen_at(NOW):
        for module_ids in (None, ["sincerity"], ["empathy", "timely-service"], []):
            for start, end in ((START, TODAY), (START + timedelta(days=9), TODAY - timedelta(3))):
                weeks = dashboard.weekly_activity(
                    actor=admin, module_ids=module_ids, start=start, end=end
                )
                same(found(weeks), oracle(start, end, module_ids))
    held = coverage()
    assert held.through_day == TODAY - timedelta(days=1)
    assert kept_total() == closed_attempts()  # every closed day is held, today is not


def test_closed_days_are_read_from_the_summary(org):
    _, admin, _, _ = org
    with clock.frozen_at(NOW):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
        with session_scope() as s:  # a changed kept figure shows: the days come from the summary
            s.exec(text("UPDATE activityday SET attempts = attempts + 1000"))
        weeks = dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
    assert sum(w.attempts for w in weeks) >= 1000


def test_a_team_scope_never_reads_the_summary(org):
    teams, admin, eve, _ = org
    with clock.frozen_at(NOW):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
        with session_scope() as s:
            s.exec(text("UPDATE activityday SET attempts = attempts + 1000"))
        desk = dashboard.weekly_activity(actor=admin, team_id=teams.desk.id, start=START, end=TODAY)
        manager = dashboard.weekly_activity(actor=teams.mia, start=START, end=TODAY)
    members = {teams.mia.id, eve.id}
    same(found(desk), oracle(START, TODAY, user_ids=members))
    same(found(manager), oracle(START, TODAY, user_ids=members))


def test_a_submit_today_shows_at_once(org):
    _, admin, eve, _ = org
    loaded = loaded_module(FIXTURES / "content" / "valid")
    with clock.frozen_at(NOW):
        before = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
        pass_quiz(eve, loaded)
        after = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
        monday = TODAY - timedelta(days=TODAY.weekday())
        assert after[monday][0] == before[monday][0] + 1
        assert after[monday][1] == before[monday][1] + 1
        same(after, oracle(START, TODAY))


def test_a_back_dated_attempt_written_later_rebuilds_the_summary(org):
    _, admin, eve, _ = org
    with clock.frozen_at(NOW):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
        built = coverage()
        put_attempt(eve.id, "empathy", at(TODAY - timedelta(days=20)), 10.0, False)  # an import
        weeks = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
    same(weeks, oracle(START, TODAY))
    rebuilt = coverage()
    assert rebuilt.max_attempt_id > built.max_attempt_id
    assert rebuilt.built_at >= built.built_at


def test_a_lower_highest_id_means_another_database_and_a_rebuild(org):
    _, admin, _, _ = org
    with clock.frozen_at(NOW):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
        with session_scope() as s:  # the newest attempts gone: not the database it was built on
            newest = s.exec(select(func.max(Attempt.id))).one()
            s.exec(delete(Attempt).where(Attempt.id >= newest - 5))
        weeks = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
    same(weeks, oracle(START, TODAY))
    assert coverage().max_attempt_id == newest - 6


def test_days_that_end_are_added_from_the_last_day_held(org):
    _, admin, _, _ = org
    with clock.frozen_at(NOW - timedelta(days=10)):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
    assert coverage().through_day == TODAY - timedelta(days=11)
    built_at = coverage().built_at
    with clock.frozen_at(NOW):
        weeks = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
    same(weeks, oracle(START, TODAY))
    extended = coverage()
    assert extended.through_day == TODAY - timedelta(days=1)
    assert extended.built_at == built_at  # extended, not rebuilt


def test_a_day_is_held_only_once_it_has_been_over_a_while(org):
    _, admin, _, ron = org
    just_after_midnight = at(TODAY, 0, 1)
    with clock.frozen_at(just_after_midnight):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
    assert coverage().through_day == TODAY - timedelta(days=2)  # yesterday still read live


def test_several_threads_extending_at_once_count_each_day_once(org):
    _, admin, _, _ = org
    with clock.frozen_at(NOW - timedelta(days=12)):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
    want = oracle(START, TODAY)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def read() -> None:
        try:
            barrier.wait()
            results.append(found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY)))
        except Exception as error:  # reported below, with the failing thread's error
            errors.append(error)

    with clock.frozen_at(NOW):
        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for got in results:
            same(got, want)
    assert len(results) == 4
    assert kept_total() == closed_attempts()


def _extend(url: str, start: date, end: date, go, queue) -> None:
    os.environ["TRAINING_DATABASE_URL"] = url
    db.dispose_engines()
    go.wait(timeout=60)
    try:
        days = activity_days.organisation_days(start=start, end=end, module_ids=None)
        queue.put(sorted((str(d), n, p) for d, n, p, _ in days) if days is not None else None)
    except Exception as error:  # reported to the test
        queue.put(repr(error))


def test_two_processes_extending_at_once_count_each_day_once(org, fresh_db, spawn):
    _, admin, _, _ = org
    with clock.frozen_at(NOW - timedelta(days=12)):
        dashboard.weekly_activity(actor=admin, start=START, end=TODAY)
    go, queue = spawn.Event(), spawn.Queue()
    procs = [spawn.Process(target=_extend, args=(fresh_db, START, TODAY, go, queue)) for _ in "ab"]
    for p in procs:
        p.start()
    go.set()
    answers = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    # The children's clock is the real one (December 2026): every day of the data is over.
    assert coverage().through_day == activity_days.closed_through(clock.now())
    assert kept_total() == closed_attempts(clock.today())
    assert all(a is None or isinstance(a, list) for a in answers), answers
    with clock.frozen_at(NOW):
        want = oracle(START, TODAY)
    for answer in answers:
        if answer is not None:  # None: the lock was not had in time, the page reads live
            assert sum(n for _, n, _ in answer) == sum(n for n, _, _ in want.values())


def test_no_write_lock_in_time_means_the_live_figures(org, monkeypatch):
    _, admin, _, _ = org
    monkeypatch.setattr(activity_days, "LOCK_WAIT_MS", 300)
    holder = get_engine().connect()
    try:
        holder.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
        if holder.dialect.name == "postgresql":
            holder.exec_driver_sql(f"SELECT pg_advisory_xact_lock({activity_days.LOCK_KEY})")
        with clock.frozen_at(NOW):
            weeks = found(dashboard.weekly_activity(actor=admin, start=START, end=TODAY))
        same(weeks, oracle(START, TODAY))
        holder.rollback()
    finally:
        holder.close()
    assert coverage() is None  # nothing was built while the lock was held elsewhere


def test_a_seeded_history_gives_the_live_figures():
    admin = make_user("ada", "admin", name="Ada Admin")
    today = clock.today()
    start = today - timedelta(days=26 * 7)
    dashboard.weekly_activity(actor=admin, start=start, end=today)  # summary of an empty history
    demo.seed_demo(staff=20, teams=2, attempts=300, seed=3, content_dir=ROOT / "content")
    weeks = found(dashboard.weekly_activity(actor=admin, start=start, end=today))
    want = oracle(start, today)
    assert sum(n for n, _, _ in want.values()) > 100
    same(weeks, want)
    assert kept_total() > 0
