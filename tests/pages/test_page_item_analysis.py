"""Question statistics page: figures per module version, flags from ten attempts with the reason
below that, charts and CSV; and refusals for other roles."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from store import accounts
from tests.factories import ROOT, loaded_module, make_user, page_test, take_quiz
from training.csv_export import csv_bytes

pytestmark = pytest.mark.usefixtures("fresh_db")

PAGE = "pages/item_analysis.py"
MODULE = "sample-basics"
RIGHT_MULTIPLE, WRONG_MULTIPLE = [0, 1], [0, 2]


@pytest.fixture
def content_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml", folder)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


def learners_answer(content_dir: Path, count: int) -> None:
    """count learners take the quiz once: sb-01 always right, the others mixed."""
    loaded = loaded_module(content_dir)
    for n in range(count):
        person = make_user(f"learner{n:02d}")
        strong = n % 2 == 0
        take_quiz(
            person,
            loaded,
            {
                "sb-01": [0],
                "sb-02": RIGHT_MULTIPLE if strong else WRONG_MULTIPLE,
                "sb-03": [1] if strong or n % 3 == 0 else [0],
            },
            seed=n,
        )


def open_page(user):
    at = page_test(PAGE, user).run()
    assert not at.exception, at.exception
    return at


def charts(at) -> list:
    return at.get("vega_lite_chart")


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_item_analysis_refuses_people_who_are_not_trainers(role, content_dir):
    learners_answer(content_dir, 2)
    at = open_page(make_user("someone", role))
    assert at.error[0].value == "You do not have access to this page."
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_without_attempts_the_page_says_why_it_is_empty(role, content_dir):
    at = open_page(make_user("someone", role))
    assert at.title[0].value == "Question statistics"
    assert "No learner has submitted this quiz yet" in at.info[0].value


def test_below_ten_attempts_figures_show_but_flags_wait_with_the_reason(content_dir):
    learners_answer(content_dir, 4)
    at = open_page(make_user("tina", "trainer"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mean"] == "75.0%"  # sb-01 always, sb-02 and sb-03 for the strong half
    assert set(metrics) >= {"Median", "Skewness", "Internal consistency", "Standard error"}
    reason = at.info[0].value
    assert "Not enough data yet" in reason and "from 10 attempts" in reason
    assert not at.warning
    table = at.dataframe[0].value.set_index("Question")
    assert table.loc["sb-01", "Flags"] == "Not enough data yet (4 of 10 attempts)"
    assert table.loc["sb-01", "Facility %"] == 100.0


def test_from_ten_attempts_questions_are_flagged_and_charted(content_dir):
    learners_answer(content_dir, 12)
    at = open_page(make_user("tina", "trainer"))
    assert "12 attempts analysed (first attempts only)" in at.caption[1].value
    warnings = "\n".join(w.value for w in at.warning)
    assert "**sb-01**" in warnings and "Too easy: 100% of learners get it right." in warnings
    # each flag links to its question in the studio
    # (outside st.navigation the page link is a plain Markdown link to the same place)
    links = "\n".join(m.value for m in at.markdown)
    link = "[Open sb-01 in the content studio](/studio?module=sample-basics&question=sb-01)"
    assert link in links
    assert "Nobody chose option 'Finish the call and then look up.'" in warnings
    table = at.dataframe[0].value.set_index("Question")
    assert table.loc["sb-02", "Facility %"] == 50.0
    assert table.loc["sb-02", "Discrimination index"] > 30
    assert table.loc["sb-02", "Options chosen"] == "A✓ 100%; B✓ 50%; C 50%"
    assert list(table["Type"]) == ["Single choice", "Multiple choice", "True or false"]
    assert len(charts(at)) == 2  # facility/discrimination, and options chosen
    download = at.get("download_button")[0]
    assert download.proto.label == "Download CSV"
    at.selectbox(key="item_analysis_question").select("sb-03").run()
    assert not at.exception and len(charts(at)) == 2


def test_all_attempts_on_request(content_dir):
    learners_answer(content_dir, 3)
    first_learner = accounts.get_user_by_username("learner00")
    take_quiz(first_learner, loaded_module(content_dir), {"sb-01": [1]}, seed=99)
    at = open_page(make_user("tina", "trainer"))
    assert "3 attempts analysed (first attempts only)" in at.caption[1].value
    at.toggle(key="item_analysis_all").set_value(True).run()
    assert "4 attempts analysed (all attempts)" in at.caption[1].value


def download_bytes_match(at, data: bytes, file_name: str) -> bool:
    """Return True if the page's download button offers exactly these bytes."""
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    url = at.get("download_button")[0].proto.url
    expected = MemoryMediaFileStorage("/mock/media").load_and_get_id(
        data, "text/csv", MediaFileKind.DOWNLOADABLE, file_name
    )
    return url.rsplit("/", 1)[-1].split(".")[0] == expected


def test_question_statistics_csv_neutralises_formulas(content_dir):
    path = content_dir / f"{MODULE}.yaml"
    formula = '=HYPERLINK("http://x.example/pay","Click")'
    path.write_text(
        path.read_text().replace("prompt: What do you do first?", f"prompt: '{formula}'")
    )
    learners_answer(content_dir, 3)
    at = open_page(make_user("tina", "trainer"))
    table = at.dataframe[0].value
    assert formula in set(table["Prompt"])  # shown as written on the page
    data = csv_bytes(list(table.columns), table.itertuples(index=False))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(table.columns)
    assert "'" + formula in [r[3] for r in rows[1:]]  # the Prompt column, made safe
    version = loaded_module(content_dir).version
    assert download_bytes_match(at, data, f"item-analysis-{MODULE}-{version[:8]}.csv")
