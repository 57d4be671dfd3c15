"""GIFT (Moodle's plain-text question format): import into modules and export from them.

`parse_gift` reads GIFT the way Moodle's importer (``question/format/gift/format.php``) does:
questions are separated by blank lines, ``//`` lines are comments, ``::title::`` names a
question, ``{...}`` holds the answers and backslash escapes ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``.
It keeps the question types the content format has (single and multiple choice, true/false)
and reports everything else as a `GiftNote` with its line number instead of raising.

`module_from_gift` turns the parsed questions into a valid `Module`, `module_to_yaml` writes it
as a content file, and `export_gift` writes a module back as GIFT Moodle can import.
`import_gift` does all three for the studio and the command line, within `MAX_GIFT_BYTES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from training.loader import MAX_FILE_BYTES
from training.models import KEBAB_ID, Lesson, Module, Question, Quiz

QuestionType = Literal["single", "multiple", "true_false"]

# A question bank for one module is tens to a few hundred questions (5-60 kB of GIFT). The
# module it becomes must fit the loader's file limit, and short GIFT questions grow up to
# four times as YAML, so much larger texts could never be saved; refusing them up front keeps
# a pasted 12 MB text from costing minutes and gigabytes.
MAX_GIFT_BYTES = 128_000

# Escaped control characters become Unicode noncharacters (reserved for internal use) while the
# structure is parsed, as Moodle's importer does with its "&&058;" placeholders.
_ESCAPABLE = ":#={}~n\\"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPABLE)}
_UNESCAPE = str.maketrans({ph: ("\n" if c == "n" else c) for c, ph in _PLACEHOLDER.items()})
_STRIP_PLACEHOLDERS = str.maketrans(dict.fromkeys(_PLACEHOLDER.values()))
_FORMATS = ("moodle", "html", "plain", "markdown")
# Moodle's own pattern: a weight is one or two digits, optional decimals, between percent signs.
_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_BLANK_LABEL = "(untitled)"


@dataclass
class GiftNote:
    """Something in the GIFT text that was skipped or changed on import."""

    line: int
    title: str
    message: str


@dataclass
class GiftOption:
    """One answer of a choice question; `weight` is the GIFT percent (100 for =, 0 for ~)."""

    text: str
    correct: bool
    feedback: str | None = None
    weight: float = 0.0


@dataclass
class GiftQuestion:
    """One supported question as read from GIFT."""

    line: int
    title: str | None
    prompt: str
    type: QuestionType
    options: list[GiftOption] = field(default_factory=list)
    answer: bool | None = None
    feedback_right: str | None = None
    feedback_wrong: str | None = None
    general_feedback: str | None = None
    text_format: str = "moodle"


@dataclass
class GiftResult:
    """The supported questions of a GIFT text and notes on everything skipped or changed."""

    questions: list[GiftQuestion] = field(default_factory=list)
    notes: list[GiftNote] = field(default_factory=list)


def _escape_pre(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append(_PLACEHOLDER[text[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _unescape(text: str) -> str:
    return text.translate(_UNESCAPE)


def _with_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading [format] marker off a text; return (text, format)."""
    text = text.strip()
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt = text[1:end]
            text = text[end + 1 :]
    return _unescape(text).strip(), fmt


def _excerpt(text: str, limit: int = 40) -> str:
    flat = " ".join(_unescape(text).split())
    if not flat:
        return _BLANK_LABEL
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _format_weight(weight: float) -> str:
    return f"{weight:.5f}".rstrip("0").rstrip(".")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split GIFT text into question blocks at blank lines, dropping // comment lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    # Only \n, \r\n and \r end a line, as in Moodle (str.splitlines knows many more).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            if current:
                blocks.append((start, current))
            current = []
            continue
        if line.startswith("//"):
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def parse_gift(text: str) -> GiftResult:
    """Parse GIFT text into supported questions and notes; never raise on bad input."""
    result = GiftResult()
    text = text.lstrip("\ufeff").translate(_STRIP_PLACEHOLDERS)
    for line, lines in _blocks(text):
        try:
            _parse_block(line, "\n".join(lines), result)
        except Exception as exc:  # a malformed block must never stop the rest of an import
            result.notes.append(
                GiftNote(line, _excerpt(lines[0]), f"could not be read ({exc}); skipped")
            )
    return result


