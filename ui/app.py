"""docqa web app: log in, then Ask (everyone) and Documents, Quality, Usage, Audit log
(admins).

Started by `docqa serve`, which runs ui/server.py: the login routes and the guard middleware
of ui/websession.py around this script (a bare `streamlit run ui/app.py` cannot log in). Pages
a user may not open are not in their navigation, so a typed URL for one lands on Ask; each
admin page checks the role again.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from retrieval.errors import DocqaError
from ui.auth import signed_in_user
from ui.common import (
    AppContext,
    data_uri,
    plain,
    require_admin,
    shared_services,
    shared_uploads,
)
from ui.views import ask, audit, documents, quality, usage
from ui.websession import stores

# The icon as a data: URI: a file path would be served from /media, which needs a session.
st.set_page_config(page_title="docqa",
                   page_icon=data_uri(Path(__file__).with_name("favicon.png").read_bytes()),
                   layout="wide")


def admin_usage(ctx: AppContext) -> None:
    require_admin(ctx)
    usage.render(ctx.services.queries)


def main() -> None:
    try:
        services = shared_services()
        uploads = shared_uploads()
    except DocqaError as e:
        st.error(plain(f"docqa cannot start: {e}"))
        st.stop()
    try:
        sessions, store = stores(services.settings)
        user = signed_in_user(store, sessions, services.settings)
    except DocqaError as e:
        st.error(plain(str(e)))
        st.stop()
    if user is None:
        st.stop()
    ctx = AppContext(services, uploads, store, user)
    pages = [st.Page(lambda: ask.render(ctx), title="Ask", icon=":material/chat:",
                     url_path="ask", default=True)]
    admin_pages = [
        st.Page(lambda: documents.render(ctx), title="Documents", icon=":material/folder:",
                url_path="documents"),
        st.Page(lambda: quality.render(ctx), title="Quality", icon=":material/monitoring:",
                url_path="quality"),
        st.Page(lambda: admin_usage(ctx), title="Usage",
                icon=":material/bar_chart:", url_path="usage"),
        st.Page(lambda: audit.render(ctx), title="Audit log", icon=":material/history:",
                url_path="audit"),
    ]
    if user.is_admin:
        nav = st.navigation({"": pages, "Admin": admin_pages})
    else:
        # A typed admin URL goes to Ask (hidden pages at those paths), rather than to
        # Streamlit's "Page not found" dialog: the user is signed in on the first run now.
        to_ask = [st.Page(lambda: st.switch_page(pages[0]), title=p.title, url_path=p.url_path,
                          visibility="hidden") for p in admin_pages]
        nav = st.navigation(pages + to_ask)
    nav.run()


main()
