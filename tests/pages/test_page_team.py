"""Team progress page: managers see their teams, administrators everything, others nothing."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest

from store import accounts, dashboard, learning
from store.accounts import now_utc
from store.db import session_scope
from store.models import Attempt, Progress
from tests.factories import make_user, page_test, two_teams
from training.status import STATUS_LABELS
from ui import charts, team_view

pytestmark = pytest.mark.usefixtures("fresh_db", "small_content")

PAGE = "pages/team.py"
DENIED = "You do not have access to this page."


def today() -> date:
    return now_utc().date()


@pytest.fixture
def org():
    """Front desk (Mia's, with Eve and Ann) and Bar (Bob's, with Ron); Eve has some history."""
    teams = two_teams()
    desk, bar, mia, bob = teams.desk, teams.bar, teams.mia, teams.bob
    eve = make_user("eve", team_id=desk.id, name="Eve Example")
    ann = make_user("ann", team_id=desk.id, name="Ann Able")
    ron = make_user("ron", team_id=bar.id, name="Ron Other")
    learning.create_assignments(
        actor=mia,
        module_ids=["empathy", "sincerity"],
        due_date=today() - timedelta(days=3),
        team_id=desk.id,
    )
    learning.create_assignments(
        actor=bob, module_ids=["empathy"], due_date=today() - timedelta(days=3), team_id=bar.id
    )
    passed = now_utc() - timedelta(days=2)
    with session_scope() as s:
        s.add(
            Progress(
                user_id=eve.id,
                module_id="empathy",
                best_score=90.0,
                last_score=90.0,
                attempt_count=2,
                passed_at=passed,
                expires_at=passed + timedelta(days=365),
                last_attempt_at=passed,
                certificate_id="CERT-AAAA-BBBB",
            )
        )
        for score, when in ((50.0, passed - timedelta(days=1)), (90.0, passed)):
            s.add(
                Attempt(
                    user_id=eve.id,
                    module_id="empathy",
                    content_version="v",
                    kind="quiz",
                    seed=1,
                    drawn=[],
                    draft_answers={},
                    started_at=when,
                    submitted_at=when,
                    score=score,
                    passed=score >= 80,
                )
            )
    return SimpleNamespace(desk=desk, bar=bar, mia=mia, bob=bob, eve=eve, ann=ann, ron=ron)


def chart_specs(at) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


def chart_titles(at) -> list[str]:
    return [spec.get("title") for spec in chart_specs(at)]


def table(at, column: str) -> pd.DataFrame:
    """Return the first dataframe on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("role", ["employee", "trainer"])
def test_team_page_refuses_other_roles(org, role):
    person = make_user("person", role, team_id=org.desk.id)
    at = page_test(PAGE, person).run()
    assert not at.exception
    assert at.error[0].value == DENIED
    assert not at.get("vega_lite_chart") and not at.dataframe and not at.metric
    assert "Eve Example" not in str(at)


def test_manager_sees_numbers_charts_and_who_needs_attention(org):
    at = page_test(PAGE, org.mia).run()
    assert not at.exception
    assert at.title[0].value == "Team progress"
    assert metrics(at) == {
        "Completion": "17%",  # Eve's empathy pass: 1 of 6 assignments
        "Overdue": "5",
        "Average best score": "90%",
        "Expiring in 30 days": "0",
    }
    assert chart_titles(at) == [
        "Status by person and module",
        "Assigned training by module",
        "Competency profile",
        "Completions over time",
        "Best scores",
        "Knows and does",
    ]
    for chart in at.get("vega_lite_chart"):
        assert chart.proto.datasets or chart.proto.data.data, "a chart without data"
    attention = at.dataframe[0].value
    assert set(attention["Person"]) == {"Mia Manager", "Eve Example", "Ann Able"}
    assert "Ron Other" not in str(at) and "Bob Barman" not in str(at)
    assert at.get("download_button")[0].proto.label == "Download CSV"


