"""Demo observations: behaviour follows knowledge with a lag, some know but do not do, and the
seeder writes them with their items and revisions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from store.db import session_scope
from store.demo import seed_demo
from store.models import Observation, ObservationRevision, ObservedItem
from tests.utils.observations import FIXTURE
from training.checklists import load_checklists
from training.demo_observations import PER_PERSON_YEAR, DemoPerson, plan_observations

ROOT = Path(__file__).resolve().parents[2]
CHECKLISTS = list(load_checklists(FIXTURE).checklists.values())
END = date(2026, 12, 1)
START = END - timedelta(days=364)


def consistent_share(plans, needs: set[str], since: date) -> float | None:
    need_of = {(c.checklist.id, i.id): str(i.need) for c in CHECKLISTS for i in c.checklist.items}
    rated = hit = 0
    for p in plans:
        if p.observed_on < since:
            continue
        for item, rating in p.ratings.items():
            if need_of[(p.checklist_id, item)] in needs and rating != "not_applicable":
                rated += 1
                hit += rating == "consistently"
    return hit / rated if rated else None


def test_behaviour_follows_a_pass_with_a_lag_and_the_count_scales_with_staff():
    people = [DemoPerson(id=i, team_id=1, observer_id=999) for i in range(400)]
    passed = {(i, "prompt-attention"): START for i in range(400)}
    plans = plan_observations(
        people=people, passed=passed, checklists=CHECKLISTS, start=START, end=END, seed=3
    )
    assert len(plans) == pytest.approx(PER_PERSON_YEAR * 400, rel=0.05)
    late = START + timedelta(days=150)
    assert consistent_share(plans, {"prompt-attention"}, late) > 0.6
    assert consistent_share(plans, {"empathy", "timely-service"}, START) < 0.4
    again = plan_observations(
        people=people, passed=passed, checklists=CHECKLISTS, start=START, end=END, seed=3
    )
    assert again == plans  # the seed decides everything


def test_some_people_know_but_do_not_do():
    people = [DemoPerson(id=i, team_id=1, observer_id=999) for i in range(300)]
    passed = {(i, "prompt-attention"): START for i in range(300)}
    plans = plan_observations(
        people=people, passed=passed, checklists=CHECKLISTS, start=START, end=END, seed=5
    )
    late = START + timedelta(days=150)
    per_person = {
        pid: consistent_share([p for p in plans if p.subject_id == pid], {"prompt-attention"}, late)
        for pid in {p.subject_id for p in plans if p.observed_on >= late}
    }
    shares = [share for share in per_person.values() if share is not None]
    low = sum(1 for share in shares if share < 0.5)
    assert 0.05 < low / len(shares) < 0.3


@pytest.mark.both_dbs
def test_seed_demo_writes_observations_with_items_and_revisions(fresh_db, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for name in ("prompt-attention.yaml", "empathy.yaml", "_organisation.yaml"):
        (content / name).write_text((ROOT / "content" / name).read_text(encoding="utf-8"))
    (content / "observations").mkdir()
    for loaded in CHECKLISTS:
        (content / "observations" / loaded.path.name).write_text(loaded.text, encoding="utf-8")
    summary = seed_demo(staff=30, teams=2, attempts=200, seed=1, content_dir=content)
    with session_scope(write=False) as s:
        n = s.exec(select(func.count()).select_from(Observation)).one()
        revisions = s.exec(select(func.count()).select_from(ObservationRevision)).one()
        items = s.exec(select(func.count()).select_from(ObservedItem)).one()
        open_drafts = s.exec(
            select(func.count()).select_from(Observation).where(Observation.submitted_at.is_(None))
        ).one()
    assert n > 100 and revisions == n and items > 2 * n and open_drafts == 0
    assert f"{n} observations" in summary
