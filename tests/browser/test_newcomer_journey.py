"""What a newcomer sees: nothing fetched from outside hosts, and the pages work as the
README describes them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from store import demo
from store.config import PROJECT_ROOT
from tests.browser.helpers import TIMEOUT, sign_in, wait_ready

pytestmark = pytest.mark.usefixtures("fresh_db")

MAIN_PAGES = {
    "employee": ["/", "/module?id=empathy", "/progress", "/account"],
    "manager": ["/team", "/assign"],
    "trainer": ["/studio", "/item-analysis"],
    "admin": ["/people"],
}


def _seed_demo(staff: int = 12, attempts: int = 120) -> None:
    demo.seed_demo(
        staff=staff, teams=2, attempts=attempts, seed=1, content_dir=PROJECT_ROOT / "content"
    )


def test_no_page_load_requests_anything_from_an_outside_host(server, browser):
    """An intranet install has no internet: favicon, icons and fonts come from the app."""
    _seed_demo()
    own = urlsplit(server.url).netloc
    outside: list[str] = []
    seen = 0
    for role, paths in MAIN_PAGES.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()

        def record(request, role=role, page=page) -> None:
            nonlocal seen
            seen += 1
            parts = urlsplit(request.url)
            if parts.scheme in ("data", "blob", "about"):
                return
            if parts.netloc != own:
                outside.append(f"{role} {page.url}: {request.url}")

        page.on("request", record)
        sign_in(page, server.url, role, demo.DEMO_PASSWORD)
        for path in paths:
            page.goto(server.url + path)
            wait_ready(page)
            page.wait_for_timeout(800)  # late requests: favicon, lazily loaded fonts
        context.close()
    assert seen > 20  # the listener saw the app's own requests
    assert outside == []


def test_a_question_statistics_flag_opens_its_question_in_the_studio(server, context):
    _seed_demo(staff=40, attempts=1600)  # enough first attempts for flags (10 a question)
    page = context.new_page()
    sign_in(page, server.url, "trainer", demo.DEMO_PASSWORD)
    page.goto(server.url + "/item-analysis")
    wait_ready(page)
    link = page.get_by_role("link", name=re.compile(r"Open \S+ in the content studio")).first
    expect(link).to_be_visible(timeout=TIMEOUT)
    question = re.search(r"Open (\S+) in", link.inner_text()).group(1)
    module = page.get_by_role("combobox", name="Module").input_value()
    link.click()
    expect(page.get_by_role("heading", name="Content studio")).to_be_visible(timeout=TIMEOUT)
    located = page.get_by_text(f"Question {question}, from question statistics:")
    expect(located).to_be_visible(timeout=TIMEOUT)
    assert "/studio" in page.url
    assert module.split(" (")[0] in page.inner_text("[data-testid='stMain']")
    answer_key = page.locator("[data-testid='stExpander']", has_text="Explanation:")
    expect(answer_key.first).to_be_visible(timeout=TIMEOUT)  # its answer key is open
