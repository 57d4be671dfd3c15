"""My training: what is assigned to me, with due dates and status."""

import streamlit as st

from ui.auth import require_user

user = require_user()

st.title(f"Hello, {user.name.split()[0]}")
st.write("Your training will be listed here.")
