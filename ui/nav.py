"""Which pages each role sees, and the sidebar around them."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from store.models import User
from ui import auth
from ui.text import plain

ROLE_LABELS = {
    "employee": "Employee",
    "manager": "Manager",
    "trainer": "Trainer",
    "admin": "Administrator",
}


ROOT = Path(__file__).resolve().parent.parent

# (file, title, icon, url path) of the pages for managers and for trainers.
MANAGER_PAGES = [
    ("pages/team.py", "Team progress", ":material/monitoring:", "team"),
    ("pages/assign.py", "Assignments", ":material/assignment:", "assign"),
]
TRAINER_PAGES = [
    ("pages/studio.py", "Content studio", ":material/edit_note:", "studio"),
    ("pages/item_analysis.py", "Question statistics", ":material/query_stats:", "item-analysis"),
]


def _existing(specs: list[tuple[str, str, str, str]]) -> list[st.Page]:
    # A page is registered only once its file exists, so nothing unfinished is reachable.
    return [
        st.Page(path, title=title, icon=icon, url_path=url)
        for path, title, icon, url in specs
        if (ROOT / path).exists()
    ]


def pages_for(user: User) -> dict[str, list[st.Page]]:
    """Return the navigation sections for user's role (pages they may not see are absent)."""
    sections: dict[str, list[st.Page]] = {
        "Training": [
            st.Page(
                "pages/home.py",
                title="My training",
                icon=":material/school:",
                url_path="",
                default=True,
            ),
            st.Page(
                "pages/module.py",
                title="Module",
                icon=":material/menu_book:",
                url_path="module",
                visibility="hidden",
            ),
            st.Page(
                "pages/progress.py",
                title="My progress",
                icon=":material/workspace_premium:",
                url_path="progress",
            ),
        ],
    }
    if auth.may(user, "manager"):
        sections["Team"] = _existing(MANAGER_PAGES)
    if auth.may(user, "trainer"):
        sections["Content"] = _existing(TRAINER_PAGES)
    if auth.may(user, "admin"):
        sections["Administration"] = [
            st.Page(
                "pages/people.py",
                title="People and teams",
                icon=":material/group:",
                url_path="people",
            ),
        ]
    sections = {name: pages for name, pages in sections.items() if pages}
    sections["Me"] = [
        st.Page("pages/account.py", title="Account", icon=":material/person:", url_path="account"),
    ]
    return sections


# Every URL path of the app, so a gate page (sign-in, first run) can answer at any of them
# and the person lands where they were going once through it.
URL_PATHS = ("module", "progress", "account", "team", "assign", "studio", "item-analysis", "people")


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
        auth.sign_in_form()
