"""Migration 0007 (mail): addresses made lowercase and unique; nothing else about people changes."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store import db

PEOPLE = (
    "INSERT INTO user (username, name, password_hash, role, active, must_change_password, "
    "created_at, email) VALUES "
    "('ann', 'Ann', 'x', 'employee', 1, 0, '2026-01-01 00:00:00', 'Ann@Example.com'), "
    "('bob', 'Bob', 'x', 'employee', 1, 0, '2026-01-01 00:00:00', 'ann@example.COM'), "
    "('cat', 'Cat', 'x', 'employee', 1, 0, '2026-01-01 00:00:00', NULL)"
)


def test_0007_lowercases_addresses_and_clears_a_case_duplicate_with_an_audit_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'sso.db'}"
    command.upgrade(db.alembic_config(url), "0008")  # single sign-on gave people addresses
    with db.get_engine(url).begin() as conn:
        conn.execute(text(PEOPLE))
    db.upgrade(url)
    with db.get_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        people = conn.execute(text("SELECT username, email, mail_opt_outs FROM user")).all()
        audit = conn.execute(text("SELECT action, target FROM auditlog")).all()
    assert diff == []
    assert people == [("ann", "ann@example.com", ""), ("bob", None, ""), ("cat", None, "")]
    assert audit == [("email_cleared_duplicate", "ann@example.COM")]
