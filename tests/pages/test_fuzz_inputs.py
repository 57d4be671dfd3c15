"""Fuzz what people type or craft: roster CSV, redirect targets, ?id= on the module page."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import accounts, roster
from tests.factories import make_user, page_test
from ui.server import safe_next

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

pytestmark = pytest.mark.usefixtures("fresh_db")

csv_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
csv_rows = st.lists(st.lists(csv_cells, max_size=7), max_size=8)


@FUZZ
@given(st.binary(max_size=400))
def test_roster_parser_never_raises_on_bytes(data):
    preview = roster.parse_roster(data)
    assert preview.ok or preview.errors


@FUZZ
@given(csv_rows)
def test_roster_parser_reports_every_bad_row_with_a_line(rows):
    text = "username,name,team,role,manager\n" + "\n".join(
        ",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows
    )
    preview = roster.parse_roster(text)
    for line, message in preview.errors:
        assert line >= 1 and message


@FUZZ
@given(st.text(max_size=80))
def test_redirect_target_is_always_a_local_path(target):
    result = safe_next(target)
    assert result.startswith("/") and not result.startswith("//")
    assert "\\" not in result or result == "/"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_module_page_survives_any_id(module_id):
    eve = accounts.get_user_by_username("fuzz.eve") or make_user("fuzz.eve")
    at = page_test("app.py", eve).run()
    at.switch_page("pages/module.py")
    at.query_params["id"] = module_id
    at.run()
    assert not at.exception
