"""What keeps a rerun of My training and of a quiz question cheap, without changing the page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from store import accounts, learning, practice
from tests.factories import (
    loaded_module,
    make_user,
    open_page,
    open_practice,
    page_text,
    take_quiz,
)
from training import quiz
from ui import links
from ui.home_view import PRACTICE_OPEN

pytestmark = pytest.mark.usefixtures("fresh_db")

SAMPLE = Path(__file__).parents[1] / "fixtures" / "content" / "valid"


@pytest.fixture
def content_dir(monkeypatch):
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(SAMPLE))
    return SAMPLE


def _page_links(at):
    return [e.proto for e in at.get("page_link")]


def test_card_is_one_block_with_its_link(content_dir):
    admin = make_user("boss", "admin")
    eve = make_user("eve")
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-basics"],
        user_ids=[eve.id],
        due_date=date.today() + timedelta(days=3),
    )
    at = open_page(eve, "pages/home.py")
    assert not at.exception
    card = next(m.value for m in at.markdown if m.value.startswith("**Sample"))
    title, facts = card.split("  \n")
    assert title == "**Sample basics**"
    assert "due in 3 days" in facts and "min" in facts
    assert not at.columns  # no columns per card
    link = next(p for p in _page_links(at) if "id=sample-basics" in p.query_string)
    assert link.label == "Start"
    assert link.icon == ":material/arrow_forward:"


def test_links_are_the_ones_a_file_path_gives(content_dir, monkeypatch):
    """The cached Page makes the link (URL, hash, label, icon) st.page_link makes from the file."""
    eve = make_user("eve")
    made = []
    real = links._registered_page
    monkeypatch.setattr(links, "_registered_page", lambda page: made.append(real(page)) or made[-1])
    fast = [_page_links(open_page(eve, "pages/home.py"))]
    fast.append(_page_links(open_page(eve, "pages/module.py", id="sample-basics")))
    assert made and all(p is not None for p in made)  # every link used the cached Page
    monkeypatch.setattr(links, "_registered_page", lambda page: None)  # st.page_link(file)
    slow = [_page_links(open_page(eve, "pages/home.py"))]
    slow.append(_page_links(open_page(eve, "pages/module.py", id="sample-basics")))
    assert fast == slow
    home_links, module_links = fast
    assert {p.page for p in home_links} == {"module"} and home_links[0].page_script_hash
    assert module_links[0].label == "My training" and module_links[0].page_script_hash


def test_outside_the_navigation_a_link_is_plain_markdown():
    assert links._registered_page("pages/module.py") is None  # no script run here
    assert links._registered_page("pages/no-such-page.py") is None


def test_the_session_is_checked_once_a_run_and_again_next_run(content_dir, monkeypatch):
    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    checks = []
    real = accounts.user_for_token
    monkeypatch.setattr(accounts, "user_for_token", lambda t: checks.append(t) or real(t))
    at.run()
    assert not at.exception and at.title[0].value == "My training"
    assert len([t for t in checks if t]) == 1  # app.py's check; the page's guard reuses it
    accounts.end_all_sessions(user_id=eve.id)  # signed out on another browser
    at.run()
    assert len([t for t in checks if t]) >= 2
    assert not any(t.value == "My training" for t in at.title)


def _card_of(at, module_id: str):
    """Return (Markdown of the card, label of its link) for a module on My training."""
    link = next(p for p in _page_links(at) if p.query_string == f"id={module_id}")
    cards = [m.value for m in at.markdown if m.value.startswith("**")]
    return cards, link.label


@pytest.mark.both_dbs
def test_a_quiz_started_then_submitted_shows_on_the_next_rerun_of_my_training(content_dir):
    """My training's list is cached per process; what the person does must show at once."""
    eve = make_user("eve")
    lm = loaded_module(content_dir)
    at = open_page(eve, "pages/home.py")
    assert _card_of(at, "sample-basics")[1] == "Start"
    attempt = learning.start_attempt(user_id=eve.id, loaded=lm, seed=1)
    at.run()
    assert _card_of(at, "sample-basics")[1] == "Continue"
    for drawn in attempt.drawn:
        q = lm.module.question(drawn["question_id"])
        learning.save_answer(
            attempt_id=attempt.id,
            user_id=eve.id,
            module=lm.module,
            question_id=q.id,
            answer=quiz.correct_answer(q),
        )
    learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=lm.module)
    at.run()
    cards, label = _card_of(at, "sample-basics")
    assert label == "Review"
    assert any("best 100%" in c for c in cards if c.startswith("**Sample basics**"))