def _parse_block(line: int, block: str, result: GiftResult) -> None:
    text = _escape_pre(block.strip())
    if text.startswith("$CATEGORY:"):
        category = _unescape(text[len("$CATEGORY:") :]).strip()
        result.notes.append(GiftNote(line, category, f"category '{category}' ignored"))
        return

    title: str | None = None
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end != -1:
            title = _unescape(text[:end]).strip() or None
            text = text[end + 2 :].strip()

    label = title or _excerpt(_with_format(text, "moodle")[0])

    def note(message: str) -> None:
        result.notes.append(GiftNote(line, label, message))

    start, finish = text.find("{"), text.find("}")
    if start == -1 and finish == -1:
        note("description (text without an answer block) is not supported; skipped")
        return
    if start == -1 or finish == -1 or finish < start:
        note("unbalanced braces: a question needs one {...} answer block; skipped")
        return

    answers = text[start + 1 : finish].strip()
    after = text[finish + 1 :].strip()
    prompt, fmt = _with_format(text[:start], "moodle")
    if not title:
        label = _excerpt(f"{prompt} _____ {after}" if after else prompt)
    general: str | None = None
    separator = answers.rfind("####")
    if separator != -1:
        general = _with_format(answers[separator + 4 :], fmt)[0] or None
        answers = answers[:separator].strip()

    kind = _kind(answers)
    if kind in _UNSUPPORTED:
        note(f"{_UNSUPPORTED[kind]} is not supported; skipped")
        return
    if any(c.isalnum() for c in after):
        note("missing-word question (text after the answer block) is not supported; skipped")
        return
    if after:
        note(f"ignored stray text '{_unescape(after)}' after the answer block")

    question = GiftQuestion(
        line, title, prompt, "single", general_feedback=general, text_format=fmt
    )
    if kind == "true_false":
        _fill_true_false(question, answers)
    else:
        _fill_choice(question, answers, note)
    html = [question.prompt] + [o.text for o in question.options]
    if fmt == "html" and any("<" in t for t in html):
        note("HTML kept as written; the app shows tags as plain text, so rewrite them in Markdown")
    result.questions.append(question)


_UNSUPPORTED = {
    "essay": "essay question (empty answer block)",
    "numerical": "numerical question",
    "matching": "matching question",
    "short_answer": "short-answer question",
}


