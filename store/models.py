"""Every table of the app, as SQLModel classes (one place for the schema)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


# A team of front-line staff; people belong to one team, managers manage several.
class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime


# A person who signs in. The password is only ever stored as an argon2 hash.
class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16, default="employee")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    # When the person joined their team (None: read as created_at); team assignments made
    # before they joined are due counted from this day (training.status.due_for_member).
    team_joined_at: datetime | None = None
    active: bool = True
    must_change_password: bool = False
    created_at: datetime
    # Optional, stored lowercase so it is unique whatever the case (store/contact.py); for mail,
    # and matched against the verified email of a single sign-on (store/sso.py).
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    # Optional mail kinds this person switched off on Account, comma-separated.
    mail_opt_outs: str = Field(default="", max_length=200)


# Which teams a manager manages (a manager may manage several teams).
class TeamManager(SQLModel, table=True):
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


# A signed-in browser: the cookie holds a random token, only its hash is stored here.
class AuthSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime = Field(index=True)
    # Last request seen; a session idle longer than TRAINING_IDLE_TIMEOUT_MINUTES is over.
    last_seen_at: datetime | None = None
    # One-time ticket that the browser trades for the HttpOnly cookie right after sign-in,
    # bound to the pre-sign-in cookie of the browser that signed in (hash of it).
    ticket_hash: str | None = Field(default=None, max_length=64, index=True)
    ticket_expires_at: datetime | None = None
    ticket_browser_hash: str | None = Field(default=None, max_length=64)


# A person's account at an identity provider (single sign-on): found by verified email on the
# first sign-in, by issuer and subject from then on (an email can change; the subject cannot).
class UserIdentity(SQLModel, table=True):
    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email_at_link: str | None = Field(default=None, max_length=254)
    created_at: datetime
    last_sign_in_at: datetime | None = None


# A single sign-on under way: what the browser must bring back from the identity provider.
# Only the hash of the state is kept; the row is used up by the callback, found or not.
class SsoLogin(SQLModel, table=True):
    __tablename__ = "sso_login"
    state_hash: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    next_path: str = Field(default="/", max_length=2000)
    browser_hash: str = Field(max_length=64)
    expires_at: datetime = Field(index=True)


# A one-time sign-in link (or QR code) for a shared device: single use, valid 15 minutes.
class SignInLink(SQLModel, table=True):
    __tablename__ = "sign_in_link"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


# Failed sign-ins per account name or per client address, for exponential backoff.
class SignInThrottle(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=120)  # "account:NAME" or "address:IP"
    failures: int = 0
    last_failure_at: datetime
    blocked_until: datetime | None = None


# Small key/value settings kept in the database (the first-run setup code hash).
class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=1000)


# Who did what and when: sign-ins, lockouts, role changes, imports.
class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=64, index=True)
    target: str | None = Field(default=None, max_length=200)
    detail: str | None = Field(default=None, max_length=2000)


_LIVE_TEAM = text("user_id IS NULL AND withdrawn_at IS NULL")
_LIVE_PERSON = text("team_id IS NULL AND withdrawn_at IS NULL")


# Training assigned to a whole team or to one person, with a due date.
class Assignment(SQLModel, table=True):
    __table_args__ = (
        Index("ix_assignment_team_module", "team_id", "module_id"),
        Index("ix_assignment_user_module", "user_id", "module_id"),
        # The same module to the same team or person with the same due date exists once
        # (withdrawn ones aside), however often Assign is pressed.
        Index(
            "uq_assignment_team_live",
            "team_id",
            "module_id",
            "due_date",
            unique=True,
            sqlite_where=_LIVE_TEAM,
            postgresql_where=_LIVE_TEAM,
        ),
        Index(
            "uq_assignment_person_live",
            "user_id",
            "module_id",
            "due_date",
            unique=True,
            sqlite_where=_LIVE_PERSON,
            postgresql_where=_LIVE_PERSON,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=64, index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    due_date: date
    # Team assignments: the days someone who joins the team later gets from joining, and
    # whether every later joiner gets them (True) or only those who join after due_date.
    due_days: int | None = None
    from_joining: bool = False
    assigned_by: int | None = Field(default=None, foreign_key="user.id")
    assigned_at: datetime
    withdrawn_at: datetime | None = None


# One try at a module's quiz, graded against the content version it started with.
class Attempt(SQLModel, table=True):
    __table_args__ = (
        Index("ix_attempt_user_module", "user_id", "module_id"),
        Index("ix_attempt_module_version", "module_id", "content_version"),
        # Covering index for the team dashboard's weekly activity (migration 0002).
        Index(
            "ix_attempt_activity", "submitted_at", "kind", "module_id", "user_id", "score", "passed"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=64)
    content_version: str = Field(max_length=64)
    kind: str = Field(default="quiz", max_length=16)  # quiz | refresher
    seed: int
    drawn: list = Field(sa_column=Column(JSON, nullable=False))
    draft_answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    position: int = 0
    started_at: datetime
    submitted_at: datetime | None = Field(default=None, index=True)
    score: float | None = None
    passed: bool | None = None


# The whole organisation's submitted quiz attempts of one UTC day at one module
# (store.activity_days).
class ActivityDay(SQLModel, table=True):
    day: date = Field(primary_key=True)
    module_id: str = Field(primary_key=True, max_length=64)
    attempts: int
    passes: int
    score_sum: float


# What ActivityDay holds (one row, id 1): every day up to through_day, built from the attempts
# whose ids were at most max_attempt_id then (store.activity_days checks both on every read).
class ActivityCoverage(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    through_day: date
    max_attempt_id: int
    built_at: datetime  # when the days were last rebuilt from every attempt
    extended_at: datetime  # when days were last added


# One graded answer of a submitted attempt.
class Answer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True)
    question_id: str = Field(max_length=64)
    chosen: list = Field(sa_column=Column(JSON, nullable=False))
    correct: bool
    marks: float
    max_marks: float = 1.0


# A person's standing on a module, kept current on every submit so dashboards never scan attempts.
class Progress(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=64, index=True)
    best_score: float | None = None
    last_score: float | None = None
    attempt_count: int = 0
    passed_at: datetime | None = None
    expires_at: datetime | None = None
    last_attempt_at: datetime | None = None
    certificate_id: str | None = Field(default=None, max_length=32, index=True)
    lesson_position: int = 0


# Every certificate ever issued: one per passed attempt, with that attempt's score and dates.
# Progress.certificate_id names the person's current one; older ones stay verifiable.
class Certificate(SQLModel, table=True):
    __table_args__ = (Index("ix_certificate_user_module", "user_id", "module_id", "passed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    certificate_id: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=64)
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id")
    score: float
    passed_at: datetime
    expires_at: datetime | None = None


# What every saved version of a content file's YAML holds (not a table: the two below are).
class RevisionFields(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=64)
    text: str
    saved_by: int | None = Field(default=None, foreign_key="user.id")
    saved_at: datetime


# A saved version of a module's YAML, kept so an edit never loses what was there before.
class ContentRevision(RevisionFields, table=True):
    module_id: str = Field(max_length=64, index=True)


# One observation of a person against a checklist: a draft while the observer rates (every
# rating saved as given), then submitted; the observer may correct it for 24 hours.
class Observation(SQLModel, table=True):
    __table_args__ = (
        Index("ix_observation_subject_submitted", "subject_id", "submitted_at"),
        Index("ix_observation_observer_open", "observer_id", "submitted_at"),
        Index("ix_observation_team_day", "team_id", "observed_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="user.id")
    observer_id: int = Field(foreign_key="user.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")  # the subject's team then
    checklist_id: str = Field(max_length=64)
    content_version: str = Field(max_length=64)
    ratings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=2000)
    started_at: datetime
    submitted_at: datetime | None = None
    observed_on: date | None = None  # the organisation's day of the submit
    revision: int = 0  # 1 on submit, +1 per correction
    acknowledged_at: datetime | None = None


# Every submitted or corrected state of an observation, kept so a correction never hides
# what was recorded before.
class ObservationRevision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(foreign_key="observation.id", index=True)
    revision: int
    ratings: dict = Field(sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=2000)
    saved_by: int | None = Field(default=None, foreign_key="user.id")
    saved_at: datetime


# One rated item of a submitted observation (rewritten on a correction), so the "does"
# figures are sums over an index instead of a scan of JSON. "Did not come up" is not stored.
class ObservedItem(SQLModel, table=True):
    __table_args__ = (
        Index("ix_observed_item_team", "team_id", "observed_on", "need"),
        # covers the impact view's weekly does-share per team (migration 0010)
        Index(
            "ix_observed_item_team_day", "team_id", "observed_on", "observation_id", "consistent"
        ),
        Index("ix_observed_item_subject", "subject_id", "observed_on", "need"),
    )
    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(foreign_key="observation.id", index=True)
    subject_id: int = Field(foreign_key="user.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    item_id: str = Field(max_length=64)
    need: str = Field(max_length=64)
    rating: str = Field(max_length=16)  # not_seen | partly | consistently
    consistent: bool
    observed_on: date


# A saved version of an observation checklist's YAML (like ContentRevision for modules).
class ChecklistRevision(RevisionFields, table=True):
    checklist_id: str = Field(max_length=64, index=True)


# One mail to one person, written before it is sent: (user, kind, subject key) exists once, so
# no run of `send-reminders`, however many at once, sends the same reminder twice.
class MailOutbox(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject_key", name="uq_mailoutbox_subject"),
        Index("ix_mailoutbox_status_next", "status", "next_try_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=32)
    subject_key: str = Field(max_length=120)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str  # plain text; the HTML part is drawn from it when sending
    link_url: str | None = Field(default=None, max_length=1000)
    ics: str | None = None  # the calendar file, when the mail is about a due date
    status: str = Field(default="pending", max_length=16)  # pending|sending|sent|failed|skipped
    attempts: int = 0
    next_try_at: datetime
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    sent_at: datetime | None = None


# A password reset link sent by mail: only the hash of its token is kept; it works once.
class PasswordReset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


# One import of customer feedback (a CSV file, the CLI or one POST /api/feedback request).
class FeedbackImport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    token_id: int | None = Field(default=None, foreign_key="apitoken.id")
    source: str = Field(max_length=16)  # upload | cli | api
    name: str = Field(default="", max_length=200)  # file name or token name
    rows: int = 0  # rows in the file or request
    added: int = 0  # rows that were new (the rest were there already)


# Customer feedback for one team and day: one aggregated row (many responses) or one response.
# row_key is "s:" + the sender's source_id, or "h:" + a hash of the row's content, so importing
# the same rows again adds nothing (store/feedback.py). week is the Monday of day, kept so the
# impact view groups by week through the (team_id, week, ...) index without date arithmetic.
class Feedback(SQLModel, table=True):
    # covers the impact view's weekly sums per team (migration 0010)
    __table_args__ = (
        Index(
            "ix_feedback_team_week_sums",
            *("team_id", "week", "responses", "csat_sum", "csat_n", "promoters", "passives"),
            *("detractors", "complaints"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    row_key: str = Field(max_length=80, unique=True)
    import_id: int = Field(foreign_key="feedbackimport.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    day: date
    week: date = Field(index=True)
    channel: str = Field(default="", max_length=40)
    responses: int | None = None
    csat_sum: float | None = None  # csat mean x responses: sums add up over rows
    csat_n: int | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    complaints: int | None = None
    compliments: int | None = None


# A bearer token a survey tool sends to POST /api/feedback; only its SHA-256 hash is stored.
# The request count of the current minute lives here too, so the limit holds across processes.
class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    window_started_at: datetime | None = None
    window_requests: int = 0


# The FSRS card of one question for one person (daily practice; store.fsrs_cards keeps it).
class FsrsCard(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "question_id", name="uq_fsrscard_question"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=64)
    question_id: str = Field(max_length=64)
    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime
    last_review: datetime | None = None
    last_correct: bool
    reviews: int = 0


# One FSRS review: one answer to one question (rating 1 Again for wrong, 3 Good for right).
class FsrsReview(SQLModel, table=True):
    __table_args__ = (Index("ix_fsrsreview_user_time", "user_id", "reviewed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=64)
    question_id: str = Field(max_length=64)
    rating: int
    reviewed_at: datetime
