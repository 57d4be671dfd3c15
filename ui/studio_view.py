"""The content studio page body (trainers): every module's status, the YAML editor with live
checks, the learner's-eye preview, revision history with diff and restore, and GIFT import.

Editor state is one `StudioState` in `st.session_state["studio_state"]`: the file being edited
(`EditorFile`: target, module id, the fingerprint and text it had when opened, the current
text, kept so a visit to another page loses nothing), the unsaved edits of other modules, what
to open on the next run after a save, restore or import (`Pending`), and the page's messages.
Widgets keep their own keys (``studio_module``, ``studio_editor``, ...), as Streamlit needs.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from store import config, content_store
from store.content_store import InvalidModule, NotAllowed, SaveConflict
from store.models import User
from training.gift import MAX_GIFT_BYTES, GiftImport, gift_size_problem, import_gift
from training.lint import LintWarning
from training.loader import ContentSet, Problem, content_version
from training.models import COMPETENCY_LABELS, Module, Question
from training.quiz import draw_count
from training.words import competency_note, count
from ui import checklist_studio, content
from ui.dates import format_datetime
from ui.preview import render_lessons, render_question_preview
from ui.text import plain

NEW = "__new__"
PREVIEW = "studio_preview"
EDITOR = "studio_editor"
TABS = ["Edit", "Preview", "History", "Import GIFT", "Observation checklists"]
DISK, EDITING = "disk", "editor"
STATE = "studio_state"


@dataclass
class EditorFile:
    """A module file open in the editor: what it was when opened, and the text now."""

    target: str  # the file stem, or NEW
    module_id: str | None  # None for a new module, named by the id in its text
    sha: str | None  # the file's fingerprint when opened (None: no file yet)
    original: str  # the text when opened
    text: str  # the text in the editor now

    @property
    def edited(self) -> bool:
        """Return True when the editor text differs from the text opened."""
        return self.text != self.original


@dataclass(frozen=True)
class Pending:
    """What to open on the next run, after a save, a restore or an import."""

    target: str
    tab: str | None = None
    text: str | None = None


@dataclass
class StudioState:
    """Everything the studio remembers between runs, apart from its widgets' own values."""

    open: EditorFile | None = None
    drafts: dict[str, EditorFile] = field(default_factory=dict)  # unsaved edits, by target
    pending: Pending | None = None
    choice: str | None = None  # the file picked, kept while the picker widget is not drawn
    flash: str | None = None  # a message for the next run ("Saved ...")
    located: tuple[str, str] | None = None  # (module id, question id) a link asked for
    history_reset: bool = False  # history choices start again from their defaults
    gift_import: tuple[tuple, GiftImport] | None = None  # the last import, by its inputs


def _state() -> StudioState:
    """Return this session's studio state, created on first use."""
    state = st.session_state.get(STATE)
    if state is None:
        state = st.session_state[STATE] = StudioState()
    return state


# --- opening files ---------------------------------------------------------------------


def _template_text(directory: Path) -> str:
    """Return the new-module template without its copy-this-file instructions."""
    for folder in (directory, config.PROJECT_ROOT / "content"):
        path = folder / "_template.yaml"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            while lines and (lines[0].startswith("#") or not lines[0].strip()):
                lines.pop(0)
            return "# yaml-language-server: $schema=_schema.json\n" + "".join(lines)
    return "id: my-new-module\n"


def _fresh(directory: Path, target: str, text: str | None = None) -> EditorFile:
    """Return the editor state for a target opened from disk (or a new module's text)."""
    if target == NEW:
        start = text if text is not None else _template_text(directory)
        return EditorFile(target=NEW, module_id=None, sha=None, original=start, text=start)
    opened = content_store.read_module_file(directory=directory, module_id=target)
    if opened is None:
        return EditorFile(target=target, module_id=target, sha=None, original="", text="")
    return EditorFile(
        target=target, module_id=target, sha=opened.sha, original=opened.text, text=opened.text
    )


def _show(opened: EditorFile) -> None:
    state = _state()
    # A save, a restore or another module: the history choices start again from the defaults.
    state.history_reset = True
    state.open = opened
    state.choice = opened.target
    st.session_state[EDITOR] = opened.text


def _apply_pending(directory: Path) -> None:
    """Open what a save, restore or import asked for on the previous run."""
    state = _state()
    pending, state.pending = state.pending, None
    if pending is None:
        return
    state.drafts.pop(pending.target, None)
    st.session_state["studio_module"] = pending.target
    if pending.tab:
        st.session_state["studio_tab"] = pending.tab
    _show(_fresh(directory, pending.target, pending.text))


