"""Load and check training modules from YAML, reporting every problem with its line and column.

The loader parses with PyYAML's SafeLoader (no Python tags), keeps the position of every key and
value, validates against `training.models.Module` and adds the checks a type system cannot
express (one right option per single-choice question, unique ids, ...). Every problem becomes a
`Problem` whose `str()` is `path:line:column: message`, worded for trainers, not programmers.
No input, however broken, makes these functions raise.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import hashlib
import json
import re
import types
import typing
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from training.models import KEBAB_ID, Module
from training.organisation import (
    PLACEHOLDER,
    Organisation,
    organisation_for,
    read_organisation,
    undefined_message,
)

__all__ = [
    "MAX_FILE_BYTES",
    "ContentSet",
    "LoadedModule",
    "Problem",
    "content_version",
    "load_content_dir",
    "load_module_file",
    "load_module_text",
    "module_files",
    "required_correct",
]

MAX_FILE_BYTES = 512_000  # real modules are 10-60 kB; parsing costs about 1 s per MB
# Real modules are 6 levels deep and have a few hundred nodes; the limits stop alias bombs
# ("billion laughs") and pathological nesting long before they cost time or memory.
MAX_DEPTH = 40
MAX_NODES = 50_000

Loc = tuple[str | int, ...]

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a content file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class LoadedModule:
    """A valid module with the file it came from, its content version and its source text."""

    module: Module
    path: Path
    version: str
    text: str


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


# --------------------------------------------------------------------------------------------
# Public API


def load_module_text(
    text: str | bytes, path: str = "<text>", *, organisation: Organisation | None = None
) -> tuple[Module | None, list[Problem]]:
    """Parse and check one module; return the module (None if any problem) and the problems.

    Placeholders ({{ name }}) are filled in from organisation, by default the
    _organisation.yaml beside path, else the one in the default content folder.
    """
    result = _load(text, path, organisation)
    return result.module, result.problems


def load_module_file(
    path: Path, *, organisation: Organisation | None = None
) -> tuple[Module | None, list[Problem]]:
    """Read, parse and check one module file."""
    result = _load_file(Path(path), organisation)
    return result.module, result.problems


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
        result = _load_file(file, organisation)
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
            module=module, path=file, version=content_version(module), text=result.text
        )
    return content


def content_version(module: Module) -> str:
    """Return a stable 16-hex-digit hash of the module's content (comments and layout ignored)."""
    # exclude_none: a new optional field added to the format later does not change the version
    # of every existing module.
    data = module.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Loading pipeline


class _Pos(NamedTuple):
    line: int
    column: int
    key_line: int | None
    key_column: int | None
    raw: str | None  # the scalar as written, for messages like "put Yes in quotes"
    quoted: bool


