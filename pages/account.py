"""Account: who I am and changing my own password."""

import streamlit as st

from store.permissions import ROLE_LABELS
from store.security import has_password
from ui import mail_view
from ui.auth import password_change_form, require_user, sign_out_everywhere

user = require_user()

st.title("Account")
st.write(f"**{user.name}** · `{user.username}` · {ROLE_LABELS.get(user.role, user.role)}")
if st.session_state.pop("password_changed", False):
    st.success("Your password is changed.")
st.subheader("Change password")
if has_password(user.password_hash):
    st.caption("Changing your password signs you out on every other browser.")
    password_change_form(user, key="account_password")
else:
    st.caption(
        "You have no password here: you sign in with single sign-on or a sign-in link. An "
        "administrator can give you one with a password reset."
    )
mail_view.preferences(user)
st.subheader("Sign out everywhere")
st.write(
    "Lost a phone, or signed in on a shared computer? This ends every session of yours, "
    "on every browser, this one included."
)
if st.button("End all my sessions", key="account_sign_out_everywhere", icon=":material/logout:"):
    sign_out_everywhere(user)
    st.stop()
