"""FSRS practice in the store: answers replayed from the database give fsrs's own due dates."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler
from sqlmodel import select

from store import learning, practice, settings
from store.db import session_scope
from store.models import Attempt
from tests.factories import make_user
from training import clock, quiz
from training.loader import load_content_dir

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content" / "valid"

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


@pytest.fixture
def sample():
    return load_content_dir(FIXTURES).modules["sample-basics"]


def quiz_at(user, sample, moment, *, right: set[str]):
    """Take and submit one quiz at `moment`, right on the question ids in `right`."""
    with clock.frozen_at(moment):
        attempt = learning.start_attempt(user_id=user.id, loaded=sample)
        for d in attempt.drawn:
            q = sample.module.question(d["question_id"])
            answer = quiz.correct_answer(q) if q.id in right else wrong_answer(q)
            learning.save_answer(
                attempt_id=attempt.id,
                user_id=user.id,
                module=sample.module,
                question_id=q.id,
                answer=answer,
            )
        learning.submit_attempt(attempt_id=attempt.id, user_id=user.id, module=sample.module)
    return [d["question_id"] for d in attempt.drawn]


def wrong_answer(q):
    right = quiz.correct_answer(q)
    n = 2 if q.type == "true_false" else len(q.options)
    return [next(i for i in range(n) if i not in right)]


def direct_due(answers, retention=0.9):
    sched = Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = Card()
    for moment, correct in answers:
        card, _ = sched.review_card(card, Rating.Good if correct else Rating.Again, moment)
    return card.due


T0 = datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def test_a_history_replayed_through_the_app_gives_fsrs_due_dates(sample):
    eve = make_user("eve")
    qids = quiz_at(eve, sample, T0, right=set())
    first, second = qids[0], qids[1]
    quiz_at(eve, sample, T0 + timedelta(days=2), right={first})
    with clock.frozen_at(T0 + timedelta(days=5)):
        practice.record_answer(
            user_id=eve.id, module_id="sample-basics", question_id=first, chosen=[0], correct=True
        )
        practice.record_answer(
            user_id=eve.id, module_id="sample-basics", question_id=second, chosen=[0], correct=False
        )
    cards = practice.cards(user_id=eve.id)
    got = cards[("sample-basics", first)].card.due
    assert got == direct_due(
        [(T0, False), (T0 + timedelta(days=2), True), (T0 + timedelta(days=5), True)]
    )
    got2 = cards[("sample-basics", second)].card.due
    assert got2 == direct_due(
        [(T0, False), (T0 + timedelta(days=2), False), (T0 + timedelta(days=5), False)]
    )
    assert cards[("sample-basics", second)].last_correct is False


def test_due_count_follows_each_answer_at_once_and_only_counts_live_content(sample):
    # cards are cached per process; a new quiz or practice answer must show straight away.
    eve = make_user("eve")
    modules = {"sample-basics": sample}
    later = clock.today() + timedelta(days=3)
    assert practice.due_count(user_id=eve.id, modules=modules, today=later) == 0
    qids = quiz_at(eve, sample, clock.now(), right=set())
    assert practice.due_count(user_id=eve.id, modules=modules, today=later) == 3
    with clock.frozen_at(clock.now() + timedelta(days=3)):
        practice.record_answer(
            user_id=eve.id, module_id="sample-basics", question_id=qids[0], chosen=[0], correct=True
        )
    assert practice.due_count(user_id=eve.id, modules=modules, today=later) == 2
    assert practice.due_count(user_id=eve.id, modules={}, today=later) == 0
    assert practice.due_questions(user_id=eve.id, modules=modules, today=later)


def test_missed_questions_come_first_in_todays_practice(sample):
    eve = make_user("eve")
    qids = quiz_at(eve, sample, T0, right=set())
    quiz_at(eve, sample, T0 + timedelta(days=1), right={qids[1], qids[2]})
    picked = practice.due_questions(
        user_id=eve.id, modules={"sample-basics": sample}, today=(T0 + timedelta(days=40)).date()
    )
    assert picked[0] == ("sample-basics", qids[0]) and len(picked) == 3


def test_days_practised_counts_distinct_days_this_month(sample):
    eve = make_user("eve")
    for day in (2, 2, 5, 40):
        with clock.frozen_at(T0 + timedelta(days=day)):
            practice.record_answer(
                user_id=eve.id, module_id="sample-basics", question_id="x", chosen=[0], correct=True
            )
    assert practice.days_practised(user_id=eve.id, today=(T0 + timedelta(days=10)).date()) == 2
    assert practice.days_practised(user_id=eve.id, today=(T0 + timedelta(days=40)).date()) == 1
    with session_scope() as s:
        assert {a.kind for a in s.exec(select(Attempt))} == {"refresher"}


def test_memory_strength_per_need_and_per_person(sample):
    eve, tom = make_user("eve"), make_user("tom")
    quiz_at(eve, sample, T0, right=set())
    modules = {"sample-basics": sample}
    soon = practice.memory_strength(user_id=eve.id, modules=modules, now=T0 + timedelta(days=1))
    late = practice.memory_strength(user_id=eve.id, modules=modules, now=T0 + timedelta(days=30))
    need = str(sample.module.competency)
    assert set(soon) == {need} and 0 < late[need] < soon[need] < 1
    people = practice.people_memory_strength(
        user_ids=[eve.id, tom.id], modules=modules, now=T0 + timedelta(days=1)
    )
    assert people == {eve.id: pytest.approx(soon[need]), tom.id: None}


def test_the_desired_retention_setting_is_checked_and_schedules_later_answers(sample):
    admin = make_user("ada", role="admin")
    eve, tom = make_user("eve"), make_user("tom")
    every = {q.id for q in sample.module.quiz.questions}
    quiz_at(eve, sample, T0, right=every)
    before = {k: c.card.due for k, c in practice.cards(user_id=eve.id).items()}
    for bad in ("0.5", "0.98", "lots", True):
        with pytest.raises(settings.SettingError, match="desired retention"):
            settings.set_setting(actor=admin, name="desired_retention", value=bad)
    assert settings.desired_retention() == 0.9
    settings.set_setting(actor=admin, name="desired_retention", value="0.95")
    quiz_at(tom, sample, T0, right=every)
    stricter = {k: c.card.due for k, c in practice.cards(user_id=tom.id).items()}
    assert all(stricter[k] < before[k] for k in before)  # higher retention: sooner
    assert stricter[next(iter(before))] == direct_due([(T0, True)], 0.95)
    assert {k: c.card.due for k, c in practice.cards(user_id=eve.id).items()} == before


def test_demo_learners_get_the_cards_their_answers_give(sample):
    from store import demo, fsrs_cards
    from store.models import Answer
    from training.practice import replay

    demo.seed_demo(staff=8, teams=2, attempts=60, seed=4, content_dir=FIXTURES)
    with session_scope(write=False) as s:
        rows = s.exec(
            select(
                Attempt.user_id,
                Attempt.module_id,
                Attempt.kind,
                Attempt.submitted_at,
                Answer.question_id,
                Answer.correct,
            )
            .join(Answer, Answer.attempt_id == Attempt.id)
            .where(Attempt.submitted_at.is_not(None))
            .order_by(Attempt.submitted_at, Answer.id)
        ).all()
    by_user: dict[int, list] = {}
    for user_id, *rest in rows:
        by_user.setdefault(user_id, []).append(fsrs_cards.review_of(*rest))
    assert by_user
    for user_id, history in by_user.items():
        expected = {k: c.card.due for k, c in replay(history).items()}
        assert {k: c.card.due for k, c in practice.cards(user_id=user_id).items()} == expected


def test_team_memory_strength_is_the_mean_of_each_persons_cards(sample):
    from tests.factories import two_teams

    teams = two_teams()
    eve = make_user("eve", team_id=teams.desk.id, name="Eve")
    ann = make_user("ann", team_id=teams.desk.id, name="Ann")
    quiz_at(eve, sample, T0, right=set())
    quiz_at(ann, sample, T0, right={q.id for q in sample.module.quiz.questions})
    modules, now = {"sample-basics": sample}, T0 + timedelta(days=3)
    by_team, people = practice.team_memory_strength(actor=teams.mia, modules=modules, now=now)
    each = practice.people_memory_strength(user_ids=[eve.id, ann.id], modules=modules, now=now)
    assert [(p.label, p.strength) for p in people if p.strength is not None] == [
        ("Ann", pytest.approx(each[ann.id])),
        ("Eve", pytest.approx(each[eve.id])),
    ]
    assert each[ann.id] > each[eve.id]
    assert [t.label for t in by_team] == [teams.desk.name]
    assert by_team[0].strength == pytest.approx((each[ann.id] + each[eve.id]) / 2)
    assert by_team[0].cards == 6
