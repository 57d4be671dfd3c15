"""Pydantic's validation errors as plain messages at a line and column, with "did you mean".

Everything here works from the kind's model (`LoadResult.kind.model`; a module for a result
without a kind) and names places with the kind's `describe`, so any content kind validated
against a pydantic model gets the same messages: a misspelt field suggests the closest allowed
one, a wrong value names the allowed values, a number or flag written as text is caught before
pydantic would quietly convert it.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from training.loader.positions import Describe, LoadResult, Loc, _short
from training.models import Module

_Result = LoadResult


def _unwrap(annotation: Any) -> Any:
    """Strip Optional and Annotated from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _item_annotation(annotation: Any) -> Any | None:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is list:
        return _unwrap(typing.get_args(annotation)[0])
    return None


def _model_at(loc: Loc, root: Any = Module) -> type[BaseModel] | None:
    """Return the model class (below root) that validates the mapping at loc, if any."""
    annotation: Any = root
    for step in loc:
        if isinstance(step, int):
            annotation = _item_annotation(annotation)
        else:
            model = _unwrap(annotation)
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                return None
            info = model.model_fields.get(step)
            if info is None:
                return None
            annotation = info.annotation
        if annotation is None:
            return None
    model = _unwrap(annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _field_info(loc: Loc, root: Any = Module) -> FieldInfo | None:
    if not loc or not isinstance(loc[-1], str):
        return None
    model = _model_at(loc[:-1], root)
    return model.model_fields.get(loc[-1]) if model else None


def _allowed_values(info: FieldInfo | None) -> list[str]:
    if info is None:
        return []
    annotation = _unwrap(info.annotation)
    if typing.get_origin(annotation) is Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _bounds(info: FieldInfo | None) -> tuple[int | None, int | None]:
    low = high = None
    for meta in info.metadata if info else []:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high


def _get(data: Any, loc: Loc) -> Any:
    for step in loc:
        if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        elif isinstance(step, str) and isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def describe_place(loc: Loc, data: Any) -> str:
    """Name the place at loc in words for any kind: 'item 2 of steps of the file', ..."""
    if not loc:
        return "the file"
    parent = describe_place(loc[:-1], data)
    last = loc[-1]
    return (
        f"item {last + 1} of {parent}" if isinstance(last, int) else f"{_short(last)} of {parent}"
    )


def _root_of(result: LoadResult) -> Any:
    """Return the model the result's kind validates against (a module without a kind)."""
    return result.kind.model if result.kind is not None else Module


def _module_describe() -> Describe:
    from training.loader.semantics import _describe  # semantics builds on this module

    return _describe


def _describer(result: LoadResult) -> Describe:
    """Return the kind's way of naming places: its own, else the generic one (modules' own
    for a result without a kind, as before there were kinds)."""
    kind = result.kind
    if kind is None:
        return _module_describe()
    return kind.describe if kind.describe is not None else describe_place


def _context(parent: Loc, data: Any, describe: Describe | None = None) -> str:
    """Return ' (in <place>)' for places below the top two levels, else ''.

    describe names the place (the module's naming when none is given, as before kinds).
    """
    if len(parent) <= 1:
        return ""
    return f" (in {(describe or _module_describe())(parent, data)})"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "empty"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _got(result: LoadResult, loc: Loc, value: Any) -> str:
    pos = result.positions.get(loc)
    if pos is not None and pos.raw is not None and pos.raw != "":
        return f" (got {_short(pos.raw)})"
    if isinstance(value, dict | list):
        return f" (got {_kind(value)})"
    return ""


def _walk_models(
    data: Any, loc: Loc = (), root: Any = Module
) -> Iterator[tuple[Loc, FieldInfo, Any]]:
    """Yield (loc, field info, value) for every known field present in the data."""
    model = _model_at(loc, root)
    if model is None or not isinstance(data, dict):
        return
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        here = (*loc, name)
        yield here, info, value
        if isinstance(value, list) and _item_annotation(info.annotation) is not None:
            for i, item in enumerate(value):
                yield from _walk_models(item, (*here, i), root)
        else:
            yield from _walk_models(value, here, root)


def _check_types(data: dict[str, Any], result: LoadResult) -> None:
    """Reject the loose conversions pydantic would accept: yes for a number, "true" for a flag."""
    describe = _describer(result)
    for loc, info, value in _walk_models(data, root=_root_of(result)):
        annotation = _unwrap(info.annotation)
        name = loc[-1]
        context = _context(loc[:-1], data, describe)
        message = None
        if annotation is int and isinstance(value, bool | str):
            quoted = " without quotes" if isinstance(value, str) else ""
            message = f"{name} must be a whole number{quoted}{_got(result, loc, value)}{context}"
        elif annotation is bool and value is not None and not isinstance(value, bool):
            quoted = " without quotes" if isinstance(value, str) else ""
            message = f"{name} must be true or false{quoted}{_got(result, loc, value)}{context}"
        if message:
            result.add_at(loc, message)
            result.reported.add(loc)


def _validate(data: dict[str, Any], result: LoadResult) -> Any:
    """Validate data against the kind's model; report every error in place, return None."""
    root = _root_of(result)
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A misspelt field is also a missing one; the "did you mean" line says it all.
        suggested = {
            (*tuple(e["loc"])[:-1], name)
            for e in errors
            if e.get("type") == "extra_forbidden"
            and (name := _suggestion(str(e["loc"][-1]), tuple(e["loc"])[:-1], root))
        }
        for error in errors:
            loc = tuple(error.get("loc", ()))
            if loc in result.reported:
                continue
            if error.get("type") == "missing" and loc in suggested:
                continue
            key = error.get("type") == "extra_forbidden"
            result.add_at(loc, _pydantic_message(error, loc, data, result), key=key)
        return None


def _pydantic_message(error: Any, loc: Loc, data: Any, result: LoadResult) -> str:
    """Turn one pydantic error into a sentence a trainer understands."""
    kind = str(error.get("type", ""))
    value = error.get("input")
    ctx = error.get("ctx") or {}
    name = loc[-1] if loc and isinstance(loc[-1], str) else None
    parent = loc[:-1] if name is not None else loc
    # A list item is named in full by describe; only fields need the "(in ...)" suffix.
    describe = _describer(result)
    root = _root_of(result)
    context = _context(parent, data, describe) if name is not None else ""
    info = _field_info(loc, root)
    got = _got(result, loc, value)
    subject = name if name is not None else describe(loc, data)

    if kind == "missing":
        where = "" if not parent else f" in {describe(parent, data)}"
        return f"missing field '{name}'{where}"
    if kind == "extra_forbidden":
        return _unknown_field(str(name), parent, root)
    if value is None and kind in (
        "string_type",
        "model_type",
        "list_type",
        "int_type",
        "bool_type",
    ):
        return f"{subject} is empty; give it a value or remove the line{context}"
    if kind == "string_type":
        if isinstance(value, dict | list):
            return f"{subject} must be text, not {_kind(value)}{context}"
        pos = result.positions.get(loc)
        raw = _short(pos.raw if pos and pos.raw else value)
        quote = "'" if '"' in raw else '"'
        read_as = "a date" if isinstance(value, datetime.date) else _kind(value)
        return (
            f"{subject} must be text; YAML reads {raw} as {read_as}, "
            f"so put it in quotes: {quote}{raw}{quote}{context}"
        )
    if kind == "string_too_short":
        return f"{subject} is empty{context}"
    if kind == "string_too_long":
        return f"{subject} is too long (at most {ctx.get('max_length')} characters){context}"
    if kind == "string_pattern_mismatch":
        example = "emp-01" if loc[:1] == ("quiz",) else "prompt-attention"
        return (
            f"{subject} '{_short(value)}' may contain only lowercase letters, digits and single "
            f"hyphens, like '{example}'{context}"
        )
    if kind in ("int_type", "int_parsing", "int_from_float", "finite_number", "int_parsing_size"):
        return f"{subject} must be a whole number{got}{context}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(info)
        if low is not None and high is not None:
            rule = f"between {low} and {high}"
        elif low is not None:
            rule = f"at least {low}"
        elif high is not None:
            rule = f"at most {high}"
        else:
            rule = str(error.get("msg", "in range")).removeprefix("Input should be ")
        return f"{subject} must be {rule}{got}{context}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{subject} must be true or false{got}{context}"
    if kind in ("literal_error", "enum"):
        allowed = _allowed_values(info)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
            if close:
                hint = f" -- did you mean '{close[0]}'?"
        return f"{subject} must be one of: {', '.join(allowed)}{got}{hint}{context}"
    if kind == "list_type":
        return (
            f"{subject} must be a list, with each item on its own line starting with '- '"
            f"{got}{context}"
        )
    if kind == "too_short":
        if loc == ("quiz", "questions"):
            return "the quiz needs at least one question"
        if loc == ("lessons",):
            return "a module needs at least one lesson"
        return f"{subject} needs at least {ctx.get('min_length', 1)} item(s){context}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc, root)
        fields = ", ".join(model.model_fields) if model else ""
        target = subject if name is not None else describe(loc, data)
        return f"{target} must be a group of fields ({fields}), not {_kind(value)}{context}"
    message = str(error.get("msg", "is not valid"))
    return f"{subject}: {message[:1].lower()}{message[1:]}{context}"


def _suggestion(name: str, parent: Loc, root: Any = Module) -> str | None:
    """Return the allowed field name closest to a misspelt one, if any is close."""
    model = _model_at(parent, root)
    allowed = list(model.model_fields) if model else []
    lowered = {a.lower(): a for a in allowed}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_field(name: str, parent: Loc, root: Any = Module) -> str:
    model = _model_at(parent, root)
    allowed = list(model.model_fields) if model else []
    close = _suggestion(name, parent, root)
    if close:
        return f"unknown field '{_short(name)}' -- did you mean '{close}'?"
    if allowed:
        return f"unknown field '{_short(name)}' (allowed here: {', '.join(allowed)})"
    return f"unknown field '{_short(name)}'"
