"""The "does" figure: weighting by age, the 90-day window, "not observed yet", transfer gaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from training.behaviour import (
    HALF_LIFE_DAYS,
    NOT_OBSERVED,
    WINDOW_DAYS,
    DayCount,
    Does,
    does,
    format_does,
    transfer_gaps,
    weight,
)

TODAY = date(2026, 12, 1)


def day(age: int, rated: int, consistent: int, observations: int = 1) -> DayCount:
    return DayCount(TODAY - timedelta(days=age), rated, consistent, observations)


def test_recent_observations_weigh_more_halving_every_thirty_days():
    assert weight(0) == 1 and weight(HALF_LIFE_DAYS) == pytest.approx(0.5)
    value = does([day(0, 2, 2), day(HALF_LIFE_DAYS, 2, 0)], TODAY)
    assert value == Does(share=pytest.approx(2 / 3), observations=2)


def test_only_the_last_ninety_days_count_and_none_is_not_zero():
    assert does([day(WINDOW_DAYS, 4, 4)], TODAY) is NOT_OBSERVED
    assert does([], TODAY).share is None
    assert format_does(NOT_OBSERVED) == "not observed yet"
    assert does([day(WINDOW_DAYS - 1, 4, 0)], TODAY) == Does(0.0, 1)
    assert format_does(Does(0.0, 1)) == "0% (1 observation)"


def test_transfer_gaps_both_ways():
    does_of = {
        (1, "empathy"): Does(0.2, 3),  # passed, not seen: did not transfer
        (2, "empathy"): Does(0.9, 2),  # not passed, does it anyway
        (3, "empathy"): Does(0.9, 2),  # passed and does: no gap
        (4, "empathy"): Does(0.5, 2),  # in between: no gap
    }
    not_done, untaught = transfer_gaps({(1, "empathy"), (3, "empathy")}, does_of)
    assert [g.person_id for g in not_done] == [1]
    assert [g.person_id for g in untaught] == [2]
