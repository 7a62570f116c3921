"""Login: the users file with server-side sessions (ui/websession.py: a form posted to
/session/login, an HttpOnly cookie, a session row in SQLite checked on every run), and single
sign-on through Streamlit's OIDC login when it is configured (roles and groups from the
identity provider's claims).

Each run re-reads the signed-in user from the users file and checks the session, so logging
out, a removed user or a changed role, group or password takes effect at the next page run,
not at the next login.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from docqa.accounts import User, UserError, UserStore, user_from_claims
from docqa.sessions import SessionStore
from retrieval.settings import Settings
from ui import websession
from ui.common import plain
from ui.websession import LOGGED_OUT, audit_log, current_user, log_out, login_form

PROBLEMS = {
    "failed": "The user name or password is not right.",
    "locked": "Too many failed attempts. Wait a few minutes, then try again.",
}


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


def _signed_in(user: User, on_log_out: Callable[[], None]) -> User:
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.name)}** ({user.role})")
        st.button("Log out", key="docqa-logout", on_click=on_log_out)
    return user


def signed_in_user(store: UserStore, sessions: SessionStore, settings: Settings) -> User | None:
    """The signed-in user, or None after drawing the login form."""
    sso = sso_configured()
    user = _sso_user(settings)
    if user is not None:
        return _signed_in(user, st.logout)
    user = current_user(sessions, store)
    if user is not None:
        return _signed_in(user, lambda: log_out(sessions, user.username,
                                                audit_log(settings)))
    local = bool(store.users())
    if not local and not sso:
        st.title("docqa")
        st.info("No users yet. An administrator creates the first one on the server:\n\n"
                "`docqa users add NAME --role admin`")
        return None
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("docqa")
        st.caption("Ask your company's documents. Every answer cites document and page.")
        problem = PROBLEMS.get(str(st.query_params.get("login") or ""))
        if problem:
            st.error(problem)
        elif st.session_state.get(LOGGED_OUT):
            st.info("You are logged out.")
        elif websession.session_token():
            st.info("Your session has ended. Log in again.")
        if sso:
            st.button("Log in with single sign-on", type="primary", key="sso-login",
                      icon=":material/login:", on_click=st.login)
        if local:
            st.subheader("Log in")
            st.html(login_form())
    return None
