"""A true floor for the Team progress page: the figures it shows, from hand-written SQL.

The older "raw SQL floor" replays the statements the page itself sent, so slow SQL raises its
own floor. This one asks the database for the same figures with one hand-written statement per
figure, straight through the driver (sqlite3 or psycopg), no ORM, no scope or stamp look-ups,
no Streamlit: the least a page could do to show them. `check` holds its headline numbers
against store.dashboard.overview, so the floor is known to compute the same thing.

The statements, for a scope of team ids (or the whole organisation) on a given day:
1. cells: one row per person and module that is assigned (team or personal, earliest due date)
   or has progress, with the status worked out in a CASE, grouped by team, module, status and
   "assigned", with best-score sums (headline, teams, module bars, team heat map);
   with the person kept for cells that need attention (overdue, expiring, failed twice);
2. the names of those people (the attention list);
3. people per team;
4. best scores per module over the organisation (competency comparison);
5. submitted attempts per day in the date range (weekly activity);
6. the best-score histogram in the date range;
7. for a view of at most 60 people, the person x module grid (the person heat map and table).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DONE = ("passed", "expiring")
EXPIRING_SOON_DAYS = 30  # store.learning.EXPIRING_SOON_DAYS
PERSON_GRID_LIMIT = 60  # ui.team_view.PERSON_HEATMAP_LIMIT

CELLS = """
WITH people AS (
    SELECT id, team_id FROM "user" WHERE active AND {scope}
), keys AS (
    SELECT user_id, team_id, module_id, min(due) AS due FROM (
        SELECT p.id AS user_id, p.team_id, a.module_id, a.due_date AS due
          FROM people p JOIN assignment a ON a.team_id = p.team_id
         WHERE a.withdrawn_at IS NULL
        UNION ALL
        SELECT p.id, p.team_id, a.module_id, a.due_date
          FROM people p JOIN assignment a ON a.user_id = p.id
         WHERE a.withdrawn_at IS NULL
        UNION ALL
        SELECT p.id, p.team_id, g.module_id, NULL
          FROM people p JOIN progress g ON g.user_id = p.id
    ) AS r GROUP BY user_id, team_id, module_id
), open_quiz AS (
    -- Open attempts are few and found through the submitted_at index; each cell is looked up
    -- in them (a probe per cell into all of the person's attempts was 3x slower than the page
    -- at 2,000,000 attempts on PostgreSQL).
    SELECT user_id, module_id FROM attempt WHERE submitted_at IS NULL AND kind = 'quiz'
), cells AS (
    SELECT k.user_id, k.team_id, k.module_id, k.due, g.best_score, g.passed_at,
           coalesce(g.attempt_count, 0) AS tries,
           CASE
             WHEN g.passed_at IS NOT NULL AND g.expires_at IS NOT NULL
                  AND g.expires_at >= {p_tomorrow} AND g.expires_at < {p_soon} THEN 'expiring'
             WHEN g.passed_at IS NOT NULL
                  AND (g.expires_at IS NULL OR g.expires_at >= {p_tomorrow}) THEN 'passed'
             WHEN k.due IS NOT NULL AND k.due < {p_today} THEN 'overdue'
             WHEN g.passed_at IS NOT NULL THEN 'due_again'
             WHEN (k.user_id, k.module_id) IN (SELECT user_id, module_id FROM open_quiz)
                  THEN 'in_progress'
             WHEN coalesce(g.attempt_count, 0) > 0 THEN 'failed'
             ELSE 'not_started'
           END AS status
      FROM keys k LEFT JOIN progress g ON g.user_id = k.user_id AND g.module_id = k.module_id
)
"""

GROUPED = (
    CELLS
    + """
SELECT team_id, module_id, status, due IS NOT NULL AS assigned, failing, who, min(due),
       count(*), sum(best_score), count(best_score)
  FROM (SELECT c.*, (c.tries >= 2 AND c.passed_at IS NULL) AS failing,
               CASE WHEN c.status IN ('overdue', 'expiring')
                         OR (c.tries >= 2 AND c.passed_at IS NULL) THEN c.user_id END AS who
          FROM cells c) AS f
 GROUP BY team_id, module_id, status, due IS NOT NULL, failing, who
"""
)

GRID = (
    CELLS
    + """
SELECT c.user_id, c.module_id, c.status, c.due, c.best_score, c.tries FROM cells c
"""
)

PEOPLE = 'SELECT team_id, count(*) FROM "user" WHERE active AND {scope} GROUP BY team_id'

ORG_SCORES = (
    "SELECT module_id, sum(best_score), count(best_score) FROM progress "
    "WHERE best_score IS NOT NULL GROUP BY module_id"
)

WEEKLY = """
SELECT {day} AS day, count(*), sum(CASE WHEN passed THEN 1 ELSE 0 END), sum(score)
  FROM attempt
 WHERE submitted_at >= {p_start} AND submitted_at < {p_end} AND kind = 'quiz' {members}
 GROUP BY {day}
