"""Module files saved from the content studio, their revision history, and item-analysis data.

Saving a module: the text is checked first (`check_module_text`); only a valid module is
written, atomically (a temporary file in the same folder, then `os.replace`), and only when the
file on disk is still the one the trainer opened (`expected_sha`, from `read_module_file`).
Every save records a `ContentRevision` (version, full text, who, when), so history, diff and
restore need nothing but the database. An invalid or conflicting save raises and leaves the
file exactly as it was.

Item analysis: `analysis_versions` lists the content versions learners answered and
`responses` returns, for one version, the table of marks and the options chosen, ready for
`training.item_analysis`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, func, select

from store import learning
from store.accounts import _audit, now_utc
from store.db import session_scope
from store.models import Answer, Assignment, Attempt, ChecklistRevision, ContentRevision, User
from store.permissions import PERMISSIONS, Action
from training import clock, edits
from training.files import write_atomically
from training.loader import (
    ContentSet,
    LoadResult,
    Problem,
    content_version,
    load_module_source,
    load_module_text,
)
from training.models import KEBAB_ID, Module

TRAINER_ROLES = PERMISSIONS[Action.EDIT_CONTENT]
INVALID_VERSION = "(invalid)"  # version of a revision whose text was not a valid module
# Version of the revision row that marks a module's file as gone from the content folder.
DELETED_VERSION = "(deleted)"

# One save at a time per process: the disk check and the rename must not interleave. Across
# processes on SQLite the write transaction (BEGIN IMMEDIATE) serialises saves as well.
_save_lock = threading.Lock()


class ContentStoreError(ValueError):
    """A content change that cannot be carried out; the message says why."""


class NotAllowed(ContentStoreError):
    """The acting person may not edit content."""


class InvalidModule(ContentStoreError):
    """The text is not a valid module; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        super().__init__(
            f"Not saved: the module has {count} problem{'' if count == 1 else 's'}. "
            "The file on disk is unchanged."
        )
        self.problems = problems


class SaveConflict(ContentStoreError):
    """The file changed on disk since the editor opened it; nothing was written."""


@dataclass(frozen=True)
class OpenedFile:
    """A module file as the editor opens it: its text and the fingerprint of its bytes."""

    module_id: str
    path: Path
    text: str
    sha: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking a module text before it is saved."""

    module: Module | None
    problems: list[Problem]
    module_id: str | None  # the id (and file name) it would be saved under
    renamed_from: str | None = None
    # The line each question id is declared on, from the same load (for "starts at line n").
    question_lines: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True when the text may be saved."""
        return self.module is not None and not self.problems


@dataclass(frozen=True)
class SaveResult:
    """A completed save: where the module went and the revision that records it."""

    module_id: str
    path: Path
    version: str
    sha: str
    revision_id: int | None
    changed: bool
    renamed_from: str | None = None


@dataclass(frozen=True)
class RevisionInfo:
    """One saved revision of a module, without its text."""

    id: int
    module_id: str
    version: str
    saved_at: datetime
    saved_by: str | None  # display name; None when recorded from the file (no person)
    lines: int


@dataclass(frozen=True)
class VersionUsage:
    """A content version of a module and how many submitted quiz attempts used it."""

    version: str
    attempts: int
    learners: int
    first_at: datetime
    last_at: datetime


@dataclass
class Responses:
    """The marks table and chosen options of one module version, for item analysis."""

    question_ids: list[str]
    marks: list[list[float | None]] = field(default_factory=list)
    max_marks: list[float] = field(default_factory=list)
    choices: dict[str, list[list[int]]] = field(default_factory=dict)

    @property
    def attempts(self) -> int:
        """Return the number of attempts in the table."""
        return len(self.marks)


# --- files ------------------------------------------------------------------------------


