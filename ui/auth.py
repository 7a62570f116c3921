"""Login: the users file checked by streamlit-authenticator (bcrypt, signed cookie).

Each run re-reads the signed-in user from the users file, so a removed user or a changed role
or group takes effect at the next page load, not at the next login.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
import streamlit_authenticator as stauth

from retrieval.settings import Settings
from retrieval.users import User, UserStore
from ui.common import plain

COOKIE = "docqa_login"


def _credentials(store: UserStore) -> dict[str, Any]:
    return {"usernames": {u.username: {"name": u.name, "email": "", "password": u.password_hash,
                                       "roles": [u.role]}
                          for u in store.users()}}


def authenticator(store: UserStore, settings: Settings) -> stauth.Authenticate:
    return stauth.Authenticate(_credentials(store), COOKIE, store.cookie_key(),
                               settings.login_days, auto_hash=False)


def signed_in_user(store: UserStore, settings: Settings) -> User | None:
    """The signed-in user, or None after drawing the login form."""
    auth = authenticator(store, settings)
    if not store.users():
        st.title("docqa")
        st.info("No users yet. An administrator creates the first one on the server:\n\n"
                "`docqa users add NAME --role admin`")
        return None
    if not st.session_state.get("authentication_status"):
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            st.title("docqa")
            st.caption("Ask your company's documents. Every answer cites document and page.")
            try:
                auth.login(location="main", fields={"Form name": "Log in", "Login": "Log in"},
                           max_login_attempts=10)
            except stauth.utilities.exceptions.LoginError as e:
                st.error(plain(str(e)))
            status = st.session_state.get("authentication_status")
            if status is False:
                st.error("The user name or password is not right.")
        if not st.session_state.get("authentication_status"):
            return None
        # No st.rerun() here: the login cookie is written by a browser component drawn in
        # this run; its reply reruns the page, which then shows the app without the form.
    username = st.session_state.get("username") or ""
    user = store.get(username)
    if user is None:  # removed from the users file since logging in
        auth.logout(location="unrendered")
        st.warning("Your account no longer exists. Ask an admin.")
        return None
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.name)}** ({user.role})")
        auth.logout("Log out", location="sidebar", key="docqa-logout")
    return user
