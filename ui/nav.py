"""Which pages each role sees, the refusal at the URL of a page they may not see, and the
sidebar around them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from store.models import User
from store.permissions import ROLE_AUDIENCE, ROLE_LABELS
from ui import auth, reset_view
from ui.text import plain

ROOT = Path(__file__).resolve().parent.parent
ICON = str(ROOT / "ui" / "assets" / "icon.png")  # the favicon, served by the app itself


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its file, sidebar section, title, icon, URL path and role."""

    file: str
    section: str
    title: str
    icon: str
    url: str
    role: str = "employee"
    hidden: bool = False


PAGES = [
    PageSpec("pages/home.py", "Training", "My training", ":material/school:", ""),
    PageSpec(
        "pages/module.py", "Training", "Module", ":material/menu_book:", "module", hidden=True
    ),
    PageSpec(
        "pages/progress.py", "Training", "My progress", ":material/workspace_premium:", "progress"
    ),
    PageSpec("pages/team.py", "Team", "Team progress", ":material/monitoring:", "team", "manager"),
    PageSpec(
        "pages/assign.py", "Team", "Assignments", ":material/assignment:", "assign", "manager"
    ),
    PageSpec("pages/observe.py", "Team", "Observe", ":material/visibility:", "observe", "manager"),
    PageSpec(
        "pages/sign_in_links.py",
        "Team",
        "Sign-in links",
        ":material/qr_code_2:",
        "sign-in-links",
        "manager",
    ),
    PageSpec(
        "pages/feedback.py",
        "Team",
        "Customer feedback",
        ":material/reviews:",
        "feedback",
        "manager",
    ),
    PageSpec("pages/impact.py", "Team", "Impact", ":material/insights:", "impact", "manager"),
    PageSpec(
        "pages/studio.py", "Content", "Content studio", ":material/edit_note:", "studio", "trainer"
    ),
    PageSpec(
        "pages/item_analysis.py",
        "Content",
        "Question statistics",
        ":material/query_stats:",
        "item-analysis",
        "trainer",
    ),
    PageSpec(
        "pages/people.py",
        "Administration",
        "People and teams",
        ":material/group:",
        "people",
        "admin",
    ),
    PageSpec("pages/account.py", "Me", "Account", ":material/person:", "account"),
]

# Every URL path of the app, so a gate page (sign-in, first run) or a refusal can answer at
# any of them.
URL_PATHS = tuple(p.url for p in PAGES if p.url)


@functools.cache
def _exists(spec: PageSpec) -> bool:
    # A page is registered only once its file exists, so nothing unfinished is reachable.
    # Asked for every page on every rerun; page files do not come and go while a server runs.
    return (ROOT / spec.file).exists()


PAGES_KEY = "_nav_pages"  # (role, sections) of this browser session


def pages_for(user: User) -> dict[str, list[st.Page]]:
    """Return the navigation sections for user's role (made once per session and role).

    A page the role may not see is not registered: its URL answers with a refusal that says
    who the page is for and what this person can open instead (instead of Streamlit's
    "Page not found" box over the home page).
    """
    # Making a Page resolves its file on disk; a session's runs are one after another, so
    # its pages can be reused from run to run (st.navigation only marks the one it runs).
    made = st.session_state.get(PAGES_KEY)
    if made is not None and made[0] == user.role:
        return made[1]
    sections = _sections(user)
    st.session_state[PAGES_KEY] = (user.role, sections)
    return sections


def _sections(user: User) -> dict[str, list[st.Page]]:
    sections: dict[str, list[st.Page]] = {}
    allowed = [p for p in PAGES if _exists(p) and auth.may(user, p.role)]
    for spec in allowed:
        sections.setdefault(spec.section, []).append(
            st.Page(
                spec.file,
                title=spec.title,
                icon=spec.icon,
                url_path=spec.url,
                default=spec.url == "",
                visibility="hidden" if spec.hidden else "visible",
            )
        )
    refused = [p for p in PAGES if _exists(p) and not auth.may(user, p.role)]
    if refused:
        sections.setdefault("Me", []).extend(
            st.Page(
                _refusal(spec, allowed),
                title="Not available",
                icon=":material/block:",
                url_path=spec.url,
                visibility="hidden",
            )
            for spec in refused
        )
    return sections


def _refusal(spec: PageSpec, allowed: list[PageSpec]):
    def render() -> None:
        refusal_page(spec, allowed)

    render.__name__ = f"refused_{spec.url.replace('-', '_')}"
    return render


def refusal_page(spec: PageSpec, allowed: list[PageSpec]) -> None:
    """Say plainly that this page is not for this person, and link what they can open."""
    st.title("Not available to you")
    st.error(
        f"**{spec.title}** is for {ROLE_AUDIENCE[spec.role]}, so it is not open to you. "
        "If you need it, ask an administrator to change your role.",
        icon=":material/block:",
    )
    st.markdown("**What you can open instead:**")
    for other in allowed:
        if not other.hidden:
            st.page_link(other.file, label=other.title, icon=other.icon)


def gate(render, title: str) -> st.Page:
    """Run st.navigation with render answering every URL path, hidden from the sidebar."""
    pages = [st.Page(render, title=title, url_path="gate", default=True)]
    for path in URL_PATHS:
        pages.append(st.Page(lambda: render(), title=title, url_path=path))
    return st.navigation(pages, position="hidden")


def sidebar(user: User) -> None:
    """Show who is signed in and the sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.name)}** · {ROLE_LABELS.get(user.role, user.role)}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            auth.sign_out()
            st.stop()


def sign_in_page() -> None:
    """The page shown to anyone not signed in."""
    left, mid, right = st.columns([1, 2, 1])
    with mid:
        st.title("Service Quality Training")
        st.caption("Short modules and quizzes on the basic customer needs.")
        if reset_view.link_page():  # the page a password reset link opens
            return
        auth.sign_in_form()
        reset_view.forgot_password()