def file_sha(path: Path) -> str | None:
    """Return the SHA-256 of a file's bytes, or None when it does not exist."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def changed_since_opened(path: Path, opened_sha: str | None) -> bool:
    """Return True when the file at path changed on disk since it was opened with opened_sha."""
    return edits.changed_since_opened(opened_sha, file_sha(path))


def file_last_edit(path: Path, revision: RevisionInfo | None) -> edits.LastEdit:
    """Return when a module file was last changed and by whom: a studio save, or outside."""
    try:
        modified = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
    except OSError:
        modified = None
    if revision is None:
        return edits.last_edit(modified, None, None)
    return edits.last_edit(modified, revision.saved_at, revision.saved_by)


def module_path(directory: Path, module_id: str) -> Path:
    """Return the file of a module: the existing .yaml or .yml file, else <id>.yaml."""
    for suffix in (".yaml", ".yml"):
        path = Path(directory) / f"{module_id}{suffix}"
        if path.is_file():
            return path
    return Path(directory) / f"{module_id}.yaml"


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def read_module_file(*, directory: Path, module_id: str) -> OpenedFile | None:
    """Return a module file's text and fingerprint, or None when it does not exist."""
    path = module_path(directory, module_id)
    read = _read_with_sha(path)
    return None if read is None else OpenedFile(module_id, path, *read)


def _read_with_sha(path: Path) -> tuple[str, str] | None:
    """Return a file's text and the fingerprint of its bytes, or None when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return _decode(data), hashlib.sha256(data).hexdigest()


def normalise_text(text: str) -> str:
    """Return text with Unix line ends and one final newline, as files are written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


# The one atomic writer (training/files.py), looked up at each save (the crash tests wrap it).
_atomic_write = write_atomically


# --- checking ---------------------------------------------------------------------------


def _written_id(data: dict | None) -> str | None:
    """Return the top-level id written in a module's data, when it is plain kebab-case."""
    value = data.get("id") if data is not None else None
    if not isinstance(value, str) or not re.fullmatch(KEBAB_ID, value.strip()):
        return None
    return value.strip()


def attempt_count(*, module_id: str) -> int:
    """Return how many quiz attempts exist at a module (started or submitted)."""
    with session_scope(write=False) as session:
        return session.exec(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.module_id == module_id, Attempt.kind == "quiz")
        ).one()


@dataclass(frozen=True)
class History:
    """What the database remembers of a module id: attempts, revisions and their versions."""

    module_id: str
    attempts: int
    revisions: int
    versions: frozenset[str]  # every version that had a revision or an attempt
    deleted: bool  # the newest revision marks the file as gone from the content folder

    @property
    def used(self) -> bool:
        """Return True when the id has any attempt or revision."""
        return bool(self.attempts or self.revisions)


def module_history(*, module_id: str) -> History:
    """Return the attempts and revisions recorded under a module id."""
    with session_scope(write=False) as session:
        revisions = session.exec(
            select(ContentRevision.version)
            .where(ContentRevision.module_id == module_id)
            .order_by(ContentRevision.id)
        ).all()
        attempts = session.exec(
            select(Attempt.content_version).where(Attempt.module_id == module_id)
        ).all()
    kept = [v for v in revisions if v != DELETED_VERSION]
    return History(
        module_id=module_id,
        attempts=len(attempts),
        revisions=len(kept),
        versions=frozenset(kept) | frozenset(attempts),
        deleted=bool(revisions) and revisions[-1] == DELETED_VERSION,
    )


def _reuse_message(history: History) -> str:
    used = []
    if history.attempts:
        used.append(f"{history.attempts} attempt{'' if history.attempts == 1 else 's'}")
    if history.revisions:
        used.append(f"{history.revisions} revision{'' if history.revisions == 1 else 's'}")
    return (
        f"the id '{history.module_id}' belonged to a deleted module ({' and '.join(used)}); "
        "a new module needs an id never used before, so its learners are not credited with "
        "the old passes. To bring the old module back, restore it under Deleted modules"
    )


def reused_id_problem(*, module_id: str, version: str, file_exists: bool) -> str | None:
    """Return why a module may not appear under module_id, or None.

    An id with history whose file is gone (or was marked deleted) may come back only as the
    same module: with a version it had before, as a restore does. Anything else is a different
    module under a reused id, which would inherit passes, certificates and open attempts.
    """
    history = module_history(module_id=module_id)
    if not history.used or not (history.deleted or not file_exists):
        return None
    if version in history.versions:
        return None
    return _reuse_message(history)


