"""Online backup and restore of the SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from store import config
from store.db import dispose_engines


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says why."""


def sqlite_path(url: str | None = None) -> Path:
    """Return the file of a SQLite URL; raise BackupError for other databases."""
    parsed = make_url(url or config.database_url())
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BackupError(
            "backup and restore work on the SQLite database; for PostgreSQL use pg_dump."
        )
    path = Path(parsed.database)
    return path if path.is_absolute() else config.PROJECT_ROOT / path


def backup(target: Path, *, url: str | None = None) -> Path:
    """Copy the live database to target with SQLite's online backup API (safe while running)."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet.")
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    partial.replace(target)
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
    if not {"alembic_version", "user", "attempt", "progress"} <= tables:
        raise BackupError(f"{path} is a SQLite file but not a backup of this app.")
    if ok != "ok":
        raise BackupError(f"{path} is damaged: {ok}")


def restore(source: Path, *, url: str | None = None) -> None:
    """Replace the live database's content with a backup, after checking it is one."""
    check_backup_file(source)
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    dispose_engines()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    dispose_engines()
