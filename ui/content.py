"""The curriculum as the running app sees it: reloaded when a file changes, no restart needed.

One cache holds it: per version of the content folder (every YAML file's name, time and size,
and the trainer's names file), the loaded modules, the set learners may see (deleted modules
recorded, a reused id refused) and, on first use, the item-writing warnings of those modules
(linted from the same load, never parsed again).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import streamlit as st

from store import config, content_store
from training.lint import NAMES_FILE, LintWarning, lint_dir
from training.loader import ContentSet, LoadedModule, load_content_dir


def _signature(directory: Path) -> tuple:
    # Runs on every rerun of most pages: one stat per file (scandir has the names already).
    try:
        with os.scandir(directory) as entries:
            found = []
            for entry in entries:
                if os.path.splitext(entry.name)[1] in (".yaml", ".yml"):
                    info = entry.stat()
                    found.append((entry.name, info.st_mtime_ns, info.st_size))
        return tuple(sorted(found))
    except OSError:
        return ()


def _names_signature(directory: Path) -> tuple:
    names = directory / NAMES_FILE
    try:
        return (names.stat().st_mtime_ns,) if names.is_file() else ()
    except OSError:
        return ()


class _Loaded:
    """One version of the content folder, as loaded once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.all = load_content_dir(directory)
        # Deleted modules are recorded and a file reusing a deleted module's id is left out.
        self.content = content_store.guard_reused_ids(self.all)
        self.by_title = sorted(self.content.modules.items(), key=lambda kv: kv[1].module.title)
        self._lint: tuple[LintWarning, ...] | None = None
        self._lock = threading.Lock()

    def lint(self) -> tuple[LintWarning, ...]:
        """Return the item-writing warnings of every valid module (linted on first use)."""
        with self._lock:
            if self._lint is None:
                self._lint = tuple(lint_dir(self.directory, self.all))
            return self._lint


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(directory: str, signature: tuple) -> _Loaded:
    return _Loaded(Path(directory))


# The version last handed out, by database and folder signature: a dict look-up on the
# same tuple, where st.cache_resource hashes the whole signature on every call (twice a
# rerun of most pages). A new signature or another database goes through _load as before
# (the database is in the key because the reused-id guard reads it).
_LAST: dict[tuple, _Loaded] = {}


def _current() -> _Loaded:
    directory = config.content_dir()
    signature = (*_signature(directory), _names_signature(directory))
    key = (config.database_url(), str(directory), signature)
    found = _LAST.get(key)
    if found is None:
        found = _load(str(directory), signature)
        _LAST.clear()
        _LAST[key] = found
    return found


def content() -> ContentSet:
    """Return the current content set (cached until a module file changes)."""
    return _current().content


def modules() -> dict[str, LoadedModule]:
    """Return the valid modules by id, in title order."""
    return dict(_current().by_title)


def lint_warnings() -> tuple[LintWarning, ...]:
    """Return the item-writing warnings of the content folder (cached until a file changes)."""
    return _current().lint()
