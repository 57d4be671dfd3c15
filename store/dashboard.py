"""Team progress for managers and administrators: scoped aggregate queries over progress rows.

Every public function takes the acting user and answers only for the teams that person may see:
a manager the teams they manage, an administrator every team. Asking for any other team raises
`NotAllowed`, so no page can show another team's rows by passing a crafted id.

Statuses follow `training.status.decide_status` exactly, computed in SQL (`_status_expr`) so the
dashboard aggregates over the per-person, per-module progress rows in the database instead of
loading them into Python. Only the weekly activity reads attempts, and it too groups in SQL.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    literal,
    null,
    or_,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, func, select

from store import activity_days, permissions, settings
from store.db import session_scope
from store.learning import NotAllowed
from store.models import Assignment, Attempt, AuditLog, Progress, Team, User
from store.sql_parts import module_filter, utc_day
from training import clock
from training.csv_export import csv_bytes, csv_safe  # noqa: F401 - csv_safe: part of the API
from training.scores import score_value
from training.status import DONE, EXPIRING_SOON_DAYS, Status

SCORE_BINS = tuple(range(0, 100, 10))  # lower bounds of the score histogram's bins


# --- scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamChoice:
    """A team the acting person may look at."""

    id: int
    name: str


@dataclass(frozen=True)
class Scope:
    """The teams one dashboard view covers; whole_org when an administrator sees every team."""

    team_ids: tuple[int, ...]
    whole_org: bool = False

    def condition(self) -> ColumnElement[bool]:
        """Return the SQL condition selecting the active people of these teams."""
        if self.whole_org:
            return and_(User.team_id.is_not(None), User.active)
        return and_(User.team_id.in_(self.team_ids or (-1,)), User.active)


def _visible_team_ids(session: Session, actor: User) -> set[int] | None:
    """Return the teams actor may see; None means every team (store/permissions.py)."""
    try:
        return permissions.team_scope(session, actor, permissions.Action.SEE_TEAM_PROGRESS)
    except permissions.PermissionDenied as exc:
        raise NotAllowed(str(exc)) from None


def team_choices(*, actor: User) -> list[TeamChoice]:
    """Return the teams actor may look at, by name."""
    with session_scope(write=False) as session:
        visible = _visible_team_ids(session, actor)
        query = select(Team.id, Team.name).order_by(Team.name)
        if visible is not None:
            query = query.where(Team.id.in_(visible or {-1}))
        return [TeamChoice(id=i, name=n) for i, n in session.exec(query)]


def people_in_view(*, actor: User, team_id: int | None = None) -> int:
    """Return how many people a view has (as its headline counts them), before any figure.

    Raises NotAllowed for a team actor may not see, as every figure of the view does."""
    scope = resolve_scope(actor=actor, team_id=team_id)
    with session_scope(write=False) as session:
        return session.exec(select(func.count()).select_from(User).where(scope.condition())).one()


def resolve_scope(*, actor: User, team_id: int | None = None) -> Scope:
    """Return the scope of a view: one team, or every team actor may see when team_id is None.

    Raises NotAllowed when team_id is a team actor does not manage (or does not exist).
    """
    with session_scope(write=False) as session:
        visible = _visible_team_ids(session, actor)
        if team_id is not None:
            known = session.get(Team, team_id) is not None
            if not known or (visible is not None and team_id not in visible):
                raise NotAllowed("You can only see the teams you manage.")
            return Scope(team_ids=(team_id,))
        if visible is None:
            return Scope(team_ids=(), whole_org=True)
        return Scope(team_ids=tuple(sorted(visible)))


# Audited actions that change no figure (left out of the data stamps).
NOT_CHANGES = ("sign_in", "sign_out", "sign_in_failed")


def data_stamp() -> tuple:
    """Return a cheap fingerprint that changes whenever dashboard figures may have changed.

    It moves with every started or submitted attempt and with every audited change (which
    covers assignments, people, roles and teams; sign-ins are left out), so a cache keyed by
    it is never stale.
    """
    with session_scope(write=False) as session:
        last_submit = session.exec(select(func.max(Attempt.submitted_at))).one()
        last_started = session.exec(select(func.max(Attempt.id))).one()
        last_change = session.exec(
            select(AuditLog.id)
            .where(AuditLog.action.not_in(NOT_CHANGES))
            .order_by(AuditLog.id.desc())
            .limit(1)
        ).first()
    return (str(last_submit), last_started, last_change)


# --- the status of every person and module, in SQL ---------------------------------------


def _status_expr(today: date, zone: tzinfo, due, is_open) -> ColumnElement[str]:
    """Return training.status.decide_status as a SQL CASE over a (possibly missing) progress row.

    today is a day in zone; a pass expires at the start of its expiry day in zone.
    """
    tomorrow = clock.start_of_day(today + timedelta(days=1), zone)
    soon = clock.start_of_day(today + timedelta(days=EXPIRING_SOON_DAYS + 1), zone)
    expires = Progress.expires_at
    passed = Progress.passed_at.is_not(None)
    valid = and_(passed, or_(expires.is_(None), expires >= tomorrow))
    return case(
        (and_(valid, expires.is_not(None), expires < soon), Status.EXPIRING.value),
        (valid, Status.PASSED.value),
        (and_(due.is_not(None), due < today), Status.OVERDUE.value),
        (passed, Status.DUE_AGAIN.value),
        (is_open, Status.IN_PROGRESS.value),
        (func.coalesce(Progress.attempt_count, 0) > 0, Status.FAILED.value),
        else_=Status.NOT_STARTED.value,
    )


class _day_plus(FunctionElement):
    """The day in a time zone of a UTC timestamp, plus a number of days, as a SQL date.

    The zone is part of the SQL text (a plain attribute, not a bound value), and part of the
    statement's cache key too (`_traverse_internals`), so SQLAlchemy compiles a statement
    holding it once per zone and never reuses one zone's SQL for another (the UTC form is
    cheaper). Uncached, the Team progress statements were compiled on every render.
    """

    type = Date()
    inherit_cache = True
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("zone", InternalTraversal.dp_string),
    ]

    def __init__(self, moment, days, zone: tzinfo) -> None:
        self.zone = str(zone)
        super().__init__(moment, days)


def _zone_literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@compiles(_day_plus)
def _day_plus_postgresql(element, compiler, **kw):
    # timezone(zone, timestamptz) is the wall-clock time in zone, whose date is the local day.
    moment, days = list(element.clauses)
    local = f"timezone({_zone_literal(element.zone)}, {compiler.process(moment, **kw)})"
    return f"(CAST({local} AS DATE) + {compiler.process(days, **kw)})"


@compiles(_day_plus, "sqlite")
def _day_plus_sqlite(element, compiler, **kw):
    # SQLite keeps UTC timestamps and dates as text; date() reads and writes 'YYYY-MM-DD'.
    moment, days = list(element.clauses)
    day = compiler.process(moment, **kw)
    if element.zone != "UTC":
        day = f"local_day({day}, {_zone_literal(element.zone)})"  # see store.db._local_day
    return f"date({day}, '+' || {compiler.process(days, **kw)} || ' days')"


def _member_due(zone: tzinfo) -> ColumnElement:
    """Return training.status.due_for_member in SQL, for a team assignment joined to a member.

    Join and assignment days are days in zone, the organisation's time zone.
    """
    joined_at = func.coalesce(User.team_joined_at, User.created_at)
    joined = _day_plus(joined_at, literal(0), zone)
    assigned = _day_plus(Assignment.assigned_at, literal(0), zone)
    own = _day_plus(joined_at, Assignment.due_days, zone)
    due = Assignment.due_date
    return case(
        (or_(Assignment.due_days.is_(None), joined <= assigned), due),
        (and_(or_(Assignment.from_joining, joined > due), own > due), own),
        else_=due,
    )


def _cells(scope: Scope, module_ids: Sequence[str] | None, today: date, zone: tzinfo):
    """Return a subquery: one row per person and module that is assigned or has progress.

    The keys come from one grouped pass over the people's assignments (team ones due from
    the day each person joined, as `_member_due`; personal ones on their date; the earliest
    due date wins) and progress rows; the progress row is then found through its
    unique (user_id, module_id) index.
    """
    people = scope.condition()
    live = Assignment.withdrawn_at.is_(None)
    rows = union_all(
        select(
            User.id.label("user_id"),
            User.team_id.label("team_id"),
            Assignment.module_id.label("module_id"),
            _member_due(zone).label("due"),
        )
        .join(Assignment, Assignment.team_id == User.team_id)
        .where(people, live, module_filter(Assignment.module_id, module_ids)),
        select(User.id, User.team_id, Assignment.module_id, Assignment.due_date)
        .join(Assignment, Assignment.user_id == User.id)
        .where(people, live, module_filter(Assignment.module_id, module_ids)),
        select(User.id, User.team_id, Progress.module_id, null())
        .join(Progress, Progress.user_id == User.id)
        .where(people, module_filter(Progress.module_id, module_ids)),
    ).subquery("rows")
    keys = (
        select(rows.c.user_id, rows.c.team_id, rows.c.module_id, func.min(rows.c.due).label("due"))
        .group_by(rows.c.user_id, rows.c.team_id, rows.c.module_id)
        .subquery("keys")
    )
    # Open attempts are few and found through the submitted_at index; a row-value IN looks
    # each cell up in them.
    open_attempts = select(Attempt.user_id, Attempt.module_id).where(
        Attempt.submitted_at.is_(None), Attempt.kind == "quiz"
    )
    is_open = tuple_(keys.c.user_id, keys.c.module_id).in_(open_attempts)
    return (
        select(
            keys.c.user_id,
            keys.c.team_id,
            keys.c.module_id,
            keys.c.due,
            Progress.best_score,
            func.coalesce(Progress.attempt_count, 0).label("attempt_count"),
            Progress.passed_at,
            Progress.expires_at,
            Progress.certificate_id,
            _status_expr(today, zone, keys.c.due, is_open).label("status"),
        )
        .select_from(keys)
        .outerjoin(
            Progress,
            and_(Progress.user_id == keys.c.user_id, Progress.module_id == keys.c.module_id),
        )
        .subquery("cells")
    )


# --- overview: headline numbers, modules, teams, who needs attention ----------------------


@dataclass(frozen=True)
class Headline:
    """The numbers at the top of the page."""

    people: int
    assigned: int
    completed: int
    overdue: int
    expiring: int
    average_best: float | None

    @property
    def completion(self) -> float | None:
        """Return completed / assigned as a fraction, or None when nothing is assigned."""
        return self.completed / self.assigned if self.assigned else None


@dataclass(frozen=True)
class ModuleStatusCount:
    """How many people have a status on a module they are assigned."""

    module_id: str
    status: Status
    people: int


@dataclass(frozen=True)
class TeamSummary(Headline):
    """One team's standing, for the organisation view: the headline figures of one team."""

    team_id: int
    team: str


