"""observations: checklist observations, their revisions and rated items; checklist revisions

Revision ID: 0005
Revises: 0007
Create Date: 2026-12-01 12:00:00

Adds four new tables; no existing data changes.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
# 0004 in the brief; after main's 0008 (sign-in), 0006 (feedback) and 0007 (mail) since merging
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("observer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("checklist_id", TEXT(length=64), nullable=False),
        sa.Column("content_version", TEXT(length=64), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("note", TEXT(length=2000), nullable=False),
        sa.Column("started_at", UTC_TIME(), nullable=False),
        sa.Column("submitted_at", UTC_TIME(), nullable=True),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["observer_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_observation_subject_submitted", "observation", ["subject_id", "submitted_at"]
    )
    op.create_index("ix_observation_observer_open", "observation", ["observer_id", "submitted_at"])
    op.create_index("ix_observation_team_day", "observation", ["team_id", "observed_on"])
    op.create_table(
        "observationrevision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("note", TEXT(length=2000), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"]),
        sa.ForeignKeyConstraint(["saved_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_observationrevision_observation_id", "observationrevision", ["observation_id"]
    )
    op.create_table(
        "observeditem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("item_id", TEXT(length=64), nullable=False),
        sa.Column("need", TEXT(length=64), nullable=False),
        sa.Column("rating", TEXT(length=16), nullable=False),
        sa.Column("consistent", sa.Boolean(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_observeditem_observation_id", "observeditem", ["observation_id"])
    op.create_index("ix_observed_item_team", "observeditem", ["team_id", "observed_on", "need"])
    op.create_index(
        "ix_observed_item_subject", "observeditem", ["subject_id", "observed_on", "need"]
    )
    op.create_table(
        "checklistrevision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", TEXT(length=64), nullable=False),
        sa.Column("version", TEXT(length=64), nullable=False),
        sa.Column("text", TEXT(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(["saved_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checklistrevision_checklist_id", "checklistrevision", ["checklist_id"])


def downgrade() -> None:
    op.drop_table("checklistrevision")
    op.drop_table("observeditem")
    op.drop_table("observationrevision")
    op.drop_table("observation")
