"""Item-writing checks for a content folder: `python -m training lint [DIR] [--strict]`.

`validate` says whether a module can be loaded; `lint` says whether its questions measure what
they should. The checks follow Haladyna, Downing and Rodriguez's item-writing guidelines (2002)
and the test-wiseness literature (Millman, Bishop and Ebel, 1965): cues that let a learner who
knows nothing of the subject pick the key (specific determiners in true/false statements, a
key that is systematically the longest or shortest, reasons attached to wrong options, "all of
the above"), stems that trip readers (negatives), quizzes that invite harvesting answers (a
small pool), recall instead of transfer (a scenario copied from a lesson), and the polish that
makes a curriculum look careless (one name for several people, mixed styles, explanations that
name options that are not there).

Every finding is a `LintWarning`, printed as `path:line:column: warning: message`; each gives
the figure behind it. Biases of the key's length are judged against chance with scipy's
Poisson-binomial distribution (a binomial test that allows questions with different numbers of
options).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from scipy import stats

from training.loader import ContentSet, LoadedModule, Problem, load_content_dir
from training.models import Module, Question
from training.organisation import Organisation, read_organisation

__all__ = ["NAMES_FILE", "LintWarning", "lint_content", "lint_dir"]

NAMES_FILE = "_names.md"
SIGNIFICANCE = 0.05  # one-sided p-value below which a length bias is reported
MIN_POOL_FACTOR = 2  # the pool must be at least twice questions_per_attempt
REPEAT_RUN = 8  # words in a row shared by a scenario and a lesson
REPEAT_SHARE = 0.4  # share of a scenario's four-word sequences found in one lesson paragraph

ABSOLUTE = (
    "only",
    "every",
    "everyone",
    "everything",
    "all",
    "always",
    "never",
    "must",
    "whatever",
    "whenever",
    "none",
    "nothing",
    "nobody",
    "no one",
    "entirely",
    "completely",
    "totally",
    "absolutely",
    "guaranteed",
)
HEDGES = (
    "usually",
    "often",
    "sometimes",
    "generally",
    "may",
    "might",
    "typically",
    "probably",
    "mostly",
    "rarely",
    "seldom",
    "perhaps",
    "occasionally",
)
_ABSOLUTE = re.compile(r"\b(" + "|".join(ABSOLUTE) + r")\b", re.IGNORECASE)
_HEDGE = re.compile(r"\b(" + "|".join(HEDGES) + r")\b", re.IGNORECASE)
_JUSTIFY = re.compile(
    r"(\bbecause\b|,\s*since\b|\bso that\b|\bin order to\b|\bas otherwise\b|\bwhich is why\b"
    r"|,\s*as (?:it|they|he|she|the|this|that|you|we)\b)",
    re.IGNORECASE,
)
_PURPOSE = re.compile(
    r"\bso (?:you|they|he|she|we|the|nobody|it|I|your|their|his|her)\b"
    r"|\bto (?:avoid|save|keep|make sure|be safe)\b|\bin case\b",
    re.IGNORECASE,
)
_ABOVE = re.compile(r"\b(all|none|both|neither) of the (above|others|options|answers)\b", re.I)
_NEGATIVE = re.compile(r"\b(not|NOT|except|EXCEPT|least|never)\b|n't\b", re.IGNORECASE)
_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr)(\.?) ([A-Z][\w'’-]+)")
_TIME = re.compile(
    r"\b(\d{1,2})(?:([.:])(\d{2}))?(\s?)(a\.m\.|p\.m\.|am|pm|AM|PM|A\.M\.|P\.M\.)(?![\w])"
)
_CURRENCY = {
    "GBP": ("£", re.compile(r"[$€¥]|\b(USD|EUR|dollars?|euros?|cents?)\b")),
    "USD": ("$", re.compile(r"[£€¥]|\b(GBP|EUR|pounds?|euros?|pence)\b")),
    "EUR": ("€", re.compile(r"[£$¥]|\b(GBP|USD|pounds?|dollars?|pence)\b")),
}
_TIME_STYLE = {  # locale -> (pattern a time must match, how to write it)
    "en-GB": (re.compile(r"\d{1,2}(\.\d{2})?(am|pm)"), "9am, 3.30pm"),
    "en-US": (re.compile(r"\d{1,2}(:\d{2})? (a\.m\.|p\.m\.)"), "9 a.m., 3:30 p.m."),
}
_TITLE_DOT = {"en-GB": False, "en-US": True}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
}
_COUNTS = {"three": 3, "four": 4, "five": 5, "six": 6}
_OPTION_REF = re.compile(
    r"\b(?i:option|answer|choice)\s+\(?([A-H]|[1-8])\)?(?![\w'])"
    r"|\b(?i:the) (first|second|third|fourth|fifth|sixth) (?i:option|answer|choice)\b"
    r"|\b(both|all (?:three|four|five|six)) (?i:options|answers|choices)\b",
)
_WORD = re.compile(r"[a-z0-9£$€']+")


@dataclass(frozen=True, order=True)
class LintWarning(Problem):
    """One item-writing finding at a 1-based line and column (a Problem that does not block)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: warning: {self.message}"