def test_manager_of_two_teams_picks_one(org):
    accounts.set_team_managers(team_id=org.bar.id, user_ids=[org.bob.id, org.mia.id], actor_id=None)
    at = page_test(PAGE, org.mia).run()
    picker = at.selectbox(key="team_filter_team")
    assert picker.options == ["All my teams", "Bar", "Front desk"]
    assert "Ron Other" in set(at.dataframe[0].value["Person"])
    picker.select(org.bar.id).run()
    assert not at.exception
    assert at.query_params["team"] == str(org.bar.id)
    assert set(at.dataframe[0].value["Person"]) == {"Ron Other", "Bob Barman"}


def test_crafted_team_parameter_for_another_team_shows_nothing_of_it(org):
    at = page_test(PAGE, org.mia)
    at.query_params["team"] = str(org.bar.id)
    at.run()
    assert not at.exception
    assert at.warning[0].value == "That team is not one you can see, so it is not shown."
    text = str(at)
    assert "Ron Other" not in text and "Bob Barman" not in text and "Bar" not in text


def test_crafted_person_parameter_for_another_team_is_refused(org):
    at = page_test(PAGE, org.mia)
    at.query_params["person"] = str(org.ron.id)
    at.run()
    assert not at.exception
    assert "not in a team you can see" in at.error[0].value
    assert "Ron Other" not in str(at)


def test_drill_down_shows_the_persons_modules_attempts_and_certificates(org):
    at = page_test(PAGE, org.mia).run()
    at.selectbox(key="team_person").select(org.eve.id).run()
    assert not at.exception
    assert "#### Eve Example" in [m.value for m in at.markdown]
    modules = table(at, "Certificate")
    empathy = modules[modules["Module"] == "Empathy"].iloc[0]
    assert (empathy["Status"], empathy["Certificate"]) == ("Passed", "CERT-AAAA-BBBB")
    attempts = table(at, "Result")
    assert list(attempts["Result"]) == ["Passed", "Not passed"]
    assert any("CERT-AAAA-BBBB" in c.value for c in at.caption)
    assert at.query_params["person"] == str(org.eve.id)


def test_competency_and_module_filters_narrow_the_view(org):
    at = page_test(PAGE, org.mia).run()
    at.selectbox(key="team_filter_competency").select("sincerity").run()
    module = at.selectbox(key="team_filter_module")
    assert module.options == ["All modules", "Sincerity"]
    assert metrics(at)["Overdue"] == "3"  # sincerity only: nobody has passed it
    module.select("sincerity").run()
    assert not at.exception and metrics(at)["Completion"] == "0%"


def test_administrator_sees_the_whole_organisation(org, monkeypatch):
    admin = make_user("boss", "admin", name="Boss Admin")
    monkeypatch.setattr(team_view, "PERSON_HEATMAP_LIMIT", 2)  # as if the org were large
    at = page_test(PAGE, admin).run()
    assert not at.exception
    picker = at.selectbox(key="team_filter_team")
    assert picker.options[0] == "Whole organisation" and picker.value == "__all__"
    assert "Completion by team and module" in chart_titles(at)
    teams = table(at, "People")
    assert set(teams["Team"]) == {"Front desk", "Bar"}
    assert "Ron Other" in set(at.dataframe[0].value["Person"])


def test_manager_without_a_team_is_told_what_to_do():
    lonely = make_user("lonely", "manager")
    at = page_test(PAGE, lonely).run()
    assert not at.exception
    assert "do not manage a team yet" in at.info[0].value


def test_new_results_show_on_the_next_run(org):
    at = page_test(PAGE, org.mia).run()
    assert metrics(at)["Overdue"] == "5"
    passed = datetime.now(UTC)
    with session_scope() as s:
        s.add(
            Progress(
                user_id=org.ann.id,
                module_id="sincerity",
                best_score=100.0,
                attempt_count=1,
                passed_at=passed,
                last_attempt_at=passed,
            )
        )
        s.add(
            Attempt(
                user_id=org.ann.id,
                module_id="sincerity",
                content_version="v",
                kind="quiz",
                seed=1,
                drawn=[],
                draft_answers={},
                started_at=passed,
                submitted_at=passed,
                score=100.0,
                passed=True,
            )
        )
    at.run()
    assert metrics(at)["Overdue"] == "4"


