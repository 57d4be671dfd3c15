"""Observations on the floor: drafts, submit, 24-hour corrections, acknowledgement, "does".

A manager (for people of the teams they manage) or an administrator (for anyone) observes a
person against a checklist (`training.checklists`). Every rating is stored the moment it is
given, on a draft row, like quiz answers: a refresh, a lost connection or a closed tab loses
nothing, and `start_or_resume` brings the draft back. `submit` records the observation with the
checklist's content version; the observer may `correct` it for `CORRECTION_HOURS` hours (every
state is kept as an `ObservationRevision`), then it is locked. The person observed reads their
observations and `acknowledge`s each one.

Scoping is the dashboard's: `store.permissions.team_scope` with `Action.OBSERVE` for the
writes, `store.dashboard.resolve_scope` for the Team progress figures, checked here in every
function, so a crafted person or observation id is refused whatever the page shows.

For other features (customer impact): `weekly_does(team_ids, start, end)` gives the share of
items rated consistently per team and week, with the number of observations behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import Date, Float, case, cast, delete, func, literal, null
from sqlmodel import Session, select

from store import config, dashboard
from store.db import session_scope
from store.models import (
    AuditLog,
    Observation,
    ObservationRevision,
    ObservedItem,
    Progress,
    Team,
    User,
)
from store.permissions import Action, PermissionDenied, team_scope
from store.stamped import StampedCache
from training import clock
from training.behaviour import (
    DOING_AT_LEAST,
    HALF_LIFE_DAYS,
    NOT_OBSERVED,
    NOT_SEEN_AT_MOST,
    Does,
    TransferGap,
    does_from_sums,
    transfer_gaps,
    window_start,
)
from training.checklists import Checklist, LoadedChecklist, Rating, ratings_for
from training.csv_export import csv_bytes
from training.models import CUSTOMER_NEEDS

CORRECTION_HOURS = 24
NOTE_MAX = 1000
SEARCH_LIMIT = 30


class ObservationError(ValueError):
    """An observation change that cannot be made; the message says why."""


class NotAllowed(ObservationError):
    """The acting person may not observe or read this person or observation."""


OUT_OF_SCOPE = "You can only observe people in the teams you manage."


@dataclass(frozen=True)
class PersonChoice:
    """Someone the acting person may observe, with when they were last observed."""

    id: int
    name: str
    team: str | None
    last_observed: datetime | None


@dataclass(frozen=True)
class ObservationView:
    """One observation as the pages show it."""

    id: int
    subject_id: int
    subject_name: str
    observer_id: int
    observer_name: str
    checklist_id: str
    content_version: str
    ratings: dict[str, str]
    note: str
    started_at: datetime
    submitted_at: datetime | None
    observed_on: date | None
    revision: int
    acknowledged_at: datetime | None
    correctable_until: datetime | None  # None: a draft, or locked

    @property
    def submitted(self) -> bool:
        """Return True once the observation is submitted."""
        return self.submitted_at is not None


# --- helpers --------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else clock.now()


def _zone() -> tzinfo:
    from store.settings import time_zone  # settings imports accounts; read it when needed

    return time_zone()


def _observe_scope(session: Session, actor: User) -> set[int] | None:
    try:
        return team_scope(session, actor, Action.OBSERVE)
    except PermissionDenied as exc:
        raise NotAllowed(str(exc)) from None


def _subject(session: Session, actor: User, subject_id: int) -> User:
    """Return the person actor may observe, or refuse (crafted, inactive, out of scope)."""
    scope = _observe_scope(session, actor)
    subject = session.get(User, subject_id) if isinstance(subject_id, int) else None
    if subject is None or not subject.active or subject.id == actor.id:
        raise NotAllowed(OUT_OF_SCOPE)
    if scope is not None and subject.team_id not in scope:
        raise NotAllowed(OUT_OF_SCOPE)
    return subject


def _observer_row(session: Session, actor: User, observation_id: int) -> Observation:
    """Return an observation the actor made and may still act on (lock it for the write)."""
    row = session.get(Observation, observation_id, with_for_update=True)
    if row is None or row.observer_id != actor.id:
        raise NotAllowed("That observation is not one of yours.")
    _subject(session, actor, row.subject_id)
    return row


def _draft_row(
    session: Session, actor: User, observation_id: int, checklist: Checklist | None = None
) -> Observation:
    """Return actor's unsubmitted observation (of this checklist, when given), or refuse."""
    row = _observer_row(session, actor, observation_id)
    if row.submitted_at is not None:
        raise ObservationError("This observation is already submitted; correct it instead.")
    if checklist is not None and row.checklist_id != checklist.id:
        raise ObservationError("The draft belongs to another checklist.")
    return row


