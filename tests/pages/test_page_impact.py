"""/impact and /feedback through AppTest, role by role (refusals included)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.engine import make_url

from store import accounts, db, demo, feedback
from tests.conftest import ROOT, page_test, page_text

pytestmark = pytest.mark.usefixtures("fresh_db")

CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory):
    """Seed one demo organisation with a push for the whole module (a file to copy)."""
    path = tmp_path_factory.mktemp("impact") / "seeded.db"
    url = f"sqlite:///{path}"
    mp = pytest.MonkeyPatch()
    mp.setenv("TRAINING_DATABASE_URL", url)
    db.upgrade(url)
    summary = demo.seed_demo(staff=80, teams=10, attempts=600, seed=3, content_dir=CONTENT)
    assert "a push of" in summary
    db.dispose_engines()
    mp.undo()
    return path


@pytest.fixture
def org(fresh_db, seeded_file):
    db.dispose_engines()
    shutil.copyfile(seeded_file, make_url(fresh_db).database)
    return {u: accounts.get_user_by_username(u) for u in ("admin", "manager", "employee")}


def test_admin_sees_every_team_the_charts_and_the_push_sentence(org):
    at = page_test("pages/impact.py", org["admin"]).run()
    assert not at.exception
    text = page_text(at)
    assert "Every team and the organisation." in text
    assert len(at.selectbox(key="impact_team").options) == 11  # the organisation + 10 teams
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    sentence = [m.value for m in at.markdown if "Teams that completed" in m.value]
    assert sentence and "relative to other teams in the next 8 weeks" in sentence[0]
    assert "It rests on" in text and "not proof" in text
    # completion, knowledge and observed behaviour, each against CSAT, NPS and complaints
    correlations = at.dataframe[0].value
    assert len(correlations) == 9
    does = correlations[correlations["Training measure"].str.startswith("Observed behaviour")]
    assert len(does) == 3 and (does["Teams"] == 10).all()  # the demo observes every team


def test_manager_sees_only_their_teams_and_no_push_to_compare(org):
    at = page_test("pages/impact.py", org["manager"]).run()
    assert not at.exception
    options = at.selectbox(key="impact_team").options
    assert options[0] == "Your teams only" and len(options) == 3  # they manage two teams
    assert "no push to compare" in page_text(at)
    corr = at.dataframe[0].value
    assert set(corr["95% CI"]) == {"not enough data"}


def test_employees_are_refused_both_pages(org):
    for page in ("pages/impact.py", "pages/feedback.py"):
        at = page_test(page, org["employee"]).run()
        assert not at.exception
        assert "You do not have access to this page." in page_text(at)
        assert not at.get("arrow_data_frame")


def test_admin_creates_a_token_sees_it_once_and_revokes_it(org):
    at = page_test("pages/feedback.py", org["admin"]).run()
    assert not at.exception
    (imports,) = [d.value for d in at.dataframe if "New" in d.value.columns]
    assert list(imports["How"]) == ["demo"]  # the seeded year of feedback
    at.text_input(key="feedback_token_name").input("Till system")
    next(b for b in at.button if b.label == "Create token").click()
    at.run()
    (code,) = at.code
    token = code.value
    assert feedback.admit(token).token is not None
    at.run()
    assert not at.code  # shown once
    at.button(key="feedback_revoke").click()
    at.run()
    assert feedback.admit(token).token is None
    (tokens,) = [d.value for d in at.dataframe if "Status" in d.value.columns]
    assert "revoked" in " ".join(tokens["Status"])


def test_manager_reads_only_their_teams_feedback(org):
    at = page_test("pages/feedback.py", org["manager"]).run()
    assert not at.exception
    assert not at.tabs  # no upload, no tokens
    teams = set(at.dataframe[0].value["Team"])
    mine = {t.name for t in accounts.list_teams() if t.id in {1, 2}}
    assert teams == mine


def test_admin_uploads_a_csv_sees_the_bad_lines_then_imports_a_good_one(org):
    team = accounts.list_teams()[0].name
    header = "date,team,channel,kind,score,source_id\n"
    at = page_test("pages/feedback.py", org["admin"]).run()
    uploader = at.file_uploader(key="feedback_upload")
    uploader.set_value(("bad.csv", f"{header}2026-01-05,Nowhere,,csat,4,\n".encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert "Nothing imported: 1 problem" in page_text(at)
    errors = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(errors["Where"]) == ["line 2"] and "Nowhere" in errors["Problem"][0]
    assert not [b for b in at.button if b.label.startswith("Import")]
    good = f"{header}2026-01-05,{team},,csat,4,up-1\n2026-01-05,{team},,complaint,,up-2\n"
    at.file_uploader(key="feedback_upload").set_value(("good.csv", good.encode(), "text/csv"))
    at.run()
    assert "2 rows for 1 team" in page_text(at)
    next(b for b in at.button if b.label == "Import 2 new rows").click()
    at.run()
    assert "Imported 2 new feedback rows; 0 were already there." in page_text(at)
