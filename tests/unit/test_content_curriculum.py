"""The shipped curriculum in content/: valid, complete, and written to the house rules."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from training.lint import lint_dir
from training.loader import ContentSet, load_content_dir, module_files
from training.models import CUSTOMER_NEEDS, Module

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
FILES = module_files(CONTENT) if CONTENT.is_dir() else []
BIG_MODULES = {"empathy", "prompt-attention", "respectful-treatment"}
ABOVE = re.compile(r"\b(all|none|both|neither)\s+of\s+the\s+above\b", re.IGNORECASE)


@cache
def curriculum() -> ContentSet:
    return load_content_dir(CONTENT)


def module_of(path: Path) -> Module:
    loaded = curriculum().modules.get(path.stem)
    if loaded is None:
        problems = [str(p) for p in curriculum().problems if Path(p.path).name == path.name]
        pytest.fail(f"{path.name} does not load: {problems}")
    return loaded.module


def test_every_content_file_is_valid() -> None:
    problems = "\n".join(str(p) for p in curriculum().problems)
    assert not problems, f"content problems:\n{problems}"


def test_curriculum_size() -> None:
    content = curriculum()
    assert len(content.modules) >= 13
    assert content.question_count >= 220


def test_every_customer_need_has_a_module() -> None:
    covered = {loaded.module.competency for loaded in curriculum().modules.values()}
    assert set(CUSTOMER_NEEDS) <= covered


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_matches_the_json_schema(path: Path) -> None:
    schema = json.loads((CONTENT / "_schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft202012Validator(schema).iter_errors(data)
    ]
    assert not errors, errors


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pool_size(path: Path) -> None:
    module = module_of(path)
    minimum = 15 if module.id in BIG_MODULES else 10
    assert len(module.quiz.questions) >= minimum


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_two_to_five_lessons(path: Path) -> None:
    assert 2 <= len(module_of(path).lessons) <= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_question_is_explained_and_every_option_has_feedback(path: Path) -> None:
    module = module_of(path)
    missing = [q.id for q in module.quiz.questions if not (q.explanation or "").strip()]
    assert not missing, f"questions without an explanation: {missing}"
    no_feedback = [
        f"{q.id} option {n}"
        for q in module.quiz.questions
        for n, option in enumerate(q.options or [], start=1)
        if not (option.feedback or "").strip()
    ]
    assert not no_feedback, f"options without feedback: {no_feedback}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_all_or_none_of_the_above(path: Path) -> None:
    offenders = [
        f"{q.id}: {option.text}"
        for q in module_of(path).quiz.questions
        for option in q.options or []
        if ABOVE.search(option.text)
    ]
    assert not offenders


def test_the_big_three_modules_exist() -> None:
    assert set(curriculum().modules) >= BIG_MODULES


def test_the_curriculum_passes_the_item_writing_check() -> None:
    warnings = "\n".join(str(w) for w in lint_dir(CONTENT))
    assert not warnings, f"lint warnings:\n{warnings}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_quiz_settings_follow_the_documented_policy(path: Path) -> None:
    """content/README.md section 15: on_pass, no attempt limit, pool >= 2x draw, 80%."""
    quiz = module_of(path).quiz
    assert quiz.feedback == "on_pass"
    assert quiz.max_attempts is None
    assert quiz.pass_mark == 80
    assert quiz.questions_per_attempt is not None
    assert len(quiz.questions) >= 2 * quiz.questions_per_attempt


def test_authority_dependent_keys_name_the_limit() -> None:
    """A right answer that refunds or waives a charge says it is within the refund limit."""
    offenders = []
    for loaded in curriculum().modules.values():
        for question in loaded.module.quiz.questions:
            for option in question.options or []:
                text = option.text.lower()
                discretionary = re.search(
                    r"\b(refund the difference|remove the .* charge|waive)", text
                )
                if option.correct and discretionary and "within your authority" not in text:
                    offenders.append(f"{question.id}: {option.text}")
    assert not offenders
