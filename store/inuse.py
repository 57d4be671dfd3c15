"""Who has the SQLite database open: a lock file beside it, shared by users, exclusive for restore.

Every process that opens a SQLite database through `store.db` (each `streamlit run` process from
its start, and every `python -m store` command while it runs) holds a shared `flock` on
`<database>.lock` until it closes its engines or exits. `restore` needs the exclusive lock, so it
is refused while any of them runs, and an app that starts during a restore waits for it. The
kernel drops a lock when its process dies, even by kill -9, so a crash never leaves the database
marked as busy. Without `fcntl` (Windows) nothing is locked.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

WAIT_FOR_RESTORE_SECONDS = 60.0

_held: dict[Path, int] = {}  # lock file -> descriptor holding the shared lock
_guard = threading.Lock()


class DatabaseInUse(RuntimeError):
    """The database is open elsewhere (restore), or being restored (opening it)."""


def lock_file(database: Path) -> Path:
    """Return the lock file of a SQLite database file."""
    return database.with_name(database.name + ".lock")


def _open(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None  # a read-only folder: the database itself will say what is wrong


def hold_shared(database: Path) -> None:
    """Mark this process as a user of the database until release_all (waits out a restore)."""
    if fcntl is None:
        return
    path = lock_file(database)
    with _guard:
        if path in _held:
            return
        fd = _open(path)
        if fd is None:
            return
        deadline = time.monotonic() + WAIT_FOR_RESTORE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise DatabaseInUse(
                        f"{database} is being restored from a backup; try again when the "
                        "restore has finished"
                    ) from None
                time.sleep(0.2)
        _held[path] = fd


def release_all() -> None:
    """Stop marking this process as a user of any database."""
    with _guard:
        for fd in _held.values():
            os.close(fd)  # closing the descriptor drops its lock
        _held.clear()


@contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold the database for this process alone; raise DatabaseInUse if anyone else has it."""
    if fcntl is None:
        yield
        return
    path = lock_file(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open(path)
    if fd is None:
        raise DatabaseInUse(f"cannot create {path} to check that nothing uses the database")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"{database} is in use: the app (or another `python -m store` command) has it "
                "open. Stop every app process first, then restore."
            ) from None
        yield
    finally:
        os.close(fd)
