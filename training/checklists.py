"""Observation checklists (format version 1): what a manager watches for on the floor.

A checklist is content, like a module: one YAML file per checklist in
`<content dir>/observations/<id>.yaml`, checked by the same loading pipeline as modules
(`training.loader`: line:column positions, pydantic messages with did-you-mean, YAML safety
limits) with the rules of this format added. The pydantic models below are the one source of
truth: validation, `content/observations/_schema.json` and the field table in
`content/README.md` all come from them. Each checklist has a content version (a hash of its
normalised content), so an observation records exactly which text it was rated against.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from training.loader import (
    ContentKind,
    LoadResult,
    Loc,
    Problem,
    _short,
    load_yaml,
    load_yaml_file,
    module_files,
)
from training.loader.pydantic_errors import describe_place
from training.loader.semantics import _check_module_id, check_unique_id, entry_label
from training.models import KEBAB_ID, Competency, NonEmpty, _Strict
from training.organisation import Organisation, organisation_for, read_organisation

__all__ = [
    "CHECKLIST",
    "MIN_ITEMS",
    "OBSERVATIONS_DIR",
    "RATING_LABELS",
    "Checklist",
    "ChecklistItem",
    "ChecklistSet",
    "LoadedChecklist",
    "Rating",
    "Scale",
    "checklist_files",
    "checklist_json_schema",
    "checklist_schema_text",
    "checklist_version",
    "load_checklist_file",
    "load_checklist_text",
    "load_checklists",
    "observations_dir",
    "rating_label",
    "ratings_for",
]

OBSERVATIONS_DIR = "observations"  # below the content folder
MIN_ITEMS = 3
MAX_ITEMS = 40
MIN_BEHAVIOUR_WORDS = 4  # "Smiles." is not something two observers would rate alike


class Scale(str, Enum):  # noqa: UP042 (StrEnum would change str() of members)
    """How each item is rated."""

    three_point = "three_point"
    yes_no = "yes_no"


class Rating(str, Enum):  # noqa: UP042
    """One rating of one item. Yes/no checklists use not_seen (no) and consistently (yes)."""

    not_seen = "not_seen"
    partly = "partly"
    consistently = "consistently"
    not_applicable = "not_applicable"  # the situation did not come up; left out of every share


# The choices an observer gets for each scale, in the order the buttons show them.
_SCALE_RATINGS: dict[str, tuple[Rating, ...]] = {
    "three_point": (Rating.not_seen, Rating.partly, Rating.consistently, Rating.not_applicable),
    "yes_no": (Rating.not_seen, Rating.consistently, Rating.not_applicable),
}
RATING_LABELS: dict[str, dict[str, str]] = {
    "three_point": {
        "not_seen": "Not seen",
        "partly": "Partly",
        "consistently": "Consistently",
        "not_applicable": "Did not come up",
    },
    "yes_no": {"not_seen": "No", "consistently": "Yes", "not_applicable": "Did not come up"},
}


def ratings_for(scale: str) -> tuple[Rating, ...]:
    """Return the ratings an observer may give on scale, in button order."""
    return _SCALE_RATINGS[Scale(scale).value]


class ChecklistItem(_Strict):
    """One behaviour to watch for."""

    id: Annotated[str, Field(pattern=KEBAB_ID, max_length=64)] = Field(
        description="Unique in the checklist, e.g. fd-01. Never reuse an id for another behaviour."
    )
    need: Competency = Field(
        description="The customer need it shows: one of the eight (e.g. prompt-attention) or "
        "foundations."
    )
    behaviour: NonEmpty = Field(
        description="What the observer can see or hear, in one sentence (at least four words)."
    )
    guidance: str | None = Field(
        None, description="Optional: a hint for the observer on when or how to watch for it."
    )


class Checklist(_Strict):
    """An observation checklist, stored as content/observations/<id>.yaml."""

    id: Annotated[str, Field(pattern=KEBAB_ID, max_length=64)] = Field(
        description="Lowercase words joined by hyphens, the same as the file name without .yaml "
        "(e.g. front-desk-floor-walk). Unique; never reuse it for another checklist."
    )
    title: NonEmpty = Field(description="Shown when the observer picks a checklist.")
    summary: NonEmpty = Field(description="One sentence: when and how long to observe.")
    setting: str | None = Field(
        None, description="Optional: where it is used, e.g. front desk, phone, chat."
    )
    scale: Scale = Field(
        Scale.three_point,
        validate_default=True,  # so the default is stored as its value, like a written one
        description="three_point: not seen / partly / consistently; yes_no: no / yes.",
    )
    items: list[ChecklistItem] = Field(
        min_length=MIN_ITEMS,
        max_length=MAX_ITEMS,
        description=f"The behaviours, in the order they are rated ({MIN_ITEMS} to {MAX_ITEMS}).",
    )

    def item(self, item_id: str) -> ChecklistItem | None:
        """Return the item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class LoadedChecklist:
    """A valid checklist with its file, content version and source text."""

    checklist: Checklist
    path: Path
    version: str
    text: str


@dataclass
class ChecklistSet:
    """Every valid checklist of a content folder (by id) and every problem found there."""

    checklists: dict[str, LoadedChecklist]
    problems: list[Problem]
    files: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Rules the types cannot express


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text)