def _ensure_open(directory: Path, target: str) -> EditorFile:
    """Return the editor state for target, keeping unsaved edits of the file left behind."""
    state = _state()
    opened = state.open
    if opened is not None and opened.target == target:
        if EDITOR not in st.session_state:  # back from another page: widget state was dropped
            st.session_state[EDITOR] = opened.text
        return opened
    if opened is not None and opened.edited:
        state.drafts[opened.target] = opened
    _show(state.drafts.pop(target, None) or _fresh(directory, target))
    assert state.open is not None
    return state.open


def _reopen(target: str, *, flash: str | None = None, tab: str | None = None, text=None) -> None:
    """Open target fresh on the next run (and say flash), then rerun now."""
    state = _state()
    state.pending = Pending(target=target, tab=tab, text=text)
    if flash:
        state.flash = flash
    st.rerun()


# --- overview --------------------------------------------------------------------------


def _file_rows(content_set: ContentSet) -> list[dict]:
    """Return one row per module file: id, title, problems and last edit."""
    by_path = {str(m.path): m for m in content_set.modules.values()}
    problems: dict[str, list[Problem]] = {}
    for problem in content_set.problems:
        problems.setdefault(problem.path, []).append(problem)
    warnings: dict[str, list[LintWarning]] = {}
    for warning in content.lint_warnings():
        warnings.setdefault(warning.path, []).append(warning)
    edits = content_store.last_edits()
    rows = []
    for path in content_set.files:
        loaded = by_path.get(str(path))
        edit = content_store.file_last_edit(path, edits.get(path.stem))
        rows.append(
            {
                "stem": path.stem,
                "path": path,
                "title": loaded.module.title if loaded else None,
                "problems": sorted(problems.get(str(path), [])),
                "warnings": warnings.get(str(path), []),
                "last_edit": edit.at,
                "by": edit.by,
            }
        )
    return rows


def _status(row: dict) -> str:
    return count(len(row["problems"]), "problem") if row["problems"] else "Valid"


def _overview(rows: list[dict]) -> None:
    with st.expander(f"All modules ({len(rows)})", expanded=True, icon=":material/folder:"):
        if not rows:
            st.info("The content folder has no module files yet. Start a new module below.")
            return
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Module": r["stem"],
                        "Title": r["title"] or "",
                        "Status": _status(r),
                        "Warnings": len(r["warnings"]),
                        "Last edit": format_datetime(r["last_edit"]),
                        "By": r["by"],
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )
        broken = [r for r in rows if r["problems"]]
        for row in broken:
            st.markdown(f"**{plain(row['path'].name)}**")
            _problem_list(row["problems"])
        warned = [r for r in rows if r["warnings"]]
        for row in warned:
            st.markdown(
                f"**{plain(row['path'].name)}**: item-writing warnings (`python -m training lint`)"
            )
            _problem_list(row["warnings"])


def _deleted(user: User, directory: Path, present: set[str]) -> None:
    """List modules whose file is gone but whose history remains, each with a restore button."""
    gone = content_store.deleted_modules(present_ids=present)
    if not gone:
        return
    with st.expander(f"Deleted modules ({len(gone)})", icon=":material/delete:"):
        st.caption(
            "Their ids stay taken: learners' passes, certificates and history belong to them. "
            "Restoring writes the last saved text back to the content folder."
        )
        for item in gone:
            left, right = st.columns([3, 1], vertical_alignment="center")
            saved = format_datetime(item.saved_at)
            attempts = f"{item.attempts} attempt{'' if item.attempts == 1 else 's'}"
            left.markdown(f"**{plain(item.module_id)}** · last saved {saved} · {attempts}")
            if right.button("Restore", key=f"studio_undelete_{item.module_id}"):
                result = _write(
                    lambda item=item: content_store.restore_revision(
                        directory=directory,
                        revision_id=item.revision_id,
                        expected_sha=None,
                        actor=user,
                    )
                )
                if result is not None:
                    _reopen(result.module_id, flash=f"Restored {result.path.name}.")


def _write(write: Callable[[], content_store.SaveResult]) -> content_store.SaveResult | None:
    """Run a content write; return its result, or show why it was refused and return None."""
    try:
        return write()
    except InvalidModule as exc:
        st.error(str(exc))
        _problem_list(exc.problems)
    except content_store.ContentStoreError as exc:
        st.error(str(exc))
    return None


