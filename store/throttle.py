"""Sign-in backoff: failed sign-ins slow down further tries per account name and per address.

A hard lock (five failures lock an account) lets anyone lock out anyone. Here each failure
after a free allowance doubles the wait before the next try, per account name and per client
address, up to a cap, and a quiet hour forgets them. An attacker at one address soon waits a
quarter of an hour per guess; the account's owner waits at most a few minutes even when many
addresses attack it, and an administrator can clear the wait (People page or
`python -m store unlock`). Names that belong to nobody are counted the same way, so the
answers tell nobody which accounts exist.

Units, so nobody has to guess: times are UTC datetimes, waits are whole seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.db import session_scope
from store.models import SignInThrottle
from training import clock


@dataclass(frozen=True)
class Backoff:
    """Free failures, then waits of 1, 2, 4 ... seconds up to cap."""

    free: int
    cap: timedelta

    def wait_after(self, failures: int) -> timedelta:
        """Return how long to refuse tries after this many failures in a row."""
        if failures <= self.free:
            return timedelta(0)
        doublings = min(failures - self.free - 1, 30)
        return min(self.cap, timedelta(seconds=2**doublings))


ACCOUNT = Backoff(free=5, cap=timedelta(minutes=5))
# An office behind one NAT address shares this, so it allows more typos before slowing down.
ADDRESS = Backoff(free=20, cap=timedelta(minutes=15))
FORGET_AFTER = timedelta(hours=1)  # a quiet hour starts the count again
UNKNOWN_ADDRESS = "unknown"


def account_key(username: str) -> str:
    """Return the throttle key of an account name (whether or not the account exists)."""
    return "account:" + (username or "").strip().lower()[:64]


def address_key(address: str | None) -> str:
    """Return the throttle key of a client address."""
    return "address:" + ((address or "").strip()[:64] or UNKNOWN_ADDRESS)


def _now() -> datetime:
    return clock.now()


def wait_seconds(*, username: str, address: str | None, now: datetime | None = None) -> int:
    """Return how many seconds this account name or address must still wait (0: may try)."""
    now = now or _now()
    keys = [account_key(username), address_key(address)]
    with session_scope(write=False) as session:
        rows = session.exec(select(SignInThrottle).where(SignInThrottle.key.in_(keys))).all()
    waits = [
        (row.blocked_until - now).total_seconds()
        for row in rows
        if row.blocked_until and row.blocked_until > now
    ]
    return math.ceil(max(waits)) if waits else 0


def _locked_row(session: Session, key: str, now: datetime) -> SignInThrottle:
    # Insert-if-missing then lock, so parallel failures for one key each count (PostgreSQL);
    # SQLite already serialises writers with BEGIN IMMEDIATE.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.exec(
        insert(SignInThrottle)
        .values(key=key, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.exec(
        select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
    ).one()


def record_failure(session: Session, *, username: str, address: str | None, now: datetime) -> None:
    """Count one failed sign-in against the account name and the address (in session)."""
    for key, rule in ((account_key(username), ACCOUNT), (address_key(address), ADDRESS)):
        row = _locked_row(session, key, now)
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = rule.wait_after(row.failures)
        row.blocked_until = now + wait if wait else None
        session.add(row)


def clear_account(session: Session, username: str) -> bool:
    """Forget the failures of an account name; return True when there were any."""
    result = session.exec(delete(SignInThrottle).where(SignInThrottle.key == account_key(username)))
    return bool(result.rowcount)


def purge_quiet(session: Session, now: datetime) -> None:
    """Delete rows whose wait is over and whose last failure is older than FORGET_AFTER."""
    session.exec(
        delete(SignInThrottle).where(
            SignInThrottle.last_failure_at < now - FORGET_AFTER,
            (SignInThrottle.blocked_until.is_(None)) | (SignInThrottle.blocked_until < now),
        )
    )


@dataclass(frozen=True)
class UnderAttack:
    """An account name or address with recent failed sign-ins (for administrators)."""

    kind: str  # "account" | "address"
    name: str
    failures: int
    last_failure_at: datetime
    wait_seconds: int


def under_attack(*, min_failures: int = 3, now: datetime | None = None) -> list[UnderAttack]:
    """Return names and addresses with at least min_failures recent failures, most first."""
    now = now or _now()
    with session_scope(write=False) as session:
        rows = session.exec(
            select(SignInThrottle).where(
                SignInThrottle.failures >= min_failures,
                SignInThrottle.last_failure_at >= now - FORGET_AFTER,
            )
        ).all()
    out = []
    for row in rows:
        kind, _, name = row.key.partition(":")
        wait = (row.blocked_until - now).total_seconds() if row.blocked_until else 0
        out.append(
            UnderAttack(kind, name, row.failures, row.last_failure_at, max(0, math.ceil(wait)))
        )
    return sorted(out, key=lambda r: (-r.failures, r.kind, r.name))
