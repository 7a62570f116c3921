"""The report of one run as data (``report.json``), as text (``report.md``) and as a page a
person reads (``report.html``, see ``evals.report_html``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.report_html import render_html
from evals.run import QuestionResult, ordered

WORST = 10


def question_score(r: QuestionResult) -> float:
    """How well one question went, for picking the worst: ranking for answerable questions
    (reciprocal rank and hit@10), the refusal for unanswerable ones."""
    if r.item.unanswerable:
        return 1.0 if r.refused else 0.0
    if r.scores:
        return (r.scores["mrr"] + r.scores["hit@10"]) / 2
    return 0.0 if r.refused else 1.0


def worst(results: Sequence[QuestionResult], n: int = WORST) -> list[QuestionResult]:
    return sorted(results, key=question_score)[:n]


def diff(metrics: dict[str, float], previous: dict[str, float] | None) -> dict[str, float]:
    if not previous:
        return {}
    return {k: round(v - previous[k], 4) for k, v in metrics.items() if k in previous}


def write(report: dict[str, Any], results: Sequence[QuestionResult], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    full = {**report, "results": [r.as_json() for r in results]}
    (folder / "report.json").write_text(json.dumps(full, indent=2, ensure_ascii=False),
                                        encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    metrics, previous = report["metrics"], (report.get("previous") or {}).get("metrics", {})
    gate = report["gate"]
    lines = [f"# Evaluation: {report['dataset']}", "",
             f"{report['questions']} questions ({report['kind']}"
             f"{', split ' + report['split'] if report.get('split') else ''}), "
             f"{report['started_at']}, {report['seconds']:.0f} s. Index: "
             f"{report['index']['collection']} in {report['index']['data_dir']} "
             f"({report['index']['note']}).", "",
             f"**Gate: {'passed' if gate['passed'] else 'FAILED'}**"]
    lines += [f"- {f}" for f in gate["failures"]]
    lines += ["", "## Metrics", "", "| metric | value | previous | change |", "|---|---|---|---|"]
    for name in ordered(metrics):
        change = report["diff"].get(name)
        lines.append(f"| {name} | {metrics[name]:.3f} | {_fmt(previous.get(name))} | "
                     + ("— |" if change is None else f"{change:+.3f} |"))
    for name, why in report["not_run"].items():
        lines.append(f"| {name} | not run | | {_cell(why)} |")
    if report["by_tag"]:
        names = [m for m in ("hit@5", "hit@10", "mrr", "answer_rate", "refusal_accuracy",
                             "citation_validity")
                 if any(m in t for t in report["by_tag"].values())]
        lines += ["", "## By tag", "", "| tag | questions | " + " | ".join(names) + " |",
                  "|---|---|" + "---|" * len(names)]
        for tag, values in report["by_tag"].items():
            lines.append(f"| {tag} | {values['questions']:.0f} | "
                         + " | ".join(_fmt(values.get(m)) for m in names) + " |")
    lines += ["", "## Latency (ms) and cost", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for stage, p in report["latency_ms"].items():
        lines.append(f"| {stage} | {_fmt(p['p50'])} | {_fmt(p['p95'])} |")
    c = report["cost"]
    lines += ["", f"Tokens: {c['prompt_tokens']} prompt + {c['completion_tokens']} completion; "
                  f"cost ${c['cost_usd']:.4f} (${c['cost_usd_per_question']:.6f} per question)."]
    lines += ["", "## Worst questions", ""]
    for w in report["worst"]:
        lines += [f"- **{_cell(w['id'])}** {_cell(w['question'])}",
                  f"  - expected: {_cell(', '.join(w['relevant']) or 'a refusal')}; "
                  f"retrieved: {_cell(', '.join(w['retrieved'][:5]))}",
                  f"  - answer{' (refused)' if w['refused'] else ''}: "
                  f"{_cell(w['answer'][:300])}"]
    return "\n".join(lines) + "\n"
