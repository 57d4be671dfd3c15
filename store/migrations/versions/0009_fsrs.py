"""fsrs: FSRS cards and review log for daily practice, filled from the answers already stored

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01 13:30:00

Adds two tables and replays every stored answer (quizzes and refresher reviews, in time order)
through the FSRS scheduler (store.fsrs_cards.backfill), so existing refresher history becomes
FSRS review history and nobody loses their schedule. Downgrade drops both tables (the answers
they came from stay).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "fsrscard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", TEXT(length=64), nullable=False),
        sa.Column("question_id", TEXT(length=64), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTC_TIME(), nullable=False),
        sa.Column("last_review", UTC_TIME(), nullable=True),
        sa.Column("last_correct", sa.Boolean(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "module_id", "question_id", name="uq_fsrscard_question"),
    )
    op.create_table(
        "fsrsreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", TEXT(length=64), nullable=False),
        sa.Column("question_id", TEXT(length=64), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fsrsreview_user_time", "fsrsreview", ["user_id", "reviewed_at"])

    from store.fsrs_cards import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_fsrsreview_user_time", table_name="fsrsreview")
    op.drop_table("fsrsreview")
    op.drop_table("fsrscard")
