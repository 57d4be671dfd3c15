"""The one page table (ui/nav.py PAGES) is what the page files, their guards and links follow."""

from __future__ import annotations

import ast
from pathlib import Path

from ui import links, nav

ROOT = Path(__file__).resolve().parents[2]


def _guard_role(page: str) -> str | None:
    """Return the role the page's guard asks for ("employee" for require_user)."""
    for node in ast.parse((ROOT / page).read_text(encoding="utf-8")).body:
        call = node.value if isinstance(node, ast.Assign | ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require_user":
            return "employee"
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require_role":
            return call.args[0].value
    return None


def test_every_page_file_is_in_the_table_and_every_entry_has_a_file():
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")}
    assert files == {spec.file for spec in nav.PAGES}


def test_each_page_guards_for_the_role_the_table_gives_it():
    wrong = {s.file: _guard_role(s.file) for s in nav.PAGES if _guard_role(s.file) != s.role}
    assert wrong == {}


def test_links_and_gates_use_the_tables_urls():
    assert {s.file: "/" + s.url for s in nav.PAGES} == links.PAGE_URLS
    assert set(nav.URL_PATHS) == {s.url for s in nav.PAGES if s.url}
