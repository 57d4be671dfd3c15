"""Links between pages that work inside the navigation and, as plain links, outside it."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.nav import PAGES

# The URL of every page, from the one page table (ui/nav.py).
PAGE_URLS = {spec.file: "/" + spec.url for spec in PAGES}


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
