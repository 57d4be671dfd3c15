"""A deleted module's id is never reused: its passes, certificate, attempts and revisions stay
with it. The studio refuses the id and offers a restore; a file dropped in by hand under it is
left out for learners; an attempt left open on it is closed as withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import accounts, content_store, learning
from store.content_store import InvalidModule
from tests.factories import edited, loaded_module, make_user, take_quiz
from tests.store import test_content_store
from training.loader import load_content_dir

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]
one_module_dir = test_content_store.content_dir  # sample-basics alone


@pytest.fixture
def content_dir(one_module_dir):
    """sample-basics and a second module, so deleting the first leaves a folder with files."""
    text = (one_module_dir / f"{MODULE}.yaml").read_text()
    (one_module_dir / "second-basics.yaml").write_text(text.replace(MODULE, "second-basics"))
    return one_module_dir


MODULE = "sample-basics"
RIGHT = {"sb-01": [0], "sb-02": [0, 1], "sb-03": [1]}


def learner_passed(folder):
    ann = make_user("ann")
    result = take_quiz(ann, loaded_module(folder), RIGHT)
    assert result.attempt.passed
    return ann


def learners_view(folder):
    """Return the content set the app shows learners (deletions recorded, reuse refused)."""
    return content_store.guard_reused_ids(load_content_dir(folder))


def a_different_module(folder) -> str:
    return edited(folder, "title: Sample basics", "title: Fire safety").replace(
        "Greet every guest", "Find the nearest exit, then greet every guest"
    )


def test_a_new_module_cannot_take_the_id_of_a_deleted_module_with_passes(content_dir):
    tina = make_user("tina", "trainer")
    learner_passed(content_dir)
    text = a_different_module(content_dir)
    (content_dir / f"{MODULE}.yaml").unlink()
    with pytest.raises(InvalidModule) as refused:
        content_store.save_module_text(
            directory=content_dir, module_id=None, text=text, expected_sha=None, actor=tina
        )
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (2, 5)  # at the id
    assert problem.message.startswith(
        "the id 'sample-basics' belonged to a deleted module (1 attempt and 1 revision); "
        "a new module needs an id never used before"
    )
    assert "restore it under Deleted modules" in problem.message
    assert not (content_dir / f"{MODULE}.yaml").exists()


def test_renaming_a_module_to_a_deleted_id_is_refused(content_dir):
    learner_passed(content_dir)
    other = edited(content_dir, "id: sample-basics", "id: other-basics")
    (content_dir / "other-basics.yaml").write_text(other)
    (content_dir / f"{MODULE}.yaml").unlink()
    renamed = other.replace("id: other-basics", f"id: {MODULE}").replace("Sample", "Other")
    check = content_store.check_module_text(
        directory=content_dir, module_id="other-basics", text=renamed
    )
    assert not check.ok and "belonged to a deleted module" in check.problems[0].message


def test_a_deleted_module_is_offered_for_restore_and_comes_back_with_its_passes(content_dir):
    tina = make_user("tina", "trainer")
    ann = learner_passed(content_dir)
    old_text = (content_dir / f"{MODULE}.yaml").read_text()
    (content_dir / f"{MODULE}.yaml").unlink()
    learners_view(content_dir)  # the app notices the deletion
    [gone] = content_store.deleted_modules(present_ids={"second-basics"})
    assert gone.module_id == MODULE and gone.attempts == 1
    result = content_store.restore_revision(
        directory=content_dir, revision_id=gone.revision_id, expected_sha=None, actor=tina
    )
    assert result.changed and (content_dir / f"{MODULE}.yaml").read_text() == old_text
    assert content_store.deleted_modules(present_ids={MODULE, "second-basics"}) == []
    view = learners_view(content_dir)
    assert MODULE in view.modules and view.problems == []
    assert learning.progress_rows(user_id=ann.id)[MODULE].passed_at is not None
    # the same text pasted as a new module is a restore too, so it is allowed
    (content_dir / f"{MODULE}.yaml").unlink()
    check = content_store.check_module_text(directory=content_dir, module_id=None, text=old_text)
    assert check.ok


def test_a_file_dropped_in_by_hand_under_a_deleted_id_is_left_out_for_learners(content_dir):
    ann = learner_passed(content_dir)
    old_text = (content_dir / f"{MODULE}.yaml").read_text()
    new_text = a_different_module(content_dir)
    (content_dir / f"{MODULE}.yaml").unlink()
    assert list(learners_view(content_dir).modules) == ["second-basics"]  # deletion recorded
    (content_dir / f"{MODULE}.yaml").write_text(new_text)  # by hand, or a git pull
    view = learners_view(content_dir)
    assert MODULE not in view.modules
    [problem] = view.problems
    assert problem.path == str(content_dir / f"{MODULE}.yaml") and problem.line == 2
    assert "belonged to a deleted module" in problem.message
    # learners see nothing of it, so the old pass is credited to nothing new
    items = learning.my_training(user_id=ann.id, modules=view.modules)
    assert [i.module_id for i in items] == ["second-basics"]
    # the studio refuses to save it under that id as well
    check = content_store.check_module_text(directory=content_dir, module_id=MODULE, text=new_text)
    assert not check.ok and "belonged to a deleted module" in check.problems[0].message
    # the old module put back by hand is the same module: shown again, history intact
    (content_dir / f"{MODULE}.yaml").write_text(old_text)
    view = learners_view(content_dir)
    assert MODULE in view.modules and view.problems == []
    assert not content_store.module_history(module_id=MODULE).deleted


def test_an_open_attempt_on_a_deleted_module_is_closed_as_withdrawn(content_dir):
    bea = make_user("bea")
    attempt = learning.start_attempt(user_id=bea.id, loaded=loaded_module(content_dir))
    (content_dir / f"{MODULE}.yaml").unlink()
    learners_view(content_dir)
    assert learning.open_attempt(user_id=bea.id, module_id=MODULE) is None
    assert learning.attempts_used(user_id=bea.id, module_id=MODULE) == 0
    [withdrawn] = learning.withdrawn_attempts(
        user_id=bea.id, since=accounts.now_utc() - timedelta(days=1)
    )
    assert withdrawn.module_id == MODULE and withdrawn.started_at == attempt.started_at
    actions = [a.action for a in accounts.recent_audit()]
    assert "attempts_withdrawn" in actions and "content_deleted" in actions
    learners_view(content_dir)  # noticing again changes nothing
    assert [a.action for a in accounts.recent_audit()].count("content_deleted") == 1


def test_an_empty_content_folder_deletes_nothing(content_dir, tmp_path):
    bea = make_user("bea")
    learning.start_attempt(user_id=bea.id, loaded=loaded_module(content_dir))
    empty = tmp_path / "empty"
    empty.mkdir()
    learners_view(empty)  # a wrong TRAINING_CONTENT_DIR, or a mount that is not there yet
    learners_view(tmp_path / "missing")
    assert learning.open_attempt(user_id=bea.id, module_id=MODULE) is not None
    assert not content_store.module_history(module_id=MODULE).deleted
