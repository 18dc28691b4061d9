"""What an audit found: plain frozen values, computed by the engine, formatted by `render`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from promise_audit.reconciliation import Agreement, ConventionRow, ReportedFigure
from promise_audit.records.types import Accounting

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


VerdictReason = Literal[
    "missing_data",
    "below_warn_below",
    "broken_even_if_missing_kept",
    "broken_unless_missing_kept",
]
VERDICT_REASONS: tuple[VerdictReason, ...] = (
    "missing_data",
    "below_warn_below",
    "broken_even_if_missing_kept",
    "broken_unless_missing_kept",
)


def is_missing_data(reason: str) -> bool:
    """An exclusion for missing data (a value the rule needs is missing or invalid), as opposed
    to one the promise's own convention makes (short abandons, no decision yet, ...)."""
    return reason.startswith(("missing_", "invalid_"))


def missing_data_count(excluded_by_reason: dict[str, int]) -> int:
    return sum(n for reason, n in excluded_by_reason.items() if is_missing_data(reason))


def compliance_bounds(kept: int, broken: int, missing: int) -> tuple[float | None, float | None]:
    """(worst, best): the compliance had every record excluded for missing data been broken,
    or kept; None when there is nothing to count."""
    total = kept + broken + missing
    if total == 0:
        return None, None
    return kept / total, (kept + missing) / total


def verdict_for(
    compliance: float | None,
    target: float,
    warn_below: float | None,
    *,
    worst: float | None = None,
    best: float | None = None,
) -> tuple[Verdict, VerdictReason | None]:
    """The verdict and why. `worst` / `best` are the compliance bounds over the records
    excluded for missing data (default: none were, so both equal `compliance`).

    broken: compliance under the target; the reason says whether it would still be broken had
    every such record been kept (broken_even_if_missing_kept) or not
    (broken_unless_missing_kept). at_risk: compliance meets the target but `worst` does not
    (missing_data, checked first), or compliance is under `warn_below` (below_warn_below).
    kept: the target holds even at `worst`. no_data: nothing was decided and nothing was
    excluded for missing data; when only missing data stands in the way, at_risk.
    """
    if worst is None and best is None:
        worst = best = compliance
    if compliance is None:
        return ("no_data", None) if worst is None else ("at_risk", "missing_data")
    if compliance < target:
        if best is not None and best >= target:
            return "broken", "broken_unless_missing_kept"
        return "broken", "broken_even_if_missing_kept"
    if worst is not None and worst < target:
        return "at_risk", "missing_data"
    if warn_below is not None and compliance < warn_below:
        return "at_risk", "below_warn_below"
    return "kept", None


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


TrendPeriod = Literal["day", "week", "month"]


@dataclass(frozen=True)
class TrendPoint:
    """Records initiated in one period (a day, a week from Monday, a calendar month)."""

    start: str  # ISO date of the period's first day, in the promise file's time zone
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
class Waiver:
    """A waiver of the promise file, and whether it has expired on the day it was judged."""

    promise: str
    reason: str
    approved_by: str
    expires: str  # ISO date: the waiver holds through this day
    expired: bool
    line: int | None
    column: int | None


@dataclass(frozen=True)
class Comparison:
    """One promise beside the same promise in a baseline result (baseline.py says each value).

    `new`: the baseline has no promise with this id (every other value is then None or False).
    """

    new: bool
    verdict: str | None
    compliance: float | None
    ci_low: float | None
    ci_high: float | None
    compliance_worst: float | None
    verdict_reason: str | None
    change: float | None
    direction: Literal["up", "down", "same"] | None
    clear_regression: bool
    clear_improvement: bool
    newly_broken: bool
    newly_kept: bool


