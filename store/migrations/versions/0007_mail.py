"""mail: people's email addresses and opt-outs, the outbox, password reset links

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00

Nothing existing changes meaning: every person starts with no kinds of mail switched off, and
without an email address unless single sign-on (0008) gave them one. user.email is added here
only when it is not there yet (0008 adds the same column; whichever runs first adds it). Its
index becomes unique: addresses are stored lowercase; if two people had the same address in
different cases, the first (lowest id) keeps it and the others' is cleared, each written to the
audit log, so an administrator can see whom to give an address again.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"  # 0004 on the branch; after main's 0008 (sign-in) and 0006 (feedback)
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _unique_lowercase_emails() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text('SELECT id, email FROM "user" WHERE email IS NOT NULL ORDER BY id')
    ).all()
    seen: set[str] = set()
    now = datetime.now(UTC)
    for user_id, email in rows:
        lower = email.strip().lower()
        if lower in seen:
            bind.execute(sa.text('UPDATE "user" SET email = NULL WHERE id = :i'), {"i": user_id})
            bind.execute(
                sa.text(
                    "INSERT INTO auditlog (at, action, target, detail) VALUES "
                    "(:at, 'email_cleared_duplicate', :target, 'migration 0007')"
                ),
                {"at": now, "target": email[:200]},
            )
            continue
        seen.add(lower)
        if lower != email:
            bind.execute(
                sa.text('UPDATE "user" SET email = :e WHERE id = :i'), {"e": lower, "i": user_id}
            )


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "email" not in {c["name"] for c in inspector.get_columns("user")}:
        op.add_column("user", sa.Column("email", TEXT(length=254), nullable=True))
    op.add_column(
        "user",
        sa.Column("mail_opt_outs", TEXT(length=200), nullable=False, server_default=""),
    )
    if "ix_user_email" in {i["name"] for i in inspector.get_indexes("user")}:
        op.drop_index("ix_user_email", table_name="user")
    _unique_lowercase_emails()
    op.create_index("ix_user_email", "user", ["email"], unique=True)
    op.create_table(
        "mailoutbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", TEXT(length=32), nullable=False),
        sa.Column("subject_key", TEXT(length=120), nullable=False),
        sa.Column("to_address", TEXT(length=254), nullable=False),
        sa.Column("subject", TEXT(length=300), nullable=False),
        sa.Column("body", TEXT(), nullable=False),
        sa.Column("link_url", TEXT(length=1000), nullable=True),
        sa.Column("ics", TEXT(), nullable=True),
        sa.Column("status", TEXT(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTC_TIME(), nullable=False),
        sa.Column("claimed_by", TEXT(length=64), nullable=True),
        sa.Column("claimed_at", UTC_TIME(), nullable=True),
        sa.Column("last_error", TEXT(length=500), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("sent_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "subject_key", name="uq_mailoutbox_subject"),
    )
    op.create_index("ix_mailoutbox_status_next", "mailoutbox", ["status", "next_try_at"])
    op.create_table(
        "passwordreset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", TEXT(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("expires_at", UTC_TIME(), nullable=False),
        sa.Column("used_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_passwordreset_user_id", "passwordreset", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_passwordreset_user_id", table_name="passwordreset")
    op.drop_table("passwordreset")
    op.drop_index("ix_mailoutbox_status_next", table_name="mailoutbox")
    op.drop_table("mailoutbox")
    op.drop_index("ix_user_email", table_name="user")
    op.create_index("ix_user_email", "user", ["email"])  # as 0008 made it
    op.drop_column("user", "mail_opt_outs")
