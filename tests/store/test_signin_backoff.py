"""Sign-in backoff: it slows attackers per name and per address, locks nobody, tells nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from store import accounts, throttle
from store.db import session_scope
from store.models import AuditLog, SignInThrottle
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


def fail(username: str, address: str, times: int = 1) -> list[str]:
    return [
        accounts.authenticate(username=username, password="not it at all", address=address).message
        for _ in range(times)
    ]


def let_time_pass() -> None:
    """Make every wait run out (as if the clock moved on), keeping the failure counts."""
    with session_scope() as s:
        for row in s.exec(select(SignInThrottle)):
            row.blocked_until = None
            s.add(row)


def audit_rows() -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(AuditLog)).one()


def test_backoff_doubles_per_failure_after_the_free_tries_up_to_a_cap():
    rule = throttle.Backoff(free=5, cap=timedelta(minutes=5))
    assert [rule.wait_after(n).total_seconds() for n in range(1, 10)] == [0] * 5 + [1, 2, 4, 8]
    assert rule.wait_after(100) == timedelta(minutes=5)


def test_failures_slow_the_account_down_but_the_owner_gets_in_once_the_wait_is_over():
    make_user("admin", "admin")
    # five anonymous tries used to lock the admin out for fifteen minutes
    for i in range(6):
        fail("admin", f"10.0.0.{i}")
    waiting = accounts.authenticate(username="admin", password=PASSWORD, address="10.9.9.9")
    assert waiting.user is None and waiting.wait_seconds >= 1
    assert waiting.message == accounts.too_many_attempts(waiting.wait_seconds)
    let_time_pass()
    assert accounts.authenticate(username="admin", password=PASSWORD, address="10.9.9.9").user
    # a good sign-in clears the account's count
    assert throttle.wait_seconds(username="admin", address="10.9.9.9") == 0


def test_known_and_unknown_names_get_exactly_the_same_answers():
    make_user("ann")
    known = fail("ann", "10.0.0.1", times=9)
    unknown = fail("nobody-here", "10.0.0.2", times=9)
    assert known == unknown
    assert known[0] == accounts.WRONG_CREDENTIALS
    assert "Too many sign-in attempts" in known[-1]
    assert not any("locked" in m for m in known)


def test_an_address_in_backoff_is_refused_for_every_name_while_others_sign_in():
    make_user("ann")
    for i in range(throttle.ADDRESS.free + 1):
        fail(f"guess{i}", "203.0.113.7")
    refused = accounts.authenticate(username="ann", password=PASSWORD, address="203.0.113.7")
    assert refused.user is None and refused.wait_seconds >= 1
    assert accounts.authenticate(username="ann", password=PASSWORD, address="198.51.100.2").user


def test_a_refused_try_neither_hashes_nor_writes():
    make_user("ann")
    fail("ann", "10.0.0.1", times=6)
    before = audit_rows()
    with session_scope() as s:
        counts = {r.key: r.failures for r in s.exec(select(SignInThrottle))}
    assert accounts.authenticate(username="ann", password="x", address="10.0.0.1").wait_seconds
    assert audit_rows() == before
    with session_scope() as s:
        assert {r.key: r.failures for r in s.exec(select(SignInThrottle))} == counts


def test_a_quiet_hour_forgets_the_failures():
    make_user("ann")
    fail("ann", "10.0.0.1", times=7)
    with session_scope() as s:
        for row in s.exec(select(SignInThrottle)):
            row.last_failure_at -= timedelta(hours=2)
            row.blocked_until = None
            s.add(row)
    fail("ann", "10.0.0.1")
    with session_scope() as s:
        row = s.get(SignInThrottle, throttle.account_key("ann"))
        assert row.failures == 1 and row.blocked_until is None
    accounts.purge_expired_sessions()


def test_admins_see_the_names_and_addresses_under_attack():
    make_user("ann")
    fail("ann", "203.0.113.7", times=4)
    fail("bob", "203.0.113.7", times=1)
    seen = {(r.kind, r.name): r.failures for r in throttle.under_attack()}
    assert seen == {("account", "ann"): 4, ("address", "203.0.113.7"): 5}


def test_unlock_and_reset_clear_the_wait_of_an_account():
    admin = make_user("boss", "admin")
    ann = make_user("ann")
    fail("ann", "10.0.0.1", times=8)
    assert accounts.unlock(username="ann", actor_id=admin.id)
    assert throttle.wait_seconds(username="ann", address="10.0.0.2") == 0
    fail("ann", "10.0.0.3", times=8)
    password = accounts.reset_password(user_id=ann.id, actor_id=admin.id)
    assert accounts.authenticate(username="ann", password=password, address="10.0.0.4").user


def test_parallel_failures_all_count():
    from concurrent.futures import ThreadPoolExecutor

    make_user("eve")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: fail("eve", f"10.1.0.{i}"), range(8)))
    with session_scope() as s:
        assert s.get(SignInThrottle, throttle.account_key("eve")).failures == 8
