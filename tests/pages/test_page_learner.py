"""Learner pages through app.py (as in the browser): home, module lessons and quiz, progress."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from store import accounts, learning, practice
from store.db import session_scope
from store.models import Progress
from tests.factories import add_certificates, make_user, open_page, page_text, pass_quiz
from training import clock, quiz
from training.dates import format_date
from training.loader import load_content_dir

pytestmark = pytest.mark.usefixtures("fresh_db")

SAMPLE = Path(__file__).parents[1] / "fixtures" / "content" / "valid" / "sample-basics.yaml"


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    """A content folder with the sample module in each feedback mode."""
    folder = tmp_path / "content"
    folder.mkdir()
    base = yaml.safe_load(SAMPLE.read_text())
    for mode in ("after_submit", "immediate", "on_pass"):
        data = dict(base, id=f"sample-{mode.replace('_', '-')}", title=f"Sample {mode}")
        data["quiz"] = dict(base["quiz"], feedback=mode)
        path = folder / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copy(SAMPLE, folder / "sample-basics.yaml")
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


def loaded(folder, module_id):
    return load_content_dir(folder).modules[module_id]


def test_home_lists_assigned_training_first_with_overdue_on_top(content_dir):
    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Desk", actor_id=None)
    eve = make_user("eve", team_id=team.id)
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-immediate"],
        team_id=team.id,
        due_date=date.today() + timedelta(days=3),
    )
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-on-pass"],
        user_ids=[eve.id],
        due_date=date.today() - timedelta(days=2),
    )
    at = open_page(eve, "pages/home.py")
    assert not at.exception
    text = [m.value for m in at.markdown]
    titles = [t.split("  \n")[0] for t in text if t.startswith("**Sample")]  # one block a card
    assert titles[:2] == ["**Sample on\\_pass**", "**Sample immediate**"]  # titles are plain text
    assert "**2 days overdue**" in next(t for t in text if t.startswith("**Sample on"))
    assert "1 module overdue" in at.error[0].value
    assert "0 of 2 assigned modules completed" in page_text(at)


def test_home_with_nothing_assigned_says_so(content_dir):
    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    assert not at.exception
    assert "Nothing is assigned to you right now" in page_text(at)


def test_unknown_module_gets_a_clear_message(content_dir):
    eve = make_user("eve")
    at = open_page(eve, "pages/module.py", id="no-such-module")
    assert not at.exception
    assert at.title[0].value == "Module not found"


def test_lessons_step_through_and_position_is_remembered(content_dir):
    eve = make_user("eve")
    at = open_page(eve, "pages/module.py", id="sample-basics")
    assert not at.exception
    assert "Greeting" in [s.value for s in at.subheader]
    at.button(key="module_next_sample-basics").click().run()
    assert "Listening" in [s.value for s in at.subheader]
    assert learning.progress_rows(user_id=eve.id)["sample-basics"].lesson_position == 1
    again = open_page(eve, "pages/module.py", id="sample-basics")
    assert "Listening" in [s.value for s in again.subheader]


def start_quiz(at, module_id):
    at.segmented_control(key=f"module_section_{module_id}").set_value("Quiz").run()
    at.button(key=f"module_start_{module_id}").click().run()
    assert not at.exception
    return at


def answer_all(at, eve, module, *, right=True):
    attempt = learning.open_attempt(user_id=eve.id, module_id=module.id)
    for position, drawn in enumerate(quiz.drawn_from_json(attempt.drawn)):
        q = module.question(drawn.question_id)
        answer = quiz.correct_answer(q)
        if not right:
            answer = [i for i in dict(quiz.ordered_options(q, drawn)) if i not in answer][:1]
        if q.type == "multiple":
            for idx in answer:
                at.checkbox(key=f"quiz_{attempt.id}_{q.id}_{idx}").check().run()
            if module.quiz.feedback == "immediate":
                at.button(key=f"quiz_check_{attempt.id}_{q.id}").click().run()
        else:
            at.radio(key=f"quiz_{attempt.id}_{q.id}").set_value(answer[0]).run()
        assert not at.exception
        if position + 1 < len(attempt.drawn):
            at.button(key=f"quiz_next_{attempt.id}").click().run()
    return attempt


def test_quiz_saves_each_answer_and_submits_once(content_dir):
    eve = make_user("eve")
    module = loaded(content_dir, "sample-basics").module
    at = start_quiz(open_page(eve, "pages/module.py", id="sample-basics"), "sample-basics")
    attempt = answer_all(at, eve, module)
    saved = learning.open_attempt(user_id=eve.id, module_id="sample-basics").draft_answers
    assert len(saved) == 3 and all(saved.values())
    at.button(key=f"quiz_submit_{attempt.id}").click().run()
    assert not at.exception
    assert at.metric[0].value == "100%"
    assert "You passed" in at.success[0].value
    assert len(learning.history(user_id=eve.id)) == 1
    # the right answers and explanations are shown after submit
    assert any("and it is right." in m.value for m in at.markdown)


def test_immediate_feedback_shows_after_each_answer(content_dir):
    eve = make_user("eve")
    module = loaded(content_dir, "sample-immediate").module
    at = start_quiz(open_page(eve, "pages/module.py", id="sample-immediate"), "sample-immediate")
    attempt = learning.open_attempt(user_id=eve.id, module_id=module.id)
    first = quiz.drawn_from_json(attempt.drawn)[0]
    q = module.question(first.question_id)
    wrong = [i for i in dict(quiz.ordered_options(q, first)) if i not in quiz.correct_answer(q)]
    if q.type == "multiple":
        at.checkbox(key=f"quiz_{attempt.id}_{q.id}_{wrong[0]}").check().run()
        at.button(key=f"quiz_check_{attempt.id}_{q.id}").click().run()
    else:
        at.radio(key=f"quiz_{attempt.id}_{q.id}").set_value(wrong[0]).run()
    assert not at.exception
    assert "Not quite" in at.error[0].value


def test_on_pass_hides_answers_until_passed(content_dir):
    eve = make_user("eve")
    module = loaded(content_dir, "sample-on-pass").module
    at = start_quiz(open_page(eve, "pages/module.py", id="sample-on-pass"), "sample-on-pass")
    attempt = answer_all(at, eve, module, right=False)
    at.button(key=f"quiz_submit_{attempt.id}").click().run()
    assert not at.exception
    assert "Not passed yet" in at.warning[0].value
    assert not any("it is right" in m.value for m in at.markdown)
    assert "shows the right answers once you have passed" in page_text(at)


def test_max_attempts_blocks_a_fourth_start(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-basics")
    for _ in range(3):
        a = learning.start_attempt(user_id=eve.id, loaded=lm)
        learning.submit_attempt(attempt_id=a.id, user_id=eve.id, module=lm.module)
    at = open_page(eve, "pages/module.py", id="sample-basics")
    at.segmented_control(key="module_section_sample-basics").set_value("Quiz").run()
    assert not at.exception
    assert "used every attempt" in at.warning[0].value
    assert not [b for b in at.button if b.key == "module_start_sample-basics"]


def test_progress_page_shows_profile_certificate_history_and_refresher(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-basics")
    with clock.frozen_at(clock.now() - timedelta(days=30)):  # a month later all are due
        a = learning.start_attempt(user_id=eve.id, loaded=lm)
        learning.submit_attempt(attempt_id=a.id, user_id=eve.id, module=lm.module)  # all wrong
        b = learning.start_attempt(user_id=eve.id, loaded=lm)
        for d in b.drawn:
            q = lm.module.question(d["question_id"])
            learning.save_answer(
                attempt_id=b.id,
                user_id=eve.id,
                module=lm.module,
                question_id=q.id,
                answer=quiz.correct_answer(q),
            )
        learning.submit_attempt(attempt_id=b.id, user_id=eve.id, module=lm.module)
    at = open_page(eve, "pages/progress.py")
    assert not at.exception
    assert at.metric[0].value == "1 of 4"
    assert any(d.label == "Certificate (PDF)" for d in at.get("download_button"))
    history = next(t for t in at.tabs if t.label == "History")  # a list, not a table
    lines = [ln for m in history.markdown for ln in m.value.splitlines() if ln.startswith("- ")]
    assert len(lines) == 2
    assert sorted(ln.split(" · ")[2].strip() for ln in lines) == [
        ":green[Passed]",
        ":orange[Not passed]",
    ]
    at = open_page(eve, "pages/progress.py", tab="refresher")
    assert not at.exception
    assert at.button(key="FormSubmitter:progress_refresher_form_1-Check answer")


def test_each_refresher_answer_shows_the_right_answer_and_the_explanation(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-basics")
    with clock.frozen_at(clock.now() - timedelta(days=2)):  # missed two days ago: due today
        a = learning.start_attempt(user_id=eve.id, loaded=lm)
        learning.submit_attempt(attempt_id=a.id, user_id=eve.id, module=lm.module)  # all wrong
    at = open_page(eve, "pages/progress.py", tab="refresher")
    drawn = at.session_state["progress_refresher"]
    total = len(drawn)
    assert total == 3
    for n, item in enumerate(drawn, start=1):
        q = lm.module.question(item["question_id"])
        wrong = next(i for i in item["option_order"] if i not in quiz.correct_answer(q))
        if q.type == "multiple":
            at.checkbox(key=f"progress_ref_{n}_{wrong}").check()
        else:
            at.radio(key=f"progress_ref_{n}").set_value(wrong)
        at.button(key=f"FormSubmitter:progress_refresher_form_{n}-Check answer").click().run()
        assert not at.exception
        shown = [e.value for e in at.error]
        assert len(shown) == n  # every answer so far keeps its feedback
        assert shown[-1].startswith("**Not quite")
        assert "but it is right." in shown[-1] or "This is the right answer." in shown[-1]
        assert q.explanation in shown[-1]
    assert at.success[-1].value.startswith(f"0 of {total} right.")
    cards = practice.cards(user_id=eve.id)
    assert len(cards) == total
    assert all(c.reviews == 2 and not c.last_correct for c in cards.values())
    at.button(key="progress_refresher_done").click().run()
    assert at.session_state["progress_refresher"] == []  # reviewed today: due again later
    assert "Nothing to practise today" in at.success[0].value


def test_markup_in_content_is_shown_as_text(content_dir):
    data = yaml.safe_load(SAMPLE.read_text())
    data["lessons"][0]["body"] = "Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>"
    (content_dir / "sample-basics.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    eve = make_user("eve")
    at = open_page(eve, "pages/module.py", id="sample-basics")
    assert not at.exception
    body = next(m.value for m in at.markdown if "Hello" in m.value)
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "<img" not in body


def put_pass(user_id, module_id, *, passed_at, expires_at, score=90.0):
    with session_scope() as s:
        s.add(
            Progress(
                user_id=user_id,
                module_id=module_id,
                best_score=score,
                last_score=score,
                attempt_count=1,
                passed_at=passed_at,
                expires_at=expires_at,
                last_attempt_at=passed_at,
            )
        )


def test_an_expired_pass_is_not_shown_as_passed_on_the_module_page(content_dir):
    eve = make_user("eve")
    now = clock.now()
    put_pass(
        eve.id,
        "sample-basics",
        passed_at=now - timedelta(days=366),
        expires_at=now - timedelta(days=1),
    )
    at = open_page(eve, "pages/module.py", id="sample-basics")
    assert not at.exception
    caption = at.caption[0].value
    assert ":green-badge" not in caption
    assert "Due again" in caption and "expired" in caption
    home = open_page(eve, "pages/home.py")
    assert "Due again" in page_text(home)
    assert learning.progress_rows(user_id=eve.id)["sample-basics"].passed_at is not None


def test_multiple_answer_feedback_names_each_option_without_contradicting_itself(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-immediate")
    attempt = learning.start_attempt(user_id=eve.id, loaded=lm)
    position = [d["question_id"] for d in attempt.drawn].index("sb-02")
    learning.save_position(attempt_id=attempt.id, user_id=eve.id, position=position)
    at = open_page(eve, "pages/module.py", id="sample-immediate")
    at.segmented_control(key="module_section_sample-immediate").set_value("Quiz").run()
    at.checkbox(key=f"quiz_{attempt.id}_sb-02_0").check().run()  # one of the two right ones
    at.button(key=f"quiz_check_{attempt.id}_sb-02").click().run()
    assert not at.exception
    (box,) = at.error
    text = box.value
    assert text.startswith("**Not quite: you ticked 1 of the 2 right answers.**")
    assert "**Nodding**  \n  You ticked it, and it is right. A small sign" in text
    assert "**Repeating the key point back**  \n  You left it out, but it is right." in text
    assert "**Looking at your phone**  \n  You left it out, and rightly so." in text
    assert not at.success  # no "Correct" next to the "Not quite"
    for join in (".,", ".:", "Right. Right", ".."):
        assert join not in text


def test_a_score_reads_the_same_in_the_result_the_caption_and_the_last_result(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-basics")
    at = start_quiz(open_page(eve, "pages/module.py", id="sample-basics"), "sample-basics")
    attempt = learning.open_attempt(user_id=eve.id, module_id="sample-basics")
    first = quiz.drawn_from_json(attempt.drawn)[0]
    right = quiz.correct_answer(lm.module.question(first.question_id))
    learning.save_answer(
        attempt_id=attempt.id,
        user_id=eve.id,
        module=lm.module,
        question_id=first.question_id,
        answer=right,
    )
    learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=lm.module)  # 1 of 3
    at = open_page(eve, "pages/module.py", id="sample-basics")
    assert "best score 33.3%" in at.caption[0].value
    at.segmented_control(key="module_section_sample-basics").set_value("Quiz").run()
    last = next(b for b in at.button if b.key == "module_last_sample-basics")
    assert last.label.startswith("See my last result (33.3%, ")
    last.click().run()
    assert at.metric[0].value == "33.3%"
    progress = open_page(eve, "pages/progress.py")
    assert "33.3%" in page_text(progress)


def test_someone_imported_today_is_not_overdue_on_old_team_assignments(content_dir):
    from sqlmodel import select

    from store import roster
    from store.models import Assignment

    admin = make_user("boss", "admin")
    team = accounts.create_team(name="Desk", actor_id=None)
    old = make_user("old", team_id=team.id)
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-basics", "sample-immediate"],
        team_id=team.id,
        due_date=clock.today() + timedelta(days=30),
    )
    now = clock.now()
    with session_scope() as s:  # as if assigned 181 days ago, due 151 days ago
        for a in s.exec(select(Assignment)):
            a.assigned_at, a.due_date = now - timedelta(days=181), now.date() - timedelta(151)
            s.add(a)
        member = s.get(type(old), old.id)
        member.team_joined_at = now - timedelta(days=400)
        s.add(member)
    preview = roster.parse_roster("username,name,team,role\nnew.joiner,New Joiner,Desk,employee\n")
    roster.import_roster(preview, actor_id=admin.id)
    joiner = accounts.get_user_by_username("new.joiner")
    with session_scope() as s:  # past the first sign-in's new password
        row = s.get(type(joiner), joiner.id)
        row.must_change_password = False
        s.add(row)
    at = open_page(joiner, "pages/home.py")
    assert not at.exception
    assert not at.error  # no "2 module(s) overdue"
    text = page_text(at)
    assert "overdue" not in text
    assert f"due in 30 days ({format_date(clock.today() + timedelta(days=30))})" in text
    veteran = open_page(old, "pages/home.py")
    assert "2 modules overdue" in veteran.error[0].value


def test_my_progress_shows_the_current_certificate_and_keeps_earlier_ones(content_dir):

    eve = make_user("eve")
    now = clock.now()
    first, second = now - timedelta(days=10), now - timedelta(days=6)
    issued = [("CERT-AAAA-1111", 100.0, first), ("CERT-BBBB-2222", 87.5, second)]
    add_certificates(eve.id, "sample-basics", issued)
    at = open_page(eve, "pages/progress.py")
    assert not at.exception
    current = next(m.value for m in at.markdown if "CERT-BBBB-2222" in m.value)
    assert f"Passed {format_date(second)} with 87.5%" in current
    assert "CERT-AAAA-1111" not in current
    earlier = at.expander[0]
    assert earlier.label == "Earlier certificates (1)"
    assert list(earlier.dataframe[0].value["Certificate"]) == ["CERT-AAAA-1111"]
    assert list(earlier.dataframe[0].value["Score"]) == ["100%"]


def test_results_review_explains_a_multiple_answer_option_by_option(content_dir):
    eve = make_user("eve")
    lm = loaded(content_dir, "sample-basics")
    attempt = learning.start_attempt(user_id=eve.id, loaded=lm)
    learning.save_answer(
        attempt_id=attempt.id, user_id=eve.id, module=lm.module, question_id="sb-02", answer=[0, 2]
    )
    learning.submit_attempt(attempt_id=attempt.id, user_id=eve.id, module=lm.module)
    at = open_page(eve, "pages/module.py", id="sample-basics")
    at.segmented_control(key="module_section_sample-basics").set_value("Quiz").run()
    next(b for b in at.button if b.key == "module_last_sample-basics").click().run()
    assert not at.exception
    review = next(e for e in at.expander if "Which of these show that you are listening" in e.label)
    text = "\n".join(m.value for m in review.markdown)
    assert "**Not quite: you ticked 1 of the 2 right answers and 1 that is not right.**" in text
    assert "**Looking at your phone**  \n  You ticked it, but it is not right. Tells the" in text
    assert "**Repeating the key point back**  \n  You left it out, but it is right." in text
    assert ".," not in text and ".:" not in text


def test_a_new_admin_is_told_what_to_do_next_until_other_people_exist(content_dir):
    admin = make_user("boss", "admin", name="Boss Admin")
    at = open_page(admin, "pages/home.py")
    assert not at.exception
    assert "Set up your organisation" in [s.value for s in at.subheader]
    steps = "\n".join(m.value for m in at.markdown)
    for step in ("Create your teams", "import a roster", "Invite managers"):
        assert step in steps
    assert at.caption[0].value == "Welcome, Boss Admin."  # not "Welcome back" on day one
    make_user("eve")
    at = open_page(admin, "pages/home.py")
    assert "Set up your organisation" not in [s.value for s in at.subheader]


def test_an_employee_never_sees_the_set_up_steps(content_dir):
    eve = make_user("eve")
    at = open_page(eve, "pages/home.py")
    assert "Set up your organisation" not in [s.value for s in at.subheader]


def test_the_module_caption_does_not_repeat_the_title():
    eve = make_user("eve")
    at = open_page(eve, "pages/module.py", id="empathy")  # competency "Empathy" too
    assert not at.exception
    assert at.title[0].value == "Empathy"
    assert at.caption[0].value.startswith("about ")
    at = open_page(eve, "pages/module.py", id="satisfaction-and-loyalty")
    assert at.caption[0].value.startswith("Foundations · about ")


def test_knows_and_does_says_not_tried_yet_for_a_need_whose_modules_were_never_taken(content_dir):
    """An untaken module is not a 0% in "Knows (quiz)": the need says "not tried yet", and a
    need counts only the modules with a score (as a team's "knows" does)."""
    for module_id, need in [
        ("sample-immediate", "empathy"),
        ("sample-after-submit", "empathy"),
        ("sample-on-pass", "sincerity"),
    ]:
        path = content_dir / f"{module_id}.yaml"
        path.write_text(yaml.safe_dump(dict(yaml.safe_load(path.read_text()), competency=need)))
    eve = make_user("eve")
    pass_quiz(eve, loaded(content_dir, "sample-immediate"))
    at = open_page(eve, "pages/progress.py")
    assert not at.exception
    [table] = [t.value for t in at.table if "Knows (quiz)" in t.value.columns]
    assert table.loc["Empathy", "Knows (quiz)"] == "100%"  # not 50%: one of two was taken
    assert table.loc["Sincerity", "Knows (quiz)"] == "not tried yet"  # not 0%
    assert table.loc["Timely service", "Knows (quiz)"] == "not tried yet"  # no module at all
