"""Small steps the journeys share."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from store import config
from tests.factories import loaded_module, take_quiz
from training import clock
from ui import style

TIMEOUT = 20_000
# The answer options of the quiz and of daily practice (ui/style.answer_options)
OPTIONS = f"[class*='st-key-{style.OPTIONS_PREFIX}']"
OPTION = f"{OPTIONS} :is([data-testid='stRadioOption'], [data-testid='stCheckbox'] > label)"


def wait_ready(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=TIMEOUT)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
        ".includes('Running')",
        timeout=TIMEOUT,
    )
    page.wait_for_timeout(300)


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    """Sign in through the form on the home page."""
    page.goto(base + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)


def choose(page: Page, selectbox, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it."""
    selectbox.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)


def wait_styled(page: Page) -> None:
    """wait_ready, then until the app's style block is on the page and nothing is stale
    (right after a goto wait_ready can return before the script has started)."""
    wait_ready(page)
    page.wait_for_function(
        "(marker) => [...document.querySelectorAll('style')]"
        ".some(s => s.textContent.includes(marker))"
        " && !document.querySelector('[data-stale=\"true\"]')",
        arg=f"st-key-{style.OPTIONS_PREFIX}",
        timeout=TIMEOUT,
    )
    wait_ready(page)


def _nav_name(title: str) -> re.Pattern:
    # A navigation link's name is "<icon name> <title>" (the Material icon is a ligature).
    return re.compile(rf"(^|\s){re.escape(title)}$")


def _open_sidebar(page: Page) -> None:
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():
        expand.click()
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=TIMEOUT)


def go_to(page: Page, title: str) -> None:
    """Open a page through the app's navigation as a person does: at desk width the top bar
    (a link, or the section menu it is in), on a phone the navigation menu Streamlit folds
    the top bar into (opened first). The one way the journeys move between pages."""
    name = _nav_name(title)
    top = page.get_by_test_id("stTopNav")
    if top.is_visible():
        link = top.get_by_role("link", name=name)
        if link.count():
            link.click()
        else:
            for section in top.get_by_test_id("stTopNavSection").all():
                section.click()
                menu = page.get_by_test_id("stTopNavPopover")
                expect(menu).to_be_visible(timeout=TIMEOUT)
                item = menu.get_by_role("menuitem", name=name)
                if item.count():
                    item.click()
                    break
                page.keyboard.press("Escape")
                expect(menu).to_have_count(0, timeout=TIMEOUT)
            else:
                raise AssertionError(f"no navigation link {title!r}")
    else:
        _open_sidebar(page)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    wait_ready(page)


def nav_titles(page: Page) -> set[str]:
    """Return the titles of every page the navigation offers (every section menu opened)."""

    def titles(links) -> set[str]:
        return {t.strip().splitlines()[-1].strip() for t in links.all_inner_texts() if t.strip()}

    top = page.get_by_test_id("stTopNav")
    if not top.is_visible():
        _open_sidebar(page)
        return titles(page.get_by_test_id("stSidebarNav").get_by_role("link"))
    found = titles(top.get_by_role("link"))
    for section in top.get_by_test_id("stTopNavSection").all():
        section.click()
        menu = page.get_by_test_id("stTopNavPopover")
        expect(menu).to_be_visible(timeout=TIMEOUT)
        found |= titles(menu.get_by_role("menuitem"))
        page.keyboard.press("Escape")
        expect(menu).to_have_count(0, timeout=TIMEOUT)
    return found


def practice_due(user, module_id: str) -> None:
    """Give user daily practice for today: a quiz on module_id two days ago, all wrong."""
    with clock.frozen_at(clock.now() - timedelta(days=2)):
        take_quiz(user, loaded_module(config.content_dir(), module_id), answers={})


def open_practice(page: Page) -> None:
    """Open Daily practice on My training and wait for its first question."""
    page.get_by_text("Daily practice: about three minutes").click()
    page.locator(OPTION).first.wait_for(timeout=TIMEOUT)
    wait_styled(page)
