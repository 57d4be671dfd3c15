"""The app's one style block: phone-first tap targets and contrast, injected once per run."""

from __future__ import annotations

import streamlit as st

# - Answer options (radio and checkbox labels in a container from answer_options(): the
#   quiz and daily practice) are full-width cards at least 44 px high with body-size text, so
#   a thumb hits them on a phone.
# - Captions are darker than Streamlit's default grey (#828180 on white is 3.9:1; WCAG AA
#   asks 4.5:1 for body text).
# - A training card on My training is one link: its "Start"/"Continue" link stretches over
#   the whole card (the card is the link's positioned ancestor).
# - On a phone (below 640 px, where Streamlit folds the top navigation into its menu) every
#   button, link, tab, pill, expander and text field is at least 44 px high, and the menu
#   button says "Menu" beside its arrows; tabs sit closer, so My progress's five fit in 390 px.
OPTIONS_PREFIX = "answer_options_"  # a container key; Streamlit makes it a class st-key-<key>

_CSS = """<style>
OPTS [data-testid="stRadio"],
OPTS [data-testid="stRadioGroup"],
OPTS [data-testid="stRadioGroup"] > div,
OPTS [data-testid="stCheckbox"],
OPTS [data-testid="stCheckbox"] > label,
OPTS .stElementContainer:has([data-testid="stRadio"], [data-testid="stCheckbox"]) {
  width: 100%;
}
OPTS [data-testid="stCheckbox"] > label {
  margin-bottom: 0 !important;
}
OPTS [data-testid="stRadioOption"],
OPTS [data-testid="stCheckbox"] > label {
  width: 100%; min-height: 44px; box-sizing: border-box; align-items: center;
  padding: 0.6rem 0.8rem; margin: 0 0 0.5rem 0;
  border: 1px solid rgba(49, 51, 63, 0.3); border-radius: 0.5rem;
}
OPTS [data-testid="stRadioOption"]:has(input:checked),
OPTS [data-testid="stCheckbox"] > label:has(input:checked) {
  border-color: #0f6e6e; background: rgba(15, 110, 110, 0.08);
}
OPTS [data-testid="stRadioOption"]:has(input:focus-visible),
OPTS [data-testid="stCheckbox"] > label:has(input:focus-visible) {
  outline: 2px solid #0f6e6e; outline-offset: 2px;
}
OPTS label p { font-size: 1rem; }
.stApp [data-testid="stCaptionContainer"],
.stApp [data-testid="stCaptionContainer"] p { color: #5f5e5c; opacity: 1; }
div[class*="st-key-training_card_"] { position: relative; }
div[class*="st-key-training_card_"] :is(:has([data-testid="stPageLink"]),
  [data-testid="stPageLink"], [data-testid="stPageLink"] *) { position: static; }
div[class*="st-key-training_card_"] [data-testid="stPageLink"] a::after {
  content: ""; position: absolute; inset: 0; z-index: 1;
}
div[class*="st-key-training_card_"]:hover { border-color: #0f6e6e; }
@media (max-width: 640px) {
  :is(.stButton, .stFormSubmitButton, .stDownloadButton) button,
  [data-testid="stPageLink"] a, [data-testid="stSidebarNavLink"],
  [data-testid="stTab"], [data-testid="stButtonGroup"] button,
  [data-testid="stExpander"] summary, [data-testid="stTextInputRootElement"] {
    min-height: 44px;
  }
  [data-testid="stPageLink"] a, [data-testid="stSidebarNavLink"] { align-items: center; }
  :is([data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"]) button,
  [data-testid="stExpandSidebarButton"] { min-height: 44px; min-width: 44px; }
  [data-testid="stExpandSidebarButton"]::after { content: "Menu"; margin-left: 0.25rem; }
  [data-testid="stTextInputRootElement"] input { min-height: 42px; }
  [data-testid="stTabs"] [role="tablist"] { gap: 0.75rem; }
}
</style>""".replace("OPTS", f'[class*="st-key-{OPTIONS_PREFIX}"]')


def answer_options(name: str):
    """Return a container whose radio or checkbox options the style block draws as full-width
    answer cards (its key gives it the class the style block selects); name is unique on the
    page."""
    return st.container(key=OPTIONS_PREFIX + name)


def apply() -> None:
    """Add the style block to the page (invisible; st.html of a style only is not shown)."""
    st.html(_CSS)