@dataclass(frozen=True)
class TeamModule:
    """How one team stands on one module it is assigned."""

    team_id: int
    module_id: str
    assigned: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class ModuleScore:
    """Sum and count of best scores on one module, so averages can be combined exactly."""

    module_id: str
    total: float
    count: int


@dataclass(frozen=True)
class AttentionRow:
    """A person who is behind, and on which modules."""

    user_id: int
    name: str
    username: str
    team: str
    overdue: tuple[str, ...]
    failed_twice: tuple[str, ...]
    expiring: tuple[str, ...]
    earliest_due: date | None


@dataclass(frozen=True)
class Overview:
    """Everything the top of the dashboard shows, from one grouped pass in SQL."""

    headline: Headline
    by_module: list[ModuleStatusCount]
    teams: list[TeamSummary]
    team_modules: list[TeamModule]
    scores: list[ModuleScore]
    attention: list[AttentionRow] = field(default_factory=list)
    attention_count: int = 0  # everyone behind; `attention` may keep only the most urgent


@dataclass
class _Tally:
    """Running counts over grouped rows: of a team, of one team and module, or of a module."""

    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    expiring: int = 0
    score_sum: float = 0.0
    score_n: int = 0

    def add_scores(self, total: float | None, count: int) -> None:
        self.score_sum += total or 0.0
        self.score_n += count

    def add_assigned(self, status: Status, people: int) -> None:
        self.assigned += people
        self.completed += people if status in DONE else 0
        self.overdue += people if status is Status.OVERDUE else 0


