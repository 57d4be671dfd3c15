"""The module rules a type cannot express, and how places in a module are named for people.

One right option per single-choice question, unique question ids and option texts, a pass
mark an attempt can reach, the id matching the file name. Each check reads the plain data
and reports at the position of the place it is about; anything malformed is left to the
field checks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from training.loader.positions import LoadResult, Loc, _short
from training.loader.pydantic_errors import _get
from training.models import KEBAB_ID

_Result = LoadResult


def entry_label(data: Any, loc: tuple[str, int] | tuple[str, str, int], noun: str) -> str:
    """Name the list entry at loc: "<noun> <its id>", or "<noun> <number>" when it has none."""
    entry = _get(data, loc)
    ident = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(ident, str) and ident.strip():
        return f"{noun} {_short(ident.strip())}"
    return f"{noun} {loc[-1] + 1}"


def _question_label(data: Any, index: int) -> str:
    return entry_label(data, ("quiz", "questions", index), "question")


def _describe(loc: Loc, data: Any) -> str:
    """Name the place at loc in words: 'option 2 of question emp-03', 'lesson 1', ..."""
    match loc:
        case ():
            return "the module"
        case ("quiz",):
            return "the quiz"
        case ("quiz", "questions"):
            return "the question list"
        case ("quiz", "questions", int(i)):
            return _question_label(data, i)
        case ("quiz", "questions", int(i), "options"):
            return f"the options of {_question_label(data, i)}"
        case ("quiz", "questions", int(i), "options", int(j)):
            return f"option {j + 1} of {_question_label(data, i)}"
        case ("lessons",):
            return "the lesson list"
        case ("lessons", int(i)):
            return f"lesson {i + 1}"
        case ("lessons", int(i), "key_points", int(j)):
            return f"key point {j + 1} of lesson {i + 1}"
    parent = _describe(loc[:-1], data)
    last = loc[-1]
    return (
        f"item {last + 1} of {parent}" if isinstance(last, int) else f"{_short(last)} of {parent}"
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def check_unique_id(
    entry: dict[str, Any], loc: Loc, noun: str, first_line: dict[str, int], result: LoadResult
) -> None:
    """Report the id of the list entry at loc when an earlier entry has it; else remember it.

    first_line maps each id seen so far in the list to the line it is on.
    """
    ident = entry.get("id")
    if not isinstance(ident, str) or not ident.strip():
        return  # missing or not text: the field check says so
    key = ident.strip()
    line, _ = result.position((*loc, "id"))
    if key in first_line:
        result.add_at(
            (*loc, "id"), f"duplicate {noun} id {_short(key)} (first at line {first_line[key]})"
        )
    else:
        first_line[key] = line


def _check_semantics(data: dict[str, Any], result: LoadResult) -> None:
    """Add the rules types cannot express; skip anything pydantic reports already."""
    _check_module_id(data, result)
    quiz = data.get("quiz")
    if not isinstance(quiz, dict):
        return
    questions = quiz.get("questions")
    if not isinstance(questions, list):
        return
    first_id_line: dict[str, int] = {}
    for index, question in enumerate(questions):
        if not isinstance(question, dict):
            continue
        loc: Loc = ("quiz", "questions", index)
        check_unique_id(question, loc, "question", first_id_line, result)
        _check_question(question, loc, data, result)
    _check_quiz_size(quiz, len(questions), result)


def _check_module_id(data: dict[str, Any], result: LoadResult) -> None:
    if result.path.startswith("<"):
        return
    module_id = data.get("id")
    stem = Path(result.path).stem
    if not isinstance(module_id, str) or not re.fullmatch(KEBAB_ID, module_id.strip()):
        return  # a malformed id is reported by the field check
    ident = module_id.strip()  # plain kebab-case here, safe to show in full
    if ident != stem:
        result.add_at(
            ("id",),
            f"{result.kind.noun if result.kind else 'module'} id '{ident}' does not match the "
            "file name "
            f"'{_short(Path(result.path).name)}'; rename the file to '{ident}.yaml' "
            "or change the id",
        )


def _check_question(question: dict[str, Any], loc: Loc, data: Any, result: LoadResult) -> None:
    label = _question_label(data, loc[-1])  # type: ignore[arg-type]
    kind = question.get("type")
    options = question.get("options")
    has_options = options is not None
    has_answer = question.get("answer") is not None
    if kind == "true_false":
        if not has_answer:
            result.add_at(
                loc,
                f"{label} is true_false but has no answer; add 'answer: true' or 'answer: false'",
            )
        if has_options:
            result.add_at(
                (*loc, "options"),
                f"{label} is true_false, so it takes 'answer' and no options; "
                "remove the options or change the type to single",
                key=True,
            )
        return
    if kind not in ("single", "multiple"):
        return
    if has_answer:
        result.add_at(
            (*loc, "answer"),
            f"{label} is {kind}, so it takes options and no 'answer' (that is for true_false); "
            "mark the right option with 'correct: true' instead",
            key=True,
        )
    if not has_options:
        result.add_at(loc, f"{label} has no options; a {kind} question needs two or more")
        return
    if not isinstance(options, list):
        return
    if len(options) < 2:
        many = "no options" if not options else "only one option"
        result.add_at((*loc, "options"), f"{label} has {many}; a {kind} question needs two or more")
    _check_options(options, kind, label, loc, result)


def _check_options(options: list[Any], kind: str, label: str, loc: Loc, result: LoadResult) -> None:
    flags: list[bool] = []
    correct_locs: list[Loc] = []
    first_text_line: dict[str, int] = {}
    uncertain = False
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            uncertain = True
            continue
        option_loc = (*loc, "options", j)
        value = option.get("correct")
        flag = False if value is None else value if isinstance(value, bool) else None
        if flag is None:
            uncertain = True
        else:
            flags.append(flag)
            if flag:
                correct_locs.append((*option_loc, "correct"))
        text = option.get("text")
        if isinstance(text, str) and text.strip():
            normal = " ".join(text.split()).casefold()
            line, _ = result.position((*option_loc, "text"))
            if normal in first_text_line:
                result.add_at(
                    (*option_loc, "text"),
                    f"{label} has the same option text twice: '{_short(text.strip())}' "
                    f"(first at line {first_text_line[normal]})",
                )
            else:
                first_text_line[normal] = line
    if uncertain or not options:
        return
    correct = sum(flags)
    if correct == 0:
        result.add_at(
            (*loc, "options"),
            f"{label} has no correct option; mark the right one with 'correct: true'",
            key=True,
        )
    elif kind == "single" and correct > 1:
        result.add_at(
            correct_locs[1],
            f"{label} is single but has {correct} correct options; keep exactly one, "
            "or change the type to multiple",
        )
    elif kind == "multiple" and correct == len(flags) and len(flags) >= 2:
        result.add_at(
            (*loc, "options"),
            f"{label} has no wrong option; a multiple question needs at least one option "
            "that is not correct",
            key=True,
        )


def _check_quiz_size(quiz: dict[str, Any], pool: int, result: LoadResult) -> None:
    per_attempt = _as_int(quiz.get("questions_per_attempt"))
    if per_attempt is not None and pool >= 1 and per_attempt > pool:
        result.add_at(
            ("quiz", "questions_per_attempt"),
            f"questions_per_attempt is {per_attempt} but the quiz has only {pool} "
            f"question{'s' if pool != 1 else ''}; lower it or add questions",
        )
        return
    pass_mark = _as_int(quiz.get("pass_mark", 80))
    drawn = per_attempt if per_attempt is not None else pool
    if pass_mark is None or not (1 <= pass_mark <= 100) or drawn < 1:
        return  # out-of-range values are reported by the field checks
    needed = required_correct(pass_mark, drawn)
    if needed > drawn:
        result.add_at(
            ("quiz", "pass_mark"),
            f"pass_mark {pass_mark} needs {needed} right answers but an attempt has only "
            f"{drawn} questions",
        )


def required_correct(pass_mark: int, questions: int) -> int:
    """Return how many of `questions` must be right to reach `pass_mark` percent."""
    return -(-pass_mark * questions // 100)
