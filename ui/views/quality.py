"""Quality (admins): the latest evaluation report of each dataset and the trends, from the
history `docqa eval run` / `docqa eval nightly` keep in data_dir/eval/history.sqlite3 (table
``eval_runs``, kept by retrieval/eval_history.py).

Questions and answers come from users and documents: they are shown in dataframes (plain
cells) or escaped, never rendered as markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from evals.history import History, RunRecord, history_path
from ui.common import AppContext, plain, require_admin

_TREND = ("hit@5", "hit@10", "mrr", "ndcg@10", "recall@100", "refusal_accuracy",
          "answer_rate", "citation_validity")


def _history(path: Path) -> dict[str, list[RunRecord]]:
    """Runs by dataset, newest first (the most recently run dataset first)."""
    with History(path) as history:
        return {name: history.runs(name, limit=60) for name in history.datasets()}


def _report(run: RunRecord) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(
            (Path(run.report) / "report.json").read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return None


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Quality")
    path = history_path(ctx.services.settings.data_dir)
    if not path.is_file():
        st.info("No evaluation has run yet. Run `docqa eval run --dataset "
                "data/eval/golden.jsonl` or schedule `docqa eval nightly` (see the README): "
                "retrieval hit rate, nDCG, refusals on unanswerable questions and citation "
                "validity will report here, with their trends.")
        return
    history = _history(path)
    if not history:
        st.info("No evaluation has run yet.")
        return
    names = list(history)
    name = st.selectbox("Dataset", names) if len(names) > 1 else names[0]
    runs = history[name][:60]
    latest = runs[0]
    previous = runs[1] if len(runs) > 1 else None
    status = "gate passed" if latest.passed else "gate FAILED"
    st.caption(plain(f"{name} · latest run {latest.started_at} · {latest.questions} questions "
                     f"· {status} · {len(runs)} runs in the history"))
    if not latest.passed:
        st.error("The latest run failed its quality gate (a metric below its minimum or "
                 "dropped since the previous run).")
    shown = [m for m in (*_TREND, *sorted(latest.metrics)) if m in latest.metrics]
    columns = st.columns(4)
    for i, metric in enumerate(dict.fromkeys(shown)):
        delta = (latest.metrics[metric] - previous.metrics[metric]
                 if previous and metric in previous.metrics else None)
        columns[i % 4].metric(metric, f"{latest.metrics[metric]:.3f}",
                              None if delta is None else f"{delta:+.3f}")
    if len(runs) > 1:
        st.subheader("Trends")
        st.line_chart({m: [r.metrics.get(m) for r in reversed(runs)]
                       for m in _TREND if m in latest.metrics})
    report = _report(latest)
    if report is None:
        st.warning(plain(f"The report folder {latest.report} is not readable from here."))
        return
    if report.get("not_run"):
        st.dataframe([{"metric": k, "not run because": v} for k, v in report["not_run"].items()],
                     hide_index=True, width="stretch")
    if report.get("by_tag"):
        st.subheader("By tag")
        st.dataframe([{"tag": tag, **values} for tag, values in report["by_tag"].items()],
                     hide_index=True, width="stretch")
    st.subheader("Worst questions")
    st.dataframe([{"id": w["id"], "question": w["question"],
                   "expected": ", ".join(w["relevant"]) or "a refusal",
                   "retrieved": ", ".join(w["retrieved"][:5]),
                   "answer": ("(refused) " if w["refused"] else "") + w["answer"][:300]}
                  for w in report.get("worst", [])], hide_index=True, width="stretch")
    html = Path(latest.report) / "report.html"
    if html.is_file():
        st.download_button("Download the full report (HTML)", html.read_bytes(),
                           file_name=f"{name}-report.html", mime="text/html")
