"""Observation checklist files saved from the content studio, and their revision history.

The same rules as module saves (`store.content_store`): the text is checked first with the
checklist loader (`training.checklists`); only a valid checklist is written, atomically, and
only when the file on disk is still the one the trainer opened (`expected_sha`). Every save
records a `ChecklistRevision` (version, full text, who, when). An invalid or conflicting save
raises and leaves the file exactly as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import func, select

from store.accounts import _audit, now_utc
from store.content_store import (
    ContentStoreError,
    InvalidModule,
    NotAllowed,
    SaveConflict,
    _decode,
    _newest_first,
    _read_with_sha,
    _require_trainer,
    _save_lock,
    _written_id,
    normalise_text,
)
from store.db import session_scope
from store.models import ChecklistRevision, User
from training import clock
from training.checklists import (
    CHECKLIST,
    Checklist,
    _organisation,
    checklist_version,
    observations_dir,
)
from training.files import write_atomically
from training.loader import Problem, load_yaml

__all__ = [
    "ContentStoreError",
    "InvalidChecklist",
    "NotAllowed",
    "SaveConflict",
    "checklist_path",
    "check_checklist_text",
    "list_revisions",
    "read_checklist_file",
    "revision_text",
    "save_checklist_text",
]


class InvalidChecklist(InvalidModule):
    """The text is not a valid checklist; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        count = len(problems)
        self.args = (
            f"Not saved: the checklist has {count} problem{'' if count == 1 else 's'}. "
            "The file on disk is unchanged.",
        )


@dataclass(frozen=True)
class OpenedChecklist:
    """A checklist file as the editor opens it: its text and the fingerprint of its bytes."""

    checklist_id: str
    path: Path
    text: str
    sha: str


@dataclass(frozen=True)
class ChecklistCheck:
    """The outcome of checking a checklist text before it is saved."""

    checklist: Checklist | None
    problems: list[Problem]
    checklist_id: str | None

    @property
    def ok(self) -> bool:
        """Return True when the text may be saved."""
        return self.checklist is not None and not self.problems


@dataclass(frozen=True)
class ChecklistRevisionInfo:
    """One saved revision of a checklist, without its text."""

    id: int
    version: str
    saved_at: datetime
    saved_by: str | None


def checklist_path(directory: Path, checklist_id: str) -> Path:
    """Return the file of a checklist in a content folder (observations/<id>.yaml)."""
    folder = observations_dir(directory)
    for suffix in (".yaml", ".yml"):
        path = folder / f"{checklist_id}{suffix}"
        if path.is_file():
            return path
    return folder / f"{checklist_id}.yaml"


def read_checklist_file(*, directory: Path, checklist_id: str) -> OpenedChecklist | None:
    """Return a checklist file's text and fingerprint, or None when it does not exist."""
    path = checklist_path(directory, checklist_id)
    read = _read_with_sha(path)
    return None if read is None else OpenedChecklist(checklist_id, path, *read)


def check_checklist_text(*, directory: Path, checklist_id: str | None, text: str) -> ChecklistCheck:
    """Check a checklist text for saving as checklist_id (None: a new one named by its id)."""
    first = load_yaml(text, "<text>", CHECKLIST, organisation=_organisation("<text>"))
    target = checklist_id or _written_id(first.data)
    line, column = first.position(("id",))
    name = str(observations_dir(directory) / f"{target or 'new-checklist'}.yaml")
    result = load_yaml(text, name, CHECKLIST, organisation=_organisation(name))
    checklist, problems = result.value, list(result.problems)
    if checklist_id is None and target is not None and checklist_path(directory, target).is_file():
        problems.append(
            Problem(name, line, column, f"a checklist with id '{target}' exists already")
        )
    problems.sort()
    return ChecklistCheck(checklist if not problems else None, problems, target)


def save_checklist_text(
    *,
    directory: Path,
    checklist_id: str | None,
    text: str,
    expected_sha: str | None,
    actor: User,
) -> ChecklistRevisionInfo | None:
    """Validate and write a checklist atomically and record the revision (None: unchanged).

    Raises InvalidChecklist (with the problems), SaveConflict when the file changed on disk since
    it was opened, NotAllowed for anyone but trainers and administrators.
    """
    _require_trainer(actor)
    text = normalise_text(text)
    with _save_lock, session_scope() as session:
        session.exec(select(func.count()).select_from(ChecklistRevision)).one()  # write lock
        check = check_checklist_text(directory=directory, checklist_id=checklist_id, text=text)
        if not check.ok or check.checklist is None or check.checklist_id is None:
            raise InvalidChecklist(check.problems)
        target = checklist_path(directory, check.checklist_id)
        on_disk = target.read_bytes() if target.is_file() else None
        if checklist_id is not None:
            current = hashlib.sha256(on_disk).hexdigest() if on_disk is not None else None
            if current != expected_sha:
                raise SaveConflict(
                    f"Not saved: {target.name} changed on disk since you opened it. Your edit "
                    "is kept here: copy it, reload the file, and apply your change again."
                )
        if on_disk is not None and _decode(on_disk) == text:
            return None
        version = checklist_version(check.checklist)
        revision = ChecklistRevision(
            checklist_id=check.checklist_id,
            version=version,
            text=text,
            saved_by=actor.id,
            saved_at=now_utc(),
        )
        session.add(revision)
        _audit(
            session,
            "checklist_saved",
            actor_id=actor.id,
            target=check.checklist_id,
            detail=f"version {version}",
        )
        session.flush()
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text)
        return ChecklistRevisionInfo(
            revision.id, version, clock.aware(revision.saved_at), actor.name
        )


def list_revisions(*, checklist_id: str) -> list[ChecklistRevisionInfo]:
    """Return a checklist's saved revisions, newest first."""
    with session_scope(write=False) as session:
        where = ChecklistRevision.checklist_id == checklist_id
        rows = _newest_first(session, ChecklistRevision, where)
        return [ChecklistRevisionInfo(r.id, r.version, clock.aware(r.saved_at), n) for r, n in rows]


def revision_text(*, revision_id: int) -> str | None:
    """Return the text of one checklist revision."""
    with session_scope(write=False) as session:
        row = session.get(ChecklistRevision, revision_id)
        return row.text if row else None
