"""Backup and restore of the SQLite database."""

import os
import signal
import subprocess
import sys
import threading

import pytest

from store import accounts, backup, db, inuse
from tests.factories import ROOT, make_user

# A process that opens the database through store.db, says so, and stays until killed.
HOLDER = (
    "import sys, time\n"
    "from store import db\n"
    "db.get_engine(sys.argv[1])\n"
    "print('open', flush=True)\n"
    "time.sleep(600)\n"
)

pytestmark = pytest.mark.usefixtures("fresh_db")


def open_in_another_process(url: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "open\n"
    return proc


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


def test_restore_ends_every_sign_in_session(tmp_path):
    ann = make_user("ann")
    before, _ = accounts.create_session(user_id=ann.id)
    target = backup.backup(tmp_path / "b.db")
    accounts.end_session(token=before)  # signed out after the backup was taken
    after, _ = accounts.create_session(user_id=ann.id)
    assert backup.restore(target) == 1
    assert accounts.user_for_token(before) is None  # the backup's session row is gone too
    assert accounts.user_for_token(after) is None
    assert accounts.get_user_by_username("ann") is not None


def test_restore_is_refused_while_another_process_has_the_database_open(tmp_path, fresh_db):
    make_user("ann")
    target = backup.backup(tmp_path / "b.db")
    make_user("bob")
    holder = open_in_another_process(fresh_db)
    try:
        with pytest.raises(backup.BackupError, match="is in use: the app .* Stop every app"):
            backup.restore(target)
        assert accounts.count_users() == 2  # nothing was restored
    finally:
        holder.kill()
        holder.wait()
    assert backup.restore(target) == 0  # a killed process holds nothing
    assert accounts.count_users() == 1


def test_restore_is_refused_while_any_one_of_several_processes_has_it_open(tmp_path, fresh_db):
    target = backup.backup(tmp_path / "b.db")
    first, second = open_in_another_process(fresh_db), open_in_another_process(fresh_db)
    try:
        first.send_signal(signal.SIGTERM)
        first.wait()
        with pytest.raises(backup.BackupError, match="in use"):
            backup.restore(target)
    finally:
        second.kill()
        second.wait()
    backup.restore(target)


def test_opening_the_database_during_a_restore_waits_and_then_says_why(fresh_db, monkeypatch):
    path = db.sqlite_file(fresh_db)
    assert path is not None
    db.dispose_engines()
    monkeypatch.setattr(inuse, "WAIT_FOR_RESTORE_SECONDS", 0.3)
    errors: list[Exception] = []
    with inuse.exclusive(path):
        thread = threading.Thread(target=lambda: _open(fresh_db, errors))
        thread.start()
        thread.join()
    assert len(errors) == 1 and "is being restored from a backup" in str(errors[0])
    assert db.get_engine(fresh_db) is not None  # once the restore is over, it opens


def _open(url: str, errors: list[Exception]) -> None:
    try:
        db.get_engine(url)
    except inuse.DatabaseInUse as exc:
        errors.append(exc)


def test_restore_command_refuses_while_in_use_and_says_sessions_ended(tmp_path, fresh_db):
    make_user("ann")
    target = backup.backup(tmp_path / "b.db")
    db.dispose_engines()  # this test process is not a user of the database
    env = dict(os.environ, TRAINING_DATABASE_URL=fresh_db)

    def restore_command() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "store", "restore", str(target)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    holder = open_in_another_process(fresh_db)
    try:
        refused = restore_command()
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 1
    assert "is in use" in refused.stderr and "Stop every app process first" in refused.stderr
    done = restore_command()
    assert done.returncode == 0, done.stderr
    assert "Ended 0 sign-in sessions: everyone signs in again." in done.stdout
