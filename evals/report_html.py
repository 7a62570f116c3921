"""A self-contained HTML page for one run: inline CSS and SVG drawn here (no scripts, no
CDN), so it opens from a CI artefact or a mail attachment. Every text from a question, an
answer or a document is escaped."""

from __future__ import annotations

from html import escape
from typing import Any, TypedDict

from evals.run import ordered

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2433;
padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #dde;
padding-bottom:.2rem}
.muted{color:#667}.pass{color:#17803d;font-weight:600}.fail{color:#b42318;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border-bottom:1px solid #eef;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f6fa}.num{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#17803d}.down{color:#b42318}.grid{display:flex;flex-wrap:wrap;gap:1rem}
.card{border:1px solid #e3e6ef;border-radius:8px;padding:.6rem .8rem}
code{background:#f3f4f8;padding:0 .25rem;border-radius:3px}
"""
_PALETTE = ("#2f6fdf", "#e07b00", "#17803d", "#8e44ad", "#b42318", "#0f8b8d", "#6b7280")


class TrendRun(TypedDict):
    """One run in a report's ``trend``: when it started and its metrics."""

    started_at: str
    metrics: dict[str, float]


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def bars(metrics: dict[str, float], previous: dict[str, float]) -> str:
    """Horizontal bars on a 0..1 scale; a tick marks the previous run's value."""
    names = ordered(metrics)
    row, left, width = 24, 150, 420
    out = [f'<svg role="img" aria-label="metrics" width="{left + width + 70}" '
           f'height="{row * len(names) + 10}" xmlns="http://www.w3.org/2000/svg">']
    for i, name in enumerate(names):
        y, value = 5 + i * row, max(0.0, min(1.0, metrics[name]))
        out.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="12">'
                   f'{escape(name)}</text>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{width}" height="14" fill="#eef1f7"/>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{value * width:.1f}" height="14" '
                   f'fill="#2f6fdf"><title>{escape(name)} {metrics[name]:.3f}</title></rect>')
        if name in previous:
            x = left + max(0.0, min(1.0, previous[name])) * width
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 20}" '
                       f'stroke="#1d2433" stroke-width="2"><title>previous '
                       f'{previous[name]:.3f}</title></line>')
        out.append(f'<text x="{left + width + 6}" y="{y + 14}" font-size="12">'
                   f'{metrics[name]:.3f}</text>')
    out.append("</svg>")
    return "".join(out)


def trend(runs: list[TrendRun], names: list[str]) -> str:
    """One line per metric over the runs of this dataset (oldest left), scale 0..1."""
    width, height, pad = 760, 220, 36
    n = len(runs)
    if n < 2:
        return '<p class="muted">Trends appear from the second run of this dataset on.</p>'

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / (n - 1)

    def y(v: float) -> float:
        return height - pad - max(0.0, min(1.0, v)) * (height - 2 * pad)

    out = [f'<svg role="img" aria-label="trends" width="{width + 150}" height="{height}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"'
                   f' stroke="#eef1f7"/><text x="4" y="{y(tick) + 4:.1f}" font-size="10" '
                   f'fill="#667">{tick:.2f}</text>')
    for j, name in enumerate(names):
        colour = _PALETTE[j % len(_PALETTE)]
        points = [(x(i), y(r["metrics"][name]), r) for i, r in enumerate(runs)
                  if name in r["metrics"]]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                   'stroke-width="2"/>')
        for px, py, r in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>'
                       f'{escape(name)} {r["metrics"][name]:.3f} · {escape(r["started_at"])}'
                       '</title></circle>')
        out.append(f'<text x="{width - pad + 10}" y="{24 + j * 16}" font-size="12" '
                   f'fill="{colour}">{escape(name)}</text>')
    out.append(f'<text x="{pad}" y="{height - 8}" font-size="10" fill="#667">'
               f'{escape(runs[0]["started_at"][:16])}</text><text x="{width - pad}" '
               f'y="{height - 8}" font-size="10" fill="#667" text-anchor="end">'
               f'{escape(runs[-1]["started_at"][:16])}</text></svg>')
    return "".join(out)


def _heat(value: float | None) -> str:
    if value is None:
        return '<td class="num muted">—</td>'
    hue = int(max(0.0, min(1.0, value)) * 120)  # red 0 → green 120
    return (f'<td class="num" style="background:hsl({hue},70%,88%)">{value:.3f}</td>')


