"""Audit log (admins): who uploaded, re-indexed or deleted documents, changed who may read
them, added or removed users, logged in or failed to; newest first, filtered by action and
actor. Everything is shown as text in a dataframe (names and file names are typed by people)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from docqa.audit import ACTIONS
from ui.common import AppContext, require_admin

MAX_ROWS = 1000


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Audit log")
    audit = ctx.services.audit
    if audit is None:
        st.info("The audit log is not open in this app.")
        return
    left, right = st.columns(2)
    action = left.selectbox("Action", ["all", *ACTIONS], key="audit-action")
    actor = right.text_input("Actor", key="audit-actor",
                             help="Exactly this user name (or the name tried at login).")
    events = audit.recent(limit=MAX_ROWS, action=None if action in (None, "all") else action,
                          actor=actor.strip().lower() or None)
    if not events:
        st.info("No events match. Uploads, deletions, group changes, user changes and logins "
                "show up here.")
        return
    st.caption(f"The newest {len(events)} events (UTC); the log is append-only. "
               "`docqa audit --json` exports it.")
    st.dataframe(pd.DataFrame({
        "at (UTC)": [e.at.replace("T", " ")[:19] for e in events],
        "actor": [e.actor for e in events],
        "action": [e.action for e in events],
        "target": [e.target for e in events],
        "detail": [json.dumps(e.detail, ensure_ascii=False) for e in events],
        "source": [e.source for e in events]}), hide_index=True, width="stretch")
