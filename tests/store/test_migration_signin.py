"""Migration 0008 (sign-in) works whether or not another migration added user.email first."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store import db


def _diff(url: str) -> list:
    with db.get_engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def test_0008_adds_user_email_when_it_is_missing_and_keeps_existing_people(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(db.alembic_config(url), "0004")
    with db.get_engine(url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user (username, name, password_hash, role, active, "
                "must_change_password, created_at) VALUES "
                "('ann', 'Ann', 'x', 'employee', 1, 0, '2026-01-01 00:00:00')"
            )
        )
    db.upgrade(url)
    assert _diff(url) == []
    with db.get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT username, email FROM user")).all() == [("ann", None)]


def test_0008_leaves_a_user_email_column_added_by_another_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'merged.db'}"
    command.upgrade(db.alembic_config(url), "0004")
    with db.get_engine(url).begin() as conn:  # what the password-reset migration adds
        conn.execute(text("ALTER TABLE user ADD COLUMN email VARCHAR(254)"))
        conn.execute(text("CREATE INDEX ix_user_email ON user (email)"))
    db.upgrade(url)
    assert _diff(url) == []
