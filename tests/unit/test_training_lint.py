"""`python -m training lint`: each item-writing check on a fixture with and without the flaw,
the placeholders from _organisation.yaml, and the exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.__main__ import main
from training.lint import lint_dir
from training.loader import load_content_dir, load_module_file, load_module_text
from training.organisation import read_organisation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"
CLEAN = FIXTURES / "clean"


def folder(tmp_path: Path, *flawed: str, clean: bool = False) -> Path:
    """A content folder with the clean fixture's organisation and names files (and module)."""
    target = tmp_path / "content"
    target.mkdir()
    for extra in ("_organisation.yaml", "_names.md"):
        shutil.copy(CLEAN / extra, target / extra)
    if clean:
        shutil.copy(CLEAN / "clean.yaml", target / "clean.yaml")
    for name in flawed:
        shutil.copy(FIXTURES / "flawed" / f"{name}.yaml", target / f"{name}.yaml")
    assert load_content_dir(target).ok
    return target


def messages(directory: Path) -> list[str]:
    return [str(w) for w in lint_dir(directory)]


def test_clean_fixture_has_no_warnings() -> None:
    assert messages(CLEAN) == []


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("tf-absolute", 43, "contains the absolute word 'only', which test-wise learners read"),
        ("tf-hedge", 43, "contains the hedging word 'usually'"),
        (
            "justifying",
            26,
            "a wrong option of c-01 gives a reason ('because ...'; in this module 1 of",
        ),
        ("purpose", 26, "a wrong option of c-01 gives a purpose ('so you ...'; in this module 4"),
        ("above", 28, "c-01 offers 'All of the above'"),
        ("negative", 21, "c-01 asks a negative question ('not'"),
        ("pool", 15, "the pool has 4 questions for 3 per attempt (1.3 times the draw)"),
        ("repeats", 20, "the scenario of c-01 repeats lesson 1 ('Greeting people'): 16 words"),
        ("names", 46, "the name 'Kowalczyk' is used again (question c-04; first in names.yaml"),
        ("option-ref", 45, "c-03 refers to 'Option B' but offers no options (true/false)"),
        ("style", 20, "'Mr. Silva': titles in en-GB are written without a full stop"),
        ("style", 20, "'3.30 p.m.': times in en-GB are written like 9am, 3.30pm"),
        ("style", 32, "'$': the organisation's currency is GBP"),
        ("key-longest", 14, "the correct option is the longest in 8 of 8 single-choice"),
        ("key-longest", 14, "a correct option is longer than a wrong one in 16 of 16"),
        ("key-shortest", 14, "the correct option is the shortest in 8 of 8 single-choice"),
    ],
)
def test_each_check_reports_its_flaw_with_line_and_figure(
    tmp_path: Path, name: str, line: int, expected: str
) -> None:
    directory = folder(tmp_path, name)
    prefix = f"{directory / name}.yaml:{line}:"
    found = [m for m in messages(directory) if expected in m and m.startswith(prefix)]
    assert found, messages(directory)
    assert ": warning: " in found[0]


def test_the_same_module_without_the_flaw_is_clean(tmp_path: Path) -> None:
    assert messages(folder(tmp_path, clean=True)) == []


def test_key_length_bias_is_also_reported_across_the_folder(tmp_path: Path) -> None:
    directory = folder(tmp_path, "key-longest")
    assert any(
        m.startswith(
            f"{directory}:1:1: warning: across the folder, the correct option is the "
            "longest in 8 of 8"
        )
        for m in messages(directory)
    )


def test_a_name_reused_in_another_module_is_reported(tmp_path: Path) -> None:
    directory = folder(tmp_path, clean=True)
    text = (CLEAN / "clean.yaml").read_text().replace("id: clean", "id: other")
    text = text.replace("Bruno Silva walks", "Mr Haddad walks").replace(
        "Chidi Obi", "Mr Haddad's son"
    )
    (directory / "other.yaml").write_text(text.replace("Anna Kowalczyk", "Mrs Lindgren"))
    found = messages(directory)
    # Titled names are recognised without the names file; listed names by given name too.
    assert any(
        "the name 'Haddad' is used again (question c-04; first in other.yaml" in m for m in found
    ), found
    assert (
        any("the name 'Bruno' is used again" in m and "first in clean.yaml" in m for m in found)
        is False
    )
    assert any("the name 'Obi'" in m for m in found) is False