def _correctable_until(row: Observation, now: datetime) -> datetime | None:
    submitted = clock.aware(row.submitted_at)
    if submitted is None:
        return None
    until = submitted + timedelta(hours=CORRECTION_HOURS)
    return until if now < until else None


def _view(row: Observation, names: Mapping[int, str], now: datetime) -> ObservationView:
    return ObservationView(
        id=row.id,
        subject_id=row.subject_id,
        subject_name=names.get(row.subject_id, ""),
        observer_id=row.observer_id,
        observer_name=names.get(row.observer_id, ""),
        checklist_id=row.checklist_id,
        content_version=row.content_version,
        ratings=dict(row.ratings or {}),
        note=row.note,
        started_at=clock.aware(row.started_at),
        submitted_at=clock.aware(row.submitted_at),
        observed_on=row.observed_on,
        revision=row.revision,
        acknowledged_at=clock.aware(row.acknowledged_at),
        correctable_until=_correctable_until(row, now),
    )


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _clean_rating(checklist: Checklist, item_id: str, rating: str) -> str:
    if checklist.item(item_id) is None:
        raise ObservationError(f"Item {item_id} is not on the checklist {checklist.title}.")
    allowed = {r.value for r in ratings_for(checklist.scale)}
    if rating not in allowed:
        raise ObservationError(f"'{rating}' is not a rating of this checklist.")
    return rating


def _clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ObservationError(
            f"The note is {len(text)} characters long; keep it to {NOTE_MAX} (one thing that "
            "went well, one thing to try next)."
        )
    return text


# --- finding people -------------------------------------------------------------------------


def _last_observed():
    return (
        select(Observation.subject_id, func.max(Observation.submitted_at).label("last"))
        .where(Observation.submitted_at.is_not(None))
        .group_by(Observation.subject_id)
        .subquery()
    )


def find_people(*, actor: User, query: str = "", limit: int = SEARCH_LIMIT) -> list[PersonChoice]:
    """Return the people actor may observe whose name or username contains query.

    Recently observed people come first (the observer's usual round), then the others by name.
    """
    with session_scope(write=False) as session:
        scope = _observe_scope(session, actor)
        last = _last_observed()
        stmt = (
            select(User.id, User.name, Team.name, last.c.last)
            .join(Team, Team.id == User.team_id, isouter=True)
            .join(last, last.c.subject_id == User.id, isouter=True)
            .where(User.active, User.id != actor.id)
        )
        if scope is not None:
            stmt = stmt.where(User.team_id.in_(scope or {-1}))
        text = query.strip().lower()[:100]
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern += "%"
            stmt = stmt.where(
                func.lower(User.name).like(pattern, escape="\\")
                | func.lower(User.username).like(pattern, escape="\\")
            )
        stmt = stmt.order_by(last.c.last.is_(None), last.c.last.desc(), User.name).limit(limit)
        return [
            PersonChoice(id=i, name=n, team=t, last_observed=clock.aware(w))
            for i, n, t, w in session.exec(stmt)
        ]


