"""sign-in backoff, idle sessions, browser-bound tickets

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00

The hard lockout (five failures lock an account for 15 minutes) gave anyone a way to lock out
any account and told them which accounts exist. It is replaced by exponential backoff per
account name and per client address (table signinthrottle), so the lock columns go. Sessions
get a last-seen time for the idle timeout, and a sign-in ticket remembers which browser asked
for it (login CSRF).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signinthrottle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    # Plain ALTER TABLE (SQLite 3.35+ drops unindexed columns in place): batch mode would copy
    # the user table, which every other table references.
    op.drop_column("user", "failed_logins")
    op.drop_column("user", "locked_until")
    op.add_column(
        "authsession",
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "authsession",
        sa.Column(
            "ticket_browser_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
    )
    op.create_index("ix_authsession_expires_at", "authsession", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_authsession_expires_at", table_name="authsession")
    op.drop_column("authsession", "ticket_browser_hash")
    op.drop_column("authsession", "last_seen_at")
    op.add_column("user", sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.add_column(
        "user", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
    )
    op.drop_table("signinthrottle")