@dataclass
class _Flags:
    """What puts one person on the attention list, gathered over their grouped rows."""

    team: int | None
    overdue: list[str] = field(default_factory=list)
    due: list[date] = field(default_factory=list)
    expiring: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)


_STATUS = {status.value: status for status in Status}  # a dict look-up, not Enum()


def overview(
    *,
    actor: User,
    team_id: int | None = None,
    module_ids: Sequence[str] | None = None,
    today: date | None = None,
    attention_limit: int | None = None,
) -> Overview:
    """Return headline numbers, statuses, team summaries and who needs attention for a view.

    One grouped query does the work: cells are counted per team, module and status, except the
    cells that need attention (overdue, expiring soon, or never passed after two or more tries),
    which keep their person so the attention list can name them. attention_limit: keep only
    that many of the most urgent people (attention_count still counts everyone behind).
    """
    scope = resolve_scope(actor=actor, team_id=team_id)
    return scope_overview(
        scope, module_ids=module_ids, today=today, attention_limit=attention_limit
    )


def scope_overview(
    scope: Scope,
    *,
    module_ids: Sequence[str] | None = None,
    today: date | None = None,
    attention_limit: int | None = None,
) -> Overview:
    """Return the overview of a scope; no permission check: the caller has made it (`overview`
    does, and the reminder digest checks each manager before it uses its teams' figures)."""
    zone = settings.time_zone()
    today = today or clock.today(zone)
    cells = _cells(scope, module_ids, today, zone)
    assigned = cells.c.due.is_not(None).label("assigned")
    failing = and_(cells.c.attempt_count >= 2, cells.c.passed_at.is_(None)).label("failing")
    flagged = or_(cells.c.status.in_((Status.OVERDUE.value, Status.EXPIRING.value)), failing)
    who = case((flagged, cells.c.user_id)).label("who")
    query = select(
        cells.c.team_id,
        cells.c.module_id,
        cells.c.status,
        assigned,
        failing,
        who,
        func.min(cells.c.due),
        func.count(),
        func.sum(cells.c.best_score),
        func.count(cells.c.best_score),
    ).group_by(cells.c.team_id, cells.c.module_id, cells.c.status, assigned, failing, who)
    with session_scope(write=False) as session:
        # Core rows, not ORM ones: the whole organisation gives tens of thousands of groups.
        connection = session.connection()
        rows = connection.execute(query).all()
        # Everyone in view, once: the head counts per team and the names of the flagged
        # (thousands of them at organisation scale: no IN list of ids).
        people: dict[int, int] = defaultdict(int)
        who_is: dict[int, tuple[str, str]] = {}
        in_view = select(User.id, User.team_id, User.name, User.username).where(scope.condition())
        for uid, team, name, username in connection.execute(in_view).all():
            people[team] += 1
            who_is[uid] = (name, username)
        teams_query = select(Team.id, Team.name)
        if not scope.whole_org:
            teams_query = teams_query.where(Team.id.in_(scope.team_ids))
        names = dict(connection.execute(teams_query).all())

    per_team: dict[int, _Tally] = defaultdict(_Tally)
    by_module: dict[tuple[str, str], int] = defaultdict(int)
    team_modules: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    scores: dict[str, _Tally] = defaultdict(_Tally)
    flags: dict[int, _Flags] = {}
    # Tens of thousands of rows at organisation scale: each is looked at once, cheaply.
    for team, module_id, value, is_assigned, is_failing, uid, due, n, total, count in rows:
        status = _STATUS[value]
        tally = per_team[team]
        if count:
            tally.add_scores(total, count)
            scores[module_id].add_scores(total, count)
        if status is Status.EXPIRING:
            tally.expiring += n
        if is_assigned:
            by_module[(module_id, status)] += n
            team_modules[(team, module_id)].add_assigned(status, n)
            tally.add_assigned(status, n)
        if uid is not None:
            found = flags.get(uid)
            if found is None:
                found = flags[uid] = _Flags(team=team)
            if status is Status.OVERDUE:
                found.overdue.append(module_id)
                found.due.append(_as_date(due))
            if status is Status.EXPIRING:
                found.expiring.append(module_id)
            if is_failing:
                found.failing.append(module_id)

    def average(total: float, count: float) -> float | None:
        return total / count if count else None

    teams = [
        TeamSummary(
            team_id=tid,
            team=names.get(tid, "?"),
            people=count,
            assigned=per_team[tid].assigned,
            completed=per_team[tid].completed,
            overdue=per_team[tid].overdue,
            expiring=per_team[tid].expiring,
            average_best=average(per_team[tid].score_sum, per_team[tid].score_n),
        )
        for tid, count in people.items()
    ]
    teams.sort(key=lambda t: (t.completion if t.completion is not None else 2.0, t.team))

    def urgency(item: tuple[int, _Flags]) -> tuple:
        # Most overdue first, then most failed, then most expiring, then earliest due, by name.
        uid, found = item
        earliest = min(found.due) if found.due else date.max
        overdue, failing, expiring = len(found.overdue), len(found.failing), len(found.expiring)
        return (-overdue, -failing, -expiring, earliest, who_is[uid][0])

    ranked = (
        sorted(flags.items(), key=urgency)
        if attention_limit is None
        else heapq.nsmallest(attention_limit, flags.items(), key=urgency)  # stable, as sorted
    )
    attention = [
        AttentionRow(
            user_id=uid,
            name=who_is[uid][0],
            username=who_is[uid][1],
            team=names.get(found.team, "?"),
            overdue=tuple(sorted(found.overdue)),
            failed_twice=tuple(sorted(found.failing)),
            expiring=tuple(sorted(found.expiring)),
            earliest_due=min(found.due) if found.due else None,
        )
        for uid, found in ranked
    ]
    headline = Headline(
        people=sum(people.values()),
        assigned=sum(t.assigned for t in teams),
        completed=sum(t.completed for t in teams),
        overdue=sum(t.overdue for t in teams),
        expiring=sum(t.expiring for t in teams),
        average_best=average(
            sum(v.score_sum for v in per_team.values()),
            sum(v.score_n for v in per_team.values()),
        ),
    )
    return Overview(
        headline=headline,
        by_module=[
            ModuleStatusCount(module_id=m, status=s, people=n)
            for (m, s), n in sorted(by_module.items())
        ],
        teams=teams,
        team_modules=[
            TeamModule(
                team_id=t,
                module_id=m,
                assigned=n.assigned,
                completed=n.completed,
                overdue=n.overdue,
            )
            for (t, m), n in sorted(team_modules.items())
        ],
        scores=[
            ModuleScore(module_id=m, total=t.score_sum, count=t.score_n)
            for m, t in sorted(scores.items())
            if t.score_n
        ],
        attention=attention,
        attention_count=len(flags),
    )


