"""Assignments, quiz attempts that never lose an answer, grading on submit, and progress rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, case, or_, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from store import config, fsrs_cards, permissions, settings
from store.accounts import _audit, now_utc
from store.db import reading, session_scope
from store.models import (
    Answer,
    Assignment,
    Attempt,
    Certificate,
    ContentRevision,
    Progress,
    Team,
    User,
)
from training import clock, quiz
from training.certificate import Standing, certificate_id_candidates
from training.certificate import standing as certificate_standing
from training.loader import LoadedModule, load_module_text
from training.models import Module
from training.practice import Review
from training.progress import ModuleProgress, after_attempt
from training.status import Status, decide_status, due_for_member

REFRESHER_MODULE = "_refresher"


class LearningError(ValueError):
    """A training action that cannot be carried out; the message says why."""


class NotAllowed(LearningError):
    """The acting person may not do this (wrong role or another team)."""


# --- content versions ------------------------------------------------------------------


def ensure_revision(
    *, module_id: str, version: str, text: str, saved_by: int | None = None
) -> None:
    """Record a module's text under its version once, so attempts can be graded against it."""
    key = (config.database_url(), module_id, version)
    if key in _RECORDED_VERSIONS:
        return
    with session_scope(write=False) as session:
        exists = session.exec(
            select(ContentRevision.id).where(
                ContentRevision.module_id == module_id, ContentRevision.version == version
            )
        ).first()
    if exists is None:
        with session_scope() as session:
            again = session.exec(
                select(ContentRevision.id).where(
                    ContentRevision.module_id == module_id, ContentRevision.version == version
                )
            ).first()
            if again is None:
                session.add(
                    ContentRevision(
                        module_id=module_id,
                        version=version,
                        text=text,
                        saved_by=saved_by,
                        saved_at=now_utc(),
                    )
                )
    _RECORDED_VERSIONS.add(key)


# (database, module, version) already known to have a revision row: saves a query per start.
_RECORDED_VERSIONS: set[tuple[str, str, str]] = set()


def module_for_version(
    *,
    module_id: str,
    version: str,
    current: LoadedModule | None = None,
    session: Session | None = None,
) -> Module | None:
    """Return the module as it was at version (the current one when it matches)."""
    if current is not None and current.version == version:
        return current.module
    with reading(session) as session:
        text = session.exec(
            select(ContentRevision.text).where(
                ContentRevision.module_id == module_id, ContentRevision.version == version
            )
        ).first()
    if text is None:
        return None
    module, _problems = load_module_text(text, f"{module_id}.yaml")
    return module


# --- attempts --------------------------------------------------------------------------


def _user_attempts(session: Session, user_id: int, module_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.user_id == user_id, Attempt.module_id == module_id, Attempt.kind == "quiz")
    ).one()


def attempts_used(*, user_id: int, module_id: str, session: Session | None = None) -> int:
    """Return how many quiz attempts this person has started on a module."""
    with reading(session) as session:
        return _user_attempts(session, user_id, module_id)


# Built once with bound parameters: read on every rerun of a quiz question, and building the
# statement cost more CPU than running it. "Not submitted" is written as a CASE so that no
# index on submitted_at can serve it: after ANALYZE, SQLite's statistics give that index one
# row per value, so it searched by it and read every open attempt in the organisation (every
# NULL) on each rerun, where the person's attempts at the module are a handful.
_OPEN_ATTEMPT = (
    select(Attempt)
    .where(
        Attempt.user_id == bindparam("user_id"),
        Attempt.module_id == bindparam("module_id"),
        Attempt.kind == "quiz",
        case((Attempt.submitted_at.is_(None), True), else_=False),
    )
    .order_by(Attempt.id.desc())
)


def open_attempt(*, user_id: int, module_id: str, session: Session | None = None) -> Attempt | None:
    """Return the person's unsubmitted attempt at a module, if any."""
    with reading(session) as session:
        params = {"user_id": user_id, "module_id": module_id}
        return session.exec(_OPEN_ATTEMPT, params=params).first()


