"""The curriculum as the running app sees it: reloaded when a file changes, no restart needed.

One cache holds it: per version of the content folder, the loaded modules, the set learners
may see (deleted modules recorded, a reused id refused) and, on first use, the item-writing
warnings of those modules (linted from the same load, never parsed again).

The version of the folder comes from inotify (Linux): the kernel queues an event for every
change in the folder as the change is made, and each rerun reads that queue without waiting,
so a file saved from the studio or an editor shows on the very next rerun, in this process
and in any other on the machine. Where inotify cannot vouch for the folder (another system, a
network filesystem, no watches left, a module file that is a symbolic link, the folder gone),
the version is every YAML file's name, time and size and the trainer's names file, read on
each rerun as before.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from pathlib import Path

import streamlit as st

from store import config, content_store
from training.lint import NAMES_FILE, LintWarning, lint_dir
from training.loader import ContentSet, LoadedModule, load_content_dir

try:
    from inotify_simple import INotify, flags
except ImportError:  # not a POSIX system: the stat scan below stands in
    INotify = flags = None


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


# --- the folder's version from inotify ------------------------------------------------------

_VERSIONS = itertools.count(1)  # never reused in this process, across folders and watches
if flags is not None:
    # What changes the folder's files; reading them (our own loads) is not watched.
    _CHANGES = (
        flags.MODIFY | flags.ATTRIB | flags.CLOSE_WRITE | flags.MOVED_FROM | flags.MOVED_TO
        | flags.CREATE | flags.DELETE | flags.DELETE_SELF | flags.MOVE_SELF
    )  # fmt: skip
    # The watch no longer sees the folder (deleted, moved, unmounted).
    _LOST = flags.DELETE_SELF | flags.MOVE_SELF | flags.IGNORED | flags.UNMOUNT


# Filesystems where inotify sees every change to a file, whoever makes it. On a network one
# (NFS, SMB, a FUSE mount) it sees only this machine's writes, so another server's save on a
# shared volume would go unnoticed: there, and on any filesystem not named here, the scan.
_LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "jfs", "reiserfs", "tmpfs",
     "overlay"}
)  # fmt: skip


@functools.lru_cache(maxsize=16)  # read once per folder, not on every rerun of the scan
def _filesystem(directory: str) -> str | None:
    """Return the type of the filesystem holding directory (Linux), or None if unknown."""
    path = os.path.realpath(directory)
    found, longest = None, -1
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields = line.split()
                if "-" not in fields:
                    continue
                point = fields[4].replace("\\040", " ")
                inside = path == point or path.startswith(point.rstrip("/") + "/")
                if inside and len(point) > longest:  # the deepest mount holding the folder
                    found, longest = fields[fields.index("-") + 1], len(point)
    except OSError:
        return None
    return found


def _content_file(name: str) -> bool:
    # The files the scan below reads: what the loaded content and its warnings come from.
    return os.path.splitext(name)[1] in (".yaml", ".yml") or name == NAMES_FILE


def _identity(directory: str) -> tuple[int, int]:
    info = os.stat(directory)  # follows a symbolic link to the folder, as the scan does
    return info.st_dev, info.st_ino


def _linked_files(directory: str) -> bool:
    # A change to a linked file's target is not an event in this folder.
    with os.scandir(directory) as entries:
        return any(
            e.is_symlink() and os.path.splitext(e.name)[1] in (".yaml", ".yml") for e in entries
        )


class _Watch:
    """An inotify watch on one content folder; its version moves with every change seen."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        if _filesystem(directory) not in _LOCAL_FILESYSTEMS:
            raise OSError(f"inotify cannot vouch for changes to {directory}")
        self.identity = _identity(directory)
        self.notify = INotify(nonblocking=True)
        try:
            self.notify.add_watch(directory, _CHANGES | flags.ONLYDIR)
            self.linked = _linked_files(directory)
        except BaseException:
            self.notify.close()
            raise
        self.lost = False
        self.version = next(_VERSIONS)  # the watch is in place before anything is loaded

    def version_now(self) -> int | None:
        """Return the folder's version, or None when the watch cannot vouch for it."""
        events = self.notify.read(timeout=0)  # never waits
        self.lost = self.lost or any(e.mask & _LOST for e in events)
        # An editor's swap file or the studio's temporary file is no reason to load it all
        # again; an event without a name is the folder's own (or the kernel's queue overflow).
        if any(not e.name or _content_file(e.name) for e in events):
            self.version = next(_VERSIONS)
            if not self.lost:
                try:
                    self.linked = _linked_files(self.directory)
                except OSError:
                    self.lost = True
        if self.lost:
            return None
        try:  # the same folder (a symbolic link to it may have been pointed elsewhere)
            if _identity(self.directory) != self.identity:
                self.lost = True
                return None
        except OSError:
            self.lost = True
            return None
        return None if self.linked else self.version

    def close(self) -> None:
        self.notify.close()


_watch: _Watch | None = None
_watch_lock = threading.Lock()  # one reader of the event queue at a time


def _watched_version(directory: str) -> int | None:
    """Return the inotify version of the folder, or None where inotify cannot tell."""
    global _watch
    if INotify is None:
        return None
    with _watch_lock:
        watch = _watch
        if watch is not None and watch.directory == directory:
            version = watch.version_now()
            if version is not None or not watch.lost:
                return version
        if watch is not None:  # another folder, or this one lost: watch it afresh
            watch.close()
            _watch = None
        try:
            _watch = _Watch(directory)
        except Exception:  # no inotify here, no watches left, no such folder
            return None
        return _watch.version_now()


def _version(directory: Path) -> tuple:
    """Return a value that changes whenever the content folder's files do."""
    watched = _watched_version(str(directory))
    if watched is not None:
        return ("inotify", watched)
    return (*_signature(directory), _names_signature(directory))


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
    signature = _version(directory)
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
