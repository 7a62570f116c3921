"""Quality (admins): the latest evaluation report of each dataset and the trends, from the
history `docqa eval run` / `docqa eval nightly` keep in data_dir/eval/history.sqlite3 (table
``eval_runs``, kept by evals/history.py). An admin can start an evaluation here: it runs in
the background of the app (docqa.eval_jobs) with its progress shown, one at a time.

Questions and answers come from users and documents: they are shown in dataframes (plain
cells) or escaped, never rendered as markdown."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import streamlit as st

from docqa.eval_jobs import EvalJob, EvaluationRunner, app_datasets, dataset_name
from docqa.services import Services
from evals.access import ACCESS_METRICS
from evals.datasets import load_dataset
from evals.history import History, RunRecord, history_path
from evals.nightly import Planned
from retrieval.errors import DocqaError
from ui.common import AppContext, plain, require_admin

_TREND = ("hit@5", "hit@10", "mrr", "ndcg@10", "recall@100", "refusal_accuracy",
          "answer_rate", "citation_validity")
#: measured on two cores (golden: 372 questions in about 10 minutes, with answers)
_SECONDS_PER_QUESTION = 1.6


def _number(metric: str, value: float, sign: bool = False) -> str:
    """Counts (the access set's checks and leaks) as whole numbers, scores with 3 decimals."""
    if metric in ACCESS_METRICS:
        return f"{value:+,.0f}" if sign else f"{value:,.0f}"
    return f"{value:+.3f}" if sign else f"{value:.3f}"


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


# One runner per process and data directory, shared by every admin's session: a second
# click anywhere finds the running evaluation instead of starting another.
@st.cache_resource
def _runner(data_dir: str, _services: Services) -> EvaluationRunner:
    return EvaluationRunner(_services)


def runner(ctx: AppContext) -> EvaluationRunner:
    return _runner(str(ctx.services.settings.data_dir), ctx.services)


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Quality")
    _run_panel(ctx)
    path = history_path(ctx.services.settings.data_dir)
    history = _history(path) if path.is_file() else {}
    if not history:
        st.info(
            "No evaluation has run yet. This page shows how well docqa finds and answers: "
            "for each golden question set, retrieval hit rate (hit@5, hit@10), MRR and nDCG, "
            "whether unanswerable questions are refused, and whether citations point at the "
            "passage they quote; with the change since the previous run, trends over time, "
            "results per tag and the worst questions. Start a run with **Run evaluation "
            "now** above, or on the command line with `docqa eval run --dataset "
            "data/eval/golden.jsonl`; `docqa eval nightly` (the compose file's scheduler) "
            "adds a run every night.")
        return
    names = list(history)
    name = st.selectbox("Dataset", names) if len(names) > 1 else names[0]
    runs = history[name][:60]
    latest = runs[0]
    previous = runs[1] if len(runs) > 1 else None
    status = "gate passed" if latest.passed else "gate FAILED"
    st.caption(plain(f"{name} · latest run {latest.started_at} · {latest.questions} questions "
                     f"· {status} · {len(runs)} run{'s' if len(runs) != 1 else ''} in the "
                     "history"))
    if not latest.passed:
        st.error("The latest run failed its quality gate (a metric below its minimum or "
                 "dropped since the previous run).")
    shown = [m for m in (*_TREND, *sorted(latest.metrics)) if m in latest.metrics]
    columns = st.columns(4)
    for i, metric in enumerate(dict.fromkeys(shown)):
        delta = (latest.metrics[metric] - previous.metrics[metric]
                 if previous and metric in previous.metrics else None)
        columns[i % 4].metric(metric, _number(metric, latest.metrics[metric]),
                              None if delta is None else _number(metric, delta, sign=True))
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
    if not report.get("worst"):
        st.caption("None: no question of this run missed.")
    else:
        _worst(report)
    _download(name, latest)


def _worst(report: dict[str, Any]) -> None:
    st.dataframe([{"id": w["id"], "question": w["question"],
                   "expected": ", ".join(w["relevant"]) or "a refusal",
                   "retrieved": ", ".join(w["retrieved"][:5]),
                   "answer": ("(refused) " if w["refused"] else "") + w["answer"][:300]}
                  for w in report.get("worst", [])], hide_index=True, width="stretch")


def _download(name: str, latest: RunRecord) -> None:
    html = Path(latest.report) / "report.html"
    if html.is_file():
        st.download_button("Download the full report (HTML)", html.read_bytes(),
                           file_name=f"{name}-report.html", mime="text/html")


# -- starting a run ---------------------------------------------------------------------------
def _job_text(job: EvalJob) -> str:
    if job.state == "preparing":
        return f"Evaluating {job.dataset}: checking its documents are indexed…"
    left = ""
    if job.done:
        seconds = (time.time() - job.started_at) / job.done * (job.total - job.done)
        left = f", about {max(1, round(seconds / 60))} min left"
    return f"Evaluating {job.dataset}: {job.done} of {job.total} questions{left}"


def _run_panel(ctx: AppContext) -> None:
    evaluations = runner(ctx)
    try:
        offered = app_datasets()
    except DocqaError as e:  # data/eval/datasets.toml unreadable
        st.error(plain(str(e)))
        return
    with st.container(border=True):
        if not offered:
            st.caption("No dataset to run here: data/eval/datasets.toml lists none that is "
                       "enabled and scored on this app's documents.")
            return
        names = {dataset_name(p): p for p in offered}
        job = evaluations.current()
        running = job is not None and job.running
        pick, go = st.columns([3, 2], vertical_alignment="bottom")
        name = pick.selectbox(
            "Question set", list(names), key="quality-dataset", disabled=running,
            format_func=lambda n: _describe(names[n]),
            help="Sets from data/eval/datasets.toml scored on the documents of this app.")
        if go.button("Run evaluation now", type="primary", icon=":material/play_arrow:",
                     key="quality-run", disabled=running, width="stretch",
                     help=("An evaluation is running; its progress is shown below."
                           if running else
                           "Ask every question of the set in the background, as `docqa eval "
                           "run` does, and record the result here. The app keeps answering "
                           "meanwhile, a little slower.")):
            job, started = evaluations.start(names[name], ctx.user.username)
            st.session_state["quality-watch"] = True
            if started:
                st.rerun()  # drawn again with the button disabled while it runs
            st.info("An evaluation is already running; its progress is shown below.")
        _progress(evaluations)


def _describe(planned: Planned) -> str:
    count = _questions(str(planned.path), planned.path.stat().st_mtime)
    if planned.limit:
        count = min(count, planned.limit)
    minutes = max(1, round(count * _SECONDS_PER_QUESTION / 60))
    return f"{dataset_name(planned)}: {count} questions, about {minutes} min"


@st.cache_data(show_spinner=False)
def _questions(path: str, _mtime: float) -> int:
    try:
        return len(load_dataset(Path(path)).items)
    except DocqaError:
        return 0


def _progress(evaluations: EvaluationRunner) -> None:
    job = evaluations.current()
    if job is None:
        return

    # Polls once a second while the evaluation runs; the whole page is drawn again when it
    # ends so the new run's numbers appear.
    @st.fragment(run_every=1.0 if job.running else None)
    def progress() -> None:
        now = evaluations.current()
        if now is None:
            return
        if now.running:
            st.session_state["quality-watch"] = True
            st.progress(now.fraction, text=plain(_job_text(now)))
            return
        finished = time.strftime("%H:%M", time.localtime(now.finished_at or now.started_at))
        if now.state == "failed":
            st.error(plain(f"The evaluation started by {now.started_by} failed at {finished}: "
                           f"{now.message}"), icon=":material/error:")
        elif now.passed:
            st.success(plain(f"Evaluation finished at {finished}: {now.message}. The "
                             "results are below."), icon=":material/check_circle:")
        else:
            st.warning(plain(f"Evaluation finished at {finished}: {now.message}. The "
                             "results are below."), icon=":material/warning:")
        if st.session_state.pop("quality-watch", False):
            st.rerun()  # draw the page again with the new run

    progress()
