"""Write the demo organisation's observations (planned by `training.demo_observations`).

Called by `store.demo.seed_demo` after the quiz history, on the same connection: employees in
a team with a manager are observed by that manager, their behaviour following their first pass
of each need's module.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select

from store.bulk import BulkWriter, next_id, without_secondary_indexes
from store.models import (
    Observation,
    ObservationRevision,
    ObservedItem,
    Progress,
    TeamManager,
    User,
)
from training import clock
from training.checklists import load_checklists
from training.demo_observations import DemoPerson, plan_observations
from training.loader import load_content_dir

DAYS = 365

OBSERVATION_COLUMNS = (
    "id",
    "subject_id",
    "observer_id",
    "team_id",
    "checklist_id",
    "content_version",
    "ratings",
    "note",
    "started_at",
    "submitted_at",
    "observed_on",
    "revision",
    "acknowledged_at",
)
REVISION_COLUMNS = ("observation_id", "revision", "ratings", "note", "saved_by", "saved_at")
ITEM_COLUMNS = (
    "observation_id",
    "subject_id",
    "team_id",
    "item_id",
    "need",
    "rating",
    "consistent",
    "observed_on",
)


def seed_observations(
    conn: Connection, *, seed: int, now: datetime, content_dir: Path, copy: bool = True
) -> int:
    """Plan and insert a year of observations in one transaction; return how many."""
    checklists = list(load_checklists(content_dir).checklists.values())
    if not checklists:
        return 0
    need_of = {
        m.module.id: str(m.module.competency)
        for m in load_content_dir(content_dir).modules.values()
    }
    tables = ("observation", "observationrevision", "observeditem")
    with conn.begin(), without_secondary_indexes(conn, tables):  # built once, after the load
        observer_of: dict[int, int] = {}
        for team_id, user_id in conn.execute(
            select(TeamManager.team_id, TeamManager.user_id).order_by(TeamManager.user_id)
        ):
            observer_of.setdefault(team_id, user_id)
        people = [
            DemoPerson(id=i, team_id=t, observer_id=observer_of[t])
            for i, t in conn.execute(
                select(User.id, User.team_id).where(
                    User.role == "employee", User.active, User.team_id.is_not(None)
                )
            )
            if t in observer_of
        ]
        passed = {}
        for user_id, module_id, when in conn.execute(
            select(Progress.user_id, Progress.module_id, Progress.passed_at).where(
                Progress.passed_at.is_not(None)
            )
        ):
            need = need_of.get(module_id)
            if need is None:
                continue
            day = clock.day_of(when if isinstance(when, datetime) else datetime.fromisoformat(when))
            key = (user_id, need)
            passed[key] = min(day, passed.get(key, day))
        today = clock.day_of(now)
        plans = plan_observations(
            people=people,
            passed=passed,
            checklists=checklists,
            start=today - timedelta(days=DAYS - 1),
            end=today,
            seed=seed,
        )
        items_of = {
            loaded.checklist.id: {i.id: str(i.need) for i in loaded.checklist.items}
            for loaded in checklists
        }
        writer = BulkWriter(conn, copy=copy)
        first = next_id(conn, Observation.__table__)
        observations, revisions, items = [], [], []
        for number, plan in enumerate(plans):
            oid = first + number
            submitted = min(plan.submitted_at, now)
            acknowledged = (
                plan.acknowledged_at
                if plan.acknowledged_at and plan.acknowledged_at < now
                else None
            )
            ratings = writer.json(plan.ratings)
            day = plan.observed_on.isoformat() if writer.sqlite else plan.observed_on
            observations.append(
                (
                    oid,
                    plan.subject_id,
                    plan.observer_id,
                    plan.team_id,
                    plan.checklist_id,
                    plan.version,
                    ratings,
                    plan.note,
                    writer.time(submitted - timedelta(minutes=6)),
                    writer.time(submitted),
                    day,
                    1,
                    writer.time(acknowledged),
                )
            )
            revisions.append((oid, 1, ratings, plan.note, plan.observer_id, writer.time(submitted)))
            for item_id, rating in plan.ratings.items():
                if rating == "not_applicable":
                    continue
                items.append(
                    (
                        oid,
                        plan.subject_id,
                        plan.team_id,
                        item_id,
                        items_of[plan.checklist_id][item_id],
                        rating,
                        rating == "consistently",
                        day,
                    )
                )
        writer.insert(Observation, OBSERVATION_COLUMNS, observations)
        writer.insert(ObservationRevision, REVISION_COLUMNS, revisions)
        writer.insert(ObservedItem, ITEM_COLUMNS, items)
        if conn.dialect.name == "postgresql":
            for table in ("observation", "observationrevision", "observeditem"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
    return len(plans)
