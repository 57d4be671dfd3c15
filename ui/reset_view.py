"""Self-service password reset on the sign-in page: ask for a link, and the page the link opens.

The link is ``/?reset=TOKEN``: the sign-in gate answers every URL, and `link_page` takes over
while the query holds a reset token (store/password_reset.py does the work).
"""

from __future__ import annotations

import streamlit as st

from store import password_reset, sso_config
from store.accounts import AccountError
from ui.auth import client_address, password_twice, typed_twice

QUERY_KEY = "reset"
DONE_FLASH = "reset_done_flash"


def forgot_password(key: str = "signin") -> None:
    """Show "Forgot your password?" under the sign-in form: ask for a link by username or email.

    A button opens the request form, so the sign-in page keeps exactly its two inputs until then.
    """
    flash = st.session_state.pop(DONE_FLASH, None)
    if flash:
        st.success(flash)
    if sso_config.password_mode() == "off":
        return  # nobody signs in with a password here
    opened = f"{key}_forgot_open"
    if not st.session_state.get(opened):
        if st.button("Forgot your password?", key=f"{key}_forgot", type="tertiary"):
            st.session_state[opened] = True
            st.rerun()
        return
    st.markdown("**Forgot your password?**")
    if not password_reset.password_reset_offered():
        st.write(
            "Password reset by mail is not set up on this server. Ask your manager or an "
            "administrator to reset your password."
        )
        return
    with st.form(f"{key}_forgot_form", border=True):
        identifier = st.text_input(
            "Username or email", key=f"{key}_forgot_identifier", max_chars=254
        )
        asked = st.form_submit_button("Send me a link")
    if asked:
        if not identifier.strip():
            st.error("Enter your username or your email address.")
            return
        answer = password_reset.request_reset(identifier=identifier, address=client_address())
        (st.warning if answer.wait_seconds else st.info)(answer.message)


def link_page() -> bool:
    """Show the new-password form when the URL holds a reset link; return True if it did."""
    token = st.query_params.get(QUERY_KEY)
    if not token:
        return False
    st.subheader("Choose a new password")
    if not password_reset.reset_link_is_live(token):
        st.error(password_reset.BAD_LINK)
        if st.button("Back to sign-in", key="reset_back"):
            st.query_params.clear()
            st.rerun()
        return True
    with st.form("reset_form", border=True):
        new, again = password_twice("New password", "reset_new", "reset_again")
        submitted = st.form_submit_button("Set new password", type="primary")
    if submitted:
        if not typed_twice("New password", new, again):
            return True
        try:
            user = password_reset.use_reset(token=token, new_password=new)
        except AccountError as exc:
            st.error(str(exc))
            return True
        st.query_params.clear()
        st.session_state[DONE_FLASH] = (
            f"Your password is changed, {user.name}, and you are signed out everywhere else. "
            "Sign in with the new password."
        )
        st.rerun()
    return True