def start_attempt(*, user_id: int, loaded: LoadedModule, seed: int | None = None) -> Attempt:
    """Resume the open attempt, or draw a new one (enforcing max_attempts on the server)."""
    existing = open_attempt(user_id=user_id, module_id=loaded.module.id)
    if existing is not None:
        return existing
    ensure_revision(module_id=loaded.module.id, version=loaded.version, text=loaded.text)
    seed = quiz.new_seed() if seed is None else seed
    drawn = quiz.draw_questions(loaded.module, seed)
    with session_scope() as session:
        # Lock the person's progress row first, then look again: two starts at the same moment
        # (two tabs) cannot both create an attempt or slip past max_attempts.
        _touch_progress(session, user_id, loaded.module.id)
        existing = session.exec(
            select(Attempt).where(
                Attempt.user_id == user_id,
                Attempt.module_id == loaded.module.id,
                Attempt.kind == "quiz",
                Attempt.submitted_at.is_(None),
            )
        ).first()
        if existing is not None:
            return existing
        used = _user_attempts(session, user_id, loaded.module.id)
        try:
            quiz.ensure_can_start(loaded.module.quiz.max_attempts, used)
        except quiz.AttemptLimitReached as exc:
            raise LearningError(
                f"You have used all {loaded.module.quiz.max_attempts} attempts at this quiz."
            ) from exc
        attempt = Attempt(
            user_id=user_id,
            module_id=loaded.module.id,
            content_version=loaded.version,
            kind="quiz",
            seed=seed,
            drawn=quiz.drawn_to_json(drawn),
            draft_answers={},
            position=0,
            started_at=now_utc(),
        )
        session.add(attempt)
        session.flush()
        return attempt


def _own_open_attempt(session: Session, attempt_id: int, user_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id, with_for_update=True)
    if attempt is None or attempt.user_id != user_id:
        raise NotAllowed("That attempt does not belong to you.")
    if attempt.submitted_at is not None:
        raise LearningError("This attempt is already submitted.")
    return attempt


def save_answer(
    *,
    attempt_id: int,
    user_id: int,
    module: Module,
    question_id: str,
    answer: list[int],
    position: int | None = None,
) -> Attempt:
    """Store one answer on the attempt as soon as it is given (a draft until submit)."""
    question = module.question(question_id)
    if question is None:
        raise LearningError(f"Question {question_id} is not part of this quiz.")
    clean = quiz.validate_answer(question, answer) if answer else []
    with session_scope() as session:
        attempt = _own_open_attempt(session, attempt_id, user_id)
        if question_id not in {d["question_id"] for d in attempt.drawn}:
            raise LearningError(f"Question {question_id} was not drawn in this attempt.")
        drafts = dict(attempt.draft_answers or {})
        drafts[question_id] = clean
        attempt.draft_answers = drafts  # a new dict, so the JSON column is written
        if position is not None:
            attempt.position = max(0, position)
        session.add(attempt)
        return attempt


def save_position(*, attempt_id: int, user_id: int, position: int) -> None:
    """Remember which question the learner is on."""
    with session_scope() as session:
        attempt = _own_open_attempt(session, attempt_id, user_id)
        attempt.position = max(0, position)
        session.add(attempt)


@dataclass(frozen=True)
class SubmitResult:
    """The graded outcome of an attempt."""

    attempt: Attempt
    grade: quiz.Grade
    first_submit: bool


