"""Usage (admins): how much docqa is used, how fast it answers, what it costs, and which
questions it could not answer. The numbers come from ``retrieval.usage``; this module only
draws them, from the query log it is handed (it opens no services itself)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from docqa.query_log import QueryLog
from docqa.usage import UsageSummary, summarize, window_start

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30
# QueryLog.recent() always applies a LIMIT (default 1000, which a busy month passes). This is
# far above 90 days of a company's questions; if it is ever reached the page says so instead
# of showing quietly truncated numbers.
MAX_ROWS = 200_000
_ANSWERED, _REFUSED = "#4c78a8", "#e45756"


def render(queries: QueryLog) -> None:
    st.title("Usage")
    picked = st.segmented_control("Window", WINDOWS, default=DEFAULT_WINDOW, required=True,
                                  format_func=lambda d: f"Last {d} days", key="usage_window")
    days = int(picked) if picked else DEFAULT_WINDOW
    now = datetime.now(UTC)
    # A bare date sorts before every timestamp of that day in the stored ISO format, so the
    # log's string comparison starts the window at midnight UTC.
    logged = queries.recent(limit=MAX_ROWS, since=window_start(days, now).isoformat())
    summary = summarize(logged, days=days, now=now)
    if not summary.totals.queries:
        st.info(f"No questions asked in the last {days} days. Questions asked on the Ask page "
                "show up here with their latency, cost and feedback.")
        return
    if len(logged) >= MAX_ROWS:
        st.warning(f"Only the newest {MAX_ROWS:,} questions of this window are counted.")
    _tiles(summary)
    _questions_per_day(summary)
    _latency(summary)
    _tokens_and_cost(summary)
    _feedback(summary)
    _unanswered(summary)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _usd(amount: float) -> str:
    # Model answers cost fractions of a cent; two decimals would show most windows as $0.00.
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.4f}"


def _tiles(s: UsageSummary) -> None:
    t, f = s.totals, s.feedback
    cols = st.columns(5)
    cols[0].metric("Questions", f"{t.queries:,}")
    cols[1].metric("People", f"{t.users:,}", help="Distinct signed-in users who asked.")
    cols[2].metric("Answered", _pct(t.answered_share),
                   help="Share of questions answered rather than refused for lack of sources.")
    cols[3].metric("Feedback rate", _pct(f.rate),
                   help="Share of questions that got a thumbs up or down.")
    cols[4].metric("Cost", _usd(t.cost_usd), help="Model tokens at the configured prices.")
    m = s.modes
    other = f", other {m.other}" if m.other else ""
    st.caption(f"{s.first_day} to {s.last_day} (UTC days). Answers: extractive {m.extractive}, "
               f"model {m.llm}, model failed and extractive used {m.fallback}{other}. "
               f"{t.unverified} answered with a citation that could not be verified.")


def _questions_per_day(s: UsageSummary) -> None:
    st.subheader("Questions per day")
    df = pd.DataFrame({"day": pd.to_datetime([d.day for d in s.per_day]),
                       "answered": [d.answered for d in s.per_day],
                       "refused": [d.refused for d in s.per_day]})
    st.bar_chart(df, x="day", y=["answered", "refused"], stack=True, color=[_ANSWERED, _REFUSED],
                 x_label="", y_label="questions", width="stretch")


def _latency(s: UsageSummary) -> None:
    st.subheader("Latency per stage")
    rows = [r for r in s.latency if r.n]
    df = pd.DataFrame({"stage": [r.stage for r in rows], "p50 ms": [r.p50_ms for r in rows],
                       "p95 ms": [r.p95_ms for r in rows], "questions": [r.n for r in rows]})
    # sort=False keeps pipeline order (embed, search, generate, total), not alphabetical.
    st.bar_chart(df, x="stage", y=["p50 ms", "p95 ms"], stack=False, sort=False, x_label="",
                 y_label="ms", width="stretch")
    st.caption("Nearest-rank percentiles over the questions that recorded the stage.")
    with st.expander("Latency numbers"):
        st.dataframe(df, hide_index=True, width="stretch")


def _tokens_and_cost(s: UsageSummary) -> None:
    st.subheader("Tokens and cost per day")
    t, m = s.totals, s.modes
    if not (t.prompt_tokens or t.completion_tokens or t.cost_usd):
        # Empty charts would look broken; say why they are empty instead.
        if not (m.llm or m.fallback):
            st.info("No tokens and no cost in this window: every answer was extractive "
                    "(sentences picked from the documents, without a language model, as "
                    "docqa answers when no model is configured with OPENAI_API_KEY), so there "
                    "is nothing to chart.", icon=":material/info:")
        else:
            st.info(f"The model answered {m.llm + m.fallback} questions but reported no token "
                    "usage (some OpenAI-compatible servers leave it out), so tokens and cost "
                    "cannot be charted.", icon=":material/info:")
        return
    if m.extractive:
        st.caption(f"{m.extractive} extractive answers used no model: no tokens, no cost.")
    days = pd.to_datetime([d.day for d in s.per_day])
    left, right = st.columns(2)
    with left:
        tokens = pd.DataFrame({"day": days, "prompt": [d.prompt_tokens for d in s.per_day],
                               "completion": [d.completion_tokens for d in s.per_day]})
        st.bar_chart(tokens, x="day", y=["prompt", "completion"], stack=True, x_label="",
                     y_label="tokens", width="stretch")
    with right:
        cost = pd.DataFrame({"day": days, "cost (USD)": [d.cost_usd for d in s.per_day]})
        st.line_chart(cost, x="day", y="cost (USD)", x_label="", y_label="USD", width="stretch")


def _feedback(s: UsageSummary) -> None:
    st.subheader("Feedback")
    f = s.feedback
    if not f.given:
        st.caption("Nobody gave feedback in this window.")
        return
    left, right = st.columns(2)
    with left:
        st.caption(f"{f.given} of {f.queries} answers rated; "
                   f"{_pct(f.helpful_share)} of those helpful.")
        votes = pd.DataFrame({"feedback": ["helpful", "not helpful"],
                              "answers": [f.helpful, f.not_helpful]})
        st.bar_chart(votes, x="feedback", y="answers", color="feedback", sort=False, x_label="",
                     width="stretch")
    with right:
        if f.reasons:
            # Reasons are typed by users: a dataframe shows them as text, never as markdown.
            st.dataframe(pd.DataFrame({"reason": [r.reason for r in f.reasons],
                                       "answers": [r.count for r in f.reasons]}),
                         hide_index=True, width="stretch")
        else:
            st.caption("No reasons given.")


def _unanswered(s: UsageSummary) -> None:
    st.subheader("Questions docqa could not answer")
    if not s.unanswered:
        st.caption("None in this window: no refusals and no thumbs down.")
        return
    st.caption("Refused, or rated not helpful; the same question asked in different case or "
               "punctuation is counted together. Candidates for new documents or golden questions.")
    st.dataframe(pd.DataFrame({
        "question": [u.question for u in s.unanswered],
        "times": [u.count for u in s.unanswered],
        "last asked (UTC)": [u.last_asked.strftime("%Y-%m-%d %H:%M") for u in s.unanswered],
        "why": [u.why for u in s.unanswered]}), hide_index=True, width="stretch")