def person_choice(*, actor: User, person_id: int) -> PersonChoice | None:
    """Return the person if actor may observe them, else None (crafted ids included)."""
    with session_scope(write=False) as session:
        try:
            subject = _subject(session, actor, person_id)
        except NotAllowed:
            return None
        team = session.get(Team, subject.team_id) if subject.team_id else None
        last = session.exec(
            select(func.max(Observation.submitted_at)).where(Observation.subject_id == subject.id)
        ).one()
        return PersonChoice(
            subject.id, subject.name, team.name if team else None, clock.aware(last)
        )


def data_stamp() -> tuple:
    """Return a cheap fingerprint that moves with every submitted or corrected observation."""
    with session_scope(write=False) as session:
        return (session.exec(select(func.max(ObservationRevision.id))).one(),)


# --- drafts, submit, corrections ------------------------------------------------------------


def start_or_resume(
    *, actor: User, subject_id: int, loaded: LoadedChecklist, now: datetime | None = None
) -> ObservationView:
    """Return actor's open draft of this checklist for this person, starting one if none."""
    moment = _now(now)
    with session_scope() as session:
        subject = _subject(session, actor, subject_id)
        row = session.exec(
            select(Observation)
            .where(
                Observation.observer_id == actor.id,
                Observation.subject_id == subject.id,
                Observation.checklist_id == loaded.checklist.id,
                Observation.submitted_at.is_(None),
            )
            .order_by(Observation.id.desc())
        ).first()
        if row is None:
            row = Observation(
                subject_id=subject.id,
                observer_id=actor.id,
                team_id=subject.team_id,
                checklist_id=loaded.checklist.id,
                content_version=loaded.version,
                ratings={},
                started_at=moment,
            )
        elif row.content_version != loaded.version:
            # The checklist was edited since: keep the ratings of the items it still has.
            kept = {
                k: v for k, v in (row.ratings or {}).items() if loaded.checklist.item(k) is not None
            }
            row.ratings = kept
            row.content_version = loaded.version
        session.add(row)
        session.flush()
        return _view(row, _names(session, (row.subject_id, row.observer_id)), moment)


def open_drafts(*, actor: User) -> list[ObservationView]:
    """Return the observations actor started and has not submitted, newest first."""
    moment = clock.now()
    with session_scope(write=False) as session:
        rows = session.exec(
            select(Observation)
            .where(Observation.observer_id == actor.id, Observation.submitted_at.is_(None))
            .order_by(Observation.started_at.desc())
        ).all()
        names = _names(session, {r.subject_id for r in rows} | {actor.id})
        return [_view(r, names, moment) for r in rows]


def correctable(*, actor: User, now: datetime | None = None) -> list[ObservationView]:
    """Return actor's submitted observations still inside the correction window, newest first."""
    moment = _now(now)
    since = moment - timedelta(hours=CORRECTION_HOURS)
    with session_scope(write=False) as session:
        rows = session.exec(
            select(Observation)
            .where(Observation.observer_id == actor.id, Observation.submitted_at > since)
            .order_by(Observation.submitted_at.desc())
        ).all()
        names = _names(session, {r.subject_id for r in rows} | {actor.id})
        views = [_view(r, names, moment) for r in rows]
    return [v for v in views if v.correctable_until is not None]


def save_rating(
    *, actor: User, observation_id: int, checklist: Checklist, item_id: str, rating: str
) -> None:
    """Store one rating on a draft as soon as it is given."""
    clean = _clean_rating(checklist, item_id, rating)
    with session_scope() as session:
        row = _draft_row(session, actor, observation_id, checklist)
        ratings = dict(row.ratings or {})
        ratings[item_id] = clean
        row.ratings = ratings  # a new dict, so the JSON column is written
        session.add(row)


def save_note(*, actor: User, observation_id: int, note: str) -> None:
    """Store the coaching note on a draft as it is typed."""
    clean = _clean_note(note)
    with session_scope() as session:
        row = _draft_row(session, actor, observation_id)
        row.note = clean
        session.add(row)


def discard_draft(*, actor: User, observation_id: int) -> None:
    """Delete one of actor's drafts (a submitted observation is never deleted)."""
    with session_scope() as session:
        session.delete(_draft_row(session, actor, observation_id))


