"""The impact view's read model: weekly training and customer measures per team, scoped.

A manager sees the teams they manage (their combined line is "Your teams"), an administrator
every team and the organisation (`team_scope` with SEE_FEEDBACK). Every weekly measure is a
`Series` in SERIES: a `training.impact.Measure` and a function returning, for the teams asked
for, (team_id, week Monday, value, n) rows. The combined line of a week is the n-weighted mean
of the teams' values, which for every measure here is the pooled figure (CSAT over all
answers, completion over all person-module pairs, and so on).

Definitions, so nobody has to guess (people are the team's current active members):
- completion: of each member and each module assigned to the team (live team assignments made
  by the week's end), the share with a pass (their first certificate) by the week's end;
- knowledge: of each member and module they have tried by the week's end, the average of their
  best quiz score by then;
- customer measures: from the feedback rows of the week (store/feedback.py).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, func, select

from store import observations
from store.db import session_scope
from store.feedback import FeedbackError, FeedbackWeek, visible_teams, weekly_feedback
from store.models import Assignment, Attempt, Certificate, Progress, Team, User
from store.sql_parts import utc_day
from training import impact
from training.impact import Measure

Row = tuple[int, date, float | None, float]  # team_id, week (Monday), value, n
Fetch = Callable[[Session, Sequence[int] | None, date, date], Iterable[Row]]


class ImpactError(FeedbackError):
    """The acting person may not see this."""


def monday(day: date) -> date:
    """Return the Monday of day's week."""
    return day - timedelta(days=day.weekday())


def weeks_between(start: date, end: date) -> list[date]:
    """Return the Mondays of every week that overlaps [start, end]."""
    out, week = [], monday(start)
    while week <= end:
        out.append(week)
        week += timedelta(weeks=1)
    return out


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _end_of(week: date) -> datetime:
    """Return midnight (UTC) after the last day of the week starting on `week`."""
    return datetime.combine(week + timedelta(days=7), time(), tzinfo=UTC)


def _day(column, session: Session):
    return utc_day(column, session.get_bind().dialect.name)


def _rows(session: Session, query) -> list:
    # Core, not the ORM: these reads return tens of thousands of plain tuples, and the ORM's
    # per-row loading would cost more than the query.
    return session.connection().execute(query).all()


def _members(session: Session, team_ids: Sequence[int] | None) -> dict[int, list[int]]:
    query = select(User.team_id, User.id).where(User.active, User.team_id.is_not(None))
    if team_ids is not None:
        query = query.where(User.team_id.in_(list(team_ids) or [-1]))
    members: dict[int, list[int]] = defaultdict(list)
    for tid, uid in _rows(session, query):
        members[tid].append(uid)
    return members


def _team_of(members: dict[int, list[int]]) -> dict[int, int]:
    """Return each member's team from _members' lists."""
    return {uid: tid for tid, uids in members.items() for uid in uids}


def _completion(session: Session, team_ids, start: date, end: date) -> list[Row]:
    members = _members(session, team_ids)
    assigned_q = (
        select(Assignment.team_id, Assignment.module_id, func.min(Assignment.assigned_at))
        .where(Assignment.team_id.is_not(None), Assignment.withdrawn_at.is_(None))
        .group_by(Assignment.team_id, Assignment.module_id)
    )
    if team_ids is not None:
        assigned_q = assigned_q.where(Assignment.team_id.in_(list(team_ids) or [-1]))
    assigned: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for tid, module_id, at in _rows(session, assigned_q):
        assigned[tid].append((module_id, _as_date(at)))
    # Each person's first pass per module, grouped along the (user_id, module_id, passed_at)
    # index; people are mapped to their team here, not joined (a join would group in a temp
    # b-tree: four times the CPU at 334,000 certificates).
    team_of = _team_of(members)
    passes_q = select(
        Certificate.user_id, Certificate.module_id, func.min(_day(Certificate.passed_at, session))
    ).group_by(Certificate.user_id, Certificate.module_id)
    if team_ids is not None:
        passes_q = passes_q.where(Certificate.user_id.in_(list(team_of) or [-1]))
    first_pass: dict[tuple[int, str], list[date]] = defaultdict(list)
    for uid, module_id, day in _rows(session, passes_q):
        if uid in team_of:
            first_pass[(team_of[uid], module_id)].append(_as_date(day))
    for days in first_pass.values():
        days.sort()
    rows = []
    weeks = weeks_between(start, end)
    for tid, modules in assigned.items():
        people = len(members.get(tid, ()))
        if not people:
            continue
        for week in weeks:
            sunday = week + timedelta(days=6)
            live = [m for m, day in modules if day <= sunday]
            if not live:
                continue
            passed = sum(bisect.bisect_right(first_pass.get((tid, m), []), sunday) for m in live)
            pairs = people * len(live)
            rows.append((tid, week, min(1.0, passed / pairs), pairs))
    return rows


