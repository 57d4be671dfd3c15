"""The organisation's facts (content/_organisation.yaml) and the placeholders that use them.

A module writes a company fact as a placeholder, `{{ refund_limit }}`, and the loader replaces it
with the value from `_organisation.yaml` in the same content folder, so learners read the value
and an adopting organisation changes one file instead of every module. The file is a flat list
of `name: value` lines; `locale` and `currency` are facts too, and the linter reads them for its
style checks. Nothing here raises on bad input: problems come back as (line, column, message).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from training.docs import default_content_dir

__all__ = [
    "ORGANISATION_FILE",
    "PLACEHOLDER",
    "Organisation",
    "organisation_for",
    "read_organisation",
    "undefined_message",
]

ORGANISATION_FILE = "_organisation.yaml"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_BYTES = 64_000


@dataclass(frozen=True)
class Organisation:
    """The facts of one content folder, the file they came from and the problems found there."""

    facts: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: tuple[tuple[int, int, str], ...] = ()

    @property
    def locale(self) -> str | None:
        """Return the locale fact (e.g. en-GB), if given."""
        return self.facts.get("locale")

    @property
    def currency(self) -> str | None:
        """Return the currency fact (an ISO code such as GBP), if given."""
        return self.facts.get("currency")


def read_organisation(directory: Path) -> Organisation:
    """Read `_organisation.yaml` of a folder; a missing file means no facts (and no problems)."""
    path = Path(directory) / ORGANISATION_FILE
    try:
        if not path.is_file():
            return Organisation()
        if path.stat().st_size > _MAX_BYTES:
            return Organisation(path=path, problems=((1, 1, "the file is too large"),))
        stat = path.stat()
        return _cached(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return Organisation(path=path, problems=((1, 1, f"cannot read the file: {reason}"),))


_CACHE: dict[tuple[str, int, int], Organisation] = {}


def _cached(path: str, mtime_ns: int, size: int) -> Organisation:
    key = (path, mtime_ns, size)
    found = _CACHE.get(key)
    if found is None:
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
        found = _parse(text, Path(path))
        _CACHE.clear()  # one folder in use at a time; keep the cache tiny
        _CACHE[key] = found
    return found


def _parse(text: str, path: Path) -> Organisation:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Organisation(path=path, problems=((*where, f"YAML syntax error: {exc.problem}"),))
    except yaml.YAMLError as exc:
        return Organisation(path=path, problems=((1, 1, f"YAML syntax error: {exc}"),))
    if node is None:
        return Organisation(path=path)
    if not isinstance(node, yaml.MappingNode):
        return Organisation(
            path=path, problems=((1, 1, "the file must be a list of 'name: value' lines"),)
        )
    facts: dict[str, str] = {}
    problems: list[tuple[int, int, str]] = []
    for key_node, value_node in node.value:
        at = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str) or not _NAME.match(key):
            problems.append(
                (*at, "a fact name must be lowercase letters, digits and '_', like refund_limit")
            )
            continue
        if key in facts:
            problems.append((*at, f"the fact '{key}' is given twice; keep one"))
            continue
        if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
            problems.append((*at, f"the fact '{key}' needs a text value on the same line"))
            continue
        value = str(value_node.value).strip()
        if PLACEHOLDER.search(value):
            problems.append((*at, f"the fact '{key}' cannot contain a placeholder itself"))
            continue
        facts[key] = value
    return Organisation(facts=facts, path=path, problems=tuple(problems))


def organisation_for(path: str | Path | None) -> Organisation:
    """Return the facts for a module at path: its folder's file, else the default folder's."""
    if path is not None and not str(path).startswith("<"):
        folder = Path(path).parent
        if (folder / ORGANISATION_FILE).is_file():
            return read_organisation(folder)
    return read_organisation(default_content_dir())


def undefined_message(name: str, organisation: Organisation) -> str:
    """Explain an undefined placeholder and name the defined ones (and the closest)."""
    where = str(organisation.path) if organisation.path else f"content/{ORGANISATION_FILE}"
    known = sorted(organisation.facts)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" -- did you mean '{{{{ {close[0]} }}}}'?" if close else ""
    listed = ", ".join(known) if known else "none"
    return f"undefined placeholder '{{{{ {name} }}}}' (defined in {where}: {listed}){hint}"