def submit_attempt(*, attempt_id: int, user_id: int, module: Module) -> SubmitResult:
    """Grade and record an attempt in one transaction; a second submit returns the first result."""
    now = now_utc()
    with session_scope() as session:
        # The conditional UPDATE is the guard against double submits: only one wins.
        won = session.exec(
            update(Attempt)
            .where(
                Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.submitted_at.is_(None)
            )
            .values(submitted_at=now)
        ).rowcount
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.user_id != user_id:
            raise NotAllowed("That attempt does not belong to you.")
        if not won:
            session.rollback()
            return _recorded_result(attempt_id, module)
        drawn = quiz.drawn_from_json(attempt.drawn)
        grade = quiz.grade(module, drawn, attempt.draft_answers or {})
        session.exec(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(score=grade.score, passed=grade.passed)
        )
        for result in grade.results:
            session.add(
                Answer(
                    attempt_id=attempt_id,
                    question_id=result.question_id,
                    chosen=list(result.chosen),
                    correct=result.correct,
                    marks=float(result.marks),
                    max_marks=float(result.max_marks),
                )
            )
        _record_progress(session, user_id, module, attempt_id, grade, now)
        fsrs_cards.record(
            session,
            user_id,
            [Review(module.id, r.question_id, now, r.correct) for r in grade.results],
        )
    with session_scope(write=False) as session:
        attempt = session.get(Attempt, attempt_id)
    return SubmitResult(attempt=attempt, grade=grade, first_submit=True)


def recorded_result(
    *, attempt_id: int, user_id: int, module: Module, session: Session | None = None
) -> SubmitResult | None:
    """Return the graded result of one of the person's submitted attempts, or None."""
    row = attempt(attempt_id=attempt_id, user_id=user_id, session=session)
    if row is None or row.submitted_at is None or row.kind != "quiz":
        return None
    return _recorded_result(attempt_id, module, session)


def _recorded_result(
    attempt_id: int, module: Module, session: Session | None = None
) -> SubmitResult:
    with reading(session) as session:
        attempt = session.get(Attempt, attempt_id)
        answers = {
            a.question_id: list(a.chosen)
            for a in session.exec(select(Answer).where(Answer.attempt_id == attempt_id))
        }
    grade = quiz.grade(module, quiz.drawn_from_json(attempt.drawn), answers)
    return SubmitResult(attempt=attempt, grade=grade, first_submit=False)


def _touch_progress(session: Session, user_id: int, module_id: str) -> Progress:
    """Return the person's progress row for a module, created if missing, locked for update."""
    # INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE: two first touches at the
    # same moment (two tabs) can no longer both insert and trip the unique constraint.
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.exec(
            insert(Progress)
            .values(user_id=user_id, module_id=module_id, attempt_count=0, lesson_position=0)
            .on_conflict_do_nothing(index_elements=["user_id", "module_id"])
        )
    row = session.exec(
        select(Progress)
        .where(Progress.user_id == user_id, Progress.module_id == module_id)
        .with_for_update()
    ).first()
    if row is None:
        row = Progress(user_id=user_id, module_id=module_id)
        session.add(row)
        session.flush()
    return row


def _record_progress(
    session: Session,
    user_id: int,
    module: Module,
    attempt_id: int,
    grade: quiz.Grade,
    now: datetime,
) -> None:
    row = _touch_progress(session, user_id, module.id)
    fields = ModuleProgress.__slots__  # the progress row's columns that the rule keeps
    new = after_attempt(
        ModuleProgress(**{name: getattr(row, name) for name in fields}),
        score=grade.score,
        passed=grade.passed,
        submitted_at=now,
        valid_for_days=module.valid_for_days,
    )
    for name in fields:
        setattr(row, name, getattr(new, name))
    if grade.passed:
        # A new certificate for this pass, with this attempt's score and dates; earlier ones
        # stay in the certificate table and keep verifying (as superseded).
        row.certificate_id = _new_certificate_id(session, user_id, module.id, now, attempt_id)
        session.add(
            Certificate(
                certificate_id=row.certificate_id,
                user_id=user_id,
                module_id=module.id,
                attempt_id=attempt_id,
                score=grade.score,
                passed_at=now,
                expires_at=row.expires_at,
            )
        )
    session.add(row)


