"""Command line for content authors: `python -m training COMMAND` (see SUBCOMMANDS).

Each subcommand is a pair of functions: `add_<name>(subparsers)` declares its arguments and
`cmd_<name>(args) -> int` runs it and returns the exit code. To add one, write the pair and list
the `add_` function in `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from training.checklists import (
    OBSERVATIONS_DIR,
    checklist_schema_text,
    load_checklist_file,
    load_checklists,
)
from training.docs import default_content_dir, schema_text, update_readme
from training.files import write_atomically
from training.gift import MAX_GIFT_BYTES, export_gift, gift_size_problem, import_gift
from training.lint import lint_dir
from training.loader import (
    LoadedModule,
    Problem,
    content_version,
    load_content_dir,
    load_module_file,
    load_module_text,
)
from training.models import Competency

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


# --------------------------------------------------------------------------------------------
# validate


def add_validate(subparsers: argparse._SubParsersAction) -> None:
    """Declare the validate subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check module files and print one 'path:line:column: message' line per problem",
        description=(
            "Check every module file in a content folder (or the given files). Exit status: "
            "0 all valid, 1 problems found, 2 folder or file not found."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="content folder or module files (default: $TRAINING_CONTENT_DIR or content/)",
    )
    parser.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate folders or files and print problems and a summary line."""
    paths: list[Path] = args.paths or [default_content_dir()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"error: {path} does not exist", file=sys.stderr)
        return EXIT_USAGE

    modules: list[LoadedModule] = []
    problems: list[Problem] = []
    files = 0
    checklists = checklist_files = 0
    for path in paths:
        if path.is_dir():
            content = load_content_dir(path)
            modules.extend(content.modules.values())
            problems.extend(content.problems)
            files += len(content.files)
            if not content.files and not content.problems:
                print(f"warning: no module files (*.yaml) in {path}", file=sys.stderr)
            found = load_checklists(path)  # <path>/observations/, when there is one
            checklists += len(found.checklists)
            problems.extend(found.problems)
            files += len(found.files)
            checklist_files += len(found.files)
        elif path.parent.name == OBSERVATIONS_DIR:
            files += 1
            checklist_files += 1
            checklist, file_problems = load_checklist_file(path)
            problems.extend(file_problems)
            checklists += checklist is not None
        else:
            files += 1
            module, file_problems = load_module_file(path)
            problems.extend(file_problems)
            if module is not None:
                text = path.read_text(encoding="utf-8-sig", errors="replace")
                modules.append(LoadedModule(module, path, content_version(module), text))

    questions = sum(len(m.module.quiz.questions) for m in modules)
    for problem in problems:
        print(problem)
    observed = f", {_count(checklists, 'checklist')}" if checklists else ""
    if not problems:
        print(
            f"{_count(len(modules), 'module')}, {_count(questions, 'question')}{observed}, "
            "all valid"
        )
        return EXIT_OK
    bad_files = len({p.path for p in problems})
    # Checklists counted in: "files"; a folder of modules only keeps saying "modules".
    noun = "file" if checklist_files else "module"
    print(
        f"{_count(len(problems), 'problem')} in {_count(bad_files, 'file')}; "
        f"{len(modules) + checklists} of {_count(files, noun)} valid"
    )
    return EXIT_PROBLEMS


def _add_output(parser: argparse.ArgumentParser, instead_of: str) -> None:
    """Declare the -o/--output file argument."""
    parser.add_argument(
        "-o", "--output", type=Path, help=f"write to this file instead of {instead_of}"
    )


def _add_directory(parser: argparse.ArgumentParser) -> None:
    """Declare the optional content folder argument."""
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="content folder (default: $TRAINING_CONTENT_DIR or content/)",
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------------
# lint


def add_lint(subparsers: argparse._SubParsersAction) -> None:
    """Declare the lint subcommand."""
    parser = subparsers.add_parser(
        "lint",
        help="check the questions for item-writing flaws (one 'path:line:column: warning' each)",
        description=(
            "Check every valid module of a content folder for item-writing flaws: cues that "
            "give the answer away, negative stems, small pools, scenarios copied from lessons, "
            "reused names and mixed styles. Exit status: 0 (also with warnings), 1 with "
            "--strict when any warning stands, 2 folder not found."
        ),
    )
    _add_directory(parser)
    parser.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    parser.set_defaults(handler=cmd_lint)


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint a content folder and print the warnings and a summary line."""
    directory: Path = args.directory or default_content_dir()
    if not directory.is_dir():
        print(f"error: {directory} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    warnings = lint_dir(directory)
    for warning in warnings:
        print(warning)
    files = len({w.path for w in warnings})
    if warnings:
        print(f"{_count(len(warnings), 'warning')} in {_count(files, 'file')}")
    else:
        print("no warnings")
    return EXIT_PROBLEMS if warnings and args.strict else EXIT_OK


# --------------------------------------------------------------------------------------------
# schema


def add_schema(subparsers: argparse._SubParsersAction) -> None:
    """Declare the schema subcommand."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a module file",
        description="Print the JSON Schema of a module file (used for editor autocomplete).",
    )
    _add_output(parser, "standard output")
    parser.set_defaults(handler=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the JSON Schema."""
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# docs


def add_docs(subparsers: argparse._SubParsersAction) -> None:
    """Declare the docs subcommand."""
    parser = subparsers.add_parser(
        "docs",
        help="regenerate the field table in README.md and _schema.json of the content folder",
        description=(
            "Regenerate the generated parts of the content folder from training/models.py: the "
            "field table in README.md (between the fields markers) and _schema.json."
        ),
    )
    _add_directory(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a generated file is out of date",
    )
    parser.set_defaults(handler=cmd_docs)


def cmd_docs(args: argparse.Namespace) -> int:
    """Regenerate (or with --check, verify) README.md's field table and _schema.json."""
    directory: Path = args.directory or default_content_dir()
    readme = directory / "README.md"
    if not readme.is_file():
        print(f"error: {readme} does not exist", file=sys.stderr)
        return EXIT_USAGE
    current = readme.read_text(encoding="utf-8")
    try:
        wanted = {readme: update_readme(current), directory / "_schema.json": schema_text()}
        if (directory / OBSERVATIONS_DIR).is_dir():
            wanted[directory / OBSERVATIONS_DIR / "_schema.json"] = checklist_schema_text()
    except ValueError as exc:
        print(f"error: {readme}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    stale = [
        path
        for path, text in wanted.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(f"{path} is out of date; run: python -m training docs {directory}")
        return EXIT_PROBLEMS if stale else EXIT_OK
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"updated {path}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# import-gift


def add_import_gift(subparsers: argparse._SubParsersAction) -> None:
    """Declare the import-gift subcommand."""
    parser = subparsers.add_parser(
        "import-gift",
        help="write a module file from a GIFT file (Moodle's question format)",
        description=(
            "Turn the single choice, multiple choice and true/false questions of a GIFT file "
            "into a new module file <DIR>/<ID>.yaml with a placeholder lesson. Other question "
            "types are skipped; every skipped or changed question is reported with its line. "
            f"A file may hold at most {MAX_GIFT_BYTES:,} bytes. "
            "Exit status: 0 written, 1 nothing importable or the file too large, 2 file not "
            "found or already there."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the GIFT file")
    parser.add_argument("--id", required=True, help="module id, e.g. handling-complaints")
    parser.add_argument("--title", required=True, help="module title")
    parser.add_argument(
        "--competency",
        required=True,
        choices=[c.value for c in Competency],
        metavar="C",
        help="one of: " + ", ".join(c.value for c in Competency),
    )
    parser.add_argument("--summary", help="one-sentence summary (default: a generated one)")
    parser.add_argument(
        "--content-dir",
        type=Path,
        metavar="DIR",
        help="folder to write to (default: $TRAINING_CONTENT_DIR or content/)",
    )
    _add_output(parser, "<DIR>/<ID>.yaml")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.set_defaults(handler=cmd_import_gift)


def cmd_import_gift(args: argparse.Namespace) -> int:
    """Import a GIFT file as a new module file and report what was skipped."""
    source: Path = args.file
    if not source.is_file():
        print(f"error: {source} does not exist", file=sys.stderr)
        return EXIT_USAGE
    output: Path = args.output or (args.content_dir or default_content_dir()) / f"{args.id}.yaml"
    if output.exists() and not args.force:
        print(f"error: {output} exists already (use --force to replace it)", file=sys.stderr)
        return EXIT_USAGE
    # Checked before reading: a 12 MB file is refused at once, not after minutes of parsing.
    too_large = gift_size_problem(source.stat().st_size)
    if too_large:
        print(f"error: {source}: {too_large}", file=sys.stderr)
        return EXIT_PROBLEMS
    imported = import_gift(
        source.read_text(encoding="utf-8-sig", errors="replace"),
        id=args.id,
        title=args.title,
        competency=args.competency,
        summary=args.summary,
    )
    _print_notes(source, imported.notes)
    if imported.module is None or imported.text is None:
        print(f"error: {imported.error}", file=sys.stderr)
        return EXIT_PROBLEMS
    module, notes, text = imported.module, imported.notes, imported.text
    _module, problems = load_module_text(text, str(output.with_name(f"{module.id}.yaml")))
    if problems:  # cannot happen: module_from_gift builds a valid module
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    write_atomically(output, text)
    count = len(module.quiz.questions)
    print(
        f"wrote {output}: {_count(count, 'question')}, {_count(len(notes), 'note')}; "
        "replace its placeholder lesson before learners see it"
    )
    return EXIT_OK


def _print_notes(source: Path, notes: Sequence) -> None:
    for note in notes:
        print(f"{source}:{note.line}: {note.title}: {note.message}", file=sys.stderr)


_write_atomically = write_atomically  # the one atomic writer (training/files.py)


# --------------------------------------------------------------------------------------------
# export-gift


def add_export_gift(subparsers: argparse._SubParsersAction) -> None:
    """Declare the export-gift subcommand."""
    parser = subparsers.add_parser(
        "export-gift",
        help="print a module's questions as GIFT that Moodle can import",
        description=(
            "Write the questions of a module file as GIFT (Moodle's question format). "
            "Exit status: 0 written, 1 the module has problems, 2 file not found."
        ),
    )
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="a module file, e.g. content/empathy.yaml"
    )
    _add_output(parser, "standard output")
    parser.set_defaults(handler=cmd_export_gift)


def cmd_export_gift(args: argparse.Namespace) -> int:
    """Export one valid module as GIFT."""
    source: Path = args.file
    if not source.is_file():
        print(f"error: {source} does not exist", file=sys.stderr)
        return EXIT_USAGE
    module, problems = load_module_file(source)
    if module is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    text = export_gift(module)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
        print(f"wrote {args.output}: {_count(len(module.quiz.questions), 'question')}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------

SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_validate,
    add_lint,
    add_schema,
    add_docs,
    add_import_gift,
    add_export_gift,
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m training", description="Tools for the training content (YAML modules)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
