"""The current user, the role guard every page starts with, and the sign-in forms."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from store import accounts, config, db, sso, sso_config
from store.models import User
from store.permissions import role_may
from store.security import MAX_PASSWORD_LENGTH
from ui.oidc import ERROR_PARAM, START_PATH
from ui.server import COMPLETE_PATH, COOKIE_NAME, END_PATH, PRESIGN_COOKIE
from ui.text import plain

TOKEN_KEY = "session_token"
CHECKED_KEY = "_auth_checked"  # (this run, the tokens, the user): one check a run
SIGNED_OUT_FLASH = "auth_signed_out_flash"
SSO_ERROR = "auth_sso_error"
SIGNED_OUT = "You are no longer signed in, so that was not saved. Sign in again to go on."
PASSWORD_HELP = (
    "At least 10 characters, not a common password and not your username. A few unrelated "
    "words are easy to remember and hard to guess."
)


@st.cache_resource(show_spinner=False)
def _ensure_database(url: str) -> bool:
    db.upgrade(url)
    return True


_READY: set[str] = set()  # databases this process has upgraded


def ensure_database() -> None:
    """Create or upgrade the schema once per process and database.

    Asked twice a rerun (app.py and the sign-in check): a set look-up after the first time,
    where st.cache_resource inspects and hashes its arguments on every call.
    """
    url = config.database_url()
    if url not in _READY:
        _ensure_database(url)
        _READY.add(url)


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser context (bare script run)
        return None
    return value if isinstance(value, str) else None


def _cookie_token() -> str | None:
    return _cookie(COOKIE_NAME)


def client_address() -> str | None:
    """Return the browser's address as the server sees it (None on loopback or in tests)."""
    try:
        address = st.context.ip_address
    except Exception:
        return None
    return address if isinstance(address, str) else None


def _this_run() -> object | None:
    """Return an object that is new for every script run of this session (None outside one)."""
    ctx = get_script_run_ctx()
    # Streamlit gives every run (callbacks included, they run after the reset) a new dict of
    # cursors; holding on to it keeps its identity from being reused.
    return getattr(ctx, "cursors", None) if ctx is not None else None


def current_user() -> User | None:
    """Return the signed-in user of this browser session, checked against the database.

    Checked once a script run: app.py, the page's guard and a widget callback of the same run
    ask within milliseconds, so the later ones reuse the first answer (for the same tokens).
    """
    ensure_database()
    tokens = (_cookie_token(), st.session_state.get(TOKEN_KEY))
    run = _this_run()
    checked = st.session_state.get(CHECKED_KEY)
    if run is not None and checked is not None and checked[0] is run and checked[1] == tokens:
        return checked[2]
    user = None
    for token in tokens:
        user = accounts.user_for_token(token)
        if user is not None:
            break
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
        tokens = (tokens[0], None)
    if run is not None:
        st.session_state[CHECKED_KEY] = (run, tokens, user)
    return user


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
    """Sign user in: keep the token for this tab and have the browser fetch the cookie.

    The cookie ticket is bound to this browser's pre-sign-in cookie, so a ticket someone else
    made cannot sign this browser into their account. Without that cookie (cookies blocked,
    or no browser at all) the sign-in lasts for this tab only.
    """
    browser_secret = _cookie(PRESIGN_COOKIE)
    token, ticket = accounts.create_session(user_id=user.id, browser_secret=browser_secret)
    st.session_state[TOKEN_KEY] = token
    if not browser_secret:
        st.rerun()
    url = f"{COMPLETE_PATH}?{urlencode({'ticket': ticket, 'next': _current_path()})}"
    redirect(url)
    # The browser reloads through the cookie route; until then say what is happening.
    st.info(f"Signing you in… If nothing happens, [continue]({url}).")
    st.stop()


def password_input(label: str, key: str, *, help: str | None = None, **kwargs) -> str:
    """Show a password box capped at the longest password the app accepts."""
    return st.text_input(
        label, type="password", key=key, help=help, max_chars=MAX_PASSWORD_LENGTH, **kwargs
    )


def password_twice(label: str, key: str, repeat_key: str) -> tuple[str, str]:
    """Show a new password's box (with the rules) and its repeat; return both as typed."""
    first = password_input(label, key, help=PASSWORD_HELP)
    return first, password_input(f"Repeat the {label.lower()}", repeat_key)


def typed_twice(label: str, first: str, second: str) -> bool:
    """Return True when both boxes of password_twice agree, else say so and return False."""
    if first != second:
        st.error(f"The two {label.lower()}s differ.")
        return False
    return True


