"""Team dashboard queries: scoping, statuses equal to decide_status, numbers, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from store import accounts, dashboard, learning
from store.db import session_scope
from store.learning import NotAllowed
from store.models import Assignment, Progress, User
from tests.factories import ROOT, add_attempt, make_user, two_teams
from training import clock
from training.loader import load_content_dir
from training.status import STATUS_LABELS

pytestmark = pytest.mark.usefixtures("fresh_db")

TODAY = date(2026, 6, 10)  # a Wednesday
MODULES = load_content_dir(ROOT / "content").modules
ALL = tuple(sorted(MODULES))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def put_progress(
    user_id, module_id, *, best=None, attempts=0, passed=None, expires=None, last=None
):
    with session_scope() as s:
        s.add(
            Progress(
                user_id=user_id,
                module_id=module_id,
                best_score=best,
                last_score=best,
                attempt_count=attempts,
                passed_at=passed,
                expires_at=expires,
                last_attempt_at=last or passed,
                certificate_id=f"CERT-{user_id:04d}-{module_id[:4].upper()}" if passed else None,
            )
        )


def put_attempt(user_id, module_id, *, submitted=None, score=None, passed=None):
    started = (submitted or at(TODAY)) - timedelta(minutes=10)
    add_attempt(
        user_id, module_id, submitted=submitted, score=score, passed=passed, started=started
    )


@pytest.fixture
def org():
    """Two teams with a manager each, an administrator, employees in both teams."""
    teams = two_teams()
    desk, bar, mia, bob = teams.desk, teams.bar, teams.mia, teams.bob
    return SimpleNamespace(
        desk=desk,
        bar=bar,
        mia=mia,
        bob=bob,
        eve=make_user("eve", team_id=desk.id, name="Eve Example"),
        ann=make_user("ann", team_id=desk.id, name="Ann Able"),
        ron=make_user("ron", team_id=bar.id, name="Ron Other"),
        admin=make_user("boss", "admin", name="Boss Admin"),
    )


def assign(actor, modules, due, *, team=None, people=()):
    learning.create_assignments(
        actor=actor, module_ids=modules, due_date=due, team_id=team, user_ids=people
    )


# --- scope -----------------------------------------------------------------------------------


def test_manager_sees_only_the_teams_they_manage(org):
    assert [t.name for t in dashboard.team_choices(actor=org.mia)] == ["Front desk"]
    assert [t.name for t in dashboard.team_choices(actor=org.admin)] == ["Bar", "Front desk"]
    assert dashboard.resolve_scope(actor=org.mia).team_ids == (org.desk.id,)
    assert dashboard.resolve_scope(actor=org.admin).whole_org


@pytest.mark.parametrize("role", ["employee", "trainer"])
def test_other_roles_get_nothing(org, role):
    person = make_user("someone", role, team_id=org.desk.id)
    with pytest.raises(NotAllowed):
        dashboard.team_choices(actor=person)
    with pytest.raises(NotAllowed):
        dashboard.overview(actor=person, module_ids=ALL, today=TODAY)
    with pytest.raises(NotAllowed):
        dashboard.organisation_scores(actor=person)


def test_manager_asking_for_another_team_is_refused_everywhere(org):
    other = org.bar.id
    calls = [
        lambda: dashboard.overview(actor=org.mia, team_id=other, module_ids=ALL),
        lambda: dashboard.person_modules(actor=org.mia, team_id=other, module_ids=ALL),
        lambda: dashboard.weekly_activity(
            actor=org.mia, team_id=other, start=TODAY - timedelta(days=30), end=TODAY
        ),
        lambda: dashboard.score_distribution(actor=org.mia, team_id=other),
        lambda: dashboard.person_detail(actor=org.mia, user_id=org.ron.id, module_ids=ALL),
        lambda: dashboard.overview(actor=org.mia, team_id=987654, module_ids=ALL),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()


@pytest.mark.both_dbs  # the SQL must mean the same on PostgreSQL
def test_manager_rows_never_include_another_team(org):
    assign(org.bob, ["empathy"], TODAY - timedelta(days=3), team=org.bar.id)
    put_progress(org.ron.id, "sincerity", best=40.0, attempts=3, last=at(TODAY))
    put_attempt(org.ron.id, "sincerity", submitted=at(TODAY), score=40.0, passed=False)
    rows = dashboard.person_modules(actor=org.mia, module_ids=ALL, today=TODAY)
    assert {r.name for r in rows} == {"Mia Manager", "Eve Example", "Ann Able"}
    view = dashboard.overview(actor=org.mia, module_ids=ALL, today=TODAY)
    assert view.attention == [] and view.headline.assigned == 0
    weeks = dashboard.weekly_activity(actor=org.mia, start=TODAY, end=TODAY)
    assert sum(w.attempts for w in weeks) == 0
    admin_view = dashboard.overview(actor=org.admin, module_ids=ALL, today=TODAY)
    assert {r.name for r in admin_view.attention} == {"Ron Other", "Bob Barman"}


# --- statuses ----------------------------------------------------------------------------------


@pytest.mark.both_dbs  # the SQL must mean the same on PostgreSQL
def test_statuses_match_learning_status_of_for_every_case(org):
    eve = org.eve.id
    past, future = TODAY - timedelta(days=5), TODAY + timedelta(days=20)
    assign(org.mia, ["empathy", "word-of-mouth", "sincerity"], past, team=org.desk.id)
    assign(org.mia, ["timely-service"], future, team=org.desk.id)
    assign(org.mia, ["personal-recognition"], future, team=org.desk.id)
    assign(org.mia, ["personal-recognition"], past, people=[eve])  # earliest due wins
    long_ago, recent = at(TODAY - timedelta(days=400)), at(TODAY - timedelta(days=10))
    put_progress(
        eve,
        "prompt-attention",
        best=90.0,
        attempts=1,
        passed=recent,
        expires=at(TODAY + timedelta(days=10)),
    )
    put_progress(
        eve,
        "timely-service",
        best=85.0,
        attempts=1,
        passed=recent,
        expires=at(TODAY + timedelta(days=200)),
    )
    put_progress(
        eve,
        "word-of-mouth",
        best=80.0,
        attempts=1,
        passed=long_ago,
        expires=at(TODAY - timedelta(days=35)),
    )
    put_progress(
        eve,
        "service-recovery",
        best=80.0,
        attempts=1,
        passed=long_ago,
        expires=at(TODAY - timedelta(days=35)),
    )
    expires_today = at(TODAY, hour=1)  # no longer valid today
    put_progress(
        eve, "satisfaction-and-loyalty", best=80.0, attempts=1, passed=recent, expires=expires_today
    )
    put_progress(eve, "service-values", best=100.0, attempts=1, passed=recent)  # never expires
    put_progress(eve, "knowledgeable-service", best=50.0, attempts=2, last=recent)
    put_progress(eve, "respectful-treatment", attempts=0)
    put_attempt(eve, "respectful-treatment")  # open
    put_progress(eve, "internal-customers", best=40.0, attempts=1, last=recent)
    put_attempt(eve, "internal-customers")  # open after a failed one

    rows = dashboard.person_modules(actor=org.mia, module_ids=ALL, today=TODAY, user_id=eve)
    ours = {r.module_id: r.status for r in rows}
    theirs = {
        i.module_id: i.status
        for i in learning.my_training(user_id=eve, modules=MODULES, today=TODAY)
    }
    assert ours == theirs
    assert set(ours.values()) == {
        "overdue",
        "due_again",
        "failed",
        "in_progress",
        "not_started",
        "expiring",
        "passed",
    }
    assert ours["personal-recognition"] == "overdue"
    assert {r.module_id: r.due_date for r in rows}["personal-recognition"] == past


def test_people_who_join_later_get_team_assignments_and_withdrawn_ones_vanish(org):
    assign(org.mia, ["empathy"], TODAY + timedelta(days=7), team=org.desk.id)
    late = make_user("late", team_id=org.desk.id, name="Late Joiner")
    rows = dashboard.person_modules(actor=org.mia, module_ids=["empathy"], today=TODAY)
    joined = next(r for r in rows if r.user_id == late.id)
    assert joined.assigned and joined.status == "not_started"
    (row,) = learning.list_assignments(actor=org.mia)
    learning.withdraw_assignment(actor=org.mia, assignment_id=row.id)
    rows = dashboard.person_modules(actor=org.mia, module_ids=["empathy"], today=TODAY)
    assert not any(r.assigned for r in rows)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.both_dbs  # the SQL must mean the same on PostgreSQL
def test_headline_counts_and_attention_list(org):
    eve, ann = org.eve.id, org.ann.id
    past = TODAY - timedelta(days=2)
    assign(org.mia, ["empathy", "sincerity"], past, team=org.desk.id)
    recent = at(TODAY - timedelta(days=3))
    put_progress(
        eve, "empathy", best=90.0, attempts=1, passed=recent, expires=at(TODAY + timedelta(days=20))
    )
    put_progress(eve, "sincerity", best=60.0, attempts=2, last=recent)
    put_progress(ann, "empathy", best=100.0, attempts=1, passed=recent)
    view = dashboard.overview(actor=org.mia, module_ids=ALL, today=TODAY)
    h = view.headline
    assert (h.people, h.assigned, h.completed, h.overdue, h.expiring) == (3, 6, 2, 4, 1)
    assert h.completion == pytest.approx(2 / 6)
    assert h.average_best == pytest.approx((90 + 60 + 100) / 3)
    # most overdue first (Mia has not touched either), then most failed (Eve beats Ann)
    assert [r.name for r in view.attention] == ["Mia Manager", "Eve Example", "Ann Able"]
    eve_row = view.attention[1]
    assert eve_row.overdue == ("sincerity",) and eve_row.failed_twice == ("sincerity",)
    assert eve_row.expiring == ("empathy",) and eve_row.earliest_due == past
    by_status = {(r.module_id, r.status): r.people for r in view.by_module}
    assert by_status[("empathy", "expiring")] == 1 and by_status[("empathy", "passed")] == 1
    assert by_status[("sincerity", "overdue")] == 3
    (team,) = view.teams
    assert (team.team, team.assigned, team.completed, team.overdue) == ("Front desk", 6, 2, 4)
    assert {(t.module_id, t.assigned, t.completed) for t in view.team_modules} == {
        ("empathy", 3, 2),
        ("sincerity", 3, 0),
    }


@pytest.mark.both_dbs
def test_a_limited_attention_list_is_the_head_of_the_whole_one_and_counts_everyone(org):
    eve, ann = org.eve.id, org.ann.id
    past = TODAY - timedelta(days=2)
    assign(org.mia, ["empathy", "sincerity"], past, team=org.desk.id)
    recent = at(TODAY - timedelta(days=3))
    put_progress(eve, "sincerity", best=60.0, attempts=2, last=recent)
    put_progress(ann, "empathy", best=100.0, attempts=1, passed=recent)
    whole = dashboard.overview(actor=org.mia, module_ids=ALL, today=TODAY)
    assert len(whole.attention) == whole.attention_count == 3
    for limit in (0, 1, 2, 5):
        head = dashboard.overview(actor=org.mia, module_ids=ALL, today=TODAY, attention_limit=limit)
        assert head.attention == whole.attention[:limit]
        assert head.attention_count == 3
        assert head.headline == whole.headline and head.teams == whole.teams


def test_module_filter_narrows_every_number(org):
    assign(org.mia, ["empathy", "sincerity"], TODAY - timedelta(days=2), team=org.desk.id)
    view = dashboard.overview(actor=org.mia, module_ids=["empathy"], today=TODAY)
    assert view.headline.assigned == 3 and {r.module_id for r in view.by_module} == {"empathy"}
    assert dashboard.overview(actor=org.mia, module_ids=[], today=TODAY).headline.assigned == 0


@pytest.mark.both_dbs  # the SQL must mean the same on PostgreSQL
def test_weekly_activity_groups_by_monday_and_lists_empty_weeks(org):
    monday = TODAY - timedelta(days=TODAY.weekday())
    put_attempt(org.eve.id, "empathy", submitted=at(monday), score=50.0, passed=False)
    put_attempt(
        org.eve.id,
        "empathy",
        submitted=at(monday + timedelta(days=1), 23),
        score=100.0,
        passed=True,
    )
    put_attempt(
        org.ann.id, "sincerity", submitted=at(monday - timedelta(days=14)), score=80.0, passed=True
    )
    put_attempt(org.ron.id, "empathy", submitted=at(monday), score=0.0, passed=False)
    start = monday - timedelta(days=20)
    weeks = dashboard.weekly_activity(actor=org.mia, start=start, end=TODAY)
    assert [w.week.weekday() for w in weeks] == [0] * len(weeks)
    found = {w.week: (w.attempts, w.passes, w.average_score) for w in weeks}
    assert found[monday] == (2, 1, 75.0)
    assert found[monday - timedelta(days=7)] == (0, 0, None)
    assert found[monday - timedelta(days=14)] == (1, 1, 80.0)
    only = dashboard.weekly_activity(
        actor=org.mia, module_ids=["sincerity"], start=start, end=TODAY
    )
    assert sum(w.attempts for w in only) == 1
    everyone = dashboard.weekly_activity(actor=org.admin, start=start, end=TODAY)
    assert sum(w.attempts for w in everyone) == 4


def test_score_distribution_bins_best_scores_in_the_date_range(org):
    recent, old = at(TODAY - timedelta(days=2)), at(TODAY - timedelta(days=90))
    put_progress(org.eve.id, "empathy", best=100.0, attempts=1, last=recent)
    put_progress(org.eve.id, "sincerity", best=89.9, attempts=1, last=recent)
    put_progress(org.ann.id, "empathy", best=5.0, attempts=1, last=old)
    bins = dashboard.score_distribution(actor=org.mia, start=TODAY - timedelta(days=30), end=TODAY)
    assert [b.low for b in bins] == list(range(0, 100, 10))
    assert {b.low: b.count for b in bins if b.count} == {80: 1, 90: 1}
    every = dashboard.score_distribution(actor=org.mia)
    assert {b.low: b.count for b in every if b.count} == {0: 1, 80: 1, 90: 1}


def test_competency_profile_combines_module_totals(org):
    put_progress(org.eve.id, "empathy", best=60.0, attempts=1)
    put_progress(org.ron.id, "empathy", best=100.0, attempts=1)
    put_progress(org.ann.id, "service-values", best=90.0, attempts=1)
    view = dashboard.overview(actor=org.mia, module_ids=ALL, today=TODAY)
    competency_of = {m: str(lm.module.competency) for m, lm in MODULES.items()}
    profile = dashboard.competency_profile(
        scores=view.scores,
        organisation=dashboard.organisation_scores(actor=org.mia),
        competency_of=competency_of,
        competencies=["empathy", "foundations", "sincerity"],
    )
    assert [(p.competency, p.average, p.organisation) for p in profile] == [
        ("empathy", 60.0, 80.0),
        ("foundations", 90.0, 90.0),
        ("sincerity", None, None),
    ]


def test_person_detail_lists_modules_attempts_and_certificates(org):
    passed = at(TODAY - timedelta(days=1))
    put_progress(org.eve.id, "empathy", best=90.0, attempts=2, passed=passed)
    put_attempt(
        org.eve.id, "empathy", submitted=passed - timedelta(days=1), score=50.0, passed=False
    )
    put_attempt(org.eve.id, "empathy", submitted=passed, score=90.0, passed=True)
    detail = dashboard.person_detail(actor=org.mia, user_id=org.eve.id, module_ids=ALL, today=TODAY)
    assert (detail.name, detail.team) == ("Eve Example", "Front desk")
    assert len(detail.modules) == len(ALL)
    empathy = next(m for m in detail.modules if m.module_id == "empathy")
    assert empathy.status == "passed" and empathy.certificate_id
    assert [a.score for a in detail.attempts] == [90.0, 50.0]
    assert dashboard.person_detail(actor=org.admin, user_id=org.ron.id, module_ids=ALL).name


def test_data_stamp_changes_with_assignments_and_submits(org):
    first = dashboard.data_stamp()
    assign(org.mia, ["empathy"], TODAY, team=org.desk.id)
    second = dashboard.data_stamp()
    assert second != first
    (row,) = learning.list_assignments(actor=org.mia)
    learning.change_due_date(actor=org.mia, assignment_id=row.id, due_date=TODAY)
    third = dashboard.data_stamp()
    assert third != second
    put_attempt(org.eve.id, "empathy", submitted=at(TODAY), score=10.0, passed=False)
    assert dashboard.data_stamp() != third
    accounts.authenticate(username="eve", password="wrong password")  # sign-ins do not count
    stamp = dashboard.data_stamp()
    accounts.authenticate(username="eve", password="another wrong one")
    assert dashboard.data_stamp() == stamp


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Zoë Łukasiewicz", "Zoë Łukasiewicz"),
        (42, 42),
    ],
)
def test_csv_safe_neutralises_formulas(value, safe):
    assert dashboard.csv_safe(value) == safe


def test_csv_export_is_utf8_one_row_per_person_and_module(org):
    make_user("evil", team_id=org.desk.id, name="=cmd|' /C calc'!A0")
    make_user("zoe", team_id=org.desk.id, name="Zoë Łukasiewicz")
    assign(org.mia, ["empathy"], TODAY - timedelta(days=1), team=org.desk.id)
    rows = dashboard.person_modules(actor=org.mia, module_ids=["empathy", "sincerity"], today=TODAY)
    data = dashboard.rows_to_csv(rows, titles={"empathy": "Empathy"}, labels=STATUS_LABELS)
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == list(dashboard.CSV_COLUMNS)
    assert len(table) == 1 + 5 * 2  # five people in the team, two modules
    names = {r[1] for r in table[1:]}
    assert "'=cmd|' /C calc'!A0" in names and "Zoë Łukasiewicz" in names
    assert "Ron Other" not in names
    empathy = [r for r in table[1:] if r[4] == "empathy"]
    assert {r[3] for r in empathy} == {"Empathy"} and {r[5] for r in empathy} == {"Overdue"}


def backdate(*, user=None, joined=None, assignment_module=None, assigned=None):
    with session_scope() as s:
        if user is not None:
            row = s.get(User, user.id)
            row.team_joined_at = joined
            s.add(row)
        if assignment_module is not None:
            for a in s.exec(select(Assignment).where(Assignment.module_id == assignment_module)):
                a.assigned_at = assigned
                s.add(a)


@pytest.mark.both_dbs  # the SQL must mean the same on PostgreSQL
def test_new_joiners_are_not_overdue_and_the_dashboard_agrees_with_the_learner(org):
    today = clock.today()
    ago = lambda days: at(today - timedelta(days=days))  # noqa: E731
    # (module, from joining, assigned days ago, due in days, days given): the first pair was
    # due 150 days ago, the second is due in 10 days; each pair from joining and fixed.
    made = [
        ("empathy", True, 180, -150, 30),
        ("sincerity", False, 180, -150, 30),
        ("timely-service", True, 40, 10, 50),
        ("prompt-attention", False, 40, 10, 50),
    ]
    for module, from_joining, assigned, due_in, days in made:
        learning.create_assignments(
            actor=org.mia,
            module_ids=[module],
            team_id=org.desk.id,
            due_date=today + timedelta(days=days),
            from_joining=from_joining,
        )
        with session_scope() as s:  # as if made that many days ago
            for a in s.exec(select(Assignment).where(Assignment.module_id == module)):
                a.assigned_at, a.due_date = ago(assigned), today + timedelta(days=due_in)
                s.add(a)
    for person in (org.eve, org.ann, org.mia):
        backdate(user=person, joined=ago(400))  # members long before
    mid = make_user("mid", team_id=org.desk.id, name="Mid Joiner")
    backdate(user=mid, joined=ago(20))  # joined between the second pair's assignment and due
    newbie = make_user("newbie", team_id=org.desk.id, name="New Joiner")  # joined today

    modules = ["empathy", "sincerity", "timely-service", "prompt-attention"]
    rows = dashboard.person_modules(actor=org.mia, module_ids=modules, today=today)
    for person in (org.eve, mid, newbie):
        learner = {
            i.module_id: (i.due_date, i.status)
            for i in learning.my_training(
                user_id=person.id, modules={m: MODULES[m] for m in modules}, today=today
            )
        }
        manager = {r.module_id: (r.due_date, r.status) for r in rows if r.user_id == person.id}
        assert manager == learner, person.username
    due = {(r.user_id, r.module_id): r.due_date for r in rows}
    status = {(r.user_id, r.module_id): r.status for r in rows}
    # the long-standing member is overdue on the old pair, due on the date of the new pair
    assert status[(org.eve.id, "empathy")] == status[(org.eve.id, "sincerity")] == "overdue"
    assert due[(org.eve.id, "timely-service")] == today + timedelta(days=10)
    # a person who joined today is overdue on nothing: 30 days from today on both old ones
    assert {status[(newbie.id, m)] for m in modules} == {"not_started"}
    assert due[(newbie.id, "empathy")] == due[(newbie.id, "sincerity")] == today + timedelta(30)
    # joined before a fixed date: that date; from joining: 50 days from joining
    assert due[(mid.id, "prompt-attention")] == today + timedelta(days=10)
    assert due[(mid.id, "timely-service")] == today + timedelta(days=30)
    view = dashboard.overview(actor=org.mia, module_ids=modules, today=today)
    overdue_people = {a.username for a in view.attention if a.overdue}
    assert overdue_people == {"eve", "ann", "mia"}
    assert view.headline.overdue == 2 * 3
    # joined 20 days ago, after the old pair was due: 30 days from joining
    assert due[(mid.id, "empathy")] == due[(mid.id, "sincerity")] == today + timedelta(10)
