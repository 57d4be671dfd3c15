"""A learner on a 390 px phone: the whole training card opens the module, answer options (quiz
and daily practice) are full-width tap targets of at least 44 px, a quiz finishes with the
keyboard alone, and the attempt history on My progress is a list."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from store import accounts, learning
from tests.browser.helpers import (
    OPTION,
    OPTIONS,
    TIMEOUT,
    open_practice,
    practice_due,
    sign_in,
    wait_styled,
)
from tests.browser.server import Server
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

MODULE = "empathy"
PRACTICE = "enthusiastic-service"  # a quiz two days ago: practice due today
PHONE = {"width": 390, "height": 844}
MIN_TAP = 44


def _focused(page: Page) -> str:
    """Describe the focused element: its role or type (`option` for an answer option of the
    quiz), and its text."""
    return page.evaluate(
        "(options) => { const e = document.activeElement; if (!e) return '';"
        " const kind = e.closest(options) ? 'option' : e.getAttribute('role')"
        " || (e.tagName === 'BUTTON' ? 'button' : e.type || e.tagName.toLowerCase());"
        " const text = (e.innerText || e.getAttribute('aria-label') || '').trim()"
        " || (e.closest('label') ? e.closest('label').innerText.trim() : '');"
        " return kind + ':' + text; }",
        OPTIONS,
    )


def tab_to(page: Page, pattern: str, *, limit: int = 60) -> str:
    """Press Tab until the focused element matches pattern (a regex on kind:text)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if re.search(pattern, now, re.S):
            return now
    raise AssertionError(f"Tab never reached {pattern!r}; last focus {now!r}")


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    wait_styled(page)


def _assert_answer_cards(page: Page) -> None:
    """The answer options on the page: full-width cards, at least 44 px high, body-size text."""
    options = page.locator(OPTION)
    card_box = page.locator(OPTIONS).bounding_box()
    boxes = [options.nth(i).bounding_box() for i in range(options.count())]
    assert boxes and all(b["height"] >= MIN_TAP for b in boxes), boxes
    assert all(b["width"] >= card_box["width"] - 1 for b in boxes), (card_box, boxes)
    assert card_box["x"] + card_box["width"] <= PHONE["width"], card_box
    size = options.first.locator("p").evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 16, size
    print("option boxes at 390 px:", card_box, boxes, size)


# What a thumb taps: the menu button, and every link, button, tab and field of the page. Left
# out: the radio and checkbox inputs (their option card is the target), and what Streamlit shows
# on mouse hover only (a heading's anchor link, a chart's or table's toolbar).
_TAPPABLE = """(min) => [...document.querySelectorAll(
  "[data-testid=stExpandSidebarButton], [data-testid=stMain] :is(a, button, summary,"
  + " [role=tab], input:not([type=radio], [type=checkbox]))")]
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 0 && r.height > 0 && r.height < min
    && !e.closest("[data-testid=stHeaderActionElements], [data-testid=stElementToolbar]"))
  .map(([e, r]) => `${e.tagName} ${Math.round(r.height)} px: `
    + (e.innerText || e.getAttribute("aria-label") || "").trim().slice(0, 40))"""
_SIDEWAYS = """() => [document.documentElement,
  ...document.querySelectorAll("[data-testid=stMain] [role=tablist]")]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName} ${e.scrollWidth} > ${e.clientWidth}`)"""


def _assert_tappable(page: Page) -> None:
    """Everything to tap on the page is at least 44 px high; nothing needs a sideways scroll
    (not the page, not a row of tabs)."""
    small = page.evaluate(_TAPPABLE, MIN_TAP)
    assert not small, small
    sideways = page.evaluate(_SIDEWAYS)
    assert not sideways, sideways


def test_a_phone_learner_taps_cards_and_finishes_a_quiz_with_the_keyboard(fresh_db, browser):
    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Front desk", actor_id=None)
    eve = make_user("eve", team_id=team.id, name="Eve Example")
    learning.create_assignments(
        actor=admin, module_ids=[MODULE], team_id=team.id, due_date=date.today() + timedelta(days=7)
    )
    practice_due(eve, PRACTICE)
    server = Server(fresh_db).start()
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    try:
        sign_in(page, server.url, "eve", PASSWORD)
        wait_styled(page)
        # daily practice answers are the same cards as the quiz's
        open_practice(page)
        _assert_answer_cards(page)
        _assert_tappable(page)
        # the whole card is the link: a tap on its title (not on "Start") opens the module
        card = page.locator(f".st-key-training_card_{MODULE}")
        card.scroll_into_view_if_needed()
        title = card.get_by_text("Empathy", exact=True)
        # the link covers the card's title (once the style block is applied)
        title.evaluate(
            "t => new Promise((done, fail) => { let n = 0; const look = () => {"
            " const r = t.getBoundingClientRect();"
            " const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
            " if (e && e.closest('a[href=\"module?id=empathy\"]')) return done(true);"
            " if (++n > 50) return fail(new Error('title not covered: ' + e.outerHTML));"
            " setTimeout(look, 100); }; look(); })"
        )
        box = title.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page).to_have_url(re.compile(rf"/module\?id={MODULE}"), timeout=TIMEOUT)
        wait_styled(page)

        # keyboard only from here to the results
        tab_to(page, r"^radio:Lessons$")  # the Lessons/Quiz switch: arrows move within it
        page.keyboard.press("ArrowRight")
        assert _focused(page) == "radio:Quiz"
        press(page, "Space")
        tab_to(page, r"^button:.*Start quiz")
        press(page, "Enter")
        expect(page.get_by_text("Question 1 of 10")).to_be_visible(timeout=TIMEOUT)

        _assert_answer_cards(page)
        _assert_tappable(page)
        # Submit is not offered before the last question
        expect(page.get_by_role("button", name="Submit quiz")).to_have_count(0)

        for n in range(1, 11):
            expect(page.get_by_text(f"Question {n} of 10")).to_be_visible(timeout=TIMEOUT)
            tab_to(page, r"^option:")
            press(page, "Space")  # chooses (or ticks) the focused option; saved at once
            if n < 10:
                tab_to(page, r"^button:.*Next$")
            else:
                tab_to(page, r"^button:.*Submit quiz")
            press(page, "Enter")
        expect(page.get_by_text("Your score")).to_be_visible(timeout=TIMEOUT)
        assert len(learning.history(user_id=eve.id, module_id=MODULE)) == 1

        # My progress history: a list of attempts, nothing cut off at the right
        page.goto(server.url + "/progress")
        wait_styled(page)
        page.get_by_role("tab", name=re.compile("History")).click()
        wait_styled(page)
        item = page.locator("li").filter(has_text="Empathy").first
        expect(item).to_be_visible(timeout=TIMEOUT)
        box = item.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], box
        _assert_tappable(page)  # the five tabs fit
    finally:
        ctx.close()
        server.stop()