def check_module_text(*, directory: Path, module_id: str | None, text: str) -> CheckResult:
    """Check a module text for saving as module_id (None: a new module named by its id).

    Besides the content checks this refuses a new module whose file exists already and an id
    change once learners have attempts at the module. An id change without attempts is a
    rename: the file will be saved under the new id.
    """
    # One parse: the written id, its position and every problem come from the same load.
    source = load_module_source(text, "<text>")
    written_id = _written_id(source.data)
    line, column = source.position(("id",))
    target = module_id
    renamed_from = None
    if written_id is not None and written_id != module_id:
        target = written_id
        renamed_from = module_id
    name = f"{target or 'new-module'}.yaml"
    module = source.value
    # The file is saved under the id written in it, so the id always matches the file name.
    problems = [dataclasses.replace(p, path=name) for p in source.problems]
    if target is not None and target != module_id and module_path(directory, target).is_file():
        problems.append(
            Problem(
                name,
                line,
                column,
                f"a module with id '{target}' exists already; choose another id",
            )
        )
    if module is not None and target is not None and not problems:
        reused = reused_id_problem(
            module_id=target,
            version=content_version(module),
            file_exists=target == module_id and module_path(directory, target).is_file(),
        )
        if reused:
            problems.append(Problem(name, line, column, reused))
    if renamed_from is not None:
        used = attempt_count(module_id=renamed_from)
        if used:
            problems.append(
                Problem(
                    name,
                    line,
                    column,
                    f"the module id cannot change once learners have taken the quiz "
                    f"({used} attempt{'' if used == 1 else 's'} at '{renamed_from}'); "
                    f"change it back to '{renamed_from}'",
                )
            )
    problems.sort()
    return CheckResult(
        module=module if not problems else None,
        problems=problems,
        module_id=target,
        renamed_from=renamed_from,
        question_lines=_question_lines(source),
    )


def _question_lines(source: LoadResult) -> dict[str, int]:
    """Return the line of each question id written in a loaded text (the first, if repeated)."""
    quiz = source.data.get("quiz") if source.data is not None else None
    questions = quiz.get("questions") if isinstance(quiz, dict) else None
    lines: dict[str, int] = {}
    for index, question in enumerate(questions if isinstance(questions, list) else []):
        qid = question.get("id") if isinstance(question, dict) else None
        if isinstance(qid, str) and qid.strip():
            line, _column = source.position(("quiz", "questions", index, "id"))
            lines.setdefault(qid.strip(), line)
    return lines


# --- saving -----------------------------------------------------------------------------


def _require_trainer(actor: User) -> None:
    """Refuse unless actor is, according to the database now, an active trainer or admin."""
    current = None
    if actor is not None and actor.id is not None:
        with session_scope(write=False) as session:
            current = session.get(User, actor.id)
    if current is None or current.role not in TRAINER_ROLES or not current.active:
        raise NotAllowed("Only trainers and administrators may change training content.")


def _check_file_name(module_id: str | None) -> None:
    """Refuse a module id that is not a plain file name in the content folder."""
    if module_id is not None and (
        not module_id or Path(module_id).name != module_id or module_id.startswith(".")
    ):
        raise ContentStoreError(f"{module_id!r} is not a module file name.")


def _version_of(text: str, module_id: str) -> str:
    module, _problems = load_module_text(text, f"{module_id}.yaml")
    return content_version(module) if module is not None else INVALID_VERSION