def _new_certificate_id(
    session: Session, user_id: int, module_id: str, now: datetime, attempt_id: int
) -> str:
    """Return the id for this pass, never one already issued (even many passes in a second)."""
    for candidate in certificate_id_candidates(user_id, module_id, now, attempt_id):
        taken = session.exec(
            select(Certificate.id).where(Certificate.certificate_id == candidate)
        ).first()
        if taken is None:
            return candidate
    raise LearningError("Could not issue a certificate id; submit again in a minute.")


# --- attempts on deleted modules -------------------------------------------------------

# An open quiz attempt whose module was deleted is closed with this kind: every quiz query
# filters kind == "quiz", so it counts nowhere (no attempt used, no score), and the learner is
# told it was withdrawn. Its submitted_at holds when it was closed.
WITHDRAWN_KIND = "withdrawn"


@dataclass(frozen=True)
class WithdrawnAttempt:
    """A quiz attempt closed unfinished because its module was deleted."""

    module_id: str
    content_version: str
    started_at: datetime
    closed_at: datetime


def withdraw_open_attempts(*, module_id: str) -> int:
    """Close every open quiz attempt at a deleted module as withdrawn; return how many."""
    with session_scope() as session:
        closed = session.exec(
            update(Attempt)
            .where(
                Attempt.module_id == module_id,
                Attempt.kind == "quiz",
                Attempt.submitted_at.is_(None),
            )
            .values(kind=WITHDRAWN_KIND, submitted_at=now_utc())
        ).rowcount
        if closed:
            _audit(
                session,
                "attempts_withdrawn",
                actor_id=None,
                target=module_id,
                detail=f"{closed} open attempt(s) closed: the module was deleted",
            )
        return closed


def withdrawn_attempts(*, user_id: int, since: datetime) -> list[WithdrawnAttempt]:
    """Return the person's attempts withdrawn since a moment, newest first."""
    with session_scope(write=False) as session:
        rows = session.exec(
            select(Attempt)
            .where(
                Attempt.user_id == user_id,
                Attempt.kind == WITHDRAWN_KIND,
                Attempt.submitted_at >= since,
            )
            .order_by(Attempt.submitted_at.desc())
        ).all()
    return [
        WithdrawnAttempt(r.module_id, r.content_version, r.started_at, r.submitted_at) for r in rows
    ]


def attempt(*, attempt_id: int, user_id: int, session: Session | None = None) -> Attempt | None:
    """Return one of the person's attempts."""
    with reading(session) as session:
        row = session.get(Attempt, attempt_id)
        return row if row is not None and row.user_id == user_id else None


def history(
    *,
    user_id: int,
    module_id: str | None = None,
    limit: int | None = None,
    session: Session | None = None,
) -> list[Attempt]:
    """Return the person's submitted quiz attempts (optionally of one module), newest first."""
    query = select(Attempt).where(
        Attempt.user_id == user_id, Attempt.kind == "quiz", Attempt.submitted_at.is_not(None)
    )
    if module_id is not None:
        query = query.where(Attempt.module_id == module_id)
    query = query.order_by(Attempt.submitted_at.desc()).limit(limit)
    with reading(session) as session:
        return list(session.exec(query))


def progress_rows(*, user_id: int, session: Session | None = None) -> dict[str, Progress]:
    """Return the person's progress rows keyed by module id."""
    with reading(session) as session:
        return {
            p.module_id: p
            for p in session.exec(select(Progress).where(Progress.user_id == user_id))
        }


