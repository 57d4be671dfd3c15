"""Every page file starts with the role guard: opened directly, it shows only the sign-in prompt."""

import ast

import pytest

from tests.factories import ROOT, make_user, page_test

pytestmark = pytest.mark.usefixtures("fresh_db")

PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
GUARDS = {"require_user", "require_role"}


def test_there_are_pages():
    assert len(PAGE_FILES) >= 5


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_calls_the_guard_before_anything_else(page):
    tree = ast.parse((ROOT / page).read_text())
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        call = node.value if isinstance(node, ast.Assign | ast.Expr) else None
        assert isinstance(call, ast.Call), f"{page}: first statement is not the guard"
        assert getattr(call.func, "id", None) in GUARDS, f"{page}: first call is not the guard"
        return
    pytest.fail(f"{page} has no guard")


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_without_session_shows_only_the_sign_in_prompt(page):
    make_user("secretperson", "admin", name="Secret Person")
    at = page_test(page).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Please sign in to continue."]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]
    # nothing else: no titles, tables, charts or other people's data
    assert not at.title and not at.dataframe and not at.markdown.values[1:]
    assert "Secret Person" not in str(at)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_with_a_stale_token_shows_only_the_sign_in_prompt(page):
    at = page_test(page, session_token="not-a-real-token").run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
