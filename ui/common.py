"""What every page shares: the process-wide services, the signed-in user, safe text."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import streamlit as st

from docqa.accounts import User, UserStore
from docqa.audit import record_ingest
from docqa.logs import configure_logging
from docqa.services import Services, open_services
from ingest.uploads import UploadJob, UploadQueue, share_cores_with_questions
from retrieval.settings import load_settings
from retrieval.types import IngestReport


@dataclass(frozen=True)
class AppContext:
    services: Services
    uploads: UploadQueue
    users: UserStore
    user: User


# One pipeline per process, shared by every browser session: the embedded index admits a
# single process, and the embedding model is loaded once.
@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def shared_services() -> Services:
    configure_logging()  # once per process; DOCQA_LOG_FORMAT=json for log collectors
    return open_services(load_settings())


@st.cache_resource
def shared_uploads() -> UploadQueue:
    services = shared_services()
    share_cores_with_questions()
    return UploadQueue(services, workers=services.settings.upload_workers,
                       on_report=lambda job, report: audit_upload(services, job, report))


def audit_upload(services: Services, job: UploadJob, report: IngestReport) -> None:
    """The audit events of an upload or re-index the upload queue finished, by its admin."""
    if services.audit is not None:
        record_ingest(services.audit, services.catalog, report, job.uploader,
                      "reindex" if job.kind == "reindex" else "ingest")


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI, for st.image: the image travels inside the page message, so no
    /media URL exists for it (a document page must not be fetchable by URL)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Document text and questions are shown as text: markdown and HTML characters escaped,
    so a document cannot style, link or script the page."""
    return _MARKDOWN.sub(r"\\\1", text)


# Kept as Markdown: emphasis, lists, tables, headings, code. Escaped: HTML (< > &), links and
# images ([ ] ( )), Streamlit's directives (:red[…], :green-badge[…], :material/…:), LaTeX ($)
# and backslashes. A document (or a model quoting one) can lay text out but cannot run
# script, fetch a URL, link away or draw a badge that looks like one of our checks.
_UNSAFE_MARKDOWN = re.compile(r"([\\<>&\[\]():$])")


def safe_markdown(text: str) -> str:
    """Answer and page text as safe Markdown: laid out (bold, lists, tables), never HTML."""
    return _UNSAFE_MARKDOWN.sub(r"\\\1", text)


def require_admin(ctx: AppContext) -> None:
    """Admin pages refuse everyone else, however they got here (menu or typed URL)."""
    if not ctx.user.is_admin:
        st.error("This page is for administrators. Ask an admin if you need access.")
        st.stop()
