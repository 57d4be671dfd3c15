"""The open attempt of a quiz, read on every rerun of a question, is found by the person's index.

SQLite, with the planner statistics ANALYZE writes for a bench-sized organisation (taken from
the seeded bench database): one row per submitted_at value, so searching by that index looks
cheap, but every open attempt in the organisation has NULL there.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from store import learning
from store.db import get_engine

pytestmark = pytest.mark.usefixtures("fresh_db")

BENCH_STATS = {
    "ix_attempt_user_module": "500150 101 8",
    "ix_attempt_submitted_at": "500150 1",
    "ix_attempt_module_version": "500150 31260 31260",
    "ix_attempt_activity": "500150 1 1 1 1 1 1",
}


def test_the_open_attempt_is_searched_by_person_and_module_not_by_submitted_at():
    engine = get_engine()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # makes sqlite_stat1
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        for index, stat in BENCH_STATS.items():
            conn.execute(
                text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('attempt', :i, :s)"),
                {"i": index, "s": stat},
            )
    compiled = learning._OPEN_ATTEMPT.compile(engine)
    params = compiled.construct_params({"user_id": 1, "module_id": "empathy"})
    values = [params[name] for name in compiled.positiontup]
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # read the statistics afresh
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(values)).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_attempt_user_module" in details, details
    assert "ix_attempt_submitted_at" not in details
