"""One "today" and one calendar: the organisation's time zone, around midnight UTC.

At 23:30 UTC on 30 November it is already 12:30 on 1 December in Auckland. The old code took
the store's "today" and the days of stored moments (pass expiry, joining a team, being
assigned) in UTC while pages used the organisation's zone, so the two disagreed by a day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from store import accounts, dashboard, learning, settings
from store.db import session_scope
from store.models import Progress, User
from store.security import hash_password
from training import clock
from training.loader import load_content_dir
from training.status import Status, decide_status
from ui import dates as ui_dates

AUCKLAND = ZoneInfo("Pacific/Auckland")
LATE_EVENING_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 Dec, 12:30 in Auckland
CONTENT = Path(__file__).resolve().parents[2] / "content"


def _user(username: str, role: str = "employee", team_id: int | None = None) -> User:
    return accounts.create_user(
        actor_id=None,
        username=username,
        name=username.title() + " Example",
        role=role,
        password="correct horse battery staple",
        team_id=team_id,
    )


@pytest.fixture
def auckland(fresh_db):
    admin = _user("boss", "admin")
    settings.set_setting(actor=admin, name="time_zone", value="Pacific/Auckland")
    return admin


def test_the_one_today_is_the_organisations_day_at_23_30_utc(auckland):
    with clock.frozen_at(LATE_EVENING_UTC):
        old_store_today = clock.today()  # the store's old default: the UTC day
        assert old_store_today == date(2026, 11, 30)
        assert settings.today() == ui_dates.today() == date(2026, 12, 1)


def test_a_pass_expiring_after_local_midnight_still_counts_today(auckland):
    # Expires at 11:30 UTC on 1 Dec, which is 00:30 on 2 Dec in Auckland: on 1 Dec (local)
    # the pass is still valid, and the page says "valid until 2 Dec".
    expires = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    passed = expires - timedelta(days=365)
    today = date(2026, 12, 1)
    old_rule_valid = expires.date() > today  # the old pass_is_valid: the UTC day of expiry
    assert old_rule_valid is False
    assert ui_dates.format_date(expires) == "2 Dec 2026"
    args = dict(passed_at=passed, expires_at=expires, attempts=1, due=None, open_attempt=False)
    assert decide_status(**args, today=today, zone=AUCKLAND) is Status.EXPIRING

    loaded = load_content_dir(CONTENT).modules
    module_id = sorted(loaded)[0]
    team = accounts.create_team(name="Front desk", actor_id=None)
    eve = _user("eve", team_id=team.id)
    with session_scope() as s:
        s.add(
            Progress(
                user_id=eve.id,
                module_id=module_id,
                best_score=90.0,
                last_score=90.0,
                attempt_count=1,
                passed_at=passed,
                expires_at=expires,
                last_attempt_at=passed,
                certificate_id="CERT-EVE",
            )
        )
    with clock.frozen_at(LATE_EVENING_UTC):
        item = learning.training_item(user_id=eve.id, loaded=loaded[module_id])
        (cell,) = dashboard.person_modules(
            actor=auckland, team_id=team.id, module_ids=[module_id], user_id=eve.id
        )
    assert item.status is Status.EXPIRING  # the learner's own page
    assert cell.status is Status.EXPIRING  # the manager's dashboard (SQL), the same day


@pytest.mark.both_dbs
def test_joining_just_after_local_midnight_counts_from_the_local_day(auckland):
    # Assigned at 23:00 on 30 Nov in Auckland (10:00 UTC), due in 14 days: 14 Dec. Someone who
    # joins at 09:00 on 1 Dec in Auckland (20:00 UTC on 30 Nov) joined a day after it was
    # assigned, so they get 14 days from joining: 15 Dec. In UTC both fell on 30 Nov, and the
    # old code gave them 14 Dec.
    module_id = sorted(load_content_dir(CONTENT).modules)[0]
    team = accounts.create_team(name="Front desk", actor_id=None)
    with clock.frozen_at(datetime(2026, 11, 30, 10, tzinfo=UTC)):
        learning.create_assignments(
            actor=auckland, module_ids=[module_id], due_date=date(2026, 12, 14), team_id=team.id
        )
    joined = datetime(2026, 11, 30, 20, tzinfo=UTC)
    with clock.frozen_at(joined):
        eve = _user("eve", team_id=team.id)
    with session_scope() as s:
        row = s.get(User, eve.id)
        row.team_joined_at = joined
        row.created_at = joined
        row.password_hash = hash_password("unused password here")
        s.add(row)
    with clock.frozen_at(LATE_EVENING_UTC):
        mine = learning.assigned_due_dates(user_id=eve.id)
        (cell,) = dashboard.person_modules(
            actor=auckland, team_id=team.id, module_ids=[module_id], user_id=eve.id
        )
    assert mine[module_id] == date(2026, 12, 15)
    assert cell.due_date == date(2026, 12, 15)
