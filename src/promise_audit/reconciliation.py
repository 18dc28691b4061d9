"""The audit beside what the platform says: record by record, and the published figure.

Plain frozen values, computed by the engine (engine/reconcile.py), formatted by `render`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Agreement classes, in the order every output lists them
BOTH_KEPT = "both_kept"
BOTH_BROKEN = "both_broken"
AUDIT_BROKEN_PLATFORM_KEPT = "audit_broken_platform_kept"
AUDIT_KEPT_PLATFORM_BROKEN = "audit_kept_platform_broken"
NOT_COMPARABLE = "not_comparable"
CLASSES = (
    BOTH_KEPT,
    BOTH_BROKEN,
    AUDIT_BROKEN_PLATFORM_KEPT,
    AUDIT_KEPT_PLATFORM_BROKEN,
    NOT_COMPARABLE,
)
CLASS_TITLES = {
    BOTH_KEPT: "both kept",
    BOTH_BROKEN: "both broken",
    AUDIT_BROKEN_PLATFORM_KEPT: "audit broken / platform kept",
    AUDIT_KEPT_PLATFORM_BROKEN: "audit kept / platform broken",
    NOT_COMPARABLE: "not comparable",
}
EXAMPLES = 5


@dataclass(frozen=True)
class AgreementGroup:
    """Records of one agreement class with the same audit outcome and reason."""

    agreement: str  # one of CLASSES
    audit: str  # the audit's outcome: kept, broken, pending, excluded
    reason: str | None  # the audit's reason (broken:unresolved, excluded:missing_...)
    platform: str | None  # the platform's verdict: kept, broken, or None (no value)
    count: int
    measure_min: float | None  # the decisive values: the range of the promise's measure
    measure_max: float | None
    examples: tuple[str, ...]  # up to EXAMPLES contact ids, the earliest first
    # why, in words, from the decisive values: which field started and ended the clock and by
    # how much it missed or kept the limit, the pause, the exclusion, the missing verdict
    reasons: tuple[str, ...] = ()
    # (field, low, high): the range of each duration the promise subtracts from its clock
    pauses: tuple[tuple[str, float | None, float | None], ...] = ()


@dataclass(frozen=True)
class Agreement:
    """The audit's outcome beside the platform's verdict, for every record in the population."""

    label: str
    column: str | None
    kept_when: str | None
    counts: dict[str, int]  # by agreement class, every class present
    groups: tuple[AgreementGroup, ...]
    platform_kept: int  # the platform's own verdicts over the population
    platform_broken: int

    @property
    def comparable(self) -> int:
        return sum(self.counts[c] for c in CLASSES if c != NOT_COMPARABLE)

    @property
    def disagreements(self) -> int:
        return self.counts[AUDIT_BROKEN_PLATFORM_KEPT] + self.counts[AUDIT_KEPT_PLATFORM_BROKEN]

    @property
    def disagreement_share(self) -> float | None:
        """Of the records both judged, the share on which they disagree."""
        return self.disagreements / self.comparable if self.comparable else None

    @property
    def platform_compliance(self) -> float | None:
        decided = self.platform_kept + self.platform_broken
        return self.platform_kept / decided if decided else None


@dataclass(frozen=True)
class ReportedFigure:
    """A published figure beside the audited one."""

    value: float
    by: str | None
    convention: str | None
    audited: float | None  # the audit's compliance
    # (convention, its compliance, the share of the difference it accounts for), for each
    # convention of the promise's convention table other than its own
    accounted: tuple[tuple[str, float | None, float | None], ...] = ()

    @property
    def difference(self) -> float | None:
        """Published minus audited: how far the published figure is above the audit's."""
        return None if self.audited is None else self.value - self.audited

    @property
    def closest(self) -> tuple[str, float | None, float | None] | None:
        """The convention whose figure comes closest to the published one (the first, on a
        tie, in the table's order)."""
        known = [a for a in self.accounted if a[1] is not None]
        if not known:
            return None
        return min(known, key=lambda a: abs((a[1] or 0.0) - self.value))


@dataclass(frozen=True)
class ConventionRow:
    """The same records counted under one convention the contract knows."""

    dimension: str  # abandons, pending, missing data
    convention: str  # e.g. "abandoned: kept, short_abandon: 5s"
    declared: bool  # the promise's own convention
    kept: int
    broken: int
    pending: int
    excluded: int
    compliance: float | None
    verdict: str
