"""Property tests: no input makes the loader raise, and every problem has a real position."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.loader import Problem, content_version, load_module_text

ROOT = Path(__file__).resolve().parents[2]
VALID = (ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml").read_text(
    encoding="utf-8"
)
VALID_DATA: dict[str, Any] = yaml.safe_load(VALID)

YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def assert_well_formed(text: str | bytes) -> None:
    """Load text and check the result honours the loader's promises."""
    module, problems = load_module_text(text, "content/sample-basics.yaml")
    assert (module is None) == bool(problems)
    if isinstance(text, bytes):
        lines = text.count(b"\n") + len(re.findall(rb"\r(?!\n)", text)) + 1
        lines += len(re.findall("[\x85\u2028\u2029]", text.decode("utf-8", "replace")))
    else:
        lines = len(YAML_LINE_BREAK.findall(text)) + 1
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 1 and problem.column >= 1
        assert problem.line <= lines + 1, problem
        assert problem.message and "\n" not in problem.message
        assert "internal error" not in problem.message, problem
        assert str(problem).startswith(f"content/sample-basics.yaml:{problem.line}:")
    if module is not None:
        assert len(content_version(module)) == 16


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    assert_well_formed(data)


YAML_PIECES = st.sampled_from(
    [
        "id: ", "title: ", "quiz:", "questions:", "options:", "- ", "  ", "    ", "\t", "\n",
        ": ", ":", "#", "'", '"', "[", "]", "{", "}", ",", "&a ", "*a", "!!str ",
        "!!python/name:x ",
        "<<: ", "? ", "|", ">", "---", "...", "%YAML 1.1", "yes", "no", "null", "~", "1e3",
        "0x1F", "12:30", "2024-01-01", "correct: true", "type: single", "\\", "\x00", "\ufeff",
        "text", "é", "\u2028", "\r",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(YAML_PIECES | st.text(max_size=5), max_size=60).map("".join))
def test_random_yaml_like_text(text: str) -> None:
    assert_well_formed(text)


@FUZZ
@given(st.text(max_size=500))
def test_random_unicode_text(text: str) -> None:
    assert_well_formed(text)


# Mutations of a valid module: every kind of wrong value in every place.

ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.dates(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every node below data."""
    found: list[tuple[Any, ...]] = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


ALL_PATHS = paths(VALID_DATA)


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated_modules(draw: st.DrawFn) -> str:
    data = copy.deepcopy(VALID_DATA)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        live = paths(data)
        if not live:
            break
        path = draw(st.sampled_from(live))
        parent = parent_of(data, path)
        key = path[-1]
        action = draw(st.sampled_from(["drop", "rename", "retype", "duplicate"]))
        if action == "drop":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10) | st.sampled_from(["corect", "Title", "promt"]))] = (
                parent.pop(key)
            )
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = draw(ANY_VALUE)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=draw(st.booleans()))


@FUZZ
@given(mutated_modules())
def test_mutated_valid_modules(text: str) -> None:
    assert_well_formed(text)


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    lines = VALID.split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["delete", "indent", "dedent", "insert", "duplicate"]))
        if action == "delete":
            del lines[index]
        elif action == "indent":
            lines[index] = " " * draw(st.integers(1, 3)) + lines[index]
        elif action == "dedent":
            lines[index] = lines[index][draw(st.integers(1, 3)) :]
        elif action == "insert":
            column = draw(st.integers(min_value=0, max_value=len(lines[index])))
            piece = draw(YAML_PIECES)
            lines[index] = lines[index][:column] + piece + lines[index][column:]
        else:
            lines.insert(index, lines[index])
        if not lines:
            break
    return "\n".join(lines)


@FUZZ
@given(damaged_text())
def test_damaged_valid_text(text: str) -> None:
    assert_well_formed(text)


def test_mutation_helpers_reach_every_path() -> None:
    assert ("quiz", "questions", 0, "options", 1, "correct") not in ALL_PATHS  # omitted default
    assert ("quiz", "questions", 0, "options", 0, "correct") in ALL_PATHS
    assert_well_formed(VALID)


# Merge-key bombs: '<<: [*a, *a]' nested many times, in every style, anywhere in a module.


@st.composite
def merge_bombs(draw: st.DrawFn) -> str:
    levels = draw(st.integers(min_value=12, max_value=60))
    width = draw(st.integers(min_value=2, max_value=4))
    block = draw(st.booleans())
    seed = draw(st.sampled_from(["{x: 1}", "{x: 1, y: [1, 2]}", "{<<: [1]}", "{}", "[1, 2]"]))
    lines = [f"a0: &a0 {seed}"]
    for i in range(1, levels + 1):
        sources = ", ".join([f"*a{i - 1}"] * width)
        if block:
            lines.append(f"a{i}: &a{i}\n  <<: [{sources}]\n  k{i}: v")
        else:
            lines.append(f"a{i}: &a{i} {{<<: [{sources}]}}")
    bomb = "\n".join(lines) + "\n"
    where = draw(st.sampled_from(["before", "after", "field"]))
    if where == "before":
        return bomb + VALID
    if where == "field":
        return VALID + bomb.replace("a0:", "extra:\n  a0:", 1).replace("\na", "\n  a")
    return VALID + "\n" + bomb + f"more: *a{levels}\n"


@settings(FUZZ, max_examples=60)
@given(merge_bombs())
def test_merge_key_bombs_are_refused_fast_with_a_position(text: str) -> None:
    started = time.perf_counter()
    module, problems = load_module_text(text, "content/sample-basics.yaml")
    assert time.perf_counter() - started < 5  # generous on a busy CI machine; was hours
    assert module is None and problems
    assert_well_formed(text)