def _problem_list(problems: list[Problem] | list[LintWarning]) -> None:
    st.markdown(
        "\n".join(f"- line {p.line}, column {p.column}: {plain(p.message)}" for p in problems[:50])
        + (f"\n- … and {len(problems) - 50} more" if len(problems) > 50 else "")
    )


def _label(rows: dict[str, dict], target: str) -> str:
    if target == NEW:
        return "New module (from the template)"
    row = rows[target]
    mark = "" if not row["problems"] else " · has problems"
    if target in _state().drafts:
        mark += " · unsaved edit"
    return f"{row['title']} ({target}){mark}" if row["title"] else f"{row['path'].name}{mark}"


def _wanted(rows: list[dict]) -> str:
    """Return the file the trainer picked (known before the picker is drawn)."""
    options = [*(r["stem"] for r in rows), NEW]
    state = _state()
    wanted = st.session_state.get("studio_module", state.choice)
    if wanted not in options:
        wanted = options[0]
    st.session_state["studio_module"] = wanted
    state.choice = wanted
    return wanted


def _picker(rows: list[dict]) -> None:
    by_stem = {r["stem"]: r for r in rows}
    st.selectbox(
        "Module to edit",
        [*by_stem, NEW],
        format_func=lambda t: _label(by_stem, t),
        key="studio_module",
    )


# --- page ------------------------------------------------------------------------------


# YAML is indentation: the editor needs a monospaced font (st.text_area uses the body font).
_EDITOR_CSS = """<style>
.st-key-studio_editor textarea {
  font-family: "Source Code Pro", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.85rem; line-height: 1.5; tab-size: 2; white-space: pre; overflow-x: auto;
}
</style>"""


def render(user: User) -> None:
    """Draw the studio: overview, editor, preview, history and GIFT import."""
    st.html(_EDITOR_CSS)
    st.title("Content studio")
    directory = config.content_dir()
    _apply_pending(directory)
    state = _state()
    flash, state.flash = state.flash, None
    if flash:
        st.success(flash, icon=":material/check_circle:")
        st.toast(flash, icon=":material/check_circle:")  # seen even when scrolled down
    rows = _file_rows(content.content())
    _follow_link(rows)
    _overview(rows)
    _deleted(user, directory, {r["stem"] for r in rows})
    # Open the picked file before drawing the picker, so its labels show unsaved edits.
    opened = _ensure_open(directory, _wanted(rows))
    _picker(rows)
    tabs = st.tabs(TABS, key="studio_tab", on_change="rerun")
    with tabs[0]:
        check = _editor(user, directory, opened)
    with tabs[1]:
        _preview(check.module)
    with tabs[2]:
        _history(user, directory, opened)
    with tabs[3]:
        _gift(user, directory)
    with tabs[4]:
        checklist_studio.render(user, directory)


def _editor(user: User, directory: Path, opened: EditorFile) -> content_store.CheckResult:
    module_id = opened.module_id
    if module_id is None:
        st.caption(
            "A new module: set its `id` (it names the file), replace the texts, then **Save**. "
            "Nothing is written until the module has no problems."
        )
    else:
        path = content_store.module_path(directory, module_id)
        if content_store.changed_since_opened(path, opened.sha):
            st.warning(
                f"{path.name} changed on disk since you opened it (another trainer, or a git "
                "pull). Saving will be refused; use **Discard changes and reload** to see the "
                "new version.",
                icon=":material/sync_problem:",
            )
    located = _located(opened.module_id)
    located_at = st.container()  # filled in once the text is checked (the check knows lines)
    status = st.container()
    text = st.text_area(
        "Module YAML",
        key=EDITOR,
        height=520,
        help="Checked whenever you click outside the box, press Ctrl+Enter, or click Check.",
    )
    opened.text = text
    check = content_store.check_module_text(directory=directory, module_id=module_id, text=text)
    if located:
        line = check.question_lines.get(located)
        where = f"starts at line {line}" if line else "is not in the text any more"
        located_at.caption(f"Question **{plain(located)}** {where}; see it in **Preview**.")
    with st.container(horizontal=True):
        checked = st.button("Check", key="studio_check", icon=":material/fact_check:")
        save = st.button("Save", key="studio_save", type="primary", icon=":material/save:")
        reload = st.button(
            "Discard changes and reload", key="studio_reload", icon=":material/undo:"
        )
    if reload:
        _reopen(opened.target)
    if checked:
        st.toast(
            "Checked: no problems."
            if check.ok
            else f"Checked: {count(len(check.problems), 'problem')}, listed above the editor.",
            icon=":material/fact_check:",
        )
    with status:
        _check_status(check, changed=opened.edited)
    if save:
        _save(user, directory, opened, text)
    with st.expander("Highlighted YAML with line numbers", icon=":material/code:"):
        st.code(text, language="yaml", line_numbers=True)
    return check


