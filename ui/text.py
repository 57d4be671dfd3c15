"""Names and titles shown as plain text inside Markdown.

Streamlit renders Markdown in st.markdown, st.write, titles and headers, captions, alerts,
toasts, expander, tab, button, checkbox and radio labels. A person's or team's name, a module or
lesson title is data, not Markdown: through `plain` a name like `![x](http://host/pixel)` shows
as those characters instead of fetching an image from that host, and `[click](...)` is no link.
Selectbox and multiselect options, dataframes and charts show text as it is and need nothing.
"""

from __future__ import annotations

# Every ASCII punctuation character CommonMark lets a backslash escape that means something in
# Markdown, GitHub's extensions (autolinks, tables, strikethrough, maths) or Streamlit's
# directives (:red[...], :material/icon:).
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$:=&@/")


def plain(text: object) -> str:
    """Return text on one line with every Markdown character escaped, to show it as written."""
    flat = " ".join(str(text).split())
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in flat)