def save_module_text(
    *,
    directory: Path,
    module_id: str | None,
    text: str,
    expected_sha: str | None,
    actor: User,
) -> SaveResult:
    """Validate and write a module file atomically, and record the revision.

    module_id names the file being edited (None for a new module, named by the id in the
    text). expected_sha is `OpenedFile.sha` from when the editor opened the file; when the
    file on disk differs (another trainer, a git pull) SaveConflict is raised. An invalid
    text raises InvalidModule. In both cases nothing is written.
    """
    _require_trainer(actor)
    _check_file_name(module_id)
    directory = Path(directory)
    text = normalise_text(text)
    with _save_lock, session_scope() as session:
        # Taking the database write lock first makes check-and-write one step across processes.
        session.exec(select(func.count()).select_from(ContentRevision)).one()
        check = check_module_text(directory=directory, module_id=module_id, text=text)
        if not check.ok or check.module is None or check.module_id is None:
            raise InvalidModule(check.problems)
        new_id = check.module_id
        source = module_path(directory, module_id) if module_id is not None else None
        on_disk = source.read_bytes() if source is not None and source.is_file() else None
        if module_id is not None:
            current_sha = hashlib.sha256(on_disk).hexdigest() if on_disk is not None else None
            if current_sha != expected_sha:
                what = "deleted" if current_sha is None else "changed"
                raise SaveConflict(
                    f"Not saved: {source.name} was {what} on disk since you opened it "
                    "(by another trainer, or a git pull). Your edit is kept here: copy it, "
                    "reload the file, and apply your change again."
                )
        if source is not None and check.renamed_from is None:
            target = source
        else:
            target = directory / f"{new_id}.yaml"
        old_text = _decode(on_disk) if on_disk is not None else None
        version = content_version(check.module)
        if old_text == text and check.renamed_from is None:
            return _saved(new_id, target, version, revision_id=None)

        # A file changed by hand since the last recorded revision is kept as history first.
        latest = session.exec(
            select(ContentRevision.text)
            .where(ContentRevision.module_id == module_id)
            .order_by(ContentRevision.id.desc())
        ).first()
        if old_text is not None and module_id is not None and latest != old_text:
            session.add(
                ContentRevision(
                    module_id=module_id,
                    version=_version_of(old_text, module_id),
                    text=old_text,
                    saved_by=None,
                    saved_at=now_utc(),
                )
            )
        if check.renamed_from is not None:
            # Safe only because no learner has an attempt at the old id (checked above).
            for table in (ContentRevision, Assignment):
                session.exec(
                    update(table)
                    .where(table.module_id == check.renamed_from)
                    .values(module_id=new_id)
                )
        revision = ContentRevision(
            module_id=new_id, version=version, text=text, saved_by=actor.id, saved_at=now_utc()
        )
        session.add(revision)
        detail = f"version {version}"
        if check.renamed_from is not None:
            detail += f", renamed from {check.renamed_from}"
        _audit(session, "content_saved", actor_id=actor.id, target=new_id, detail=detail)
        session.flush()
        _atomic_write(target, text)
        if source is not None and source != target:
            source.unlink(missing_ok=True)
        revision_id = revision.id
    return _saved(new_id, target, version, revision_id, check.renamed_from)


def _saved(
    module_id: str,
    path: Path,
    version: str,
    revision_id: int | None,
    renamed_from: str | None = None,
) -> SaveResult:
    """Return what a save did: wrote a revision, or (revision_id None) found nothing to change."""
    return SaveResult(
        module_id=module_id,
        path=path,
        version=version,
        sha=file_sha(path) or "",
        revision_id=revision_id,
        changed=revision_id is not None,
        renamed_from=renamed_from,
    )


def restore_revision(
    *, directory: Path, revision_id: int, expected_sha: str | None, actor: User
) -> SaveResult:
    """Save an old revision's text as the module's newest revision (validated like any save)."""
    _require_trainer(actor)
    with session_scope(write=False) as session:
        revision = session.get(ContentRevision, revision_id)
    if revision is None:
        raise ContentStoreError("That revision does not exist.")
    return save_module_text(
        directory=directory,
        module_id=revision.module_id,
        text=revision.text,
        expected_sha=expected_sha,
        actor=actor,
    )


# --- history ----------------------------------------------------------------------------


def _info(row: ContentRevision, name: str | None) -> RevisionInfo:
    return RevisionInfo(
        id=row.id,
        module_id=row.module_id,
        version=row.version,
        saved_at=clock.aware(row.saved_at),
        saved_by=name,
        lines=row.text.count("\n") + (0 if row.text.endswith("\n") else 1),
    )


def list_revisions(*, module_id: str) -> list[RevisionInfo]:
    """Return a module's revisions, newest first."""
    with session_scope(write=False) as session:
        rows = _newest_first(session, ContentRevision, ContentRevision.module_id == module_id)
    return [_info(row, name) for row, name in rows]


T = TypeVar("T", ContentRevision, ChecklistRevision)


def _newest_first(session: Session, table: type[T], where: Any) -> list[tuple[T, str | None]]:
    """Return the revisions of a revision table matching where, each with its saver's name."""
    return list(
        session.exec(
            select(table, User.name)
            .join(User, User.id == table.saved_by, isouter=True)
            .where(where)
            .order_by(table.id.desc())
        ).all()
    )


