"""The public API for training modules: load one text or file, or a whole content folder.

Modules are one `ContentKind` (`MODULE`) of the generic pipeline in `training.loader.pipeline`.
`load_module_source` returns everything one load found, positions included, for callers that
report at a place in the text (the studio's save checks) without parsing the text again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from training.loader.pipeline import load_yaml, load_yaml_file
from training.loader.positions import ContentKind, LoadResult, Positions, Problem
from training.loader.semantics import _check_semantics, _describe
from training.models import Module
from training.organisation import Organisation, read_organisation

MODULE = ContentKind(
    model=Module,
    noun="module",
    empty_message=(
        "the file is empty; a module needs at least id, title, competency, summary, "
        "estimated_minutes, lessons and quiz (see content/_template.yaml)"
    ),
    describe=_describe,
    checks=(_check_semantics,),
)


@dataclass(frozen=True)
class LoadedModule:
    """A valid module with the file it came from, its content version and its source text."""

    module: Module
    path: Path
    version: str
    text: str
    # Where each value is written in text, by path: ("id",), ("quiz", "questions", 0), ...
    positions: Positions = field(default_factory=Positions, repr=False, compare=False)


@dataclass
class ContentSet:
    """Every valid module of a content folder (by id) and every problem found there."""

    modules: dict[str, LoadedModule]
    problems: list[Problem]
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when no file has a problem."""
        return not self.problems

    @property
    def question_count(self) -> int:
        """Return the number of questions in all valid modules."""
        return sum(len(m.module.quiz.questions) for m in self.modules.values())


def load_module_text(
    text: str | bytes, path: str = "<text>", *, organisation: Organisation | None = None
) -> tuple[Module | None, list[Problem]]:
    """Parse and check one module; return the module (None if any problem) and the problems.

    Placeholders ({{ name }}) are filled in from organisation, by default the
    _organisation.yaml beside path, else the one in the default content folder.
    """
    result = load_module_source(text, path, organisation=organisation)
    return result.value, result.problems


def load_module_source(
    text: str | bytes, path: str = "<text>", *, organisation: Organisation | None = None
) -> LoadResult:
    """Parse and check one module; return the data, the positions, the module and the problems."""
    return load_yaml(text, path, MODULE, organisation=organisation)


def load_module_file(
    path: Path, *, organisation: Organisation | None = None
) -> tuple[Module | None, list[Problem]]:
    """Read, parse and check one module file."""
    result = load_yaml_file(Path(path), MODULE, organisation=organisation)
    return result.value, result.problems


def module_files(directory: Path) -> list[Path]:
    """Return the module files of a folder: *.yaml and *.yml not starting with '_' or '.'."""
    return sorted(
        p
        for p in Path(directory).iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(("_", ".")) and p.is_file()
    )


def load_content_dir(directory: Path) -> ContentSet:
    """Load every module file of a folder; a broken file never stops the others."""
    directory = Path(directory)
    content = ContentSet(modules={}, problems=[])
    try:
        files = module_files(directory)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        content.problems.append(Problem(str(directory), 1, 1, f"cannot read the folder: {reason}"))
        return content
    content.files = files
    organisation = read_organisation(directory)
    content.problems.extend(
        Problem(str(organisation.path), line, column, message)
        for line, column, message in organisation.problems
    )
    for file in files:
        result = load_yaml_file(file, MODULE, organisation=organisation)
        content.problems.extend(result.problems)
        if result.module is None:
            continue
        module = result.module
        first = content.modules.get(module.id)
        if first is not None:
            line, column = result.position(("id",))
            content.problems.append(
                Problem(
                    str(file),
                    line,
                    column,
                    f"module id '{module.id}' is already used by {first.path.name}; "
                    "every module needs its own id",
                )
            )
            continue
        content.modules[module.id] = LoadedModule(
            module=module,
            path=file,
            version=content_version(module),
            text=result.text,
            positions=result.positions,
        )
    return content


def content_version(module: Module) -> str:
    """Return a stable 16-hex-digit hash of the module's content (comments and layout ignored)."""
    # exclude_none: a new optional field added to the format later does not change the version
    # of every existing module.
    data = module.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _load_file(path: Path, organisation: Organisation | None = None) -> LoadResult:
    """Read and check one module file (the name from before the generic pipeline)."""
    return load_yaml_file(Path(path), MODULE, organisation=organisation)


def _load(text: str | bytes, path: str, organisation: Organisation | None = None) -> LoadResult:
    """Check one module text (the name from before the generic pipeline)."""
    return load_yaml(text, path, MODULE, organisation=organisation)
