"""Statuses are `training.status.Status` members in ui/, store/ and pages/, never bare strings."""

from __future__ import annotations

import ast
from pathlib import Path

from training.status import Status

ROOT = Path(__file__).resolve().parents[2]
STATUS_VALUES = {s.value for s in Status}
# Column names that happen to spell a status ("passed" is a column of attempt rows).
COLUMN_TUPLES = ("_COLUMNS",)
# Files with a vocabulary of their own that shares a word with the statuses.
OTHER_VOCABULARY = {
    "store/reminders.py",  # the mail outbox: pending, sent, failed
}


def _column_names(tree: ast.AST) -> set[int]:
    """Return the ids of string constants that name database columns, not statuses."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        inside = None
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.endswith(COLUMN_TUPLES) for t in node.targets
        ):
            inside = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("Index", "UniqueConstraint")
        ):
            inside = node
        if inside is not None:
            skip.update(id(c) for c in ast.walk(inside) if isinstance(c, ast.Constant))
    return skip


def bare_status_strings(folder: str, root: Path = ROOT) -> list[str]:
    """Return "path:line: 'value'" for every string literal in folder that spells a status."""
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        if "migrations" in path.parts or path.relative_to(root).as_posix() in OTHER_VOCABULARY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _column_names(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value in STATUS_VALUES
                and id(node) not in skip
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    return found


def test_no_bare_status_strings_in_ui_store_or_pages():
    found = [hit for folder in ("ui", "store", "pages") for hit in bare_status_strings(folder)]
    assert found == [], "use training.status.Status instead:\n" + "\n".join(found)


def test_the_guard_finds_a_bare_status(tmp_path):
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "x.py").write_text(
        'if status == "overdue":\n    pass\nATTEMPT_COLUMNS = ("passed",)\n'
    )
    assert bare_status_strings("ui", tmp_path) == ["ui/x.py:1: 'overdue'"]
