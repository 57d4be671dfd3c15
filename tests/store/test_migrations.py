"""The migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store import db

pytestmark = pytest.mark.usefixtures("fresh_db")


def test_upgrade_of_an_empty_database_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.upgrade(url)
    engine = db.get_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert "alembic_version" in inspect(engine).get_table_names()


@pytest.mark.both_dbs
def test_migrated_schema_matches_the_models_on_each_database(fresh_db):
    with db.get_engine(fresh_db).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    db.upgrade(url)
    db.upgrade(url)


def test_sqlite_pragmas_are_set_on_every_connection(fresh_db):
    with db.get_engine(fresh_db).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