# --------------------------------------------------------------------------------------------
# Public API


def lint_dir(directory: Path, content: ContentSet | None = None) -> list[LintWarning]:
    """Lint every valid module of a folder (invalid files are `validate`'s business).

    content is the folder as loaded already, when the caller has it (no second parse).
    """
    directory = Path(directory)
    if content is None:
        content = load_content_dir(directory)
    return lint_content(
        list(content.modules.values()),
        organisation=read_organisation(directory),
        names=read_names(directory / NAMES_FILE),
        folder=str(directory),
    )


def lint_content(
    modules: list[LoadedModule],
    *,
    organisation: Organisation | None = None,
    names: Iterable[str] = (),
    folder: str = ".",
) -> list[LintWarning]:
    """Run every check on the modules, per module and across the folder; sorted warnings."""
    organisation = organisation or Organisation()
    items = [_Item.of(m) for m in modules]
    found: list[LintWarning] = []
    tf = _true_false_figure(items)
    for item in items:
        found += _check_true_false(item, tf)
        found += _check_key_length(item)
        found += _check_justifying(item)
        found += _check_above(item)
        found += _check_negative(item)
        found += _check_pool(item)
        found += _check_repeats(item)
        found += _check_option_refs(item)
    found += _check_key_length_folder(items, folder)
    found += _check_names(items, set(names))
    found += _check_style(items, organisation)
    return sorted(set(found))


