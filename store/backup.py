"""Online backup and restore of the SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import config, inuse
from store.db import dispose_engines, sqlite_file
from training.files import replacing


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says why."""


def sqlite_path(url: str | None = None) -> Path:
    """Return the file of a SQLite URL; raise BackupError for other databases."""
    path = sqlite_file(url or config.database_url())
    if path is None:
        raise BackupError(
            "backup and restore work on the SQLite database; for PostgreSQL use pg_dump."
        )
    return path


def backup(target: Path, *, url: str | None = None) -> Path:
    """Copy the live database to target with SQLite's online backup API (safe while running)."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet.")
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup.")
    # A backup file is complete or absent: a failed copy leaves no half-written file behind.
    with replacing(target) as partial:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    return target


def check_backup_file(path: Path) -> None:
    """Raise BackupError unless path is a SQLite file with this app's schema."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a backup made by this app (not a SQLite file).")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable backup: {exc}") from exc
    finally:
        conn.close()
    if not {"alembic_version", "user", "attempt", "progress", "authsession"} <= tables:
        raise BackupError(f"{path} is a SQLite file but not a backup of this app.")
    if ok != "ok":
        raise BackupError(f"{path} is damaged: {ok}")


def restore(source: Path, *, url: str | None = None) -> int:
    """Replace the database's content with a backup; return how many sign-ins were ended.

    Refused while any other process has the database open (store/inuse.py): the app must be
    stopped first. Every sign-in session of the restored database is deleted, so a cookie
    that was signed out, or belongs to someone deactivated, since the backup works no more.
    """
    check_backup_file(source)
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    dispose_engines()  # this process's own engines do not count as a user
    try:
        with inuse.exclusive(target):
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
                with dst:
                    ended = dst.execute("DELETE FROM authsession").rowcount
            finally:
                dst.close()
                src.close()
    except inuse.DatabaseInUse as exc:
        raise BackupError(str(exc)) from None
    dispose_engines()
    return ended