class _Result:
    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.text = text
        self.module: Module | None = None
        self.problems: list[Problem] = []
        self.positions: dict[Loc, _Pos] = {}
        # Places already reported while building or type-checking; pydantic would repeat them.
        self.reported: set[Loc] = set()

    def add(self, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(self.path, max(1, line), max(1, column), _one_line(message)))

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Return the position of loc, or of its nearest ancestor that exists in the file."""
        for n in range(len(loc), -1, -1):
            pos = self.positions.get(loc[:n])
            if pos is None:
                continue
            if key and n == len(loc) and pos.key_line is not None and pos.key_column is not None:
                return pos.key_line, pos.key_column
            return pos.line, pos.column
        return 1, 1

    def add_at(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.add(*self.position(loc, key=key), message)


def _load_file(
    path: Path, organisation: Organisation | None = None, fmt: ContentFormat | None = None
) -> _Result:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            result = _Result(str(path))
            result.add(1, 1, _too_large_message(size))
            return result
        data = path.read_bytes()
    except OSError as exc:
        result = _Result(str(path))
        result.add(1, 1, f"cannot read the file: {exc.strerror or exc.__class__.__name__}")
        return result
    return _load(data, str(path), organisation, fmt)


def _load(
    text: str | bytes,
    path: str,
    organisation: Organisation | None = None,
    fmt: ContentFormat | None = None,
) -> _Result:
    token = _FORMAT.set(fmt or MODULE_FORMAT)
    try:
        return _load_unguarded(text, path, organisation)
    except RecursionError:
        result = _Result(path)
        result.add(1, 1, f"the file is nested too deeply (more than {MAX_DEPTH} levels)")
        return result
    except Exception as exc:  # the promise is: never a traceback, whatever the file holds
        result = _Result(path)
        result.add(1, 1, f"internal error while checking this file ({exc.__class__.__name__})")
        return result
    finally:
        _FORMAT.reset(token)


def _load_unguarded(text: str | bytes, path: str, organisation: Organisation | None) -> _Result:
    result = _Result(path)
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
        fmt = _format()
        result.add(1, 1, f"the file is empty; a {fmt.noun} needs at least {fmt.needs}")
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
    _fill_placeholders(data, result, organisation or organisation_for(path))
    _check_types(data, result)
    _format().semantics(data, result)
    module = _validate(data, result)
    # Stable sort: problems at one place keep the order of the fields in the model.
    result.problems = sorted(dict.fromkeys(result.problems), key=lambda p: (p.line, p.column))
    if not result.problems:
        result.module = module
    return result


def _too_large_message(size: int) -> str:
    return (
        f"the file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,}); "
        "split it into several modules"
    )


def _decode(data: bytes, result: _Result) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            result.add(1, 1, "the file is not readable text; save it as UTF-8")
            return None
    if b"\x00" in data[:8192]:
        result.add(1, 1, "this is not a text file (it contains binary data); save it as UTF-8 text")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        result.add(
            line,
            column,
            f"the file is not UTF-8 text (unexpected byte 0x{data[exc.start]:02x}); "
            "save it with UTF-8 encoding",
        )
        return None


# --------------------------------------------------------------------------------------------
# YAML parsing with positions


def _compose(text: str, result: _Result) -> yaml.Node | None:
    loader: yaml.SafeLoader | None = None
    try:
        # The reader checks for forbidden characters already when the loader is created.
        loader = yaml.SafeLoader(text)
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line, column, message = _yaml_error(exc, text)
        result.add(line, column, message)
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        result.add(
            line,
            column,
            f"the file contains an invisible character ({shown}) that YAML does not allow; "
            "delete it or retype the text around it",
        )
    except yaml.YAMLError as exc:
        result.add(1, 1, f"YAML syntax error: {exc}")
    except RecursionError:
        result.add(1, 1, f"the file is nested too deeply (more than {MAX_DEPTH} levels)")
    finally:
        if loader is not None:
            loader.dispose()
    return None


def _flow_nesting_beyond(text: str, limit: int) -> int | None:
    """Return the index of the first '[' or '{' opened beyond limit unclosed ones, if any."""
    # PyYAML needs quadratic time for deeply nested [ and { (thousands take seconds), so they
    # are refused before parsing. Counting brackets anywhere, even in quotes, can only
    # overestimate, and real text never leaves dozens of brackets open.
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > limit:
                return index
        elif char in "]}" and depth:
            depth -= 1
    return None


# What YAML counts as a line break; marks count lines the same way.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_col(text: str, index: int) -> tuple[int, int]:
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


_QUOTE_HINT = "put the whole text in quotes"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """Translate a PyYAML error into (line, column, plain message)."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    context_mark = exc.context_mark or mark
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1

    def at(m: yaml.Mark | None) -> tuple[int, int]:
        return (m.line + 1, m.column + 1) if m else (line, column)

    if "'\\t'" in problem or "tab character" in problem:
        return line, column, "a tab character is used here; indent with spaces, never tabs"
    if "quoted scalar" in context and "end of stream" in problem:
        quote = _quote_at(text, context_mark)
        return (
            *at(context_mark),
            f"the quote {quote} opened here is never closed; add the closing {quote}",
        )
    if "unknown escape character" in problem:
        return (
            line,
            column,
            'a backslash (\\) in "double quotes" starts a special code; '
            "use 'single quotes' instead or write the backslash twice (\\\\)",
        )
    if "cannot start any token" in problem:
        char = re.search(r"character '(.*)'", problem)
        shown = char.group(1) if char else "this character"
        return line, column, f"a value cannot start with {shown}; {_QUOTE_HINT}"
    if problem == "mapping values are not allowed here":
        line_text = _line_text(text, mark)
        before = line_text[: mark.column] if mark else ""
        if ": " in before.lstrip().removeprefix("- ") or before.rstrip().endswith(":"):
            message = f"the text contains ': ', which YAML reads as a new field; {_QUOTE_HINT}"
        else:
            message = (
                "this line is indented wrongly: fields of the same group must start in the same "
                "column, and a field cannot follow a value on its own line"
            )
        return line, column, message
    if "could not find expected ':'" in problem:
        return (
            *at(context_mark),
            "expected 'name: value' on this line; add the missing ':' or check the indentation "
            "of the line (a long text that continues on the next line must be indented more, "
            "or use 'body: |')",
        )
    if "found duplicate anchor" in context:
        return line, column, "this anchor (&name) is defined twice; give each anchor its own name"
    if "found undefined alias" in problem:
        return line, column, "this alias (*name) refers to an anchor (&name) that does not exist"
    if "expected a single document" in context:
        return (
            line,
            column,
            "a module file holds a single module; remove the second '---' line and what follows "
            "it, or move it to its own file",
        )
    if "while scanning an anchor" in context or "while scanning an alias" in context:
        return line, column, f"'&' and '*' mark YAML anchors; {_QUOTE_HINT}"
    if "flow sequence" in context or "flow mapping" in context:
        closing = "]" if "sequence" in context else "}"
        return (
            *at(context_mark),
            f"the bracket opened here is never closed or is followed by something unexpected; "
            f"add the closing '{closing}', or if the text starts with a bracket, {_QUOTE_HINT}",
        )
    if "expected <block end>" in problem:
        found = re.search(r"found '(.*)'", problem)
        token = found.group(1) if found else ""
        if token == ":":
            return line, column, "a value without a field name; write 'name: value'"
        if token == "-":
            return (
                line,
                column,
                "this list item ('- ') is indented differently from the items above it",
            )
        if token == "<scalar>" and _after_closing_quote(text, mark):
            return (
                line,
                column,
                "there is more text after the closing quote; quote the whole text, "
                "or use the other kind of quote around it",
            )
        return (
            line,
            column,
            "this line is indented differently from the lines above it; fields of the same "
            "group must start in the same column, and a text block must stay indented",
        )
    if "expected the node content" in problem:
        return (
            line,
            column,
            f"a value is missing or starts with an unexpected character; {_QUOTE_HINT}",
        )
    if "did not find expected '-' indicator" in problem:
        return line, column, "this line is indented differently from the list items around it"
    if "did not find expected key" in problem:
        return line, column, "this line is indented differently from the fields above it"
    if "expected alphabetic or numeric character" in problem:
        return line, column, f"unexpected character; {_QUOTE_HINT}"
    where = f" ({context})" if context else ""
    return line, column, f"YAML syntax error: {problem}{where}"


