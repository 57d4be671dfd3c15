"""sign-in: single sign-on identities and sign-ins under way, one-time sign-in links, user.email

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 12:00:00

* user.email: added only when it is not there yet (the password-reset work adds the same column
  in its own migration; whichever runs first adds it, with its index).
* user_identity: a person's account at an identity provider (issuer + subject, unique).
* sso_login: a single sign-on under way (hash of the state, nonce, PKCE verifier, browser).
* sign_in_link: one-time sign-in links for shared devices (hash only, expiry, when used).
Nothing existing is changed; a downgrade drops the three tables (and leaves user.email alone).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("user")}
    if "email" not in columns:
        with op.batch_alter_table("user", schema=None) as batch_op:
            batch_op.add_column(sa.Column("email", TEXT(length=254), nullable=True))
    indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("user")}
    if "ix_user_email" not in indexes:
        op.create_index("ix_user_email", "user", ["email"])

    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", TEXT(length=255), nullable=False),
        sa.Column("subject", TEXT(length=255), nullable=False),
        sa.Column("email_at_link", TEXT(length=254), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("last_sign_in_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject"),
    )
    op.create_index("ix_user_identity_user_id", "user_identity", ["user_id"])
    op.create_table(
        "sso_login",
        sa.Column("state_hash", TEXT(length=64), nullable=False),
        sa.Column("nonce", TEXT(length=128), nullable=False),
        sa.Column("code_verifier", TEXT(length=128), nullable=False),
        sa.Column("next_path", TEXT(length=2000), nullable=False),
        sa.Column("browser_hash", TEXT(length=64), nullable=False),
        sa.Column("expires_at", UTC_TIME(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    op.create_index("ix_sso_login_expires_at", "sso_login", ["expires_at"])
    op.create_table(
        "sign_in_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", TEXT(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("expires_at", UTC_TIME(), nullable=False),
        sa.Column("used_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_sign_in_link_user_id", "sign_in_link", ["user_id"])


def downgrade() -> None:
    op.drop_table("sign_in_link")
    op.drop_table("sso_login")
    op.drop_table("user_identity")
