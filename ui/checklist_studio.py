"""The studio's Observation checklists tab: edit a checklist's YAML with the loader's checks,
preview it as the observer will see it, read its history and restore, save atomically.

State: ``studio_checklist_open`` holds the file being edited (its id, None for a new one, the
fingerprint of the file when opened, the text then), so a visit to another tab loses nothing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from store import checklist_store as store
from store.models import User
from training.checklists import (
    Checklist,
    checklist_files,
    checklist_version,
    rating_label,
    ratings_for,
)
from training.models import COMPETENCY_LABELS, CUSTOMER_NEEDS
from training.words import count
from ui.dates import format_datetime
from ui.text import plain

NEW = "__new__"
OPEN = "studio_checklist_open"
EDITOR = "studio_checklist_editor"
PICK = "studio_checklist_pick"
FLASH = "studio_checklist_flash"
PENDING = "studio_checklist_pending"  # applied before the widgets: (checklist to pick, text)
TEMPLATE = """\
# yaml-language-server: $schema=_schema.json
id: my-new-checklist
title: My new checklist
summary: When and how long to observe.
scale: three_point
items:
  - id: mn-01
    need: prompt-attention
    behaviour: Acknowledges each arriving customer within ten seconds.
  - id: mn-02
    need: empathy
    behaviour: Names how the customer feels before offering a fix.
  - id: mn-03
    need: timely-service
    behaviour: Tells a waiting customer how long it will take.
"""


def _open(directory: Path, target: str, text: str | None = None) -> dict:
    opened = (
        None
        if target == NEW
        else store.read_checklist_file(directory=directory, checklist_id=target)
    )
    state = {
        "target": target,
        "checklist_id": None if target == NEW else target,
        "sha": opened.sha if opened else None,
        "original": opened.text if opened else TEMPLATE,
    }
    st.session_state[OPEN] = state
    st.session_state[EDITOR] = text if text is not None else state["original"]
    return state


def render(user: User, directory: Path) -> None:
    """Draw the checklist editor, its checks, preview and history."""
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    stems = [p.stem for p in checklist_files(directory)]
    pending = st.session_state.pop(PENDING, None)
    if pending is not None:  # after a save or "open in editor": set widgets before they draw
        pick, text = pending
        st.session_state[PICK] = pick if pick in stems else NEW
        _open(directory, st.session_state[PICK], text=text)
    st.caption(
        "Observation checklists live in `observations/` of the content folder; managers rate "
        "them on **Observe**. The format is in the content guide, section 17."
    )
    target = st.selectbox(
        "Checklist to edit",
        [*stems, NEW],
        format_func=lambda t: "New checklist" if t == NEW else t,
        key=PICK,
    )
    opened = st.session_state.get(OPEN)
    if opened is None or opened["target"] != target:
        opened = _open(directory, target)
    text = st.text_area("Checklist YAML", key=EDITOR, height=420)
    check = store.check_checklist_text(
        directory=directory, checklist_id=opened["checklist_id"], text=text
    )
    unsaved = " Unsaved changes." if text != opened["original"] else ""
    if check.ok and check.checklist is not None:
        c = check.checklist
        needs = {str(i.need) for i in c.items} & set(CUSTOMER_NEEDS)
        st.success(
            f"Valid: {count(len(c.items), 'item')} on {count(len(needs), 'customer need')}, "
            f"version {checklist_version(c)[:8]}.{unsaved}",
            icon=":material/check:",
        )
    else:
        st.error(
            f"{count(len(check.problems), 'problem')}: the checklist cannot be saved until "
            f"they are fixed.{unsaved}",
            icon=":material/error:",
        )
        st.code("\n".join(f"{p.line}:{p.column}: {p.message}" for p in check.problems))
    if st.button("Save checklist", key="studio_checklist_save", type="primary"):
        _save(user, directory, opened, text)
    # A toggle, not an expander: the preview is drawn only when asked for.
    if st.toggle("Preview: what the observer sees", key="studio_checklist_preview"):
        if check.checklist is not None:
            preview(check.checklist)
        else:
            st.caption("Fix the problems above to see the preview.")
    if opened["checklist_id"]:
        _history(user, directory, opened)


def _save(user: User, directory: Path, opened: dict, text: str) -> None:
    try:
        saved = store.save_checklist_text(
            directory=directory,
            checklist_id=opened["checklist_id"],
            text=text,
            expected_sha=opened["sha"],
            actor=user,
        )
    except (store.ContentStoreError, store.NotAllowed) as exc:
        st.error(str(exc), icon=":material/block:")
        return
    check = store.check_checklist_text(
        directory=directory, checklist_id=opened["checklist_id"], text=text
    )
    st.session_state[FLASH] = (
        "No changes to save." if saved is None else f"Saved {check.checklist_id}."
    )
    st.session_state[PENDING] = (check.checklist_id, None)
    st.rerun()


def preview(checklist: Checklist) -> None:
    """Show a checklist as Observe shows it (rating buttons disabled)."""
    st.markdown(f"**{plain(checklist.title)}**  \n{plain(checklist.summary)}")
    choices = [r.value for r in ratings_for(checklist.scale)]
    for number, item in enumerate(checklist.items, start=1):
        with st.container(border=True):
            need = COMPETENCY_LABELS.get(str(item.need), str(item.need))
            st.markdown(f"**{number}. {plain(item.behaviour)}**")
            st.caption(need + (f" · {plain(item.guidance)}" if item.guidance else ""))
            st.segmented_control(
                f"Preview rating {number}",
                choices,
                format_func=lambda r, s=checklist.scale: rating_label(s, r),
                key=f"studio_checklist_preview_{number}",
                disabled=True,
                label_visibility="collapsed",
            )


def _history(user: User, directory: Path, opened: dict) -> None:
    revisions = store.list_revisions(checklist_id=opened["checklist_id"])
    with st.expander(f"History ({len(revisions)} saved)", icon=":material/history:"):
        if not revisions:
            st.caption("Not saved from the studio yet (only the file on disk).")
        for r in revisions:
            who = r.saved_by or "from the file"
            left, right = st.columns([3, 1], vertical_alignment="center")
            left.markdown(
                f"{format_datetime(r.saved_at)} · {plain(who)} · version `{r.version[:8]}`"
            )
            if right.button("Open in editor", key=f"studio_checklist_rev_{r.id}"):
                text = store.revision_text(revision_id=r.id) or ""
                st.session_state[PENDING] = (opened["target"], text)
                st.rerun()
