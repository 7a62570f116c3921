"""The web server: ``streamlit run ui/server.py`` (what ``docqa serve`` runs) finds ``app``, an
st.App, and serves ui/app.py with the login routes and the guard middleware of
ui/websession.py. Streamlit's command-line flags (address, port, upload size…) still apply."""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from ui.websession import GuardMiddleware, routes

app = st.App(str(Path(__file__).with_name("app.py")), routes=routes(),
             middleware=[Middleware(GuardMiddleware)])