def single_sign_on_button(key: str) -> None:
    """Show "Sign in with <provider>" when single sign-on is set up, and why the last one failed."""
    code = st.query_params.get(ERROR_PARAM)
    if code:
        st.session_state[SSO_ERROR] = code
        del st.query_params[ERROR_PARAM]
    refusal = sso.REFUSALS.get(st.session_state.get(SSO_ERROR) or "")
    if refusal:
        st.error(refusal, icon=":material/error:")
    try:
        settings = sso_config.load()
    except sso_config.SsoConfigError as exc:
        st.error(f"Single sign-on is not set up correctly: {exc}")
        return
    if settings is not None and st.button(
        f"Sign in with {settings.provider_name}", key=f"{key}_sso", type="primary", width="stretch"
    ):
        redirect(f"{START_PATH}?{urlencode({'next': _current_path()})}")


def sign_in_form(key: str = "signin") -> None:
    """Show the sign-in form and sign the person in when it is right."""
    st.markdown("### Sign in")
    single_sign_on_button(key)
    mode = sso_config.password_mode()
    if mode == "off":
        return
    if mode == "admins":
        st.caption("Password sign-in is for administrators only.")
    with st.form(key, clear_on_submit=False, border=True):
        username = st.text_input(
            "Username", key=f"{key}_username", autocomplete="username", max_chars=64
        )
        password = password_input("Password", f"{key}_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if submitted:
        if not username.strip() or not password:
            st.error("Enter your username and password.")
            return
        result = accounts.authenticate(
            username=username, password=password, address=client_address()
        )
        if result.user is None:
            st.error(result.message or accounts.WRONG_CREDENTIALS)
            return
        start_session(result.user)


def _forget_this_browser() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    # The session is over on the server; the route only clears the now useless cookie.
    redirect(END_PATH)


def sign_out() -> None:
    """End this browser's session and clear the cookie."""
    accounts.end_session(token=st.session_state.get(TOKEN_KEY))
    token = _cookie_token()
    if token:
        accounts.end_session(token=token)
    _forget_this_browser()


def sign_out_everywhere(user: User) -> None:
    """End every session of user, on every browser, this one included."""
    accounts.end_all_sessions(user_id=user.id)
    _forget_this_browser()


def as_signed_in(user: User, callback: Callable[..., object]) -> Callable[..., None]:
    """Wrap a widget callback that writes, so it runs only while user is still signed in.

    Streamlit runs callbacks before the page (and its guard) runs again, with the user the
    page saw last time: a person deactivated or signed out since then must write nothing.
    """

    @functools.wraps(callback)
    def run(*args, **kwargs) -> None:
        now = current_user()
        if now is None or now.id != user.id:
            st.session_state[SIGNED_OUT_FLASH] = SIGNED_OUT
            return
        callback(*args, **kwargs)

    return run


def require_user() -> User:
    """Return the signed-in user, or show the sign-in prompt and stop the page."""
    user = current_user()
    if user is None:
        flash = st.session_state.pop(SIGNED_OUT_FLASH, None)
        if flash:
            st.warning(flash)
        st.info("Please sign in to continue.")
        sign_in_form(key="guard_signin")
        st.stop()
    return user


def require_role(role: str) -> User:
    """Return the signed-in user if their role may open pages for role; otherwise stop."""
    user = require_user()
    if not role_may(user.role, role):
        st.error("You do not have access to this page.")
        st.markdown("[Back to my training](/)")
        st.stop()
    return user


def may(user: User, role: str) -> bool:
    """Return True when user may do what role may do."""
    return role_may(user.role, role)


def first_run_form() -> None:
    """Create the first administrator with the setup code printed by the server."""
    st.title("Welcome: set up your training app")
    st.write(
        "No administrator exists yet. Create the first one here. The **setup code** is printed "
        "in the terminal where the server was started, so only the person who started it can "
        "do this."
    )
    code = accounts.new_setup_code()  # None when it exists: its maker printed it
    if code:
        print(f"\n  First-run setup code: {code}\n", flush=True)
    with st.form("first_run", border=True):
        code = st.text_input("Setup code", key="first_run_code", max_chars=64)
        username = st.text_input("Username", key="first_run_username", value="admin")
        name = st.text_input("Your name", key="first_run_name")
        password, confirm = password_twice("Password", "first_run_password", "first_run_confirm")
        submitted = st.form_submit_button("Create administrator", type="primary")
    if submitted:
        if not typed_twice("Password", password, confirm):
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
    """Change one's own password (other sessions end): current password, new password twice."""
    with st.form(key, clear_on_submit=True, border=True):
        current = password_input("Current password", f"{key}_current")
        new, again = password_twice("New password", f"{key}_new", f"{key}_again")
        submitted = st.form_submit_button("Change password", type="primary")
    if submitted:
        if not typed_twice("New password", new, again):
            return
        try:
            accounts.change_password(
                user_id=user.id,
                current_password=current,
                new_password=new,
                keep_token=_cookie_token() or st.session_state.get(TOKEN_KEY),
            )
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        st.success("Your password is changed.")
        st.session_state["password_changed"] = True
        st.rerun()
