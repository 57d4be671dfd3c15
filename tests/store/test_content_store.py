"""Saving modules from the studio (atomic, validated, conflict-checked), history, and the data
item analysis reads."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store import accounts, content_store
from store.content_store import InvalidModule, NotAllowed, SaveConflict
from tests.factories import ROOT, edited, loaded_module, make_user, take_quiz

FIXTURE = ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml"

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


@pytest.fixture
def content_dir(tmp_path, monkeypatch) -> Path:
    """A temporary content folder holding one small valid module, sample-basics."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / "sample-basics.yaml")
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


def test_valid_save_writes_the_file_and_records_who_and_when(content_dir):
    trainer = make_user("tina", "trainer", name="Tina Trainer")
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    text = edited(content_dir, "title: Sample basics", "title: Sample basics, revised")
    result = content_store.save_module_text(
        directory=content_dir,
        module_id="sample-basics",
        text=text,
        expected_sha=opened.sha,
        actor=trainer,
    )
    assert result.changed and result.path == content_dir / "sample-basics.yaml"
    assert result.path.read_text(encoding="utf-8") == text
    assert result.sha == content_store.file_sha(result.path)
    revisions = content_store.list_revisions(module_id="sample-basics")
    # the text found on disk is kept as the first revision, then the save
    assert [r.saved_by for r in revisions] == ["Tina Trainer", None]
    assert content_store.revision_text(revision_id=revisions[1].id) == opened.text
    assert content_store.revision_text(revision_id=revisions[0].id) == text
    assert revisions[0].version == loaded_module(content_dir).version
    assert content_store.last_edits()["sample-basics"].saved_by == "Tina Trainer"
    assert not [p for p in content_dir.iterdir() if p.suffix == ".tmp"]


def test_invalid_save_is_refused_and_the_file_stays_as_it_was(content_dir):
    trainer = make_user("tina", "trainer")
    path = content_dir / "sample-basics.yaml"
    before = path.read_bytes()
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    text = edited(content_dir, "pass_mark: 80", "pass_mark: 800")
    with pytest.raises(InvalidModule) as refused:
        content_store.save_module_text(
            directory=content_dir,
            module_id="sample-basics",
            text=text,
            expected_sha=opened.sha,
            actor=trainer,
        )
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (21, 14)
    assert "pass_mark must be between 1 and 100" in problem.message
    assert "file on disk is unchanged" in str(refused.value)
    assert path.read_bytes() == before
    assert content_store.list_revisions(module_id="sample-basics") == []


def test_a_file_changed_on_disk_since_it_was_opened_is_not_overwritten(content_dir):
    trainer = make_user("tina", "trainer")
    path = content_dir / "sample-basics.yaml"
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    by_hand = edited(content_dir, "estimated_minutes: 5", "estimated_minutes: 7")
    path.write_text(by_hand, encoding="utf-8")  # another trainer, or a git pull
    mine = opened.text.replace("title: Sample basics", "title: Mine")
    with pytest.raises(SaveConflict, match="changed on disk since you opened it"):
        content_store.save_module_text(
            directory=content_dir,
            module_id="sample-basics",
            text=mine,
            expected_sha=opened.sha,
            actor=trainer,
        )
    assert path.read_text(encoding="utf-8") == by_hand


def test_people_who_are_not_trainers_cannot_save(content_dir):
    for role in ("employee", "manager"):
        person = make_user(f"p-{role}", role)
        opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
        with pytest.raises(NotAllowed):
            content_store.save_module_text(
                directory=content_dir,
                module_id="sample-basics",
                text=opened.text + "# note\n",
                expected_sha=opened.sha,
                actor=person,
            )


def test_a_failed_write_keeps_the_old_file_and_records_nothing(content_dir, monkeypatch):
    admin = make_user("ada", "admin")
    path = content_dir / "sample-basics.yaml"
    before = path.read_bytes()
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        content_store.save_module_text(
            directory=content_dir,
            module_id="sample-basics",
            text=opened.text.replace("Sample basics", "Changed"),
            expected_sha=opened.sha,
            actor=admin,
        )
    assert path.read_bytes() == before
    assert sorted(p.name for p in content_dir.iterdir()) == ["sample-basics.yaml"]
    assert content_store.list_revisions(module_id="sample-basics") == []


