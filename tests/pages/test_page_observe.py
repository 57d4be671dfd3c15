"""The Observe page, role by role: who may observe whom, drafts that survive a reload, submit;
and the observations on the employee's My progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store import accounts
from store import observations as obs
from tests.utils.observations import FIXTURE, observe, two_teams

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/observe.py"
DENIED = "You do not have access to this page."


def page(path: str, user, **query) -> AppTest:
    """Return an AppTest of a page file signed in as user, with query parameters."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=30)
    token, _ = accounts.create_session(user_id=user.id)
    at.session_state["session_token"] = token
    for key, value in query.items():
        at.query_params[key] = value
    return at


@pytest.fixture
def org(fresh_db, monkeypatch):
    """Two teams with a manager each, an administrator, a trainer; checklists from the fixture."""
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(FIXTURE))
    return two_teams()


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


@pytest.mark.parametrize("role", ["employee", "trainer"])
def test_observe_refuses_employees_and_trainers(org, role):
    who = org.eve if role == "employee" else org.trainer
    at = page(PAGE, who, person=str(org.ron.id), checklist="desk-basics").run()
    assert not at.exception
    assert at.error[0].value == DENIED
    assert "Ron Other" not in str(at) and not at.get("button_group")


def test_manager_finds_only_people_of_their_teams_recently_observed_first(org):
    at = page(PAGE, org.mia).run()
    assert not at.exception
    people = [b for b in labels(at) if b.startswith("**")]
    assert people == [
        "**Ann Able** · Front desk · not observed yet",
        "**Eve Example** · Front desk · not observed yet",
        "**Tia Trainer** · Front desk · not observed yet",
    ]
    at.text_input(key="observe_search").input("tia").run()
    assert [b for b in labels(at) if b.startswith("**")] == [
        "**Tia Trainer** · Front desk · not observed yet"
    ]


def test_a_crafted_person_id_is_refused(org):
    at = page(PAGE, org.mia, person=str(org.ron.id), checklist="desk-basics").run()
    assert not at.exception
    assert at.error[0].value == obs.OUT_OF_SCOPE
    assert "Ron Other" not in str(at) and not at.get("button_group")


def test_manager_rates_reloads_finds_the_draft_and_submits(org):
    at = page(PAGE, org.mia).run()
    at.button(key=f"observe_person_{org.eve.id}").click().run()
    at.button(key="observe_checklist_desk-basics").click().run()
    assert not at.exception
    groups = at.get("button_group")
    assert len(groups) == 3
    [draft] = obs.open_drafts(actor=org.mia)
    groups[0].set_value("consistently").run()
    assert obs.open_drafts(actor=org.mia)[0].ratings == {"db-01": "consistently"}

    again = page(PAGE, org.mia, person=str(org.eve.id), checklist="desk-basics").run()  # reload
    assert not again.exception
    assert again.get("button_group")[0].value == "consistently"
    assert again.get("progress")[0].proto.text == "1 of 3 rated"
    again.get("button_group")[1].set_value("not_seen").run()
    again.text_area(key=f"observe_note_{draft.id}").input("Lovely greeting; name the worry.")
    again.button(key="observe_submit").click().run()
    assert not again.exception
    assert "Observation of Eve Example saved" in again.success[0].value
    [done] = obs.observations_of(actor=org.mia, person_id=org.eve.id)
    assert done.ratings == {"db-01": "consistently", "db-02": "not_seen", "db-03": "not_applicable"}
    assert done.note == "Lovely greeting; name the worry."
    assert obs.open_drafts(actor=org.mia) == []


def test_admin_observes_anyone(org):
    at = page(PAGE, org.admin, person=str(org.ron.id), checklist="yes-no-walk").run()
    assert not at.exception
    assert not at.error
    assert at.get("button_group")[0].options == ["No", "Yes", "Did not come up"]


def test_employee_sees_their_observation_and_acknowledges_it(org):
    draft = observe(org.mia, org.eve, {"db-02": "partly"}, note="Nice.")
    at = page("pages/progress.py", org.eve, tab="observations").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Partly: Names the" in text and "Nice" in text and "Mia Manager" in text
    at.button(key=f"observe_ack_{draft.id}").click().run()
    assert not at.exception
    assert any("You acknowledged this on" in c.value for c in at.caption)
    assert obs.observations_of(actor=org.eve, person_id=org.eve.id)[0].acknowledged_at


def test_the_observer_corrects_within_24_hours_and_others_cannot(org):
    draft = observe(org.mia, org.eve, {"db-01": "partly"}, note="Hm.")
    at = page(PAGE, org.mia).run()
    at.button(key=f"observe_fix_{draft.id}").click().run()
    assert not at.exception
    at.get("button_group")[0].set_value("consistently").run()
    at.button(key="observe_fix_save").click().run()
    assert not at.exception
    assert "revision 2" in at.success[0].value
    assert [r.ratings["db-01"] for r in obs.revisions(actor=org.mia, observation_id=draft.id)] == [
        "partly",
        "consistently",
    ]
    other = page(PAGE, org.bob, correct=str(draft.id)).run()  # a crafted id
    assert not other.exception and other.error and not other.get("button_group")


def test_team_progress_shows_the_floor_for_the_managers_teams_only(org):
    observe(org.mia, org.eve, {"db-01": "consistently", "db-02": "not_seen"})
    observe(org.bob, org.ron, {"db-01": "not_seen"})
    at = page("pages/team.py", org.mia).run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    table = next(f for f in frames if "Does (observed)" in f.columns).set_index("Need")
    assert table.loc["Prompt attention", "Does (observed)"] == "100%"
    assert table.loc["Prompt attention", "Organisation does"] == "50%"
    assert table.loc["Sincerity", "Does (observed)"] == "not observed yet"
    missing = set(next(f for f in frames if "Last observed" in f.columns)["Person"])
    assert missing == {"Ann Able", "Tia Trainer"}  # Eve was observed; Ron is not Mia's
    assert "Ron Other" not in str(at)
    assert any(b.proto.label == "Download observations CSV" for b in at.get("download_button"))


def test_the_person_drill_down_shows_their_knows_and_does(org):
    observe(org.mia, org.eve, {"db-02": "consistently"})
    at = page("pages/team.py", org.mia, person=str(org.eve.id)).run()
    assert not at.exception
    assert any("Knows and does: Eve Example" in m.value for m in at.markdown)
    [table] = [t.value for t in at.table if "Does (observed)" in t.value.columns]
    assert table.loc["Empathy", "Does (observed)"] == "100%"
