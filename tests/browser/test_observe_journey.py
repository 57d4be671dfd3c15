"""Observing on a phone (390 px): a manager rates, reloads halfway and finds the draft, submits;
the employee reads and acknowledges it; the manager's knows-and-does chart draws."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from store import accounts
from store import observations as obs
from store.accounts import now_utc
from store.db import session_scope
from store.models import Progress
from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, sign_in, wait_ready
from tests.utils.observations import PASSWORD, person

PHONE = {"width": 390, "height": 844}
GROUPS = ".st-key-observe_items [data-testid='stButtonGroup']"


def _org():
    desk = accounts.create_team(name="Front desk", actor_id=None)
    mia = person("mia", "manager", desk, "Mia Manager")
    accounts.set_team_managers(team_id=desk.id, user_ids=[mia.id], actor_id=None)
    eve = person("eve", team=desk, name="Eve Example")
    person("ann", team=desk, name="Ann Able")
    with session_scope() as s:  # Eve knows prompt attention: passed its module last month
        s.add(
            Progress(
                user_id=eve.id,
                module_id="prompt-attention",
                best_score=90.0,
                attempt_count=1,
                passed_at=now_utc() - timedelta(days=30),
            )
        )
    return mia, eve


def _rate(page: Page, index: int, label: str) -> None:
    page.locator(GROUPS).nth(index).get_by_role("radio", name=label, exact=True).click()
    wait_ready(page)


def test_manager_observes_on_a_phone_and_the_employee_acknowledges(browser, server):
    mia, eve = _org()
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        sign_in(page, server.url, "mia", PASSWORD)
        page.goto(server.url + "/observe")
        wait_ready(page)
        page.get_by_role("button", name="Eve Example").click()
        wait_ready(page)
        page.get_by_role("button", name="Front desk floor walk").click()
        wait_ready(page)
        expect(page.locator(GROUPS).first).to_be_visible(timeout=TIMEOUT)
        _rate(page, 0, "Consistently")
        _rate(page, 1, "Partly")
        shot(page, "observe-phone-rating")
        [draft] = obs.open_drafts(actor=mia)
        assert draft.ratings == {"fd-01": "consistently", "fd-02": "partly"}

        page.reload()  # halfway: the draft comes back as it was
        wait_ready(page)
        expect(page.get_by_text("2 of 12 rated")).to_be_visible(timeout=TIMEOUT)
        first = page.locator(GROUPS).first.get_by_role("radio", name="Consistently", exact=True)
        expect(first).to_have_attribute("aria-checked", "true")
        _rate(page, 2, "Not seen")
        note = page.get_by_label("Coaching note")
        note.fill("Quick to greet. Next: use the name once you know it.")
        note.blur()
        wait_ready(page)
        page.get_by_role("button", name="Submit observation").click()
        wait_ready(page)
        expect(page.get_by_text("Observation of Eve Example saved")).to_be_visible(timeout=TIMEOUT)
        [done] = obs.observations_of(actor=mia, person_id=eve.id)
        assert done.ratings["fd-03"] == "not_seen" and done.note.startswith("Quick to greet")

    finally:
        phone.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        sign_in(page, server.url, "eve", PASSWORD)
        page.goto(server.url + "/progress?tab=observations")
        wait_ready(page)
        expect(page.get_by_text("Quick to greet", exact=False)).to_be_visible(timeout=TIMEOUT)
        shot(page, "observe-phone-employee")
        page.get_by_role("button", name="Acknowledge").click()
        wait_ready(page)
        expect(page.get_by_text("You acknowledged this on", exact=False)).to_be_visible(
            timeout=TIMEOUT
        )
        assert obs.observations_of(actor=eve, person_id=eve.id)[0].acknowledged_at
    finally:
        phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = desk.new_page()
        sign_in(page, server.url, "mia", PASSWORD)
        page.goto(server.url + "/team")
        wait_ready(page)
        chart = page.locator("[data-testid='stVegaLiteChart']").filter(has_text="Knows and does")
        chart = chart if chart.count() else page.locator("[data-testid='stVegaLiteChart']").last
        chart.scroll_into_view_if_needed()
        expect(chart.locator("canvas, svg").first).to_be_attached(timeout=TIMEOUT)
        expect(page.get_by_text("On the floor: knows and does")).to_be_visible()
        shot(page, "observe-team-desktop")
    finally:
        desk.close()
