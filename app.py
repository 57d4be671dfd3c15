"""Streamlit entry: page config, sign-in gate and navigation built from the user's role.

`streamlit run app.py` finds the `st.App` below and serves it: Streamlit plus two small
routes that set and clear the HttpOnly session cookie, and a middleware that checks websocket
origins, refuses the browser's clear-cache command and adds security headers (ui/server.py).
"""

import streamlit as st

if __name__ != "__main__":
    # Imported by the ASGI server: build the app with the cookie routes.
    from starlette.middleware import Middleware

    from ui.server import ROUTES, SecurityMiddleware, lifespan, on_script_error

    app = st.App(
        __file__,
        routes=ROUTES,
        middleware=[Middleware(SecurityMiddleware)],
        lifespan=lifespan,
        on_script_error=on_script_error,
    )
else:
    from store import accounts, config
    from ui import auth, nav, style

    # A local image as the favicon: a Material icon here is fetched from fonts.gstatic.com,
    # and an intranet install must not call outside hosts.
    st.set_page_config(page_title="Service Quality Training", page_icon=nav.ICON, layout="wide")
    auth.ensure_database()
    style.apply()
    if config.is_demo():  # compact: one line, not a full-width warning box
        st.caption(":orange-badge[:material/science: Demo] Sample organisation, not real people.")

    if not accounts.has_users():  # every rerun asks: a probe, not a count of 20,000 people
        nav.gate(auth.first_run_form, "Set up").run()
        st.stop()

    user = auth.current_user()
    if user is None:
        nav.gate(nav.sign_in_page, "Sign in").run()
        st.stop()
    if user.must_change_password:
        nav.gate(lambda: auth.forced_password_change(user), "New password").run()
        st.stop()

    sections = nav.pages_for(user)
    pages = [p for group in sections.values() for p in group]
    # A few pages (an employee's three) are plain links in the top bar: one tap each, not a
    # menu per section of one or two pages.
    few = sum(p.visibility == "visible" for p in pages) <= 4
    page = st.navigation(pages if few else sections, position="top")
    nav.sidebar(user)
    page.run()
