"""The People and teams page body (admin only; the page file runs the guard first)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from store import accounts, contact, learning, roster, sso, sso_config, throttle
from store.models import User
from store.permissions import ROLE_LABELS, ROLES, TEAM_MANAGER_ROLES
from training.certificate import Standing, normalise_certificate_id
from training.scores import format_score
from training.words import count
from ui import content, mail_view, settings_view
from ui.auth import as_signed_in
from ui.dates import format_date, format_datetime
from ui.text import plain

NO_TEAM = "— no team —"
ROSTER_PREVIEW_KEY = "people_roster_preview"


def _team_options() -> dict[str, int | None]:
    options: dict[str, int | None] = {NO_TEAM: None}
    options.update({t.name: t.id for t in accounts.list_teams()})
    return options


@contextmanager
def _saving(flash: str) -> Iterator[None]:
    """Run a change: show its AccountError, or on success say `flash` on the next run."""
    try:
        yield
    except accounts.AccountError as exc:
        st.error(str(exc))
    else:
        st.session_state["people_flash"] = flash
        st.rerun()


def render(admin: User) -> None:
    """Draw the page: people, teams, roster import and the audit log."""
    st.title("People and teams")
    flash = st.session_state.pop("people_flash", None)
    if flash:
        st.success(flash)
    _temporary_password(ADDED, "Added", "people_added_dismiss")
    people_tab, teams_tab, import_tab, cert_tab, audit_tab, settings_tab = st.tabs(
        ["People", "Teams", "Import roster", "Certificates", "Audit log", "Organisation"]
    )
    with people_tab:
        _people(admin)
    with teams_tab:
        _teams(admin)
    with import_tab:
        _import(admin)
    with cert_tab:
        _certificate_lookup()
    with audit_tab:
        _audit_log()
    with settings_tab:
        settings_view.render(admin)
        mail_view.settings_form(admin)


def _people(admin: User) -> None:
    mail_view.status(admin)
    people = accounts.list_people()
    if people:
        ways = sso.sign_in_methods(password_mode=sso_config.password_mode())
        frame = pd.DataFrame(
            [
                {
                    "Name": p.name,
                    "Username": p.username,
                    "Role": ROLE_LABELS.get(p.role, p.role),
                    "Team": p.team or "",
                    "Email": p.email or "",
                    "Manages": p.manages,
                    "Active": p.active,
                    "Signs in with": ways.get(p.id, ""),
                }
                for p in people
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch", placeholder="")
    _sign_in_attempts(admin)
    teams = _team_options()

    with st.expander("Add a person", icon=":material/person_add:"):
        # Not cleared on submit: a taken username or a bad name keeps what was typed.
        with st.form("people_add"):
            username = st.text_input("Username", key="people_add_username")
            name = st.text_input("Name", key="people_add_name")
            role = st.selectbox("Role", ROLES, format_func=ROLE_LABELS.get, key="people_add_role")
            team = st.selectbox("Team", list(teams), key="people_add_team")
            submitted = st.form_submit_button("Add person", type="primary")
        if submitted:
            try:
                added, password = accounts.add_person(
                    username=username, name=name, role=role, team_id=teams[team], actor_id=admin.id
                )
            except accounts.AccountError as exc:
                st.error(str(exc))
            else:
                # Shown until dismissed (a rerun or a download must not lose it).
                st.session_state[ADDED] = (added.name, added.username, password)
                for key in ("people_add_username", "people_add_name"):
                    st.session_state.pop(key, None)
                st.rerun()

    if not people:
        return
    by_label = {f"{p.name} ({p.username})": p for p in people}
    with st.expander("Edit a person", icon=":material/edit:", expanded=False):
        label = st.selectbox("Person", list(by_label), key="people_edit_pick")
        person = by_label[label]
        team_names = list(teams)
        current_team = person.team if person.team in teams else NO_TEAM
        with st.form(f"people_edit_{person.id}"):
            name = st.text_input("Name", value=person.name, key=f"people_edit_name_{person.id}")
            role = st.selectbox(
                "Role",
                ROLES,
                index=ROLES.index(person.role),
                format_func=ROLE_LABELS.get,
                key=f"people_edit_role_{person.id}",
            )
            team = st.selectbox(
                "Team",
                team_names,
                index=team_names.index(current_team),
                key=f"people_edit_team_{person.id}",
            )
            email = st.text_input(
                "Email (optional)",
                value=person.email or "",
                key=f"people_edit_email_{person.id}",
                help="For reminders and password reset links; each person needs their own.",
            )
            active = st.checkbox(
                "Active (may sign in)", value=person.active, key=f"people_edit_active_{person.id}"
            )
            saved = st.form_submit_button("Save changes", type="primary")
        if saved:
            with _saving(f"Saved {plain(name)}."):
                contact.check_email(user_id=person.id, email=email)  # a bad one saves nothing
                accounts.update_user(
                    user_id=person.id,
                    actor_id=admin.id,
                    name=name,
                    role=role,
                    team_id=teams[team],
                    clear_team=teams[team] is None,
                    active=active,
                )
                contact.set_email(user_id=person.id, actor_id=admin.id, email=email)
        st.divider()
        st.write(
            "**Reset password**: sets a temporary password that must be changed at the "
            "next sign-in, ends the person's sessions and clears any sign-in wait."
        )
        if st.button("Reset password", key=f"people_reset_{person.id}"):
            try:
                password = accounts.reset_password(user_id=person.id, actor_id=admin.id)
            except accounts.AccountError as exc:
                st.error(str(exc))
            else:
                st.session_state[RESET] = (person.name, person.username, password)
        _temporary_password(RESET, "New temporary password for", "people_reset_dismiss")


def _temporary_password(state_key: str, lead: str, dismiss_key: str) -> None:
    """Show a temporary password kept in session state until the admin dismisses it."""
    kept = st.session_state.get(state_key)
    if kept is None:
        return
    name, username, password = kept
    st.warning(
        f"{lead} {plain(name)} (`{username}`). Temporary password: `{password}`  \n"
        "Give it to them privately; they choose their own at first sign-in. It is shown until "
        "you dismiss it.",
        icon=":material/key:",
    )
    st.button(
        "Dismiss the password",
        key=dismiss_key,
        on_click=st.session_state.pop,
        args=(state_key, None),
    )


def _teams(admin: User) -> None:
    teams = accounts.list_teams()
    people = accounts.list_people()
    if teams:
        counts: dict[int, int] = {}
        for p in people:
            if p.team_id is not None and p.active:
                counts[p.team_id] = counts.get(p.team_id, 0) + 1
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Team": t.name,
                        "People": counts.get(t.id, 0),
                        "Managers": ", ".join(m.name for m in accounts.team_managers(team_id=t.id)),
                    }
                    for t in teams
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )
    else:
        st.info("No teams yet. Create the first one below.")
    with st.form("teams_create", clear_on_submit=True):
        name = st.text_input("New team name", key="teams_create_name")
        if st.form_submit_button("Create team", type="primary"):
            with _saving(f"Created team {plain(name)}."):
                accounts.create_team(name=name, actor_id=admin.id)
    if not teams:
        return
    st.subheader("Rename a team or set its managers")
    by_name = {t.name: t for t in teams}
    picked = by_name[st.selectbox("Team", list(by_name), key="teams_pick")]
    managers = [p for p in people if p.role in TEAM_MANAGER_ROLES and p.active]
    current = [m.id for m in accounts.team_managers(team_id=picked.id)]
    with st.form(f"teams_edit_{picked.id}"):
        new_name = st.text_input("Name", value=picked.name, key=f"teams_name_{picked.id}")
        chosen = st.multiselect(
            "Managers",
            [m.id for m in managers],
            default=[m for m in current if m in {x.id for x in managers}],
            format_func=lambda uid: next(
                f"{m.name} ({m.username})" for m in managers if m.id == uid
            ),
            key=f"teams_managers_{picked.id}",
            help="Only people with the manager role are listed.",
        )
        if st.form_submit_button("Save team", type="primary"):
            with _saving(f"Saved team {plain(new_name)}."):
                if new_name.strip() != picked.name:
                    accounts.rename_team(team_id=picked.id, name=new_name, actor_id=admin.id)
                accounts.set_team_managers(team_id=picked.id, user_ids=chosen, actor_id=admin.id)


def _import(admin: User) -> None:
    st.write(
        "Upload a CSV file with the columns **username, name, team, role** and optionally "
        "**manager** (yes/no) and **email** (blank keeps a person's address). New people get "
        "a temporary password; people who already exist are updated. Nothing is imported "
        "while any row has a problem."
    )
    st.download_button(
        "Download an example file",
        roster.example_csv(),
        file_name="roster-example.csv",
        mime="text/csv",
        key="roster_example",
    )
    if IMPORTED in st.session_state:
        _imported(st.session_state[IMPORTED])
        return
    upload = st.file_uploader(
        "Roster CSV",
        type=["csv"],
        key=f"roster_upload_{st.session_state.get(UPLOADS, 0)}",
        max_upload_size=roster.MAX_BYTES // (1024 * 1024),
    )
    if upload is None:
        st.session_state.pop(ROSTER_PREVIEW_KEY, None)
        return
    if upload.size > roster.MAX_BYTES:  # refused before reading it
        st.error(roster.TOO_BIG)
        return
    preview = _roster_preview(upload.getvalue())
    if preview.errors:
        st.error(
            f"{count(len(preview.errors), 'problem')}; fix the file and upload it again. "
            "Nothing was imported."
        )
        st.dataframe(
            pd.DataFrame(preview.errors, columns=["Line", "Problem"]),
            hide_index=True,
            width="stretch",
            placeholder="",
        )
    if preview.rows:
        st.write(
            f"**Preview**: {len(preview.rows)} people, {len(preview.new_usernames)} new, "
            f"{count(len(preview.new_teams), 'new team')}."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Line": r.line,
                        "Username": r.username,
                        "Name": r.name,
                        "Team": r.team,
                        "Role": r.role,
                        "Team manager": r.manager,
                        "Action": "create" if r.username in preview.new_usernames else "update",
                    }
                    for r in preview.rows
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )

    def run_import() -> None:
        # In a callback, so the result is kept before the page draws again, and the uploader
        # gets a new key: the finished file is gone and cannot be imported a second time.
        try:
            result = roster.import_roster(preview, actor_id=admin.id)
        except accounts.AccountError as exc:
            st.session_state[IMPORT_FAILED] = str(exc)
            return
        st.session_state.pop(ROSTER_PREVIEW_KEY, None)
        st.session_state[IMPORTED] = result
        st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1

    st.button(
        f"Import {len(preview.rows)} people",
        type="primary",
        disabled=not preview.ok,
        key="roster_import",
        on_click=as_signed_in(admin, run_import),
    )
    failed = st.session_state.pop(IMPORT_FAILED, None)
    if failed:
        st.error(f"{failed} Nothing was imported.")


IMPORTED = "roster_imported"  # the finished import, kept until the admin dismisses it
IMPORT_FAILED = "roster_import_failed"  # why the last import was refused (e.g. the last admin)
UPLOADS = "roster_uploads"  # bumped after each import, so the uploader starts empty
RESET = "people_reset_done"  # (name, username, temporary password) of the last reset
ADDED = "people_added"  # (name, username, temporary password) of the person just added


def _imported(result: roster.RosterResult) -> None:
    """Show a finished import, and its temporary passwords until the admin dismisses them."""
    st.success(
        f"Imported: {len(result.created)} created, {result.updated} updated, "
        f"{count(result.teams_created, 'team')} created.",
        icon=":material/check_circle:",
    )
    if result.created:
        st.warning(
            "Temporary passwords are shown only here, until you dismiss them. Download them "
            "and hand them out privately.",
            icon=":material/key:",
        )
        st.download_button(
            "Download temporary passwords",
            roster.passwords_csv(result.created),
            file_name="temporary-passwords.csv",
            mime="text/csv",
            key="roster_passwords",
            on_click="ignore",  # downloading must not rerun the page
            icon=":material/download:",
        )
    st.button(
        "Dismiss and import another file" if result.created else "Import another file",
        key="roster_dismiss",
        on_click=st.session_state.pop,
        args=(IMPORTED, None),
    )


def _roster_preview(data: bytes) -> roster.RosterPreview:
    """Return the preview of this upload, parsing it only when the file changed."""
    digest = hashlib.sha256(data).hexdigest()
    kept = st.session_state.get(ROSTER_PREVIEW_KEY)
    if kept is not None and kept.digest == digest:
        return kept
    preview = roster.parse_roster(data)
    st.session_state[ROSTER_PREVIEW_KEY] = preview
    return preview


def _sign_in_attempts(admin: User) -> None:
    rows = throttle.under_attack()
    if not rows:
        return
    known = {p.username for p in accounts.list_people()}
    st.warning(
        "Failed sign-ins in the last hour. Each failure makes the next try from that name or "
        "address wait longer; nobody is locked out for good.",
        icon=":material/shield:",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Account or address": r.name,
                    "Kind": r.kind,
                    "Person exists": r.name in known if r.kind == "account" else None,
                    "Failures": r.failures,
                    "Last failure": format_datetime(r.last_failure_at),
                    "Must wait (s)": r.wait_seconds,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )
    waiting = sorted(r.name for r in rows if r.kind == "account" and r.name in known)
    if not waiting:
        return
    cols = st.columns([3, 1], vertical_alignment="bottom")
    name = cols[0].selectbox("Clear the wait of", waiting, key="people_unlock_pick")
    if cols[1].button("Clear wait", key="people_unlock"):
        with _saving(f"Cleared the sign-in wait of {name}."):
            accounts.unlock(username=name, actor_id=admin.id)


def _certificate_lookup() -> None:
    st.write("Check a certificate someone shows you: type the id printed on it.")
    with st.form("cert_lookup"):
        typed = st.text_input("Certificate id", placeholder="CERT-XXXX-XXXX", key="cert_lookup_id")
        looked = st.form_submit_button("Look up")
    if not looked:
        return
    cert_id = normalise_certificate_id(typed or "")
    record = learning.find_certificate(cert_id) if cert_id else None
    if record is None:
        st.error("No certificate has that id. Check the spelling; ids look like CERT-7F3A-92B1.")
        return
    modules = content.modules()
    title = (
        modules[record.module_id].module.title
        if record.module_id in modules
        else (record.module_id)
    )
    until = f"valid until {format_date(record.expires_at)}" if record.expires_at else "no expiry"
    facts = (
        f"**{plain(record.learner_name)}** (`{record.username}`) passed **{plain(title)}** on "
        f"{format_date(record.passed_at)} with {format_score(record.score)}, {until}."
    )
    if record.standing is Standing.CURRENT:
        st.success(
            f"**{record.certificate_id}** is genuine and current. {facts}",
            icon=":material/verified:",
        )
    elif record.standing is Standing.EXPIRED:
        st.warning(
            f"**{record.certificate_id}** is genuine but has expired. {facts} "
            "It is still their latest pass of this module.",
            icon=":material/event_busy:",
        )
    else:
        replaced = f" on {format_date(record.superseded_on)}" if record.superseded_on else ""
        st.info(
            f"**{record.certificate_id}** is genuine but superseded. {facts} "
            f"A later pass{replaced} replaced it; their current certificate for this module "
            f"is **{record.current_id}**.",
            icon=":material/history:",
        )


def _audit_log() -> None:
    rows = accounts.recent_audit(limit=300)
    if not rows:
        st.info("Nothing recorded yet.")
        return
    names = {p.id: p.username for p in accounts.list_people()}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": format_datetime(r.at),
                    "Action": r.action,
                    "Actor": names.get(r.actor_id, "") if r.actor_id else "",
                    "Target": r.target or "",
                    "Detail": r.detail or "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )
