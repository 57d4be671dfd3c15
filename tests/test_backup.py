"""Backup and restore of the SQLite database."""

import pytest

from store import accounts, backup
from tests.conftest import make_user


def test_backup_and_restore_round_trip(tmp_path):
    make_user("ann")
    target = backup.backup(tmp_path / "b.db")
    make_user("bob")
    assert accounts.count_users() == 2
    backup.restore(target)
    assert [p.username for p in accounts.list_people()] == ["ann"]


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    make_user("ann")
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(junk)
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table x (y)").connection.commit()
    with pytest.raises(backup.BackupError, match="not a backup of this app"):
        backup.restore(other)
    assert accounts.count_users() == 1


def test_backup_of_postgres_url_is_explained():
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.sqlite_path("postgresql+psycopg://u@localhost/db")
