"""customer feedback per team and day, its imports, and API tokens for survey tools

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-01 12:00:00

New tables only; nothing existing changes.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0008"  # 0004 on the branch; after main's 0008_signin since the merge
branch_labels = None
depends_on = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT(length=120), nullable=False),
        sa.Column("token_hash", TEXT(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("revoked_at", UTC_TIME(), nullable=True),
        sa.Column("last_used_at", UTC_TIME(), nullable=True),
        sa.Column("window_started_at", UTC_TIME(), nullable=True),
        sa.Column("window_requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "feedbackimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("source", TEXT(length=16), nullable=False),
        sa.Column("name", TEXT(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["token_id"], ["apitoken.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("row_key", TEXT(length=80), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("channel", TEXT(length=40), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=True),
        sa.Column("csat_sum", sa.Float(), nullable=True),
        sa.Column("csat_n", sa.Integer(), nullable=True),
        sa.Column("promoters", sa.Integer(), nullable=True),
        sa.Column("passives", sa.Integer(), nullable=True),
        sa.Column("detractors", sa.Integer(), nullable=True),
        sa.Column("complaints", sa.Integer(), nullable=True),
        sa.Column("compliments", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["feedbackimport.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_key"),
    )
    op.create_index("ix_feedback_import_id", "feedback", ["import_id"])
    op.create_index("ix_feedback_week", "feedback", ["week"])
    op.create_index("ix_feedback_team_week", "feedback", ["team_id", "week"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("feedbackimport")
    op.drop_table("apitoken")