def _record(
    session: Session,
    row: Observation,
    checklist: Checklist,
    ratings: Mapping[str, str],
    actor: User,
    moment: datetime,
) -> None:
    """Write the observation's items and a revision for its current ratings and note."""
    rated = {k: v for k, v in ratings.items() if v != Rating.not_applicable.value}
    if not rated:
        raise ObservationError("Rate at least one behaviour before submitting.")
    full = {item.id: ratings.get(item.id, Rating.not_applicable.value) for item in checklist.items}
    row.ratings = full
    row.revision += 1
    session.add(row)
    session.flush()
    session.exec(delete(ObservedItem).where(ObservedItem.observation_id == row.id))
    for item in checklist.items:
        value = rated.get(item.id)
        if value is None:
            continue
        session.add(
            ObservedItem(
                observation_id=row.id,
                subject_id=row.subject_id,
                team_id=row.team_id,
                item_id=item.id,
                need=str(item.need),
                rating=value,
                consistent=value == Rating.consistently.value,
                observed_on=row.observed_on,
            )
        )
    session.add(
        ObservationRevision(
            observation_id=row.id,
            revision=row.revision,
            ratings=full,
            note=row.note,
            saved_by=actor.id,
            saved_at=moment,
        )
    )


def submit(
    *,
    actor: User,
    observation_id: int,
    checklist: Checklist,
    note: str | None = None,
    now: datetime | None = None,
) -> ObservationView:
    """Record a draft: every rating, the note, the date and time; it can be corrected 24 h."""
    moment = _now(now)
    clean = _clean_note(note) if note is not None else None
    zone = _zone()
    with session_scope() as session:
        row = _draft_row(session, actor, observation_id, checklist)
        ratings = {
            k: _clean_rating(checklist, k, v)
            for k, v in (row.ratings or {}).items()
            if checklist.item(k) is not None
        }
        if clean is not None:
            row.note = clean
        row.submitted_at = moment
        row.observed_on = clock.day_of(moment, zone)
        _record(session, row, checklist, ratings, actor, moment)
        return _view(row, _names(session, (row.subject_id, row.observer_id)), moment)


def correct(
    *,
    actor: User,
    observation_id: int,
    checklist: Checklist,
    ratings: Mapping[str, str],
    note: str,
    now: datetime | None = None,
) -> ObservationView:
    """Replace a submitted observation's ratings and note within 24 hours (kept as a revision)."""
    moment = _now(now)
    clean_note = _clean_note(note)
    with session_scope() as session:
        row = _observer_row(session, actor, observation_id)
        if row.submitted_at is None:
            raise ObservationError("This observation is still a draft; submit it first.")
        if _correctable_until(row, moment) is None:
            raise ObservationError(
                f"Observations can be corrected for {CORRECTION_HOURS} hours after they are "
                "submitted; this one is locked."
            )
        if row.checklist_id != checklist.id:
            raise ObservationError("The observation belongs to another checklist.")
        clean = {k: _clean_rating(checklist, k, v) for k, v in ratings.items()}
        row.note = clean_note
        _record(session, row, checklist, clean, actor, moment)
        return _view(row, _names(session, (row.subject_id, row.observer_id)), moment)


@dataclass(frozen=True)
class RevisionView:
    """One recorded state of an observation."""

    revision: int
    ratings: dict[str, str]
    note: str
    saved_at: datetime


def revisions(*, actor: User, observation_id: int) -> list[RevisionView]:
    """Return every recorded state of an observation actor may read, oldest first."""
    with session_scope(write=False) as session:
        row = session.get(Observation, observation_id)
        if row is None:
            raise NotAllowed("There is no such observation.")
        _readable(session, actor, row.subject_id)
        return [
            RevisionView(r.revision, dict(r.ratings), r.note, clock.aware(r.saved_at))
            for r in session.exec(
                select(ObservationRevision)
                .where(ObservationRevision.observation_id == observation_id)
                .order_by(ObservationRevision.revision)
            )
        ]