def organisation_scores(*, actor: User) -> list[ModuleScore]:
    """Return best-score totals per module over everyone, for comparing a team with the whole.

    Any manager may see these: only totals per module leave the database.
    """
    with session_scope(write=False) as session:
        _visible_team_ids(session, actor)  # managers and administrators only
        query = (
            select(
                Progress.module_id, func.sum(Progress.best_score), func.count(Progress.best_score)
            )
            .where(Progress.best_score.is_not(None))
            .group_by(Progress.module_id)
        )
        return [
            ModuleScore(module_id=m, total=float(t or 0.0), count=int(n))
            for m, t, n in session.exec(query).all()
        ]


# --- one row per person and module ---------------------------------------------------------


@dataclass(frozen=True)
class PersonModule:
    """One person's standing on one module: a heatmap cell and a row of the CSV export."""

    user_id: int
    name: str
    username: str
    team: str
    module_id: str
    # The rest, by default: a module the person is neither assigned nor has started.
    status: Status = Status.NOT_STARTED
    assigned: bool = False
    due_date: date | None = None
    best_score: float | None = None
    attempts: int = 0
    passed_at: datetime | None = None
    expires_at: datetime | None = None
    certificate_id: str | None = None


def _person_module(person: tuple, module_id: str, cell) -> PersonModule:
    uid, name, username, team = person
    if cell is None:
        return PersonModule(uid, name, username, team, module_id)
    return PersonModule(
        user_id=uid,
        name=name,
        username=username,
        team=team,
        module_id=module_id,
        status=Status(cell.status),
        assigned=cell.due is not None,
        due_date=_as_date(cell.due),
        best_score=cell.best_score,
        attempts=cell.attempt_count,
        passed_at=clock.aware(cell.passed_at),
        expires_at=clock.aware(cell.expires_at),
        certificate_id=cell.certificate_id,
    )