def revision_text(*, revision_id: int) -> str | None:
    """Return the full text of a revision, or None."""
    with session_scope(write=False) as session:
        return session.exec(
            select(ContentRevision.text).where(ContentRevision.id == revision_id)
        ).first()


def last_edits() -> dict[str, RevisionInfo]:
    """Return the newest revision of every module, by module id."""
    with session_scope(write=False) as session:
        newest = (
            select(func.max(ContentRevision.id).label("id"))
            .group_by(ContentRevision.module_id)
            .subquery()
        )
        rows = session.exec(
            select(ContentRevision, User.name)
            .join(newest, newest.c.id == ContentRevision.id)
            .join(User, User.id == ContentRevision.saved_by, isouter=True)
        ).all()
    return {row.module_id: _info(row, name) for row, name in rows}


# --- deleted modules --------------------------------------------------------------------


@dataclass(frozen=True)
class DeletedModule:
    """A module id with history whose file is no longer in the content folder."""

    module_id: str
    revision_id: int  # the newest revision with a module text, the one a restore brings back
    saved_at: datetime
    attempts: int


def deleted_modules(*, present_ids: set[str]) -> list[DeletedModule]:
    """Return the module ids with revisions but no file among present_ids, newest first."""
    with session_scope(write=False) as session:
        newest = (
            select(func.max(ContentRevision.id).label("id"))
            .where(ContentRevision.version != DELETED_VERSION)
            .group_by(ContentRevision.module_id)
            .subquery()
        )
        rows = session.exec(
            select(ContentRevision).join(newest, newest.c.id == ContentRevision.id)
        ).all()
        attempts = dict(
            session.exec(select(Attempt.module_id, func.count()).group_by(Attempt.module_id)).all()
        )
    gone = [
        DeletedModule(r.module_id, r.id, clock.aware(r.saved_at), attempts.get(r.module_id, 0))
        for r in rows
        if r.module_id not in present_ids
    ]
    return sorted(gone, key=lambda d: d.saved_at, reverse=True)


def record_deletions(*, present_ids: set[str]) -> list[str]:
    """Mark every module with history but no file as deleted; withdraw its open attempts.

    Return the ids newly marked. Called whenever the app reloads the content folder, so a
    file put back later under the same id is known to follow a deletion.
    """
    marked = []
    for gone in deleted_modules(present_ids=present_ids):
        with session_scope() as session:
            newest = session.exec(
                select(ContentRevision.version)
                .where(ContentRevision.module_id == gone.module_id)
                .order_by(ContentRevision.id.desc())
            ).first()
            if newest == DELETED_VERSION:
                continue
            session.add(
                ContentRevision(
                    module_id=gone.module_id,
                    version=DELETED_VERSION,
                    text="",
                    saved_by=None,
                    saved_at=now_utc(),
                )
            )
            _audit(session, "content_deleted", actor_id=None, target=gone.module_id)
        learning.withdraw_open_attempts(module_id=gone.module_id)
        marked.append(gone.module_id)
    return marked


def reused_ids(*, versions: dict[str, str]) -> dict[str, str]:
    """Return, by id, why a module file (id -> version) may not be shown to learners.

    A file put back with a version the id had before is the old module restored by hand: it
    gets a revision again (no longer marked deleted) and is fine.
    """
    with session_scope(write=False) as session:
        marked = set(
            session.exec(
                select(ContentRevision.module_id).where(
                    ContentRevision.version == DELETED_VERSION,
                    ContentRevision.module_id.in_(list(versions)),
                )
            ).all()
        )
    refused = {}
    for module_id in sorted(marked):
        history = module_history(module_id=module_id)
        if not history.deleted:
            continue
        if versions[module_id] in history.versions:
            _record_restored_by_hand(module_id, versions[module_id])
        else:
            refused[module_id] = _reuse_message(history)
    return refused


