"""Engine factory, short-lived sessions and schema upgrades."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from store import config, inuse
from training import clock

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _local_day(moment: str | None, zone: str) -> str | None:
    """Return the day (YYYY-MM-DD) in zone of a UTC timestamp as SQLite keeps it, as text."""
    if moment is None:
        return None
    return clock.day_of(datetime.fromisoformat(moment), ZoneInfo(zone)).isoformat()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite knows no time zones: local_day(moment, zone) places a UTC moment on the
    # organisation's calendar (store.dashboard's join-day rule), as PostgreSQL's timezone() does.
    dbapi_connection.create_function("local_day", 2, _local_day, deterministic=True)
    # WAL lets readers work while one writer commits; busy_timeout waits instead of failing.
    # We emit BEGIN ourselves (see _sqlite_begin), so the driver must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A write transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred one that
    # reads first and writes later fails at once with "database is locked" when another writer
    # committed in between, whatever busy_timeout says.
    if conn.get_execution_options().get("write", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    """Create an engine for url; for SQLite, create its folder and set pragmas per connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            path = Path(database)
            if not path.is_absolute():
                path = config.PROJECT_ROOT / path
                parsed = parsed.set(database=str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def sqlite_file(url: str) -> Path | None:
    """Return the file of a SQLite URL (relative paths from the project root), else None."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database)
    return path if path.is_absolute() else config.PROJECT_ROOT / path


def get_engine(url: str | None = None) -> Engine:
    """Return the shared engine for url (default: the configured database)."""
    url = url or config.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            path = sqlite_file(url)
            if path is not None:
                # While this process has the file open, `restore` is refused (store/inuse.py).
                path.parent.mkdir(parents=True, exist_ok=True)
                inuse.hold_shared(path)
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and stop holding the databases (tests and restore)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        inuse.release_all()


@contextmanager
def session_scope(url: str | None = None, *, write: bool = True) -> Iterator[Session]:
    """Open a session for one operation; commit on success, roll back on error.

    Pass write=False for read-only work so it never waits for the write lock.
    """
    engine = get_engine(url)
    if not write:
        engine = engine.execution_options(write=False)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(session: Session | None = None) -> Iterator[Session]:
    """Use the caller's session when given one, else open a read-only session for this read.

    Store functions that read take an optional session this way, so a page that needs several
    of them can open one session for all (store.learning.quiz_screen does).
    """
    if session is not None:
        yield session
        return
    with session_scope(write=False) as own:
        yield own


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or config.database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Create or upgrade the schema to the newest migration."""
    url = url or config.database_url()
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several app processes may start at once: one upgrades, the others wait for it.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(724001)")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
