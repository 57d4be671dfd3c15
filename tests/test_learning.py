"""Learning store: attempts that keep every answer, grading on submit, progress, assignments."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from store import accounts, learning
from store.db import session_scope
from store.models import Answer, Attempt, Progress
from tests.conftest import make_user
from training import quiz
from training.loader import load_content_dir

FIXTURES = Path(__file__).parent / "fixtures" / "content" / "valid"

pytestmark = pytest.mark.both_dbs


@pytest.fixture
def sample():
    return load_content_dir(FIXTURES).modules["sample-basics"]


def right_answers(module, attempt):
    return {
        d["question_id"]: quiz.correct_answer(module.question(d["question_id"]))
        for d in attempt.drawn
    }


def test_start_attempt_resumes_the_same_draw(sample):
    eve = make_user("eve")
    first = learning.start_attempt(user_id=eve.id, loaded=sample)
    again = learning.start_attempt(user_id=eve.id, loaded=sample)
    assert first.id == again.id and first.drawn == again.drawn
    assert len(first.drawn) == 3


def test_answers_are_saved_as_given_and_survive_a_new_session(sample):
    eve = make_user("eve")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    qid = attempt.drawn[0]["question_id"]
    answer = quiz.correct_answer(sample.module.question(qid))
    learning.save_answer(
        attempt_id=attempt.id,
        user_id=eve.id,
        module=sample.module,
        question_id=qid,
        answer=answer,
        position=1,
    )
    reopened = learning.open_attempt(user_id=eve.id, module_id="sample-basics")
    assert reopened.draft_answers == {qid: answer} and reopened.position == 1


def test_another_person_cannot_touch_my_attempt(sample):
    eve, bob = make_user("eve"), make_user("bob")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    qid = attempt.drawn[0]["question_id"]
    with pytest.raises(learning.NotAllowed):
        learning.save_answer(
            attempt_id=attempt.id, user_id=bob.id, module=sample.module, question_id=qid, answer=[0]
        )
    with pytest.raises(learning.NotAllowed):
        learning.submit_attempt(attempt_id=attempt.id, user_id=bob.id, module=sample.module)


def test_submit_grades_records_answers_and_progress_once(sample):
    eve = make_user("eve")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    for qid, answer in right_answers(sample.module, attempt).items():
        learning.save_answer(
            attempt_id=attempt.id,
            user_id=eve.id,
            module=sample.module,
            question_id=qid,
            answer=answer,
        )
    result = learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=sample.module)
    assert result.first_submit and result.grade.passed and result.grade.score == 100
    again = learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=sample.module)
    assert not again.first_submit and again.grade.score == 100
    with session_scope() as s:
        assert len(s.exec(select(Answer)).all()) == 3
        progress = s.exec(select(Progress)).one()
    assert progress.attempt_count == 1 and progress.best_score == 100
    assert progress.certificate_id.startswith("CERT-")
    assert progress.expires_at.date() == (progress.passed_at + timedelta(days=365)).date()
    found = learning.find_certificate(progress.certificate_id)
    assert found.username == "eve" and found.module_id == "sample-basics"


def test_unanswered_questions_count_as_wrong(sample):
    eve = make_user("eve")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    result = learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=sample.module)
    assert result.grade.score == 0 and not result.grade.passed


def test_max_attempts_is_enforced_on_the_server(sample):
    eve = make_user("eve")
    for _ in range(3):
        attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
        learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=sample.module)
    with pytest.raises(learning.LearningError, match="used all 3 attempts"):
        learning.start_attempt(user_id=eve.id, loaded=sample)


def test_attempt_is_graded_against_the_version_it_started_with(sample):
    eve = make_user("eve")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    old = learning.module_for_version(module_id="sample-basics", version=attempt.content_version)
    assert old is not None and old.id == "sample-basics"
    assert learning.module_for_version(module_id="sample-basics", version="nope") is None


def test_status_rules():
    today = date(2026, 6, 1)
    p = Progress(user_id=1, module_id="m", attempt_count=1)
    assert (
        learning.status_of(progress=None, due=None, open_attempt=False, today=today)
        == "not_started"
    )
    assert (
        learning.status_of(
            progress=None, due=today - timedelta(days=1), open_attempt=True, today=today
        )
        == "overdue"
    )
    assert learning.status_of(progress=p, due=None, open_attempt=False, today=today) == "failed"
    assert (
        learning.status_of(progress=None, due=None, open_attempt=True, today=today) == "in_progress"
    )
    from datetime import UTC, datetime

    passed = Progress(
        user_id=1,
        module_id="m",
        attempt_count=1,
        passed_at=datetime(2026, 1, 1, tzinfo=UTC),
        expires_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    assert (
        learning.status_of(
            progress=passed, due=today - timedelta(days=9), open_attempt=False, today=today
        )
        == "expiring"
    )
    assert (
        learning.status_of(progress=passed, due=None, open_attempt=False, today=date(2026, 7, 1))
        == "due_again"
    )
    passed.expires_at = None
    assert (
        learning.status_of(progress=passed, due=None, open_attempt=False, today=today) == "passed"
    )


def test_assignments_are_scoped_to_the_managers_teams(sample):
    admin = make_user("boss", "admin")
    a = accounts.create_team(name="A", actor_id=None)
    b = accounts.create_team(name="B", actor_id=None)
    mia = make_user("mia", "manager")
    accounts.set_team_managers(team_id=a.id, user_ids=[mia.id], actor_id=None)
    eve = make_user("eve", team_id=a.id)
    bob = make_user("bob", team_id=b.id)
    due = date.today() + timedelta(days=14)
    assert (
        learning.create_assignments(
            actor=mia, module_ids=["sample-basics"], team_id=a.id, due_date=due
        )
        == 1
    )
    with pytest.raises(learning.NotAllowed):
        learning.create_assignments(
            actor=mia, module_ids=["sample-basics"], team_id=b.id, due_date=due
        )
    with pytest.raises(learning.NotAllowed):
        learning.create_assignments(
            actor=mia, module_ids=["sample-basics"], user_ids=[bob.id], due_date=due
        )
    with pytest.raises(learning.NotAllowed):
        learning.create_assignments(
            actor=eve, module_ids=["sample-basics"], team_id=a.id, due_date=due
        )
    learning.create_assignments(
        actor=admin, module_ids=["sample-basics"], user_ids=[bob.id], due_date=due
    )
    assert [r.team for r in learning.list_assignments(actor=mia)] == ["A"]
    assert len(learning.list_assignments(actor=admin)) == 2
    bob_row = next(r for r in learning.list_assignments(actor=admin) if r.user_id == bob.id)
    with pytest.raises(learning.NotAllowed):
        learning.withdraw_assignment(actor=mia, assignment_id=bob_row.id)
    # people who join the team later get the team's assignments
    late = make_user("late", team_id=a.id)
    assert learning.assigned_due_dates(user_id=late.id) == {"sample-basics": due}
    items = learning.my_training(user_id=late.id, modules={"sample-basics": sample})
    assert items[0].assigned and items[0].status == "not_started"
    row = learning.list_assignments(actor=mia)[0]
    learning.change_due_date(actor=mia, assignment_id=row.id, due_date=due - timedelta(days=30))
    assert (
        learning.my_training(user_id=late.id, modules={"sample-basics": sample})[0].status
        == "overdue"
    )
    learning.withdraw_assignment(actor=mia, assignment_id=row.id)
    assert learning.assigned_due_dates(user_id=late.id) == {}


def test_refresher_events_come_from_quiz_answers(sample):
    eve = make_user("eve")
    attempt = learning.start_attempt(user_id=eve.id, loaded=sample)
    learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=sample.module)
    events = learning.review_events(user_id=eve.id)
    assert len(events) == 3 and not any(e.correct for e in events)
    qid = events[0].question_id
    learning.record_refresher(user_id=eve.id, results=[("sample-basics", qid, [0], True)])
    events = learning.review_events(user_id=eve.id)
    assert events[-1].source == "refresher" and events[-1].question_id == qid
    with session_scope() as s:
        kinds = sorted(a.kind for a in s.exec(select(Attempt)))
    assert kinds == ["quiz", "refresher"]