def _check_status(check: content_store.CheckResult, *, changed: bool) -> None:
    unsaved = " Unsaved changes." if changed else ""
    if check.ok and check.module is not None:
        module = check.module
        rename = (
            f" Saving renames the module from '{check.renamed_from}' to '{check.module_id}'."
            if check.renamed_from
            else ""
        )
        st.success(
            f"Valid: {count(len(module.lessons), 'lesson')}, "
            f"{count(len(module.quiz.questions), 'question')}, "
            f"version {content_version(module)[:8]}.{rename}{unsaved}",
            icon=":material/check:",
        )
        return
    one = len(check.problems) == 1
    with st.container(border=True):
        st.error(
            f"{count(len(check.problems), 'problem')}: the module cannot be saved until "
            f"{'it is' if one else 'they are'} fixed.{unsaved}",
            icon=":material/error:",
        )
        _problem_list(check.problems)


def _save(user: User, directory: Path, opened: EditorFile, text: str) -> None:
    try:
        result = content_store.save_module_text(
            directory=directory,
            module_id=opened.module_id,
            text=text,
            expected_sha=opened.sha,
            actor=user,
        )
    except InvalidModule as exc:
        st.error(str(exc), icon=":material/block:")
        return
    except SaveConflict as exc:
        st.error(str(exc), icon=":material/sync_problem:")
        current = content_store.read_module_file(directory=directory, module_id=opened.target)
        if current is not None:
            with st.expander("What is on disk now, compared with your edit", expanded=True):
                _diff(current.text, text, "on disk now", "your edit")
        return
    except NotAllowed as exc:
        st.error(str(exc))
        return
    if not result.changed:
        st.info("Nothing to save: the file already has this text.")
        return
    renamed = f" (renamed from {result.renamed_from})" if result.renamed_from else ""
    _reopen(
        result.module_id,
        flash=f"Saved {result.path.name}{renamed}: version {result.version[:8]}.",
    )


def _follow_link(rows: list[dict]) -> None:
    """Open the module (and locate the question) of a /studio?module=ID&question=QID link."""
    wanted = st.query_params.get("module")
    if wanted is None:
        return
    question = st.query_params.get("question")
    for name in ("module", "question"):
        if name in st.query_params:
            del st.query_params[name]
    if wanted not in {r["stem"] for r in rows}:
        st.warning(f"There is no module file called '{plain(wanted)}' in the content folder.")
        return
    st.session_state["studio_module"] = wanted
    _state().located = (wanted, question) if question else None
    if question:
        st.session_state["studio_tab"] = "Preview"
        st.session_state[f"{PREVIEW}_section"] = "Quiz"


def _located(module_id: str | None) -> str | None:
    """Return the id of the question a link asked for, when it is in this module."""
    located = _state().located
    if located and module_id is not None and located[0] == module_id:
        return located[1]
    return None


def _preview(module: Module | None) -> None:
    if module is None:
        st.info("The preview appears as soon as the module has no problems.")
        return
    quiz = module.quiz
    drawn = draw_count(module)
    st.caption(
        f"As a learner sees it, drawn by the learner's own page. Each attempt draws {drawn} of "
        f"the {count(len(quiz.questions), 'question')} and shuffles their options; trainers "
        "also see the answer key."
    )
    st.header(plain(module.title), anchor=False)
    facts = [
        *filter(None, [competency_note(module.title, module.competency)]),
        f"about {module.estimated_minutes} min",
        count(len(module.lessons), "lesson"),
    ]
    st.caption(" · ".join(facts))
    st.write(module.summary)
    section_key = f"{PREVIEW}_section"
    if st.session_state.get(section_key) not in ("Lessons", "Quiz"):
        st.session_state[section_key] = "Lessons"
    section = st.segmented_control(
        "Section", ["Lessons", "Quiz"], key=section_key, label_visibility="collapsed"
    )
    if section != "Quiz":
        render_lessons(module, key=PREVIEW)
        return
    st.markdown(f"**{drawn} questions** per attempt · **pass mark {quiz.pass_mark}%**")
    located = _located(module.id)
    if located and module.question(located) is None:
        st.warning(f"Question **{plain(located)}** is not in this module any more.")
    _question_previews(quiz.questions, key=PREVIEW, located=located)


