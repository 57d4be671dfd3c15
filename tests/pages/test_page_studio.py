"""Content studio page: status of every module, editing with live checks, save refusals,
preview, history with diff and restore, GIFT upload; and refusals for other roles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from store import content_store
from tests.factories import ROOT, loaded_module, make_user, page_test, take_quiz
from training import gift
from training.gift import MAX_GIFT_BYTES

pytestmark = pytest.mark.usefixtures("fresh_db")

FIXTURES = ROOT / "tests" / "fixtures"
PAGE = "pages/studio.py"
MODULE = "sample-basics"


@pytest.fixture
def content_dir(tmp_path, monkeypatch) -> Path:
    """A temporary content folder: one valid module and one with rule problems."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(FIXTURES / "content" / "valid" / "sample-basics.yaml", folder)
    shutil.copy(FIXTURES / "content" / "mixed" / "broken-rules.yaml", folder)
    shutil.copy(ROOT / "content" / "_template.yaml", folder)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


def open_studio(user):
    at = page_test(PAGE, user).run()
    assert not at.exception, at.exception
    return at


def editor(at):
    return at.text_area(key="studio_editor")


def messages(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_studio_refuses_people_who_are_not_trainers(role, content_dir):
    at = open_studio(make_user("someone", role))
    assert at.error[0].value == "You do not have access to this page."
    assert not at.text_area and not at.dataframe


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_trainers_and_admins_see_every_module_with_its_status(role, content_dir):
    at = open_studio(make_user("someone", role))
    assert at.title[0].value == "Content studio"
    overview = at.dataframe[0].value
    assert list(overview["Module"]) == ["broken-rules", MODULE]
    statuses = dict(zip(overview["Module"], overview["Status"], strict=True))
    assert statuses == {MODULE: "Valid", "broken-rules": "1 problem"}
    assert set(overview["By"]) == {"outside the studio"}
    # the broken file's problems are listed with line numbers
    assert "line 30, column 7: question sb\\-01 has no correct option" in messages(at.markdown)
    # the editor opens the first module and checks it at once
    assert editor(at).value == (content_dir / "broken-rules.yaml").read_text()
    assert "1 problem: the module cannot be saved" in at.error[0].value


def test_item_writing_warnings_appear_beside_the_problems(content_dir):
    at = open_studio(make_user("someone", "trainer"))
    overview = at.dataframe[0].value
    warnings = dict(zip(overview["Module"], overview["Warnings"], strict=True))
    assert warnings == {MODULE: 1, "broken-rules": 0}
    shown = messages(at.markdown)
    assert "sample\\-basics\\.yaml**: item-writing warnings" in shown
    assert "line 22, column 26: the pool has 3 questions for 3 per attempt" in shown


def test_a_valid_edit_is_saved_and_recorded(content_dir):
    trainer = make_user("tina", "trainer", name="Tina Trainer")
    at = open_studio(trainer)
    at.selectbox(key="studio_module").select(MODULE).run()
    text = editor(at).value.replace("title: Sample basics", "title: Sample basics, revised")
    editor(at).input(text).run()
    assert "Unsaved changes" in at.success[0].value
    at.button(key="studio_save").click().run()
    assert not at.exception
    assert (content_dir / f"{MODULE}.yaml").read_text() == text
    assert "Saved sample-basics.yaml" in messages(at.success)
    overview = at.dataframe[0].value.set_index("Module")
    assert overview.loc[MODULE, "Title"] == "Sample basics, revised"
    assert overview.loc[MODULE, "By"] == "Tina Trainer"
    assert [r.saved_by for r in content_store.list_revisions(module_id=MODULE)] == [
        "Tina Trainer",
        None,
    ]


def test_an_invalid_edit_is_refused_and_the_file_is_untouched(content_dir):
    path = content_dir / f"{MODULE}.yaml"
    before = path.read_bytes()
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    bad = editor(at).value.replace("pass_mark: 80", "pass_mark: 800")
    editor(at).input(bad).run()
    # checked live, before any save
    assert "1 problem: the module cannot be saved" in at.error[0].value
    assert "line 21, column 14: pass" in messages(at.markdown)
    at.button(key="studio_save").click().run()
    assert "Not saved" in messages(at.error) and "file on disk is unchanged" in messages(at.error)
    assert path.read_bytes() == before
    assert editor(at).value == bad  # the edit stays on screen
    assert content_store.list_revisions(module_id=MODULE) == []


def test_saving_over_a_file_changed_on_disk_is_refused_and_the_edit_kept(content_dir):
    path = content_dir / f"{MODULE}.yaml"
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    mine = editor(at).value.replace("title: Sample basics", "title: Mine")
    editor(at).input(mine).run()
    theirs = path.read_text().replace("estimated_minutes: 5", "estimated_minutes: 9")
    path.write_text(theirs)  # another trainer saves, or a git pull lands
    at.run()
    assert "changed on disk since you opened it" in at.warning[0].value
    at.button(key="studio_save").click().run()
    assert not at.exception
    assert "Not saved: sample-basics.yaml was changed on disk" in messages(at.error)
    assert path.read_text() == theirs
    assert editor(at).value == mine
    assert any("+title: Mine" in c.value for c in at.code)  # what differs, to reapply by hand
    at.button(key="studio_reload").click().run()
    assert editor(at).value == theirs and not at.warning


def _lesson_screen(at) -> dict:
    """What a lesson screen shows: progress text, lesson heading, body and key points."""
    return {
        "progress": [p.proto.text for p in at.get("progress")],
        "headings": [s.value for s in at.subheader],
        "key points": [i.value for i in at.info if "Key points" in i.value],
        "body": [m.value for m in at.markdown if "within ten seconds" in m.value],
    }


def test_the_preview_draws_the_learners_lesson_screen_one_lesson_at_a_time(content_dir):
    learner = page_test("pages/module.py", make_user("eve"))
    learner.query_params["id"] = MODULE
    learner.run()
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    seen = _lesson_screen(at)
    assert seen == _lesson_screen(learner)  # same progress, heading, body and key points
    assert seen["progress"] == ["Lesson 1 of 2"] and seen["key points"]
    assert "Listening" not in seen["headings"]  # one lesson at a time, as learners get them
    at.button(key="module_next_studio_preview").click().run()
    assert "Listening" in [s.value for s in at.subheader]
    assert "Greeting" not in [s.value for s in at.subheader]
    at.button(key="module_to_quiz_studio_preview").click().run()
    assert not at.exception
    assert at.radio(key="studio_preview_sb-01").value is None


def test_the_preview_quiz_shows_questions_as_the_quiz_does(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    at.session_state["studio_preview_section"] = "Quiz"
    at.run()
    assert "What do you do first?" in messages(at.markdown)
    radio = at.radio(key="studio_preview_sb-01")
    assert radio.value is None and len(radio.options) == 2
    assert at.checkbox(key="studio_preview_sb-02_2").label == "Looking at your phone"
    assert "Tick every answer that applies." in messages(at.caption)  # the learner's hint
    assert at.radio(key="studio_preview_sb-03").options == ["True", "False"]
    assert "True or false" in messages(at.caption) and "true_false" not in messages(at.caption)
    # raw HTML typed into a lesson shows as text
    at.session_state["studio_preview_section"] = "Lessons"
    html = editor(at).value.replace(
        "Greet every guest **within ten seconds**.", "<script>alert(1)</script> Greet."
    )
    editor(at).input(html).run()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Greet." in messages(at.markdown)


def test_a_question_statistics_link_opens_the_module_with_the_question_located(content_dir):
    at = page_test(PAGE, make_user("tina", "trainer"))
    at.query_params["module"] = MODULE
    at.query_params["question"] = "sb-02"
    at.run()
    assert not at.exception
    assert at.selectbox(key="studio_module").value == MODULE
    assert "Question **sb\\-02**, from question statistics:" in messages(at.info)
    assert "Question **sb\\-02** starts at line 37" in messages(at.caption)
    answer_keys = [e for e in at.expander if e.label == "Answer and feedback"]
    assert any(e.proto.expanded for e in answer_keys)
    # The line follows the text being edited, and a question taken out is said to be gone.
    editor(at).input("# a new first line\n" + editor(at).value).run()
    assert "Question **sb\\-02** starts at line 38" in messages(at.caption)
    editor(at).input(editor(at).value.replace("id: sb-02", "id: sb-09")).run()
    assert "Question **sb\\-02** is not in the text any more" in messages(at.caption)


def test_a_located_question_opens_its_page_of_a_long_preview(content_dir):
    imported = gift.import_gift(
        gift_questions(60), id="long-bank", title="Long bank", competency="empathy"
    )
    assert imported.text is not None
    (content_dir / "long-bank.yaml").write_text(imported.text)
    at = page_test(PAGE, make_user("tina", "trainer"))
    at.query_params["module"] = "long-bank"
    at.query_params["question"] = "long-bank-53"
    at.run()
    assert not at.exception
    assert at.selectbox(key="studio_preview__page").value == 50  # questions 51-60
    assert "Question **long\\-bank\\-53**, from question statistics:" in messages(at.info)
    shown = [r.key for r in at.radio if r.key.startswith("studio_preview_long")]
    assert shown == [f"studio_preview_long-bank-{n}" for n in range(51, 61)]


def test_history_diff_and_restore(content_dir):
    path = content_dir / f"{MODULE}.yaml"
    original = path.read_text()
    at = open_studio(make_user("tina", "trainer", name="Tina Trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    assert "No revisions recorded yet" in messages(at.info)
    editor(at).input(original.replace("estimated_minutes: 5", "estimated_minutes: 6")).run()
    at.button(key="studio_save").click().run()
    history = at.dataframe[1].value
    assert len(history) == 2 and list(history["By"]) == ["Tina Trainer", "outside the studio"]
    revisions = content_store.list_revisions(module_id=MODULE)
    at.selectbox(key="studio_diff_from").select(revisions[1].id)
    at.selectbox(key="studio_diff_to").select(revisions[0].id).run()
    diff = next(c.value for c in at.code if c.language == "diff")
    assert "-estimated_minutes: 5\n+estimated_minutes: 6" in diff
    at.selectbox(key="studio_restore_pick").select(revisions[1].id)
    at.button(key="studio_restore").click().run()
    assert not at.exception
    assert f"Restored revision #{revisions[1].id}" in messages(at.success)
    assert path.read_text() == original and editor(at).value == original
    assert len(content_store.list_revisions(module_id=MODULE)) == 3


def test_a_new_module_starts_from_the_template(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select("__new__").run()
    assert "id: my-new-module" in editor(at).value
    assert "Copy this file" not in editor(at).value
    assert at.success[0].value.startswith("Valid")
    text = editor(at).value.replace("id: my-new-module", "id: greeting-guests")
    editor(at).input(text).run()
    at.button(key="studio_save").click().run()
    assert not at.exception
    assert (content_dir / "greeting-guests.yaml").read_text() == text
    assert at.selectbox(key="studio_module").value == "greeting-guests"


def test_files_edited_by_hand_show_up_without_a_restart(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    path = content_dir / f"{MODULE}.yaml"
    path.write_text(path.read_text().replace("title: Sample basics", "title: Edited by hand"))
    at.run()
    overview = at.dataframe[0].value.set_index("Module")
    assert overview.loc[MODULE, "Title"] == "Edited by hand"


def test_gift_upload_previews_reports_and_creates_a_module(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    gift = (FIXTURES / "gift" / "feedback.gift").read_bytes()
    at.file_uploader(key="studio_gift_upload").set_value(("bank.gift", gift, "text/plain"))
    at.text_input(key="studio_gift_id").input("imported-basics")
    at.text_input(key="studio_gift_title").input("Imported basics")
    at.run()
    assert not at.exception
    assert "4 questions ready to import into 'imported-basics'" in messages(at.success)
    notes = messages(at.markdown)
    assert (
        "- line 24 · **Essay**: essay question \\(empty answer block\\) is not supported" in notes
    )
    assert at.radio(key="studio_gift_imported-basics-01").value is None
    assert "**A guest walks in" in messages(at.markdown)
    at.button(key="studio_gift_save").click().run()
    assert not at.exception
    created = content_dir / "imported-basics.yaml"
    assert created.is_file()
    assert at.selectbox(key="studio_module").value == "imported-basics"
    assert editor(at).value == created.read_text()


def gift_questions(count: int) -> str:
    return "".join(f"::Q{n}::Question {n}?{{=Right#Yes ~Wrong#No}}\n\n" for n in range(count))


def fill_gift_names(at) -> None:
    at.text_input(key="studio_gift_id").input("imported-basics")
    at.text_input(key="studio_gift_title").input("Imported basics")


def test_gift_paste_beyond_the_limit_is_refused_with_its_size(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    fill_gift_names(at)
    text = gift_questions(MAX_GIFT_BYTES // 40)
    size = len(text.encode())
    assert size > MAX_GIFT_BYTES
    at.text_area(key="studio_gift_text").input(text).run()
    assert not at.exception
    assert f"Cannot import: the GIFT text is too large ({size:,} bytes; the limit is " in (
        messages(at.error)
    )
    assert "studio_gift_save" not in [b.key for b in at.button]


def test_gift_upload_beyond_the_limit_is_refused_before_it_is_read(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    fill_gift_names(at)
    data = gift_questions(MAX_GIFT_BYTES // 40).encode()
    at.file_uploader(key="studio_gift_upload").set_value(("bank.gift", data, "text/plain"))
    at.run()
    assert not at.exception
    assert f"too large ({len(data):,} bytes" in messages(at.error)
    assert "studio_gift_save" not in [b.key for b in at.button]


def test_gift_text_is_parsed_once_however_often_the_page_reruns(content_dir, monkeypatch):
    calls = []
    real = gift.parse_gift
    monkeypatch.setattr(gift, "parse_gift", lambda text: calls.append(len(text)) or real(text))
    at = open_studio(make_user("tina", "trainer"))
    fill_gift_names(at)
    at.text_area(key="studio_gift_text").input(gift_questions(3)).run()
    assert "3 questions ready to import" in messages(at.success)
    at.run()
    at.selectbox(key="studio_module").select(MODULE).run()  # an unrelated click
    assert len(calls) == 1
    at.text_input(key="studio_gift_title").input("Renamed").run()  # a new module: built again
    at.text_area(key="studio_gift_text").input(gift_questions(4)).run()
    assert "4 questions ready to import" in messages(at.success)
    assert len(calls) == 3


def test_a_large_import_is_previewed_a_page_at_a_time(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    fill_gift_names(at)
    at.text_area(key="studio_gift_text").input(gift_questions(60)).run()
    assert "60 questions ready to import" in messages(at.success)
    shown = [r.key for r in at.radio if r.key.startswith("studio_gift_imported")]
    assert len(shown) == 25 and shown[0] == "studio_gift_imported-basics-01"
    pages = at.selectbox(key="studio_gift__page")
    assert pages.options == ["1–25 of 60", "26–50 of 60", "51–60 of 60"]
    pages.select_index(2).run()
    shown = [r.key for r in at.radio if r.key.startswith("studio_gift_imported")]
    assert shown == [f"studio_gift_imported-basics-{n}" for n in range(51, 61)]


def edit_then_switch(at) -> str:
    """Edit sample-basics, switch to broken-rules; return the unsaved text left behind."""
    at.selectbox(key="studio_module").select(MODULE).run()
    mine = editor(at).value.replace("estimated_minutes: 5", "estimated_minutes: 8")
    editor(at).input(mine).run()
    at.selectbox(key="studio_module").select("broken-rules").run()
    return mine


def test_an_unsaved_edit_survives_switching_to_another_module(content_dir):
    at = open_studio(make_user("tina", "trainer"))
    mine = edit_then_switch(at)
    assert editor(at).value == (content_dir / "broken-rules.yaml").read_text()
    assert (
        "Sample basics (sample-basics) · unsaved edit" in at.selectbox(key="studio_module").options
    )
    at.selectbox(key="studio_module").select_index(1).run()  # labels now say "unsaved edit"
    assert editor(at).value == mine


def test_history_choices_follow_the_module_being_edited(content_dir):
    other = (content_dir / f"{MODULE}.yaml").read_text().replace(MODULE, "other-basics")
    (content_dir / "other-basics.yaml").write_text(other)
    at = open_studio(make_user("tina", "trainer"))
    for index in (1, 2):  # other-basics, then sample-basics: save a change to each
        at.selectbox(key="studio_module").select_index(index).run()
        editor(at).input(editor(at).value.replace("minutes: 5", "minutes: 6")).run()
        at.button(key="studio_save").click().run()
    mine = [r.id for r in content_store.list_revisions(module_id=MODULE)]
    assert at.selectbox(key="studio_diff_from").value == mine[1]
    at.selectbox(key="studio_module").select_index(1).run()
    assert not at.exception
    theirs = [r.id for r in content_store.list_revisions(module_id="other-basics")]
    assert at.selectbox(key="studio_diff_from").value in theirs


def test_after_a_save_the_history_shows_what_it_changed(content_dir):
    # a learner's attempt records the text it was graded against: a revision before any save
    take_quiz(make_user("eve"), loaded_module(content_dir), {"sb-01": [0]})
    at = open_studio(make_user("tina", "trainer"))
    at.selectbox(key="studio_module").select(MODULE).run()
    editor(at).input(editor(at).value.replace("minutes: 5", "minutes: 6")).run()
    at.button(key="studio_save").click().run()
    diff = next(c.value for c in at.code if c.language == "diff")
    assert "-estimated_minutes: 5\n+estimated_minutes: 6" in diff


def test_the_studio_keeps_one_typed_state_object(content_dir):
    from ui.studio_view import STATE, EditorFile, StudioState

    at = open_studio(make_user("tina", "trainer"))
    mine = edit_then_switch(at)
    state = at.session_state[STATE]
    assert isinstance(state, StudioState)
    assert isinstance(state.open, EditorFile) and state.open.target == "broken-rules"
    assert not state.open.edited and state.open.sha is not None
    assert set(state.drafts) == {MODULE} and state.drafts[MODULE].text == mine
    assert state.drafts[MODULE].edited
    # None of the untyped keys of before is left in the session.
    gone = {"studio_open", "studio_drafts", "studio_pending", "studio_flash", "studio_choice"}
    assert not [key for key in gone if key in at.session_state]