def _knowledge(session: Session, team_ids, start: date, end: date) -> list[Row]:
    # Grouped per person, module and day straight from the covering (submitted_at, kind,
    # module_id, user_id, score, ...) index; people are mapped to teams here, not joined.
    team_of = _team_of(_members(session, team_ids))
    day = _day(Attempt.submitted_at, session)
    query = (
        select(Attempt.user_id, Attempt.module_id, day, func.max(Attempt.score))
        .where(
            Attempt.submitted_at.is_not(None),
            Attempt.submitted_at < _end_of(monday(end)),
            Attempt.kind == "quiz",
            Attempt.score.is_not(None),
        )
        .group_by(Attempt.user_id, Attempt.module_id, day)
    )
    if team_ids is not None:
        query = query.where(Attempt.user_id.in_(list(team_of) or [-1]))
    found = [
        (team_of[uid], uid, module_id, when, score)
        for uid, module_id, when, score in _rows(session, query)
        if uid in team_of
    ]
    weeks = weeks_between(start, end)
    first = weeks[0]
    # For each team and week: how much the pairs' best scores rose, and how many pairs began.
    rise: dict[int, list[float]] = defaultdict(lambda: [0.0] * len(weeks))
    began: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    best: dict[tuple[int, str], float] = {}
    for tid, uid, module_id, when, score in sorted(found, key=lambda r: r[3]):
        index = max(0, (monday(_as_date(when)) - first).days // 7)
        if index >= len(weeks):
            continue
        key = (uid, module_id)
        before = best.get(key)
        if before is None:
            best[key] = score
            rise[tid][index] += score
            began[tid][index] += 1
        elif score > before:
            best[key] = score
            rise[tid][index] += score - before
    rows = []
    for tid, rises in rise.items():
        total = pairs = 0.0
        for i, week in enumerate(weeks):
            total += rises[i]
            pairs += began[tid][i]
            if pairs:
                rows.append((tid, week, total / pairs, pairs))
    return rows


def _knowledge_now(session: Session, team_ids) -> dict[int, float]:
    """Return each team's average best score now, over its people's progress rows."""
    query = (
        select(User.team_id, func.avg(Progress.best_score))
        .join(User, User.id == Progress.user_id)
        .where(User.active, User.team_id.is_not(None), Progress.best_score.is_not(None))
        .group_by(User.team_id)
    )
    if team_ids is not None:
        query = query.where(User.team_id.in_(list(team_ids) or [-1]))
    return {tid: float(avg) for tid, avg in _rows(session, query)}


def _feedback_weeks(session: Session, team_ids, start: date, end: date) -> list[FeedbackWeek]:
    # The three customer series share one grouped query per session and range.
    key = ("feedback", tuple(team_ids) if team_ids is not None else None, start, end)
    if key not in session.info:
        session.info[key] = weekly_feedback(session, team_ids, start, end)
    return session.info[key]


def _customer(attribute: str, weight: str) -> Fetch:
    def fetch(session: Session, team_ids, start: date, end: date) -> list[Row]:
        return [
            (w.team_id, w.week, getattr(w, attribute), getattr(w, weight))
            for w in _feedback_weeks(session, team_ids, start, end)
            if getattr(w, attribute) is not None
        ]

    return fetch


def _does(session: Session, team_ids, start: date, end: date) -> list[Row]:
    """Observed behaviour: each week's share of checklist items rated consistently.

    n is the week's number of observations (store/observations.py `weekly_does`).
    """
    if team_ids is None:
        team_ids = list(session.exec(select(Team.id)))
    return [
        (w.team_id, w.week, w.share, w.observations)
        for w in observations.weekly_does(team_ids, start, end)
        if w.share is not None
    ]


@dataclass(frozen=True)
class Series:
    """One weekly measure on the impact view and the function that reads it.

    A costly series (one that reads every quiz attempt) is read for the whole scope only up to
    COMBINED_LIMIT teams; above that the page draws the chosen team's line, and `now` gives
    each team's current value for the correlations instead.
    """

    measure: Measure
    fetch: Fetch
    costly: bool = False
    now: Callable[[Session, Sequence[int] | None], dict[int, float]] | None = None


M = impact.MEASURES
SERIES: list[Series] = [
    Series(M["completion"], _completion),
    Series(M["knowledge"], _knowledge, costly=True, now=_knowledge_now),
    Series(M["does"], _does),
    Series(M["csat"], _customer("csat", "csat_n")),
    Series(M["nps"], _customer("nps", "nps_n")),
    Series(M["complaints"], _customer("complaints_per_100", "complaint_base")),
]
for _series in SERIES:
    impact.add_measure(_series.measure)


# --- the view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One measure of one team (team_id None: the combined line) in one week."""

    team_id: int | None
    week: date
    measure: str
    value: float
    n: float


@dataclass(frozen=True)
class Push:
    """A training push: one module assigned to some teams with one due date."""

    module_id: str
    due: date
    team_ids: tuple[int, ...]


@dataclass
class ImpactView:
    """Everything /impact shows for one person and date range."""

    teams: dict[int, str]
    whole_org: bool
    weeks: list[date]
    measures: list[Measure]
    points: list[Point] = field(default_factory=list)
    per_team: dict[int, dict[str, float | None]] = field(default_factory=dict)
    pushes: list[Push] = field(default_factory=list)
    team_id: int | None = None  # the team whose own lines are drawn beside the combined ones
    team_only: set[str] = field(default_factory=set)  # measures drawn for that team alone

    @property
    def combined_label(self) -> str:
        """Return the name of the combined line: the organisation, or the manager's teams."""
        return "Organisation" if self.whole_org else "Your teams"


def _scope(session: Session, actor: User) -> tuple[list[int] | None, dict[int, str]]:
    try:
        visible = visible_teams(session, actor)
    except FeedbackError:
        raise ImpactError("The impact view is for managers and administrators.") from None
    query = select(Team.id, Team.name).order_by(Team.name)
    if visible is not None:
        query = query.where(Team.id.in_(sorted(visible) or [-1]))
    teams = dict(session.exec(query).all())
    return (None if visible is None else sorted(visible)), teams


def _combine(points: Iterable[Point]) -> list[Point]:
    sums: dict[tuple[date, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p in points:
        cell = sums[(p.week, p.measure)]
        cell[0] += p.value * p.n
        cell[1] += p.n
    return [
        Point(None, week, measure, total / n, n)
        for (week, measure), (total, n) in sorted(sums.items())
        if n
    ]


def _per_team(points: Sequence[Point], measures: Sequence[Measure]) -> dict:
    # Training measures: each team's latest week; customer measures: over the whole range.
    out: dict[int, dict[str, float | None]] = defaultdict(dict)
    latest: dict[tuple[int, str], Point] = {}
    pooled: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    side = {m.key: m.side for m in measures}
    for p in points:
        if p.team_id is None:
            continue
        if side[p.measure] == "customer":
            pooled[(p.team_id, p.measure)].append((p.value, p.n))
        elif (p.team_id, p.measure) not in latest or latest[(p.team_id, p.measure)].week < p.week:
            latest[(p.team_id, p.measure)] = p
    for (tid, key), p in latest.items():
        out[tid][key] = p.value
    for (tid, key), values in pooled.items():
        out[tid][key] = impact.weighted_mean(values)
    return dict(out)


def _pushes(session: Session, team_ids: Sequence[int] | None, teams: dict[int, str]) -> list:
    query = (
        select(Assignment.module_id, Assignment.due_date, Assignment.team_id)
        .where(Assignment.team_id.is_not(None), Assignment.withdrawn_at.is_(None))
        .order_by(Assignment.due_date.desc())
    )
    if team_ids is not None:
        query = query.where(Assignment.team_id.in_(list(team_ids) or [-1]))
    grouped: dict[tuple[str, date], set[int]] = defaultdict(set)
    for module_id, due, tid in session.exec(query):
        grouped[(module_id, _as_date(due))].add(tid)
    return [
        Push(module_id, due, tuple(sorted(tids)))
        for (module_id, due), tids in grouped.items()
        if len(tids) < len(teams)  # some teams, not all: there is something to compare with
    ]


COMBINED_LIMIT = 30  # teams: above this, costly series are read for the chosen team only


def impact_view(*, actor: User, start: date, end: date, team_id: int | None = None) -> ImpactView:
    """Return the combined weekly measures of every team actor may see, the lines of team_id
    (one of them, or None), each team's values for the correlations, and the pushes.

    Raises ImpactError when actor may not see the view or team_id is not one of their teams.
    """
    with session_scope(write=False) as session:
        team_ids, teams = _scope(session, actor)
        if team_id is not None and team_id not in teams:
            raise ImpactError("You can only see the teams you manage.")
        view = ImpactView(
            teams=teams,
            whole_org=team_ids is None,
            weeks=weeks_between(start, end),
            measures=[s.measure for s in SERIES],
            team_id=team_id,
        )
        team_points: list[Point] = []
        for series in SERIES:
            key = series.measure.key
            partial = series.costly and len(teams) > COMBINED_LIMIT
            asked = ([team_id] if team_id is not None else []) if partial else team_ids
            for tid, week, value, n in series.fetch(session, asked, start, end):
                if tid in teams and value is not None and start - timedelta(days=6) <= week <= end:
                    team_points.append(Point(tid, week, key, float(value), n))
            if partial:
                view.team_only.add(key)
                for tid, value in (series.now(session, team_ids) if series.now else {}).items():
                    if tid in teams:
                        view.per_team.setdefault(tid, {})[key] = value
        view.pushes = _pushes(session, team_ids, teams)
    combined = _combine(p for p in team_points if p.measure not in view.team_only)
    for tid, values in _per_team(team_points, view.measures).items():
        for key, value in values.items():
            if key not in view.team_only:
                view.per_team.setdefault(tid, {})[key] = value
    view.points = [p for p in team_points if p.team_id == team_id] + combined
    return view


@dataclass(frozen=True)
class PushComparison:
    """A push's before/after comparison for one customer measure, with what it rests on."""

    push: Push
    windows: impact.Windows
    result: impact.DiffInDiff
    left_out: int


def compare_push(*, actor: User, push: Push, measure: str, weeks: int = impact.PUSH_WEEKS):
    """Compare the change of a customer measure for the teams that completed push's module by
    its due date with the change for the teams (in actor's scope) that were not given it."""
    windows = impact.push_windows(push.due, weeks)
    series = next(s for s in SERIES if s.measure.key == measure)
    with session_scope(write=False) as session:
        team_ids, teams = _scope(session, actor)
        given = set(push.team_ids) & set(teams)
        everyone = (
            select(Assignment.team_id)
            .where(Assignment.module_id == push.module_id, Assignment.withdrawn_at.is_(None))
            .distinct()
        )
        ever_given = {t for t in session.exec(everyone) if t is not None}
        members = _members(session, sorted(given))
        passed = dict(
            session.exec(
                select(User.team_id, func.count(func.distinct(Certificate.user_id)))
                .join(User, User.id == Certificate.user_id)
                .where(
                    User.team_id.in_(sorted(given) or [-1]),
                    User.active,
                    Certificate.module_id == push.module_id,
                    Certificate.passed_at
                    < datetime.combine(push.due + timedelta(days=1), time(), UTC),
                )
                .group_by(User.team_id)
            ).all()
        )
        rows = list(series.fetch(session, team_ids, windows.before_start, windows.after_end))
    completed = {
        t
        for t in given
        if members.get(t) and passed.get(t, 0) / len(members[t]) >= impact.COMPLETED_SHARE
    }
    others = set(teams) - ever_given

    by_team: dict[int, list[tuple[date, float | None, float]]] = defaultdict(list)
    for tid, week, value, n in rows:
        by_team[tid].append((week, value, n))

    def change(tid: int) -> impact.TeamChange:
        weeks_of = by_team.get(tid, [])
        before = [(v, n) for w, v, n in weeks_of if windows.before_start <= w <= windows.before_end]
        after = [(v, n) for w, v, n in weeks_of if windows.after_start <= w <= windows.after_end]
        return impact.TeamChange(tid, impact.weighted_mean(before), impact.weighted_mean(after))

    result = impact.diff_in_diff(
        measure, [change(t) for t in sorted(completed)], [change(t) for t in sorted(others)]
    )
    return PushComparison(push, windows, result, left_out=len(given - completed))
