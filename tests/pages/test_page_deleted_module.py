"""Pages around a deleted module: the studio offers its restore and refuses its id for a new
module; a learner whose quiz was open on it is told it was withdrawn."""

from __future__ import annotations

import pytest

from store import content_store, learning
from tests.factories import loaded_module, make_user, page_test, take_quiz
from tests.pages import test_page_studio

pytestmark = pytest.mark.usefixtures("fresh_db")

content_dir = test_page_studio.content_dir  # sample-basics and broken-rules
MODULE = "sample-basics"


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_the_studio_lists_a_deleted_module_restores_it_and_refuses_its_id(content_dir):
    take_quiz(make_user("ann"), loaded_module(content_dir), {"sb-01": [0]})
    old_text = (content_dir / f"{MODULE}.yaml").read_text()
    (content_dir / f"{MODULE}.yaml").unlink()
    at = page_test("pages/studio.py", make_user("tina", "trainer")).run()
    assert not at.exception
    assert "**sample\\-basics** · last saved" in texts(at.markdown)
    # a new module under the deleted id is refused, with the way out
    at.selectbox(key="studio_module").select("__new__").run()
    new = old_text.replace("title: Sample basics", "title: Something else")
    at.text_area(key="studio_editor").input(new).run()
    assert "cannot be saved" in texts(at.error)
    assert "belonged to a deleted module" in texts(at.markdown)
    at.button(key="studio_save").click().run()
    assert not (content_dir / f"{MODULE}.yaml").exists()
    # restore brings the old text back
    at.button(key=f"studio_undelete_{MODULE}").click().run()
    assert not at.exception
    assert (content_dir / f"{MODULE}.yaml").read_text() == old_text
    assert "Restored sample-basics.yaml." in texts(at.success)


def test_a_learner_is_told_their_open_quiz_was_withdrawn(content_dir):
    bea = make_user("bea")
    learning.start_attempt(user_id=bea.id, loaded=loaded_module(content_dir))
    (content_dir / f"{MODULE}.yaml").unlink()
    at = page_test("pages/home.py", bea).run()
    assert not at.exception
    assert (
        "Your quiz on **Sample basics** was withdrawn: the module was removed from the training"
        in texts(at.info)
    )
    assert learning.open_attempt(user_id=bea.id, module_id=MODULE) is None
    assert content_store.module_history(module_id=MODULE).deleted