def test_saving_the_same_text_again_changes_nothing(content_dir):
    trainer = make_user("tina", "trainer")
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    result = content_store.save_module_text(
        directory=content_dir,
        module_id="sample-basics",
        text=opened.text,
        expected_sha=opened.sha,
        actor=trainer,
    )
    assert not result.changed and result.revision_id is None
    assert content_store.list_revisions(module_id="sample-basics") == []


def test_a_new_module_is_created_under_its_id_but_never_over_an_existing_one(content_dir):
    trainer = make_user("tina", "trainer")
    text = edited(content_dir, "id: sample-basics", "id: brand-new")
    result = content_store.save_module_text(
        directory=content_dir, module_id=None, text=text, expected_sha=None, actor=trainer
    )
    assert result.path == content_dir / "brand-new.yaml" and result.path.read_text() == text
    again = text.replace("title: Sample basics", "title: Another")
    with pytest.raises(InvalidModule) as refused:
        content_store.save_module_text(
            directory=content_dir, module_id=None, text=again, expected_sha=None, actor=trainer
        )
    assert "a module with id 'brand-new' exists already" in refused.value.problems[0].message
    assert refused.value.problems[0].line == 2
    assert result.path.read_text() == text


def test_the_id_cannot_change_once_learners_have_attempts(content_dir):
    trainer = make_user("tina", "trainer")
    learner = make_user("eve")
    take_quiz(learner, loaded_module(content_dir), {"sb-01": [0]})
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    text = opened.text.replace("id: sample-basics", "id: renamed-basics")
    check = content_store.check_module_text(
        directory=content_dir, module_id="sample-basics", text=text
    )
    assert not check.ok
    [problem] = check.problems
    assert problem.line == 2 and "cannot change once learners have taken the quiz" in str(problem)
    with pytest.raises(InvalidModule):
        content_store.save_module_text(
            directory=content_dir,
            module_id="sample-basics",
            text=text,
            expected_sha=opened.sha,
            actor=trainer,
        )
    assert sorted(p.name for p in content_dir.iterdir()) == ["sample-basics.yaml"]


def test_the_id_of_a_module_nobody_took_can_change_and_its_history_follows(content_dir):
    trainer = make_user("tina", "trainer")
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    text = opened.text.replace("id: sample-basics", "id: renamed-basics")
    result = content_store.save_module_text(
        directory=content_dir,
        module_id="sample-basics",
        text=text,
        expected_sha=opened.sha,
        actor=trainer,
    )
    assert result.renamed_from == "sample-basics" and result.module_id == "renamed-basics"
    assert sorted(p.name for p in content_dir.iterdir()) == ["renamed-basics.yaml"]
    assert len(content_store.list_revisions(module_id="renamed-basics")) == 2
    assert content_store.list_revisions(module_id="sample-basics") == []


def test_restore_saves_an_old_revision_as_a_new_one(content_dir):
    trainer = make_user("tina", "trainer")
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    text = opened.text.replace("title: Sample basics", "title: Changed")
    saved = content_store.save_module_text(
        directory=content_dir,
        module_id="sample-basics",
        text=text,
        expected_sha=opened.sha,
        actor=trainer,
    )
    original = content_store.list_revisions(module_id="sample-basics")[-1]
    restored = content_store.restore_revision(
        directory=content_dir, revision_id=original.id, expected_sha=saved.sha, actor=trainer
    )
    assert restored.changed
    assert (content_dir / "sample-basics.yaml").read_text() == opened.text
    revisions = content_store.list_revisions(module_id="sample-basics")
    assert len(revisions) == 3 and revisions[0].version == original.version
    # a restore is a save like any other: refused when the file moved on meanwhile
    with pytest.raises(SaveConflict):
        content_store.restore_revision(
            directory=content_dir,
            revision_id=revisions[1].id,
            expected_sha=saved.sha,
            actor=trainer,
        )


