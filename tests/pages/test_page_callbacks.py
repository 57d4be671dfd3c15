"""Widget callbacks that write re-check who is signed in (they run before the page guard)."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import accounts, learning
from tests.factories import make_user, page_test
from training import quiz

pytestmark = pytest.mark.usefixtures("sample_content")

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content" / "valid"
MODULE = "sample-basics"


@pytest.fixture
def sample_content(fresh_db, monkeypatch):
    """A fresh database, and the one sample module as the content folder."""
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(FIXTURES))


def quiz_ready_to_submit(user):
    at = page_test("app.py", user).run()
    at.switch_page("pages/module.py")
    at.query_params["id"] = MODULE
    at.run()
    at.segmented_control(key=f"module_section_{MODULE}").set_value("Quiz").run()
    at.button(key=f"module_start_{MODULE}").click().run()
    return at, learning.open_attempt(user_id=user.id, module_id=MODULE)


def go_to_last_question(at, attempt):
    for _ in range(len(attempt.drawn) - 1):
        at.button(key=f"quiz_next_{attempt.id}").click().run()
    at.checkbox(key=f"quiz_confirm_{attempt.id}").check().run()
    assert not at.exception


@pytest.mark.parametrize("how", ["deactivated", "signed out everywhere"])
def test_a_tab_left_open_writes_nothing_once_its_person_is_gone(how):
    admin = make_user("boss", "admin")
    eve = make_user("eve")
    at, attempt = quiz_ready_to_submit(eve)
    go_to_last_question(at, attempt)
    if how == "deactivated":
        accounts.update_user(user_id=eve.id, actor_id=admin.id, active=False)
    else:
        accounts.end_all_sessions(user_id=eve.id)
    at.button(key=f"quiz_submit_{attempt.id}").click().run()
    assert not at.exception
    assert learning.history(user_id=eve.id) == []
    assert learning.open_attempt(user_id=eve.id, module_id=MODULE).submitted_at is None
    assert any("no longer signed in" in w.value for w in at.warning)


def test_an_answer_from_a_deactivated_persons_tab_is_not_saved():
    admin = make_user("boss", "admin")
    eve = make_user("eve")
    at, attempt = quiz_ready_to_submit(eve)
    accounts.update_user(user_id=eve.id, actor_id=admin.id, active=False)
    first = quiz.drawn_from_json(attempt.drawn)[0]
    option = first.option_order[0] if first.option_order else 0
    key = f"quiz_{attempt.id}_{first.question_id}"
    if [c for c in at.checkbox if c.key == f"{key}_{option}"]:
        at.checkbox(key=f"{key}_{option}").check().run()
    else:
        at.radio(key=key).set_value(option).run()
    assert not at.exception
    assert learning.open_attempt(user_id=eve.id, module_id=MODULE).draft_answers == {}