# --- reading and acknowledging --------------------------------------------------------------


def _readable(session: Session, actor: User, person_id: int) -> None:
    """Refuse unless actor is the person, or may observe them."""
    if actor.id == person_id:
        return
    _subject(session, actor, person_id)


def observations_of(
    *, actor: User, person_id: int, now: datetime | None = None
) -> list[ObservationView]:
    """Return a person's submitted observations, newest first (the person, or their manager)."""
    moment = _now(now)
    with session_scope(write=False) as session:
        _readable(session, actor, person_id)
        rows = session.exec(
            select(Observation)
            .where(Observation.subject_id == person_id, Observation.submitted_at.is_not(None))
            .order_by(Observation.submitted_at.desc())
        ).all()
        names = _names(session, {person_id} | {r.observer_id for r in rows})
        return [_view(r, names, moment) for r in rows]


def observation(*, actor: User, observation_id: int) -> ObservationView:
    """Return one observation actor may read (its person, or someone who may observe them)."""
    with session_scope(write=False) as session:
        row = session.get(Observation, observation_id) if isinstance(observation_id, int) else None
        if row is None:
            raise NotAllowed("There is no such observation.")
        if row.submitted_at is None and row.observer_id != actor.id:
            raise NotAllowed("There is no such observation.")
        _readable(session, actor, row.subject_id)
        return _view(row, _names(session, (row.subject_id, row.observer_id)), clock.now())


def acknowledge(*, user_id: int, observation_id: int, now: datetime | None = None) -> datetime:
    """Record that the person observed has read the observation; return when (first time)."""
    moment = _now(now)
    with session_scope() as session:
        row = session.get(Observation, observation_id, with_for_update=True)
        if row is None or row.subject_id != user_id or row.submitted_at is None:
            raise NotAllowed("That observation is not about you.")
        if row.acknowledged_at is None:
            row.acknowledged_at = moment
            session.add(row)
        return clock.aware(row.acknowledged_at)


# --- knows and does -------------------------------------------------------------------------


def _weight(session: Session, today: date):
    """Return SQL for the weight of an item observed on observed_on, seen from today:
    training.behaviour.weight, 0.5 ** (age / HALF_LIFE_DAYS) (tests hold the two equal)."""
    if session.get_bind().dialect.name == "sqlite":  # dates are ISO text there
        age = func.julianday(literal(today.isoformat())) - func.julianday(ObservedItem.observed_on)
    else:
        age = cast(literal(today, Date) - ObservedItem.observed_on, Float)
    return func.power(0.5, age / HALF_LIFE_DAYS)


def _does_of(session: Session, conditions, keys: Sequence, today: date) -> dict:
    """Return the does figure per key (a need, or a (person, need) pair) of the rated items
    in today's window that meet conditions, weighted and summed in SQL.

    A whole organisation's items make tens of thousands of (person, need, day) groups; summed
    here they come back as one row per key."""
    w = _weight(session, today)
    stmt = (
        select(
            *keys,
            func.sum(w),
            func.sum(case((ObservedItem.consistent, w), else_=0.0)),
            func.count(func.distinct(ObservedItem.observation_id)),
        )
        .join(User, User.id == ObservedItem.subject_id)
        .where(
            ObservedItem.observed_on >= window_start(today),
            ObservedItem.observed_on <= today,
            *conditions,
        )
        .group_by(*keys)
    )
    return {
        key[0] if len(key) == 1 else tuple(key): does_from_sums(total or 0.0, hit or 0.0, n)
        for *key, total, hit, n in session.connection().execute(stmt).all()
    }


def person_does(*, actor: User, person_id: int, today: date) -> dict[str, Does]:
    """Return "does" per need for one person (the person, or someone who may observe them)."""
    with session_scope(write=False) as session:
        _readable(session, actor, person_id)
        return _does_of(session, [ObservedItem.subject_id == person_id], [ObservedItem.need], today)