def _quote_at(text: str, mark: yaml.Mark | None) -> str:
    if mark is None or not (0 <= mark.index < len(text)):
        return '"'
    char = text[mark.index]
    return char if char in "'\"" else '"'


def _line_text(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = _LINE_BREAK.split(text)
    return lines[mark.line] if 0 <= mark.line < len(lines) else ""


def _after_closing_quote(text: str, mark: yaml.Mark | None) -> bool:
    before = _line_text(text, mark)[: mark.column if mark else 0].rstrip()
    return before.endswith(("'", '"'))


class _Abort(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


_MERGE_WHAT = "merge keys (<<: *name)"


class _Builder:
    """Construct plain Python data from a node tree, recording positions by path."""

    def __init__(self, result: _Result) -> None:
        self.result = result
        self.constructor = yaml.SafeLoader("")
        self.count = 0

    def build_document(self, node: yaml.Node) -> dict[str, Any] | None:
        try:
            data = self.build(node, (), 0, None)
        except _Abort as exc:
            mark = exc.node.start_mark
            self.result.add(mark.line + 1, mark.column + 1, exc.message)
            return None
        finally:
            self.constructor.dispose()
        return data if isinstance(data, dict) else None

    def tick(self, node: yaml.Node, what: str = "aliases (*name)") -> None:
        """Count one node or merged pair against MAX_NODES; stop the build beyond it."""
        self.count += 1
        if self.count > MAX_NODES:
            raise _Abort(node, f"the file is too large or repeats too much through {what}")

    def build(self, node: yaml.Node, loc: Loc, depth: int, key_node: yaml.Node | None) -> Any:
        self.tick(node)
        if depth > MAX_DEPTH:
            raise _Abort(node, f"the file is nested too deeply (more than {MAX_DEPTH} levels)")
        mark = node.start_mark
        is_scalar = isinstance(node, yaml.ScalarNode)
        self.result.positions[loc] = _Pos(
            mark.line + 1,
            mark.column + 1,
            key_node.start_mark.line + 1 if key_node else None,
            key_node.start_mark.column + 1 if key_node else None,
            node.value if is_scalar else None,
            bool(is_scalar and node.style in ("'", '"')),
        )
        if isinstance(node, yaml.MappingNode):
            self.check_tag(node, _MAP_TAG, loc)
            return self.mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, _SEQ_TAG, loc)
            return [
                self.build(child, (*loc, i), depth + 1, None) for i, child in enumerate(node.value)
            ]
        return self.scalar(node, loc)

    def check_tag(self, node: yaml.Node, expected: str, loc: Loc) -> None:
        if node.tag != expected:
            tag = _tag_name(node.tag)
            self.problem(node, f"the tag {tag} is not allowed in content files; remove it", loc)

    def problem(self, node: yaml.Node, message: str, loc: Loc | None = None) -> None:
        self.result.add(node.start_mark.line + 1, node.start_mark.column + 1, message)
        if loc is not None:
            self.result.reported.add(loc)

    def scalar(self, node: yaml.Node, loc: Loc) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            tag = _tag_name(node.tag)
            self.problem(node, f"the tag {tag} is not allowed in content files; remove it", loc)
        except ValueError as exc:
            if "digits" in str(exc) or "integer string conversion" in str(exc):
                self.problem(node, "this number is far too long", loc)
            else:
                self.problem(node, f"'{_short(node.value)}' is not a valid value; quote it", loc)
        except (TypeError, OverflowError, ArithmeticError):
            self.problem(node, f"'{_short(node.value)}' is not a valid value; quote it", loc)
        return None

    def pairs(
        self, node: yaml.MappingNode, depth: int
    ) -> Iterator[tuple[yaml.Node, yaml.Node, bool]]:
        """Yield (key, value, merged) pairs, expanding merge keys ('<<: *anchor')."""
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG and isinstance(key_node, yaml.ScalarNode):
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    # Merged sources and pairs count as nodes: '<<: [*a, *a]' nested n times
                    # expands 2**n pairs from a few hundred bytes, all but one later skipped as
                    # duplicates, so without the count it costs minutes and gigabytes.
                    self.tick(key_node, _MERGE_WHAT)
                    if not isinstance(source, yaml.MappingNode):
                        self.problem(
                            source, "'<<' must be followed by an alias of a group of fields"
                        )
                        continue
                    if depth > MAX_DEPTH:
                        raise _Abort(source, "merge keys ('<<') are nested too deeply")
                    for key, value, _ in self.pairs(source, depth + 1):
                        self.tick(key_node, _MERGE_WHAT)
                        yield key, value, True
            else:
                yield key_node, value_node, False

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        data: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        explicit: set[str] = set()
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node, is_merged in self.pairs(node, depth):
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a field name must be a plain word, not a list or group")
                continue
            key = str(key_node.value)
            if is_merged:
                merged.append((key_node, value_node))
                continue
            if key == "" and key_node.tag == _NULL_TAG:
                self.problem(key_node, "a value without a field name; write 'name: value'")
                continue
            if key in first_line:
                self.problem(
                    key_node, f"duplicate field '{_short(key)}' (first at line {first_line[key]})"
                )
            first_line.setdefault(key, key_node.start_mark.line + 1)
            explicit.add(key)
            data[key] = self.build(value_node, (*loc, key), depth + 1, key_node)
        for key_node, value_node in merged:
            key = str(key_node.value)
            if key not in data:
                data[key] = self.build(value_node, (*loc, key), depth + 1, key_node)
        return data


def _tag_name(tag: str) -> str:
    name = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag
    return _short(name)


def _one_line(text: str) -> str:
    """Escape line breaks and other invisible characters so a message stays on one line."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _short(value: object, limit: int = 40) -> str:
    """Return value as a short one-line text for a message."""
    text = _one_line(str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Model introspection


def _unwrap(annotation: Any) -> Any:
    """Strip Optional and Annotated from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _item_annotation(annotation: Any) -> Any | None:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is list:
        return _unwrap(typing.get_args(annotation)[0])
    return None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """Return the model class that validates the mapping at loc, if any."""
    annotation: Any = _format().root
    for step in loc:
        if isinstance(step, int):
            annotation = _item_annotation(annotation)
        else:
            model = _unwrap(annotation)
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                return None
            info = model.model_fields.get(step)
            if info is None:
                return None
            annotation = info.annotation
        if annotation is None:
            return None
    model = _unwrap(annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _field_info(loc: Loc) -> FieldInfo | None:
    if not loc or not isinstance(loc[-1], str):
        return None
    model = _model_at(loc[:-1])
    return model.model_fields.get(loc[-1]) if model else None


def _allowed_values(info: FieldInfo | None) -> list[str]:
    if info is None:
        return []
    annotation = _unwrap(info.annotation)
    if typing.get_origin(annotation) is Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _bounds(info: FieldInfo | None) -> tuple[int | None, int | None]:
    low = high = None
    for meta in info.metadata if info else []:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high


# --------------------------------------------------------------------------------------------
# Describing places for people


def _get(data: Any, loc: Loc) -> Any:
    for step in loc:
        if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        elif isinstance(step, str) and isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def _question_label(data: Any, index: int) -> str:
    question = _get(data, ("quiz", "questions", index))
    qid = question.get("id") if isinstance(question, dict) else None
    if isinstance(qid, str) and qid.strip():
        return f"question {_short(qid.strip())}"
    return f"question {index + 1}"


def _describe(loc: Loc, data: Any) -> str:
    """Name the place at loc in words: 'option 2 of question emp-03', 'lesson 1', ..."""
    match loc:
        case ():
            return f"the {_format().noun}"
        case ("quiz",):
            return "the quiz"
        case ("quiz", "questions"):
            return "the question list"
        case ("quiz", "questions", int(i)):
            return _question_label(data, i)
        case ("quiz", "questions", int(i), "options"):
            return f"the options of {_question_label(data, i)}"
        case ("quiz", "questions", int(i), "options", int(j)):
            return f"option {j + 1} of {_question_label(data, i)}"
        case ("lessons",):
            return "the lesson list"
        case ("lessons", int(i)):
            return f"lesson {i + 1}"
        case ("lessons", int(i), "key_points", int(j)):
            return f"key point {j + 1} of lesson {i + 1}"
    parent = _describe(loc[:-1], data)
    last = loc[-1]
    return (
        f"item {last + 1} of {parent}" if isinstance(last, int) else f"{_short(last)} of {parent}"
    )


def _context(parent: Loc, data: Any) -> str:
    """Return ' (in <place>)' for places below the quiz level, else ''."""
    if len(parent) <= 1:
        return ""
    return f" (in {_describe(parent, data)})"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "empty"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _got(result: _Result, loc: Loc, value: Any) -> str:
    pos = result.positions.get(loc)
    if pos is not None and pos.raw is not None and pos.raw != "":
        return f" (got {_short(pos.raw)})"
    if isinstance(value, dict | list):
        return f" (got {_kind(value)})"
    return ""


# --------------------------------------------------------------------------------------------
# Checks


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _walk_models(data: Any, loc: Loc = ()) -> Iterator[tuple[Loc, FieldInfo, Any]]:
    """Yield (loc, field info, value) for every known field present in the data."""
    model = _model_at(loc)
    if model is None or not isinstance(data, dict):
        return
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        here = (*loc, name)
        yield here, info, value
        if isinstance(value, list) and _item_annotation(info.annotation) is not None:
            for i, item in enumerate(value):
                yield from _walk_models(item, (*here, i))
        else:
            yield from _walk_models(value, here)


def _check_types(data: dict[str, Any], result: _Result) -> None:
    """Reject the loose conversions pydantic would accept: yes for a number, "true" for a flag."""
    for loc, info, value in _walk_models(data):
        annotation = _unwrap(info.annotation)
        name = loc[-1]
        context = _context(loc[:-1], data)
        message = None
        if annotation is int and isinstance(value, bool | str):
            quoted = " without quotes" if isinstance(value, str) else ""
            message = f"{name} must be a whole number{quoted}{_got(result, loc, value)}{context}"
        elif annotation is bool and value is not None and not isinstance(value, bool):
            quoted = " without quotes" if isinstance(value, str) else ""
            message = f"{name} must be true or false{quoted}{_got(result, loc, value)}{context}"
        if message:
            result.add_at(loc, message)
            result.reported.add(loc)


def _validate(data: dict[str, Any], result: _Result) -> Any:
    try:
        return _format().root.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A misspelt field is also a missing one; the "did you mean" line says it all.
        suggested = {
            (*tuple(e["loc"])[:-1], name)
            for e in errors
            if e.get("type") == "extra_forbidden"
            and (name := _suggestion(str(e["loc"][-1]), tuple(e["loc"])[:-1]))
        }
        for error in errors:
            loc = tuple(error.get("loc", ()))
            if loc in result.reported:
                continue
            if error.get("type") == "missing" and loc in suggested:
                continue
            key = error.get("type") == "extra_forbidden"
            result.add_at(loc, _pydantic_message(error, loc, data, result), key=key)
        return None


def _pydantic_message(error: Any, loc: Loc, data: Any, result: _Result) -> str:
    """Turn one pydantic error into a sentence a trainer understands."""
    kind = str(error.get("type", ""))
    value = error.get("input")
    ctx = error.get("ctx") or {}
    name = loc[-1] if loc and isinstance(loc[-1], str) else None
    parent = loc[:-1] if name is not None else loc
    # A list item is named in full by _describe; only fields need the "(in ...)" suffix.
    context = _context(parent, data) if name is not None else ""
    info = _field_info(loc)
    got = _got(result, loc, value)
    subject = name if name is not None else _describe(loc, data)

    if kind == "missing":
        where = "" if not parent else f" in {_describe(parent, data)}"
        return f"missing field '{name}'{where}"
    if kind == "extra_forbidden":
        return _unknown_field(str(name), parent)
    if value is None and kind in (
        "string_type",
        "model_type",
        "list_type",
        "int_type",
        "bool_type",
    ):
        return f"{subject} is empty; give it a value or remove the line{context}"
    if kind == "string_type":
        if isinstance(value, dict | list):
            return f"{subject} must be text, not {_kind(value)}{context}"
        pos = result.positions.get(loc)
        raw = _short(pos.raw if pos and pos.raw else value)
        quote = "'" if '"' in raw else '"'
        read_as = "a date" if isinstance(value, datetime.date) else _kind(value)
        return (
            f"{subject} must be text; YAML reads {raw} as {read_as}, "
            f"so put it in quotes: {quote}{raw}{quote}{context}"
        )
    if kind == "string_too_short":
        return f"{subject} is empty{context}"
    if kind == "string_too_long":
        return f"{subject} is too long (at most {ctx.get('max_length')} characters){context}"
    if kind == "string_pattern_mismatch":
        example = "emp-01" if loc[:1] == ("quiz",) else "prompt-attention"
        return (
            f"{subject} '{_short(value)}' may contain only lowercase letters, digits and single "
            f"hyphens, like '{example}'{context}"
        )
    if kind in ("int_type", "int_parsing", "int_from_float", "finite_number", "int_parsing_size"):
        return f"{subject} must be a whole number{got}{context}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(info)
        if low is not None and high is not None:
            rule = f"between {low} and {high}"
        elif low is not None:
            rule = f"at least {low}"
        elif high is not None:
            rule = f"at most {high}"
        else:
            rule = str(error.get("msg", "in range")).removeprefix("Input should be ")
        return f"{subject} must be {rule}{got}{context}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{subject} must be true or false{got}{context}"
    if kind in ("literal_error", "enum"):
        allowed = _allowed_values(info)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
            if close:
                hint = f" -- did you mean '{close[0]}'?"
        return f"{subject} must be one of: {', '.join(allowed)}{got}{hint}{context}"
    if kind == "list_type":
        return (
            f"{subject} must be a list, with each item on its own line starting with '- '"
            f"{got}{context}"
        )
    if kind == "too_short":
        if loc == ("quiz", "questions"):
            return "the quiz needs at least one question"
        if loc == ("lessons",):
            return "a module needs at least one lesson"
        return f"{subject} needs at least {ctx.get('min_length', 1)} item(s){context}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc)
        fields = ", ".join(model.model_fields) if model else ""
        target = subject if name is not None else _describe(loc, data)
        return f"{target} must be a group of fields ({fields}), not {_kind(value)}{context}"
    message = str(error.get("msg", "is not valid"))
    return f"{subject}: {message[:1].lower()}{message[1:]}{context}"


def _suggestion(name: str, parent: Loc) -> str | None:
    """Return the allowed field name closest to a misspelt one, if any is close."""
    model = _model_at(parent)
    allowed = list(model.model_fields) if model else []
    lowered = {a.lower(): a for a in allowed}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_field(name: str, parent: Loc) -> str:
    model = _model_at(parent)
    allowed = list(model.model_fields) if model else []
    close = _suggestion(name, parent)
    if close:
        return f"unknown field '{_short(name)}' -- did you mean '{close}'?"
    if allowed:
        return f"unknown field '{_short(name)}' (allowed here: {', '.join(allowed)})"
    return f"unknown field '{_short(name)}'"


def _check_semantics(data: dict[str, Any], result: _Result) -> None:
    """Add the rules types cannot express; skip anything pydantic reports already."""
    _check_module_id(data, result)
    quiz = data.get("quiz")
    if not isinstance(quiz, dict):
        return
    questions = quiz.get("questions")
    if not isinstance(questions, list):
        return
    first_id_line: dict[str, int] = {}
    for index, question in enumerate(questions):
        if not isinstance(question, dict):
            continue
        loc: Loc = ("quiz", "questions", index)
        qid = question.get("id")
        if isinstance(qid, str) and qid.strip():
            line, _ = result.position((*loc, "id"))
            key = qid.strip()
            if key in first_id_line:
                result.add_at(
                    (*loc, "id"),
                    f"duplicate question id {_short(key)} (first at line {first_id_line[key]})",
                )
            else:
                first_id_line[key] = line
        _check_question(question, loc, data, result)
    _check_quiz_size(quiz, len(questions), result)


def _check_module_id(data: dict[str, Any], result: _Result) -> None:
    if result.path.startswith("<"):
        return
    module_id = data.get("id")
    stem = Path(result.path).stem
    if not isinstance(module_id, str) or not re.fullmatch(KEBAB_ID, module_id.strip()):
        return  # a malformed id is reported by the field check
    ident = module_id.strip()  # plain kebab-case here, safe to show in full
    if ident != stem:
        result.add_at(
            ("id",),
            f"{_format().noun} id '{ident}' does not match the file name "
            f"'{_short(Path(result.path).name)}'; rename the file to '{ident}.yaml' "
            "or change the id",
        )


def _check_question(question: dict[str, Any], loc: Loc, data: Any, result: _Result) -> None:
    label = _question_label(data, loc[-1])  # type: ignore[arg-type]
    kind = question.get("type")
    options = question.get("options")
    has_options = options is not None
    has_answer = question.get("answer") is not None
    if kind == "true_false":
        if not has_answer:
            result.add_at(
                loc,
                f"{label} is true_false but has no answer; add 'answer: true' or 'answer: false'",
            )
        if has_options:
            result.add_at(
                (*loc, "options"),
                f"{label} is true_false, so it takes 'answer' and no options; "
                "remove the options or change the type to single",
                key=True,
            )
        return
    if kind not in ("single", "multiple"):
        return
    if has_answer:
        result.add_at(
            (*loc, "answer"),
            f"{label} is {kind}, so it takes options and no 'answer' (that is for true_false); "
            "mark the right option with 'correct: true' instead",
            key=True,
        )
    if not has_options:
        result.add_at(loc, f"{label} has no options; a {kind} question needs two or more")
        return
    if not isinstance(options, list):
        return
    if len(options) < 2:
        many = "no options" if not options else "only one option"
        result.add_at((*loc, "options"), f"{label} has {many}; a {kind} question needs two or more")
    _check_options(options, kind, label, loc, result)


def _check_options(options: list[Any], kind: str, label: str, loc: Loc, result: _Result) -> None:
    flags: list[bool] = []
    correct_locs: list[Loc] = []
    first_text_line: dict[str, int] = {}
    uncertain = False
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            uncertain = True
            continue
        option_loc = (*loc, "options", j)
        value = option.get("correct")
        flag = False if value is None else value if isinstance(value, bool) else None
        if flag is None:
            uncertain = True
        else:
            flags.append(flag)
            if flag:
                correct_locs.append((*option_loc, "correct"))
        text = option.get("text")
        if isinstance(text, str) and text.strip():
            normal = " ".join(text.split()).casefold()
            line, _ = result.position((*option_loc, "text"))
            if normal in first_text_line:
                result.add_at(
                    (*option_loc, "text"),
                    f"{label} has the same option text twice: '{_short(text.strip())}' "
                    f"(first at line {first_text_line[normal]})",
                )
            else:
                first_text_line[normal] = line
    if uncertain or not options:
        return
    correct = sum(flags)
    if correct == 0:
        result.add_at(
            (*loc, "options"),
            f"{label} has no correct option; mark the right one with 'correct: true'",
            key=True,
        )
    elif kind == "single" and correct > 1:
        result.add_at(
            correct_locs[1],
            f"{label} is single but has {correct} correct options; keep exactly one, "
            "or change the type to multiple",
        )
    elif kind == "multiple" and correct == len(flags) and len(flags) >= 2:
        result.add_at(
            (*loc, "options"),
            f"{label} has no wrong option; a multiple question needs at least one option "
            "that is not correct",
            key=True,
        )


def _check_quiz_size(quiz: dict[str, Any], pool: int, result: _Result) -> None:
    per_attempt = _as_int(quiz.get("questions_per_attempt"))
    if per_attempt is not None and pool >= 1 and per_attempt > pool:
        result.add_at(
            ("quiz", "questions_per_attempt"),
            f"questions_per_attempt is {per_attempt} but the quiz has only {pool} "
            f"question{'s' if pool != 1 else ''}; lower it or add questions",
        )
        return
    pass_mark = _as_int(quiz.get("pass_mark", 80))
    drawn = per_attempt if per_attempt is not None else pool
    if pass_mark is None or not (1 <= pass_mark <= 100) or drawn < 1:
        return  # out-of-range values are reported by the field checks
    needed = required_correct(pass_mark, drawn)
    if needed > drawn:
        result.add_at(
            ("quiz", "pass_mark"),
            f"pass_mark {pass_mark} needs {needed} right answers but an attempt has only "
            f"{drawn} questions",
        )


def required_correct(pass_mark: int, questions: int) -> int:
    """Return how many of `questions` must be right to reach `pass_mark` percent."""
    return -(-pass_mark * questions // 100)


# --------------------------------------------------------------------------------------------
# Placeholders


def _fill_placeholders(data: Any, result: _Result, organisation: Organisation) -> None:
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


def _placeholder_position(result: _Result, loc: Loc, written: str) -> tuple[int, int]:
    """Return where a placeholder is written in the file: the scalar's start, searched onwards."""
    line, column = result.position(loc)
    lines = _LINE_BREAK.split(result.text)
    for number in range(line - 1, len(lines)):
        start = column - 1 if number == line - 1 else 0
        found = lines[number].find(written, start)
        if found >= 0:
            return number + 1, found + 1
    return line, column


# --------------------------------------------------------------------------------------------
# Formats: the pipeline above checks modules, and any other content format that passes its own
# ContentFormat to _load (observation checklists: training.checklists).


@dataclass(frozen=True)
class ContentFormat:
    """A kind of content file: its root model, what people call it, and its extra rules."""

    root: type[BaseModel]
    noun: str  # "module": in messages such as "module id 'x' does not match the file name"
    needs: str  # the fields an empty file is told it needs
    semantics: Callable[[dict[str, Any], _Result], None]  # rules the types cannot express


MODULE_FORMAT = ContentFormat(
    root=Module,
    noun="module",
    needs=(
        "id, title, competency, summary, estimated_minutes, lessons and quiz "
        "(see content/_template.yaml)"
    ),
    semantics=_check_semantics,
)
# The format of the file being checked now; the message helpers read it (set by _load).
_FORMAT: ContextVar[ContentFormat | None] = ContextVar("content_format", default=None)


def _format() -> ContentFormat:
    return _FORMAT.get() or MODULE_FORMAT