@pytest.mark.both_dbs
def test_an_assignment_and_a_team_move_show_on_the_next_rerun_of_my_training(content_dir):
    admin = make_user("boss", "admin")
    desk = accounts.create_team(name="Desk", actor_id=None)
    bar = accounts.create_team(name="Bar", actor_id=None)
    eve = make_user("eve", team_id=desk.id)
    at = open_page(eve, "pages/home.py")
    assert "Nothing is assigned to you right now" in page_text(at)
    learning.create_assignments(
        actor=admin, module_ids=["sample-basics"], team_id=bar.id, due_date=date.today()
    )
    at.run()
    assert "Nothing is assigned to you right now" in page_text(at)  # not her team yet
    accounts.update_user(user_id=eve.id, team_id=bar.id, actor_id=admin.id)
    at.run()
    assert "Nothing is assigned to you right now" not in page_text(at)
    assert "0 of 1 assigned modules completed" in page_text(at)


def test_a_new_role_gets_its_pages_on_the_next_rerun(content_dir):
    """The session's pages are made once per role: a promotion must still open new pages."""
    admin = make_user("boss", "admin")
    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    with pytest.raises(ValueError):  # an employee has no Team progress page
        at.switch_page("pages/team.py")
    accounts.update_user(user_id=eve.id, role="manager", actor_id=admin.id)
    at.run()
    at.switch_page("pages/team.py").run()
    assert not at.exception
    assert not any(t.value == "Not available to you" for t in at.title)


def test_a_practice_answer_counts_on_the_next_rerun_of_my_training(content_dir):
    eve = make_user("eve")
    at = open_practice(eve)
    assert "You practised on" not in page_text(at)
    practice.record_answer(
        user_id=eve.id, module_id="sample-basics", question_id="sb-01", chosen=[0], correct=True
    )
    at.run()
    assert "You practised on 1 day this month." in page_text(at)


def test_the_module_header_follows_lessons_and_quizzes(content_dir):
    """The module page's header is cached per process; the lesson place and a result show."""
    eve = make_user("eve")
    lm = loaded_module(content_dir)
    at = open_page(eve, "pages/module.py", id="sample-basics")
    assert "Lesson 1 of" in page_text(at)
    learning.set_lesson_position(user_id=eve.id, module_id="sample-basics", position=1)
    again = open_page(eve, "pages/module.py", id="sample-basics")  # a new tab
    assert "Lesson 2 of" in page_text(again)
    answers = {q.id: quiz.correct_answer(q) for q in lm.module.quiz.questions}
    take_quiz(eve, lm, answers)
    again.run()
    assert "best score 100%" in again.caption[0].value


def test_daily_practice_is_drawn_only_while_its_expander_is_open(content_dir):
    """A closed expander's content was sent on every rerun; now it runs once opened."""
    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    box = at.expander[0]
    assert box.label == "Daily practice: about three minutes"
    assert not box.children and "practice" not in at.session_state  # nothing drawn or read
    at.session_state[PRACTICE_OPEN] = True  # what a click on the expander sends
    at.run()
    assert at.expander[0].children and "practice" in at.session_state
    at.run()  # an answer or any other rerun keeps it open
    assert at.session_state[PRACTICE_OPEN] and at.expander[0].children


def test_a_quiz_question_is_one_markdown_block_and_one_row_of_buttons(content_dir):
    eve = make_user("eve")
    lm = loaded_module(content_dir)
    attempt = learning.start_attempt(user_id=eve.id, loaded=lm, seed=1)
    at = open_page(eve, "pages/module.py", id="sample-basics")
    at.session_state["module_section_sample-basics"] = "Quiz"
    at.run()
    assert not at.exception
    first = quiz.drawn_from_json(attempt.drawn)[0]
    q = lm.module.question(first.question_id)
    header = [m.value for m in at.markdown if q.prompt.rstrip("?.") in m.value]
    assert len(header) == 1  # the situation (when there is one) and the prompt together
    if q.scenario:
        assert header[0].startswith(":gray[:material/storefront: Situation]")
    assert not at.columns  # Previous and Next: one horizontal container, not two columns
    assert [b.label for b in at.button if b.key and b.key.startswith("quiz_")] == [
        "Previous",
        "Next",
    ]


def test_a_learners_my_training_checks_the_content_folder_once_a_rerun(content_dir, monkeypatch):
    """The content folder's problems are shown to trainers only; nobody else checks twice,
    and where inotify watches the folder no file in it is stat'ed."""
    from ui import content

    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    checks, scans = [], []
    real_version, real_signature = content._version, content._signature
    monkeypatch.setattr(content, "_version", lambda d: checks.append(d) or real_version(d))
    monkeypatch.setattr(content, "_signature", lambda d: scans.append(d) or real_signature(d))
    at.run()
    assert not at.exception and at.title[0].value == "My training"
    assert len(checks) == 1
    assert scans == []


def test_a_database_the_process_has_not_seen_is_upgraded_before_use(tmp_path, monkeypatch):
    """ensure_database remembers the databases it upgraded; a new one is still upgraded."""
    import sqlite3

    from ui import auth

    path = tmp_path / "other.db"
    monkeypatch.setenv("TRAINING_DATABASE_URL", f"sqlite:///{path}")
    auth.ensure_database()
    auth.ensure_database()  # the second time a set look-up
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert conn.execute('SELECT count(*) FROM "user"').fetchone() == (0,)
