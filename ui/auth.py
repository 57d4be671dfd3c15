"""The current user, the role guard every page starts with, and the sign-in forms."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from store import accounts, config, db
from store.models import User
from ui.server import COMPLETE_PATH, COOKIE_NAME, END_PATH
from ui.text import plain

TOKEN_KEY = "session_token"

# Which roles may open pages meant for a role: admins may open everything.
ROLE_ACCESS = {
    "employee": {"employee", "manager", "trainer", "admin"},
    "manager": {"manager", "admin"},
    "trainer": {"trainer", "admin"},
    "admin": {"admin"},
}


@st.cache_resource(show_spinner=False)
def _ensure_database(url: str) -> bool:
    db.upgrade(url)
    return True


def ensure_database() -> None:
    """Create or upgrade the schema once per process and database."""
    _ensure_database(config.database_url())


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser context (bare script run)
        return None
    return token if isinstance(token, str) else None


def current_token() -> str | None:
    """Return this browser's session token: the HttpOnly cookie, else this tab's sign-in."""
    return _cookie_token() or st.session_state.get(TOKEN_KEY)


def current_user() -> User | None:
    """Return the signed-in user of this browser session, checked against the database."""
    ensure_database()
    for token in (_cookie_token(), st.session_state.get(TOKEN_KEY)):
        user = accounts.user_for_token(token)
        if user is not None:
            return user
    st.session_state.pop(TOKEN_KEY, None)
    return None


def redirect(url: str) -> None:
    """Send the browser to url (a path on this site) with a full page load."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    ctx.enqueue(msg)


def _current_path() -> str:
    """Return the path and query of the page being shown, to come back to after sign-in."""
    try:
        url = st.context.url or ""
        query = {k: st.query_params[k] for k in st.query_params}
    except Exception:
        return "/"
    path = urlsplit(url).path or "/"
    return path + ("?" + urlencode(query) if query else "")


def start_session(user: User) -> None:
    """Sign user in: keep the token for this tab and have the browser fetch the cookie."""
    token, ticket = accounts.create_session(user_id=user.id)
    st.session_state[TOKEN_KEY] = token
    url = f"{COMPLETE_PATH}?{urlencode({'ticket': ticket, 'next': _current_path()})}"
    redirect(url)
    # The browser reloads through the cookie route; until then say what is happening.
    st.info(f"Signing you in… If nothing happens, [continue]({url}).")
    st.stop()


def sign_in_form(key: str = "signin") -> None:
    """Show the sign-in form and sign the person in when it is right."""
    st.markdown("### Sign in")
    with st.form(key, clear_on_submit=False, border=True):
        username = st.text_input("Username", key=f"{key}_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key=f"{key}_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if submitted:
        if not username.strip() or not password:
            st.error("Enter your username and password.")
            return
        result = accounts.authenticate(username=username, password=password)
        if result.user is None:
            st.error(result.message or accounts.WRONG_CREDENTIALS)
            return
        start_session(result.user)


def sign_out() -> None:
    """End the session everywhere it is used and clear the cookie."""
    accounts.end_session(token=st.session_state.pop(TOKEN_KEY, None))
    token = _cookie_token()
    if token:
        accounts.end_session(token=token)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    redirect(END_PATH)


def require_user() -> User:
    """Return the signed-in user, or show the sign-in prompt and stop the page."""
    user = current_user()
    if user is None:
        st.info("Please sign in to continue.")
        sign_in_form(key="guard_signin")
        st.stop()
    return user


def require_role(role: str) -> User:
    """Return the signed-in user if their role may open pages for role; otherwise stop."""
    user = require_user()
    if user.role not in ROLE_ACCESS[role]:
        st.error("You do not have access to this page.")
        st.markdown("[Back to my training](/)")
        st.stop()
    return user


def may(user: User, role: str) -> bool:
    """Return True when user may do what role may do."""
    return user.role in ROLE_ACCESS[role]


def first_run_form() -> None:
    """Create the first administrator with the setup code printed by the server."""
    st.title("Welcome: set up your training app")
    st.write(
        "No administrator exists yet. Create the first one here. The **setup code** is printed "
        "in the terminal where the server was started, so only the person who started it can "
        "do this."
    )
    if not accounts.setup_code_exists():
        code = accounts.new_setup_code()
        print(f"\n  First-run setup code: {code}\n", flush=True)
    with st.form("first_run", border=True):
        code = st.text_input("Setup code", key="first_run_code")
        username = st.text_input("Username", key="first_run_username", value="admin")
        name = st.text_input("Your name", key="first_run_name")
        password = st.text_input(
            "Password", type="password", key="first_run_password", help="At least 10 characters."
        )
        confirm = st.text_input("Repeat the password", type="password", key="first_run_confirm")
        submitted = st.form_submit_button("Create administrator", type="primary")
    if submitted:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            user = accounts.create_first_admin(
                setup_code=code, username=username, name=name, password=password
            )
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        start_session(user)


def forced_password_change(user: User) -> None:
    """Make a person with a temporary password choose their own before anything else."""
    st.title("Choose a new password")
    st.write(
        f"Welcome, {plain(user.name)}. Your password was set by an administrator; choose your own."
    )
    password_change_form(user, key="forced_change")


def password_change_form(user: User, key: str = "change_password") -> None:
    """Change one's own password: current password, new password twice."""
    with st.form(key, clear_on_submit=True, border=True):
        current = st.text_input("Current password", type="password", key=f"{key}_current")
        new = st.text_input(
            "New password", type="password", key=f"{key}_new", help="At least 10 characters."
        )
        again = st.text_input("Repeat the new password", type="password", key=f"{key}_again")
        submitted = st.form_submit_button("Change password", type="primary")
    if submitted:
        if new != again:
            st.error("The two new passwords differ.")
            return
        try:
            accounts.change_password(user_id=user.id, current_password=current, new_password=new)
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        st.success("Your password is changed.")
        st.session_state["password_changed"] = True
        st.rerun()
