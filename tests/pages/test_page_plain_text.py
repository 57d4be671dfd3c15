"""Names, team names and module and lesson titles show as plain text on every page.

A name like `Ann ![x](http://tracker/p.gif)` once fetched the image from that host on five
pages (a tracking pixel), and names could carry links. Every text Streamlit renders as Markdown
is parsed here with a CommonMark parser: none may hold an image or a link to the tracker.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import yaml
from markdown_it import MarkdownIt

from store import accounts, learning
from tests.factories import ROOT, make_user
from tests.pages.test_page_learner import open_page

pytestmark = pytest.mark.usefixtures("fresh_db")

TRACKER = "http://127.0.0.1:9"
MARKUP = f"![px]({TRACKER}/p.gif) [click]({TRACKER}/go) :violet[loud] **bold**"
SAMPLE = ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml"
COMMONMARK = MarkdownIt("commonmark")


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    """A module whose title, lesson title and lesson body carry images and links."""
    folder = tmp_path / "content"
    folder.mkdir()
    data = yaml.safe_load(SAMPLE.read_text())
    data["title"] = f"Sample {MARKUP}"
    data["lessons"][0]["title"] = f"Greeting {MARKUP}"
    data["lessons"][0]["body"] += f"\n\nA picture: ![chart]({TRACKER}/chart.png)\n"
    (folder / "sample-basics.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copy(ROOT / "content" / "_template.yaml", folder)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    monkeypatch.delenv("TRAINING_IMAGE_HOSTS", raising=False)
    return folder


@pytest.fixture
def org(content_dir):
    admin = make_user("boss", "admin", name=f"Boss {MARKUP}")
    team = accounts.create_team(name=f"Desk {MARKUP}", actor_id=None)
    ann = make_user("ann", team_id=team.id, name=f"Ann {MARKUP}")
    mia = make_user("mia", "manager", team_id=team.id, name=f"Mia {MARKUP}")
    accounts.set_team_managers(team_id=team.id, user_ids=[mia.id], actor_id=None)
    trainer = make_user("tina", "trainer", name=f"Tina {MARKUP}")
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-basics"],
        team_id=team.id,
        due_date=date.today() + timedelta(days=3),
    )
    return {"admin": admin, "ann": ann, "mia": mia, "tina": trainer, "team": team}


def markdown_texts(at) -> list[str]:
    """Return every text of the run that Streamlit renders as Markdown."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "success", "info"):
        texts += [str(e.value) for e in getattr(at, kind)]
        texts += [str(e.value) for e in getattr(at.sidebar, kind)]
    for kind in ("warning", "error", "toast"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("expander", "button", "checkbox", "radio", "metric"):
        texts += [str(e.label) for e in getattr(at, kind)]
    for radio in at.radio:
        texts += [str(o) for o in radio.options]
    return texts


def live_urls(markdown: str) -> list[str]:
    """Return the image sources and link targets a CommonMark renderer would make live.

    The lesson body's disabled image stays a link (lesson Markdown may link anywhere); only
    names and titles must have none.
    """
    found: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "image":
                found.append(str(token.attrs.get("src")))
            href = str(token.attrs.get("href", "")) if token.type == "link_open" else ""
            if href and href != f"{TRACKER}/chart.png":
                found.append(href)
            walk(token.children or [])

    walk(COMMONMARK.parse(markdown))
    return found


def assert_plain(at, *, shows: str | None = None) -> None:
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    assert shows is None or any(shows in t for t in texts), texts  # shown, escaped
    for text in texts:
        assert not [u for u in live_urls(text) if u.startswith(TRACKER)], text
        assert ":violet[" not in text, text


def test_the_markup_is_live_without_the_escaping():
    assert live_urls(f"**{MARKUP}**") == [f"{TRACKER}/p.gif", f"{TRACKER}/go"]


def test_learner_pages_show_names_and_titles_as_plain_text(org):
    ann = org["ann"]
    home = open_page(ann, "pages/home.py")
    assert_plain(home, shows="Welcome, Ann \\!\\[px\\]")
    assert_plain(home, shows="Signed in as **Ann \\!\\[px\\]")
    assert_plain(home, shows="**Sample \\!\\[px\\]")
    assert_plain(open_page(ann, "pages/module.py", id="sample-basics"), shows="Greeting")
    assert_plain(open_page(ann, "pages/progress.py"))


def test_manager_pages_show_names_and_team_names_as_plain_text(org):
    mia = org["mia"]
    assert_plain(open_page(mia, "pages/team.py"), shows="Desk")
    panel = open_page(mia, "pages/team.py", person=str(org["ann"].id))
    assert_plain(panel, shows="#### Ann \\!\\[px\\]")
    assert_plain(panel, shows="ann · Desk \\!\\[px\\]")
    assert_plain(open_page(mia, "pages/assign.py"))


def test_admin_and_trainer_pages_show_names_and_titles_as_plain_text(org):
    assert_plain(open_page(org["admin"], "pages/people.py"))
    studio = open_page(org["tina"], "pages/studio.py")
    studio.selectbox(key="studio_module").select("sample-basics").run()
    assert_plain(studio, shows="Sample \\!\\[px\\]")
