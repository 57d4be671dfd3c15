"""store/impact.py: weekly measures by their definitions, scoping, and a push compared."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from store import accounts, feedback
from store import impact as si
from store.db import session_scope
from store.models import Assignment, Attempt, Certificate
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

DUE = date(2026, 6, 3)  # a Wednesday
ASSIGNED = datetime(2026, 5, 4, 9, tzinfo=UTC)  # a Monday
AFTER = {1: 4.5, 2: 4.6, 3: 4.4, 4: 4.1, 5: 4.0, 6: 4.2}  # CSAT after the push, from 4.0


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def org(fresh_db):
    teams = [accounts.create_team(name=f"T{i}", actor_id=None) for i in range(1, 7)]
    people = {t.id: [make_user(f"p{t.id}{j}", team_id=t.id) for j in (1, 2)] for t in teams}
    boss = make_user("boss", "manager")  # manages T1 without being one of its people
    accounts.set_team_managers(team_id=teams[0].id, user_ids=[boss.id], actor_id=None)
    admin = make_user("root", "admin")
    with session_scope() as s:
        for t in teams[:3]:
            s.add(Assignment(module_id="m", team_id=t.id, due_date=DUE, assigned_at=ASSIGNED))
            for n, p in enumerate(people[t.id]):
                s.add(
                    Certificate(
                        certificate_id=f"C{t.id}{n}", user_id=p.id, module_id="m", score=90,
                        passed_at=_at(date(2026, 5, 20)),
                    )
                )  # fmt: skip
        u1, u2 = people[teams[0].id]
        tries = [(u1, 5, 50), (u1, 12, 80), (u1, 13, 60), (u2, 14, 70)]  # May days
        for user, may, score in tries:
            day = date(2026, 5, may)
            s.add(
                Attempt(
                    user_id=user.id, module_id="m", content_version="v", seed=1, drawn=[],
                    started_at=_at(day, 9), submitted_at=_at(day), score=score, passed=score >= 80,
                )
            )  # fmt: skip
    lines = [",".join(feedback.AGGREGATED_COLUMNS)]
    day = date(2026, 4, 6)
    while day <= date(2026, 8, 2):
        for t in teams:
            csat = AFTER[int(t.name[1:])] if day >= date(2026, 6, 8) else 4.0
            lines.append(f"{day.isoformat()},{t.name},,10,{csat},,,,1,,")
        day += timedelta(days=1)
    preview = feedback.parse_csv("\n".join(lines) + "\n")
    assert preview.ok, preview.errors[:3]
    feedback.import_feedback(preview, actor_id=None)
    return {"teams": teams, "boss": boss, "admin": admin, "people": people}


def _points(view, team_id, measure):
    return {p.week: p.value for p in view.points if p.team_id == team_id and p.measure == measure}


@pytest.mark.both_dbs
def test_completion_and_knowledge_follow_their_definitions(org):
    t1 = org["teams"][0].id
    view = si.impact_view(
        actor=org["admin"], start=date(2026, 4, 27), end=date(2026, 5, 31), team_id=t1
    )
    completion = _points(view, t1, "completion")
    assert date(2026, 4, 27) not in completion  # nothing assigned yet that week
    assert completion[date(2026, 5, 4)] == 0.0 and completion[date(2026, 5, 18)] == 1.0
    knowledge = _points(view, t1, "knowledge")
    assert knowledge[date(2026, 5, 4)] == 50  # one person tried once
    assert knowledge[date(2026, 5, 11)] == pytest.approx((80 + 70) / 2)  # best so far, not last
    assert _points(view, t1, "csat")[date(2026, 5, 4)] == pytest.approx(4.0)
    assert view.whole_org and view.combined_label == "Organisation"
    combined = _points(view, None, "completion")
    assert combined[date(2026, 5, 18)] == pytest.approx(1.0)  # only T1-T3 have assignments
    assert {p.team_id for p in view.points} == {t1, None}  # other teams' lines are not sent
    assert view.per_team[org["teams"][3].id]["csat"] == pytest.approx(4.0)


@pytest.mark.both_dbs
def test_a_push_is_compared_with_the_teams_never_given_it(org):
    view = si.impact_view(actor=org["admin"], start=date(2026, 4, 6), end=date(2026, 8, 2))
    (push,) = view.pushes
    assert push.module_id == "m" and push.due == DUE and len(push.team_ids) == 3
    compared = si.compare_push(actor=org["admin"], push=push, measure="csat")
    r = compared.result
    assert (r.treated, r.control, compared.left_out) == (3, 3, 0)
    assert r.estimate == pytest.approx(0.4)
    assert r.low < 0.4 < r.high
    assert r.treated_before == pytest.approx(4.0) and r.control_after == pytest.approx(4.1)


@pytest.mark.both_dbs
def test_a_manager_sees_only_the_teams_they_manage(org):
    t1 = org["teams"][0].id
    view = si.impact_view(
        actor=org["boss"], start=date(2026, 4, 6), end=date(2026, 8, 2), team_id=t1
    )
    assert set(view.teams) == {t1} and not view.whole_org
    assert {p.team_id for p in view.points} == {t1, None}
    assert view.combined_label == "Your teams"
    assert view.pushes == []  # given to all of the one team they see: nothing to compare
    with pytest.raises(si.ImpactError):  # another team's lines
        si.impact_view(actor=org["boss"], start=date(2026, 4, 6), end=date(2026, 8, 2),
                       team_id=org["teams"][1].id)  # fmt: skip
    employee = org["people"][t1][0]
    with pytest.raises(si.ImpactError):
        si.impact_view(actor=employee, start=date(2026, 4, 6), end=date(2026, 8, 2))


def test_over_the_limit_knowledge_is_read_for_the_chosen_team_only(org, monkeypatch):
    monkeypatch.setattr(si, "COMBINED_LIMIT", 2)
    t1 = org["teams"][0].id
    span = {"start": date(2026, 4, 27), "end": date(2026, 5, 31)}
    view = si.impact_view(actor=org["admin"], **span)
    assert view.team_only == {"knowledge"}
    assert not [p for p in view.points if p.measure == "knowledge"]
    assert [p for p in view.points if p.measure == "completion"]  # the combined line stays
    chosen = si.impact_view(actor=org["admin"], team_id=t1, **span)
    assert {p.team_id for p in chosen.points if p.measure == "knowledge"} == {t1}
