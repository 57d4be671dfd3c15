"""Reading YAML text safely, and PyYAML's errors as plain messages at a line and column.

`decode` turns bytes into text (UTF-8, or UTF-16 with a byte-order mark), `compose` parses the
text into one node tree; every failure becomes a `Problem` in the result, worded for trainers.
"""

from __future__ import annotations

import re

import yaml

from training.loader.positions import (
    _LINE_BREAK,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    LoadResult,
    _line_col,
)

_Result = LoadResult


def _too_large_message(size: int) -> str:
    return (
        f"the file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,}); "
        "split it into several modules"
    )


def _decode(data: bytes, result: LoadResult) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            result.add(1, 1, "the file is not readable text; save it as UTF-8")
            return None
    if b"\x00" in data[:8192]:
        result.add(1, 1, "this is not a text file (it contains binary data); save it as UTF-8 text")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        result.add(
            line,
            column,
            f"the file is not UTF-8 text (unexpected byte 0x{data[exc.start]:02x}); "
            "save it with UTF-8 encoding",
        )
        return None


def _compose(text: str, result: LoadResult) -> yaml.Node | None:
    loader: yaml.SafeLoader | None = None
    try:
        # The reader checks for forbidden characters already when the loader is created.
        loader = yaml.SafeLoader(text)
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        noun = result.kind.noun if result.kind is not None else "module"
        line, column, message = _yaml_error(exc, text, noun)
        result.add(line, column, message)
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        result.add(
            line,
            column,
            f"the file contains an invisible character ({shown}) that YAML does not allow; "
            "delete it or retype the text around it",
        )
    except yaml.YAMLError as exc:
        result.add(1, 1, f"YAML syntax error: {exc}")
    except RecursionError:
        result.add(1, 1, f"the file is nested too deeply (more than {MAX_DEPTH} levels)")
    finally:
        if loader is not None:
            loader.dispose()
    return None


def _flow_nesting_beyond(text: str, limit: int) -> int | None:
    """Return the index of the first '[' or '{' opened beyond limit unclosed ones, if any."""
    # PyYAML needs quadratic time for deeply nested [ and { (thousands take seconds), so they
    # are refused before parsing. Counting brackets anywhere, even in quotes, can only
    # overestimate, and real text never leaves dozens of brackets open.
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > limit:
                return index
        elif char in "]}" and depth:
            depth -= 1


_QUOTE_HINT = "put the whole text in quotes"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, noun: str = "module") -> tuple[int, int, str]:
    """Translate a PyYAML error into (line, column, plain message)."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    context_mark = exc.context_mark or mark
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1

    def at(m: yaml.Mark | None) -> tuple[int, int]:
        return (m.line + 1, m.column + 1) if m else (line, column)

    if "'\\t'" in problem or "tab character" in problem:
        return line, column, "a tab character is used here; indent with spaces, never tabs"
    if "quoted scalar" in context and "end of stream" in problem:
        quote = _quote_at(text, context_mark)
        return (
            *at(context_mark),
            f"the quote {quote} opened here is never closed; add the closing {quote}",
        )
    if "unknown escape character" in problem:
        return (
            line,
            column,
            'a backslash (\\) in "double quotes" starts a special code; '
            "use 'single quotes' instead or write the backslash twice (\\\\)",
        )
    if "cannot start any token" in problem:
        char = re.search(r"character '(.*)'", problem)
        shown = char.group(1) if char else "this character"
        return line, column, f"a value cannot start with {shown}; {_QUOTE_HINT}"
    if problem == "mapping values are not allowed here":
        line_text = _line_text(text, mark)
        before = line_text[: mark.column] if mark else ""
        if ": " in before.lstrip().removeprefix("- ") or before.rstrip().endswith(":"):
            message = f"the text contains ': ', which YAML reads as a new field; {_QUOTE_HINT}"
        else:
            message = (
                "this line is indented wrongly: fields of the same group must start in the same "
                "column, and a field cannot follow a value on its own line"
            )
        return line, column, message
    if "could not find expected ':'" in problem:
        return (
            *at(context_mark),
            "expected 'name: value' on this line; add the missing ':' or check the indentation "
            "of the line (a long text that continues on the next line must be indented more, "
            "or use 'body: |')",
        )
    if "found duplicate anchor" in context:
        return line, column, "this anchor (&name) is defined twice; give each anchor its own name"
    if "found undefined alias" in problem:
        return line, column, "this alias (*name) refers to an anchor (&name) that does not exist"
    if "expected a single document" in context:
        return (
            line,
            column,
            f"a {noun} file holds a single {noun}; remove the second '---' line and what "
            "follows it, or move it to its own file",
        )
    if "while scanning an anchor" in context or "while scanning an alias" in context:
        return line, column, f"'&' and '*' mark YAML anchors; {_QUOTE_HINT}"
    if "flow sequence" in context or "flow mapping" in context:
        closing = "]" if "sequence" in context else "}"
        return (
            *at(context_mark),
            f"the bracket opened here is never closed or is followed by something unexpected; "
            f"add the closing '{closing}', or if the text starts with a bracket, {_QUOTE_HINT}",
        )
    if "expected <block end>" in problem:
        found = re.search(r"found '(.*)'", problem)
        token = found.group(1) if found else ""
        if token == ":":
            return line, column, "a value without a field name; write 'name: value'"
        if token == "-":
            return (
                line,
                column,
                "this list item ('- ') is indented differently from the items above it",
            )
        if token == "<scalar>" and _after_closing_quote(text, mark):
            return (
                line,
                column,
                "there is more text after the closing quote; quote the whole text, "
                "or use the other kind of quote around it",
            )
        return (
            line,
            column,
            "this line is indented differently from the lines above it; fields of the same "
            "group must start in the same column, and a text block must stay indented",
        )
    if "expected the node content" in problem:
        return (
            line,
            column,
            f"a value is missing or starts with an unexpected character; {_QUOTE_HINT}",
        )
    if "did not find expected '-' indicator" in problem:
        return line, column, "this line is indented differently from the list items around it"
    if "did not find expected key" in problem:
        return line, column, "this line is indented differently from the fields above it"
    if "expected alphabetic or numeric character" in problem:
        return line, column, f"unexpected character; {_QUOTE_HINT}"
    where = f" ({context})" if context else ""
    return line, column, f"YAML syntax error: {problem}{where}"


def _quote_at(text: str, mark: yaml.Mark | None) -> str:
    if mark is None or not (0 <= mark.index < len(text)):
        return '"'
    char = text[mark.index]
    return char if char in "'\"" else '"'


def _line_text(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = _LINE_BREAK.split(text)
    return lines[mark.line] if 0 <= mark.line < len(lines) else ""


def _after_closing_quote(text: str, mark: yaml.Mark | None) -> bool:
    before = _line_text(text, mark)[: mark.column if mark else 0].rstrip()
    return before.endswith(("'", '"'))