def test_responses_give_the_marks_table_and_chosen_options(content_dir):
    text = edited(content_dir, "questions_per_attempt: 3", "questions_per_attempt: 2")
    (content_dir / "sample-basics.yaml").write_text(text, encoding="utf-8")
    loaded = loaded_module(content_dir)
    ids = [q.id for q in loaded.module.quiz.questions]
    first = {"sb-01": [0], "sb-02": [0, 2], "sb-03": [1]}  # right, wrong, right
    again = {"sb-01": [1], "sb-02": [0, 1], "sb-03": [0]}  # wrong, right, wrong
    people = [make_user(f"learner{i}") for i in range(3)]
    for n, person in enumerate(people):
        take_quiz(person, loaded, first, seed=n)
    take_quiz(people[0], loaded, again, seed=7)

    [usage] = content_store.analysis_versions(module_id="sample-basics")
    assert (usage.version, usage.attempts, usage.learners) == (loaded.version, 4, 3)

    data = content_store.responses(
        module_id="sample-basics", version=loaded.version, question_ids=ids
    )
    assert data.attempts == 3 and data.max_marks == [1.0, 1.0, 1.0]
    for row in data.marks:  # two of three questions drawn, None for the third
        assert sorted(m is None for m in row) == [False, False, True]
        assert all(
            m == {"sb-01": 1.0, "sb-02": 0.0, "sb-03": 1.0}[q]
            for q, m in zip(ids, row, strict=True)
            if m is not None
        )
    assert all(c == [0] for c in data.choices["sb-01"])

    every = content_store.responses(
        module_id="sample-basics",
        version=loaded.version,
        question_ids=ids,
        first_attempts_only=False,
    )
    assert every.attempts == 4
    assert sum(len(c) for c in every.choices.values()) == 8


def test_first_attempts_on_an_older_version_keep_later_versions_out(content_dir):
    learner = make_user("eve")
    old = loaded_module(content_dir)
    take_quiz(learner, old, {"sb-01": [0]})
    text = edited(content_dir, "title: Sample basics", "title: Sample basics v2")
    (content_dir / "sample-basics.yaml").write_text(text, encoding="utf-8")
    new = loaded_module(content_dir)
    take_quiz(learner, new, {"sb-01": [0]}, seed=3)
    ids = [q.id for q in new.module.quiz.questions]
    firsts = content_store.responses(
        module_id="sample-basics", version=new.version, question_ids=ids
    )
    assert firsts.attempts == 0
    every = content_store.responses(
        module_id="sample-basics", version=new.version, question_ids=ids, first_attempts_only=False
    )
    assert every.attempts == 1


def test_a_new_module_written_in_flow_style_is_named_by_its_id(content_dir):
    trainer = make_user("tina", "trainer")
    module = loaded_module(content_dir).module.model_copy(update={"id": "flow-style"})
    text = "# flow style\n" + module.model_dump_json()  # JSON is YAML too
    result = content_store.save_module_text(
        directory=content_dir, module_id=None, text=text, expected_sha=None, actor=trainer
    )
    assert result.path == content_dir / "flow-style.yaml"


def test_the_role_is_checked_again_at_save_and_odd_file_names_are_refused(content_dir):
    trainer = make_user("tina", "trainer")
    admin = make_user("ada", "admin")
    opened = content_store.read_module_file(directory=content_dir, module_id="sample-basics")
    accounts.update_user(user_id=trainer.id, actor_id=admin.id, role="employee")
    with pytest.raises(NotAllowed):  # trainer holds a stale User object with the old role
        content_store.save_module_text(
            directory=content_dir,
            module_id="sample-basics",
            text=opened.text + "# note\n",
            expected_sha=opened.sha,
            actor=trainer,
        )
    with pytest.raises(content_store.ContentStoreError, match="not a module file name"):
        content_store.save_module_text(
            directory=content_dir,
            module_id="../sample-basics",
            text=opened.text,
            expected_sha=opened.sha,
            actor=admin,
        )


def test_the_last_edit_of_a_file_is_its_save_or_outside_the_studio(tmp_path):
    from store.content_store import RevisionInfo, changed_since_opened, file_last_edit

    path = tmp_path / "m.yaml"
    path.write_text("id: m\n")
    sha = content_store.file_sha(path)
    assert not changed_since_opened(path, sha)
    assert file_last_edit(path, None).by == "outside the studio"
    saved = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    revision = RevisionInfo(
        id=1, module_id="m", version="v", saved_at=saved, saved_by="Tina", lines=1
    )
    assert (file_last_edit(path, revision).by, file_last_edit(path, revision).at) == (
        "Tina",
        saved,
    )
    later = saved.timestamp() + 3600
    os.utime(path, (later, later))
    assert file_last_edit(path, revision).outside
    path.write_text("id: m\ntitle: changed\n")
    assert changed_since_opened(path, sha)
    path.unlink()
    assert changed_since_opened(path, sha)
