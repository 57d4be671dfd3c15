"""Customer feedback import: every rule with its line, all rows or none, idempotent, scoped."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from store import accounts, feedback
from store.db import session_scope
from store.models import Feedback
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

TODAY = date(2026, 6, 10)
AGG_HEADER = (
    "date,team,channel,responses,csat_mean,nps_promoters,nps_passives,nps_detractors,"
    "complaints,compliments,source_id\n"
)
RESP_HEADER = "date,team,channel,kind,score,source_id\n"


def _count() -> int:
    with session_scope(write=False) as s:
        return s.exec(select(func.count()).select_from(Feedback)).one()


@pytest.fixture
def teams(fresh_db):
    front = accounts.create_team(name="Front Desk", actor_id=None)
    spa = accounts.create_team(name="Spa", actor_id=None)
    return front, spa


def _parse(text: str):
    return feedback.parse_csv(text.encode("utf-8"), today=TODAY)


@pytest.mark.both_dbs
def test_aggregated_rows_import_and_reimport_adds_nothing(teams):
    text = (
        AGG_HEADER
        + "2026-06-01,front desk,phone,10,4.5,6,3,1,1,2,\n"
        + "2026-06-02,FRONT DESK,,4,,,,,0,,\n"
        + "2026-06-02,Spa,web,8,3.25,,,,,,spa-77\n"
    )
    preview = _parse(text)
    assert preview.ok, preview.errors
    assert preview.shapes == {feedback.AGGREGATED}
    assert (preview.new, preview.known) == (3, 0)
    result = feedback.import_feedback(preview, actor_id=None, name="june.csv")
    assert (result.rows, result.added) == (3, 3)
    again = _parse(text)
    assert (again.new, again.known) == (0, 3)
    assert feedback.import_feedback(again, actor_id=None).added == 0
    assert _count() == 3
    with session_scope(write=False) as s:
        row = s.exec(select(Feedback).where(Feedback.row_key == "s:spa-77")).one()
    assert (row.csat_sum, row.csat_n, row.week) == (26.0, 8, date(2026, 6, 1))


@pytest.mark.both_dbs
def test_identical_responses_in_one_file_count_twice_but_once_on_reimport(teams):
    text = RESP_HEADER + "2026-06-01,Spa,,csat,5,\n" * 2 + "2026-06-01,Spa,,complaint,,\n"
    preview = _parse(text)
    assert preview.ok and len({r.key for r in preview.rows}) == 3
    assert feedback.import_feedback(preview, actor_id=None).added == 3
    assert feedback.import_feedback(_parse(text), actor_id=None).added == 0
    # a later file with one of those responses again: the same response, not a new one
    later = _parse(RESP_HEADER + "2026-06-01,Spa,,csat,5,\n")
    assert feedback.import_feedback(later, actor_id=None).added == 0
    assert _count() == 3


@pytest.mark.both_dbs
def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(teams):
    text = (
        AGG_HEADER
        + "2026-06-01,Front Desk,,10,4.5,,,,,,\n"  # line 2: fine
        + "2026-06-01,Nowhere,,10,4.5,,,,,,\n"  # 3 unknown team
        + "01/06/2026,Spa,,10,4.5,,,,,,\n"  # 4 bad date
        + "2026-06-11,Spa,,10,4.5,,,,,,\n"  # 5 future (today is 10 June)
        + "2026-06-01,Spa,,10,5.5,,,,,,\n"  # 6 csat out of range
        + "2026-06-01,Spa,,5,,3,2,1,,,\n"  # 7 promoters+passives+detractors > responses
        + "2026-06-01,Spa,,-2,,,,,,,\n"  # 8 negative count
        + "2026-06-01,Spa,,2.5,,,,,,,\n"  # 9 not whole
        + "2026-06-01,Spa,,,,,,,,,\n"  # 10 all measures empty
        + "2026-06-01,Spa,,,4.0,,,,,,\n"  # 11 csat without responses
    )
    preview = _parse(text)
    assert not preview.ok
    by_line = {}
    for e in preview.errors:
        by_line.setdefault(e.where, []).append(e.message)
    assert set(by_line) == {f"line {n}" for n in range(3, 12)}
    assert "no team is called 'Nowhere'" in by_line["line 3"][0]
    assert "YYYY-MM-DD" in by_line["line 4"][0]
    assert "in the future" in by_line["line 5"][0] and "UTC" in by_line["line 5"][0]
    assert "outside 1 to 5" in by_line["line 6"][0]
    assert "more than responses" in by_line["line 7"][0]
    assert "negative" in by_line["line 8"][0]
    assert "whole number" in by_line["line 9"][0]
    assert "every measure is empty" in by_line["line 10"][0]
    assert "needs responses" in by_line["line 11"][0]
    with pytest.raises(feedback.FeedbackError):
        feedback.import_feedback(preview, actor_id=None)
    assert _count() == 0


def test_response_rows_check_kind_and_score_per_kind(teams):
    text = (
        RESP_HEADER
        + "2026-06-01,Spa,,csat,0,\n"  # 2 out of range
        + "2026-06-01,Spa,,nps,11,\n"  # 3 out of range
        + "2026-06-01,Spa,,nps,7.5,\n"  # 4 not whole
        + "2026-06-01,Spa,,complaint,3,\n"  # 5 complaint with a score
        + "2026-06-01,Spa,,praise,,\n"  # 6 unknown kind
        + "2026-06-01,Spa,,csat,,\n"  # 7 csat without score
        + "2026-06-01,Spa,,nps,10,a\n"  # 8 fine
        + "2026-06-01,Spa,,nps,9,a\n"  # 9 duplicate source id
    )
    preview = _parse(text)
    lines = [e.where for e in preview.errors]
    assert lines == [f"line {n}" for n in (2, 3, 4, 5, 6, 7, 9)]
    assert "also on line 8" in preview.errors[-1].message


def test_the_header_decides_the_shape_and_a_bad_header_says_what_it_needs(teams):
    assert _parse("date,team,stars\n2026-06-01,Spa,5\n").errors[0].where == "line 1"
    missing = _parse("date,team,kind\n2026-06-01,Spa,csat\n").errors[0]
    assert "lacks score" in missing.message
    assert _parse("").errors[0].message.startswith("the file is empty")
    assert "not UTF-8" in feedback.parse_csv(b"\xff\xfe\x00bad").errors[0].message


def test_future_date_uses_the_organisation_time_zone(teams):
    from store import settings

    admin = make_user("root", "admin")
    settings.set_setting(actor=admin, name="time_zone", value="Pacific/Kiritimati")  # UTC+14
    # 'today' comes from training.clock in that zone: a row dated tomorrow there is refused
    zone = settings.time_zone()
    from training import clock

    local_today = clock.today(zone)
    ok = feedback.parse_csv(f"{RESP_HEADER}{local_today.isoformat()},Spa,,csat,4,\n".encode())
    late = feedback.parse_csv(
        f"{RESP_HEADER}{(local_today + timedelta(days=1)).isoformat()},Spa,,csat,4,\n".encode()
    )
    assert ok.ok
    assert "Pacific/Kiritimati" in late.errors[0].message


@pytest.mark.both_dbs
def test_two_imports_of_the_same_rows_at_once_store_each_row_once(teams):
    text = AGG_HEADER + "".join(f"2026-05-{d:02d},Spa,,{10 + d},4.1,,,,1,,\n" for d in range(1, 29))
    previews = [_parse(text), _parse(text)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run(p):
        barrier.wait()
        try:
            results.append(feedback.import_feedback(p, actor_id=None))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in previews]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r.added for r in results) == [0, 28]
    assert _count() == 28


@pytest.mark.both_dbs
def test_managers_read_only_their_teams_and_may_not_import(teams):
    front, spa = teams
    boss = make_user("boss", "manager", team_id=front.id)
    accounts.set_team_managers(team_id=front.id, user_ids=[boss.id], actor_id=None)
    text = AGG_HEADER + "2026-06-01,Front Desk,,10,4.0,,,,,,\n2026-06-01,Spa,,10,3.0,,,,,,\n"
    feedback.import_feedback(_parse(text), actor_id=None)
    weeks = feedback.team_feedback(actor=boss, start=date(2026, 5, 1), end=TODAY)
    assert [(w.team_id, w.csat) for w in weeks] == [(front.id, 4.0)]
    admin = make_user("root", "admin")
    assert len(feedback.team_feedback(actor=admin, start=date(2026, 5, 1), end=TODAY)) == 2
    with pytest.raises(feedback.FeedbackError):
        feedback.import_feedback(_parse(text), actor_id=boss.id)
    clerk = make_user("clerk", "employee", team_id=front.id)
    with pytest.raises(feedback.FeedbackError):
        feedback.team_feedback(actor=clerk, start=date(2026, 5, 1), end=TODAY)


@pytest.mark.both_dbs
def test_weekly_sums_give_csat_nps_and_complaints_per_100(teams):
    text = (
        AGG_HEADER
        + "2026-06-01,Spa,,10,4.0,5,3,2,1,,\n"
        + "2026-06-03,Spa,,30,3.0,,,,,,\n"  # no complaints column: not in the rate
        + "2026-06-04,Spa,,10,,,,,3,,\n"
    )
    feedback.import_feedback(_parse(text), actor_id=None)
    (week,) = feedback.team_feedback(
        actor=make_user("root", "admin"), start=date(2026, 6, 1), end=TODAY
    )
    assert week.csat == pytest.approx((40 + 90) / 40)
    assert week.nps == pytest.approx(100 * (5 - 2) / 10)
    assert week.complaints_per_100 == pytest.approx(100 * 4 / 20)


@pytest.mark.both_dbs
def test_tokens_are_stored_hashed_revocable_and_rate_limited(teams, monkeypatch):
    monkeypatch.setenv("TRAINING_API_RATE_PER_MINUTE", "3")
    admin = make_user("root", "admin")
    info, token = feedback.create_token(actor_id=admin.id, name="Survey tool")
    assert token not in str(feedback.list_tokens(actor_id=admin.id))
    assert feedback.admit("wrong").token is None
    waits = [feedback.admit(token).retry_after for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and 0 < waits[3] <= 60
    assert feedback.revoke_token(actor_id=admin.id, token_id=info.id)
    assert feedback.admit(token).token is None
    manager = make_user("boss", "manager")
    with pytest.raises(feedback.FeedbackError):
        feedback.create_token(actor_id=manager.id, name="Mine")


def test_cli_import_feedback_exit_codes(teams, tmp_path, capsys):
    from store.__main__ import main

    good = tmp_path / "good.csv"
    good.write_text(RESP_HEADER + "2026-01-05,Spa,,csat,4,\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(RESP_HEADER + "2026-01-05,Nowhere,,csat,4,\n")
    assert main(["import-feedback", str(bad)]) == 1
    assert "bad.csv: line 2: no team is called 'Nowhere'" in capsys.readouterr().err
    assert main(["import-feedback", str(good), "--dry-run"]) == 0
    assert "Dry run" in capsys.readouterr().out and _count() == 0
    assert main(["import-feedback", str(good)]) == 0
    assert capsys.readouterr().out.startswith("Imported 1 new feedback rows")
    assert _count() == 1
