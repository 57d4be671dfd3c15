"""fsrs_cards.record writes a whole quiz's answers in a few statements (issue 18: a submit had
made a round trip, a flush and a savepoint per question). Each card must still be what replaying
its answers one by one gives, and a card another tab adds at the same moment is not lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from store import fsrs_cards
from store.db import session_scope
from store.models import FsrsCard, FsrsReview
from tests.factories import make_user
from training.practice import Review, replay

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stored(user_id: int) -> dict:
    with session_scope(write=False) as session:
        cards = session.exec(select(FsrsCard).where(FsrsCard.user_id == user_id)).all()
        reviews = session.exec(select(FsrsReview).where(FsrsReview.user_id == user_id)).all()
        return {
            "cards": {(c.module_id, c.question_id): fsrs_cards.card_state(c) for c in cards},
            "reviews": sorted((r.module_id, r.question_id, r.rating) for r in reviews),
        }


def same_card(a, b) -> bool:
    keep = ("state", "step", "stability", "difficulty", "due", "last_review")
    return (a.last_correct, a.reviews) == (b.last_correct, b.reviews) and all(
        getattr(a.card, f) == getattr(b.card, f) for f in keep
    )


def test_a_batch_gives_every_card_what_its_answers_one_by_one_give():
    user = make_user("ana")
    first = [Review("m1", "q1", T0, True), Review("m1", "q2", T0, False)]
    later = T0 + timedelta(days=3)
    # q1 and q2 have cards already, q3 is new, q4 is answered twice in the same batch.
    second = [
        Review("m1", "q1", later, False),
        Review("m1", "q2", later, True),
        Review("m1", "q3", later, True),
        Review("m1", "q4", later, False),
        Review("m1", "q4", later + timedelta(minutes=1), True),
    ]
    for batch in (first, second):
        with session_scope() as session:
            fsrs_cards.record(session, user.id, batch)
    got = stored(user.id)
    expected = replay(first + second)
    assert got["cards"].keys() == expected.keys()
    assert all(same_card(got["cards"][key], expected[key]) for key in expected)
    assert got["cards"][("m1", "q4")].reviews == 2
    assert len(got["reviews"]) == len(first) + len(second)


def test_a_card_added_by_another_tab_after_the_read_is_updated_not_lost(monkeypatch):
    # Another tab inserts the card between this record's read and its insert: the insert
    # finds the card there (ON CONFLICT), so it is read again and updated like a stored one.
    user = make_user("ben")
    real = fsrs_cards._locked_cards
    calls = []

    def read_before_the_other_tab(session, user_id, keys):
        calls.append(set(keys))
        return {} if len(calls) == 1 else real(session, user_id, keys)

    with session_scope() as session:
        fsrs_cards.record(session, user.id, [Review("m1", "q1", T0, True)])
    monkeypatch.setattr(fsrs_cards, "_locked_cards", read_before_the_other_tab)
    later = T0 + timedelta(days=2)
    with session_scope() as session:
        fsrs_cards.record(session, user.id, [Review("m1", "q1", later, False)])
    assert calls == [{("m1", "q1")}, {("m1", "q1")}]  # the conflict sent it back to read
    expected = replay([Review("m1", "q1", T0, True), Review("m1", "q1", later, False)])
    got = stored(user.id)
    assert same_card(got["cards"][("m1", "q1")], expected[("m1", "q1")])
    assert got["cards"][("m1", "q1")].reviews == 2 and len(got["reviews"]) == 2


def test_two_tabs_answering_the_same_new_question_at_once_both_count():
    user = make_user("cai")
    inserted, release, errors = threading.Event(), threading.Event(), []

    def first_tab():
        try:
            with session_scope() as session:
                fsrs_cards.record(session, user.id, [Review("m1", "q1", T0, True)])
                inserted.set()
                release.wait(10)  # holds its uncommitted card while the second tab writes
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            inserted.set()

    def second_tab():
        try:
            inserted.wait(10)
            with session_scope() as session:
                fsrs_cards.record(
                    session, user.id, [Review("m1", "q1", T0 + timedelta(hours=1), False)]
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    tabs = [threading.Thread(target=first_tab), threading.Thread(target=second_tab)]
    for tab in tabs:
        tab.start()
    inserted.wait(10)
    threading.Timer(0.5, release.set).start()  # the second tab is waiting on the first by then
    for tab in tabs:
        tab.join(30)
    assert errors == []
    got = stored(user.id)
    assert got["cards"][("m1", "q1")].reviews == 2
    assert got["reviews"] == [("m1", "q1", 1), ("m1", "q1", 3)]