# Each Streamlit widget reads the whole session state when it is drawn, so a page of n question
# previews costs n squared: 1,200 of them took half a minute. Show them a page at a time.
PREVIEW_PAGE = 25


def _question_previews(questions: list[Question], *, key: str, located: str | None = None) -> None:
    """Draw question previews with their answer keys, PREVIEW_PAGE at a time.

    A located question (from question statistics) opens its page, marked and expanded.
    """
    first = 0
    if len(questions) > PREVIEW_PAGE:
        starts = range(0, len(questions), PREVIEW_PAGE)
        page_key = f"{key}__page"  # ids are kebab-case: no clash with a question key
        at = next((i for i, q in enumerate(questions) if q.id == located), None)
        if at is not None and st.session_state.get(f"{key}__located") != located:
            st.session_state[page_key] = at - at % PREVIEW_PAGE
            st.session_state[f"{key}__located"] = located
        first = st.selectbox(
            "Questions to show",
            starts,
            format_func=lambda s: (
                f"{s + 1}–{min(s + PREVIEW_PAGE, len(questions))} of {len(questions)}"
            ),
            key=page_key,
        )
    for number, question in enumerate(questions[first : first + PREVIEW_PAGE], start=first + 1):
        if question.id == located:
            st.info(
                f"Question **{plain(located)}**, from question statistics:",
                icon=":material/my_location:",
            )
        render_question_preview(
            question,
            key=f"{key}_{question.id}",
            number=number,
            show_answer=True,
            expanded=question.id == located,
        )


# --- history ---------------------------------------------------------------------------


def _diff(before: str, after: str, before_label: str, after_label: str) -> None:
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=before_label,
            tofile=after_label,
        )
    )
    if not lines:
        st.info("No differences.")
        return
    st.code("".join(line if line.endswith("\n") else line + "\n" for line in lines), "diff")


def _history(user: User, directory: Path, opened: EditorFile) -> None:
    module_id = opened.module_id
    if module_id is None:
        st.info("A new module has no history until it is saved.")
        return
    revisions = content_store.list_revisions(module_id=module_id)
    if not revisions:
        st.info(
            "No revisions recorded yet. Every save here records one; the text on disk before "
            "the first save is kept too."
        )
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Revision": r.id,
                    "Saved": format_datetime(r.saved_at),
                    "By": r.saved_by or "outside the studio",
                    "Version": r.version[:8],
                    "Lines": r.lines,
                }
                for r in revisions
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )
    labels = {
        r.id: f"#{r.id} · {format_datetime(r.saved_at)} · {r.saved_by or 'outside'}"
        for r in revisions
    }
    labels_all = {**labels, DISK: "The file on disk now", EDITING: "The editor (unsaved)"}
    # By default: what the newest revision changed, and the one before it to restore. The
    # file on disk and the unsaved editor text can be compared too. Defaults are set through
    # session state: the browser keeps a widget's old choice otherwise.
    options = [*labels, DISK, EDITING]
    previous = options[1] if len(revisions) > 1 else options[0]
    defaults = {
        "studio_diff_from": (previous, options),
        "studio_diff_to": (options[0], options),
        "studio_restore_pick": (previous, list(labels)),
    }
    state = _state()
    reset, state.history_reset = state.history_reset, False
    for key, (value, allowed) in defaults.items():
        if reset or st.session_state.get(key) not in allowed:
            st.session_state[key] = value
    st.subheader("Compare", anchor=False)
    left, right = st.columns(2)
    with left:
        before = st.selectbox(
            "From", options, format_func=labels_all.__getitem__, key="studio_diff_from"
        )
    with right:
        after = st.selectbox(
            "To", options, format_func=labels_all.__getitem__, key="studio_diff_to"
        )

    def text_of(choice) -> str:
        if choice == EDITING:
            return opened.text
        if choice == DISK:
            current = content_store.read_module_file(directory=directory, module_id=module_id)
            return current.text if current else ""
        return content_store.revision_text(revision_id=choice) or ""

    _diff(text_of(before), text_of(after), labels_all[before], labels_all[after])

    st.subheader("Restore", anchor=False)
    st.caption(
        "Restoring saves the old text as a new revision (checked like any save) and replaces "
        "what is in the editor."
    )
    pick = st.selectbox(
        "Revision to restore",
        list(labels),
        format_func=labels.__getitem__,
        key="studio_restore_pick",
    )
    if st.button("Restore this revision", key="studio_restore", icon=":material/history:"):
        result = _write(
            lambda: content_store.restore_revision(
                directory=directory, revision_id=pick, expected_sha=opened.sha, actor=user
            )
        )
        if result is None:
            return
        if not result.changed:
            st.info("The file already has the text of that revision.")
            return
        _reopen(
            result.module_id,
            flash=f"Restored revision #{pick} as a new revision (version {result.version[:8]}).",
        )