def view_does(
    *, actor: User, team_id: int | None, today: date
) -> tuple[dict[str, Does], dict[str, Does]]:
    """Return "does" per need for a Team progress view and for the whole organisation.

    The view is scoped like the dashboard (`store.dashboard.resolve_scope`): one team, or every
    team actor may see; people are counted by the team they are in now.
    """
    scope = dashboard.resolve_scope(actor=actor, team_id=team_id)
    org = organisation_does(today)
    if scope.whole_org:
        return org, org
    with session_scope(write=False) as session:
        mine = _does_of(session, [scope.condition()], [ObservedItem.need], today)
    return mine, org


_ORGANISATION = StampedCache(16)


def organisation_does(today: date) -> dict[str, Does]:
    """Return "does" per need over the whole organisation (only totals per need: any manager
    may compare with them), kept per process until an observation is submitted or corrected,
    or people, roles or teams change (the audited changes of `dashboard.data_stamp`)."""
    with session_scope(write=False) as session:
        changed = session.exec(
            select(AuditLog.id)
            .where(AuditLog.action.not_in(dashboard.NOT_CHANGES))
            .order_by(AuditLog.id.desc())
            .limit(1)
        ).first()
    key = (config.database_url(), today, data_stamp(), changed)
    found = _ORGANISATION.get(key)
    if found is None:
        everyone = dashboard.Scope(team_ids=(), whole_org=True)
        with session_scope(write=False) as session:
            found = _does_of(session, [everyone.condition()], [ObservedItem.need], today)
        _ORGANISATION.put(key, found)
    return dict(found)


@dataclass(frozen=True)
class NotObserved:
    """Someone in the view with no observation for the organisation's number of days."""

    person_id: int
    name: str
    team: str | None
    last_observed: datetime | None  # None: never


def not_observed(*, actor: User, team_id: int | None, today: date, days: int) -> list[NotObserved]:
    """Return the people of the view last observed more than days ago (never first)."""
    scope = dashboard.resolve_scope(actor=actor, team_id=team_id)
    rows = scope_not_observed(scope, today=today, days=days)
    return [row for row in rows if row.person_id != actor.id]  # nobody observes themselves


