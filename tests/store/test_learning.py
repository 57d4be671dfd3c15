"""Learning store: attempts that keep every answer, grading on submit, progress, assignments."""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from store import accounts, learning
from store.db import session_scope
from store.models import Answer, Assignment, Progress
from tests.factories import make_user
from training import clock, quiz
from training.loader import load_content_dir

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content" / "valid"

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


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


def test_assignments_are_scoped_to_the_managers_teams(sample):
    admin = make_user("boss", "admin")
    a = accounts.create_team(name="A", actor_id=None)
    b = accounts.create_team(name="B", actor_id=None)
    mia = make_user("mia", "manager")
    accounts.set_team_managers(team_id=a.id, user_ids=[mia.id], actor_id=None)
    eve = make_user("eve", team_id=a.id)
    bob = make_user("bob", team_id=b.id)
    due = clock.today() + timedelta(days=14)
    made = learning.create_assignments(
        actor=mia, module_ids=["sample-basics"], team_id=a.id, due_date=due
    )
    assert made == learning.AssignResult(created=1, existing=0)
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


@pytest.fixture
def lenient(tmp_path):
    """The sample module with a pass mark of 60%, so 2 of 3 right (66.7%) passes."""
    data = yaml.safe_load((FIXTURES / "sample-basics.yaml").read_text())
    data["quiz"]["pass_mark"] = 60
    (tmp_path / "sample-basics.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_content_dir(tmp_path).modules["sample-basics"]


def take(loaded, user, *, wrong=0):
    """Start, answer (the first `wrong` drawn questions wrongly) and submit one attempt."""
    attempt = learning.start_attempt(user_id=user.id, loaded=loaded)
    for n, (qid, answer) in enumerate(right_answers(loaded.module, attempt).items()):
        if n < wrong:
            q = loaded.module.question(qid)
            options = 2 if q.type == "true_false" else len(q.options)
            answer = [next(i for i in range(options) if i not in answer)]
        learning.save_answer(
            attempt_id=attempt.id,
            user_id=user.id,
            module=loaded.module,
            question_id=qid,
            answer=answer,
        )
    return learning.submit_attempt(attempt_id=attempt.id, user_id=user.id, module=loaded.module)


def test_every_certificate_ever_issued_stays_verifiable_with_its_own_score_and_dates(lenient):
    eve = make_user("eve")
    first = take(lenient, eve)  # 100%
    second = take(lenient, eve, wrong=1)  # 66.7%, passes too, later
    assert first.grade.score == 100 and second.grade.passed and second.grade.score < 100
    progress = learning.progress_rows(user_id=eve.id)["sample-basics"]
    newer, older = learning.certificates(user_id=eve.id)
    assert older.certificate_id != newer.certificate_id == progress.certificate_id
    # each certificate's score, date and expiry come from its own attempt
    assert (older.score, older.passed_at) == (100.0, first.attempt.submitted_at)
    assert (newer.score, newer.passed_at) == (second.grade.score, second.attempt.submitted_at)
    assert newer.expires_at == newer.passed_at + timedelta(days=365)
    # the id handed out first still verifies, and says it was replaced
    found = learning.find_certificate(older.certificate_id)
    assert found.standing == "superseded" and found.current_id == newer.certificate_id
    assert found.score == 100.0 and found.superseded_on == newer.passed_at
    current = learning.find_certificate(newer.certificate_id)
    assert current.standing == "current"
    later = newer.expires_at.date() + timedelta(days=1)
    assert learning.find_certificate(newer.certificate_id, today=later).standing == "expired"


@pytest.mark.both_dbs
def test_passes_back_to_back_each_get_their_own_certificate(tmp_path):
    # A script (or the concurrency suite) passing the same module many times a second once ran
    # out of ids after 60 passes: every pass must still get a certificate that verifies.
    data = yaml.safe_load((FIXTURES / "sample-basics.yaml").read_text())
    data["quiz"].pop("max_attempts", None)
    (tmp_path / "sample-basics.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    unlimited = load_content_dir(tmp_path).modules["sample-basics"]
    eve = make_user("eve")
    for _ in range(80):
        assert take(unlimited, eve).grade.passed
    ids = [c.certificate_id for c in learning.certificates(user_id=eve.id)]
    assert len(ids) == len(set(ids)) == 80
    assert all(learning.find_certificate(i) is not None for i in ids)


def test_assigning_the_same_thing_twice_makes_one_row_and_the_database_refuses_a_copy(sample):
    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Desk", actor_id=None)
    eve = make_user("eve", team_id=team.id)
    due = clock.today() + timedelta(days=14)
    for kw in (dict(team_id=team.id), dict(user_ids=[eve.id])):
        first = learning.create_assignments(
            actor=admin, module_ids=["sample-basics"], due_date=due, **kw
        )
        again = learning.create_assignments(
            actor=admin, module_ids=["sample-basics"], due_date=due, **kw
        )
        assert (first.created, again.created, again.existing) == (1, 0, 1)
    assert len(learning.list_assignments(actor=admin)) == 2
    with pytest.raises(IntegrityError), session_scope() as s:  # not only the page: the schema
        s.add(
            Assignment(
                module_id="sample-basics",
                team_id=team.id,
                due_date=due,
                assigned_at=clock.now(),
            )
        )
    # withdrawn ones do not count; a different date is a different assignment
    team_row = next(r for r in learning.list_assignments(actor=admin) if r.team_id)
    learning.withdraw_assignment(actor=admin, assignment_id=team_row.id)
    again = learning.create_assignments(
        actor=admin, module_ids=["sample-basics"], due_date=due, team_id=team.id
    )
    later = learning.create_assignments(
        actor=admin, module_ids=["sample-basics"], due_date=due + timedelta(1), team_id=team.id
    )
    assert again.created == later.created == 1
    moved = next(
        r for r in learning.list_assignments(actor=admin) if r.team_id and r.due_date == due
    )
    with pytest.raises(learning.LearningError, match="already assigned"):
        learning.change_due_date(actor=admin, assignment_id=moved.id, due_date=due + timedelta(1))