def set_lesson_position(*, user_id: int, module_id: str, position: int) -> None:
    """Remember which lesson the person is reading."""
    with session_scope() as session:
        row = _touch_progress(session, user_id, module_id)
        row.lesson_position = max(0, position)
        session.add(row)


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate as issued (score, pass and expiry all from one attempt), and its standing."""

    certificate_id: str
    user_id: int
    learner_name: str
    username: str
    module_id: str
    score: float
    passed_at: datetime
    expires_at: datetime | None
    standing: Standing
    current_id: str | None  # the person's current certificate for the module
    superseded_on: datetime | None  # when the pass that replaced this one happened


def _certificate_records(
    session: Session, user: User, rows: list[Certificate], today: date
) -> list[CertificateRecord]:
    """Return the records of some of one person's certificates, each with its standing."""
    zone = settings.time_zone()
    newest: dict[str, Certificate] = {}
    replaced_on: dict[int, datetime] = {}  # certificate row id -> when the next pass came
    for cert in session.exec(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.passed_at, Certificate.id)
    ):
        before = newest.get(cert.module_id)
        if before is not None:
            replaced_on[before.id] = cert.passed_at
        newest[cert.module_id] = cert
    return [
        CertificateRecord(
            certificate_id=cert.certificate_id,
            user_id=user.id,
            learner_name=user.name,
            username=user.username,
            module_id=cert.module_id,
            score=cert.score,
            passed_at=cert.passed_at,
            expires_at=cert.expires_at,
            standing=certificate_standing(
                is_latest=newest[cert.module_id].id == cert.id,
                expires_at=cert.expires_at,
                today=today,
                zone=zone,
            ),
            current_id=newest[cert.module_id].certificate_id,
            superseded_on=replaced_on.get(cert.id),
        )
        for cert in rows
    ]


def find_certificate(certificate_id: str, *, today: date | None = None) -> CertificateRecord | None:
    """Return any certificate ever issued, by id, with its standing today; or None."""
    with session_scope(write=False) as session:
        cert = session.exec(
            select(Certificate).where(Certificate.certificate_id == certificate_id)
        ).first()
        if cert is None:
            return None
        user = session.get(User, cert.user_id)
        (record,) = _certificate_records(session, user, [cert], today or settings.today())
        return record


def certificates(*, user_id: int, today: date | None = None) -> list[CertificateRecord]:
    """Return every certificate the person was ever issued, newest first."""
    with session_scope(write=False) as session:
        user = session.get(User, user_id)
        if user is None:
            return []
        rows = list(
            session.exec(
                select(Certificate)
                .where(Certificate.user_id == user_id)
                .order_by(Certificate.passed_at.desc(), Certificate.id.desc())
            )
        )
        return _certificate_records(session, user, rows, today or settings.today())


# --- assignments -----------------------------------------------------------------------


def _manageable_team_ids(session: Session, actor: User) -> set[int] | None:
    """Return the teams actor may assign to; None means every team (store/permissions.py)."""
    try:
        return permissions.team_scope(session, actor, permissions.Action.ASSIGN_TRAINING)
    except permissions.PermissionDenied as exc:
        raise NotAllowed(str(exc)) from None


@dataclass(frozen=True)
class AssignResult:
    """What pressing Assign did: rows created, and the ones that already existed."""

    created: int
    existing: int


