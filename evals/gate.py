"""The regression gate: per-metric minimums and the largest drop allowed since the previous
run of the same dataset, from a TOML file (default ``data/eval/thresholds.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from evals.golden import DatasetError

#: metrics where a rise is a regression
LOWER_IS_BETTER = ("false_refusal_rate", "access_leaks")


@dataclass(frozen=True)
class Thresholds:
    minimum: dict[str, float] = field(default_factory=dict)
    max_drop: dict[str, float] = field(default_factory=dict)  # "*" applies to every metric
    #: for metrics where lower is better (false refusals): the highest acceptable value
    maximum: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float
    limit: float
    reason: str  # "below minimum", "above maximum" or "dropped" (got worse)

    def __str__(self) -> str:
        if self.reason == "below minimum":
            return f"{self.metric} {self.value:.3f} is below its minimum {self.limit:.3f}"
        if self.reason == "above maximum":
            return f"{self.metric} {self.value:.3f} is above its maximum {self.limit:.3f}"
        return (f"{self.metric} {self.value:.3f} dropped more than {self.limit:.3f} since the "
                f"previous run")


def load_thresholds(path: Path | None, dataset: str) -> Thresholds:
    """``[default]`` holds ``min`` and ``max_drop`` tables; ``[datasets.<name>]`` overrides
    them per dataset. A missing file means no gate at all."""
    if path is None or not path.is_file():
        return Thresholds()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DatasetError(str(path), f"thresholds file is not valid TOML ({e})") from e
    default = data.get("default", {})
    own = data.get("datasets", {}).get(dataset, {})
    return Thresholds({**default.get("min", {}), **own.get("min", {})},
                      {**default.get("max_drop", {}), **own.get("max_drop", {})},
                      {**default.get("max", {}), **own.get("max", {})})


def check(metrics: dict[str, float], previous: dict[str, float] | None,
          thresholds: Thresholds) -> list[GateFailure]:
    failures = []
    for name, minimum in thresholds.minimum.items():
        if name in metrics and metrics[name] < minimum:
            failures.append(GateFailure(name, metrics[name], minimum, "below minimum"))
    for name, maximum in thresholds.maximum.items():
        if name in metrics and metrics[name] > maximum:
            failures.append(GateFailure(name, metrics[name], maximum, "above maximum"))
    for name, value in metrics.items():
        drop = thresholds.max_drop.get(name, thresholds.max_drop.get("*"))
        if previous is None or drop is None or name not in previous:
            continue
        worse = (value - previous[name]) if name in LOWER_IS_BETTER else (previous[name] - value)
        if worse > drop + 1e-9:
            failures.append(GateFailure(name, value, drop, "dropped"))
    return failures
