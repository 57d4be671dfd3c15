"""mail: people's email addresses and opt-outs, the outbox, password reset links

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 12:00:00

Nothing existing changes meaning: every person starts without an email address (so nobody is
mailed until an administrator or a roster adds one) and with no kinds switched off.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("user", sa.Column("email", TEXT(length=254), nullable=True))
    op.add_column(
        "user",
        sa.Column("mail_opt_outs", TEXT(length=200), nullable=False, server_default=""),
    )
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
    op.drop_column("user", "mail_opt_outs")
    op.drop_column("user", "email")
