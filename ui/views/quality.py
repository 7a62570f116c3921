"""Quality (admins): the evaluation history. The nightly evaluation fills it (issue 5); until a
run exists the page says how to start one."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from ui.common import AppContext, require_admin


def _runs(folder: Path) -> list[dict[str, object]]:
    runs = []
    for path in sorted(folder.glob("*/report.json"), reverse=True):
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return runs


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Quality")
    runs = _runs(ctx.services.settings.data_dir / "eval")
    if not runs:
        st.info("No evaluation has run yet. The nightly evaluation (retrieval hit rate, "
                "citation validity, refusals on unanswerable questions) will report here; it "
                "is not built yet.")
        return
    st.caption(f"{len(runs)} evaluation runs")
    st.dataframe([{"run": r.get("started_at", "?"), "dataset": r.get("dataset", "?"),
                   **{k: v for k, v in dict(r.get("metrics", {})).items()}}  # type: ignore[call-overload]
                  for r in runs], hide_index=True, width="stretch")