def create_assignments(
    *,
    actor: User,
    module_ids: Iterable[str],
    due_date: date,
    team_id: int | None = None,
    user_ids: Iterable[int] = (),
    known_modules: Iterable[str] | None = None,
    from_joining: bool = True,
) -> AssignResult:
    """Assign modules to a team or to chosen people with a due date, each pair once.

    An assignment that already exists (same module, same team or person, same due date) is
    not made again; the result counts it as existing. For a team, people who join later get
    as many days from joining as the team has now (training.status.due_for_member); with
    from_joining (the default) every later joiner does, otherwise only those who join after
    the due date.
    """
    module_ids = sorted(set(module_ids))
    user_ids = sorted(set(user_ids))
    if not module_ids:
        raise LearningError("Choose at least one module.")
    if known_modules is not None:
        unknown = set(module_ids) - set(known_modules)
        if unknown:
            raise LearningError(f"Unknown module(s): {', '.join(sorted(unknown))}.")
    if (team_id is None) == (not user_ids):
        raise LearningError("Assign to a team or to chosen people, not both or neither.")
    now = now_utc()
    today = clock.day_of(now, settings.time_zone())
    due_days = max(0, (due_date - today).days) if team_id is not None else None
    try:
        with session_scope() as session:
            allowed = _manageable_team_ids(session, actor)
            if team_id is not None:
                if session.get(Team, team_id) is None:
                    raise LearningError("That team does not exist.")
                if allowed is not None and team_id not in allowed:
                    raise NotAllowed("You can only assign training to the teams you manage.")
            for uid in user_ids:
                person = session.get(User, uid)
                if person is None:
                    raise LearningError("That person does not exist.")
                if allowed is not None and person.team_id not in allowed:
                    raise NotAllowed("You can only assign training to people in your teams.")
            targets = [(team_id, None)] if team_id is not None else [(None, u) for u in user_ids]
            created = existing = 0
            for module_id in module_ids:
                for t_id, u_id in targets:
                    if _live_assignment(session, module_id, t_id, u_id, due_date) is not None:
                        existing += 1
                        continue
                    session.add(
                        Assignment(
                            module_id=module_id,
                            team_id=t_id,
                            user_id=u_id,
                            due_date=due_date,
                            due_days=due_days,
                            from_joining=from_joining and t_id is not None,
                            assigned_by=actor.id,
                            assigned_at=now,
                        )
                    )
                    created += 1
            if created:
                session.flush()  # a second press at the same moment fails here, on the index
                _audit(
                    session,
                    "training_assigned",
                    actor_id=actor.id,
                    detail=f"{created} assignment(s): {', '.join(module_ids)} due {due_date}",
                )
    except IntegrityError:
        # Someone pressed Assign for the same thing at the same moment; theirs went in.
        return AssignResult(created=0, existing=len(module_ids) * len(targets))
    return AssignResult(created=created, existing=existing)


def _live_assignment(
    session: Session, module_id: str, team_id: int | None, user_id: int | None, due: date
) -> Assignment | None:
    """Return the live assignment of module to this team or person with this due date."""
    return session.exec(
        select(Assignment).where(
            Assignment.module_id == module_id,
            Assignment.team_id == team_id if team_id is not None else Assignment.team_id.is_(None),
            Assignment.user_id == user_id if user_id is not None else Assignment.user_id.is_(None),
            Assignment.due_date == due,
            Assignment.withdrawn_at.is_(None),
        )
    ).first()


@dataclass(frozen=True)
class AssignmentRow:
    """An active assignment as the assignments page lists it."""

    id: int
    module_id: str
    team_id: int | None
    team: str | None
    user_id: int | None
    person: str | None
    due_date: date
    assigned_by: str | None
    assigned_at: datetime


def list_assignments(*, actor: User) -> list[AssignmentRow]:
    """Return the active assignments actor may see (their teams and those teams' people)."""
    with session_scope(write=False) as session:
        allowed = _manageable_team_ids(session, actor)
        teams = {t.id: t.name for t in session.exec(select(Team))}
        people = {u.id: u for u in session.exec(select(User))}
        query = select(Assignment).where(Assignment.withdrawn_at.is_(None))
        if allowed is not None:
            member_ids = select(User.id).where(User.team_id.in_(allowed or {-1}))
            query = query.where(
                or_(Assignment.team_id.in_(allowed or {-1}), Assignment.user_id.in_(member_ids))
            )
        rows = []
        for a in session.exec(query.order_by(Assignment.due_date, Assignment.module_id)):
            person = people.get(a.user_id) if a.user_id else None
            by = people.get(a.assigned_by) if a.assigned_by else None
            rows.append(
                AssignmentRow(
                    id=a.id,
                    module_id=a.module_id,
                    team_id=a.team_id,
                    team=teams.get(a.team_id) if a.team_id else None,
                    user_id=a.user_id,
                    person=person.name if person else None,
                    due_date=a.due_date,
                    assigned_by=by.name if by else None,
                    assigned_at=a.assigned_at,
                )
            )
        return rows


