"""Make trainer-written Markdown safe to render: raw HTML is shown as text, never rendered.

`safe_markdown` escapes `<`, `>` and `&` everywhere except inside code (fenced blocks and inline
code spans, whose content Markdown already shows literally), so `<script>` or
`<img onerror=...>` reach the reader as visible text. Blockquote markers (`> `) at the start of a
line stay Markdown, `<https://...>` autolinks become ordinary links, and links to anything but
http(s), mailto, relative paths and anchors lose their target.

Images (`![alt](url)`) would make every reader's browser fetch the URL, a tracking pixel when
the host is outside. They are kept only for http(s) hosts named in `TRAINING_IMAGE_HOSTS`
(comma-separated host names; none by default). Any other image, reference-style ones
included, loses its leading `!` and becomes an ordinary link the reader may click or not.

When unsure whether something is code, the text is escaped: the worst case is a visible `&lt;`
inside an unusual code block, never live HTML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

__all__ = ["IMAGE_HOSTS_ENV", "image_hosts", "safe_markdown"]

IMAGE_HOSTS_ENV = "TRAINING_IMAGE_HOSTS"

# Only fences starting at column 0 count: their extent never depends on list or quote nesting,
# so it is certain that Markdown renders everything up to the closing fence as code.
_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_BLOCKQUOTE_PREFIX = re.compile(r"^(?:[ ]{0,3}>[ ]?)+")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]+)>", re.IGNORECASE)
_LINK_TARGET = re.compile(r"\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)")
_LINK_DEFINITION = re.compile(r"^([ ]{0,3}\[[^\]]+\]:[ \t]*<?)(\S*?)(>?(?:\s.*)?)$", re.MULTILINE)
_SAFE_SCHEME = re.compile(r"^(?:https?:|mailto:|#|/|\.|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)
_IMAGE_START = re.compile(r"!\[")
# Strict on purpose: a backslash, '@' or entity in the authority part is read differently by
# browsers and by urllib, so only a plain host name (and port) can pass.
_ALLOWED_IMAGE_URL = re.compile(
    r"https?://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?"
    r"(?:[/?#][^\s\\<>\"'`()]*)?(?=[\s)]|$)",
    re.IGNORECASE,
)


def image_hosts() -> frozenset[str]:
    """Return the host names lesson images may come from ($TRAINING_IMAGE_HOSTS)."""
    raw = os.environ.get(IMAGE_HOSTS_ENV, "")
    return frozenset(h.strip().lower() for h in raw.replace(" ", ",").split(",") if h.strip())


def safe_markdown(text: str, *, allowed_image_hosts: Iterable[str] | None = None) -> str:
    """Return the Markdown with raw HTML escaped and images limited to the allowed hosts."""
    hosts = image_hosts() if allowed_image_hosts is None else frozenset(allowed_image_hosts)
    if not isinstance(text, str):
        text = str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    out: list[str] = []
    prose: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        close = _fence_end(lines, i)
        if close is None:
            prose.append(line)
            i += 1
            continue
        if prose:
            out.append(_escape_prose("\n".join(prose), hosts))
            prose = []
        out.append("\n".join(lines[i : close + 1]))
        i = close + 1
    if prose:
        out.append(_escape_prose("\n".join(prose), hosts))
    return "\n".join(out)


def _fence_end(lines: list[str], start: int) -> int | None:
    """Return the index of the closing fence if lines[start] opens a column-0 code fence."""
    match = _FENCE_OPEN.match(lines[start])
    if match is None:
        return None
    fence = match.group("fence")
    if fence[0] == "`" and "`" in match.group("info"):
        return None  # CommonMark: a backtick fence's info string cannot contain backticks
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for j in range(start + 1, len(lines)):
        if closing.match(lines[j]):
            return j
    return None  # unclosed: treat as prose and escape it; harmless if it really was code


def _escape_prose(text: str, hosts: frozenset[str]) -> str:
    """Escape HTML and disable images outside inline code spans, line by line."""
    text = _neutralise_links(text)
    return "\n".join(_escape_line(line, hosts) for line in text.split("\n"))


def _escape_line(line: str, hosts: frozenset[str]) -> str:
    prefix_match = _BLOCKQUOTE_PREFIX.match(line)
    prefix = prefix_match.group(0) if prefix_match else ""
    rest = line[len(prefix) :]
    return prefix + "".join(
        # Images last: the autolink rewrite turns "!<https://...>" into image syntax.
        part if is_code else _escape(_disable_images(_AUTOLINK.sub(_autolink, part), hosts))
        for part, is_code in _split_code_spans(rest)
    )


def _disable_images(text: str, hosts: frozenset[str]) -> str:
    """Escape the '!' of every image whose URL is not on an allowed host."""
    out: list[str] = []
    done = 0
    for match in _IMAGE_START.finditer(text):
        start = match.start()
        if _escaped(text, start) or _allowed_image(text, match.end(), hosts):
            continue
        out.append(text[done:start] + "\\")
        done = start
    out.append(text[done:])
    return "".join(out)


def _allowed_image(text: str, alt_start: int, hosts: frozenset[str]) -> bool:
    """Return True if an inline image's URL (after its alt text) is on an allowed host."""
    if not hosts:
        return False
    depth, i = 1, alt_start
    while i < len(text) and depth:
        if text[i] == "\\":
            i += 1
        elif text[i] == "[":
            depth += 1
        elif text[i] == "]":
            depth -= 1
        i += 1
    if depth or not text.startswith("(", i):
        return False
    target = _ALLOWED_IMAGE_URL.match(text[i + 1 :].lstrip(" \t").removeprefix("<"))
    return target is not None and target.group("host").lower() in hosts


def _autolink(match: re.Match[str]) -> str:
    url = match.group(1)
    return f"[{url}]({url})"


def _split_code_spans(line: str) -> list[tuple[str, bool]]:
    """Split a line into (text, is_code) parts; only spans closed on the same line count."""
    parts: list[tuple[str, bool]] = []
    plain_start = 0
    i = 0
    while i < len(line):
        if line[i] != "`" or _escaped(line, i):
            i += 1
            continue
        run = _run_length(line, i)
        close = _find_closing_run(line, i + run, run)
        if close is None:
            i += run
            continue
        parts.append((line[plain_start:i], False))
        parts.append((line[i : close + run], True))
        i = plain_start = close + run
    parts.append((line[plain_start:], False))
    return [p for p in parts if p[0]]


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and line[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _run_length(line: str, start: int) -> int:
    end = start
    while end < len(line) and line[end] == "`":
        end += 1
    return end - start


def _find_closing_run(line: str, start: int, length: int) -> int | None:
    i = start
    while i < len(line):
        if line[i] == "`":
            run = _run_length(line, i)
            if run == length:
                return i
            i += run
        else:
            i += 1
    return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _neutralise_links(text: str) -> str:
    """Drop link targets with a scheme other than http(s) or mailto (javascript:, data:, ...)."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(1)
        if _SAFE_SCHEME.match(target):
            return match.group(0)
        return match.group(0).replace(target, "#", 1)

    def fix_definition(match: re.Match[str]) -> str:
        if _SAFE_SCHEME.match(match.group(2)):
            return match.group(0)
        return f"{match.group(1)}#{match.group(3)}"

    return _LINK_DEFINITION.sub(fix_definition, _LINK_TARGET.sub(fix, text))
