"""Trainer journey in a real browser: edit a module (a refused invalid save, then a valid one),
preview it, see its history, import a GIFT file, and read the question statistics."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, sign_in, wait_ready
from tests.browser.server import Server
from tests.factories import PASSWORD, ROOT, make_user
from tests.pages.test_page_item_analysis import learners_answer

pytestmark = pytest.mark.usefixtures("fresh_db")

MODULE = ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml"
GIFT = ROOT / "tests" / "fixtures" / "gift"


def save(page: Page) -> None:
    page.locator(".st-key-studio_save button").click()


def shots(page: Page, name: str, *, narrow: bool = True) -> None:
    """Screenshot the whole page at desktop and (when narrow) at phone width.

    Streamlit scrolls inside its own container, so a full-page screenshot shows one screen;
    a tall window shows everything.
    """
    wait_ready(page)
    for width, suffix in ((1280, ""), (420, "-narrow"))[: 2 if narrow else 1]:
        page.set_viewport_size({"width": width, "height": 2400})
        wait_ready(page)
        shot(page, name + suffix)
    page.set_viewport_size({"width": 1280, "height": 900})
    wait_ready(page)


def test_trainer_edits_a_module_and_reads_the_question_statistics(fresh_db, context, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    path = folder / "sample-basics.yaml"
    shutil.copy(MODULE, path)
    make_user("tina", "trainer", name="Tina Trainer")
    learners_answer(folder, 12)
    server = Server(fresh_db, env={"TRAINING_CONTENT_DIR": str(folder)}).start()
    try:
        page = context.new_page()
        sign_in(page, server.url, "tina", PASSWORD)
        page.goto(server.url + "/studio")
        editor = page.get_by_role("textbox", name="Module YAML")
        expect(editor).to_be_visible(timeout=TIMEOUT)
        wait_ready(page)
        original = path.read_bytes()
        text = original.decode()

        # an invalid module is refused and the file stays as it was
        editor.fill(text.replace("pass_mark: 80", "pass_mark: 800"))
        save(page)
        expect(page.get_by_text("Not saved: the module has 1 problem")).to_be_visible(
            timeout=TIMEOUT
        )
        expect(page.get_by_text("line 21, column 14: pass_mark must be between")).to_be_visible()
        assert path.read_bytes() == original
        shots(page, "studio-invalid")

        # a valid edit is saved
        changed = text.replace("title: Sample basics", "title: Greeting basics")
        editor.fill(changed)
        save(page)
        expect(page.get_by_text("Saved sample-basics.yaml").first).to_be_visible(timeout=TIMEOUT)
        assert path.read_text() == changed
        wait_ready(page)

        # the preview and the history
        page.get_by_role("tab", name="Preview").click()
        wait_ready(page)
        expect(page.get_by_role("heading", name="Greeting basics")).to_be_visible(timeout=TIMEOUT)
        shots(page, "studio-preview", narrow=False)
        page.get_by_role("tab", name="History").click()
        wait_ready(page)
        expect(page.get_by_text("+title: Greeting basics")).to_be_visible(timeout=TIMEOUT)
        shots(page, "studio-history")

        # a GIFT question bank comes in by upload, with a preview, as a new module
        page.get_by_role("tab", name="Import GIFT").click()
        wait_ready(page)  # switching tabs reruns the page
        page.locator(".st-key-studio_gift_upload input[type=file]").set_input_files(
            str(GIFT / "feedback.gift")
        )
        expect(page.get_by_text("feedback.gift")).to_be_visible(timeout=TIMEOUT)
        wait_ready(page)
        page.get_by_label("New module id").fill("imported-basics")
        page.get_by_label("Title").fill("Imported basics")
        page.get_by_label("Title").press("Enter")
        expect(page.get_by_text("questions ready to import")).to_be_visible(timeout=TIMEOUT)
        shots(page, "studio-gift", narrow=False)
        page.locator(".st-key-studio_gift_save button").click()
        expect(page.get_by_text("Created imported-basics.yaml from GIFT").first).to_be_visible(
            timeout=TIMEOUT
        )
        assert (folder / "imported-basics.yaml").is_file()

        # question statistics with charts and flags
        page.goto(server.url + "/item-analysis")
        expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Too easy: 100% of learners get it right.")).to_be_visible()
        shots(page, "item-analysis")
    finally:
        server.stop()