def _kind(answers: str) -> str:
    """Return the question type as Moodle's importer decides it from the answer block."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "choice"
    if "=" in answers and "->" in answers:
        return "matching"
    check = answers
    if answers.find("#") > 0:
        check = answers[: answers.find("#")].strip()
    return "true_false" if check in _TRUE_FALSE else "short_answer"


def _fill_true_false(question: GiftQuestion, answers: str) -> None:
    bits = answers.split("#", 2)
    question.type = "true_false"
    question.answer = _TRUE_FALSE.get(bits[0].strip(), False)
    # Moodle's order: {TRUE#shown for a wrong answer#shown for a right answer}.
    if len(bits) > 1:
        question.feedback_wrong = _with_format(bits[1], question.text_format)[0] or None
    if len(bits) > 2:
        question.feedback_right = _with_format(bits[2], question.text_format)[0] or None


def _fill_choice(question: GiftQuestion, answers: str, note: Callable[[str], None]) -> None:
    single = "=" in answers
    question.type = "single" if single else "multiple"
    parts = answers.replace("=", "~=").split("~")
    if parts and not parts[0].strip():
        parts = parts[1:]
    for raw in parts:
        part = raw.strip()
        weight = 0.0
        weight_text: str | None = None
        if part.startswith("="):
            weight = 100.0
            part = part[1:]
        elif _WEIGHT.match(part):
            end = part.index("%", 1)
            weight_text = part[1:end]
            part = part[end + 1 :]
            try:
                weight = float(weight_text)
            except ValueError:
                note(f"weight '%{weight_text}%' not understood; option treated as wrong")
                weight_text = None
        answer, _, feedback = part.partition("#")
        option_text = _with_format(answer, question.text_format)[0]
        option_feedback = _with_format(feedback, question.text_format)[0] or None
        if not option_text:
            note("an answer with no text was ignored")
            continue
        correct = weight == 100 if single else weight > 0
        if weight_text is not None and weight not in (0.0, 100.0):
            where = f"weight {_format_weight(weight)}% on option '{_excerpt(option_text)}'"
            if weight < 0:
                note(f"{where} treated as wrong")
            elif single:
                note(f"{where} treated as wrong: a single-answer question keeps only its = answer")
            else:
                note(f"{where} treated as correct")
        question.options.append(GiftOption(option_text, correct, option_feedback, weight))


def _question_problem(q: GiftQuestion) -> str | None:
    """Return why a parsed question cannot become a valid content question, or None."""
    if not q.prompt:
        return "has no question text"
    if q.type == "true_false":
        return None
    correct = sum(o.correct for o in q.options)
    if len(q.options) < 2:
        return f"has {len(q.options)} answer(s); a choice question needs at least two"
    if q.type == "single" and correct != 1:
        return f"has {correct} right answers; a single-answer question needs exactly one"
    if q.type == "multiple" and correct < 1:
        return "has no right answer (no positive weight)"
    if q.type == "multiple" and correct == len(q.options):
        return "has no wrong answer; a multiple-answer question needs at least one"
    seen: set[str] = set()
    for option in q.options:
        normal = " ".join(option.text.split()).casefold()
        if normal in seen:
            return f"has the answer '{_excerpt(option.text)}' twice"
        seen.add(normal)
    return None


def _to_question(q: GiftQuestion, qid: str, notes: list[GiftNote]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": qid, "type": q.type, "prompt": q.prompt}
    label = q.title or _excerpt(q.prompt)
    if q.type == "true_false":
        data["answer"] = q.answer
        explanation = q.general_feedback or q.feedback_wrong or q.feedback_right
        dropped = [
            name
            for name, text in (("wrong", q.feedback_wrong), ("right", q.feedback_right))
            if text and text != explanation
        ]
        if dropped:
            notes.append(
                GiftNote(
                    q.line,
                    label,
                    f"feedback for a {' and a '.join(dropped)} answer dropped: a true/false "
                    "question keeps only its explanation",
                )
            )
    else:
        data["options"] = [
            {"text": o.text, "correct": o.correct, "feedback": o.feedback} for o in q.options
        ]
        explanation = q.general_feedback
    data["explanation"] = explanation
    return data


def module_from_gift(
    result: GiftResult,
    *,
    id: str,
    title: str,
    competency: str,
    summary: str | None = None,
    estimated_minutes: int | None = None,
) -> tuple[Module, list[GiftNote]]:
    """Build a valid module from parsed GIFT; return it with the parse notes and its own.

    Questions get ids `<id>-01`, `<id>-02`, ... in file order; a question the content checks
    would refuse (no text, fewer than two options, no right answer, several for single, no
    wrong one for multiple, the same answer twice) is left out with a note. The module gets
    one placeholder lesson, pass mark 80, and by default one minute per question (at least 5).
    Raises ValueError when no question survives or the module fields themselves are invalid.
    """
    if not re.fullmatch(KEBAB_ID, id) or len(id) > 60:
        raise ValueError(f"module id {id!r} must be lowercase kebab-case, at most 60 characters")
    notes = list(result.notes)
    questions: list[Question] = []
    for q in result.questions:
        label = q.title or _excerpt(q.prompt)
        problem = _question_problem(q)
        if problem:
            notes.append(GiftNote(q.line, label, f"{problem}; skipped"))
            continue
        qid = f"{id}-{len(questions) + 1:02d}"
        try:
            questions.append(Question.model_validate(_to_question(q, qid, notes)))
        except ValidationError as exc:
            errors = "; ".join(e["msg"] for e in exc.errors())
            notes.append(GiftNote(q.line, label, f"not a valid question ({errors}); skipped"))
    if not questions:
        raise ValueError("the GIFT text has no question this app supports")
    count = len(questions)
    lesson = Lesson(
        title="Lesson to be written",
        body=(
            f"This module was imported from GIFT with {count} question"
            f"{'' if count == 1 else 's'} and no lesson. Replace this placeholder with a real "
            "lesson that teaches what the quiz asks: every module needs at least one lesson."
        ),
    )
    module = Module(
        id=id,
        title=title,
        competency=competency,
        summary=summary or f"Imported from GIFT ({count} question{'' if count == 1 else 's'}).",
        estimated_minutes=estimated_minutes or min(600, max(5, count)),
        lessons=[lesson],
        quiz=Quiz(pass_mark=80, questions=questions),
    )
    return module, notes


class _YamlDumper(yaml.SafeDumper):
    """Indent list items under their key, as the authoring guide shows them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value:
        style = "|"
    elif len(value) > 80:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_YamlDumper.add_representer(str, _str_representer)