@dataclass(frozen=True)
class BaselineInfo:
    """The baseline a result was compared with: the file as given, its as_of and organisation,
    and the ids of its promises this audit no longer has."""

    path: str
    as_of: str | None
    organization: str | None
    removed: tuple[str, ...]


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
    terms: tuple[tuple[str, str], ...] = ()  # the kind's options, as the promise file wrote them
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
    trend: tuple[TrendPoint, ...] = ()
    trend_period: TrendPeriod | None = None
    evidence: tuple[Evidence, ...] = ()
    ratings: tuple[Ratings, ...] = ()
    agreement: Agreement | None = None  # beside the platform's verdicts (compare_with)
    reported: ReportedFigure | None = None  # beside the published figure (reported)
    conventions: tuple[ConventionRow, ...] = ()  # the same records under other conventions
    # the compliance had every record excluded for missing data been broken / kept
    compliance_worst: float | None = None
    compliance_best: float | None = None
    verdict_reason: VerdictReason | None = None
    verdict_note: str | None = None  # the reason in words, for every output's headline
    # set by the steps after the audit (waivers.apply_waivers, baseline.apply_baseline);
    # None until that step ran, so a result without them prints no such keys
    waiver: Waiver | None = None
    waived: bool | None = None  # an unexpired waiver covers a broken or at-risk verdict
    baseline: Comparison | None = None

    @property
    def missing_data(self) -> int:
        """Records excluded for missing data (missing_<field>, invalid_<field>)."""
        return missing_data_count(self.excluded_by_reason)


@dataclass(frozen=True)
class Explanation:
    """How one promise judged one contact (`promise-audit explain`)."""

    contact_id: str
    promise_id: str
    outcome: str  # kept, broken, pending, excluded, or outside (not in the population)
    reason: str | None
    measure: float | None
    platform: str | None = None  # the platform's verdict, where the promise compares with one
    values: tuple[tuple[str, Any], ...] = ()  # the record's fields the promise's rule reads
    # the promise's scope (field filters, and its `where`), and the record's values of the
    # fields the scope reads: why a record is outside the population
    scope: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    scope_where: str | None = None
    scope_values: tuple[tuple[str, Any], ...] = ()
    in_scope: bool | None = None  # whether the record meets the scope (None: not known)


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
    # the file's waivers (waivers.apply_waivers), None until applied; the baseline compared
    # with (baseline.apply_baseline)
    waivers: tuple[Waiver, ...] | None = None
    baseline: BaselineInfo | None = None
    # identifiers replaced by salted hashes (redact.redact); not part of the JSON result
    redacted: bool = False
    # the version that wrote the result: None for this one; a loaded result keeps its own
    tool_version: str | None = None
    # loaded from a JSON result of an older schema (its number), None otherwise
    read_from_schema: int | None = None

    def blocking(self) -> tuple[PromiseResult, ...]:
        return tuple(p for p in self.promises if p.blocking)

    def waived_ids(self) -> frozenset[str]:
        """The promises an active waiver exempts from failing the run."""
        return frozenset(p.id for p in self.promises if p.waived)

    def regressions(self) -> frozenset[str]:
        """The promises whose compliance fell clearly below the baseline's."""
        return frozenset(
            p.id for p in self.promises if p.baseline is not None and p.baseline.clear_regression
        )


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
    waived: frozenset[str] | None = None,
    regressions: frozenset[str] | None = None,
) -> int:
    """`exit_status` for a CI gate: waived promises and baseline regressions taken into account
    (by default the result's own: `AuditResult.waived_ids()` and `.regressions()`).

    A blocking promise fails the run (1) when its verdict is one `fail_on` names (`broken`;
    `at-risk` adds at_risk) or, with `fail_on="regression"`, only when it is in `regressions`
    (its compliance fell clearly below the baseline's); `never` never fails. A promise in
    `waived` (an unexpired waiver) never fails the run. Else 3 when a blocking promise is
    unauditable (a waiver does not cover it), else 0. Without waivers, and for the
    `fail_on` values both know, this is `exit_status`.
    """
    waived = result.waived_ids() if waived is None else waived
    regressions = result.regressions() if regressions is None else regressions
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