# --- GIFT import -----------------------------------------------------------------------


def _gift_source() -> str | None:
    """Return the uploaded or pasted GIFT text, or None (with a message) when it is refused."""
    upload = st.file_uploader(
        "GIFT file",
        type=["gift", "txt"],
        key="studio_gift_upload",
        max_upload_size=1,  # megabytes, checked by the browser; the byte limit is below
        help=f"At most {MAX_GIFT_BYTES // 1000} kB: one module's questions.",
    )
    pasted = st.text_area("…or paste GIFT text", key="studio_gift_text", height=120)
    size = upload.size if upload is not None else len(pasted.encode("utf-8", errors="replace"))
    problem = gift_size_problem(size)
    if problem:
        st.error(f"Cannot import: {problem}.", icon=":material/block:")
        return None
    return upload.getvalue().decode("utf-8-sig", errors="replace") if upload else pasted


def _gift_import(source: str, module_id: str, title: str, competency: str) -> GiftImport:
    """Return the import of this text, parsed once: reruns reuse it until an input changes."""
    digest = hashlib.sha256(source.encode("utf-8", errors="replace")).hexdigest()
    key = (digest, module_id, title, competency)
    state = _state()
    cached = state.gift_import
    if cached is None or cached[0] != key:
        cached = (key, import_gift(source, id=module_id, title=title, competency=competency))
        state.gift_import = cached  # one entry: the text on screen
    return cached[1]


def _gift(user: User, directory: Path) -> None:
    st.write(
        "Bring in questions from Moodle or another LMS in **GIFT** format. Single and multiple "
        "choice and true/false questions come in; other types are skipped and listed below."
    )
    source = _gift_source()
    left, mid, right = st.columns(3)
    with left:
        module_id = st.text_input(
            "New module id", key="studio_gift_id", placeholder="e.g. handling-complaints"
        ).strip()
    with mid:
        title = st.text_input("Title", key="studio_gift_title").strip()
    with right:
        competency = st.selectbox(
            "Competency",
            list(COMPETENCY_LABELS),
            format_func=COMPETENCY_LABELS.__getitem__,
            key="studio_gift_competency",
        )
    if source is None or not source.strip():
        return
    if not module_id or not title:
        st.info("Give the new module an id and a title to see the preview.")
        return
    imported = _gift_import(source, module_id, title, competency)
    module, text, notes = imported.module, imported.text, imported.notes
    if module is None or text is None:
        st.error(f"Cannot import: {imported.error}.")
        _gift_notes(notes)
        return
    st.success(
        f"{count(len(module.quiz.questions), 'question')} ready to import into '{module_id}'."
        + (f" {count(len(notes), 'note')} below." if notes else "")
    )
    _gift_notes(notes)
    with st.container(horizontal=True):
        save = st.button("Create the module", key="studio_gift_save", type="primary")
        edit = st.button("Open in the editor first", key="studio_gift_open")
    if save:
        saved = _write(
            lambda: content_store.save_module_text(
                directory=directory, module_id=None, text=text, expected_sha=None, actor=user
            )
        )
        if saved is None:
            return
        _reopen(
            saved.module_id,
            tab="Edit",
            flash=f"Created {saved.path.name} from GIFT. Write its lesson next: the import "
            "adds a placeholder.",
        )
    if edit:
        _reopen(NEW, tab="Edit", text=text, flash="Imported into the editor; not saved yet.")
    st.subheader("Preview", anchor=False)
    _question_previews(module.quiz.questions, key="studio_gift")


def _gift_notes(notes) -> None:
    """List what the import skipped or changed, by line of the GIFT file."""
    if not notes:
        return
    st.markdown(
        "\n".join(
            f"- line {n.line} · **{plain(n.title)}**: {plain(n.message)}"
            for n in sorted(notes, key=lambda n: n.line)
        )
    )