"""

HISTOGRAM = """
SELECT CASE {ladder} ELSE 90 END, count(*)
  FROM progress g JOIN "user" u ON u.id = g.user_id
 WHERE u.active AND {scope} AND g.best_score IS NOT NULL
   AND g.last_attempt_at >= {p_start} AND g.last_attempt_at < {p_end}
 GROUP BY 1
"""


@dataclass
class Figures:
    """The headline numbers the floor computed (to hold against store.dashboard)."""

    people: int
    assigned: int
    completed: int
    overdue: int
    expiring: int
    statements: int


class _Db:
    """A plain driver connection and its placeholder style."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self.kind = "sqlite"
            self.conn = sqlite3.connect(url.split("///", 1)[1])
        else:
            import psycopg

            self.kind = "postgresql"
            dsn = url.replace("postgresql+psycopg://", "postgresql://")
            self.conn = psycopg.connect(dsn, autocommit=True)

    def when(self, day: date) -> object:
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if self.kind == "sqlite":  # stored as UTC text, compared as text
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def day_param(self, day: date) -> object:
        return day.isoformat() if self.kind == "sqlite" else day

    def run(self, sql: str, params: dict) -> list[tuple]:
        if self.kind == "sqlite":
            for name in params:
                sql = sql.replace("{p_" + name + "}", f":{name}")
        else:
            for name in params:
                sql = sql.replace("{p_" + name + "}", f"%({name})s")
        return list(self.conn.execute(sql, params).fetchall())

    def close(self) -> None:
        self.conn.close()


def figures(
    url: str, *, team_ids: tuple[int, ...] | None, today: date, start: date, end: date
) -> Figures:
    """Compute every figure of the page once; return its headline numbers."""
    db = _Db(url)
    try:
        return _figures(db, team_ids=team_ids, today=today, start=start, end=end)
    finally:
        db.close()


def _figures(db: _Db, *, team_ids, today: date, start: date, end: date) -> Figures:
    if team_ids is None:
        scope, members = "team_id IS NOT NULL", ""
    else:
        ids = ", ".join(str(int(t)) for t in team_ids) or "-1"
        scope = f"team_id IN ({ids})"
        members = f'AND user_id IN (SELECT id FROM "user" WHERE active AND {scope})'
    hist_scope = scope.replace("team_id", "u.team_id")
    cell_params = {
        "today": db.day_param(today),
        "tomorrow": db.when(today + timedelta(days=1)),
        "soon": db.when(today + timedelta(days=EXPIRING_SOON_DAYS + 1)),
    }
    range_params = {"start": db.when(start), "end": db.when(end + timedelta(days=1))}
    day = "substr(submitted_at, 1, 10)" if db.kind == "sqlite" else "(submitted_at::date)"
    statements = 0

    grouped = db.run(GROUPED.format(scope=scope, **_keep()), cell_params)
    flagged = sorted({r[5] for r in grouped if r[5] is not None}) or [-1]
    ids = ", ".join(map(str, flagged))
    db.run(f'SELECT id, name, username FROM "user" WHERE id IN ({ids})', {})
    people = db.run(PEOPLE.format(scope=scope), {})
    db.run(ORG_SCORES, {})
    db.run(WEEKLY.format(day=day, members=members, **_keep()), range_params)
    ladder = " ".join(f"WHEN g.best_score < {low + 10} THEN {low}" for low in range(0, 90, 10))
    db.run(HISTOGRAM.format(scope=hist_scope, ladder=ladder, **_keep()), range_params)
    statements = 7
    head_count = sum(n for _, n in people)
    if head_count <= PERSON_GRID_LIMIT:
        db.run(GRID.format(scope=scope, **_keep()), cell_params)
        statements += 1
    assigned = sum(r[7] for r in grouped if r[3])
    completed = sum(r[7] for r in grouped if r[3] and r[2] in DONE)
    overdue = sum(r[7] for r in grouped if r[3] and r[2] == "overdue")
    expiring = sum(r[7] for r in grouped if r[2] == "expiring")
    return Figures(head_count, assigned, completed, overdue, expiring, statements)


def _keep() -> dict[str, str]:
    # str.format would eat the {p_...} placeholders: hand them back unchanged.
    return {k: "{" + k + "}" for k in ("p_today", "p_tomorrow", "p_soon", "p_start", "p_end")}


def timed(url: str, *, runs: int, **kwargs) -> tuple[list[float], Figures]:
    """Time `runs` computations of every figure (after one that warms the caches)."""
    db = _Db(url)
    try:
        found = _figures(db, **kwargs)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            found = _figures(db, **kwargs)
            times.append(time.perf_counter() - started)
    finally:
        db.close()
    return times, found
