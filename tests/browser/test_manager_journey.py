"""Manager journeys in a real browser: charts drawn, CSV export, assignments, refusals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from store import accounts, learning
from store.accounts import now_utc
from store.db import session_scope
from store.models import Attempt, Progress
from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, choose, sign_in, wait_ready
from tests.factories import PASSWORD, ROOT, make_user
from training.loader import load_content_dir

pytestmark = pytest.mark.usefixtures("fresh_db")

CHARTS = "[data-testid='stVegaLiteChart']"

# Counts the marks Vega drew: coloured pixels on a canvas, or shapes in an SVG.
DRAWN_MARKS = """
(chart) => {
  const svg = chart.querySelector('svg');
  if (svg) return svg.querySelectorAll('path, rect, circle, line').length;
  const canvas = chart.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return coloured;
}
"""


def _org() -> SimpleNamespace:
    desk = accounts.create_team(name="Front desk", actor_id=None)
    bar = accounts.create_team(name="Bar", actor_id=None)
    mia = make_user("mia", "manager", team_id=desk.id, name="Mia Manager")
    bob = make_user("bob", "manager", team_id=bar.id, name="Bob Barman")
    accounts.set_team_managers(team_id=desk.id, user_ids=[mia.id], actor_id=None)
    accounts.set_team_managers(team_id=bar.id, user_ids=[bob.id], actor_id=None)
    eve = make_user("eve", team_id=desk.id, name="Eve Example")
    make_user("evil", team_id=desk.id, name="=SUM(1+1)")  # a formula in a name
    make_user("ron", team_id=bar.id, name="Ron Other")
    make_user("boss", "admin", name="Boss Admin")
    past = now_utc().date() - timedelta(days=3)
    learning.create_assignments(
        actor=mia, module_ids=["empathy", "sincerity"], due_date=past, team_id=desk.id
    )
    learning.create_assignments(actor=bob, module_ids=["empathy"], due_date=past, team_id=bar.id)
    passed = now_utc() - timedelta(days=2)
    with session_scope() as s:
        s.add(
            Progress(
                user_id=eve.id,
                module_id="empathy",
                best_score=90.0,
                last_score=90.0,
                attempt_count=2,
                passed_at=passed,
                expires_at=passed + timedelta(days=365),
                last_attempt_at=passed,
                certificate_id="CERT-AAAA-BBBB",
            )
        )
        for score, when in ((50.0, passed - timedelta(days=8)), (90.0, passed)):
            s.add(
                Attempt(
                    user_id=eve.id,
                    module_id="empathy",
                    content_version="v",
                    kind="quiz",
                    seed=1,
                    drawn=[],
                    draft_answers={},
                    started_at=when,
                    submitted_at=when,
                    score=score,
                    passed=score >= 80,
                )
            )
    return SimpleNamespace(desk=desk, bar=bar, mia=mia, eve=eve)


def _charts_drawn(page: Page, at_least: int) -> None:
    charts = page.locator(CHARTS)
    expect(charts.nth(at_least - 1)).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function(
        f'(n) => [...document.querySelectorAll("{CHARTS}")].filter('
        "c => c.querySelector('canvas, svg')).length >= n",
        arg=at_least,
        timeout=TIMEOUT,
    )
    page.wait_for_timeout(300)  # let Vega finish painting
    for i in range(charts.count()):
        assert charts.nth(i).evaluate(DRAWN_MARKS) > 20, f"chart {i} has nothing drawn"


def _narrow_shot(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 420, "height": 900})
    page.wait_for_timeout(500)
    shot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_manager_dashboard_drill_down_csv_and_assignments(server, context):
    org = _org()
    page = context.new_page()
    sign_in(page, server.url, "mia", PASSWORD)
    page.goto(server.url + "/team")
    expect(page.get_by_role("heading", name="Team progress")).to_be_visible(timeout=TIMEOUT)
    _charts_drawn(page, at_least=5)
    body = page.inner_text("body")
    assert "Eve Example" in body and "Ron Other" not in body
    shot(page, "team-manager")
    _narrow_shot(page, "team-manager-narrow")

    # one click on a row of "Who needs attention" opens the person (rows: =SUM, Mia, Eve)
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 * 3 + 17)  # the third row's checkbox
    expect(page.get_by_role("heading", name="Eve Example")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("CERT-AAAA-BBBB").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)

    # the CSV export: UTF-8, one row per person and module, formulas neutralised
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_role("button", name="Download CSV").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:4] == ["Team", "Name", "Username", "Module"]
    names = {row[1] for row in table[1:]}
    assert {"Eve Example", "Mia Manager", "'=SUM(1+1)"} <= names and "Ron Other" not in names
    modules = load_content_dir(ROOT / "content").modules
    assert len(table) - 1 == 3 * len(modules)  # three people, every module

    # a crafted URL for another team shows nothing of it
    page.goto(server.url + f"/team?team={org.bar.id}")
    expect(page.get_by_text("That team is not one you can see")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    assert "Ron Other" not in page.inner_text("body")

    # assign a module to the team, move its due date, withdraw it
    page.goto(server.url + "/assign")
    expect(page.get_by_role("heading", name="Assign training")).to_be_visible(timeout=TIMEOUT)
    choose(page, page.get_by_label("Modules"), "Service recovery")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("Assigned Service recovery to Front desk")).to_be_visible(
        timeout=TIMEOUT
    )
    wait_ready(page)
    shot(page, "assign-manager")
    # the form was reset: pressing Assign again makes nothing twice
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("Choose at least one module.")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    (created,) = [
        r for r in learning.list_assignments(actor=org.mia) if r.module_id == "service-recovery"
    ]
    choose(page, page.get_by_label("Assignment", exact=True), "Service recovery")
    wait_ready(page)
    page.get_by_role("spinbutton", name="day, New due date").click()
    page.keyboard.type("31122030")  # day, month, year: the field moves on by itself
    page.keyboard.press("Tab")
    wait_ready(page)
    page.get_by_role("button", name="Save due date").click()
    expect(page.get_by_text("Moved Service recovery")).to_be_visible(timeout=TIMEOUT)
    moved = next(r for r in learning.list_assignments(actor=org.mia) if r.id == created.id)
    assert moved.due_date.isoformat() == "2030-12-31"
    wait_ready(page)
    choose(page, page.get_by_label("Assignment", exact=True), "Service recovery")
    wait_ready(page)
    page.get_by_role("button", name="Withdraw this assignment").click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.get_by_text("Withdrew Service recovery")).to_be_visible(timeout=TIMEOUT)
    assert created.id not in {r.id for r in learning.list_assignments(actor=org.mia)}


def test_administrator_sees_the_organisation_and_employees_are_refused(server, context, browser):
    _org()
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    page.goto(server.url + "/team")
    wait_ready(page)
    body = page.inner_text("body")
    assert "Who needs attention" not in body and "Ron Other" not in body
    assert page.locator(CHARTS).count() == 0

    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = admin.new_page()
        sign_in(page, server.url, "boss", PASSWORD)
        page.goto(server.url + "/team")
        expect(page.get_by_role("combobox", name="Team")).to_have_value(
            "Whole organisation", timeout=TIMEOUT
        )
        _charts_drawn(page, at_least=5)
        body = page.inner_text("body")
        assert "Ron Other" in body and "Eve Example" in body
        shot(page, "team-admin")
    finally:
        admin.close()


def test_a_click_on_a_heatmap_cell_opens_that_person(server, context):
    _org()
    page = context.new_page()
    sign_in(page, server.url, "mia", PASSWORD)
    page.goto(server.url + "/team")
    _charts_drawn(page, at_least=5)
    # Vega draws each cell as an SVG path labelled with its fields
    cell = page.locator(
        f"{CHARTS} .mark-rect path[aria-label^='module: Sincerity; person: Eve Example;']"
    )
    expect(cell).to_have_count(1, timeout=TIMEOUT)
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("heading", name="Eve Example")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("CERT-AAAA-BBBB").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    assert "person=" in page.url  # the opened person survives a reload
