"""`python -m training`: validate exit codes and output, schema, and the generated docs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from training.__main__ import main
from training.docs import FIELDS_END, FIELDS_START, field_table, schema_text, update_readme
from training.models import Lesson, Module, Option, Question, Quiz

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "content"
CONTENT = ROOT / "content"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


# --------------------------------------------------------------------------------------------
# validate


def test_validate_valid_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["validate", str(FIXTURES / "valid")], capsys)
    assert code == 0
    assert lines == ["1 module, 3 questions, all valid"]
    assert err == ""


def test_validate_folder_with_problems(capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "mixed"
    code, lines, _ = run(["validate", str(folder)], capsys)
    assert code == 1
    assert lines == [
        f"{folder / 'broken-rules.yaml'}:30:7: question sb-01 has no correct option; "
        "mark the right one with 'correct: true'",
        f"{folder / 'broken-syntax.yaml'}:4:1: a tab character is used here; "
        "indent with spaces, never tabs",
        "2 problems in 2 files; 1 of 3 modules valid",
    ]


def test_validate_missing_folder_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, lines, err = run(["validate", str(tmp_path / "nope")], capsys)
    assert code == 2
    assert lines == []
    assert "does not exist" in err


def test_validate_defaults_to_the_content_dir_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(FIXTURES / "valid"))
    code, lines, _ = run(["validate"], capsys)
    assert (code, lines) == (0, ["1 module, 3 questions, all valid"])


def test_validate_defaults_to_content_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRAINING_CONTENT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate"], capsys)
    assert code == 2 and "content does not exist" in err
    shutil.copytree(FIXTURES / "valid", tmp_path / "content")
    code, lines, _ = run(["validate"], capsys)
    assert (code, lines) == (0, ["1 module, 3 questions, all valid"])


def test_validate_single_files(capsys: pytest.CaptureFixture[str]) -> None:
    good = FIXTURES / "valid" / "sample-basics.yaml"
    bad = FIXTURES / "mixed" / "broken-rules.yaml"
    code, lines, _ = run(["validate", str(good)], capsys)
    assert (code, lines) == (0, ["1 module, 3 questions, all valid"])
    code, lines, _ = run(["validate", str(good), str(bad)], capsys)
    assert code == 1
    assert lines[0].startswith(f"{bad}:30:7: ")
    assert lines[-1] == "1 problem in 1 file; 1 of 2 modules valid"


def test_validate_duplicate_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["validate", str(FIXTURES / "dupes")], capsys)
    assert code == 1
    assert "is already used by sample-basics.yaml" in lines[0]


def test_validate_empty_folder_warns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, lines, err = run(["validate", str(tmp_path)], capsys)
    assert (code, lines) == (0, ["0 modules, 0 questions, all valid"])
    assert "no module files" in err


def test_python_dash_m_training_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "training", "validate", str(FIXTURES / "valid")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "1 module, 3 questions, all valid\n"
    broken = subprocess.run(
        [sys.executable, "-m", "training", "validate", str(FIXTURES / "mixed")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1
    assert broken.stdout.count("\n") == 3
    helptext = subprocess.run(
        [sys.executable, "-m", "training", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helptext.returncode == 0
    for command in ("validate", "schema", "docs"):
        assert command in helptext.stdout


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


# --------------------------------------------------------------------------------------------
# schema and generated docs


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schema"])
    schema = json.loads(capsys.readouterr().out)
    assert code == 0
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Training module"
    assert set(schema["required"]) >= {"id", "title", "quiz", "lessons"}
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_output_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()


def test_schema_file_in_content_is_current() -> None:
    assert (CONTENT / "_schema.json").read_text(encoding="utf-8") == schema_text(), (
        "content/_schema.json is out of date; run: python -m training docs"
    )


def test_readme_field_table_is_current() -> None:
    readme = (CONTENT / "README.md").read_text(encoding="utf-8")
    assert update_readme(readme) == readme, (
        "the field table in content/README.md is out of date; run: python -m training docs"
    )


def test_field_table_covers_every_field() -> None:
    table = field_table()
    for model in (Module, Lesson, Quiz, Question, Option):
        for name, info in model.model_fields.items():
            assert f"| `{name}` |" in table
            assert info.description, f"{model.__name__}.{name} has no description"


def test_schema_accepts_the_fixture_and_rejects_rule_breaks() -> None:
    schema = json.loads(schema_text())
    validator = jsonschema.Draft202012Validator(schema)
    good = yaml.safe_load((FIXTURES / "valid" / "sample-basics.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(good)) == []
    bad = yaml.safe_load((FIXTURES / "mixed" / "broken-rules.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(bad))


def test_docs_check_and_regenerate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stale = f"# Guide\n\n{FIELDS_START}\nold table\n{FIELDS_END}\n\nThe end.\n"
    (tmp_path / "README.md").write_text(stale, encoding="utf-8")
    assert main(["docs", "--check", str(tmp_path)]) == 1
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == stale
    assert main(["docs", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "old table" not in readme and "| `pass_mark` |" in readme
    assert readme.startswith("# Guide\n") and readme.endswith(f"{FIELDS_END}\n\nThe end.\n")
    assert (tmp_path / "_schema.json").read_text(encoding="utf-8") == schema_text()
    assert main(["docs", "--check", str(tmp_path)]) == 0
    capsys.readouterr()


def test_docs_without_markers_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("# no markers\n", encoding="utf-8")
    assert main(["docs", str(tmp_path)]) == 2
    assert "markers" in capsys.readouterr().err


def test_docs_check_passes_on_the_real_content_folder() -> None:
    assert main(["docs", "--check", str(CONTENT)]) == 0
