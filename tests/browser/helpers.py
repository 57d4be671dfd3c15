"""Small steps the journeys share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 20_000


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
        "() => [...document.querySelectorAll('style')]"
        ".some(s => s.textContent.includes('st-key-quiz_options'))"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=TIMEOUT,
    )
    wait_ready(page)