def _clean(data: Any) -> Any:
    """Drop what the authoring guide leaves out: wrong-option flags and empty key points."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if (key == "correct" and value is False) or (key == "key_points" and not value):
                continue
            out[key] = _clean(value)
        return out
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


# libyaml reads back the written text ten times faster than the pure-Python loader.
_FastSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def module_to_yaml(module: Module) -> str:
    """Return the module as a readable content file (YAML, keys in model order)."""
    data = _clean(module.model_dump(mode="json", exclude_none=True))
    text = yaml.dump(
        data, Dumper=_YamlDumper, sort_keys=False, allow_unicode=True, width=88, indent=2
    )
    # Guards against an emitter quirk: the file must read back as exactly this data.
    if yaml.load(text, Loader=_FastSafeLoader) != data:  # pragma: no cover
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return "# yaml-language-server: $schema=_schema.json\n" + text


def gift_size_problem(size: int) -> str | None:
    """Return why a GIFT text of `size` bytes is refused, or None when it may be imported."""
    if size <= MAX_GIFT_BYTES:
        return None
    return (
        f"the GIFT text is too large ({size:,} bytes; the limit is {MAX_GIFT_BYTES:,}); "
        "split it into several files, one per module"
    )


@dataclass
class GiftImport:
    """A GIFT text turned into a module file, or the reason it cannot be (`error`)."""

    module: Module | None
    text: str | None
    notes: list[GiftNote]
    error: str | None = None


def import_gift(
    source: str,
    *,
    id: str,
    title: str,
    competency: str,
    summary: str | None = None,
) -> GiftImport:
    """Parse GIFT text and build the module and its YAML; refuse texts beyond MAX_GIFT_BYTES."""
    problem = gift_size_problem(len(source.encode("utf-8", errors="replace")))
    if problem:
        return GiftImport(None, None, [], problem)
    result = parse_gift(source)
    try:
        module, notes = module_from_gift(
            result, id=id, title=title, competency=competency, summary=summary
        )
    except ValueError as exc:
        return GiftImport(None, None, list(result.notes), str(exc))
    text = module_to_yaml(module)
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        return GiftImport(
            None,
            None,
            notes,
            f"the module would be {size:,} bytes, more than a module file may hold "
            f"({MAX_FILE_BYTES:,}); split the GIFT text into several modules",
        )
    return GiftImport(module, text, notes)


def _escape(text: str) -> str:
    """Escape GIFT control characters and line breaks, as Moodle's exporter does."""
    out = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\r", "").replace("\n", "\\n")


def _escape_part(text: str) -> str:
    # A text that starts with "[" would lose a "[markdown]"-like start to the format marker.
    return ("[markdown]" if text.startswith("[") else "") + _escape(text)


def export_gift(module: Module) -> str:
    """Return the module's questions as GIFT text that Moodle can import.

    Titles are the question ids and question text is marked [markdown]; the scenario goes above
    the prompt. single: = right, ~ wrong; multiple: each right option gets 100/k percent and
    each wrong one -100/w (Moodle accepts these for up to ten of each); true_false: {TRUE} or
    {FALSE}. Option feedback follows #, the explanation #### (general feedback).
    """
    title = " ".join(module.title.split())
    out = [f"// {title} ({module.id}): exported from the training app", ""]
    for q in module.quiz.questions:
        prompt = f"{q.scenario}\n\n{q.prompt}" if q.scenario else q.prompt
        head = f"::{_escape(q.id)}::[markdown]{_escape(prompt)}"
        general = f"####{_escape_part(q.explanation)}" if q.explanation else ""
        if q.type == "true_false":
            if q.answer is None:
                out += [f"// {q.id} skipped: a true_false question without an answer", ""]
                continue
            out += [head + "{" + ("TRUE" if q.answer else "FALSE") + general + "}", ""]
            continue
        options = q.options or []
        if len(options) < 2:
            out += [f"// {q.id} skipped: fewer than two options", ""]
            continue
        right = sum(o.correct for o in options)
        wrong = len(options) - right
        out.append(head + "{")
        for option in options:
            if q.type == "single":
                mark = "=" if option.correct else "~"
            elif option.correct:
                mark = f"~%{_format_weight(100 / right)}%"
            else:
                mark = f"~%{_format_weight(-100 / wrong)}%"
            feedback = f"#{_escape_part(option.feedback)}" if option.feedback else ""
            out.append(f"\t{mark}{_escape_part(option.text)}{feedback}")
        if general:
            out.append(f"\t{general}")
        out += ["}", ""]
    return "\n".join(out)
