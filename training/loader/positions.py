"""Where things are in a YAML content file: positions by path and problems at line:column.

`Builder` turns a PyYAML node tree into plain Python data and records, for every path (a
tuple of keys and list indexes such as `("quiz", "questions", 2, "id")`), the line and column
of the value and of its key. `LoadResult` carries the data, the positions and the problems of
one load, whatever kind of content file it is (a module, an observation checklist, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

if TYPE_CHECKING:
    from pydantic import BaseModel

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


class _Pos(NamedTuple):
    line: int
    column: int
    key_line: int | None
    key_column: int | None
    raw: str | None  # the scalar as written, for messages like "put Yes in quotes"
    quoted: bool


class Positions(dict[Loc, _Pos]):
    """The line and column of every value (and its key) in a file, by path."""

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Return the position of loc, or of its nearest ancestor that exists in the file."""
        for n in range(len(loc), -1, -1):
            pos = self.get(loc[:n])
            if pos is None:
                continue
            if key and n == len(loc) and pos.key_line is not None and pos.key_column is not None:
                return pos.key_line, pos.key_column
            return pos.line, pos.column
        return 1, 1


Describe = Callable[[Loc, Any], str]
Check = Callable[[dict[str, Any], "LoadResult"], None]


@dataclass(frozen=True)
class ContentKind:
    """One kind of content file: its model, how places are named and its own checks.

    noun names one file's content in messages ("a module file holds a single module");
    empty_message is shown for an empty file; describe names a path in words for messages
    ("option 2 of question emp-03"); checks run on the data before the model validates it
    and report the rules a type cannot express; placeholders fills in {{ name }} facts
    from the organisation file.
    """

    model: type[BaseModel]
    noun: str
    empty_message: str
    describe: Describe | None = None
    checks: Sequence[Check] = ()
    placeholders: bool = True


class LoadResult:
    """What one load found: the data, the validated value, the positions and the problems."""

    def __init__(self, path: str, text: str = "", kind: ContentKind | None = None) -> None:
        self.path = path
        self.text = text
        self.kind = kind
        self.data: dict[str, Any] | None = None  # the file as plain data, before validation
        self.value: Any = None  # the validated model; None when there is any problem
        self.problems: list[Problem] = []
        self.positions = Positions()
        # Places already reported while building or type-checking; pydantic would repeat them.
        self.reported: set[Loc] = set()

    @property
    def module(self) -> Any:
        """The validated value (the name from when modules were the only kind)."""
        return self.value

    @module.setter
    def module(self, value: Any) -> None:
        self.value = value

    @property
    def ok(self) -> bool:
        """Return True when the file has no problem."""
        return not self.problems

    def add(self, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(self.path, max(1, line), max(1, column), _one_line(message)))

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Return the position of loc, or of its nearest ancestor that exists in the file."""
        return self.positions.at(loc, key=key)

    def add_at(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.add(*self.position(loc, key=key), message)


_Result = LoadResult


# What YAML counts as a line break; marks count lines the same way.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_col(text: str, index: int) -> tuple[int, int]:
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


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
