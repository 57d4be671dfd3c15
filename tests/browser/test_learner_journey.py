"""Learner journeys in a real browser: answers survive a reload and a server crash, one result."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from store import accounts, learning
from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, sign_in, wait_ready
from tests.browser.server import Server
from tests.factories import PASSWORD, ROOT, make_user
from tests.unit.test_certificate import pdf_text
from training import quiz
from training.loader import load_content_dir

pytestmark = pytest.mark.usefixtures("fresh_db")

MODULE = "empathy"


def setup_learner():
    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Front desk", actor_id=None)
    eve = make_user("eve", team_id=team.id, name="Eve Example")
    learning.create_assignments(
        actor=admin, module_ids=[MODULE], team_id=team.id, due_date=date.today() + timedelta(days=7)
    )
    return eve, load_content_dir(ROOT / "content").modules[MODULE].module


def current(eve):
    attempt = learning.open_attempt(user_id=eve.id, module_id=MODULE)
    assert attempt is not None
    return attempt


def answer_current(page: Page, eve, module, *, right: bool = True) -> str:
    """Answer the question on screen (right or wrong) through the UI; return its id."""
    attempt = current(eve)
    drawn = quiz.drawn_from_json(attempt.drawn)[attempt.position]
    question = module.question(drawn.question_id)
    labels = dict(quiz.ordered_options(question, drawn))
    correct = quiz.correct_answer(question)
    if question.type == "multiple":
        chosen = correct if right else [i for i in labels if i not in correct][:1]
        for idx in chosen:
            page.locator("[data-testid='stCheckbox']").filter(has_text=labels[idx]).locator(
                "label"
            ).click()
            wait_ready(page)
    else:
        idx = correct[0] if right else next(i for i in labels if i not in correct)
        page.locator("[data-testid='stRadio'] label").filter(has_text=labels[idx]).click()
        wait_ready(page)
    return question.id


def wait_saved(eve, qid: str) -> None:
    """Wait until the answer to qid is in the database."""
    for _ in range(50):
        if current(eve).draft_answers.get(qid):
            return
        import time

        time.sleep(0.1)
    raise AssertionError(f"answer to {qid} was not saved")


def open_quiz(page: Page, base: str) -> None:
    page.goto(f"{base}/module?id={MODULE}")
    wait_ready(page)


def next_question(page: Page) -> None:
    page.get_by_role("button", name="Next", exact=True).click()
    wait_ready(page)


@pytest.mark.both_dbs
def test_answers_survive_a_reload_and_the_result_reaches_the_manager(server, context):
    eve, module = setup_learner()
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    expect(page.get_by_text("Empathy").first).to_be_visible(timeout=TIMEOUT)
    shot(page, "learner-home")
    open_quiz(page, server.url)
    page.get_by_role("radio", name="Quiz", exact=True).click()
    page.get_by_role("button", name="Start quiz").click()
    expect(page.get_by_text("Question 1 of 10")).to_be_visible(timeout=TIMEOUT)
    answered = []
    for _ in range(5):
        qid = answer_current(page, eve, module, right=True)
        wait_saved(eve, qid)
        answered.append(qid)
        next_question(page)
    before = dict(current(eve).draft_answers)
    shot(page, "quiz-half")

    page.reload()
    expect(page.get_by_text("Question 6 of 10 · 5 answered")).to_be_visible(timeout=TIMEOUT)
    assert current(eve).draft_answers == before
    page.get_by_role("button", name="Previous").click()
    wait_ready(page)
    checked = page.locator("input[type=radio]:checked, input[type=checkbox]:checked")
    assert checked.count() >= 1, "the answer given before the reload is shown again"
    next_question(page)

    for _ in range(5):
        qid = answer_current(page, eve, module, right=True)
        wait_saved(eve, qid)
        if "Question 10 of 10" not in page.inner_text("body"):
            next_question(page)
    page.get_by_role("button", name="Submit quiz").click()
    expect(page.get_by_text("You passed Empathy")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stMetricValue").get_by_text("100%")).to_be_visible()
    shot(page, "quiz-result")

    page.goto(server.url + "/progress?tab=certificates")
    wait_ready(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Certificate (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert any("Eve Example" in line for line in pdf_text(pdf))
    shot(page, "certificates")

    # what the manager's dashboard reads: the progress row
    row = learning.progress_rows(user_id=eve.id)[MODULE]
    assert row.best_score == 100 and row.passed_at is not None and row.attempt_count == 1


@pytest.mark.both_dbs
def test_a_killed_server_loses_no_answer_and_two_tabs_submit_once(fresh_db, context):
    eve, module = setup_learner()
    server = Server(fresh_db).start()
    page = context.new_page()
    try:
        sign_in(page, server.url, "eve", PASSWORD)
        open_quiz(page, server.url)
        page.get_by_role("radio", name="Quiz", exact=True).click()
        page.get_by_role("button", name="Start quiz").click()
        expect(page.get_by_text("Question 1 of 10")).to_be_visible(timeout=TIMEOUT)
        for _ in range(3):
            qid = answer_current(page, eve, module, right=False)
            wait_saved(eve, qid)
            next_question(page)
        saved = dict(current(eve).draft_answers)
        server.stop(kill=True)
    finally:
        server.stop(kill=True)
    server = Server(fresh_db, port=server.port).start()
    try:
        open_quiz(page, server.url)
        expect(page.get_by_text("Question 4 of 10 · 3 answered")).to_be_visible(timeout=TIMEOUT)
        assert current(eve).draft_answers == saved

        # two tabs on the same attempt both press Submit: one result is recorded
        other = context.new_page()
        open_quiz(other, server.url)
        expect(other.get_by_text("Question 4 of 10")).to_be_visible(timeout=TIMEOUT)
        for tab in (page, other):
            for _ in range(60):
                if "Question 10 of 10" in tab.inner_text("body"):
                    break
                # Under load the page may still be drawing the last step: never click a
                # disabled Next (it is disabled on the last question), look again instead.
                if tab.get_by_role("button", name="Next", exact=True).is_enabled():
                    next_question(tab)
                else:
                    tab.wait_for_timeout(300)
            expect(tab.get_by_text("Question 10 of 10")).to_be_visible(timeout=TIMEOUT)
            tab.get_by_text("Submit with unanswered questions").click()
            wait_ready(tab)
        page.get_by_role("button", name="Submit quiz").click()
        other.get_by_role("button", name="Submit quiz").click()
        for tab in (page, other):
            expect(tab.get_by_text("Not passed yet.", exact=True)).to_be_visible(timeout=TIMEOUT)
        history = learning.history(user_id=eve.id)
        assert len(history) == 1
        assert learning.progress_rows(user_id=eve.id)[MODULE].attempt_count == 1
    finally:
        server.stop()
