"""What keeps a rerun of My training and of a quiz question cheap, without changing the page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from store import accounts, learning
from tests.factories import make_user, open_page
from ui import links

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
