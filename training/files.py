"""The one atomic file writer: a temporary file in the same folder, then a rename into place.

A reader (the app reloading content, a person opening a backup) sees the old file or the new
one, never half of one; a failed write leaves the old file exactly as it was and no temporary
file behind. Module saves, GIFT exports and database backups all write through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

DEFAULT_MODE = 0o644


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside path; on success it replaces path, on failure it goes.

    For writers that need a file name rather than a handle (SQLite's backup API). The new file
    keeps the mode of the file it replaces, else DEFAULT_MODE.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = DEFAULT_MODE
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o777
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write text (as UTF-8, line ends as given) or bytes to path atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path) as tmp:
        tmp.write_bytes(payload)
