"""The module loader: positions and plain-language messages for every kind of problem."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from training.loader import (
    MAX_FILE_BYTES,
    Problem,
    content_version,
    load_content_dir,
    load_module_file,
    load_module_text,
    required_correct,
)
from training.models import Module

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "content"
VALID_FILE = FIXTURES / "valid" / "sample-basics.yaml"
VALID = VALID_FILE.read_text(encoding="utf-8")
PATH = "content/sample-basics.yaml"


def edit(old: str, new: str, text: str = VALID, count: int = 1) -> str:
    """Return text with old replaced by new, failing loudly if old is not there."""
    assert old in text, f"fixture changed: {old!r} not found"
    return text.replace(old, new, count)


def check(text: str | bytes, path: str = PATH) -> list[Problem]:
    module, problems = load_module_text(text, path)
    assert (module is None) == bool(problems)
    return problems


def only(text: str | bytes, path: str = PATH) -> Problem:
    problems = check(text, path)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the n-th line containing needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def col_of(text: str, needle: str, occurrence: int = 1) -> int:
    line = text.splitlines()[line_of(text, needle, occurrence) - 1]
    return line.index(needle) + 1


# --------------------------------------------------------------------------------------------
# valid input


def test_valid_module_loads_without_problems() -> None:
    module, problems = load_module_text(VALID, PATH)
    assert problems == []
    assert isinstance(module, Module)
    assert module.id == "sample-basics"
    assert [q.id for q in module.quiz.questions] == ["sb-01", "sb-02", "sb-03"]


def test_load_module_file_reads_a_path() -> None:
    module, problems = load_module_file(VALID_FILE)
    assert problems == []
    assert module is not None and module.title == "Sample basics"


def test_load_module_file_reports_an_unreadable_path(tmp_path: Path) -> None:
    module, problems = load_module_file(tmp_path / "missing.yaml")
    assert module is None
    assert problems[0].line == 1 and "cannot read the file" in problems[0].message


def test_problem_str_is_path_line_column_message() -> None:
    assert str(Problem("content/a.yaml", 3, 7, "boom")) == "content/a.yaml:3:7: boom"


def test_bytes_with_byte_order_mark_are_accepted() -> None:
    assert check(b"\xef\xbb\xbf" + VALID.encode("utf-8")) == []


def test_utf16_with_byte_order_mark_is_accepted() -> None:
    assert check(VALID.encode("utf-16")) == []


def test_merge_keys_work_as_in_safe_load() -> None:
    text = edit(
        "      options:\n        - text: Nodding\n          correct: true\n",
        "      options:\n        - &right\n          text: Nodding\n          correct: true\n"
        "        - <<: *right\n          text: Smiling\n",
    )
    assert check(text) == []


def test_template_is_valid_once_renamed() -> None:
    text = (ROOT / "content" / "_template.yaml").read_text(encoding="utf-8")
    assert check(text, "content/my-new-module.yaml") == []


def test_readme_worked_example_is_valid() -> None:
    readme = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    example = next(
        b for b in blocks if b.lstrip().startswith("# yaml-language-server") and "quiz:" in b
    )
    assert check(example, "content/handling-complaints.yaml") == []


# --------------------------------------------------------------------------------------------
# field problems, mapped from pydantic


def test_unknown_field_suggests_the_close_name_at_the_key_position() -> None:
    text = edit(
        "          correct: true\n          feedback: They feel",
        "          corect: true\n          feedback: They feel",
    )
    problems = check(text)
    typo = next(p for p in problems if "corect" in p.message)
    assert typo.message == "unknown field 'corect' -- did you mean 'correct'?"
    assert (typo.line, typo.column) == (line_of(text, "corect:"), col_of(text, "corect:"))
    # Without the flag the question has no correct option, reported at its options.
    assert any("question sb-01 has no correct option" in p.message for p in problems)


def test_unknown_field_without_a_close_name_lists_the_allowed_fields() -> None:
    text = edit("title: Sample basics\n", "title: Sample basics\nnotes: x\n")
    problem = only(text)
    assert problem.message.startswith("unknown field 'notes' (allowed here: id, title,")
    assert (problem.line, problem.column) == (line_of(text, "notes:"), 1)


def test_misspelt_required_field_is_reported_once() -> None:
    problem = only(edit("title: Sample basics", "Title: Sample basics"))
    assert problem.message == "unknown field 'Title' -- did you mean 'title'?"


def test_missing_field_names_the_question_and_points_at_it() -> None:
    text = edit("      prompt: A quick greeting matters even when you are busy.\n", "")
    problem = only(text)
    assert problem.message == "missing field 'prompt' in question sb-03"
    assert (problem.line, problem.column) == (line_of(text, "id: sb-03"), col_of(text, "id: sb-03"))


def test_missing_top_level_field() -> None:
    problem = only(edit("summary: A tiny module used by the loader tests.\n", ""))
    assert problem.message == "missing field 'summary'"


def test_pass_mark_out_of_range() -> None:
    text = edit("pass_mark: 80", "pass_mark: 120")
    problem = only(text)
    assert problem.message.startswith("pass_mark must be between 1 and 100")
    assert "(got 120)" in problem.message
    assert (problem.line, problem.column) == (line_of(text, "pass_mark"), col_of(text, "120"))


@pytest.mark.parametrize("value", ["5.5", "yes", "'5'", "five", ".inf"])
def test_estimated_minutes_must_be_a_whole_number(value: str) -> None:
    text = edit("estimated_minutes: 5", f"estimated_minutes: {value}")
    problem = only(text)
    assert problem.message.startswith("estimated_minutes must be a whole number")
    assert problem.line == line_of(text, "estimated_minutes")
    assert problem.column == len("estimated_minutes: ") + 1


def test_questions_per_attempt_must_be_at_least_one() -> None:
    problem = only(edit("questions_per_attempt: 3", "questions_per_attempt: 0"))
    assert problem.message.startswith("questions_per_attempt must be at least 1")


def test_flag_must_be_true_or_false() -> None:
    problem = only(
        edit(
            "          correct: true\n          feedback: They feel",
            "          correct: maybe\n          feedback: They feel",
        )
    )
    assert problem.message.startswith("correct must be true or false")
    assert "(in option 1 of question sb-01)" in problem.message


def test_quoted_true_is_not_a_flag() -> None:
    problem = only(edit("      answer: true", "      answer: 'true'"))
    assert "answer must be true or false without quotes" in problem.message


def test_literal_typo_suggests_the_right_word() -> None:
    problem = only(edit("type: single", "type: singel"))
    assert problem.message.startswith("type must be one of: single, multiple, true_false")
    assert "did you mean 'single'?" in problem.message
    assert "question sb-01" in problem.message


def test_enum_typo_suggests_the_right_word() -> None:
    problem = only(edit("competency: foundations", "competency: empaty"))
    assert "competency must be one of:" in problem.message
    assert "did you mean 'empathy'?" in problem.message


@pytest.mark.parametrize(
    ("value", "reads_as"), [("Yes", "true/false"), ("42", "a number"), ("2024-01-01", "a date")]
)
def test_text_field_with_a_non_text_value_asks_for_quotes(value: str, reads_as: str) -> None:
    problem = only(edit("title: Sample basics", f"title: {value}"))
    assert problem.message == (
        f'title must be text; YAML reads {value} as {reads_as}, so put it in quotes: "{value}"'
    )


@pytest.mark.parametrize("prompt", ["''", "'   '", ""])
def test_empty_prompt(prompt: str) -> None:
    text = edit("prompt: A quick greeting matters even when you are busy.", f"prompt: {prompt}")
    problem = only(text)
    assert problem.message.startswith("prompt is empty")
    assert "(in question sb-03)" in problem.message
    assert problem.line == line_of(text, "      prompt:", 3)


def test_whitespace_only_option_text() -> None:
    problem = only(edit("        - text: Nodding", "        - text: '  '"))
    assert problem.message == "text is empty (in option 1 of question sb-02)"


def test_bad_question_id_pattern() -> None:
    problem = only(edit("id: sb-02", "id: SB 02"))
    assert "id 'SB 02' may contain only lowercase letters, digits and single hyphens" in (
        problem.message
    )


def test_question_that_is_not_a_mapping() -> None:
    text = edit("    - id: sb-03\n", "    - just a sentence\n    - id: sb-03\n")
    problem = only(text)
    assert problem.message.startswith("question 3 must be a group of fields (id, type,")
    assert problem.line == line_of(text, "just a sentence")


def test_empty_lesson_list() -> None:
    text = VALID[: VALID.index("lessons:")] + "lessons: []\n" + VALID[VALID.index("quiz:") :]
    assert only(text).message == "a module needs at least one lesson"


def test_quiz_that_is_text() -> None:
    problem = only(VALID[: VALID.index("quiz:")] + "quiz: soon\n")
    assert problem.message.startswith("quiz must be a group of fields (pass_mark,")


# --------------------------------------------------------------------------------------------
# semantic checks


def test_module_id_must_match_the_file_name() -> None:
    problem = only(VALID, "content/other-name.yaml")
    assert problem.message.startswith(
        "module id 'sample-basics' does not match the file name 'other-name.yaml'"
    )
    assert (problem.line, problem.column) == (2, 5)


def test_module_id_is_not_compared_without_a_file_name() -> None:
    assert check(VALID, "<text>") == []


def test_duplicate_question_id_points_at_the_second_and_names_the_first() -> None:
    text = edit("id: sb-03", "id: sb-01")
    problem = only(text)
    first = line_of(text, "id: sb-01")
    assert problem.message == f"duplicate question id sb-01 (first at line {first})"
    assert (problem.line, problem.column) == (line_of(text, "id: sb-01", 2), 11)


def test_single_without_a_correct_option() -> None:
    text = edit(
        "          correct: true\n          feedback: They feel", "          feedback: They feel"
    )
    problem = only(text)
    assert problem.message.startswith("question sb-01 has no correct option")
    assert problem.line == line_of(text, "      options:")


def test_single_with_two_correct_options() -> None:
    text = edit(
        "          feedback: They wait", "          correct: true\n          feedback: They wait"
    )
    problem = only(text)
    assert problem.message.startswith("question sb-01 is single but has 2 correct options")
    assert problem.line == line_of(text, "correct: true", 2)


def test_multiple_without_a_correct_option() -> None:
    text = VALID.replace(
        "        - text: Nodding\n          correct: true\n", "        - text: Nodding\n"
    )
    text = edit(
        "          correct: true\n          feedback: Shows you",
        "          feedback: Shows you",
        text,
    )
    assert only(text).message.startswith("question sb-02 has no correct option")


def test_multiple_without_a_wrong_option() -> None:
    text = edit(
        "        - text: Looking at your phone\n",
        "        - text: Looking at your phone\n          correct: true\n",
    )
    problem = only(text)
    assert problem.message.startswith("question sb-02 has no wrong option")


def test_true_false_without_answer() -> None:
    text = edit("      answer: true\n", "")
    problem = only(text)
    assert problem.message.startswith("question sb-03 is true_false but has no answer")
    assert problem.line == line_of(text, "id: sb-03")


def test_true_false_with_options() -> None:
    text = edit(
        "      answer: true\n",
        "      answer: true\n      options:\n"
        "        - text: It does\n        - text: It does not\n",
    )
    problem = only(text)
    assert problem.message.startswith(
        "question sb-03 is true_false, so it takes 'answer' and no options"
    )
    assert (problem.line, problem.column) == (line_of(text, "      options:", 3), 7)


def test_single_with_answer() -> None:
    text = edit(
        "      explanation: Acknowledge", "      answer: true\n      explanation: Acknowledge"
    )
    problem = only(text)
    assert problem.message.startswith(
        "question sb-01 is single, so it takes options and no 'answer'"
    )
    assert problem.line == line_of(text, "answer: true")


def test_single_without_options() -> None:
    start = VALID.index("      options:")
    end = VALID.index("      explanation: Acknowledge")
    problem = only(VALID[:start] + VALID[end:])
    assert problem.message == "question sb-01 has no options; a single question needs two or more"


def test_single_with_one_option() -> None:
    text = edit(
        "        - text: Finish the call and then look up.\n"
        "          feedback: They wait without knowing whether you have seen them.\n",
        "",
    )
    assert only(text).message.startswith("question sb-01 has only one option")


def test_duplicate_option_texts_ignore_case_and_spacing() -> None:
    text = edit(
        "Finish the call and then look up.", "nod and  smile so they know you have seen them."
    )
    problem = only(text)
    assert problem.message.startswith("question sb-01 has the same option text twice")
    assert f"(first at line {line_of(text, 'Nod and smile')})" in problem.message
    assert problem.line == line_of(text, "nod and  smile")


def test_questions_per_attempt_larger_than_the_pool() -> None:
    text = edit("questions_per_attempt: 3", "questions_per_attempt: 5")
    problem = only(text)
    assert problem.message.startswith(
        "questions_per_attempt is 5 but the quiz has only 3 questions"
    )
    assert problem.line == line_of(text, "questions_per_attempt")


def test_required_correct_is_the_rounded_up_share() -> None:
    assert required_correct(80, 8) == 7  # 6.4 rounds up
    assert required_correct(100, 8) == 8
    assert required_correct(1, 8) == 1
    assert all(required_correct(p, n) <= n for p in range(1, 101) for n in range(1, 40))


def test_several_problems_are_reported_together_in_line_order() -> None:
    text = edit("pass_mark: 80", "pass_mark: 0")
    text = edit("title: Sample basics", "titel: Sample basics", text)
    text = edit("id: sb-03", "id: sb-01", text)
    problems = check(text)
    assert len(problems) == 3
    assert [p.line for p in problems] == sorted(p.line for p in problems)


# --------------------------------------------------------------------------------------------
# YAML syntax and unreadable input


def test_tab_indentation() -> None:
    text = edit("  pass_mark: 80", "\tpass_mark: 80")
    problem = only(text)
    assert "tab character" in problem.message
    assert (problem.line, problem.column) == (line_of(text, "pass_mark"), 1)


def test_unclosed_quote_points_at_the_opening_quote() -> None:
    text = edit("summary: A tiny module used by the loader tests.", 'summary: "A tiny module')
    problem = only(text)
    assert problem.message.startswith('the quote " opened here is never closed')
    assert (problem.line, problem.column) == (line_of(text, "summary"), 10)


def test_colon_inside_unquoted_text() -> None:
    text = edit("summary: A tiny", "summary: Note: a tiny")
    problem = only(text)
    assert "put the whole text in quotes" in problem.message
    assert problem.line == line_of(text, "summary")


def test_bad_indentation() -> None:
    text = edit("  pass_mark: 80\n", "  pass_mark: 80\n questions_per_attempt: 3\n")
    text = edit("  questions_per_attempt: 3\n", "", text)
    problem = only(text)
    assert "indented" in problem.message
    assert problem.line == line_of(text, " questions_per_attempt")


def test_duplicate_key_in_a_mapping() -> None:
    text = edit("title: Sample basics\n", "title: Sample basics\ntitle: Again\n")
    problem = only(text)
    assert problem.message == "duplicate field 'title' (first at line 3)"
    assert (problem.line, problem.column) == (4, 1)


def test_second_document() -> None:
    problem = only(VALID + "---\nid: another\n")
    assert "a module file holds a single module" in problem.message


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    problem = only(text)
    assert problem.message.startswith("the file is empty")
    assert (problem.line, problem.column) == (1, 1)


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("hello\n", "a single value")]
)
def test_top_level_must_be_a_mapping(text: str, kind: str) -> None:
    assert only(text).message.endswith(f"but it is {kind}")


def test_undecodable_bytes_report_their_line() -> None:
    problem = only(b"id: x\ntitle: caf\xe9\n")
    assert problem.message.startswith("the file is not UTF-8 text")
    assert (problem.line, problem.column) == (2, 11)


def test_binary_data() -> None:
    assert "not a text file" in only(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").message


def test_control_character() -> None:
    problem = only("id: x\ntitle: a\x07b\n")
    assert "invisible character (U+0007)" in problem.message
    assert (problem.line, problem.column) == (2, 9)


def test_python_tags_are_refused() -> None:
    problem = only(edit("title: Sample basics", "title: !!python/object/apply:os.system [ls]"))
    assert "not allowed in content files" in problem.message


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    assert "nested too deeply" in only("[" * 5000 + "]" * 5000).message
    assert (
        "nested too deeply"
        in only("a:\n" + "".join(" " * i + "- \n" for i in range(1, 200))).message
    )


def test_recursive_alias() -> None:
    assert "nested too deeply" in only("a: &a [*a]\n").message


def test_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    problem = only("\n".join(lines) + "\n")
    assert "repeats too much through aliases" in problem.message


# Bound for the bomb tests: far above a correct loader's milliseconds on a loaded 2-core CI
# machine, far below the exponential time of a loader that expands merge keys.
GENEROUS = 5.0


def merge_bomb(levels: int) -> str:
    """Return a few hundred bytes whose merge keys ('<<') would expand to 2**levels pairs."""
    lines = ["a0: &a0 {x: 1}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nz: *a{levels}\n"


def test_merge_key_bomb_is_refused_in_well_under_a_second() -> None:
    text = merge_bomb(40)  # 2**40 merged pairs; the review's 19 levels took 55 s
    assert len(text) < 1500
    started = time.perf_counter()
    problem = only(text)
    assert time.perf_counter() - started < GENEROUS  # was minutes to hours before the fix
    assert problem.message == (
        "the file is too large or repeats too much through merge keys (<<: *name)"
    )
    assert (problem.line, problem.column) > (1, 1)
    assert str(problem).startswith(f"{PATH}:{problem.line}:{problem.column}: ")


def test_merge_key_bomb_of_non_mappings_is_refused() -> None:
    lines = ["a0: &a0 {<<: [1, 2]}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, 41)]
    started = time.perf_counter()
    problems = check("\n".join(lines) + "\n")
    assert time.perf_counter() - started < GENEROUS  # was minutes to hours before the fix
    assert any("repeats too much through merge keys" in p.message for p in problems)


def test_huge_integer() -> None:
    problem = only(edit("estimated_minutes: 5", "estimated_minutes: " + "9" * 5000))
    assert problem.message == "this number is far too long"


def test_oversized_text() -> None:
    problem = only("a: " + "x" * (MAX_FILE_BYTES + 1))
    assert problem.message.startswith("the file is too large")


def test_non_text_argument() -> None:
    assert only(12345).message == "the content must be text"  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# content version


def version_of(text: str) -> str:
    module, problems = load_module_text(text)
    assert module is not None, problems
    return content_version(module)


def test_content_version_is_sixteen_hex_digits() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", version_of(VALID))


def test_content_version_ignores_comments_layout_quoting_and_key_order() -> None:
    base = version_of(VALID)
    variants = [
        "# a new comment\n"
        + VALID.replace("title: Sample basics", "title: Sample basics   # note"),
        VALID.replace("\n  - title: Listening", "\n\n\n  - title: Listening"),
        VALID.replace("title: Sample basics", 'title: "Sample basics"'),
        VALID.replace(
            "title: Sample basics\ncompetency: foundations",
            "competency: foundations\ntitle: Sample basics",
        ),
        VALID.replace(
            "          feedback: They wait",
            "          correct: false\n          feedback: They wait",
        ),
        VALID.replace("title: Sample basics", "title: '  Sample basics  '"),
    ]
    for variant in variants:
        assert variant != VALID
        assert version_of(variant) == base


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Sample basics", "title: Sample basics 2"),
        ("Nod and smile", "Nod and wave"),
        ("pass_mark: 80", "pass_mark: 70"),
        ("answer: true", "answer: false"),
    ],
)
def test_content_version_changes_with_the_content(old: str, new: str) -> None:
    assert version_of(edit(old, new)) != version_of(VALID)


# --------------------------------------------------------------------------------------------
# folders


def test_folder_with_one_broken_file_still_loads_the_others() -> None:
    content = load_content_dir(FIXTURES / "mixed")
    assert list(content.modules) == ["sample-basics"]
    loaded = content.modules["sample-basics"]
    assert loaded.path.name == "sample-basics.yaml"
    assert loaded.version == content_version(loaded.module)
    assert loaded.text == (FIXTURES / "mixed" / "sample-basics.yaml").read_text(encoding="utf-8")
    assert {Path(p.path).name for p in content.problems} == {
        "broken-rules.yaml",
        "broken-syntax.yaml",
    }
    assert [f.name for f in content.files] == [
        "broken-rules.yaml",
        "broken-syntax.yaml",
        "sample-basics.yaml",
    ]
    assert not content.ok
    assert content.question_count == 3


def test_folder_skips_underscore_files_and_other_extensions() -> None:
    content = load_content_dir(FIXTURES / "mixed")
    names = {Path(p.path).name for p in content.problems} | {f.name for f in content.files}
    assert "_draft.yaml" not in names and "notes.txt" not in names


def test_duplicate_module_ids_across_files() -> None:
    content = load_content_dir(FIXTURES / "dupes")
    assert list(content.modules) == ["sample-basics"]
    assert content.modules["sample-basics"].path.name == "sample-basics.yaml"
    [problem] = content.problems
    assert problem.path.endswith("sample-basics.yml")
    assert problem.message.startswith(
        "module id 'sample-basics' is already used by sample-basics.yaml"
    )
    assert (problem.line, problem.column) == (2, 5)


def test_valid_folder_is_ok() -> None:
    content = load_content_dir(FIXTURES / "valid")
    assert content.ok and list(content.modules) == ["sample-basics"]


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = load_content_dir(tmp_path / "nope")
    assert content.modules == {}
    assert "cannot read the folder" in content.problems[0].message


def test_yml_extension_and_file_size_limit(tmp_path: Path) -> None:
    (tmp_path / "sample-basics.yml").write_text(VALID, encoding="utf-8")
    (tmp_path / "big.yaml").write_text("a: " + "x" * (MAX_FILE_BYTES + 10), encoding="utf-8")
    content = load_content_dir(tmp_path)
    assert list(content.modules) == ["sample-basics"]
    [problem] = content.problems
    assert problem.path.endswith("big.yaml") and "too large" in problem.message


# --------------------------------------------------------------------------------------------
# the package: old names, positions returned, a second content kind


def test_every_name_of_the_single_file_loader_is_still_importable() -> None:
    import training.loader as loader

    old_names = [
        "MAX_FILE_BYTES",
        "MAX_DEPTH",
        "MAX_NODES",
        "Loc",
        "_MAP_TAG",
        "_SEQ_TAG",
        "_MERGE_TAG",
        "_NULL_TAG",
        "Problem",
        "LoadedModule",
        "ContentSet",
        "load_module_text",
        "load_module_file",
        "module_files",
        "load_content_dir",
        "content_version",
        "_Pos",
        "_Result",
        "_load_file",
        "_load",
        "_load_unguarded",
        "_too_large_message",
        "_decode",
        "_compose",
        "_flow_nesting_beyond",
        "_LINE_BREAK",
        "_line_col",
        "_QUOTE_HINT",
        "_yaml_error",
        "_quote_at",
        "_line_text",
        "_after_closing_quote",
        "_Abort",
        "_MERGE_WHAT",
        "_Builder",
        "_tag_name",
        "_one_line",
        "_short",
        "_unwrap",
        "_item_annotation",
        "_model_at",
        "_field_info",
        "_allowed_values",
        "_bounds",
        "_get",
        "_question_label",
        "_describe",
        "_context",
        "_kind",
        "_got",
        "_as_int",
        "_walk_models",
        "_check_types",
        "_validate",
        "_pydantic_message",
        "_suggestion",
        "_unknown_field",
        "_check_semantics",
        "_check_module_id",
        "_check_question",
        "_check_options",
        "_check_quiz_size",
        "required_correct",
        "_fill_placeholders",
        "_placeholder_position",
    ]
    assert [name for name in old_names if not hasattr(loader, name)] == []
    module, problems = loader._load(VALID, PATH).module, loader._load_file(VALID_FILE).problems
    assert module is not None and problems == []


def test_the_old_private_helpers_still_work_when_called_the_old_way() -> None:
    """Code written against the single-file loader called these for modules, without a kind."""
    import yaml

    import training.loader as loader
    from training.models import Quiz

    assert loader._load_unguarded(VALID, PATH, None).module is not None
    assert loader._model_at(("quiz",)) is Quiz
    assert loader._field_info(("quiz", "pass_mark")) is Quiz.model_fields["pass_mark"]
    assert loader._suggestion("titel", ()) == "title"
    assert loader._unknown_field("titel", ()) == "unknown field 'titel' -- did you mean 'title'?"
    data = yaml.safe_load(VALID)
    assert ("quiz", "questions", 0, "id") in {loc for loc, _i, _v in loader._walk_models(data)}
    assert loader._context(("quiz", "questions", 1), data) == " (in question sb-02)"
    result = loader._Result(PATH)  # no kind: a module, as before
    assert isinstance(loader._validate(data, result), Module) and result.problems == []
    data["quiz"]["pass_mark"] = "eighty"
    loader._check_types(data, result)
    assert [p.message for p in result.problems] == [
        "pass_mark must be a whole number without quotes"  # no positions: no "(got ...)"
    ]


def test_load_module_source_returns_the_positions_of_every_value() -> None:
    from training.loader import load_module_source

    result = load_module_source(VALID, PATH)
    assert result.ok and result.value is not None
    assert result.position(("id",)) == (line_of(VALID, "id: sample-basics"), 5)
    second = ("quiz", "questions", 1, "id")
    assert result.position(second) == (line_of(VALID, "id: sb-02"), col_of(VALID, "sb-02"))
    # A key's own position, and the nearest existing ancestor for a path not in the file.
    assert result.position(("quiz",), key=True) == (line_of(VALID, "quiz:"), 1)
    assert result.position(("quiz", "no-such-field")) == result.position(("quiz",))
    assert result.data is not None and result.data["id"] == "sample-basics"


def test_a_content_folder_keeps_each_module_s_positions() -> None:
    content = load_content_dir(FIXTURES / "valid")
    loaded = content.modules["sample-basics"]
    assert loaded.positions.at(("id",)) == (line_of(VALID, "id: sample-basics"), 5)


def test_a_second_content_kind_gets_positions_messages_and_its_own_checks() -> None:
    """The generic entry point: another pydantic model, its own check, path:line:column."""
    from typing import Literal

    from pydantic import BaseModel, ConfigDict

    from training.loader import ContentKind, LoadResult, load_yaml

    class Step(BaseModel):
        model_config = ConfigDict(extra="forbid")
        text: str
        weight: int = 1

    class Checklist(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str
        level: Literal["basic", "advanced"]
        steps: list[Step]

    def no_repeated_steps(data: dict, result: LoadResult) -> None:
        seen: set[str] = set()
        for i, step in enumerate(data.get("steps") or []):
            text = step.get("text") if isinstance(step, dict) else None
            if text in seen:
                result.add_at(("steps", i, "text"), f"step '{text}' is listed twice")
            seen.add(text)

    kind = ContentKind(
        model=Checklist,
        noun="checklist",
        empty_message="the file is empty; a checklist needs id, level and steps",
        checks=(no_repeated_steps,),
        placeholders=False,
    )
    good = "id: greet\nlevel: basic\nsteps:\n  - text: Smile\n  - text: Greet\n    weight: 2\n"
    result = load_yaml(good, "observations/greet.yaml", kind)
    assert result.ok and isinstance(result.value, Checklist)
    assert result.value.steps[1].weight == 2
    assert result.position(("steps", 1, "weight")) == (6, 13)

    bad = (
        "id: greet\nlevel: basik\nsteps:\n  - text: Smile\n  - text: Smile\n"
        "    wieght: 2\n  - text: Wave\n    weight: yes\n"
    )
    result = load_yaml(bad, "observations/greet.yaml", kind)
    assert result.value is None
    assert [str(p) for p in result.problems] == [
        "observations/greet.yaml:2:8: level must be one of: basic, advanced (got basik)"
        " -- did you mean 'basic'?",
        "observations/greet.yaml:5:11: step 'Smile' is listed twice",
        "observations/greet.yaml:6:5: unknown field 'wieght' -- did you mean 'weight'?",
        "observations/greet.yaml:8:13: weight must be a whole number (got yes)"
        " (in item 3 of steps of the file)",
    ]
    assert [str(p) for p in load_yaml("", "observations/x.yaml", kind).problems] == [
        "observations/x.yaml:1:1: the file is empty; a checklist needs id, level and steps"
    ]
    two_documents = load_yaml(good + "---\nid: other\n", "observations/greet.yaml", kind)
    assert "a checklist file holds a single checklist" in two_documents.problems[0].message