def guard_reused_ids(content: ContentSet) -> ContentSet:
    """Return the content set as learners may see it: deletions recorded, reused ids refused.

    A module file dropped into the folder under the id of a deleted module (with a version
    that module never had) is left out and reported at its id, like any invalid file, so old
    passes, certificates and attempts are never credited to a different module. The
    command-line validator cannot see the database and does not report it.
    """
    if content.files:
        # An empty or unreadable folder is a wrong TRAINING_CONTENT_DIR or a missing mount,
        # not the deletion of every module: nothing is marked and no attempt is closed.
        record_deletions(present_ids={path.stem for path in content.files})
    refused = reused_ids(versions={mid: lm.version for mid, lm in content.modules.items()})
    if not refused:
        return content
    problems = list(content.problems)
    for module_id, message in refused.items():
        loaded = content.modules[module_id]
        line, column = loaded.positions.at(("id",))
        problems.append(Problem(str(loaded.path), line, column, message))
    return ContentSet(
        modules={m: lm for m, lm in content.modules.items() if m not in refused},
        problems=sorted(problems, key=lambda p: (p.path, p.line, p.column)),
        files=content.files,
    )


def _record_restored_by_hand(module_id: str, version: str) -> None:
    with session_scope() as session:
        text = session.exec(
            select(ContentRevision.text)
            .where(ContentRevision.module_id == module_id, ContentRevision.version == version)
            .order_by(ContentRevision.id.desc())
        ).first()
        session.add(
            ContentRevision(
                module_id=module_id,
                version=version,
                text=text or "",
                saved_by=None,
                saved_at=now_utc(),
            )
        )


# --- item analysis ----------------------------------------------------------------------


def _first_attempt_ids(module_id: str):
    """Return a subquery of each learner's first submitted quiz attempt at the module."""
    return (
        select(func.min(Attempt.id))
        .where(
            Attempt.module_id == module_id,
            Attempt.kind == "quiz",
            Attempt.submitted_at.is_not(None),
        )
        .group_by(Attempt.user_id)
    )


def analysis_versions(*, module_id: str) -> list[VersionUsage]:
    """Return the content versions with submitted quiz attempts, most recently used first."""
    with session_scope(write=False) as session:
        rows = session.exec(
            select(
                Attempt.content_version,
                func.count(Attempt.id),
                func.count(func.distinct(Attempt.user_id)),
                func.min(Attempt.submitted_at),
                func.max(Attempt.submitted_at),
            )
            .where(
                Attempt.module_id == module_id,
                Attempt.kind == "quiz",
                Attempt.submitted_at.is_not(None),
            )
            .group_by(Attempt.content_version)
        ).all()
    usages = [
        VersionUsage(
            version=version,
            attempts=attempts,
            learners=learners,
            first_at=clock.aware(first),
            last_at=clock.aware(last),
        )
        for version, attempts, learners, first, last in rows
    ]
    return sorted(usages, key=lambda u: u.last_at, reverse=True)


def responses(
    *,
    module_id: str,
    version: str,
    question_ids: list[str],
    first_attempts_only: bool = True,
) -> Responses:
    """Return the marks table and chosen options of a module version's submitted attempts.

    One row per attempt and one column per question id (None where the attempt did not draw
    it). With first_attempts_only, only each learner's first submitted attempt at the module
    counts, and only when it was made on this version: later attempts follow feedback.
    """
    column = {qid: i for i, qid in enumerate(question_ids)}
    query = (
        select(Attempt.id, Answer.question_id, Answer.marks, Answer.max_marks, Answer.chosen)
        .join(Answer, Answer.attempt_id == Attempt.id)
        .where(
            Attempt.module_id == module_id,
            Attempt.content_version == version,
            Attempt.kind == "quiz",
            Attempt.submitted_at.is_not(None),
        )
        .order_by(Attempt.id, Answer.id)
    )
    if first_attempts_only:
        query = query.where(Attempt.id.in_(_first_attempt_ids(module_id)))
    with session_scope(write=False) as session:
        rows = session.exec(query).all()
    result = Responses(question_ids=list(question_ids))
    result.max_marks = [1.0] * len(question_ids)
    result.choices = {qid: [] for qid in question_ids}
    by_attempt: dict[int, list[float | None]] = defaultdict(lambda: [None] * len(question_ids))
    for attempt_id, question_id, marks, max_marks, chosen in rows:
        index = column.get(question_id)
        if index is None:
            continue
        by_attempt[attempt_id][index] = float(marks)
        result.max_marks[index] = float(max_marks)
        result.choices[question_id].append([int(c) for c in chosen or []])
    result.marks = [by_attempt[a] for a in sorted(by_attempt)]
    return result
