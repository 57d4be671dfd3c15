"""The Sign-in links page body: a one-time QR code and link for a person on a shared device."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
import streamlit as st

from store import config, sign_in_links, sso_config
from store.accounts import now_utc
from store.models import User
from ui.dates import format_datetime
from ui.link_routes import link_url
from ui.text import plain

SHOWN = "sign_in_links_shown"


def _base_url() -> str:
    base = config.base_url()
    if base:
        return base
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:
        parts = None
    if parts and parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost:8501"


def qr_png(text: str) -> bytes:
    """Return a QR code of text as a PNG (segno), large enough to scan from a tablet."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def render(user: User) -> None:
    """Draw the person picker and, once made, the QR code with its link."""
    st.title("Sign-in links for shared devices")
    hours = sso_config.link_session_hours()
    st.caption(
        "For staff who share a tablet at the counter and have no email: show a QR code or a "
        "link that signs one person in on the device in front of them. It works **once**, "
        f"within **15 minutes**; the session lasts one shift ({hours:g} hours) or ends sooner "
        "when idle or signed out. Making a new one voids the person's unused older link."
    )
    try:
        people = sign_in_links.people_for_links(actor=user)
    except sign_in_links.LinkError as exc:
        st.error(str(exc))
        return
    if not people:
        st.info(
            "There is nobody you can make a sign-in link for: the employees of the teams "
            "you manage appear here."
        )
        return
    labels = {f"{p.name} ({p.username})": p.id for p in people}
    with st.form("sign_in_links_form", border=True):
        label = st.selectbox("Person", list(labels), key="sign_in_links_person")
        submitted = st.form_submit_button("Show sign-in link", type="primary")
    if submitted:
        try:
            token = sign_in_links.issue_link(actor_id=user.id, user_id=labels[label])
        except sign_in_links.LinkError as exc:
            st.error(str(exc))
            return
        st.session_state[SHOWN] = (
            label,
            link_url(_base_url(), token),
            now_utc() + sign_in_links.LINK_LIFETIME,
        )
    shown = st.session_state.get(SHOWN)
    if not shown:
        return
    label, url, until = shown
    if until < now_utc():
        st.session_state.pop(SHOWN, None)
        st.warning("That link has expired; make a new one.")
        return
    st.subheader(f"Sign-in for {plain(label)}")
    st.image(qr_png(url), caption="Scan with the shared device's camera", width=320)
    st.write(f"Or open this link on the device (valid until {format_datetime(until)}, once):")
    st.code(url, language=None)
