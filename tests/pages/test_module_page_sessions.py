"""One run of the module page goes down to the store once per screen: at most two sessions.

Sessions are counted where SQLAlchemy begins their transaction (the real `after_begin` event),
keeping those opened while ui/module_view.py is on the stack: the page's own reads, not the
sign-in check of the frame around it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session

from store import accounts, learning
from tests.factories import page_test
from training import quiz
from training.loader import load_content_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = FIXTURES / "content" / "valid" / "sample-basics.yaml"
MODULE_ID = "sample-basics"
MAX_SESSIONS_PER_SCREEN = 2


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / f"{MODULE_ID}.yaml")
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


@pytest.fixture
def eve(fresh_db):
    return accounts.create_user(
        actor_id=None,
        username="eve",
        name="Eve Example",
        role="employee",
        password="correct horse battery staple",
    )


@pytest.fixture
def page_sessions():
    """Count sessions begun from ui/module_view.py; yield the list of counts, reset per run."""
    seen = [0]

    def began(session, transaction, connection) -> None:
        frame = sys._getframe()
        while frame is not None:
            if frame.f_code.co_filename.endswith(str(Path("ui", "module_view.py"))):
                seen[0] += 1
                return
            frame = frame.f_back

    event.listen(Session, "after_begin", began)
    yield seen
    event.remove(Session, "after_begin", began)


def _run(at, seen) -> int:
    seen[0] = 0
    at.run()
    assert not at.exception, at.exception
    return seen[0]


def test_each_screen_of_the_module_page_opens_at_most_two_sessions(eve, content_dir, page_sessions):
    loaded = load_content_dir(content_dir).modules[MODULE_ID]
    at = page_test("app.py", eve).run()
    at.switch_page("pages/module.py")
    at.query_params["id"] = MODULE_ID
    at.run()  # the first run warms the caches (content, time zone)
    counts = {"lessons": _run(at, page_sessions)}

    at.session_state[f"module_section_{MODULE_ID}"] = "Quiz"
    counts["quiz introduction"] = _run(at, page_sessions)

    attempt = learning.start_attempt(user_id=eve.id, loaded=loaded)
    counts["question"] = _run(at, page_sessions)

    for d in quiz.drawn_from_json(attempt.drawn):
        answer = quiz.correct_answer(loaded.module.question(d.question_id))
        learning.save_answer(
            attempt_id=attempt.id,
            user_id=eve.id,
            module=loaded.module,
            question_id=d.question_id,
            answer=answer,
        )
    learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=loaded.module)
    at.session_state[f"module_result_{MODULE_ID}"] = attempt.id
    counts["results"] = _run(at, page_sessions)
    assert "You passed" in " ".join(s.value for s in at.success)

    assert all(n <= MAX_SESSIONS_PER_SCREEN for n in counts.values()), counts
    # Past the first run the section is known before the read: the header and the quiz
    # section come from one session (a rerun of a quiz question is one trip to the store).
    assert set(counts.values()) == {1}, counts


def test_the_first_run_of_a_module_page_on_an_open_attempt_reads_it_in_one_session(
    eve, content_dir, page_sessions
):
    """Before the section is known the read decides as the page will: on an open attempt the
    quiz comes with the header (a browser that sends no section, as bench/load.py's clients
    do, reruns like this every other time)."""
    loaded = load_content_dir(content_dir).modules[MODULE_ID]
    warm = page_test("app.py", eve).run()
    warm.switch_page("pages/module.py")
    warm.query_params["id"] = MODULE_ID
    warm.run()  # warms the caches (content, time zone) on the lessons
    learning.start_attempt(user_id=eve.id, loaded=loaded)
    at = page_test("app.py", eve).run()  # another browser tab: its first visit of the module
    at.switch_page("pages/module.py")
    at.query_params["id"] = MODULE_ID
    assert _run(at, page_sessions) == 1
    assert at.session_state[f"module_section_{MODULE_ID}"] == "Quiz"
    assert any(p.text.startswith("Question 1 of") for p in at.get("progress"))