def test_every_chart_builder_makes_a_valid_vega_lite_spec():
    status = charts.STATUS_DOMAIN[0]
    frames = {
        "module_status_bars": pd.DataFrame(
            [{"module": "Empathy", "status": status, "people": 3, "order": 0, "completion": 0.5}]
        ),
        "status_heatmap": pd.DataFrame(
            [
                {
                    "user_id": 7,
                    "person": "Eve",
                    "module": "Empathy",
                    "status": status,
                    "assigned": "yes",
                    "due": "1 Jan 2026",
                    "best": "80%",
                    "attempts": 2,
                }
            ]
        ),
        "team_completion_heatmap": pd.DataFrame(
            [
                {
                    "team": "Bar",
                    "rank": 0,
                    "module": "Empathy",
                    "completion": 0.5,
                    "completed": 1,
                    "assigned": 2,
                    "people_overdue": 1,
                }
            ]
        ),
        "score_histogram": pd.DataFrame([{"band": "80-89", "low": 80, "count": 4}]),
        "weekly_chart": pd.DataFrame(
            [{"week": date(2026, 1, 5), "attempts": 3, "passes": 2, "average": 70.0}]
        ),
        "competency_profile": pd.DataFrame(
            [{"competency": "Empathy", "group": "Bar", "score": 75.0}]
        ),
        "knows_does": pd.DataFrame(
            [{"need": "Empathy", "measure": charts.DOES, "value": 60.0, "n": 4}]
        ),
    }
    options = {"competency_profile": {"team_label": "Bar"}}
    assert set(frames) == set(charts.BUILDERS)
    for kind, frame in frames.items():
        spec = charts.BUILDERS[kind](frame, **options.get(kind, {})).to_dict(validate=True)
        assert spec["title"]
        assert charts.template(kind, tuple(options.get(kind, {}).items()))["title"]
    organisation_only = charts.competency_profile(frames["competency_profile"])
    assert organisation_only.to_dict(validate=True)["encoding"]["color"]["scale"]["domain"] == [
        "Organisation"
    ]


def test_every_status_has_its_own_okabe_ito_colour_on_the_heatmap():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    scale = charts.status_heatmap(pd.DataFrame()).to_dict(validate=False)["encoding"]["color"]
    colours = scale["scale"]["range"]
    assert len(colours) == len(set(colours)) == len(STATUS_LABELS) + 1
    assert set(charts.STATUS_COLOURS.values()) == okabe_ito  # one each, no greys among them
    assert scale["scale"]["domain"][-1] == charts.NOT_ASSIGNED


def test_the_heatmap_selects_a_person_on_click():
    spec = charts.status_heatmap(pd.DataFrame()).to_dict(validate=False)
    (param,) = spec["params"]
    assert param["name"] == charts.PERSON_PICK
    assert param["select"]["fields"] == ["user_id"] and param["select"]["on"] == "click"


@pytest.mark.parametrize("chart", [charts.status_heatmap, charts.team_completion_heatmap])
def test_module_names_are_small_enough_for_every_column_on_a_phone(chart):
    # At 390 px a column of the curriculum's 16 modules is about 15 px wide; at the default
    # 11 px Vega's "greedy" rule hid every other name (seen in a screenshot), at 10 px all show.
    axis = chart(pd.DataFrame()).to_dict(validate=False)["encoding"]["x"]["axis"]
    assert axis["labelFontSize"] <= 10
    assert axis["labelAngle"] == -90 and axis["labelOverlap"] == "greedy"


def test_the_module_bars_legend_is_one_column_beside_long_module_names():
    # Under the module bars the legend starts right of 180 px of module names: in two columns
    # it ran out of the chart at 1280 px (half width) and at 390 px (seen in screenshots).
    spec = charts.module_status_bars(pd.DataFrame()).to_dict(validate=False)
    assert spec["encoding"]["color"]["legend"]["columns"] == 1
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= 180  # why it must be one