def _own_assignment(session: Session, actor: User, assignment_id: int) -> Assignment:
    allowed = _manageable_team_ids(session, actor)
    row = session.get(Assignment, assignment_id)
    if row is None or row.withdrawn_at is not None:
        raise LearningError("That assignment does not exist any more.")
    if allowed is not None:
        team = row.team_id
        if team is None and row.user_id is not None:
            person = session.get(User, row.user_id)
            team = person.team_id if person else None
        if team not in allowed:
            raise NotAllowed("That assignment belongs to another team.")
    return row


def change_due_date(*, actor: User, assignment_id: int, due_date: date) -> None:
    """Move an assignment's due date (refused when the same assignment exists on that date)."""
    with session_scope() as session:
        row = _own_assignment(session, actor, assignment_id)
        same = _live_assignment(session, row.module_id, row.team_id, row.user_id, due_date)
        if same is not None and same.id != row.id:
            raise LearningError(
                "The same training is already assigned with that due date; withdraw one of "
                "the two instead."
            )
        _audit(
            session,
            "assignment_due_changed",
            actor_id=actor.id,
            target=str(row.id),
            detail=f"{row.due_date} -> {due_date}",
        )
        row.due_date = due_date
        session.add(row)


def withdraw_assignment(*, actor: User, assignment_id: int) -> None:
    """Withdraw an assignment (kept for history, no longer due)."""
    with session_scope() as session:
        row = _own_assignment(session, actor, assignment_id)
        row.withdrawn_at = now_utc()
        session.add(row)
        _audit(
            session,
            "assignment_withdrawn",
            actor_id=actor.id,
            target=str(row.id),
            detail=row.module_id,
        )


def assigned_due_dates(*, user_id: int, session: Session | None = None) -> dict[str, date]:
    """Return module id -> earliest due date among the person's active assignments.

    A team assignment is due for this person as training.status.due_for_member says, from the
    day they joined the team.
    """
    with reading(session) as session:
        user = session.get(User, user_id)
        if user is None:
            return {}
        conditions = [Assignment.user_id == user_id]
        if user.team_id is not None:
            conditions.append(Assignment.team_id == user.team_id)
        rows = session.exec(
            select(Assignment).where(Assignment.withdrawn_at.is_(None), or_(*conditions))
        ).all()
    zone = settings.time_zone()
    joined_on = clock.day_of(user.team_joined_at or user.created_at, zone)
    due: dict[str, date] = {}
    for a in rows:
        day = (
            due_for_member(
                due_date=a.due_date,
                due_days=a.due_days,
                from_joining=a.from_joining,
                assigned_on=clock.day_of(a.assigned_at, zone),
                joined_on=joined_on,
            )
            if a.team_id is not None
            else a.due_date
        )
        due[a.module_id] = min(day, due.get(a.module_id, day))
    return due


# --- the learner's list ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingItem:
    """One module on a learner's list, with what they must do about it."""

    module_id: str
    title: str
    competency: str
    estimated_minutes: int
    assigned: bool
    due_date: date | None
    status: Status
    best_score: float | None
    passed_at: datetime | None
    expires_at: datetime | None
    attempts: int
    has_open_attempt: bool

    @property
    def label(self) -> str:
        """Return the status in words."""
        return self.status.label