def scope_not_observed(scope: dashboard.Scope, *, today: date, days: int) -> list[NotObserved]:
    """Return everyone of a scope last observed more than days ago (never first); no
    permission check: the caller has made it (`not_observed` does, so does the digest)."""
    cutoff = datetime.combine(today - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    with session_scope(write=False) as session:
        last = _last_observed()
        stmt = (
            select(User.id, User.name, Team.name, last.c.last)
            .join(Team, Team.id == User.team_id, isouter=True)
            .join(last, last.c.subject_id == User.id, isouter=True)
            .where(scope.condition(), (last.c.last.is_(None)) | (last.c.last < cutoff))
            .order_by(last.c.last.is_not(None), last.c.last, User.name)
        )
        return [NotObserved(i, n, t, clock.aware(w)) for i, n, t, w in session.exec(stmt)]


@dataclass(frozen=True)
class TransferRow:
    """One person and need where what they know and what they do disagree."""

    person_id: int
    name: str
    team: str | None
    need: str
    knows: bool
    does: Does


def transfer(
    *, actor: User, team_id: int | None, today: date, competency_of: Mapping[str, str]
) -> tuple[list[TransferRow], list[TransferRow]]:
    """Return (passed the module but not seen doing it, doing it without the module) rows.

    competency_of maps module ids to needs; a pass counts while it has not expired.
    """
    scope = dashboard.resolve_scope(actor=actor, team_id=team_id)
    moment = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    with session_scope(write=False) as session:
        does_of = _does_of(
            session, [scope.condition()], [ObservedItem.subject_id, ObservedItem.need], today
        )
        people = {p for p, _ in does_of}
        passed: set[tuple[int, str]] = set()
        if people:  # the view's passes, through the scope's join (no IN list of thousands)
            for user_id, module_id in session.connection().execute(
                select(Progress.user_id, Progress.module_id)
                .join(User, User.id == Progress.user_id)
                .where(
                    scope.condition(),
                    Progress.passed_at.is_not(None),
                    (Progress.expires_at.is_(None)) | (Progress.expires_at > moment),
                )
            ):
                need = competency_of.get(module_id)
                if need is not None and user_id in people:
                    passed.add((user_id, need))
        not_transferred, untaught = transfer_gaps(passed, does_of)
        named = {g.person_id for g in not_transferred + untaught}
        info = {
            i: (n, t)
            for i, n, t in session.connection().execute(
                select(User.id, User.name, Team.name)
                .join(Team, Team.id == User.team_id, isouter=True)
                .where(User.id.in_(named or {-1}))
            )
        }

    def rows_of(gaps: list[TransferGap]) -> list[TransferRow]:
        return [
            TransferRow(g.person_id, *info.get(g.person_id, ("", None)), g.need, g.knows, g.does)
            for g in gaps
        ]

    return rows_of(not_transferred), rows_of(untaught)


@dataclass(frozen=True)
class TeamGaps:
    """One team's count of people and needs in each list of `transfer` (organisation scale)."""

    team: str
    not_transferred: int
    untaught: int


def transfer_counts(
    *, actor: User, team_id: int | None, today: date, competency_of: Mapping[str, str]
) -> list[TeamGaps]:
    """Return per team of the view how many rows each of `transfer`'s lists has, by team name.

    The same figures as counting transfer()'s rows (tests hold the two equal), worked out in the
    database: an organisation has tens of thousands of (person, need) pairs, and its page shows
    these counts, not the lists. The rule is training.behaviour.transfer_gaps': a pass of the
    need's module and a share of at most NOT_SEEN_AT_MOST, or no pass and at least DOING_AT_LEAST.
    """
    scope = dashboard.resolve_scope(actor=actor, team_id=team_id)
    moment = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    with session_scope(write=False) as session:
        w = _weight(session, today)
        does = (
            select(
                ObservedItem.subject_id.label("person"),
                ObservedItem.need.label("need"),
                User.team_id.label("team_id"),
                (func.sum(case((ObservedItem.consistent, w), else_=0.0)) / func.sum(w)).label(
                    "share"
                ),
            )
            .join(User, User.id == ObservedItem.subject_id)
            .where(
                ObservedItem.observed_on >= window_start(today),
                ObservedItem.observed_on <= today,
                scope.condition(),
            )
            .group_by(ObservedItem.subject_id, ObservedItem.need, User.team_id)
            .subquery()
        )
        # No modules: no pass counts (an empty CASE is no SQL).
        need = case(dict(competency_of), value=Progress.module_id) if competency_of else null()
        live = (
            Progress.passed_at.is_not(None),
            (Progress.expires_at.is_(None)) | (Progress.expires_at > moment),
        )
        if session.get_bind().dialect.name == "sqlite":
            # SQLite: a live pass looked up per (person, need) row through progress's
            # (user_id, module_id) index, once per row in a materialised CTE (inlined, each
            # sum would look it up again): 451 -> 350 ms at 5,000 staff against the join below.
            knows = (
                select(Progress.user_id)
                .where(Progress.user_id == does.c.person, need == does.c.need, *live)
                .exists()
            )
            rows = (
                select(does.c.team_id, does.c.share, knows.label("knows"))
                .cte("rows")
                .prefix_with("MATERIALIZED")
            )
        else:
            # PostgreSQL: the distinct (person, need) passes of the view, hash-joined; the
            # lookup per row above takes 2.2 s here at 20,000 staff, this 1.3 s.
            passed = (
                select(Progress.user_id.label("person"), need.label("need"))
                .join(User, User.id == Progress.user_id)
                .where(
                    scope.condition(), *live, Progress.module_id.in_(list(competency_of) or [""])
                )
                .distinct()
                .subquery()
            )
            rows = (
                select(
                    does.c.team_id,
                    does.c.share,
                    passed.c.person.is_not(None).label("knows"),
                )
                .select_from(does)
                .join(
                    passed,
                    (passed.c.person == does.c.person) & (passed.c.need == does.c.need),
                    isouter=True,
                )
                .subquery()
            )
        stmt = (
            select(
                Team.name,
                func.sum(case((rows.c.knows & (rows.c.share <= NOT_SEEN_AT_MOST), 1), else_=0)),
                func.sum(case((~rows.c.knows & (rows.c.share >= DOING_AT_LEAST), 1), else_=0)),
            )
            .select_from(rows)
            .join(Team, Team.id == rows.c.team_id)
            .group_by(Team.name)
            .order_by(Team.name)
        )
        return [TeamGaps(t, int(a or 0), int(b or 0)) for t, a, b in session.execute(stmt)]


def floor_csv(
    *,
    view: Mapping[str, Does],
    not_transferred: Sequence[TransferRow],
    untaught: Sequence[TransferRow],
    labels: Mapping[str, str],
    not_observed: Sequence[NotObserved] = (),
) -> bytes:
    """Return the "On the floor" figures as formula-safe CSV: the view per need, then the gaps,
    then the people not observed lately (their last observation's date, or "never")."""
    header = ["Section", "Person", "Team", "Need", "Passed module", "Does (%)", "Observations"]
    rows: list[list[object]] = []
    for need in CUSTOMER_NEEDS:
        value = view.get(need, NOT_OBSERVED)
        share = None if value.share is None else round(value.share * 100, 1)
        rows.append(["This view", "", "", labels.get(need, need), "", share, value.observations])
    for section, group in (
        ("Did not transfer", not_transferred),
        ("Does without module", untaught),
    ):
        for r in group:
            rows.append(
                [
                    section,
                    r.name,
                    r.team or "",
                    labels.get(r.need, r.need),
                    "yes" if r.knows else "no",
                    round((r.does.share or 0) * 100, 1),
                    r.does.observations,
                ]
            )
    for m in not_observed:
        since = (
            f"Not observed since {m.last_observed.date()}" if m.last_observed else "Never observed"
        )
        rows.append([since, m.name, m.team or "", "", "", "", ""])
    return csv_bytes(header, rows)


@dataclass(frozen=True)
class WeekDoes:
    """One team's week: the share of rated items rated consistently, and the observations."""

    team_id: int
    week: date  # the Monday
    share: float | None  # None: nothing observed that week
    observations: int


def weekly_does(team_ids: Iterable[int], start: date, end: date) -> list[WeekDoes]:
    """Return per team and ISO week (Monday) from start to end the unweighted does-share.

    Observations count for the team the person was in when observed. Every week of the range
    is listed for every team, with share None and 0 observations where nothing was observed.
    The caller scopes team_ids (this reads no acting person).
    """
    teams = sorted(set(team_ids))
    first = start - timedelta(days=start.weekday())
    totals: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    if teams:
        with session_scope(write=False) as session:
            stmt = (
                select(
                    ObservedItem.team_id,
                    ObservedItem.observed_on,
                    func.count(),
                    func.sum(case((ObservedItem.consistent, 1), else_=0)),
                    func.count(func.distinct(ObservedItem.observation_id)),
                )
                .where(
                    ObservedItem.team_id.in_(teams),
                    ObservedItem.observed_on >= first,
                    ObservedItem.observed_on <= end,
                )
                .group_by(ObservedItem.team_id, ObservedItem.observed_on)
            )
            for team, day, rated, hit, n in session.exec(stmt):
                monday = day - timedelta(days=day.weekday())
                bucket = totals[(team, monday)]
                bucket[0] += int(rated)
                bucket[1] += int(hit or 0)
                bucket[2] += int(n)
    weeks = []
    monday = first
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    out = []
    for team in teams:
        for week in weeks:
            rated, hit, n = totals.get((team, week), (0, 0, 0))
            out.append(WeekDoes(team, week, hit / rated if rated else None, n))
    return out
