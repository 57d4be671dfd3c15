"""Daily practice on My training and memory strength on My progress and Team progress."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import dashboard, practice, settings
from tests.factories import (
    loaded_module,
    make_user,
    open_page,
    open_practice,
    page_test,
    take_quiz,
    two_teams,
)
from training import clock, quiz

pytestmark = pytest.mark.usefixtures("fresh_db", "small_content")


@pytest.fixture
def missed(small_content):
    """Eve (Front desk) missed every empathy question three days ago: all due today."""
    teams = two_teams()
    eve = make_user("eve", team_id=teams.desk.id, name="Eve Example")
    lm = loaded_module(small_content, "empathy")
    with clock.frozen_at(clock.now() - timedelta(days=3)):
        take_quiz(eve, lm, {})
    return eve, lm, teams


def wrong_choice(q, item):
    return next(i for i in item["option_order"] if i not in quiz.correct_answer(q))


def answer(at, n, q, choices: list[int]):
    if q.type == "multiple":
        for choice in choices:
            at.checkbox(key=f"practice_opt_{n}_{choice}").check()
    else:
        at.radio(key=f"practice_opt_{n}").set_value(choices[0])
    at.button(key=f"FormSubmitter:practice_form_{n}-Check answer").click().run()


def test_daily_practice_one_at_a_time_with_feedback_and_a_refresh_resumes(missed):
    eve, lm, _teams = missed
    at = open_practice(eve)
    assert not at.exception
    drawn = at.session_state["practice"]
    total = len(drawn)
    assert 1 <= total <= 5
    forms = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:practice_form_")]
    assert len(forms) == 1  # one question at a time
    q = lm.module.question(drawn[0]["question_id"])
    answer(at, 1, q, [wrong_choice(q, drawn[0])])
    assert not at.exception
    feedback = at.error[-1].value
    assert feedback.startswith("**Not quite") and q.explanation in feedback
    assert "You practised on 1 day this month." in [c.value for c in at.caption]
    # the answer is saved as given: a new session (a refresh) asks only the rest
    card = practice.cards(user_id=eve.id)[("empathy", q.id)]
    assert card.reviews == 2 and card.last_correct is False
    again = open_practice(eve)
    rest = [d["question_id"] for d in again.session_state["practice"]]
    assert q.id not in rest and len(rest) == total - 1
    for n, item in enumerate(again.session_state["practice"], start=1):
        q = lm.module.question(item["question_id"])
        answer(again, n, q, quiz.correct_answer(q))
        assert not again.exception
        assert q.explanation in again.success[-1 if n < len(rest) else -2].value
    assert again.success[-1].value.startswith(f"{total - 1} of {total - 1} right.")
    again.button(key="practice_done").click().run()
    assert "Nothing to practise today" in again.success[0].value
    assert not any(b.key == "practice_done" for b in again.button)  # no leaderboard, no score


def test_nothing_due_gives_a_calm_message(small_content):
    eve = make_user("eve")
    at = open_practice(eve)
    assert not at.exception
    assert any("Nothing to practise today" in s.value for s in at.success)


def test_memory_strength_on_my_progress(missed):
    eve, _lm, _teams = missed
    at = open_page(eve, "pages/progress.py")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Memory strength" in d.value.columns)
    assert list(table["Need"]) == ["Empathy"]
    assert table["Memory strength"][0].endswith("%")


def test_memory_strength_per_team_and_person_on_team_progress(missed):
    eve, _lm, teams = missed
    at = open_page(teams.mia, "pages/team.py")
    assert not at.exception
    tables = [d.value for d in at.dataframe if "Memory strength" in d.value.columns]
    by_team = next(t for t in tables if "Team" in t.columns and "Person" not in t.columns)
    people = next(t for t in tables if "Person" in t.columns)
    assert list(by_team["Team"]) == [teams.desk.name]  # Mia sees only her team
    row = people[people["Person"] == "Eve Example"].iloc[0]
    assert row["Memory strength"].endswith("%")


def test_memory_strength_refuses_a_team_the_manager_does_not_manage(missed):
    _eve, _lm, teams = missed
    with pytest.raises(dashboard.NotAllowed):
        practice.team_memory_strength(actor=teams.mia, modules={}, team_id=teams.bar.id)
    learner = make_user("lea")
    with pytest.raises(dashboard.NotAllowed):
        practice.team_memory_strength(actor=learner, modules={})


def test_an_administrator_sets_the_desired_retention_on_the_people_page(small_content):
    admin = make_user("ada", role="admin")
    at = page_test("pages/people.py", admin).run()
    assert at.number_input(key="settings_desired_retention").value == 0.9
    at.number_input(key="settings_desired_retention").set_value(0.95)
    at.button(key="FormSubmitter:settings_form-Save settings").click().run()
    assert not at.exception
    assert settings.desired_retention() == 0.95
