"""Load and check content files from YAML, reporting every problem with its line and column.

The loader parses with PyYAML's SafeLoader (no Python tags), keeps the position of every key and
value, validates against a pydantic model (`training.models.Module` for modules) and adds the
checks a type system cannot express (one right option per single-choice question, unique ids,
...). Every problem becomes a `Problem` whose `str()` is `path:line:column: message`, worded for
trainers, not programmers. No input, however broken, makes these functions raise.

The package, bottom to top:
- `positions`: `Problem`, positions by path, `LoadResult`, `ContentKind`, the node builder;
- `yaml_errors`: decoding and parsing the text, PyYAML's errors in plain words;
- `pydantic_errors`: the model's validation errors in plain words, with "did you mean";
- `semantics`: the module rules types cannot express, and how places in a module are named;
- `pipeline`: `load_yaml` / `load_yaml_file`, the generic entry point for any content kind;
- `api`: modules: `load_module_text`, `load_module_file`, `load_content_dir`, ...

Every name of the single-file loader this package replaced is importable from here still.
"""

# ruff: noqa: F401  (re-exports: every name of the old single-file loader stays importable)
from __future__ import annotations

from training.loader.api import (
    MODULE,
    ContentSet,
    LoadedModule,
    _load,
    _load_file,
    content_version,
    load_content_dir,
    load_module_file,
    load_module_source,
    load_module_text,
    module_files,
)
from training.loader.pipeline import (
    _fill_placeholders,
    _load_unguarded,
    _placeholder_position,
    load_yaml,
    load_yaml_file,
)
from training.loader.positions import (
    _LINE_BREAK,
    _MAP_TAG,
    _MERGE_TAG,
    _MERGE_WHAT,
    _NULL_TAG,
    _SEQ_TAG,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Check,
    ContentKind,
    Describe,
    LoadResult,
    Loc,
    Positions,
    Problem,
    _Abort,
    _Builder,
    _line_col,
    _one_line,
    _Pos,
    _Result,
    _short,
    _tag_name,
)
from training.loader.pydantic_errors import (
    _allowed_values,
    _bounds,
    _check_types,
    _context,
    _field_info,
    _get,
    _got,
    _item_annotation,
    _kind,
    _model_at,
    _pydantic_message,
    _suggestion,
    _unknown_field,
    _unwrap,
    _validate,
    _walk_models,
    describe_place,
)
from training.loader.semantics import (
    _as_int,
    _check_module_id,
    _check_options,
    _check_question,
    _check_quiz_size,
    _check_semantics,
    _describe,
    _question_label,
    required_correct,
)
from training.loader.yaml_errors import (
    _QUOTE_HINT,
    _after_closing_quote,
    _compose,
    _decode,
    _flow_nesting_beyond,
    _line_text,
    _quote_at,
    _too_large_message,
    _yaml_error,
)
from training.models import KEBAB_ID, Module
from training.organisation import (
    PLACEHOLDER,
    Organisation,
    organisation_for,
    read_organisation,
    undefined_message,
)

__all__ = [
    "Check",
    "ContentKind",
    "ContentSet",
    "Describe",
    "LoadResult",
    "LoadedModule",
    "MAX_FILE_BYTES",
    "MODULE",
    "Positions",
    "Problem",
    "content_version",
    "describe_place",
    "load_content_dir",
    "load_module_file",
    "load_module_source",
    "load_module_text",
    "load_yaml",
    "load_yaml_file",
    "module_files",
    "required_correct",
]
