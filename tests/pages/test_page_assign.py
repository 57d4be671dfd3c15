"""Assignments page: create, change and withdraw, only for one's own teams."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from store import learning
from store.accounts import now_utc
from tests.factories import make_user, page_test, two_teams
from training.dates import format_date

pytestmark = pytest.mark.usefixtures("fresh_db", "small_content")

PAGE = "pages/assign.py"


@pytest.fixture
def org():
    teams = two_teams()
    desk, bar, mia, bob = teams.desk, teams.bar, teams.mia, teams.bob
    eve = make_user("eve", team_id=desk.id, name="Eve Example")
    ron = make_user("ron", team_id=bar.id, name="Ron Other")
    return SimpleNamespace(desk=desk, bar=bar, mia=mia, bob=bob, eve=eve, ron=ron)


def rows(actor):
    return learning.list_assignments(actor=actor)


@pytest.mark.parametrize("role", ["employee", "trainer"])
def test_assign_page_refuses_other_roles(org, role):
    at = page_test(PAGE, make_user("person", role, team_id=org.desk.id)).run()
    assert not at.exception
    assert at.error[0].value == "You do not have access to this page."
    assert not at.multiselect and not at.button


def test_manager_assigns_modules_to_the_team_with_a_date(org):
    at = page_test(PAGE, org.mia).run()
    assert not at.exception
    team = at.selectbox(key="assign_team")
    assert team.options == ["Front desk"]  # only the teams Mia manages
    at.multiselect(key="assign_modules").select("empathy").select("sincerity")
    due = now_utc().date() + timedelta(days=14)
    at.date_input(key="assign_due_date").set_value(due)
    at.button(key="assign_submit").click().run()
    assert not at.exception
    assert (
        at.success[0].value
        == f"Assigned Empathy and Sincerity to Front desk, due {format_date(due)}."
    )
    assert {(r.module_id, r.team_id, r.due_date) for r in rows(org.mia)} == {
        ("empathy", org.desk.id, due),
        ("sincerity", org.desk.id, due),
    }
    table = at.dataframe[0].value
    assert set(table["Module"]) == {"Empathy", "Sincerity"}


def test_manager_assigns_to_chosen_people_in_days_from_today(org):
    at = page_test(PAGE, org.mia).run()
    at.multiselect(key="assign_modules").select("empathy")
    at.radio(key="assign_target").set_value("Chosen people in the team").run()
    at.multiselect(key=f"assign_people_{org.desk.id}").select(org.eve.id)
    at.radio(key="assign_due_mode").set_value("A number of days from today").run()
    at.number_input(key="assign_due_days").set_value(10)
    at.button(key="assign_submit").click().run()
    assert not at.exception
    (row,) = rows(org.mia)
    assert (row.user_id, row.team_id) == (org.eve.id, None)
    assert row.due_date == now_utc().date() + timedelta(days=10)


def test_missing_choices_are_explained(org):
    at = page_test(PAGE, org.mia).run()
    at.button(key="assign_submit").click().run()
    assert at.error[0].value == "Choose at least one module."
    at.multiselect(key="assign_modules").select("empathy")
    at.radio(key="assign_target").set_value("Chosen people in the team").run()
    at.button(key="assign_submit").click().run()
    assert "Choose at least one person" in at.error[0].value
    assert rows(org.mia) == []


def test_manager_changes_the_due_date_then_withdraws(org):
    learning.create_assignments(
        actor=org.mia, module_ids=["empathy"], due_date=now_utc().date(), team_id=org.desk.id
    )
    (row,) = rows(org.mia)
    at = page_test(PAGE, org.mia).run()
    later = now_utc().date() + timedelta(days=30)
    at.date_input(key=f"assign_edit_due_{row.id}").set_value(later)
    at.button(key=f"assign_edit_save_{row.id}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Moved Empathy")
    assert rows(org.mia)[0].due_date == later
    at.button(key=f"assign_withdraw_{row.id}").click().run()
    assert not at.exception
    assert rows(org.mia) != []  # withdrawing asks first
    assert at.warning[0].value.startswith("Withdraw Empathy · Front desk")
    at.button(key=f"assign_withdraw_no_{row.id}").click().run()
    assert not at.warning and rows(org.mia) != []
    at.button(key=f"assign_withdraw_{row.id}").click().run()
    at.button(key=f"assign_withdraw_yes_{row.id}").click().run()
    assert at.success[0].value.startswith("Withdrew Empathy")
    assert rows(org.mia) == []
    assert "Nothing is assigned yet." in [c.value for c in at.caption]


def test_manager_never_sees_another_teams_assignments(org):
    learning.create_assignments(
        actor=org.bob, module_ids=["sincerity"], due_date=now_utc().date(), team_id=org.bar.id
    )
    learning.create_assignments(
        actor=org.bob, module_ids=["empathy"], due_date=now_utc().date(), user_ids=[org.ron.id]
    )
    at = page_test(PAGE, org.mia).run()
    assert not at.exception
    text = str(at)
    assert "Bar" not in text and "Ron Other" not in text and "Sincerity ·" not in text
    assert not at.dataframe


def test_administrator_assigns_to_any_team(org):
    admin = make_user("boss", "admin")
    at = page_test(PAGE, admin).run()
    team = at.selectbox(key="assign_team")
    assert team.options == ["Bar", "Front desk"]
    team.select(org.bar.id)
    at.multiselect(key="assign_modules").select("empathy")
    at.button(key="assign_submit").click().run()
    assert not at.exception
    assert [(r.team_id, r.module_id) for r in rows(admin)] == [(org.bar.id, "empathy")]


def test_manager_without_a_team_is_told_what_to_do():
    at = page_test(PAGE, make_user("lonely", "manager")).run()
    assert not at.exception
    assert "do not manage a team yet" in at.info[0].value


def test_pressing_assign_again_makes_nothing_twice_and_the_form_resets(org):
    at = page_test(PAGE, org.mia).run()
    at.multiselect(key="assign_modules").select("timely-service")
    at.radio(key="assign_target").set_value("Chosen people in the team").run()
    at.multiselect(key=f"assign_people_{org.desk.id}").select(org.eve.id)
    due = now_utc().date() + timedelta(days=14)
    at.date_input(key="assign_due_date").set_value(due)
    at.button(key="assign_submit").click().run()
    assert not at.exception
    assert at.success[0].value == f"Assigned Timely service to Eve Example, due {format_date(due)}."
    assert at.multiselect(key="assign_modules").value == []  # the form is reset
    assert at.multiselect(key=f"assign_people_{org.desk.id}").value == []
    # the same choices again: the store refuses a copy and the page says so
    at.multiselect(key="assign_modules").select("timely-service")
    at.multiselect(key=f"assign_people_{org.desk.id}").select(org.eve.id)
    at.date_input(key="assign_due_date").set_value(due)
    at.button(key="assign_submit").click().run()
    assert not at.exception
    assert at.info[0].value == (
        f"Timely service is already assigned to Eve Example, due {format_date(due)}. "
        "Nothing new was added."
    )
    assert len(rows(org.mia)) == 1