def test_style_without_a_locale_reports_the_minority_form(tmp_path: Path) -> None:
    directory = folder(tmp_path, clean=True)
    (directory / "_organisation.yaml").write_text("refund_limit: £25\n")
    text = (CLEAN / "clean.yaml").read_text().replace("id: clean", "id: other")
    text = text.replace(
        "Bruno Silva walks into the pharmacy at 3.30pm", "Mr. Obi walks in at 4 p.m."
    )
    for who in ("Anna Kowalczyk", "Chidi Obi", "Kowalczyk"):
        text = text.replace(who, "someone")
    (directory / "other.yaml").write_text(text)
    found = messages(directory)
    assert any("'4 p.m.': times are written in more than one style" in m for m in found), found


def test_justifying_clauses_in_correct_options_only_are_a_giveaway(tmp_path: Path) -> None:
    directory = folder(tmp_path)
    text = (
        (FIXTURES / "flawed" / "key-longest.yaml")
        .read_text()
        .replace("id: key-longest", "id: reasons")
    )
    text = text.replace(
        "Greet the visitor, explain the short wait and offer a seat nearby.",
        "Greet them, so that they know.",
    ).replace("Keep working quietly.", "Keep on working without a word.")
    text = text.replace("Ask them to come back.", "Ask them to come back another day.")
    (directory / "reasons.yaml").write_text(text)
    found = messages(directory)
    assert any("correct options give a reason more often than wrong ones" in m for m in found)


# --------------------------------------------------------------------------------------------
# command line


def test_lint_exits_0_with_warnings_and_1_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path, "pool")
    assert main(["lint", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "warning: the pool has 4 questions" in out
    assert out.splitlines()[-1] == "1 warning in 1 file"
    assert main(["lint", "--strict", str(directory)]) == 1


def test_lint_strict_exits_0_on_a_clean_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--strict", str(CLEAN)]) == 0
    assert capsys.readouterr().out.strip() == "no warnings"


def test_lint_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# placeholders


def test_placeholders_are_filled_in_at_load(tmp_path: Path) -> None:
    module, problems = load_module_file(CLEAN / "clean.yaml")
    assert problems == []
    assert "within your authority (up to £25)" in module.quiz.questions[1].prompt


def test_an_undefined_placeholder_is_reported_with_its_line(tmp_path: Path) -> None:
    directory = folder(tmp_path)
    shutil.copy(FIXTURES / "flawed" / "placeholder.yaml", directory)
    content = load_content_dir(directory)
    assert [str(p) for p in content.problems] == [
        f"{directory}/placeholder.yaml:32:72: undefined placeholder '{{{{ refund_limt }}}}' "
        f"(defined in {directory}/_organisation.yaml: currency, locale, organisation, "
        "refund_limit) -- did you mean '{{ refund_limit }}'?"
    ]


def test_the_content_version_changes_when_a_used_fact_changes(tmp_path: Path) -> None:
    directory = folder(tmp_path, clean=True)
    before = load_content_dir(directory).modules["clean"].version
    org = directory / "_organisation.yaml"
    org.write_text(org.read_text().replace("£25", "£30"))
    after = load_content_dir(directory).modules["clean"]
    assert after.version != before
    assert "(up to £30)" in after.module.quiz.questions[1].prompt


def test_module_text_without_a_folder_uses_the_given_organisation(tmp_path: Path) -> None:
    text = (CLEAN / "clean.yaml").read_text()
    organisation = read_organisation(CLEAN)
    module, problems = load_module_text(text, "clean.yaml", organisation=organisation)
    assert problems == [] and "(up to £25)" in module.quiz.questions[1].prompt


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Refund: £5\n", "1:1: a fact name must be lowercase letters"),
        ("a: 1\na: 2\n", "2:1: the fact 'a' is given twice"),
        ("a:\n", "1:1: the fact 'a' needs a text value"),
        ("a: '{{ b }}'\n", "1:1: the fact 'a' cannot contain a placeholder"),
        ("- a\n", "1:1: the file must be a list of 'name: value' lines"),
        ("a: [\n", "YAML syntax error"),
    ],
)
def test_a_broken_organisation_file_is_reported(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "_organisation.yaml").write_text(text)
    problems = [str(p) for p in load_content_dir(tmp_path).problems]
    assert any(message in p for p in problems), problems


def test_a_folder_loaded_already_is_linted_without_loading_it_again():
    flawed = FIXTURES / "flawed"
    loaded = load_content_dir(flawed)
    assert lint_dir(flawed, loaded) == lint_dir(flawed)
    assert lint_dir(flawed, loaded)  # the flawed fixtures do have warnings