def read_names(path: Path) -> list[str]:
    """Return the names listed in a names file (lines '- Given Surname'); none if missing."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return []
    names = []
    for line in text.splitlines():
        match = re.fullmatch(r"\s*[-*]\s+([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)+)\s*", line)
        if match:
            names.append(match.group(1))
    return names


# --------------------------------------------------------------------------------------------
# Positions: the loaded module has none, so the file is composed again (it is valid YAML).


Loc = tuple[str | int, ...]


@dataclass
class _Item:
    loaded: LoadedModule
    positions: dict[Loc, tuple[int, int]]

    @classmethod
    def of(cls, loaded: LoadedModule) -> _Item:
        return cls(loaded, _positions(loaded.text))

    @property
    def module(self) -> Module:
        return self.loaded.module

    @property
    def path(self) -> str:
        return str(self.loaded.path)

    def at(self, loc: Loc, message: str) -> LintWarning:
        for n in range(len(loc), -1, -1):
            pos = self.positions.get(loc[:n])
            if pos is not None:
                return LintWarning(self.path, pos[0], pos[1], message)
        return LintWarning(self.path, 1, 1, message)

    def questions(self) -> Iterator[tuple[int, Question]]:
        yield from enumerate(self.module.quiz.questions)


def _positions(text: str) -> dict[Loc, tuple[int, int]]:
    positions: dict[Loc, tuple[int, int]] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return positions

    def walk(node: yaml.Node, loc: Loc) -> None:
        positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                walk(child, (*loc, i))

    if node is not None:
        walk(node, ())
    return positions


def _q(index: int, *rest: str | int) -> Loc:
    return ("quiz", "questions", index, *rest)


# --------------------------------------------------------------------------------------------
# True/false statements: specific determiners give the answer away


def _determiner(text: str) -> tuple[str, str] | None:
    found = _ABSOLUTE.search(text)
    if found:
        return "absolute", found.group(1).lower()
    found = _HEDGE.search(text)
    if found:
        return "hedging", found.group(1).lower()
    return None


def _true_false_figure(items: list[_Item]) -> str:
    """Describe how well 'absolute means false, hedged means true' scores in the folder."""
    total = right = 0
    for item in items:
        for _i, question in item.questions():
            if question.type != "true_false":
                continue
            total += 1
            kind = _determiner(question.prompt)
            guess = kind is None or kind[0] == "hedging"  # absolute -> false, else true
            right += guess == bool(question.answer)
    return f"the rule 'absolute means false, otherwise true' scores {right} of {total} here"


def _check_true_false(item: _Item, figure: str) -> list[LintWarning]:
    found = []
    for i, question in item.questions():
        if question.type != "true_false":
            continue
        kind = _determiner(question.prompt)
        if kind is None:
            continue
        leans = "false" if kind[0] == "absolute" else "true"
        found.append(
            item.at(
                _q(i, "prompt"),
                f"true/false statement {question.id} contains the {kind[0]} word '{kind[1]}', "
                f"which test-wise learners read as '{leans}' ({figure}); state it without "
                "such words or make it a single-choice question",
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# The key's length


def _length_ranks(question: Question) -> tuple[bool, bool, int] | None:
    """Return (key strictly longest, key strictly shortest, options) for a single question."""
    if question.type != "single" or not question.options or len(question.options) < 3:
        return None
    lengths = [len(o.text) for o in question.options]
    key = next(j for j, o in enumerate(question.options) if o.correct)
    others = lengths[:key] + lengths[key + 1 :]
    return lengths[key] > max(others), lengths[key] < min(others), len(lengths)


def _length_pairs(question: Question) -> tuple[int, int]:
    """Return (pairs where a correct option is longer, pairs of unequal length): each correct
    option against each wrong one."""
    options = question.options or []
    longer = total = 0
    for right in (o for o in options if o.correct):
        for wrong in (o for o in options if not o.correct):
            if len(right.text) != len(wrong.text):
                total += 1
                longer += len(right.text) > len(wrong.text)
    return longer, total


def _bias(questions: list[Question]) -> list[str]:
    """Describe each length bias of the key that chance explains badly (p < SIGNIFICANCE)."""
    ranks = [r for q in questions if (r := _length_ranks(q)) is not None]
    chance = [1 / k for _l, _s, k in ranks]
    found = []
    for which, index in (("longest", 0), ("shortest", 1)):
        count = sum(r[index] for r in ranks)
        if not count:
            continue
        p_value = float(stats.poisson_binom(chance).sf(count - 1))
        if p_value < SIGNIFICANCE:
            found.append(
                f"the correct option is the {which} in {count} of {len(ranks)} single-choice "
                f"questions (chance: {sum(chance):.1f}; one-sided p = {p_value:.3f})"
            )
    pairs = [_length_pairs(q) for q in questions]
    longer, total = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    if total:
        for which, alternative, count in (
            ("longer", "greater", longer),
            ("shorter", "less", longer),
        ):
            p_value = stats.binomtest(longer, total, 0.5, alternative=alternative).pvalue
            if p_value < SIGNIFICANCE:
                shown = count if which == "longer" else total - count
                found.append(
                    f"a correct option is {which} than a wrong one in {shown} of {total} "
                    f"comparisons (chance: half; binomial p = {p_value:.3f})"
                )
    return found


_LENGTH_ADVICE = (
    "; test-wise learners pick the option that differs in length, so vary which option is "
    "longest and keep options of one question about as long as each other"
)


def _check_key_length(item: _Item) -> list[LintWarning]:
    questions = [q for _i, q in item.questions()]
    return [item.at(("quiz", "questions"), f + _LENGTH_ADVICE) for f in _bias(questions)]


def _check_key_length_folder(items: list[_Item], folder: str) -> list[LintWarning]:
    questions = [q for item in items for _i, q in item.questions()]
    return [
        LintWarning(folder, 1, 1, "across the folder, " + f + _LENGTH_ADVICE)
        for f in _bias(questions)
    ]


# --------------------------------------------------------------------------------------------
# Options


def _choice_options(item: _Item) -> Iterator[tuple[int, Question, int, Any]]:
    for i, question in item.questions():
        for j, option in enumerate(question.options or []):
            yield i, question, j, option


def _check_justifying(item: _Item) -> list[LintWarning]:
    """Explicit reasons in wrong options always; purpose clauses when they lean to one side."""
    options = list(_choice_options(item))
    wrong = [o for o in options if not o[3].correct]
    right = [o for o in options if o[3].correct]
    found = []
    for pattern, kind in ((_JUSTIFY, "reason"), (_PURPOSE, "purpose")):
        wrong_hits = [o for o in wrong if pattern.search(o[3].text)]
        right_hits = [o for o in right if pattern.search(o[3].text)]
        figure = (
            f"in this module {len(wrong_hits)} of {len(wrong)} wrong options and "
            f"{len(right_hits)} of {len(right)} correct ones give a {kind}"
        )
        p_wrong = _fisher(len(wrong_hits), len(wrong), len(right_hits), len(right))
        p_right = _fisher(len(right_hits), len(right), len(wrong_hits), len(wrong))
        flagged: list[tuple[int, Question, int, Any]] = []
        side = "wrong"
        if kind == "reason" or p_wrong < SIGNIFICANCE:
            flagged = wrong_hits
            if kind == "purpose":
                figure += f"; Fisher's exact p = {p_wrong:.3f}"
        elif p_right < SIGNIFICANCE:
            flagged, side = right_hits, "correct"
            figure += f"; Fisher's exact p = {p_right:.3f}"
        for i, question, j, option in flagged:
            clause = pattern.search(option.text).group(0).strip(", ")
            found.append(
                item.at(
                    _q(i, "options", j, "text"),
                    f"a {side} option of {question.id} gives a {kind} ('{clause} ...'; "
                    f"{figure}); a justified option stands out from the rest, so state the "
                    "action alone",
                )
            )
        if kind == "reason" and p_right < SIGNIFICANCE:
            found.append(
                item.at(
                    ("quiz", "questions"),
                    f"correct options give a reason more often than wrong ones ({figure}; "
                    f"Fisher's exact p = {p_right:.3f}); the reason gives the key away",
                )
            )
    return found


def _fisher(hits: int, total: int, other_hits: int, other_total: int) -> float:
    """One-sided p that the first group carries the clause more often than the second."""
    if not total or not other_total or not hits:
        return 1.0
    table = [[hits, total - hits], [other_hits, other_total - other_hits]]
    return float(stats.fisher_exact(table, alternative="greater").pvalue)


def _check_above(item: _Item) -> list[LintWarning]:
    found = []
    for i, question, j, option in _choice_options(item):
        match = _ABOVE.search(option.text)
        if match:
            found.append(
                item.at(
                    _q(i, "options", j, "text"),
                    f"{question.id} offers '{match.group(0)}'; spotting two right (or one "
                    "wrong) options answers it without knowing the rest; write a real option",
                )
            )
    return found


def _check_negative(item: _Item) -> list[LintWarning]:
    found = []
    for i, question in item.questions():
        if question.type == "true_false":
            continue
        sentences = [s for s in re.split(r"(?<=[.?!])\s+", question.prompt.strip()) if s]
        asked = sentences[-1] if sentences else question.prompt
        match = _NEGATIVE.search(asked)
        if match:
            found.append(
                item.at(
                    _q(i, "prompt"),
                    f"{question.id} asks a negative question ('{match.group(0)}' in "
                    f"'{_short(asked)}'); readers miss the negation, so ask for what is right",
                )
            )
    return found


def _check_pool(item: _Item) -> list[LintWarning]:
    quiz = item.module.quiz
    pool = len(quiz.questions)
    drawn = quiz.questions_per_attempt or pool
    if pool >= MIN_POOL_FACTOR * drawn:
        return []
    where = ("quiz", "questions_per_attempt") if quiz.questions_per_attempt else ("quiz",)
    return [
        item.at(
            where,
            f"the pool has {pool} questions for {drawn} per attempt ({pool / drawn:.1f} times "
            f"the draw); with fewer than {MIN_POOL_FACTOR} times, repeated attempts show "
            f"almost every question: add {MIN_POOL_FACTOR * drawn - pool} or draw fewer",
        )
    ]


def _check_option_refs(item: _Item) -> list[LintWarning]:
    found = []
    for i, question in item.questions():
        count = len(question.options or [])
        texts: list[tuple[Loc, str]] = [((_q(i, "explanation")), question.explanation or "")]
        texts += [
            (_q(i, "options", j, "feedback"), o.feedback or "")
            for j, o in enumerate(question.options or [])
        ]
        for loc, text in texts:
            for match in _OPTION_REF.finditer(text):
                letter, ordinal, group = match.groups()
                if letter:
                    bad = (int(letter) if letter.isdigit() else ord(letter.upper()) - 64) > count
                elif ordinal:
                    bad = _ORDINALS[ordinal] > count
                elif group == "both":
                    bad = count < 2
                else:
                    bad = _COUNTS[group.split()[1]] != count
                if bad:
                    offered = f"{count} options" if count else "no options (true/false)"
                    found.append(
                        item.at(
                            loc,
                            f"{question.id} refers to '{match.group(0)}' but offers {offered}",
                        )
                    )
    return found


# --------------------------------------------------------------------------------------------
# Scenarios that repeat a lesson


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _check_repeats(item: _Item) -> list[LintWarning]:
    paragraphs: list[tuple[int, str, list[str]]] = []
    for number, lesson in enumerate(item.module.lessons, start=1):
        for para in re.split(r"\n\s*\n", lesson.body):
            words = _words(para)
            if len(words) >= 4:
                paragraphs.append((number, lesson.title, words))
    found = []
    for i, question in item.questions():
        if not question.scenario:
            continue
        words = _words(question.scenario)
        grams = _grams(words, 4)
        if not grams:
            continue
        for number, title, para in paragraphs:
            run = _longest_run(words, para)
            share = len(grams & _grams(para, 4)) / len(grams)
            if run >= REPEAT_RUN or share >= REPEAT_SHARE:
                found.append(
                    item.at(
                        _q(i, "scenario"),
                        f"the scenario of {question.id} repeats lesson {number} ('{title}'): "
                        f"{run} words in a row and {share:.0%} of its four-word sequences "
                        "are the lesson's; a new situation tests transfer, a copy tests recall",
                    )
                )
                break
    return found


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[k : k + n]) for k in range(len(words) - n + 1)}


def _longest_run(a: list[str], b: list[str]) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for k, y in enumerate(b, start=1):
            if x == y:
                current[k] = previous[k - 1] + 1
                best = max(best, current[k])
        previous = current
    return best


# --------------------------------------------------------------------------------------------
# Names: one name, one person


def _places(item: _Item) -> Iterator[tuple[str, Loc, str]]:
    """Yield (place label, loc, text) for each lesson and each question."""
    for n, lesson in enumerate(item.module.lessons):
        text = " ".join([lesson.body, *lesson.key_points])
        yield f"lesson {n + 1}", ("lessons", n, "body"), text
    for i, question in item.questions():
        parts = [question.scenario or "", question.prompt, question.explanation or ""]
        for option in question.options or []:
            parts += [option.text, option.feedback or ""]
        yield f"question {question.id}", _q(i), " ".join(parts)


def _names_in(text: str, listed: dict[str, str]) -> set[str]:
    found = {re.sub(r"['’]s$", "", m.group(3)) for m in _TITLE.finditer(text)}
    for word in re.findall(r"\b[A-Z][\w'’-]+\b", text):
        word = re.sub(r"['’]s$", "", word)
        if word in listed:
            found.add(word)
    return found


def _check_names(items: list[_Item], names: set[str]) -> list[LintWarning]:
    listed: dict[str, str] = {}
    for full in names:
        for part in full.split():
            listed[part] = full
    first: dict[str, tuple[str, str, int]] = {}
    found = []
    for item in items:
        for label, loc, text in _places(item):
            for name in sorted(_names_in(text, listed)):
                where = f"{Path(item.path).name}, {label}"
                line = item.at(loc, "").line
                if name not in first:
                    first[name] = (where, label, line)
                    continue
                earlier, _label, earlier_line = first[name]
                found.append(
                    item.at(
                        loc,
                        f"the name '{name}' is used again ({label}; first in {earlier}, line "
                        f"{earlier_line}); one name for two people confuses, and a repeated "
                        "person turns a question into recall: take an unused name from "
                        f"{NAMES_FILE}",
                    )
                )
    return found


# --------------------------------------------------------------------------------------------
# Style against the organisation's locale


def _texts(item: _Item) -> Iterator[tuple[Loc, str]]:
    module = item.module
    yield ("title",), module.title
    yield ("summary",), module.summary
    for n, lesson in enumerate(module.lessons):
        yield ("lessons", n, "title"), lesson.title
        yield ("lessons", n, "body"), lesson.body
        for k, point in enumerate(lesson.key_points):
            yield ("lessons", n, "key_points", k), point
    for i, question in item.questions():
        for key in ("scenario", "prompt", "explanation"):
            value = getattr(question, key)
            if value:
                yield _q(i, key), value
        for j, option in enumerate(question.options or []):
            yield _q(i, "options", j, "text"), option.text
            if option.feedback:
                yield _q(i, "options", j, "feedback"), option.feedback


def _check_style(items: list[_Item], organisation: Organisation) -> list[LintWarning]:
    locale = organisation.locale
    currency = (organisation.currency or "").upper()
    hits: dict[str, list[tuple[_Item, Loc, str]]] = defaultdict(list)
    for item in items:
        for loc, text in _texts(item):
            for m in _TITLE.finditer(text):
                hits["title." if m.group(2) else "title"].append((item, loc, m.group(0)))
            for m in _TIME.finditer(text):
                hits["time:" + _time_form(m)].append((item, loc, m.group(0)))
            for symbol in re.findall(r"[£$€¥]", text):
                hits["money:" + symbol].append((item, loc, symbol))
            if currency in _CURRENCY:
                for m in _CURRENCY[currency][1].finditer(text):
                    hits["foreign"].append((item, loc, m.group(0)))
    found = []
    titles_dot = _TITLE_DOT.get(locale or "")
    if titles_dot is not None:
        bad = "title" if titles_dot else "title."
        want = "with a full stop (Mr.)" if titles_dot else "without a full stop (Mr)"
        found += [
            it.at(loc, f"'{s}': titles in {locale} are written {want}") for it, loc, s in hits[bad]
        ]
    else:
        found += _mixed(hits, ("title", "title."), "titles")
    style = _TIME_STYLE.get(locale or "")
    times = [h for key in hits if key.startswith("time:") for h in hits[key]]
    if style is not None:
        found += [
            it.at(loc, f"'{s}': times in {locale} are written like {style[1]}")
            for it, loc, s in times
            if not style[0].fullmatch(s)
        ]
    else:
        found += _mixed(hits, tuple(k for k in hits if k.startswith("time:")), "times")
    if currency in _CURRENCY:
        symbol = _CURRENCY[currency][0]
        found += [
            it.at(loc, f"'{s}': the organisation's currency is {currency} ({symbol})")
            for it, loc, s in hits["foreign"]
        ]
    else:
        found += _mixed(hits, tuple(k for k in hits if k.startswith("money:")), "currencies")
    return found


def _time_form(match: re.Match[str]) -> str:
    separator = match.group(2) or ""
    return f"{separator}{'space' if match.group(4) else ''}{match.group(5)}"


def _mixed(hits: dict[str, list[Any]], keys: tuple[str, ...], what: str) -> list[LintWarning]:
    """Without a locale: report the minority forms when a style is written more than one way."""
    used = [k for k in keys if hits.get(k)]
    if len(used) < 2:
        return []
    main = max(used, key=lambda k: len(hits[k]))
    example = hits[main][0][2]
    figure = ", ".join(f"{len(hits[k])} like '{hits[k][0][2]}'" for k in used)
    return [
        it.at(loc, f"'{s}': {what} are written in more than one style ({figure}); use '{example}'")
        for k in used
        if k != main
        for it, loc, s in hits[k]
    ]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
