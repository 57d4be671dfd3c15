"""What a person knows of each need: scores they have, never a 0 for a module not tried."""

from types import SimpleNamespace

from training.competency import knows
from training.models import CUSTOMER_NEEDS


def _progress(score):
    return SimpleNamespace(best_score=score, passed_at=None)


def test_a_need_with_no_module_tried_is_none_not_zero():
    competency_of = {"a": "empathy", "b": "empathy", "c": "sincerity"}
    result = knows(competency_of, {"c": _progress(70.0)})
    assert list(result) == list(CUSTOMER_NEEDS)
    assert result["empathy"] is None  # two modules, neither tried
    assert result["sincerity"] == 70.0
    assert result["timely-service"] is None  # no module of the need at all


def test_knows_averages_the_scores_the_person_has_like_a_team():
    competency_of = {"a": "empathy", "b": "empathy", "c": "empathy"}
    # b was opened (a progress row) but never scored; c was never tried.
    progress = {"a": _progress(90.0), "b": _progress(None)}
    assert knows(competency_of, progress)["empathy"] == 90.0
    progress["b"] = _progress(65.0)
    assert knows(competency_of, progress)["empathy"] == 77.5


def test_a_module_outside_the_catalogue_is_ignored():
    assert knows({}, {"gone": _progress(100.0)}) == dict.fromkeys(CUSTOMER_NEEDS)
