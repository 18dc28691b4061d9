"""What an audit found: plain frozen values, computed by the engine, formatted by `render`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from promise_audit.reconciliation import Agreement, ConventionRow, ReportedFigure
from promise_audit.records.loader import Accounting

Verdict = Literal["kept", "at_risk", "broken", "no_data", "unauditable"]
Z_95 = 1.959963984540054


def wilson_interval(kept: int, decided: int, z: float = Z_95) -> tuple[float, float] | None:
    """95% Wilson score interval of kept / decided; None when nothing was decided."""
    if decided == 0:
        return None
    p = kept / decided
    denominator = 1 + z * z / decided
    centre = (p + z * z / (2 * decided)) / denominator
    half = z * math.sqrt(p * (1 - p) / decided + z * z / (4 * decided * decided)) / denominator
    # the formula's ends are exactly 0 and 1 when nothing (or everything) was kept, but
    # floating point lands a hair inside; an interval must contain its own estimate
    low = 0.0 if kept == 0 else max(0.0, centre - half)
    high = 1.0 if kept == decided else min(1.0, centre + half)
    return low, high


def verdict_for(compliance: float | None, target: float, warn_below: float | None) -> Verdict:
    if compliance is None:
        return "no_data"
    if compliance < target:
        return "broken"
    if warn_below is not None and compliance < warn_below:
        return "at_risk"
    return "kept"


@dataclass(frozen=True)
class Distribution:
    unit: str
    count: int
    median: float | None
    p90: float | None
    p99: float | None
    max: float | None
    limit: float | None


@dataclass(frozen=True)
class Bin:
    """Judged records whose measure is in [low, high) (the last bin includes its high)."""

    low: float
    high: float
    kept: int
    broken: int


@dataclass(frozen=True)
class HourCell:
    """Judged records initiated in one hour of the week (weekday 1 = Monday), local time."""

    weekday: int
    hour: int
    kept: int
    broken: int


@dataclass(frozen=True)
class Link:
    """A group (a queue, an agent, an hour of the week) and how the promise fared in it."""

    dimension: str
    value: str
    kept: int
    broken: int

    @property
    def compliance(self) -> float:
        return self.kept / (self.kept + self.broken)


@dataclass(frozen=True)
class WeekPoint:
    week: str  # ISO date of the Monday, in the promise file's time zone
    kept: int
    broken: int
    pending: int
    excluded: int

    @property
    def compliance(self) -> float | None:
        decided = self.kept + self.broken
        return self.kept / decided if decided else None


@dataclass(frozen=True)
class Evidence:
    contact_id: str
    initiated_at: str
    reason: str
    measure: float | None
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Ratings:
    field: str
    kept_mean: float | None
    kept_count: int
    broken_mean: float | None
    broken_count: int


@dataclass(frozen=True)
class PromiseResult:
    id: str
    kind: str
    title: str | None
    statement: str | None
    published_in: str | None
    url: str | None
    owner: str | None
    severity: str
    blocking: bool
    source: str
    target: float
    warn_below: float | None
    verdict: Verdict
    line: int | None
    column: int | None
    rule: str
    convention: str | None
    sentence: str
    population: int = 0
    kept: int = 0
    broken: int = 0
    pending: int = 0
    excluded: int = 0
    excluded_by_reason: dict[str, int] = field(default_factory=dict)
    broken_by_reason: dict[str, int] = field(default_factory=dict)
    compliance: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    gap_is_clear: bool | None = None
    missing_fields: tuple[str, ...] = ()
    distribution: Distribution | None = None
    debt_seconds: float | None = None
    histogram: tuple[Bin, ...] = ()
    hour_grid: tuple[HourCell, ...] = ()
    promised_hours: tuple[tuple[int, int], ...] = ()
    weakest_links: tuple[Link, ...] = ()
    trend: tuple[WeekPoint, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    ratings: tuple[Ratings, ...] = ()
    agreement: Agreement | None = None  # beside the platform's verdicts (compare_with)
    reported: ReportedFigure | None = None  # beside the published figure (reported)
    conventions: tuple[ConventionRow, ...] = ()  # the same records under other conventions


@dataclass(frozen=True)
class Explanation:
    """How one promise judged one contact (`promise-audit explain`)."""

    contact_id: str
    promise_id: str
    outcome: str  # kept, broken, pending, excluded, or outside (not in the population)
    reason: str | None
    measure: float | None
    platform: str | None = None  # the platform's verdict, where the promise compares with one


@dataclass(frozen=True)
class AuditResult:
    organization: str
    promise_file: str
    timezone: str
    as_of: str | None
    engine: str
    records: Accounting
    sources: dict[str, Accounting]
    promises: tuple[PromiseResult, ...]
    explanations: tuple[Explanation, ...] = ()

    def blocking(self) -> tuple[PromiseResult, ...]:
        return tuple(p for p in self.promises if p.blocking)


FailOn = Literal["broken", "at-risk", "never"]


def exit_status(result: AuditResult, fail_on: FailOn = "broken") -> int:
    """0 kept, 1 a blocking promise broken, 3 nothing broken but one unauditable."""
    failing: set[str] = set()
    if fail_on != "never":
        failing.add("broken")
        if fail_on == "at-risk":
            failing.add("at_risk")
    verdicts = {p.verdict for p in result.blocking()}
    if verdicts & failing:
        return 1
    if "unauditable" in verdicts:
        return 3
    return 0


GateFailOn = Literal["broken", "at-risk", "regression", "never"]


def gate_status(
    result: AuditResult,
    fail_on: GateFailOn = "broken",
    *,
    waived: frozenset[str] = frozenset(),
    regressions: frozenset[str] = frozenset(),
) -> int:
    """`exit_status` for a CI gate: waived promises and baseline regressions taken into account.

    A blocking promise fails the run (1) when its verdict is one `fail_on` names (`broken`;
    `at-risk` adds at_risk) or, with `fail_on="regression"`, only when it is in `regressions`
    (its compliance fell clearly below the baseline's); `never` never fails. A promise in
    `waived` (an unexpired waiver) never fails the run. Else 3 when a blocking promise is
    unauditable (a waiver does not cover it), else 0. Without waivers, and for the
    `fail_on` values both know, this is `exit_status`.
    """
    blocking = result.blocking()
    if fail_on == "regression":
        fails = any(p.id in regressions and p.id not in waived for p in blocking)
    else:
        failing = {"never": set(), "broken": {"broken"}, "at-risk": {"broken", "at_risk"}}[fail_on]
        fails = any(p.verdict in failing and p.id not in waived for p in blocking)
    if fails:
        return 1
    if any(p.verdict == "unauditable" for p in blocking):
        return 3
    return 0
