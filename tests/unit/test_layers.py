"""The layers stay clean: store/ and training/ never import streamlit, and store/ has no import
cycle (a cycle works only as long as nobody reorders an import, and hides which module owns a rule).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Return the modules a file imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def store_graph() -> dict[str, set[str]]:
    """Return which store modules each store module imports."""
    files = {f"store.{p.stem}": p for p in (ROOT / "store").glob("*.py") if p.stem != "__main__"}
    return {name: _imports(path) & files.keys() for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles in a graph, each as the path that closes it."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return found


def test_store_and_training_never_import_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("store", "training")
        for path in (ROOT / folder).rglob("*.py")
        if any(m == "streamlit" or m.startswith("streamlit.") for m in _imports(path))
    ]
    assert offenders == []


def test_store_modules_import_each_other_without_a_cycle():
    graph = store_graph()
    assert "store.activity_days" in graph["store.dashboard"]  # the graph is really read
    assert cycles(graph) == []


def test_cycles_are_found_direct_and_round_about():
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []
