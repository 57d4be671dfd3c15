"""Browser security: each role sees only its pages, and content payloads execute nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.helpers import TIMEOUT, nav_titles, sign_in, wait_ready
from tests.browser.server import Server
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "valid"
NAV_LABELS = {
    "My training",
    "My progress",
    "Account",
    "Team progress",
    "Assignments",
    "Content studio",
    "Question statistics",
    "People and teams",
}
EXPECTED = {
    "employee": {"My training", "My progress", "Account"},
    "manager": {"My training", "My progress", "Account", "Team progress", "Assignments"},
    "trainer": {"My training", "My progress", "Account", "Content studio", "Question statistics"},
    "admin": NAV_LABELS,
}


def test_each_role_sees_only_its_pages_and_is_refused_the_others(server, browser):
    for role in EXPECTED:
        make_user(f"{role}1", role)
    for role, expected in EXPECTED.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, server.url, f"{role}1", PASSWORD)
        links = nav_titles(page) & NAV_LABELS
        # pages of later issues are registered only once their files exist
        assert links <= expected, role
        assert {"My training", "My progress", "Account"} <= links
        if role == "employee":  # three pages: links in the top bar, no section menus
            top = page.get_by_test_id("stTopNav")
            expect(top.get_by_role("link")).to_have_count(3)
            expect(top.get_by_test_id("stTopNavSection")).to_have_count(0)
        context.close()


def test_a_direct_url_the_role_may_not_open_shows_a_refusal_and_no_data(server, context):
    """Not Streamlit's "Page not found" box over the home page: a refusal naming who the page
    is for and links to what the person can open instead."""
    make_user("eve", "employee")
    make_user("secretperson", "admin", name="Secret Person")
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    for path, title in (
        ("/people", "People and teams"),
        ("/team", "Team progress"),
        ("/studio", "Content studio"),
    ):
        page.goto(server.url + path)
        wait_ready(page)
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_role("heading", name="Not available to you")).to_be_visible()
        expect(main.get_by_text(f"{title} is for")).to_be_visible()
        body = page.inner_text("body")
        assert "Page not found" not in body
        assert "Secret Person" not in body and "Add a person" not in body
        # what the person can open instead
        expect(main.get_by_role("link", name="My training")).to_be_visible(timeout=TIMEOUT)
    main.get_by_role("link", name="My progress").click()
    expect(page.get_by_role("heading", name="My progress")).to_be_visible(timeout=TIMEOUT)


def test_script_payloads_in_content_execute_nothing(fresh_db, tmp_path, context):
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE, folder)
    path = folder / "sample-basics.yaml"
    data = yaml.safe_load(path.read_text())
    data["lessons"][0]["body"] = (
        "Before <script>window.__pwned = 1</script> after "
        '<img src=x onerror="window.__pwned = 2"> [link](javascript:window.__pwned=3)'
    )
    data["quiz"]["questions"][0]["prompt"] = "<b onmouseover=window.__pwned=4>Bold?</b>"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    make_user("eve")
    server = Server(fresh_db, env={"TRAINING_CONTENT_DIR": str(folder)}).start()
    try:
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, server.url, "eve", PASSWORD)
        page.goto(server.url + "/module?id=sample-basics")
        wait_ready(page)
        expect(page.get_by_text("window.__pwned = 1").first).to_be_visible(timeout=TIMEOUT)
        page.mouse.move(10, 10)
        for link in page.get_by_text("link").all():
            link.hover()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("[data-testid='stMain'] script").count() == 0
        assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0
        assert dialogs == []
    finally:
        server.stop()
