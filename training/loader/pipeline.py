"""The generic loading pipeline: YAML text to a validated pydantic model, with positions.

`load_yaml` (and `load_yaml_file`) take a `ContentKind` (the pydantic model, how places are
named, the kind's own checks) and return a `LoadResult`: the plain data, the positions of
every value, the validated model and every problem as `path:line:column: message`. Modules
use it through `training.loader.load_module_text`; another kind of content file calls it with
its own kind:

    result = load_yaml_file(path, ContentKind(model=Checklist, noun="checklist", ...))
    if result.ok:
        checklist = result.value

No input, however broken, makes these functions raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from training.loader.positions import (
    _LINE_BREAK,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    ContentKind,
    LoadResult,
    Loc,
    _Builder,
    _line_col,
)
from training.loader.pydantic_errors import _check_types, _validate
from training.loader.yaml_errors import (
    _compose,
    _decode,
    _flow_nesting_beyond,
    _too_large_message,
)
from training.organisation import (
    PLACEHOLDER,
    Organisation,
    organisation_for,
    undefined_message,
)

_Result = LoadResult


def load_yaml(
    text: str | bytes, path: str, kind: ContentKind, *, organisation: Organisation | None = None
) -> LoadResult:
    """Parse text as one content file of the given kind; never raises."""
    try:
        return _load_unguarded(text, path, organisation, kind)
    except RecursionError:
        result = LoadResult(path, kind=kind)
        result.add(1, 1, f"the file is nested too deeply (more than {MAX_DEPTH} levels)")
        return result
    except Exception as exc:  # the promise is: never a traceback, whatever the file holds
        result = LoadResult(path, kind=kind)
        result.add(1, 1, f"internal error while checking this file ({exc.__class__.__name__})")
        return result


def load_yaml_file(
    path: Path, kind: ContentKind, *, organisation: Organisation | None = None
) -> LoadResult:
    """Read and parse one content file of the given kind; never raises."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            result = LoadResult(str(path), kind=kind)
            result.add(1, 1, _too_large_message(size))
            return result
        data = path.read_bytes()
    except OSError as exc:
        result = LoadResult(str(path), kind=kind)
        result.add(1, 1, f"cannot read the file: {exc.strerror or exc.__class__.__name__}")
        return result
    return load_yaml(data, str(path), kind, organisation=organisation)


def _load_unguarded(
    text: str | bytes,
    path: str,
    organisation: Organisation | None,
    kind: ContentKind | None = None,
) -> LoadResult:
    if kind is None:  # called the old way, for a module
        from training.loader.api import MODULE

        kind = MODULE
    result = LoadResult(path, kind=kind)
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_FILE_BYTES:
            result.add(1, 1, _too_large_message(len(text)))
            return result
        decoded = _decode(bytes(text), result)
        if decoded is None:
            return result
        text = decoded
    elif not isinstance(text, str):
        result.add(1, 1, "the content must be text")
        return result
    text = text.removeprefix("\ufeff")
    result.text = text
    if len(text) > MAX_FILE_BYTES:
        result.add(1, 1, _too_large_message(len(text)))
        return result

    deep = _flow_nesting_beyond(text, 2 * MAX_DEPTH)
    if deep is not None:
        result.add(
            *_line_col(text, deep), f"the file is nested too deeply (more than {MAX_DEPTH} levels)"
        )
        return result
    node = _compose(text, result)
    if result.problems:
        return result
    if node is None:
        result.add(1, 1, kind.empty_message)
        return result
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        result.add(
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            f"the file must be a set of fields like 'id: ...' and 'title: ...', but it is {kind}",
        )
        return result

    data = _Builder(result).build_document(node)
    if data is None:
        return result
    result.data = data
    if kind.placeholders:
        _fill_placeholders(data, result, organisation or organisation_for(path))
    _check_types(data, result)
    for check in kind.checks:
        check(data, result)
    value = _validate(data, result)
    # Stable sort: problems at one place keep the order of the fields in the model.
    result.problems = sorted(dict.fromkeys(result.problems), key=lambda p: (p.line, p.column))
    if not result.problems:
        result.value = value
    return result


def _fill_placeholders(data: Any, result: LoadResult, organisation: Organisation) -> None:
    """Replace every {{ name }} in the texts with its fact; report undefined ones in place."""

    def fill(value: Any, loc: Loc) -> Any:
        if isinstance(value, dict):
            return {key: fill(item, (*loc, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item, (*loc, i)) for i, item in enumerate(value)]
        if not isinstance(value, str) or "{{" not in value:
            return value
        for match in PLACEHOLDER.finditer(value):
            if match.group(1) not in organisation.facts:
                line, column = _placeholder_position(result, loc, match.group(0))
                result.add(line, column, undefined_message(match.group(1), organisation))
                result.reported.add(loc)
        return PLACEHOLDER.sub(
            lambda m: organisation.facts.get(m.group(1), m.group(0)),
            value,
        )

    filled = fill(data, ())
    data.clear()
    data.update(filled)


def _placeholder_position(result: LoadResult, loc: Loc, written: str) -> tuple[int, int]:
    """Return where a placeholder is written in the file: the scalar's start, searched onwards."""
    line, column = result.position(loc)
    lines = _LINE_BREAK.split(result.text)
    for number in range(line - 1, len(lines)):
        start = column - 1 if number == line - 1 else 0
        found = lines[number].find(written, start)
        if found >= 0:
            return number + 1, found + 1
    return line, column
