"""records people rely on: every certificate kept, team join dates, assignments once

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 09:30:00

What it does to existing data, so nothing people rely on is lost:

* certificate: one row per certificate ever issued. Before this, every pass replaced the
  certificate id on the progress row, but the id is a hash of (person, module, pass time), so the
  id of every earlier pass is recomputed from the passed quiz attempts, each with that attempt's
  own score and time. An earlier pass's expiry is its pass time plus the validity of the current
  one (the module's validity then is not recorded anywhere else). The current certificate of each
  progress row is always kept, with its own attempt's score when the attempt is found.
* user.team_joined_at: people already in a team are taken to have joined it when their account
  was created (the only date recorded); nobody becomes overdue by this.
* assignment.due_days / from_joining: existing team assignments give later joiners as many days
  as the team had (due date minus the assignment day, at least 0), counted from joining.
* Identical live assignments (same module, same team or person, same due date) made by pressing
  Assign twice are withdrawn at migration time, all but the first, so the new unique indexes hold.
"""

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LIVE_TEAM = sa.text("user_id IS NULL AND withdrawn_at IS NULL")
_LIVE_PERSON = sa.text("team_id IS NULL AND withdrawn_at IS NULL")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _certificate_id(user_id: int, module_id: str, passed_at: datetime) -> str:
    # Frozen copy of training.certificate.certificate_id as it was when these ids were issued.
    when = passed_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    key = f"{user_id}\x1f{module_id}\x1f{when.isoformat(timespec='seconds')}".encode()
    value = int.from_bytes(hashlib.sha256(key).digest()[:5], "big")
    chars = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"CERT-{chars[:4]}-{chars[4:]}"


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed_at", UTC_TIME(), nullable=False),
        sa.Column("expires_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate_id"),
    )
    op.create_index(
        "ix_certificate_user_module", "certificate", ["user_id", "module_id", "passed_at"]
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_joined_at", UTC_TIME(), nullable=True))
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("from_joining", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.alter_column("from_joining", server_default=None)

    bind = op.get_bind()
    now = datetime.now(UTC)
    _join_dates(bind)
    _team_due_days(bind)
    _withdraw_duplicates(bind, now)
    op.create_index(
        "uq_assignment_team_live",
        "assignment",
        ["team_id", "module_id", "due_date"],
        unique=True,
        sqlite_where=_LIVE_TEAM,
        postgresql_where=_LIVE_TEAM,
    )
    op.create_index(
        "uq_assignment_person_live",
        "assignment",
        ["user_id", "module_id", "due_date"],
        unique=True,
        sqlite_where=_LIVE_PERSON,
        postgresql_where=_LIVE_PERSON,
    )
    _certificates(bind)


def _join_dates(bind) -> None:
    user = sa.table(
        "user", sa.column("team_id"), sa.column("created_at"), sa.column("team_joined_at")
    )
    bind.execute(
        user.update().where(user.c.team_id.is_not(None)).values(team_joined_at=user.c.created_at)
    )


def _assignment_table():
    return sa.table(
        "assignment",
        sa.column("id", sa.Integer()),
        sa.column("module_id", sa.String()),
        sa.column("team_id", sa.Integer()),
        sa.column("user_id", sa.Integer()),
        sa.column("due_date", sa.Date()),
        sa.column("assigned_at", UTC_TIME()),
        sa.column("withdrawn_at", UTC_TIME()),
        sa.column("due_days", sa.Integer()),
        sa.column("from_joining", sa.Boolean()),
    )


def _team_due_days(bind) -> None:
    a = _assignment_table()
    rows = bind.execute(
        sa.select(a.c.id, a.c.due_date, a.c.assigned_at).where(a.c.team_id.is_not(None))
    ).all()
    for row_id, due, assigned_at in rows:
        days = max(0, (due - assigned_at.astimezone(UTC).date()).days)
        bind.execute(a.update().where(a.c.id == row_id).values(due_days=days, from_joining=True))


def _withdraw_duplicates(bind, now: datetime) -> None:
    a = _assignment_table()
    live = bind.execute(
        sa.select(a.c.id, a.c.module_id, a.c.team_id, a.c.user_id, a.c.due_date)
        .where(a.c.withdrawn_at.is_(None))
        .order_by(a.c.id)
    ).all()
    seen: set[tuple] = set()
    for row_id, *key in live:
        if tuple(key) in seen:
            bind.execute(a.update().where(a.c.id == row_id).values(withdrawn_at=now))
        seen.add(tuple(key))


def _certificates(bind) -> None:
    attempt = sa.table(
        "attempt",
        sa.column("id", sa.Integer()),
        sa.column("user_id", sa.Integer()),
        sa.column("module_id", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("submitted_at", UTC_TIME()),
        sa.column("score", sa.Float()),
        sa.column("passed", sa.Boolean()),
    )
    progress = sa.table(
        "progress",
        sa.column("user_id", sa.Integer()),
        sa.column("module_id", sa.String()),
        sa.column("best_score", sa.Float()),
        sa.column("passed_at", UTC_TIME()),
        sa.column("expires_at", UTC_TIME()),
        sa.column("certificate_id", sa.String()),
    )
    certificate = sa.table(
        "certificate",
        sa.column("certificate_id", sa.String()),
        sa.column("user_id", sa.Integer()),
        sa.column("module_id", sa.String()),
        sa.column("attempt_id", sa.Integer()),
        sa.column("score", sa.Float()),
        sa.column("passed_at", UTC_TIME()),
        sa.column("expires_at", UTC_TIME()),
    )
    current = {
        (u, m): (cert, best, passed, expires)
        for u, m, cert, best, passed, expires in bind.execute(
            sa.select(
                progress.c.user_id,
                progress.c.module_id,
                progress.c.certificate_id,
                progress.c.best_score,
                progress.c.passed_at,
                progress.c.expires_at,
            ).where(progress.c.certificate_id.is_not(None), progress.c.passed_at.is_not(None))
        )
    }
    rows: dict[str, dict] = {}
    passes = bind.execute(
        sa.select(
            attempt.c.id,
            attempt.c.user_id,
            attempt.c.module_id,
            attempt.c.submitted_at,
            attempt.c.score,
        )
        .where(
            attempt.c.kind == "quiz",
            attempt.c.passed.is_(True),
            attempt.c.submitted_at.is_not(None),
        )
        .order_by(attempt.c.id)
    )
    for attempt_id, user_id, module_id, submitted, score in passes:
        if (user_id, module_id) not in current:
            continue  # no pass on record for this person and module any more
        _cert, _best, passed, expires = current[(user_id, module_id)]
        if submitted > passed:
            continue
        validity = expires - passed if expires is not None else None
        cert_id = _certificate_id(user_id, module_id, submitted)
        rows.setdefault(
            cert_id,
            dict(
                certificate_id=cert_id,
                user_id=user_id,
                module_id=module_id,
                attempt_id=attempt_id,
                score=float(score or 0.0),
                passed_at=submitted,
                expires_at=submitted + validity if validity is not None else None,
            ),
        )
    for (user_id, module_id), (cert_id, best, passed, expires) in current.items():
        found = rows.get(cert_id)
        if found is not None:
            found["expires_at"] = expires  # the current one keeps its recorded expiry exactly
            continue
        rows[cert_id] = dict(
            certificate_id=cert_id,
            user_id=user_id,
            module_id=module_id,
            attempt_id=None,
            score=float(best or 0.0),
            passed_at=passed,
            expires_at=expires,
        )
    values = list(rows.values())
    for start in range(0, len(values), 5000):
        bind.execute(certificate.insert(), values[start : start + 5000])


def downgrade() -> None:
    op.drop_index("uq_assignment_person_live", table_name="assignment")
    op.drop_index("uq_assignment_team_live", table_name="assignment")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("from_joining")
        batch_op.drop_column("due_days")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("team_joined_at")
    op.drop_index("ix_certificate_user_module", table_name="certificate")
    op.drop_table("certificate")
