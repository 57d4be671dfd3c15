"""Statements holding the organisation's time zone are compiled once per zone and cached
(issue 18: uncached, Team progress compiled its two largest statements on every render),
and one zone's SQL is never reused for another."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, event, literal, select
from sqlalchemy.engine.default import CACHE_HIT, CACHE_MISS

from store.dashboard import _day_plus
from store.db import get_engine

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]

LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Auckland
ZONES = {"UTC": UTC, "Pacific/Auckland": ZoneInfo("Pacific/Auckland")}


def test_each_zone_is_compiled_once_and_keeps_its_own_sql():
    engine = get_engine()
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's PRAGMAs
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        found = []
        with engine.connect() as conn:
            for name in ["UTC", "Pacific/Auckland"] * 3:
                query = select(
                    _day_plus(literal(LATE, DateTime(timezone=True)), literal(0), ZONES[name])
                )
                result = conn.execute(query)
                day = result.scalar_one()
                found.append(
                    (
                        name,
                        day if isinstance(day, date) else date.fromisoformat(day),
                        result.context.cache_hit,
                    )
                )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    hit, miss = CACHE_HIT, CACHE_MISS
    assert [f[2] for f in found] == [miss, miss, hit, hit, hit, hit]
    assert {(name, day) for name, day, _ in found} == {
        ("UTC", date(2026, 11, 30)),
        ("Pacific/Auckland", date(2026, 12, 1)),
    }
    auckland = [s for s, f in zip(sent, found, strict=True) if f[0] == "Pacific/Auckland"]
    assert all("Pacific/Auckland" in s for s in auckland)
    assert not any(
        "Pacific/Auckland" in s for s, f in zip(sent, found, strict=True) if f[0] == "UTC"
    )
