"""Team progress "On the floor" at organisation scale: the counts per team, counted in the
database, equal the lists; the organisation's "does" kept per process follows new observations
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from store import accounts
from store import observations as obs
from store.db import session_scope
from store.models import Progress
from tests.utils.observations import FIXTURE, observe, person, two_teams
from training.checklists import load_checklists

pytestmark = pytest.mark.both_dbs

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)
DESK = load_checklists(FIXTURE).checklists["desk-basics"].checklist
NEEDS = {"prompt-attention": "prompt-attention", "empathy": "empathy", "speed": "timely-service"}


@pytest.fixture
def org(fresh_db):
    teams = two_teams()
    kitchen = accounts.create_team(name="Kitchen", actor_id=None)
    teams.kim = person("kim", team=kitchen, name="Kim Cook")
    teams.kitchen = kitchen
    with session_scope() as s:
        for someone, module in ((teams.eve, "prompt-attention"), (teams.ron, "empathy")):
            s.add(Progress(user_id=someone.id, module_id=module, passed_at=NOON))
    observe(teams.mia, teams.eve, {"db-01": "not_seen", "db-02": "consistently"}, now=NOON)
    observe(teams.mia, teams.ann, {"db-02": "consistently", "db-03": "partly"}, now=NOON)
    observe(teams.bob, teams.ron, {"db-02": "not_seen", "db-03": "consistently"}, now=NOON)
    observe(teams.admin, teams.kim, {"db-01": "consistently"}, now=NOON)
    return teams


def counted(rows: list[obs.TransferRow]) -> Counter:
    return Counter(r.team for r in rows)


@pytest.mark.parametrize("who", ["admin", "mia"])
@pytest.mark.parametrize("needs", [NEEDS, {}], ids=["modules", "no-modules"])
def test_counts_per_team_equal_the_lists(org, who, needs):
    actor = getattr(org, who)
    not_done, untaught = obs.transfer(actor=actor, team_id=None, today=TODAY, competency_of=needs)
    counts = obs.transfer_counts(actor=actor, team_id=None, today=TODAY, competency_of=needs)
    assert {c.team: c.not_transferred for c in counts if c.not_transferred} == counted(not_done)
    assert {c.team: c.untaught for c in counts if c.untaught} == counted(untaught)
    assert untaught and bool(not_done) == bool(needs)  # the fixture has both kinds


def test_counts_are_scoped_like_the_lists(org):
    teams = {c.team for c in obs.transfer_counts(
        actor=org.mia, team_id=None, today=TODAY, competency_of=NEEDS
    )}  # fmt: skip
    assert teams == {"Front desk"}
    every = obs.transfer_counts(actor=org.admin, team_id=None, today=TODAY, competency_of=NEEDS)
    assert {c.team for c in every} == {"Front desk", "Bar", "Kitchen"}
    with pytest.raises(obs.dashboard.NotAllowed):
        obs.transfer_counts(actor=org.mia, team_id=org.bar.id, today=TODAY, competency_of=NEEDS)


def test_the_organisation_figure_kept_per_process_follows_a_new_observation(org):
    _, before = obs.view_does(actor=org.mia, team_id=None, today=TODAY)
    assert obs.view_does(actor=org.mia, team_id=None, today=TODAY)[1] == before  # kept
    done = observe(org.bob, org.ron, {"db-01": "not_seen"}, now=NOON)
    mine, after = obs.view_does(actor=org.mia, team_id=None, today=TODAY)
    assert after["prompt-attention"].observations == before["prompt-attention"].observations + 1
    assert after["prompt-attention"].share < before["prompt-attention"].share
    obs.correct(
        actor=org.bob,
        observation_id=done.id,
        checklist=DESK,
        ratings={"db-01": "consistently", "db-02": "not_applicable", "db-03": "not_applicable"},
        note="Fixed.",
        now=NOON,
    )
    _, corrected = obs.view_does(actor=org.mia, team_id=None, today=TODAY)
    assert corrected["prompt-attention"].share > after["prompt-attention"].share
    assert mine == obs.view_does(actor=org.mia, team_id=None, today=TODAY)[0]  # Bar is not hers


def test_the_whole_organisation_view_is_the_organisation(org):
    mine, everyone = obs.view_does(actor=org.admin, team_id=None, today=TODAY)
    assert mine == everyone and everyone["prompt-attention"].observations == 2


def test_the_floor_csv_lists_who_was_not_observed_formula_safe(org):
    accounts.update_user(user_id=org.ann.id, actor_id=None, name="=HYPERLINK(1)")
    later = date(2026, 8, 1)  # 61 days on: everyone observed on 1 June is due again
    missing = obs.not_observed(actor=org.mia, team_id=None, today=later, days=45)
    text = obs.floor_csv(
        view={}, not_transferred=[], untaught=[], labels={}, not_observed=missing
    ).decode("utf-8-sig")
    lines = text.splitlines()
    assert "Not observed since 2026-06-01,'=HYPERLINK(1),Front desk,,,," in lines
    assert "Never observed,Tia Trainer,Front desk,,,," in lines
