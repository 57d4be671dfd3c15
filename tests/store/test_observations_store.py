"""Observations in the store: scoping, drafts, the 24-hour lock, revisions, acknowledgement,
and the "does" figures (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from store import accounts, learning
from store import observations as obs
from store.db import session_scope
from store.models import Progress
from tests.utils.observations import FIXTURE, two_teams
from training.checklists import load_checklists

DESK = load_checklists(FIXTURE).checklists["desk-basics"]
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def org(fresh_db):
    """Two teams, a manager each, an administrator, a trainer and employees in both teams."""
    return two_teams()


def rate(actor, draft_id: int, item: str, rating: str) -> None:
    """Save one rating of the desk-basics checklist on a draft."""
    obs.save_rating(
        actor=actor, observation_id=draft_id, checklist=DESK.checklist, item_id=item, rating=rating
    )


def observe(actor, subject, ratings: dict[str, str], *, now=NOON, note="Good start."):
    """Start, rate and submit one observation; return its view."""
    draft = obs.start_or_resume(actor=actor, subject_id=subject.id, loaded=DESK, now=now)
    for item, rating in ratings.items():
        rate(actor, draft.id, item, rating)
    return obs.submit(
        actor=actor, observation_id=draft.id, checklist=DESK.checklist, note=note, now=now
    )


@pytest.mark.both_dbs
def test_ratings_are_kept_as_given_and_a_draft_resumes(org):
    draft = obs.start_or_resume(actor=org.mia, subject_id=org.eve.id, loaded=DESK, now=NOON)
    rate(org.mia, draft.id, "db-01", "consistently")
    obs.save_note(actor=org.mia, observation_id=draft.id, note="Warm greeting.")
    again = obs.start_or_resume(actor=org.mia, subject_id=org.eve.id, loaded=DESK, now=NOON)
    assert again.id == draft.id
    assert again.ratings == {"db-01": "consistently"} and again.note == "Warm greeting."
    assert [d.id for d in obs.open_drafts(actor=org.mia)] == [draft.id]
    assert obs.open_drafts(actor=org.bob) == []


@pytest.mark.both_dbs
def test_submit_records_everything_and_the_person_acknowledges(org):
    done = observe(org.mia, org.eve, {"db-01": "consistently", "db-02": "partly"})
    assert done.submitted and done.revision == 1 and done.observed_on == date(2026, 6, 1)
    assert done.ratings == {"db-01": "consistently", "db-02": "partly", "db-03": "not_applicable"}
    assert done.content_version == DESK.version and done.note == "Good start."
    [seen] = obs.observations_of(actor=org.eve, person_id=org.eve.id, now=NOON)
    assert seen.id == done.id and seen.observer_name == "Mia Manager"
    assert seen.acknowledged_at is None
    at = obs.acknowledge(user_id=org.eve.id, observation_id=done.id, now=NOON)
    assert (
        obs.acknowledge(user_id=org.eve.id, observation_id=done.id, now=NOON + timedelta(1)) == at
    )
    with pytest.raises(obs.NotAllowed):
        obs.acknowledge(user_id=org.ann.id, observation_id=done.id)
    assert obs.open_drafts(actor=org.mia) == []


@pytest.mark.both_dbs
def test_corrections_for_24_hours_are_kept_as_revisions_then_locked(org):
    done = observe(org.mia, org.eve, {"db-01": "not_seen"})
    later = NOON + timedelta(hours=23, minutes=59)
    fixed = obs.correct(
        actor=org.mia,
        observation_id=done.id,
        checklist=DESK.checklist,
        ratings={"db-01": "consistently"},
        note="Corrected.",
        now=later,
    )
    assert fixed.revision == 2 and fixed.ratings["db-01"] == "consistently"
    history = obs.revisions(actor=org.mia, observation_id=done.id)
    assert [(r.revision, r.ratings["db-01"], r.note) for r in history] == [
        (1, "not_seen", "Good start."),
        (2, "consistently", "Corrected."),
    ]
    with pytest.raises(obs.ObservationError, match="locked"):
        obs.correct(
            actor=org.mia,
            observation_id=done.id,
            checklist=DESK.checklist,
            ratings={"db-01": "partly"},
            note="Too late.",
            now=NOON + timedelta(hours=24),
        )
    with pytest.raises(obs.ObservationError, match="already submitted"):
        rate(org.mia, done.id, "db-02", "partly")
    assert obs.person_does(actor=org.eve, person_id=org.eve.id, today=date(2026, 6, 2))[
        "prompt-attention"
    ].share == pytest.approx(1.0)


@pytest.mark.both_dbs
def test_managers_reach_only_their_teams_and_crafted_ids_are_refused(org):
    with pytest.raises(obs.NotAllowed):
        obs.start_or_resume(actor=org.mia, subject_id=org.ron.id, loaded=DESK)
    for who in (org.eve, org.trainer):  # employees and trainers do not observe
        with pytest.raises(obs.NotAllowed):
            obs.start_or_resume(actor=who, subject_id=org.ann.id, loaded=DESK)
    for crafted in (org.mia.id, 999_999):  # oneself, nobody
        with pytest.raises(obs.NotAllowed):
            obs.start_or_resume(actor=org.mia, subject_id=crafted, loaded=DESK)
    assert obs.start_or_resume(actor=org.admin, subject_id=org.ron.id, loaded=DESK).id
    bars = observe(org.bob, org.ron, {"db-01": "partly"})
    with pytest.raises(obs.NotAllowed):  # another observer's observation
        obs.save_note(actor=org.mia, observation_id=bars.id, note="mine now")
    with pytest.raises(obs.NotAllowed):
        obs.observations_of(actor=org.mia, person_id=org.ron.id)
    with pytest.raises(obs.NotAllowed):
        obs.observation(actor=org.eve, observation_id=bars.id)
    assert [p.name for p in obs.find_people(actor=org.mia)] == [
        "Ann Able",
        "Eve Example",
        "Tia Trainer",
    ]
    assert {p.name for p in obs.find_people(actor=org.admin, query="RON")} == {"Ron Other"}


@pytest.mark.both_dbs
def test_people_search_puts_the_recently_observed_first(org):
    observe(org.mia, org.eve, {"db-01": "partly"}, now=NOON)
    observe(org.mia, org.ann, {"db-01": "partly"}, now=NOON + timedelta(days=1))
    names = [p.name for p in obs.find_people(actor=org.mia)]
    assert names == ["Ann Able", "Eve Example", "Tia Trainer"]
    assert [p.name for p in obs.find_people(actor=org.mia, query="example")] == ["Eve Example"]
    assert obs.find_people(actor=org.mia, query="%") == []


@pytest.mark.both_dbs
def test_does_is_weighted_to_recent_observations_and_says_not_observed(org):
    today = date(2026, 6, 30)
    old = datetime(2026, 5, 31, 12, tzinfo=UTC)  # 30 days before: half the weight
    observe(org.mia, org.eve, {"db-01": "not_seen"}, now=old)
    observe(org.mia, org.eve, {"db-01": "consistently"}, now=datetime(2026, 6, 30, 9, tzinfo=UTC))
    does = obs.person_does(actor=org.mia, person_id=org.eve.id, today=today)
    assert does["prompt-attention"].share == pytest.approx(1 / 1.5)
    assert does["prompt-attention"].observations == 2
    assert "empathy" not in does  # not observed yet: no figure at all, never 0
    mine, org_wide = obs.view_does(actor=org.mia, team_id=None, today=today)
    assert mine["prompt-attention"].observations == 2
    with pytest.raises(learning.NotAllowed):
        obs.view_does(actor=org.mia, team_id=org.bar.id, today=today)


@pytest.mark.both_dbs
def test_does_summed_in_sql_equals_the_rule_on_each_days_counts(org):
    from training.behaviour import DayCount, does

    today = date(2026, 6, 30)
    seen = [  # (days ago, db-01's rating): in the window, on its edges and outside it
        (0, "consistently"),
        (3, "not_seen"),
        (3, "consistently"),
        (3, "consistently"),
        (45, "partly"),
        (89, "consistently"),
        (90, "not_seen"),
        (200, "consistently"),
    ]
    days: dict[date, list[int]] = {}
    for ago, rating in seen:
        moment = datetime.combine(today - timedelta(days=ago), datetime.min.time(), UTC)
        observe(org.mia, org.eve, {"db-01": rating}, now=moment + timedelta(hours=9))
        cell = days.setdefault(moment.date(), [0, 0, 0])
        cell[0] += 1
        cell[1] += rating == "consistently"
        cell[2] += 1
    counts = [DayCount(day, rated, hit, n) for day, (rated, hit, n) in days.items()]
    expected = does(counts, today)
    need = DESK.checklist.items[0].need
    mine = obs.person_does(actor=org.mia, person_id=org.eve.id, today=today)[need]
    view = obs.view_does(actor=org.mia, team_id=None, today=today)[0][need]
    for found in (mine, view):
        assert found.share == pytest.approx(expected.share, rel=1e-12)
        assert found.observations == expected.observations
    assert expected.observations == 6 and 0 < expected.share < 1


@pytest.mark.both_dbs
def test_not_observed_lists_the_never_and_the_long_ago(org):
    observe(org.mia, org.eve, {"db-01": "partly"}, now=NOON)
    observe(org.mia, org.ann, {"db-01": "partly"}, now=NOON - timedelta(days=50))
    rows = obs.not_observed(actor=org.mia, team_id=org.desk.id, today=date(2026, 6, 1), days=45)
    assert [r.name for r in rows][:1] == ["Tia Trainer"]  # never; Mia does not observe herself
    assert [r.name for r in rows][-1] == "Ann Able"
    assert "Eve Example" not in {r.name for r in rows}


@pytest.mark.both_dbs
def test_transfer_lists_passed_but_not_seen_and_the_reverse(org):
    with session_scope() as s:
        s.add(Progress(user_id=org.eve.id, module_id="prompt-attention", passed_at=NOON))
    observe(org.mia, org.eve, {"db-01": "not_seen", "db-02": "consistently"})
    observe(org.mia, org.ann, {"db-02": "consistently"})
    not_done, untaught = obs.transfer(
        actor=org.mia,
        team_id=None,
        today=date(2026, 6, 1),
        competency_of={"prompt-attention": "prompt-attention", "empathy": "empathy"},
    )
    assert [(r.name, r.need) for r in not_done] == [("Eve Example", "prompt-attention")]
    assert {(r.name, r.need) for r in untaught} == {
        ("Eve Example", "empathy"),
        ("Ann Able", "empathy"),
    }


def test_floor_csv_is_formula_safe_and_lists_every_need(org):
    with session_scope() as s:
        s.add(Progress(user_id=org.eve.id, module_id="prompt-attention", passed_at=NOON))
    accounts.update_user(user_id=org.eve.id, actor_id=None, name="=HYPERLINK(1)")
    observe(org.mia, org.eve, {"db-01": "not_seen"})
    not_done, untaught = obs.transfer(
        actor=org.mia,
        team_id=None,
        today=date(2026, 6, 1),
        competency_of={"prompt-attention": "prompt-attention"},
    )
    view, _ = obs.view_does(actor=org.mia, team_id=None, today=date(2026, 6, 1))
    text = obs.floor_csv(view=view, not_transferred=not_done, untaught=untaught, labels={}).decode(
        "utf-8-sig"
    )
    lines = text.splitlines()
    assert len(lines) == 1 + 8 + 1
    assert "This view,,,prompt-attention,,0.0,1" in lines
    assert lines[-1] == "Did not transfer,'=HYPERLINK(1),Front desk,prompt-attention,yes,0,1"


@pytest.mark.both_dbs
def test_weekly_does_gives_every_week_of_every_team(org):
    observe(org.mia, org.eve, {"db-01": "consistently", "db-02": "not_seen"})  # Mon 1 June
    observe(org.bob, org.ron, {"db-01": "consistently"}, now=NOON + timedelta(days=8))
    weeks = obs.weekly_does([org.desk.id, org.bar.id], date(2026, 6, 3), date(2026, 6, 14))
    got = {(w.team_id, w.week): (w.share, w.observations) for w in weeks}
    assert got == {
        (org.desk.id, date(2026, 6, 1)): (0.5, 1),
        (org.desk.id, date(2026, 6, 8)): (None, 0),
        (org.bar.id, date(2026, 6, 1)): (None, 0),
        (org.bar.id, date(2026, 6, 8)): (1.0, 1),
    }


def test_bad_ratings_and_notes_are_refused_with_a_message(org):
    draft = obs.start_or_resume(actor=org.mia, subject_id=org.eve.id, loaded=DESK)
    with pytest.raises(obs.ObservationError, match="not on the checklist"):
        rate(org.mia, draft.id, "zz-99", "partly")
    with pytest.raises(obs.ObservationError, match="not a rating"):
        rate(org.mia, draft.id, "db-01", "great")
    with pytest.raises(obs.ObservationError, match="keep it to"):
        obs.save_note(actor=org.mia, observation_id=draft.id, note="x" * 1001)
    with pytest.raises(obs.ObservationError, match="at least one"):
        obs.submit(actor=org.mia, observation_id=draft.id, checklist=DESK.checklist)
