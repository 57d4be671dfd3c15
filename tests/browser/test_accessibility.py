"""axe-core on every page of every role, at desk (1280 px) and phone (390 px) width.

One real server on a small seeded organisation; one sign-in per role; each page is scanned at
both widths in the same browser context (My training of the employee with daily practice open on
a question). The test fails with a readable list of every serious
or critical violation (rule, impact, the elements it names).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from store import accounts, learning
from store.permissions import role_may
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import open_practice, practice_due, sign_in, wait_styled
from tests.browser.server import Server
from tests.factories import PASSWORD, make_user
from ui.nav import PAGES

pytestmark = pytest.mark.usefixtures("fresh_db")

WIDTHS = (1280, 390)
SEVERE = {"serious", "critical"}
MODULE = "empathy"
PRACTICE = "enthusiastic-service"

# Violations inside Streamlit's own frontend that the app cannot change: (rule id, CSS
# selector fragment of the element axe names). Each names the Streamlit element and why.
# Matched with Element.closest(), so only nodes inside that Streamlit element are left out.
STREAMLIT_OWN = {
    # Streamlit's collapsed navigation menu (the top navigation folds into it below 640 px)
    # draws each section as a <div> of <li>s directly inside its <ul>: the app passes only
    # st.Page objects and cannot change that markup.
    ("list", "[data-testid='stSidebarNavItems']"),
    ("listitem", "[data-testid='stSidebarNavItems']"),
}


def _seed() -> dict[str, str]:
    """A small organisation: a team, one person of each role, an assignment with a due date."""
    admin = make_user("ada", "admin", name="Ada Admin")
    team = accounts.create_team(name="Front desk", actor_id=None)
    erin = make_user("erin", team_id=team.id, name="Erin Employee")
    practice_due(erin, PRACTICE)  # My training shows daily practice questions
    manager = make_user("max", "manager", team_id=team.id, name="Max Manager")
    accounts.set_team_managers(team_id=team.id, user_ids=[manager.id], actor_id=None)
    make_user("tara", "trainer", team_id=team.id, name="Tara Trainer")
    learning.create_assignments(
        actor=admin, module_ids=[MODULE], team_id=team.id, due_date=date.today() + timedelta(days=7)
    )
    return {"employee": "erin", "manager": "max", "trainer": "tara", "admin": "ada"}


def _urls(role: str) -> list[str]:
    urls = []
    for spec in PAGES:
        if not role_may(role, spec.role):
            continue
        urls.append(f"/{spec.url}?id={MODULE}" if spec.url == "module" else f"/{spec.url}")
    return urls


def _excluded(page, rule: str, target: str) -> bool:
    inside = [sel for r, sel in STREAMLIT_OWN if r == rule]
    return bool(inside) and page.evaluate(
        "([t, sels]) => { const e = document.querySelector(t);"
        " return !!e && sels.some(s => e.closest(s)); }",
        [target, inside],
    )


def _severe(page, results) -> list[str]:
    found = []
    for v in results.response["violations"]:
        if v["impact"] not in SEVERE:
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if _excluded(page, v["id"], target):
                continue
            summary = node.get("failureSummary", "").replace("\n", " ")[:200]
            html = node.get("html", "")[:120]
            found.append(f"{v['id']} ({v['impact']}): {target} {html} :: {summary}")
    return found


def test_no_serious_violations_on_any_page(fresh_db, browser):
    users = _seed()
    srv = Server(fresh_db).start()
    axe = Axe()
    problems: list[str] = []
    try:
        for role, username in users.items():
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            sign_in(page, srv.url, username, PASSWORD)
            for url in _urls(role):
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(srv.url + url)
                    wait_styled(page)
                    if role == "employee" and url == "/":
                        open_practice(page)
                    for line in _severe(page, axe.run(page)):
                        problems.append(f"{role} {url} @{width}px: {line}")
            ctx.close()
    finally:
        srv.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.txt").write_text("\n".join(problems) + "\n")
    assert not problems, f"{len(problems)} serious/critical axe findings:\n" + "\n".join(problems)