def _describe(loc: Loc, data: Any) -> str:
    """Name a place in a checklist: 'item fd-02', 'the item list', 'the checklist'."""
    match loc:
        case ():
            return "the checklist"
        case ("items",):
            return "the item list"
        case ("items", int(i)):
            return entry_label(data, ("items", i), "item")
    if len(loc) > 2 and loc[0] == "items":
        last = loc[-1]
        where = _describe(loc[:-1], data)
        return f"item {last + 1} of {where}" if isinstance(last, int) else f"{last} of {where}"
    return describe_place(loc, data).replace("the file", "the checklist")


def _check_checklist(data: dict[str, Any], result: LoadResult) -> None:
    """Unique item ids, behaviours that are observable and not repeated, id = file name."""
    _check_module_id(data, result)
    items = data.get("items")
    if not isinstance(items, list):
        return
    first_id: dict[str, int] = {}
    first_text: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        loc: Loc = ("items", index)
        check_unique_id(item, loc, "item", first_id, result)
        item_id = item.get("id")
        behaviour = item.get("behaviour")
        if not isinstance(behaviour, str) or not behaviour.strip():
            continue  # empty or not text: the type check says so
        label = f"item {_short(item_id.strip())}" if isinstance(item_id, str) else "this item"
        words = _words(behaviour)
        if len(words) < MIN_BEHAVIOUR_WORDS:
            result.add_at(
                (*loc, "behaviour"),
                f"behaviour of {label} is too short to observe; describe in at least "
                f"{MIN_BEHAVIOUR_WORDS} words what the person does or says",
            )
            result.reported.add((*loc, "behaviour"))
        normalised = " ".join(w.lower() for w in words)
        line, _ = result.position((*loc, "behaviour"))
        if normalised in first_text:
            result.add_at(
                (*loc, "behaviour"),
                f"behaviour of {label} repeats the one at line {first_text[normalised]}; "
                "every item needs its own behaviour",
            )
        else:
            first_text.setdefault(normalised, line)


CHECKLIST = ContentKind(
    model=Checklist,
    noun="checklist",
    empty_message=(
        "the file is empty; a checklist needs at least id, title, summary and items "
        "(see the example in content/README.md)"
    ),
    describe=_describe,
    checks=(_check_checklist,),
)


# --------------------------------------------------------------------------------------------
# Loading


def observations_dir(content_dir: Path) -> Path:
    """Return the folder of the checklists of a content folder."""
    return Path(content_dir) / OBSERVATIONS_DIR


def checklist_files(content_dir: Path) -> list[Path]:
    """Return the checklist files of a content folder (none when it has no observations/)."""
    folder = observations_dir(content_dir)
    return module_files(folder) if folder.is_dir() else []


def checklist_version(checklist: Checklist) -> str:
    """Return a stable 16-hex-digit hash of the checklist's content (comments, layout ignored)."""
    data = checklist.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _organisation(path: str) -> Organisation:
    # A checklist's placeholders come from the _organisation.yaml of the content folder above.
    return organisation_for(Path(path).parent if not path.startswith("<") else None)


def load_checklist_text(
    text: str | bytes, path: str = "<text>", *, organisation: Organisation | None = None
) -> tuple[Checklist | None, list[Problem]]:
    """Parse and check one checklist; return it (None if any problem) and the problems."""
    result = load_yaml(text, path, CHECKLIST, organisation=organisation or _organisation(path))
    return result.value, result.problems


def load_checklist_file(
    path: Path, *, organisation: Organisation | None = None
) -> tuple[Checklist | None, list[Problem]]:
    """Read, parse and check one checklist file."""
    path = Path(path)
    result = load_yaml_file(path, CHECKLIST, organisation=organisation or _organisation(str(path)))
    return result.value, result.problems


def load_checklists(content_dir: Path) -> ChecklistSet:
    """Load every checklist of a content folder; a broken file never stops the others."""
    found = ChecklistSet(checklists={}, problems=[])
    try:
        files = checklist_files(content_dir)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        folder = observations_dir(content_dir)
        found.problems.append(Problem(str(folder), 1, 1, f"cannot read the folder: {reason}"))
        return found
    found.files = files
    organisation = read_organisation(Path(content_dir))
    for file in files:
        result = load_yaml_file(file, CHECKLIST, organisation=organisation)
        found.problems.extend(result.problems)
        checklist = result.value
        if checklist is None:
            continue
        first = found.checklists.get(checklist.id)
        if first is not None:  # only possible with a .yml beside a .yaml of the same name
            line, column = result.position(("id",))
            found.problems.append(
                Problem(
                    str(file),
                    line,
                    column,
                    f"checklist id '{checklist.id}' is already used by {first.path.name}",
                )
            )
            continue
        found.checklists[checklist.id] = LoadedChecklist(
            checklist=checklist, path=file, version=checklist_version(checklist), text=result.text
        )
    return found


# --------------------------------------------------------------------------------------------
# Schema


def checklist_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a checklist file."""
    schema = Checklist.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Observation checklist",
        "description": (
            "One observation checklist (content format version 1). Generated by "
            "`python -m training docs`; do not edit by hand."
        ),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def checklist_schema_text() -> str:
    """Return the JSON Schema as the text stored in content/observations/_schema.json."""
    return json.dumps(checklist_json_schema(), indent=2, ensure_ascii=False) + "\n"


def rating_label(scale: str, rating: str) -> str:
    """Return what people read for a rating on a scale ("Consistently", "Yes", ...)."""
    return RATING_LABELS[Scale(scale).value][Rating(rating).value]
