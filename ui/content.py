"""The curriculum as the running app sees it: reloaded when a file changes, no restart needed."""

from __future__ import annotations

import os
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


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(directory: str, signature: tuple) -> ContentSet:
    # Deleted modules are recorded and a file reusing a deleted module's id is left out.
    return content_store.guard_reused_ids(load_content_dir(Path(directory)))


def content() -> ContentSet:
    """Return the current content set (cached until a module file changes)."""
    directory = config.content_dir()
    return _load(str(directory), _signature(directory))


def modules() -> dict[str, LoadedModule]:
    """Return the valid modules by id, in title order."""
    loaded = content().modules
    return dict(sorted(loaded.items(), key=lambda kv: kv[1].module.title))


@st.cache_resource(show_spinner=False, max_entries=4)
def _lint(directory: str, signature: tuple) -> tuple[LintWarning, ...]:
    return tuple(lint_dir(Path(directory)))


def lint_warnings() -> tuple[LintWarning, ...]:
    """Return the item-writing warnings of the content folder (cached until a file changes)."""
    directory = config.content_dir()
    names = directory / NAMES_FILE
    try:
        extra = (names.stat().st_mtime_ns,) if names.is_file() else ()
    except OSError:
        extra = ()
    return _lint(str(directory), (*_signature(directory), extra))