def person_modules(
    *,
    actor: User,
    team_id: int | None = None,
    module_ids: Sequence[str],
    today: date | None = None,
    user_id: int | None = None,
) -> list[PersonModule]:
    """Return every person of the view times every module in module_ids, by team and name.

    People and modules with no assignment and no progress are filled in as not started. With
    user_id, only that person's rows (they must be in the view).
    """
    scope = resolve_scope(actor=actor, team_id=team_id)
    zone = settings.time_zone()
    today = today or clock.today(zone)
    cells = _cells(scope, module_ids, today, zone)
    who = select(User.id, User.name, User.username, Team.name).join(Team, Team.id == User.team_id)
    who = who.where(scope.condition()).order_by(Team.name, User.name, User.id)
    query = select(*cells.c)
    if user_id is not None:
        who = who.where(User.id == user_id)
        query = query.where(cells.c.user_id == user_id)
    with session_scope(write=False) as session:
        people = session.exec(who).all()
        found = {(row.user_id, row.module_id): row for row in session.exec(query)}
    return [
        _person_module(tuple(person), module_id, found.get((person[0], module_id)))
        for person in people
        for module_id in module_ids
    ]


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class StatusCell:
    """One person's status on one module (for reminders: people with an email address)."""

    user_id: int
    module_id: str
    due: date | None
    status: Status
    expires_at: datetime | None


