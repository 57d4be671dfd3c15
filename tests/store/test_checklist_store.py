"""Checklists saved from the studio: checked first, written atomically, revisions kept, and the
studio tab that edits them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store import accounts
from store import checklist_store as cs
from tests.utils.observations import FIXTURE, person

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(fresh_db, tmp_path, monkeypatch) -> Path:
    """A content folder with the fixture checklists, used by the app."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(target))
    return target


def test_a_valid_edit_is_saved_with_a_revision_and_an_invalid_one_writes_nothing(folder):
    trainer = person("tia", "trainer")
    opened = cs.read_checklist_file(directory=folder, checklist_id="desk-basics")
    changed = opened.text.replace("Five minutes at the desk.", "Ten minutes at the desk.")
    saved = cs.save_checklist_text(
        directory=folder,
        checklist_id="desk-basics",
        text=changed,
        expected_sha=opened.sha,
        actor=trainer,
    )
    assert saved is not None and opened.path.read_text() == changed
    assert [r.version for r in cs.list_revisions(checklist_id="desk-basics")] == [saved.version]
    again = cs.read_checklist_file(directory=folder, checklist_id="desk-basics")
    broken = changed.replace("need: empathy", "need: empathie")
    with pytest.raises(cs.InvalidChecklist, match="the checklist has 1 problem") as refused:
        cs.save_checklist_text(
            directory=folder,
            checklist_id="desk-basics",
            text=broken,
            expected_sha=again.sha,
            actor=trainer,
        )
    assert "did you mean 'empathy'" in refused.value.problems[0].message
    assert opened.path.read_text() == changed
    with pytest.raises(cs.SaveConflict):
        cs.save_checklist_text(
            directory=folder,
            checklist_id="desk-basics",
            text=changed + "# more\n",
            expected_sha=opened.sha,  # the fingerprint from before the first save
            actor=trainer,
        )


def test_only_trainers_and_admins_save_and_a_new_checklist_may_not_take_an_id(folder):
    manager = person("mia", "manager")
    text = (folder / "observations" / "desk-basics.yaml").read_text()
    with pytest.raises(cs.NotAllowed):
        cs.save_checklist_text(
            directory=folder,
            checklist_id="desk-basics",
            text=text,
            expected_sha=None,
            actor=manager,
        )
    check = cs.check_checklist_text(directory=folder, checklist_id=None, text=text)
    assert not check.ok and "exists already" in check.problems[-1].message


def test_trainer_edits_a_checklist_in_the_studio_tab(folder):
    trainer = person("tia", "trainer")
    at = AppTest.from_file(str(ROOT / "pages" / "studio.py"), default_timeout=30)
    token, _ = accounts.create_session(user_id=trainer.id)
    at.session_state["session_token"] = token
    at.run()
    assert not at.exception
    at.selectbox(key="studio_checklist_pick").set_value("desk-basics").run()
    editor = at.text_area(key="studio_checklist_editor")
    assert "id: desk-basics" in editor.value
    editor.input(editor.value.replace("need: empathy", "need: empathie")).run()
    assert any("1 problem" in e.value for e in at.error)
    fixed = editor.value.replace("need: empathie", "need: sincerity")
    at.text_area(key="studio_checklist_editor").input(fixed).run()
    assert any("Valid: 3 items" in s.value for s in at.success)
    at.toggle(key="studio_checklist_preview").set_value(True).run()
    previews = [g for g in at.get("button_group") if g.key.startswith("studio_checklist_preview")]
    assert len(previews) == 3  # each item with its rating buttons
    at.button(key="studio_checklist_save").click().run()
    assert not at.exception
    assert any("Saved desk-basics." in s.value for s in at.success)
    assert "need: sincerity" in (folder / "observations" / "desk-basics.yaml").read_text()
