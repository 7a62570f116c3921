"""The Usage page's numbers (retrieval.usage) against hand-computed cases, and the page itself
drawn by Streamlit's AppTest from a real query log file."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from docqa.query_log import LoggedQuery, QueryLog
from docqa.usage import (
    ReasonCount,
    StageLatency,
    asked_at,
    normalise_question,
    percentile,
    summarize,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def lq(id: int = 1, at: str = "2024-05-10T09:00:00.000+00:00", **fields: object) -> LoggedQuery:
    base = LoggedQuery(
        id=id, asked_at=at, user="alice", groups=("everyone",), question="What is the cap?",
        standalone="", answer="It is 150 EUR [1].", mode="extractive", refused=False,
        verified=True, hits=[], citations=[], prompt_tokens=0, completion_tokens=0,
        cost_usd=0.0, timings={"embed": 10.0, "search": 5.0, "generate": 20.0, "total": 40.0},
        error="", feedback=None, feedback_reason="")
    return replace(base, **fields)  # type: ignore[arg-type]


# --- percentiles -------------------------------------------------------------------------

def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 50) == 7.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0  # rank ceil(0.5*4) = 2, no interpolation
    ten = [float(v) for v in range(10, 0, -1)]
    assert percentile(ten, 50) == 5.0
    assert percentile(ten, 90) == 9.0
    assert percentile(ten, 95) == 10.0  # rank ceil(9.5) = 10
    assert percentile(ten, 0) == 1.0
    assert percentile(ten, 100) == 10.0
    with pytest.raises(ValueError):
        percentile(ten, 101)


def test_normalise_question_folds_case_whitespace_and_trailing_punctuation() -> None:
    key = normalise_question("What is the hotel cap in Munich?")
    assert key == "what is the hotel cap in munich"
    assert normalise_question("  WHAT is the hotel\tcap  in munich ?! ") == key
    assert normalise_question("what is the hotel cap in munich…") == key
    assert normalise_question("C++ rules?") == "c++ rules"  # only punctuation goes, not symbols
    assert normalise_question("?!") == ""


# --- the window --------------------------------------------------------------------------

def test_per_day_rows_cover_the_window_including_days_without_questions() -> None:
    queries = [
        lq(1, "2024-05-04T00:00:00.000+00:00"),  # first moment of the window
        lq(2, "2024-05-03T23:59:59.999+00:00"),  # one millisecond too early
        lq(3, "2024-05-10T23:30:00.000+00:00", refused=True),  # later today: still today
        lq(4, "2024-05-11T00:00:00.000+00:00"),  # tomorrow (clock skew): ignored
        lq(5, "2024-05-08T10:00:00.000+00:00", prompt_tokens=100, completion_tokens=20,
           cost_usd=0.25, timings={"total": 300.0}),
        lq(6, "2024-05-08T11:00:00.000+00:00", prompt_tokens=50, completion_tokens=5,
           cost_usd=0.5, timings={"total": 100.0}),
        lq(7, "2024-05-08T12:00:00.000+00:00", timings={"total": 200.0}),
    ]
    s = summarize(queries, days=7, now=NOW)
    assert (s.first_day, s.last_day, s.days) == (date(2024, 5, 4), date(2024, 5, 10), 7)
    assert [d.day for d in s.per_day] == [date(2024, 5, 4) + timedelta(days=i) for i in range(7)]
    counts = {d.day.day: (d.queries, d.refused) for d in s.per_day}
    assert counts == {4: (1, 0), 5: (0, 0), 6: (0, 0), 7: (0, 0), 8: (3, 0), 9: (0, 0),
                      10: (1, 1)}
    may8 = s.per_day[4]
    assert (may8.prompt_tokens, may8.completion_tokens, may8.cost_usd) == (150, 25, 0.75)
    assert may8.p50_total_ms == 200.0
    assert s.per_day[1].p50_total_ms is None  # a day without questions has no latency
    assert s.totals.queries == 5


def test_days_are_utc_days_and_naive_times_are_utc() -> None:
    late_in_berlin = lq(1, "2024-05-10T01:30:00+02:00")  # 23:30 UTC on the 9th
    naive = lq(2, "2024-05-10T08:00:00")
    assert asked_at(naive) == datetime(2024, 5, 10, 8, tzinfo=UTC)
    s = summarize([late_in_berlin, naive], days=2, now=datetime(2024, 5, 10, 12))
    assert [(d.day.day, d.queries) for d in s.per_day] == [(9, 1), (10, 1)]


def test_window_must_be_at_least_a_day() -> None:
    with pytest.raises(ValueError):
        summarize([], days=0, now=NOW)


def test_empty_log_gives_zeros_and_no_shares() -> None:
    s = summarize([], days=30, now=NOW)
    assert s.days == 30 and all(d.queries == 0 for d in s.per_day)
    t = s.totals
    assert (t.queries, t.users, t.refused, t.cost_usd) == (0, 0, 0, 0.0)
    assert t.answered_share is None and t.refused_share is None
    assert s.feedback.rate is None and s.feedback.helpful_share is None
    assert [(r.stage, r.n, r.p50_ms, r.p95_ms) for r in s.latency] == [
        ("embed", 0, None, None), ("search", 0, None, None), ("generate", 0, None, None),
        ("total", 0, None, None)]
    assert s.unanswered == ()


# --- totals, latency, feedback, modes ----------------------------------------------------

def test_totals_and_modes() -> None:
    queries = [
        lq(1, user="alice", mode="llm", prompt_tokens=1000, completion_tokens=100,
           cost_usd=0.001),
        lq(2, user="bob", mode="llm", verified=False, prompt_tokens=500, completion_tokens=50,
           cost_usd=0.002),
        lq(3, user="alice", mode="extractive", refused=True, verified=False),
        lq(4, user="", mode="fallback"),  # anonymous: not a person
        lq(5, user="carol", mode="something-new"),
    ]
    s = summarize(queries, days=1, now=NOW)
    t = s.totals
    assert (t.queries, t.users, t.refused, t.answered) == (5, 3, 1, 4)
    assert t.refused_share == pytest.approx(0.2) and t.answered_share == pytest.approx(0.8)
    assert (t.prompt_tokens, t.completion_tokens) == (1500, 150)
    assert t.cost_usd == pytest.approx(0.003)
    assert t.unverified == 1  # the refused one does not count: it cites nothing
    m = s.modes
    assert (m.extractive, m.llm, m.fallback, m.other) == (1, 2, 1, 1)


def test_latency_per_stage_with_missing_keys() -> None:
    queries = [
        lq(1, timings={"embed": 10.0, "search": 20.0, "generate": 100.0, "total": 130.0}),
        lq(2, timings={"embed": 30.0, "total": 50.0}),  # stages missing
        lq(3, timings={}),
        lq(4, timings={"rewrite": 400.0, "embed": 20.0, "search": 40.0, "generate": 300.0,
                       "total": 800.0}),
        lq(5, timings={"total": None, "embed": "slow"}),
    ]
    s = summarize(queries, days=1, now=NOW)
    assert s.latency == (
        StageLatency("rewrite", 1, 400.0, 400.0),
        StageLatency("embed", 3, 20.0, 30.0),
        StageLatency("search", 2, 20.0, 40.0),
        StageLatency("generate", 2, 100.0, 300.0),
        StageLatency("total", 3, 130.0, 800.0),
    )


def test_feedback_rates_and_reasons() -> None:
    queries = [
        lq(1, feedback=1),
        lq(2, feedback=1, feedback_reason="clear"),
        lq(3, feedback=-1, feedback_reason="wrong page"),
        lq(4, feedback=-1, feedback_reason="  wrong   page "),
        lq(5, feedback=0, feedback_reason="outdated"),  # 0 read as not helpful too
        lq(6, feedback=None, feedback_reason="ignored without a vote"),
        lq(7), lq(8), lq(9), lq(10),
    ]
    f = summarize(queries, days=1, now=NOW).feedback
    assert (f.queries, f.given, f.helpful, f.not_helpful) == (10, 5, 2, 3)
    assert f.rate == pytest.approx(0.5)
    assert f.helpful_share == pytest.approx(0.4)
    assert f.reasons == (ReasonCount("wrong page", 2), ReasonCount("clear", 1),
                         ReasonCount("outdated", 1))


# --- unanswered questions ----------------------------------------------------------------

def test_unanswered_grouped_by_normalised_question() -> None:
    queries = [
        lq(1, "2024-05-09T08:00:00+00:00", question="What is the hotel cap in Munich?",
           refused=True),
        lq(2, "2024-05-09T09:00:00+00:00", question="what is the hotel cap in munich",
           refused=True),
        lq(3, "2024-05-10T07:00:00+00:00", question="WHAT is the  hotel cap in Munich ?!",
           feedback=-1, feedback_reason="outdated"),
        lq(4, "2024-05-10T08:00:00+00:00", question="Who approves travel?", refused=True),
        lq(5, "2024-05-10T06:00:00+00:00", question="Can I fly business?", refused=True),
        # answered and liked, or not rated: not unanswered
        lq(6, "2024-05-10T09:00:00+00:00", question="What is the hotel cap in Munich?",
           feedback=1),
        lq(7, "2024-05-10T09:30:00+00:00", question="What is the hotel cap in Munich?"),
        # a follow-up counts under the standalone question it was rewritten to
        lq(8, "2024-05-10T10:00:00+00:00", question="and for managers?",
           standalone="Who approves travel for managers?", feedback=-1),
        lq(9, "2024-05-10T10:30:00+00:00", question="and for managers?",
           standalone="who approves travel for managers", refused=True, feedback=-1,
           feedback_reason="no answer"),
        # outside the window
        lq(10, "2024-04-01T10:00:00+00:00", question="Can I fly business?", refused=True),
    ]
    rows = summarize(queries, days=7, now=NOW).unanswered
    assert [(u.question, u.count) for u in rows] == [
        ("WHAT is the hotel cap in Munich ?!", 3),  # newest wording is shown
        ("who approves travel for managers", 2),
        ("Who approves travel?", 1),  # same count as below: the more recent first
        ("Can I fly business?", 1),
    ]
    munich, managers = rows[0], rows[1]
    assert munich.last_asked == datetime(2024, 5, 10, 7, tzinfo=UTC)
    assert (munich.refused, munich.not_helpful, munich.reasons) == (2, 1, ("outdated",))
    assert munich.why == "refused ×2 · not helpful ×1 (outdated)"
    assert (managers.refused, managers.not_helpful) == (1, 2)
    assert managers.why == "refused ×1 · not helpful ×2 (no answer)"
    assert rows[2].why == "refused ×1"


def test_unanswered_keeps_the_top_ten() -> None:
    queries = [lq(i, f"2024-05-10T{i:02d}:00:00+00:00", question=f"Question {i}?", refused=True)
               for i in range(12)]
    queries += [lq(100, question="question 3", refused=True)]
    rows = summarize(queries, days=1, now=NOW).unanswered
    assert len(rows) == 10
    assert rows[0].question == "question 3" and rows[0].count == 2
    # then newest first: hours 11, 10, ... ; hour 3 is already on top
    assert [u.question for u in rows[1:4]] == ["Question 11?", "Question 10?", "Question 9?"]


# --- through a real query log file -------------------------------------------------------

def _record(log: QueryLog, question: str, *, user: str = "alice", refused: bool = False,
            mode: str = "extractive", cost: float = 0.0, total: float = 50.0) -> int:
    return log.record(user=user, groups=("everyone",), question=question, standalone=question,
                      answer="…", mode=mode, refused=refused, verified=True, hits=[],
                      citations=[], prompt_tokens=100 if mode == "llm" else 0,
                      completion_tokens=10 if mode == "llm" else 0, cost_usd=cost,
                      timings={"embed": 5.0, "search": 3.0, "generate": 20.0, "total": total})


def _backdate(path: Path, query_id: int, days: int) -> None:
    """QueryLog stamps the current time; tests move a row into the past in the file itself."""
    when = datetime.now(UTC) - timedelta(days=days)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE queries SET asked_at = ? WHERE id = ?",
                   (when.isoformat(timespec="milliseconds"), query_id))
    db.close()


def test_summary_from_a_real_query_log(tmp_path: Path) -> None:
    path = tmp_path / "data" / "docqa.sqlite"
    log = QueryLog(path)
    try:
        a = _record(log, "What is the hotel cap?", total=100.0)
        b = _record(log, "Who approves travel?", user="bob", refused=True, total=30.0)
        c = _record(log, "who approves travel", user="bob", mode="llm", cost=0.002, total=900.0)
        old = _record(log, "Ancient question?", refused=True)
        log.feedback(a, helpful=True)
        log.feedback(c, helpful=False, reason="wrong document")
        _backdate(path, old, days=10)
        s = summarize(log.recent(), days=7)
        assert s.totals.queries == 3 and s.totals.users == 2 and s.totals.refused == 1
        assert s.per_day[-1].queries == 3 and sum(d.queries for d in s.per_day) == 3
        assert s.totals.prompt_tokens == 100 and s.totals.cost_usd == pytest.approx(0.002)
        f = s.feedback
        # QueryLog stores a thumbs down as -1: it must be counted as not helpful
        assert (f.given, f.helpful, f.not_helpful) == (2, 1, 1)
        assert f.reasons == (ReasonCount("wrong document", 1),)
        total = next(r for r in s.latency if r.stage == "total")
        assert (total.n, total.p50_ms, total.p95_ms) == (3, 100.0, 900.0)
        [travel] = s.unanswered
        assert (travel.question, travel.count) == ("who approves travel", 2)
        assert travel.why == "refused ×1 · not helpful ×1 (wrong document)"
        assert b < c
        wider = summarize(log.recent(), days=30)
        assert wider.totals.queries == 4 and wider.totals.refused == 2
    finally:
        log.close()


# --- the page ----------------------------------------------------------------------------

def _usage_page(log_path: str) -> None:
    from pathlib import Path

    from docqa.query_log import QueryLog
    from ui.views.usage import render

    log = QueryLog(Path(log_path))
    try:
        render(log)
    finally:
        log.close()


def _app(path: Path) -> AppTest:
    return AppTest.from_function(_usage_page, kwargs={"log_path": str(path)}, default_timeout=30)


def test_usage_page_shows_the_numbers(tmp_path: Path) -> None:
    path = tmp_path / "queries.sqlite"
    log = QueryLog(path)
    tricky = "What is *the* <b>cap</b> in [Munich](http://x)?"
    try:
        a = _record(log, "What is the hotel cap?", cost=0.001, mode="llm")
        _record(log, "Who approves travel?", user="bob")
        c = _record(log, tricky, user="bob", refused=True)
        _record(log, "Anonymous question", user="", cost=0.002, mode="llm")
        old = _record(log, "Asked three weeks ago", user="carol", refused=True)
        log.feedback(a, helpful=True)
        log.feedback(c, helpful=False, reason="<i>nothing</i> **found**")
        _backdate(path, old, days=20)
    finally:
        log.close()

    at = _app(path).run()
    assert not at.exception
    assert at.title[0].value == "Usage"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles == {"Questions": "5", "People": "3", "Answered": "60%", "Feedback rate": "40%",
                     "Cost": "$0.0030"}
    tables = [t.value for t in at.dataframe]
    unanswered = next(t for t in tables if "why" in t.columns)
    assert list(unanswered["question"]) == [tricky, "Asked three weeks ago"]
    assert list(unanswered["times"]) == [1, 1]
    assert unanswered["why"][0] == "refused ×1 · not helpful ×1 (<i>nothing</i> **found**)"
    reasons = next(t for t in tables if "reason" in t.columns)
    assert list(reasons["reason"]) == ["<i>nothing</i> **found**"]
    latency = next(t for t in tables if "stage" in t.columns)
    assert list(latency["stage"]) == ["embed", "search", "generate", "total"]
    assert list(latency["questions"]) == [5, 5, 5, 5]
    # user text is never rendered as markdown
    shown = [e.value for e in (*at.markdown, *at.caption, *at.text)]
    assert not any("cap</b>" in v or "nothing" in v for v in shown)

    at.segmented_control(key="usage_window").set_value(7).run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Questions"] == "4" and tiles["People"] == "2" and tiles["Answered"] == "75%"


def test_usage_page_empty_state(tmp_path: Path) -> None:
    path = tmp_path / "queries.sqlite"
    QueryLog(path).close()
    at = _app(path).run()
    assert not at.exception
    assert "No questions asked in the last 30 days." in at.info[0].value
    assert len(at.metric) == 0
    at.segmented_control(key="usage_window").set_value(90).run()
    assert "No questions asked in the last 90 days." in at.info[0].value


def _chart_count(at: AppTest) -> int:
    return sum(1 for e in at.get("arrow_vega_lite_chart")) + sum(
        1 for e in at.get("vega_lite_chart"))


def test_usage_page_says_why_tokens_and_cost_are_empty_offline(tmp_path: Path) -> None:
    path = tmp_path / "queries.sqlite"
    log = QueryLog(path)
    try:
        _record(log, "What is the hotel cap?")
        _record(log, "Who approves travel?", user="bob", refused=True)
    finally:
        log.close()
    at = _app(path).run()
    assert not at.exception
    [why] = [i.value for i in at.info]
    assert "every answer was extractive" in why and "OPENAI_API_KEY" in why
    offline_charts = _chart_count(at)

    # once a model answered, the charts are drawn and the sentence is gone
    log = QueryLog(path)
    try:
        _record(log, "And in Vienna?", mode="llm", cost=0.001)
    finally:
        log.close()
    at = _app(path).run()
    assert not at.exception and not at.info
    assert _chart_count(at) == offline_charts + 2  # tokens and cost
    assert any("2 extractive answers used no model" in c.value for c in at.caption)