def mailable_cells(*, today: date) -> list[StatusCell]:
    """Return the status of every module of every active team member who has an email address."""
    cells = _cells(Scope(team_ids=(), whole_org=True), None, today, settings.time_zone())
    query = (
        select(cells.c.user_id, cells.c.module_id, cells.c.due, cells.c.status, cells.c.expires_at)
        .join(User, User.id == cells.c.user_id)
        .where(User.email.is_not(None))
    )
    with session_scope(write=False) as session:
        rows = session.exec(query).all()
    return [StatusCell(u, m, _as_date(d), Status(s), clock.aware(e)) for u, m, d, s, e in rows]


# --- scores and activity --------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreBin:
    """How many best scores fall in [low, low + 10) (the last bin includes 100)."""

    low: int
    count: int


def score_distribution(
    *,
    actor: User,
    team_id: int | None = None,
    module_ids: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[ScoreBin]:
    """Return the histogram of best scores (one per person and module), for people whose
    latest attempt at the module falls in [start, end]."""
    scope = resolve_scope(actor=actor, team_id=team_id)
    score = Progress.best_score
    bucket = case(
        *[(score < low + 10, low) for low in SCORE_BINS[:-1]], else_=SCORE_BINS[-1]
    ).label("low")
    query = (
        select(bucket, func.count())
        .join(User, User.id == Progress.user_id)
        .where(scope.condition(), score.is_not(None), module_filter(Progress.module_id, module_ids))
        .group_by(bucket)
    )
    if start is not None:
        query = query.where(Progress.last_attempt_at >= clock.start_of_day(start))
    if end is not None:
        query = query.where(Progress.last_attempt_at < clock.start_of_day(end + timedelta(days=1)))
    with session_scope(write=False) as session:
        counts = dict(session.exec(query).all())
    return [ScoreBin(low=low, count=int(counts.get(low, 0))) for low in SCORE_BINS]


@dataclass(frozen=True)
class WeekActivity:
    """Quiz activity in one week, Monday to Sunday."""

    week: date
    attempts: int
    passes: int
    average_score: float | None


def weekly_activity(
    *,
    actor: User,
    team_id: int | None = None,
    module_ids: Sequence[str] | None = None,
    start: date,
    end: date,
) -> list[WeekActivity]:
    """Return attempts, passes and average score per week in [start, end], every week listed.

    SQL groups the submitted attempts by day through the (submitted_at, ...) covering index;
    the days are then added up into weeks. The whole organisation counts everyone's attempts.
    """
    scope = resolve_scope(actor=actor, team_id=team_id)
    # The whole organisation: the days that are over from the kept summary (None: read live).
    days = None
    if scope.whole_org:
        days = activity_days.organisation_days(start=start, end=end, module_ids=module_ids)
    with session_scope(write=False) as session:
        day = utc_day(Attempt.submitted_at, session.get_bind().dialect.name).label("day")
        query = (
            select(
                day,
                func.count(),
                func.sum(cast(Attempt.passed, Integer)),
                func.sum(Attempt.score),
            )
            .where(
                Attempt.submitted_at >= clock.start_of_day(start),
                Attempt.submitted_at < clock.start_of_day(end + timedelta(days=1)),
                Attempt.kind == "quiz",
                module_filter(Attempt.module_id, module_ids),
            )
            .group_by(day)
        )
        if not scope.whole_org:
            members = select(User.id).where(scope.condition())
            query = query.where(Attempt.user_id.in_(members))
        if days is None:
            days = session.exec(query).all()
    totals: dict[date, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for value, n, passes, score_sum in days:
        when = _as_date(value)
        week = totals[when - timedelta(days=when.weekday())]
        week[0] += n
        week[1] += passes or 0
        week[2] += score_sum or 0.0
    weeks = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        n, passes, score_sum = totals.get(monday, (0, 0, 0.0))
        weeks.append(
            WeekActivity(
                week=monday,
                attempts=int(n),
                passes=int(passes),
                average_score=score_sum / n if n else None,
            )
        )
        monday += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class CompetencyScore:
    """The average best score on one competency's modules, for the view and the organisation."""

    competency: str
    average: float | None
    organisation: float | None


def competency_profile(
    *,
    scores: Iterable[ModuleScore],
    organisation: Iterable[ModuleScore],
    competency_of: Mapping[str, str],
    competencies: Sequence[str],
) -> list[CompetencyScore]:
    """Combine per-module score totals into one average per competency (listed in order)."""

    def combine(rows: Iterable[ModuleScore]) -> dict[str, float | None]:
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        for row in rows:
            competency = competency_of.get(row.module_id)
            if competency is not None:
                totals[competency][0] += row.total
                totals[competency][1] += row.count
        return {c: (t / n if n else None) for c, (t, n) in totals.items()}

    mine, org = combine(scores), combine(organisation)
    return [
        CompetencyScore(competency=c, average=mine.get(c), organisation=org.get(c))
        for c in competencies
    ]


# --- one person -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptRow:
    """One submitted quiz attempt, for the person drill-down."""

    id: int
    module_id: str
    submitted_at: datetime
    score: float | None
    passed: bool | None


@dataclass(frozen=True)
class PersonDetail:
    """One person's modules, attempts and certificates, for a manager's drill-down."""

    user_id: int
    name: str
    username: str
    team: str | None
    modules: list[PersonModule]
    attempts: list[AttemptRow]


def person_detail(
    *,
    actor: User,
    user_id: int,
    module_ids: Sequence[str],
    today: date | None = None,
    attempt_limit: int = 200,
) -> PersonDetail:
    """Return one person's standing on every module and their latest attempts.

    Raises NotAllowed when the person is not in a team actor may see.
    """
    with session_scope(write=False) as session:
        visible = _visible_team_ids(session, actor)
        person = session.get(User, user_id)
        if (
            person is None
            or person.team_id is None
            or (visible is not None and person.team_id not in visible)
        ):
            raise NotAllowed("That person is not in a team you can see.")
        team = session.get(Team, person.team_id)
        attempts = [
            AttemptRow(
                id=a.id,
                module_id=a.module_id,
                submitted_at=clock.aware(a.submitted_at),
                score=a.score,
                passed=a.passed,
            )
            for a in session.exec(
                select(Attempt)
                .where(
                    Attempt.user_id == user_id,
                    Attempt.kind == "quiz",
                    Attempt.submitted_at.is_not(None),
                )
                .order_by(Attempt.submitted_at.desc())
                .limit(attempt_limit)
            )
        ]
    modules = person_modules(
        actor=actor, team_id=person.team_id, module_ids=module_ids, today=today, user_id=user_id
    )
    return PersonDetail(
        user_id=person.id,
        name=person.name,
        username=person.username,
        team=team.name if team else None,
        modules=modules,
        attempts=attempts,
    )


# --- CSV export -----------------------------------------------------------------------------

CSV_COLUMNS = (
    "Team",
    "Name",
    "Username",
    "Module",
    "Module id",
    "Status",
    "Assigned",
    "Due date",
    "Best score",
    "Attempts",
    "Passed at",
    "Expires at",
    "Certificate",
)


def _csv_time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def rows_to_csv(
    rows: Iterable[PersonModule], *, titles: Mapping[str, str], labels: Mapping[str, str]
) -> bytes:
    """Return the rows as spreadsheet-safe UTF-8 CSV (training/csv_export.py)."""
    return csv_bytes(
        CSV_COLUMNS,
        (
            (
                r.team,
                r.name,
                r.username,
                titles.get(r.module_id, r.module_id),
                r.module_id,
                labels.get(r.status, r.status),
                "yes" if r.assigned else "no",
                r.due_date.isoformat() if r.due_date else "",
                f"{score_value(r.best_score):.1f}" if r.best_score is not None else "",
                r.attempts,
                _csv_time(r.passed_at),
                _csv_time(r.expires_at),
                r.certificate_id or "",
            )
            for r in rows
        ),
    )
