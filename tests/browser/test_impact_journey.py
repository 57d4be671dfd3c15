"""The impact view in a real browser, as a manager and as an administrator."""

from __future__ import annotations

from playwright.sync_api import expect

from store import demo
from tests.browser.conftest import ARTIFACTS, shot
from tests.browser.helpers import TIMEOUT, sign_in, sign_out, wait_ready
from tests.browser.test_manager_journey import CHARTS, DRAWN_MARKS
from tests.conftest import ROOT


def _open_impact(page, base: str) -> None:
    page.goto(base + "/impact")
    wait_ready(page)
    expect(page.get_by_role("heading", name="Impact")).to_be_visible(timeout=TIMEOUT)
    chart = page.locator(CHARTS).first
    expect(chart).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function(
        f'() => {{ const c = document.querySelector("{CHARTS}"); '
        f"return c && ({DRAWN_MARKS})(c) > 50; }}",
        timeout=TIMEOUT,
    )


def test_impact_as_manager_and_admin(server, context):
    demo.seed_demo(staff=80, teams=10, attempts=600, seed=3, content_dir=ROOT / "content")
    page = context.new_page()

    sign_in(page, server.url, "manager", demo.DEMO_PASSWORD)
    _open_impact(page, server.url)
    expect(page.get_by_text("week by week. Your teams.")).to_be_visible()
    expect(page.get_by_text("no push to compare")).to_be_visible()
    shot(page, "impact-manager-1280")
    sign_out(page)

    sign_in(page, server.url, "admin", demo.DEMO_PASSWORD)
    _open_impact(page, server.url)
    sentence = page.locator("strong", has_text="Teams that completed")
    expect(sentence).to_be_visible(timeout=TIMEOUT)
    expect(sentence).to_contain_text("relative to other teams in the next 8 weeks")
    expect(page.get_by_text("It rests on")).to_be_visible()
    expect(page.get_by_text("association, not proof")).to_be_visible()
    shot(page, "impact-admin-1280")
    sentence.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "impact-admin-sentence-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(800)
    wait_ready(page)
    expect(page.locator(CHARTS).first).to_be_visible()
    shot(page, "impact-admin-390")
