"""docqa web app: log in, then Ask (everyone) and Documents, Quality, Usage (admins).

Started by `docqa serve` (or `streamlit run ui/app.py`). Pages a user may not open are not in
their navigation, so a typed URL for one lands on Ask; each admin page checks the role again.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from docqa.accounts import UserStore
from retrieval.errors import DocqaError
from ui.auth import signed_in_user
from ui.common import AppContext, plain, require_admin, shared_services, shared_uploads
from ui.views import ask, documents, quality, usage

st.set_page_config(page_title="docqa", page_icon=str(Path(__file__).with_name("favicon.png")),
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
    store = UserStore(services.settings.users_path)
    try:
        user = signed_in_user(store, services.settings)
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
    ]
    nav = st.navigation({"": pages, "Admin": admin_pages} if user.is_admin else pages)
    nav.run()


main()