def test_empty_cells_are_blank_not_none(org):
    at = page_test(PAGE, org.mia).run()
    assert not at.exception
    table = next(d for d in at.dataframe if "Best score" in d.value.columns and "Module" in d.value)
    assert table.value["Best score"].isna().any()  # there are empty cells to show
    assert all(d.proto.placeholder == "" for d in at.dataframe)


def test_every_table_in_the_app_shows_empty_cells_blank():
    """Streamlit writes "None" in an empty cell unless the table has placeholder=""."""
    import ast

    from tests.factories import ROOT

    missing = []
    for path in sorted((ROOT / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("dataframe", "data_editor")
                and not any(k.arg == "placeholder" for k in node.keywords)
            ):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_the_drill_downs_knows_says_not_tried_yet_for_an_assigned_module_never_taken(org):
    """Eve passed empathy (90%) and has sincerity assigned but untried: that is not a 0%."""
    at = page_test(PAGE, org.mia).run()
    at.selectbox(key="team_person").select(org.eve.id).run()
    assert not at.exception
    [knows] = [t.value for t in at.table if "Knows (quiz)" in t.value.columns]
    assert knows.loc["Empathy", "Knows (quiz)"] == "90%"
    assert knows.loc["Sincerity", "Knows (quiz)"] == "not tried yet"


def test_the_attention_list_keeps_the_most_urgent_and_counts_everyone_behind(org, monkeypatch):
    # The cached overview keeps only the rows the page lists; the caption still counts all.
    admin = make_user("boss", "admin", name="Boss Admin")
    monkeypatch.setattr(team_view, "ATTENTION_ROWS", 2)
    at = page_test(PAGE, admin).run()
    assert not at.exception
    view = dashboard.overview(actor=admin)
    assert view.attention_count == len(view.attention) == 5  # both teams, managers too
    listed = list(at.dataframe[0].value["Person"])
    assert listed == [row.name for row in view.attention[:2]]
    captions = " ".join(c.value for c in at.caption)
    assert "The 2 most urgent of 5 people" in captions


def test_a_large_view_reads_its_figures_on_worker_threads_and_keeps_their_errors(org, monkeypatch):
    admin = make_user("boss", "admin", name="Boss Admin")
    threads = {}
    weekly = dashboard.weekly_activity

    def spy(**kwargs):
        threads[kwargs["team_id"]] = threading.current_thread().name
        return weekly(**kwargs)

    monkeypatch.setitem(team_view._OVER_PERIOD, "weekly", spy)
    at = page_test(PAGE, admin).run()  # five people: a small view
    assert not at.exception
    assert not threads[None].startswith("team-progress")  # read in turn
    monkeypatch.setattr(team_view, "PERSON_HEATMAP_LIMIT", 2)  # as if the org were large
    team_view.clear_cache()
    at = page_test(PAGE, admin).run()
    assert not at.exception
    assert threads[None].startswith("team-progress")  # read ahead, beside the overview

    def broken(**kwargs):
        raise RuntimeError("the weekly figures failed")

    monkeypatch.setitem(team_view._OVER_PERIOD, "weekly", broken)
    team_view.clear_cache()
    at = page_test(PAGE, admin).run()
    assert at.exception  # raised where the figure is used (details are redacted on the page)


@pytest.mark.parametrize("large", [False, True])
def test_the_floor_is_read_once_a_view_and_in_the_form_it_shows(org, monkeypatch, large):
    # A small view of every team lists people; a large one counts them per team. Either way
    # one of the two is read, once (reading ahead must not read the other form as well).
    from store import observations

    admin = make_user("boss", "admin", name="Boss Admin")
    if large:
        monkeypatch.setattr(team_view, "PERSON_HEATMAP_LIMIT", 2)
    calls = []
    for name in ("transfer", "transfer_counts"):
        real = getattr(observations, name)
        monkeypatch.setattr(
            observations,
            name,
            lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k),
        )
    at = page_test(PAGE, admin).run()
    assert not at.exception
    assert calls == (["transfer_counts"] if large else ["transfer"])
