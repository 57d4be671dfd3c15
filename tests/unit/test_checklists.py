"""Observation checklists: the format, its messages, the folder loader and the generated docs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.__main__ import main
from training.checklists import (
    Rating,
    checklist_schema_text,
    checklist_version,
    load_checklist_text,
    load_checklists,
    ratings_for,
)
from training.docs import CHECKLIST_FIELDS_START, checklist_sections, field_table, update_readme
from training.models import CUSTOMER_NEEDS

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "observations" / "content"
VALID = (FIXTURE / "observations" / "desk-basics.yaml").read_text(encoding="utf-8")
PATH = "content/observations/desk-basics.yaml"


def edit(old: str, new: str, text: str = VALID) -> str:
    """Return text with old replaced by new, failing loudly if old is not there."""
    assert old in text, f"fixture changed: {old!r} not found"
    return text.replace(old, new, 1)


def problems(text: str, path: str = PATH) -> list[str]:
    """Return the problems of a checklist text as 'line:column: message' strings."""
    _, found = load_checklist_text(text, path)
    return [f"{p.line}:{p.column}: {p.message}" for p in found]


def test_valid_checklist_loads_with_defaults_and_a_stable_version() -> None:
    checklist, found = load_checklist_text(VALID, PATH)
    assert found == [] and checklist is not None
    assert checklist.scale == "three_point"
    assert [i.need for i in checklist.items] == ["prompt-attention", "empathy", "timely-service"]
    relaid = VALID.replace("title: Desk basics", "title:   Desk basics   # the title")
    again, _ = load_checklist_text(relaid, PATH)
    assert checklist_version(again) == checklist_version(checklist)
    changed, _ = load_checklist_text(edit("Five minutes", "Six minutes"), PATH)
    assert checklist_version(changed) != checklist_version(checklist)


def test_scales_offer_their_own_ratings() -> None:
    assert Rating.partly in ratings_for("three_point")
    assert Rating.partly not in ratings_for("yes_no")


def test_unknown_field_suggests_the_close_name_at_the_key() -> None:
    text = edit("    guidance: Watch the door.", "    guidence: Watch the door.")
    assert problems(text) == ["9:5: unknown field 'guidence' -- did you mean 'guidance'?"]


def test_unknown_need_names_the_allowed_ids_and_the_close_one() -> None:
    text = edit("need: empathy", "need: empathie")
    [message] = problems(text)
    assert message.startswith("11:11: need must be one of: foundations, empathy,")
    assert "did you mean 'empathy'?" in message and "(in item db-02)" in (message)


def test_fewer_than_three_items_is_refused() -> None:
    text = VALID.split("  - id: db-02")[0]
    assert problems(text) == ["6:3: items needs at least 3 item(s)"]


def test_duplicate_item_ids_and_behaviours_are_refused_where_they_stand() -> None:
    text = edit("id: db-02", "id: db-01")
    assert problems(text) == ["10:9: duplicate item id db-01 (first at line 6)"]
    text = edit(
        "behaviour: Tells a waiting customer how long it will take.",
        "behaviour: greets each arriving customer, within ten seconds!",
    )
    [message] = problems(text)
    assert message.startswith("15:16: behaviour of item db-03 repeats the one at line 8")


def test_blank_or_unobservable_behaviour_is_refused() -> None:
    assert problems(
        edit("behaviour: Names the customer's feeling before offering a fix.", "behaviour: ''")
    ) == ["12:16: behaviour is empty (in item db-02)"]
    assert problems(
        edit(
            "behaviour: Names the customer's feeling before offering a fix.", "behaviour: Is nice."
        )
    ) == [
        "12:16: behaviour of item db-02 is too short to observe; describe in at least 4 words "
        "what the person does or says"
    ]


def test_id_must_match_the_file_name_and_scale_must_be_known() -> None:
    assert problems(VALID, "content/observations/other.yaml") == [
        "1:5: checklist id 'desk-basics' does not match the file name 'other.yaml'; rename the "
        "file to 'desk-basics.yaml' or change the id"
    ]
    [message] = problems(edit("setting: desk", "setting: desk\nscale: yesno"))
    assert (
        message
        == "5:8: scale must be one of: three_point, yes_no (got yesno) -- did you mean 'yes_no'?"
    )


def test_empty_file_and_yaml_errors_say_what_a_checklist_needs() -> None:
    assert problems("# nothing\n") == [
        "1:1: the file is empty; a checklist needs at least id, title, summary and items "
        "(see the example in content/README.md)"
    ]
    assert problems("id: [unclosed\n")[0].startswith("1:")


def test_one_broken_file_never_stops_the_others() -> None:
    found = load_checklists(FIXTURE)
    assert sorted(found.checklists) == ["desk-basics", "yes-no-walk"]
    assert {Path(p.path).name for p in found.problems} == {"broken.yaml"}
    assert len(found.files) == 3


def test_validate_command_covers_the_observations_folder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(FIXTURE)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith(str(FIXTURE / "observations" / "broken.yaml") + ":") for line in out)
    assert out[-1] == "2 problems in 1 file; 2 of 3 files valid"
    assert main(["validate", str(FIXTURE / "observations" / "desk-basics.yaml")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "0 modules, 0 questions, 1 checklist, all valid"
    ]


def test_schema_accepts_the_fixture_and_rejects_a_bad_scale() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(checklist_schema_text()))
    good = yaml.safe_load(VALID)
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({**good, "scale": "five_point"}))


def test_generated_files_in_content_are_current() -> None:
    schema = ROOT / "content" / "observations" / "_schema.json"
    assert schema.read_text(encoding="utf-8") == checklist_schema_text()
    readme = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    assert CHECKLIST_FIELDS_START in readme and update_readme(readme) == readme
    table = field_table(checklist_sections())
    for model, _, _ in checklist_sections():
        for name, info in model.model_fields.items():
            assert f"| `{name}` |" in table and info.description


def test_readme_checklist_example_is_valid() -> None:
    readme = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    example = readme.split("A complete checklist:\n\n```yaml\n")[1].split("```")[0]
    assert problems(example, "content/observations/returns-desk-walk.yaml") == []


def test_shipped_checklists_cover_every_need_with_eight_to_fourteen_items() -> None:
    found = load_checklists(ROOT / "content")
    assert found.problems == [] and len(found.checklists) >= 4
    needs = set()
    for loaded in found.checklists.values():
        assert 8 <= len(loaded.checklist.items) <= 14, loaded.checklist.id
        needs |= {i.need for i in loaded.checklist.items}
    assert set(CUSTOMER_NEEDS) <= needs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_problems_never_an_exception(text: str) -> None:
    checklist, found = load_checklist_text(text, PATH)
    assert (checklist is None) == bool(found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(VALID)), st.text(max_size=12))
def test_damaged_checklists_give_problems_never_an_exception(at: int, junk: str) -> None:
    checklist, found = load_checklist_text(VALID[:at] + junk + VALID[at:], PATH)
    assert checklist is not None or found
