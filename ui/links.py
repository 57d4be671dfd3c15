"""Links between pages that work inside the navigation and, as plain links, outside it."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

PAGE_URLS = {
    "pages/home.py": "/",
    "pages/module.py": "/module",
    "pages/progress.py": "/progress",
    "pages/account.py": "/account",
    "pages/team.py": "/team",
    "pages/assign.py": "/assign",
    "pages/studio.py": "/studio",
    "pages/item_analysis.py": "/item-analysis",
    "pages/people.py": "/people",
}


def page_link(
    page: str, label: str, *, icon: str | None = None, query: dict | None = None, key_hint: str = ""
) -> None:
    """Link to another page of the app, keeping the session when navigation is running."""
    try:
        st.page_link(page, label=label, icon=icon, query_params=query)
    except StreamlitAPIException:
        url = PAGE_URLS.get(page, "/") + ("?" + urlencode(query) if query else "")
        st.markdown(f"[{label}]({url})")


def studio_query(module_id: str, question_id: str | None = None) -> dict[str, str]:
    """Return the query that opens a module in the content studio, locating a question."""
    return {"module": module_id, **({"question": question_id} if question_id else {})}
