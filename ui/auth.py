"""Login: the users file checked by streamlit-authenticator (bcrypt, signed cookie), and
single sign-on through Streamlit's OIDC login when it is configured (roles and groups from the
identity provider's claims).

Each run re-reads the signed-in user from the users file, so a removed user or a changed role
or group takes effect at the next page load, not at the next login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
import streamlit_authenticator as stauth

from docqa.accounts import User, UserError, UserStore, user_from_claims
from retrieval.settings import Settings
from ui.common import plain

COOKIE = "docqa_login"


def _credentials(store: UserStore) -> dict[str, Any]:
    return {"usernames": {u.username: {"name": u.name, "email": "", "password": u.password_hash,
                                       "roles": [u.role]}
                          for u in store.users()}}


def authenticator(store: UserStore, settings: Settings) -> stauth.Authenticate:
    return stauth.Authenticate(_credentials(store), COOKIE, store.cookie_key(),
                               settings.login_days, auto_hash=False)


def sso_configured() -> bool:
    """Single sign-on is on when Streamlit's OIDC settings exist ([auth] in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer False
        return False


def _sso_user(settings: Settings) -> User | None:
    if not (sso_configured() and st.user.is_logged_in):
        return None
    try:
        return user_from_claims(st.user.to_dict(), username_claim=settings.sso_username_claim,
                                roles_claim=settings.sso_roles_claim,
                                admin_role=settings.sso_admin_role,
                                groups_claim=settings.sso_groups_claim)
    except UserError as e:
        st.error(plain(str(e)))
        return None


def _signed_in(user: User, log_out: Callable[[], object]) -> User:
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.name)}** ({user.role})")
        log_out()
    return user


def signed_in_user(store: UserStore, settings: Settings) -> User | None:
    """The signed-in user, or None after drawing the login form."""
    sso = sso_configured()
    user = _sso_user(settings)
    if user is not None:
        return _signed_in(user, lambda: st.button("Log out", key="docqa-logout",
                                                  on_click=st.logout))
    auth = authenticator(store, settings)
    local = bool(store.users())
    if not local and not sso:
        st.title("docqa")
        st.info("No users yet. An administrator creates the first one on the server:\n\n"
                "`docqa users add NAME --role admin`")
        return None
    if not st.session_state.get("authentication_status"):
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            st.title("docqa")
            st.caption("Ask your company's documents. Every answer cites document and page.")
            if sso:
                st.button("Log in with single sign-on", type="primary", key="sso-login",
                          icon=":material/login:", on_click=st.login)
            if local:
                try:
                    auth.login(location="main",
                               fields={"Form name": "Log in", "Login": "Log in"},
                               max_login_attempts=10)
                except stauth.utilities.exceptions.LoginError as e:
                    st.error(plain(str(e)))
                if st.session_state.get("authentication_status") is False:
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
    return _signed_in(user, lambda: auth.logout("Log out", location="sidebar",
                                                key="docqa-logout"))
