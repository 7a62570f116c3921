"""What the admin Usage page shows, computed from the query log: questions per day, latency per
stage, tokens and cost, feedback, and the questions docqa could not answer well.

Pure functions over ``LoggedQuery`` values so the numbers can be tested without Streamlit and
without a clock: pass ``now``. Days are UTC calendar days, the same clock ``QueryLog`` writes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from docqa.query_log import LoggedQuery
from retrieval.timings import CORE_STAGES, percentile

# Only present when a follow-up was rewritten by the model; it runs first, so it is listed first.
_OPTIONAL_FIRST = ("rewrite",)
TOP_UNANSWERED = 10
_SPACES = re.compile(r"\s+")


def normalise_question(text: str) -> str:
    """The key under which repeated questions are counted together: case, runs of whitespace
    and trailing punctuation ("Hotel cap in Munich?" = "hotel cap  in munich") do not matter."""
    folded = _SPACES.sub(" ", text).strip().casefold()
    end = len(folded)
    while end and (folded[end - 1].isspace() or unicodedata.category(folded[end - 1])[0] == "P"):
        end -= 1
    return folded[:end]


@dataclass(frozen=True)
class DayUsage:
    day: date
    queries: int
    refused: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    p50_total_ms: float | None

    @property
    def answered(self) -> int:
        return self.queries - self.refused


@dataclass(frozen=True)
class StageLatency:
    stage: str
    n: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class Totals:
    queries: int
    users: int
    refused: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    unverified: int  # answered, but a citation could not be checked against its source

    @property
    def answered(self) -> int:
        return self.queries - self.refused

    @property
    def refused_share(self) -> float | None:
        return self.refused / self.queries if self.queries else None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.queries if self.queries else None


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class FeedbackSummary:
    queries: int
    helpful: int
    not_helpful: int
    reasons: tuple[ReasonCount, ...]

    @property
    def given(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def rate(self) -> float | None:
        """Share of questions that got a thumbs up or down."""
        return self.given / self.queries if self.queries else None

    @property
    def helpful_share(self) -> float | None:
        return self.helpful / self.given if self.given else None


@dataclass(frozen=True)
class ModeCounts:
    extractive: int
    llm: int
    fallback: int
    other: int  # a mode this module does not know; non-zero means the log and the page drifted


@dataclass(frozen=True)
class UnansweredQuestion:
    question: str  # as most recently asked, whitespace collapsed
    count: int  # queries in the group: refused, thumbs-down, or both
    last_asked: datetime
    refused: int
    not_helpful: int
    reasons: tuple[str, ...]  # distinct feedback reasons, most recent first

    @property
    def why(self) -> str:
        parts = []
        if self.refused:
            parts.append(f"refused ×{self.refused}")
        if self.not_helpful:
            reasons = f" ({'; '.join(self.reasons)})" if self.reasons else ""
            parts.append(f"not helpful ×{self.not_helpful}{reasons}")
        return " · ".join(parts)


@dataclass(frozen=True)
class UsageSummary:
    first_day: date
    last_day: date
    per_day: tuple[DayUsage, ...]  # one row per day of the window, oldest first, zeros included
    totals: Totals
    latency: tuple[StageLatency, ...]
    feedback: FeedbackSummary
    modes: ModeCounts
    unanswered: tuple[UnansweredQuestion, ...]

    @property
    def days(self) -> int:
        return len(self.per_day)


def asked_at(query: LoggedQuery) -> datetime:
    """When the query was asked, in UTC. A timestamp without offset is taken as UTC because
    that is what ``QueryLog.record`` writes."""
    return _utc(datetime.fromisoformat(query.asked_at))


def window_start(days: int, now: datetime) -> date:
    """First UTC day of a window of ``days`` days that ends today (``now``'s UTC date)."""
    if days < 1:
        raise ValueError(f"the window must be at least one day, got {days}")
    return _utc(now).date() - timedelta(days=days - 1)


def summarize(queries: Sequence[LoggedQuery], *, days: int = 30, now: datetime | None = None,
              top: int = TOP_UNANSWERED) -> UsageSummary:
    """Usage over the last ``days`` UTC calendar days up to and including ``now``'s day.
    Queries outside the window (older, or dated after today) are ignored."""
    now = _utc(now or datetime.now(UTC))
    first, last = window_start(days, now), now.date()
    dated = [(asked_at(q), q) for q in queries]
    kept = [(when, q) for when, q in dated if first <= when.date() <= last]
    in_window = [q for _, q in kept]
    return UsageSummary(
        first_day=first, last_day=last,
        per_day=_per_day(kept, first, days),
        totals=_totals(in_window),
        latency=_latency(in_window),
        feedback=_feedback(in_window),
        modes=_modes(in_window),
        unanswered=_unanswered(kept, top))


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _is_helpful(q: LoggedQuery) -> bool:
    return q.feedback is not None and q.feedback > 0


def _is_not_helpful(q: LoggedQuery) -> bool:
    # QueryLog stores thumbs-down as -1; 0 is accepted too so an older or hand-written row
    # that used 0/1 is not silently counted as "no feedback".
    return q.feedback is not None and q.feedback <= 0


def _timing(q: LoggedQuery, stage: str) -> float | None:
    value = q.timings.get(stage)
    # Timings come from JSON: a missing stage, a null or a stray string must not skew the numbers.
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _per_day(kept: Sequence[tuple[datetime, LoggedQuery]], first: date,
             days: int) -> tuple[DayUsage, ...]:
    by_day: dict[date, list[LoggedQuery]] = {first + timedelta(days=i): [] for i in range(days)}
    for when, q in kept:
        by_day[when.date()].append(q)
    rows = []
    for day, qs in by_day.items():
        totals = [t for q in qs if (t := _timing(q, "total")) is not None]
        rows.append(DayUsage(
            day=day, queries=len(qs), refused=sum(q.refused for q in qs),
            prompt_tokens=sum(q.prompt_tokens for q in qs),
            completion_tokens=sum(q.completion_tokens for q in qs),
            # fsum: the total does not depend on the order the log returned the rows in
            cost_usd=math.fsum(q.cost_usd for q in qs),
            p50_total_ms=percentile(totals, 50)))
    return tuple(rows)


def _totals(qs: Sequence[LoggedQuery]) -> Totals:
    return Totals(
        queries=len(qs),
        # Anonymous queries ("" user) are not a person; counting them as one would be a guess.
        users=len({q.user for q in qs if q.user}),
        refused=sum(q.refused for q in qs),
        prompt_tokens=sum(q.prompt_tokens for q in qs),
        completion_tokens=sum(q.completion_tokens for q in qs),
        cost_usd=math.fsum(q.cost_usd for q in qs),
        unverified=sum(1 for q in qs if not q.refused and not q.verified))


def _latency(qs: Sequence[LoggedQuery]) -> tuple[StageLatency, ...]:
    seen = {stage for q in qs for stage in q.timings}
    extra = sorted(seen - set(CORE_STAGES) - set(_OPTIONAL_FIRST))
    stages = [s for s in _OPTIONAL_FIRST if s in seen] + list(CORE_STAGES) + extra
    rows = []
    for stage in stages:
        values = [t for q in qs if (t := _timing(q, stage)) is not None]
        rows.append(StageLatency(stage, len(values), percentile(values, 50),
                                 percentile(values, 95)))
    return tuple(rows)


def _feedback(qs: Sequence[LoggedQuery]) -> FeedbackSummary:
    reasons: Counter[str] = Counter()
    for q in qs:
        reason = _SPACES.sub(" ", q.feedback_reason).strip()
        if q.feedback is not None and reason:
            reasons[reason] += 1
    return FeedbackSummary(
        queries=len(qs),
        helpful=sum(1 for q in qs if _is_helpful(q)),
        not_helpful=sum(1 for q in qs if _is_not_helpful(q)),
        reasons=tuple(ReasonCount(r, n)
                      for r, n in sorted(reasons.items(), key=lambda rn: (-rn[1], rn[0]))))


def _modes(qs: Sequence[LoggedQuery]) -> ModeCounts:
    counts = Counter(q.mode for q in qs)
    known = counts["extractive"] + counts["llm"] + counts["fallback"]
    return ModeCounts(extractive=counts["extractive"], llm=counts["llm"],
                      fallback=counts["fallback"], other=len(qs) - known)


def _unanswered(kept: Sequence[tuple[datetime, LoggedQuery]],
                top: int) -> tuple[UnansweredQuestion, ...]:
    groups: dict[str, list[tuple[datetime, LoggedQuery]]] = {}
    for when, q in kept:
        if not (q.refused or _is_not_helpful(q)):
            continue
        # A follow-up ("and in Berlin?") only makes sense as the standalone question it was
        # rewritten to; that is also what retrieval actually searched for.
        text = q.standalone or q.question
        key = normalise_question(text)
        if key:
            groups.setdefault(key, []).append((when, q))
    found = []
    for key, members in groups.items():
        # newest first; the id breaks ties within one millisecond
        members.sort(key=lambda wq: (wq[0], wq[1].id), reverse=True)
        newest_when, newest = members[0]
        reasons: list[str] = []
        for _, q in members:
            reason = _SPACES.sub(" ", q.feedback_reason).strip()
            if _is_not_helpful(q) and reason and reason not in reasons:
                reasons.append(reason)
        found.append((key, UnansweredQuestion(
            question=_SPACES.sub(" ", newest.standalone or newest.question).strip(),
            count=len(members), last_asked=newest_when,
            refused=sum(q.refused for _, q in members),
            not_helpful=sum(1 for _, q in members if _is_not_helpful(q)),
            reasons=tuple(reasons))))
    # count desc, then most recent, then the key so equal rows never swap between runs
    found.sort(key=lambda kq: (-kq[1].count, -kq[1].last_asked.timestamp(), kq[0]))
    return tuple(u for _, u in found[:top])