def render_html(report: dict[str, Any]) -> str:
    metrics = report["metrics"]
    previous = (report.get("previous") or {}).get("metrics", {})
    gate = report["gate"]
    e = escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>docqa "
             f"evaluation: {e(report['dataset'])}</title><style>{_CSS}</style></head><body>",
             f"<h1>Evaluation: {e(report['dataset'])}</h1>",
             f"<p class='muted'>{report['questions']} questions · {e(report['kind'])}"
             f"{' · split ' + e(report['split']) if report.get('split') else ''} · "
             f"{e(report['started_at'])} · {report['seconds']:.0f} s · index "
             f"<code>{e(report['index']['collection'])}</code> in "
             f"<code>{e(str(report['index']['data_dir']))}</code> "
             f"({e(report['index']['note'])}) · search {e(report['options']['mode'])}, "
             f"depth {report['options']['k']}</p>"]
    if gate["passed"]:
        parts.append("<p class='pass'>Gate passed</p>")
    else:
        parts.append("<p class='fail'>Gate FAILED</p><ul>"
                     + "".join(f"<li>{e(f)}</li>" for f in gate["failures"]) + "</ul>")
    parts += ["<h2>Metrics</h2>", "<div class='grid'><div class='card'>",
              bars(metrics, previous),
              "<p class='muted'>Bars: this run. Black tick: the previous run.</p></div>",
              "<div class='card'><table><tr><th>metric</th><th class='num'>value</th>"
              "<th class='num'>previous</th><th class='num'>change</th></tr>"]
    for name in ordered(metrics):
        change = report["diff"].get(name)
        cls = "" if not change else ("up" if change > 0 else "down")
        parts.append(f"<tr><td>{e(name)}</td><td class='num'>{metrics[name]:.3f}</td>"
                     f"<td class='num'>{_num(previous.get(name))}</td>"
                     f"<td class='num {cls}'>{'' if change is None else f'{change:+.3f}'}</td>"
                     "</tr>")
    for name, why in report["not_run"].items():
        parts.append(f"<tr><td>{e(name)}</td><td class='num muted'>not run</td>"
                     f"<td colspan='2' class='muted'>{e(why)}</td></tr>")
    parts.append("</table></div></div>")
    parts += ["<h2>Trends</h2>", trend(report["trend"], [m for m in
              ("hit@5", "hit@10", "ndcg@10", "mrr", "recall@100", "refusal_accuracy",
               "citation_validity") if m in metrics])]
    if report["by_tag"]:
        names = [m for m in ("hit@5", "hit@10", "mrr", "answer_rate", "refusal_accuracy",
                             "citation_validity", "semantic_similarity")
                 if any(m in t for t in report["by_tag"].values())]
        parts += ["<h2>By tag</h2><table><tr><th>tag</th><th class='num'>questions</th>"
                  + "".join(f"<th class='num'>{e(m)}</th>" for m in names) + "</tr>"]
        for tag, values in report["by_tag"].items():
            parts.append(f"<tr><td>{e(tag)}</td><td class='num'>{values['questions']:.0f}</td>"
                         + "".join(_heat(values.get(m)) for m in names) + "</tr>")
        parts.append("</table>")
    parts += ["<h2>Latency and cost</h2><table><tr><th>stage</th><th class='num'>p50 ms</th>"
              "<th class='num'>p95 ms</th></tr>"]
    for stage, p in report["latency_ms"].items():
        parts.append(f"<tr><td>{e(stage)}</td><td class='num'>{_num(p['p50'], 1)}</td>"
                     f"<td class='num'>{_num(p['p95'], 1)}</td></tr>")
    c = report["cost"]
    parts.append(f"</table><p>{c['prompt_tokens']} prompt + {c['completion_tokens']} "
                 f"completion tokens · ${c['cost_usd']:.4f} in all, "
                 f"${c['cost_usd_per_question']:.6f} per question.</p>")
    parts += ["<h2>Worst questions</h2><table><tr><th>question</th><th>expected</th>"
              "<th>retrieved (best first)</th><th>answer</th></tr>"]
    for w in report["worst"]:
        answer = ("<span class='muted'>(refused)</span> " if w["refused"] else "") + e(
            w["answer"][:400])
        parts.append(f"<tr><td><b>{e(w['id'])}</b><br>{e(w['question'])}</td>"
                     f"<td>{e(', '.join(w['relevant']) or 'a refusal')}</td>"
                     f"<td>{'<br>'.join(e(r) for r in w['retrieved'][:5])}</td>"
                     f"<td>{answer}</td></tr>")
    parts.append("</table>")
    if report.get("previous"):
        parts.append(f"<p class='muted'>Compared with the run of "
                     f"{e(report['previous']['started_at'])} "
                     f"({e(report['previous']['report'])}).</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
