"""Account: who I am and changing my own password."""

import streamlit as st

from ui.auth import password_change_form, require_user
from ui.nav import ROLE_LABELS

user = require_user()

st.title("Account")
st.write(f"**{user.name}** · `{user.username}` · {ROLE_LABELS.get(user.role, user.role)}")
if st.session_state.pop("password_changed", False):
    st.success("Your password is changed.")
st.subheader("Change password")
password_change_form(user, key="account_password")