def my_training(
    *,
    user_id: int,
    modules: Mapping[str, LoadedModule],
    today: date | None = None,
    session: Session | None = None,
    progress: Mapping[str, Progress] | None = None,
) -> list[TrainingItem]:
    """Return every module for the person: assigned ones first, most urgent first.

    progress: the person's progress rows when the caller has read them already."""
    zone = settings.time_zone()
    today = today or clock.today(zone)
    with reading(session) as session:
        due_dates = assigned_due_dates(user_id=user_id, session=session)
        if progress is None:
            progress = progress_rows(user_id=user_id, session=session)
        open_ids = set(
            session.exec(
                select(Attempt.module_id).where(
                    Attempt.user_id == user_id,
                    Attempt.kind == "quiz",
                    Attempt.submitted_at.is_(None),
                )
            )
        )
    items = []
    for module_id, loaded in modules.items():
        m = loaded.module
        p = progress.get(module_id)
        due = due_dates.get(module_id)
        items.append(
            TrainingItem(
                module_id=module_id,
                title=m.title,
                competency=m.competency,
                estimated_minutes=m.estimated_minutes,
                assigned=module_id in due_dates,
                due_date=due,
                status=decide_status(
                    passed_at=p.passed_at if p else None,
                    expires_at=p.expires_at if p else None,
                    attempts=p.attempt_count if p else 0,
                    due=due,
                    open_attempt=module_id in open_ids,
                    today=today,
                    zone=zone,
                ),
                best_score=p.best_score if p else None,
                passed_at=p.passed_at if p else None,
                expires_at=p.expires_at if p else None,
                attempts=p.attempt_count if p else 0,
                has_open_attempt=module_id in open_ids,
            )
        )
    items.sort(key=lambda i: (not i.assigned, i.status.order, i.due_date or date.max, i.title))
    return items


# Plain SQL, made once: building the same statement from six ORM subqueries cost more than
# running it (1.3 ms against 0.5 ms a rerun of My training).
_PERSON_STAMP = text(
    "SELECT (SELECT max(id) FROM attempt WHERE user_id = :user_id),"
    " (SELECT max(submitted_at) FROM attempt WHERE user_id = :user_id),"
    ' (SELECT team_id FROM "user" WHERE id = :user_id),'
    ' (SELECT team_joined_at FROM "user" WHERE id = :user_id),'
    " (SELECT max(id) FROM assignment),"
    " (SELECT max(id) FROM auditlog),"
    " (SELECT lesson_position FROM progress WHERE user_id = :user_id AND module_id = :module_id)"
)


def person_stamp(session: Session, user_id: int, module_id: str = "") -> tuple:
    """Return a fingerprint of what the person's My training depends on in the database.

    It moves when the person starts or submits an attempt (a withdrawn one is closed as
    submitted, a practice answer is a new submitted attempt) or moves team, and when any
    assignment is made or any audited change happens (changes to assignments are audited);
    with module_id, also when their place in that module's lessons moves.
    """
    params = {"user_id": user_id, "module_id": module_id}
    row = session.connection().execute(_PERSON_STAMP, params).one()
    return tuple(str(v) for v in row)


def training_item(
    *,
    user_id: int,
    loaded: LoadedModule,
    today: date | None = None,
    session: Session | None = None,
    progress: Mapping[str, Progress] | None = None,
) -> TrainingItem:
    """Return where the person stands on one module (the same rule as their whole list)."""
    one = {loaded.module.id: loaded}
    (item,) = my_training(
        user_id=user_id, modules=one, today=today, session=session, progress=progress
    )
    return item


# --- refresher -------------------------------------------------------------------------


def record_refresher(*, user_id: int, results: list[tuple[str, str, list[int], bool]]) -> int:
    """Record an ungraded refresher: (module id, question id, chosen, correct) per question."""
    if not results:
        raise LearningError("Answer at least one question.")
    now = now_utc()
    with session_scope() as session:
        attempt = Attempt(
            user_id=user_id,
            module_id=REFRESHER_MODULE,
            content_version="current",
            kind="refresher",
            seed=0,
            drawn=[{"module_id": m, "question_id": q} for m, q, _, _ in results],
            draft_answers={},
            started_at=now,
            submitted_at=now,
            score=100.0 * sum(1 for r in results if r[3]) / len(results),
            passed=None,
        )
        session.add(attempt)
        session.flush()
        for module_id, question_id, chosen, correct in results:
            session.add(
                Answer(
                    attempt_id=attempt.id,
                    question_id=f"{module_id}:{question_id}",
                    chosen=list(chosen),
                    correct=correct,
                    marks=float(correct),
                )
            )
        fsrs_cards.record(session, user_id, [Review(m, q, now, c) for m, q, _, c in results])
        return attempt.id
