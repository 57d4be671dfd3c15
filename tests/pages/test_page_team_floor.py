"""Team progress at organisation scale: the lists of people (not observed, did not transfer,
memory strength) for a chosen team only, counts per team otherwise; a manager's counts cover
only their teams."""

from __future__ import annotations

import pandas as pd
import pytest

from store import accounts
from tests.factories import page_test
from tests.utils.observations import FIXTURE, observe, person, two_teams
from ui import observe_view, team_view

PAGE = "pages/team.py"


@pytest.fixture
def org(fresh_db, monkeypatch):
    """two_teams, a Kitchen nobody of them manages; Eve, Ron and Kim seen doing empathy."""
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(FIXTURE))
    teams = two_teams()
    teams.kitchen = accounts.create_team(name="Kitchen", actor_id=None)
    teams.kim = person("kim", team=teams.kitchen, name="Kim Cook")
    observe(teams.mia, teams.eve, {"db-02": "consistently"})
    observe(teams.bob, teams.ron, {"db-02": "consistently"})
    observe(teams.admin, teams.kim, {"db-02": "consistently"})
    monkeypatch.setattr(team_view, "PERSON_HEATMAP_LIMIT", 2)  # as if the org were large
    return teams


def frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def with_column(at, column: str) -> list[pd.DataFrame]:
    return [f for f in frames(at) if column in f.columns]


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_organisation_scale_shows_counts_per_team_and_says_how_to_see_people(org):
    at = page_test(PAGE, org.admin).run()
    assert not at.exception
    [counts] = with_column(at, "Did not transfer")
    got = {r["Team"]: (r["Not observed"], r["The reverse"]) for _, r in counts.iterrows()}
    # Front desk: Mia, Ann and Tia not observed; Bar: Bob; Kitchen: nobody left.
    assert got == {"Front desk": (3, 1), "Bar": (1, 1), "Kitchen": (0, 1)}
    assert observe_view.FOR_ONE_TEAM in captions(at)
    assert "Memory strength per person is shown for one team at a time" in captions(at)
    assert not with_column(at, "Last observed") and not with_column(at, "Does")
    assert not [f for f in with_column(at, "Memory strength") if "Person" in f.columns]
    assert at.get("download_button")  # the full lists: built when pressed


def test_a_chosen_team_shows_its_people(org):
    at = page_test(PAGE, org.admin).run()
    at.selectbox(key="team_filter_team").select(org.desk.id).run()
    assert not at.exception
    [unseen] = with_column(at, "Last observed")
    assert set(unseen["Person"]) == {"Mia Manager", "Ann Able", "Tia Trainer"}
    [reverse] = with_column(at, "Does")
    assert list(reverse["Person"]) == ["Eve Example"]
    assert not with_column(at, "Did not transfer")
    assert observe_view.FOR_ONE_TEAM not in captions(at)
    assert [f for f in with_column(at, "Memory strength") if "Person" in f.columns]


def test_a_managers_counts_cover_only_their_teams(org):
    accounts.set_team_managers(team_id=org.bar.id, user_ids=[org.bob.id, org.mia.id], actor_id=None)
    at = page_test(PAGE, org.mia).run()
    assert not at.exception
    [counts] = with_column(at, "Did not transfer")
    assert set(counts["Team"]) == {"Front desk", "Bar"}
    assert "Kim Cook" not in str(at) and "Kitchen" not in set(counts["Team"])
