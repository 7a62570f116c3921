"""The datasets the nightly job runs, from a TOML file (default ``data/eval/datasets.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from evals.golden import DatasetError

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO / "data" / "eval" / "datasets.toml"


@dataclass(frozen=True)
class Planned:
    path: Path
    split: str | None = None
    docs: Path | None = None
    name: str | None = None
    limit: int | None = None
    k: int | None = None
    skip: str = ""  # why it is not run tonight (empty: it runs)


def plan(config: Path = DEFAULT_CONFIG) -> list[Planned]:
    """Relative paths are taken from the repository root. A missing corpus is skipped with a
    reason, never an error: a fresh clone has no ../shared."""
    if not config.is_file():
        return [Planned(REPO / "data" / "eval" / "golden.jsonl")]
    try:
        entries = tomllib.loads(config.read_text(encoding="utf-8")).get("dataset", [])
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DatasetError(str(config), f"is not valid TOML ({e})") from e
    out = []
    for entry in entries:
        if "path" not in entry:
            raise DatasetError(str(config), "every [[dataset]] needs a path")
        path = (REPO / entry["path"]).resolve()
        docs = (REPO / entry["docs"]).resolve() if entry.get("docs") else None
        skip = ""
        if not entry.get("enabled", True):
            skip = "disabled in the config"
        elif not path.exists():
            skip = f"{path} is absent"
        elif docs is not None and not docs.exists():
            skip = f"{docs} is absent"
        out.append(Planned(path, entry.get("split"), docs, entry.get("name"),
                           entry.get("limit"), entry.get("k"), skip))
    return out
