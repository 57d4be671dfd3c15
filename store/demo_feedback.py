"""Write the demo's customer feedback (training/demo_feedback.py) and one training push.

Called by `store.demo.seed_demo` after the training history exists. One push is added first:
a module few teams have is assigned to a third of the teams with one due date four months ago,
and 90% of their people pass it in the four weeks before (`_push`). Each team's completion days
(80% of its people passed an assigned module) then come from the history, and two thirds of the
teams respond to them, so the impact view has a real effect, a null, and a before/after.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert
from sqlmodel import select

from store.db import session_scope
from store.feedback import FeedbackRow, _bulk_insert
from store.models import (
    Assignment,
    Attempt,
    Certificate,
    ContentRevision,
    FeedbackImport,
    Progress,
    Team,
    User,
)
from training import demo_feedback
from training.certificate import certificate_id_candidates
from training.impact import COMPLETED_SHARE

DAYS = 365
MIN_PUSH_TEAMS = 3


def _completion_days(session, members: dict[int, int]) -> dict[tuple[int, str], date]:
    """Return, per team and assigned module, the day its 80% of people had passed."""
    assigned = set(
        session.exec(
            select(Assignment.team_id, Assignment.module_id).where(
                Assignment.team_id.is_not(None), Assignment.withdrawn_at.is_(None)
            )
        ).all()
    )
    firsts = session.exec(
        select(User.team_id, Certificate.module_id, func.min(Certificate.passed_at))
        .join(User, User.id == Certificate.user_id)
        .where(User.active, User.team_id.is_not(None))
        .group_by(User.team_id, Certificate.user_id, Certificate.module_id)
    ).all()
    days: dict[tuple[int, str], list[date]] = defaultdict(list)
    for tid, module_id, at in firsts:
        if (tid, module_id) in assigned:
            moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
            days[(tid, module_id)].append(moment.date())
    done = {}
    for (tid, module_id), passed in days.items():
        need = max(1, int(COMPLETED_SHARE * members.get(tid, 0) + 0.999))
        if len(passed) >= need:
            done[(tid, module_id)] = sorted(passed)[need - 1]
    return done


def _push(session, rng: random.Random, members: dict[int, list[int]], today: date):
    """Assign one module to a third of the teams, due four months ago, and let 90% pass it.

    Returns (module, due, team ids), or None when there are too few teams to compare. The
    passes are written as the store writes them: a submitted attempt, a certificate, and the
    progress row brought up to date.
    """
    teams = sorted(t for t, people in members.items() if people)
    if len(teams) < 2 * MIN_PUSH_TEAMS:
        return None
    given = set(session.exec(select(Assignment.team_id, Assignment.module_id)).all())
    modules = sorted(set(session.scalars(select(ContentRevision.module_id))))
    # the module fewest teams have, so enough teams were never given it (the comparison)
    module_id = min(modules, key=lambda m: (sum((t, m) in given for t in teams), m))
    version = session.exec(
        select(ContentRevision.version)
        .where(ContentRevision.module_id == module_id)
        .order_by(ContentRevision.id.desc())
    ).first()
    pushed = sorted(rng.sample([t for t in teams if (t, module_id) not in given], len(teams) // 3))
    if len(pushed) < MIN_PUSH_TEAMS:
        return None
    due = today - timedelta(days=120)
    assigned_at = datetime.combine(due - timedelta(days=28), time(9), UTC)
    session.execute(
        insert(Assignment),
        [
            {"module_id": module_id, "team_id": tid, "due_date": due, "due_days": 28,
             "from_joining": False, "assigned_at": assigned_at}
            for tid in pushed
        ],
    )  # fmt: skip
    issued = set(session.scalars(select(Certificate.certificate_id)))
    passes = []
    for tid in pushed:
        for uid in members[tid]:
            if rng.random() > 0.9:
                continue
            when = assigned_at + timedelta(days=rng.uniform(1, 27))
            score = float(rng.choice((80, 87.5, 90, 100)))
            attempt = Attempt(
                user_id=uid, module_id=module_id, content_version=version or "demo",
                seed=rng.randrange(1 << 30), drawn=[], started_at=when - timedelta(minutes=9),
                submitted_at=when, score=score, passed=True,
            )  # fmt: skip
            session.add(attempt)
            passes.append((uid, when, score, attempt))
    session.flush()  # the attempts in one batch, their ids in the order added
    progress_of = {
        p.user_id: p
        for p in session.exec(
            select(Progress).where(
                Progress.module_id == module_id,
                Progress.user_id.in_([uid for uid, *_ in passes]),
            )
        )
    }
    for uid, when, score, attempt in passes:
        cert = next(
            c
            for c in certificate_id_candidates(uid, module_id, when, attempt.id)
            if c not in issued
        )
        issued.add(cert)
        session.add(
            Certificate(
                certificate_id=cert, user_id=uid, module_id=module_id,
                attempt_id=attempt.id, score=score, passed_at=when,
            )
        )  # fmt: skip
        progress = progress_of.get(uid) or Progress(user_id=uid, module_id=module_id)
        progress_of[uid] = progress
        progress.best_score = max(progress.best_score or 0.0, score)
        progress.last_score = score
        progress.attempt_count = (progress.attempt_count or 0) + 1
        progress.passed_at, progress.certificate_id = when, cert
        progress.last_attempt_at = when
        session.add(progress)
    return module_id, due, pushed


def seed_feedback(*, seed: int, now: datetime | None = None) -> str:
    """Add a year of daily feedback per team and one push; return a one-line summary."""
    now = now or datetime.now(UTC)
    today = now.date()
    rng = random.Random(seed)
    with session_scope() as session:
        teams = dict(session.exec(select(Team.id, Team.name)).all())
        members = dict(
            session.exec(
                select(User.team_id, func.count())
                .where(User.active, User.team_id.is_not(None))
                .group_by(User.team_id)
            ).all()
        )
        people: dict[int, list[int]] = defaultdict(list)
        for tid, uid in session.exec(
            select(User.team_id, User.id).where(User.active, User.team_id.is_not(None))
        ):
            people[tid].append(uid)
        push = _push(session, rng, people, today)
        session.flush()
        done = _completion_days(session, members)
        quiet = set(rng.sample(sorted(teams), len(teams) // 3))
        demo_teams = [
            demo_feedback.DemoTeam(
                team_id=tid,
                name=name,
                size=members.get(tid, 1),
                completions=tuple(sorted(d for (t, _), d in done.items() if t == tid)),
                responds=tid not in quiet,
            )
            for tid, name in teams.items()
        ]
        rows = demo_feedback.daily_rows(
            demo_teams, start=today - timedelta(days=DAYS), end=today, seed=seed
        )
        record = FeedbackImport(at=now, source="demo", name="demo", rows=len(rows))
        session.add(record)
        session.flush()
        stored = [
            FeedbackRow(
                where="demo",
                key=f"s:demo-{r['team_id']}-{r['date'].isoformat()}",
                team_id=r["team_id"],
                team=r["team"],
                day=r["date"],
                channel=r["channel"],
                responses=r["responses"],
                csat_sum=r["csat_mean"] * r["responses"],
                csat_n=r["responses"],
                promoters=r["nps_promoters"],
                passives=r["nps_passives"],
                detractors=r["nps_detractors"],
                complaints=r["complaints"],
                compliments=r["compliments"],
            )
            for r in rows
        ]
        _bulk_insert(session, stored, record.id)
        record.added = len(stored)
        session.add(record)
    pushed = ""
    if push:
        pushed = f"; a push of {push[0]} due {push[1].isoformat()} to {len(push[2])} teams"
    return (
        f"Customer feedback: {len(rows)} daily rows for {len(teams)} teams "
        f"({len(teams) - len(quiet)} respond to training){pushed}."
    )
