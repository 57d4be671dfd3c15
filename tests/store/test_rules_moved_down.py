"""Rules that used to live in ui/ and now have one home below it (store/, training/)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from store import accounts
from store.permissions import ROLE_AUDIENCE, ROLES
from training import quiz
from training.competency import personal_profile
from training.models import CUSTOMER_NEEDS, Module


def _module(per_attempt: int | None, pool: int) -> Module:
    questions = [
        {"id": f"q{i}", "type": "true_false", "prompt": f"Statement {i}.", "answer": True}
        for i in range(pool)
    ]
    quiz_part = {"pass_mark": 80, "questions": questions}
    if per_attempt is not None:
        quiz_part["questions_per_attempt"] = per_attempt
    return Module.model_validate(
        {
            "id": "m",
            "title": "M",
            "competency": "empathy",
            "summary": "S.",
            "estimated_minutes": 5,
            "lessons": [{"title": "L", "body": "B"}],
            "quiz": quiz_part,
        }
    )


@pytest.mark.parametrize(("per_attempt", "pool", "drawn"), [(None, 5, 5), (3, 5, 3), (9, 5, 5)])
def test_the_draw_count_is_what_a_draw_draws(per_attempt, pool, drawn):
    module = _module(per_attempt, pool)
    assert quiz.draw_count(module) == drawn == len(quiz.draw_questions(module, 1))


def test_every_role_has_an_audience_in_words():
    assert set(ROLE_AUDIENCE) == set(ROLES)
    assert ROLE_AUDIENCE["employee"] == "everyone"
    assert ROLE_AUDIENCE["manager"] == "managers and administrators"


def test_the_personal_profile_averages_over_every_module_of_a_need():
    competency_of = {"a": "empathy", "b": "empathy", "c": "sincerity"}
    progress = {"a": SimpleNamespace(best_score=90.0, passed_at=datetime(2026, 1, 1, tzinfo=UTC))}
    profile = {n.competency: n for n in personal_profile(competency_of, progress)}
    assert [n for n in profile] == list(CUSTOMER_NEEDS)
    assert (profile["empathy"].best_score, profile["empathy"].passed) == (45.0, 1)
    assert profile["empathy"].modules == 2
    assert (profile["sincerity"].best_score, profile["sincerity"].modules) == (0.0, 1)
    assert profile["timely-service"].modules == 0


def test_adding_a_person_makes_a_temporary_password_they_must_change(fresh_db):
    user, password = accounts.add_person(
        actor_id=None, username="New.Person", name="New Person", role="employee"
    )
    assert user.username == "new.person" and user.must_change_password
    signed_in = accounts.authenticate(username="new.person", password=password)
    assert signed_in.user is not None and signed_in.user.id == user.id
