"""covering indexes for the impact view's weekly customer and observed-behaviour series

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:20:00

/impact groups a year of feedback by team and week, and every rated item of the observations by
team and day. With the columns those sums read inside the index, the database answers from the
index alone instead of fetching each row: at bench scale (250 teams, 91,500 feedback rows,
282,000 rated items) about half the CPU of each query on SQLite. The feedback index replaces
(team_id, week), which is its prefix.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FEEDBACK = ["team_id", "week", "responses", "csat_sum", "csat_n", "promoters", "passives"]
FEEDBACK += ["detractors", "complaints"]
OBSERVED = ["team_id", "observed_on", "observation_id", "consistent"]


def upgrade() -> None:
    # Plain CREATE/DROP INDEX (no batch mode): SQLite needs no table copy for an index.
    op.create_index("ix_feedback_team_week_sums", "feedback", FEEDBACK)
    op.drop_index("ix_feedback_team_week", table_name="feedback")
    op.create_index("ix_observed_item_team_day", "observeditem", OBSERVED)


def downgrade() -> None:
    op.drop_index("ix_observed_item_team_day", table_name="observeditem")
    op.create_index("ix_feedback_team_week", "feedback", ["team_id", "week"])
    op.drop_index("ix_feedback_team_week_sums", table_name="feedback")
