"""Links between pages that work inside the navigation and, as plain links, outside it."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.nav import PAGES, ROOT

# The URL of every page, from the one page table (ui/nav.py).
PAGE_URLS = {spec.file: "/" + spec.url for spec in PAGES}

# st.page_link given a file path resolves it (os.path.realpath: a stat per folder on the way)
# on every call, and My training has a link on every card of every rerun. Given a Page it
# only compares hashes, so each process makes one Page per linked file and reuses it (a link
# never runs its page, so sharing it between sessions is safe).
_SCRIPT_PATHS = {spec.file: str((ROOT / spec.file).resolve()) for spec in PAGES}
_LINK_PAGES: dict[tuple[str, str], st.Page] = {}
_LOCK = threading.Lock()


def _registered_page(page: str) -> st.Page | None:
    """Return a Page for linking to page (a file) when the navigation registered it, else None."""
    ctx = get_script_run_ctx()
    script_path = _SCRIPT_PATHS.get(page)
    if ctx is None or script_path is None:
        return None
    for data in ctx.pages_manager.get_pages().values():
        if data.get("script_path") == script_path:
            url_path = data.get("url_pathname") or ""
            script_hash = data.get("page_script_hash")
            break
    else:
        return None
    key = (script_path, url_path)
    with _LOCK:
        found = _LINK_PAGES.get(key)
        if found is None:
            # icon="": a link shows only the icon it is given, as with a file path.
            found = st.Page(
                Path(script_path),
                title=url_path or "home",
                icon="",
                url_path=url_path,
                default=url_path == "",
            )
            _LINK_PAGES[key] = found
    # The hash st.page_link sends must be the one the navigation registered.
    return found if found._script_hash == script_hash else None


def page_link(
    page: str, label: str, *, icon: str | None = None, query: dict | None = None, key_hint: str = ""
) -> None:
    """Link to another page of the app, keeping the session when navigation is running."""
    registered = _registered_page(page)
    try:
        st.page_link(registered or page, label=label, icon=icon, query_params=query)
    except StreamlitAPIException:
        url = PAGE_URLS.get(page, "/") + ("?" + urlencode(query) if query else "")
        st.markdown(f"[{label}]({url})")


def studio_query(module_id: str, question_id: str | None = None) -> dict[str, str]:
    """Return the query that opens a module in the content studio, locating a question."""
    return {"module": module_id, **({"question": question_id} if question_id else {})}
