"""The report's view model: an AuditResult ordered and formatted for the report templates.

Plain frozen values the HTML and Markdown templates print (render.report sets up Jinja):
nothing is computed here that the audit did not decide; this module orders, formats and lays
out. The worst gap comes first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup, escape

from promise_audit import __version__
from promise_audit.records.types import Accounting, InvalidValue, Reject
from promise_audit.render import charts
from promise_audit.render.branding import Branding
from promise_audit.render.json import promise_dict, to_dict
from promise_audit.render.reconcile import ReconcileView, reconcile_view
from promise_audit.results import (
    AuditResult,
    Distribution,
    Evidence,
    Link,
    PromiseResult,
    Ratings,
)
from promise_audit.words import (
    counts_text,
    dimension_label,
    interval,
    measure_text,
    percent,
    verdict_counts,
    verdict_notes,
)

EVIDENCE_DETAILS = ("channel", "queue", "team", "agent_id")
REJECTS_SHOWN = 20

VERDICT_LABELS = {
    "kept": "Kept",
    "at_risk": "At risk",
    "broken": "Broken",
    "no_data": "No data",
    "unauditable": "Unauditable",
}
TREND_TITLES = {"day": "Day by day", "week": "Week by week", "month": "Month by month"}
# The worst first: a broken promise, then one nobody can check, then one about to break.
VERDICT_RANK = {"broken": 0, "unauditable": 1, "at_risk": 2, "no_data": 3, "kept": 4}


@dataclass(frozen=True)
class Block:
    """A paragraph or a list of the methodology text, already escaped."""

    kind: Literal["p", "ul"]
    items: tuple[Markup, ...]


@dataclass(frozen=True)
class OverviewBar:
    """A promise on the first screen's 0-100% scale: each value a percentage of the width."""

    compliance: str
    low: str
    high: str
    target: str
    label: str  # the bar in words, for a screen reader


@dataclass(frozen=True)
class LinkRow:
    dimension: str
    value: str
    judged: int
    broken: int
    compliance: str


@dataclass(frozen=True)
class EvidenceRow:
    contact_id: str
    initiated_at: str
    reason: str
    measure: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class RatingRow:
    field: str
    kept_mean: str
    kept_count: int
    broken_mean: str
    broken_count: int


@dataclass(frozen=True)
class Charts:
    gauge: Markup | None = None
    histogram: Markup | None = None
    trend: Markup | None = None
    heatmap: Markup | None = None


@dataclass(frozen=True)
class PromiseView:
    """One promise, formatted: `promise` is the value, `raw` its JSON object (what the JSON
    result holds for it), for templates that want more."""

    promise: PromiseResult
    raw: Mapping[str, Any]
    anchor: str
    name: str
    verdict: str
    verdict_label: str
    compliance: str
    interval: str
    target: str
    short_interval: str  # '94.0-95.8%'
    notes: tuple[str, ...]  # beside the verdict: why it is at risk; whether the gap is clear
    bar: OverviewBar | None
    limit: str | None  # the limit in the promise file's words
    measure_label: str
    trend_title: str
    debt_hours: str | None
    gap_note: str
    url: str | None
    stats: tuple[tuple[str, str], ...]
    broken_reasons: tuple[tuple[str, int], ...]
    excluded_reasons: tuple[tuple[str, int], ...]
    worst_link: LinkRow | None
    links: tuple[LinkRow, ...]
    evidence_columns: tuple[str, ...]
    evidence: tuple[EvidenceRow, ...]
    ratings: tuple[RatingRow, ...]
    rule: tuple[Block, ...]
    convention: str | None
    charts: Charts = field(default_factory=Charts)
    reconcile: ReconcileView | None = None  # beside the platform, the published figure


@dataclass(frozen=True)
class RejectRow:
    file: str
    row: str
    column: str
    reason: str
    value: str


@dataclass(frozen=True)
class AccountingView:
    name: str
    read: int
    used: int
    rejected: int
    duplicates: int
    out_of_period: int
    stitched: int
    reconciles: bool
    reasons: tuple[tuple[str, int], ...]
    rejects: tuple[RejectRow, ...]
    rejects_not_shown: int
    files: tuple[str, ...]
    folded: int = 0  # an event log's events folded into their case's record
    cases: int = 0
    # values that cannot be read or cannot be true: each costs one field of a used record
    invalid: int = 0
    invalid_reasons: tuple[tuple[str, int], ...] = ()  # ("field: reason", count)
    invalid_values: tuple[RejectRow, ...] = ()
    invalid_not_shown: int = 0
    fields_checked: tuple[str, ...] = ()
    fields_empty: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportView:
    """Everything a report template needs; `result` is the JSON result itself (templates
    written against the JSON keep working), `audit` the value it was rendered from."""

    audit: AuditResult
    result: Mapping[str, Any]
    organization: str
    as_of: str
    timezone: str
    kept: int
    total: int
    headline: str
    counts: tuple[tuple[str, str, int], ...]  # (verdict, label, promises): every verdict
    promises: tuple[PromiseView, ...]  # the worst gap first
    gaps: tuple[PromiseView, ...]  # broken, unauditable, at risk: the worst first
    records: AccountingView
    sources: tuple[AccountingView, ...]  # one per source, when there are several
    tool: str
    branding: Branding
    generated_at: str | None


def build_view(
    result: AuditResult,
    *,
    branding: Branding | None = None,
    generated_at: str | None = None,
    with_charts: bool = True,
) -> ReportView:
    """Order and format the result for the templates."""
    indexed = sorted(enumerate(result.promises), key=lambda pair: _gap_order(*pair))
    promises = tuple(
        _promise_view(position, promise, with_charts)
        for position, (_, promise) in enumerate(indexed)
    )
    verdicts = [p.verdict for p in promises]
    sources = result.sources
    return ReportView(
        audit=result,
        result=_json_result(result),
        organization=str(result.organization or ""),
        as_of=_when(result.as_of) or "the latest record",
        timezone=str(result.timezone or ""),
        kept=verdicts.count("kept"),
        total=len(promises),
        headline=counts_text(verdicts),
        counts=tuple(
            (verdict, VERDICT_LABELS[verdict], count) for verdict, count in verdict_counts(verdicts)
        ),
        promises=promises,
        gaps=tuple(p for p in promises if p.verdict in ("broken", "unauditable", "at_risk")),
        records=_accounting("all sources", result.records),
        sources=(
            tuple(_accounting(name, sources[name]) for name in sorted(sources))
            if len(sources) > 1
            else ()
        ),
        tool=f"promise-audit {result.tool_version or __version__}",
        branding=branding or Branding(),
        generated_at=generated_at,
    )


def _json_result(result: AuditResult) -> dict[str, Any]:
    """The JSON result, for templates; one read from an older file says that file's schema."""
    data = to_dict(result)
    if result.read_from_schema is not None:
        data["schema_version"] = result.read_from_schema
    return data


def _gap_order(index: int, promise: PromiseResult) -> tuple[int, float, int]:
    """Verdict (worst first), then the shortfall below target (largest first), then file order."""
    compliance = promise.compliance
    shortfall = 0.0 if compliance is None else float(promise.target) - float(compliance)
    return VERDICT_RANK.get(promise.verdict, 5), -shortfall, index


def _promise_view(position: int, promise: PromiseResult, with_charts: bool) -> PromiseView:
    verdict = promise.verdict
    distribution = promise.distribution
    unit = distribution.unit if distribution else "count"
    links = sorted(
        (_link(link) for link in promise.weakest_links),
        key=lambda r: (
            r.judged and (r.judged - r.broken) / r.judged,
            -r.broken,
            r.dimension,
            r.value,
        ),
    )
    columns = _evidence_columns(promise.evidence)
    debt = promise.debt_seconds
    url = promise.url
    terms = dict(promise.terms)
    limit = terms.get("limit")
    if limit is None and distribution and distribution.limit is not None:
        limit = measure_text(float(distribution.limit), unit)
    raw = promise_dict(promise)
    return PromiseView(
        promise=promise,
        raw=raw,
        anchor=f"promise-{position + 1}",
        name=str(promise.title or promise.id),
        verdict=verdict,
        verdict_label=VERDICT_LABELS.get(verdict, verdict),
        compliance=versus_target(promise.compliance, float(promise.target)),
        interval=_interval(promise.ci_low, promise.ci_high),
        target=percent(float(promise.target)),
        short_interval=interval(promise.ci_low, promise.ci_high),
        notes=verdict_notes(promise),
        bar=_overview_bar(promise),
        limit=None if limit is None else str(limit),
        measure_label=_measure_label(promise),
        trend_title=TREND_TITLES[promise.trend_period or "week"],
        debt_hours=None if not debt else f"{float(debt) / 3600:,.1f}",
        gap_note=_gap_note(promise),
        url=url if isinstance(url, str) and re.match(r"https?://", url) else None,
        stats=_stats(distribution, unit, None if limit is None else str(limit)),
        broken_reasons=_reasons(promise.broken_by_reason),
        excluded_reasons=_reasons(promise.excluded_by_reason),
        worst_link=links[0] if links else None,
        links=tuple(links),
        evidence_columns=columns,
        evidence=tuple(_evidence(e, unit, columns, terms) for e in promise.evidence),
        ratings=tuple(_rating(r) for r in promise.ratings),
        rule=rule_blocks(promise.rule or ""),
        convention=promise.convention,
        charts=_charts(position, promise, unit, limit) if with_charts else Charts(),
        reconcile=reconcile_view(raw, unit),
    )


def _overview_bar(promise: PromiseResult) -> OverviewBar | None:
    compliance, low, high = promise.compliance, promise.ci_low, promise.ci_high
    if compliance is None or low is None or high is None:
        return None
    target = float(promise.target)

    def place(value: float) -> str:
        return f"{max(0.0, min(float(value), 1.0)) * 100:.2f}"

    return OverviewBar(
        compliance=place(compliance),
        low=place(low),
        high=place(high),
        target=place(target),
        label=(
            f"{versus_target(compliance, target)} kept, 95% interval "
            f"{interval(low, high)}, target {percent(target)}"
        ),
    )


def _measure_label(promise: PromiseResult) -> str:
    """The evidence's measure column: a custom promise's own measure expression."""
    measure = dict(promise.terms).get("measure")
    if promise.kind == "custom" and measure:
        return str(measure)
    return "Measure"


def versus_target(compliance: float | None, target: float) -> str:
    """Compliance as a percentage, with more digits where one decimal would equal the target.

    94.99% against a 95% target is broken; "95.0%" beside "target 95.0%" would not say so.
    """
    shown = percent(compliance)
    if compliance is None or compliance == target or shown != percent(target):
        return shown
    for digits in (2, 3, 4, 6):
        shown = f"{compliance * 100:.{digits}f}%"
        if shown != f"{target * 100:.{digits}f}%":
            break
    return shown


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{percent(low)} to {percent(high)}"


def _gap_note(promise: PromiseResult) -> str:
    """Whether the 95% interval settles the verdict, in words."""
    clear, verdict = promise.gap_is_clear, promise.verdict
    if clear is None or verdict in ("no_data", "unauditable"):
        return ""
    interval = _interval(promise.ci_low, promise.ci_high)
    if verdict == "broken":
        if clear:
            return f"The shortfall is clear: the 95% interval ({interval}) is below the target."
        return (
            f"Too small a sample to be sure of the shortfall: the 95% interval ({interval}) "
            "includes the target."
        )
    if clear:
        return f"Clearly met: the 95% interval ({interval}) is above the target."
    return (
        f"Met, though the sample cannot rule out a shortfall: the 95% interval ({interval}) "
        "includes the target."
    )


def _stats(
    distribution: Distribution | None, unit: str, limit: str | None
) -> tuple[tuple[str, str], ...]:
    if not distribution or not distribution.count:
        return ()
    rows = []
    for label, value in (
        ("median", distribution.median),
        ("p90", distribution.p90),
        ("p99", distribution.p99),
        ("max", distribution.max),
    ):
        if value is not None:
            rows.append((label, measure_text(float(value), unit)))
    if limit is not None:
        rows.append(("limit", limit))
    return tuple(rows)


def _reasons(counts: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda i: (-i[1], i[0])))


def _link(link: Link) -> LinkRow:
    kept, broken = int(link.kept), int(link.broken)
    judged = kept + broken
    return LinkRow(
        dimension=dimension_label(link.dimension),
        value=str(link.value),
        judged=judged,
        broken=broken,
        compliance=percent(kept / judged if judged else None),
    )


def _evidence_columns(evidence: Sequence[Evidence]) -> tuple[str, ...]:
    present = {str(name) for row in evidence for name, _ in row.details}
    known = [name for name in EVIDENCE_DETAILS if name in present]
    return (*known, *sorted(present - set(known)))


def _evidence(
    row: Evidence, unit: str, columns: Sequence[str], terms: Mapping[str, Any]
) -> EvidenceRow:
    details = dict(row.details)
    measure = row.measure
    reason = str(row.reason or "")
    if reason == "custom_rule" and terms.get("kept_if") and measure is None:
        reason = f"not ({terms['kept_if']})"  # the custom promise's own test, failed
    return EvidenceRow(
        contact_id=str(row.contact_id),
        initiated_at=_when(row.initiated_at),
        reason=reason,
        measure="" if measure is None else measure_text(float(measure), unit),
        details=tuple(str(details.get(name, "")) for name in columns),
    )


def _rating(rating: Ratings) -> RatingRow:
    def mean(value: float | None) -> str:
        return "n/a" if value is None else f"{float(value):.2f}"

    return RatingRow(
        field=str(rating.field),
        kept_mean=mean(rating.kept_mean),
        kept_count=int(rating.kept_count or 0),
        broken_mean=mean(rating.broken_mean),
        broken_count=int(rating.broken_count or 0),
    )


_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def _when(value: Any) -> str:
    """An ISO timestamp to the minute, as the audit gave it (in the promise file's time zone)."""
    if value is None:
        return ""
    text = str(value)
    return text[:16].replace("T", " ") if _ISO.match(text) else text


def _charts(position: int, promise: PromiseResult, unit: str, limit: str | None) -> Charts:
    prefix = f"c{position + 1}"
    gauge = histogram = trend = heatmap = None
    compliance, low, high = promise.compliance, promise.ci_low, promise.ci_high
    target = float(promise.target)
    if compliance is not None and low is not None and high is not None:
        gauge = charts.gauge_svg(
            f"{prefix}-gauge",
            compliance=float(compliance),
            ci_low=float(low),
            ci_high=float(high),
            target=target,
        )
    bins = [
        charts.Bar(float(b.low), float(b.high), int(b.kept), int(b.broken))
        for b in promise.histogram
    ]
    if any(b.kept + b.broken for b in bins):
        at = promise.distribution.limit if promise.distribution else None
        histogram = charts.histogram_svg(
            f"{prefix}-hist",
            bins,
            limit=None if at is None else float(at),
            unit=unit,
            limit_text=limit,
        )
    points = sorted(
        (charts.Period(str(w.start), int(w.kept), int(w.broken)) for w in promise.trend),
        key=lambda w: w.start,
    )
    if any(w.kept + w.broken for w in points):
        period = str(promise.trend_period or "week")
        trend = charts.trend_svg(f"{prefix}-trend", points, period=period, target=target)
    cells = [
        charts.Cell(int(c.weekday), int(c.hour), int(c.kept), int(c.broken))
        for c in promise.hour_grid
    ]
    if any(c.kept + c.broken for c in cells):
        promised = promise.promised_hours or None
        heatmap = charts.heatmap_svg(
            f"{prefix}-heat",
            cells,
            promised={(int(d), int(h)) for d, h in promised} if promised else None,
        )
    return Charts(gauge=gauge, histogram=histogram, trend=trend, heatmap=heatmap)


def _accounting(name: str, records: Accounting) -> AccountingView:
    counts = {
        "read": records.read,
        "used": records.used,
        "rejected": records.rejected,
        "duplicates": records.duplicates,
        "out_of_period": records.out_of_period,
        "stitched": records.stitched,
        # the JSON result carries an event log's counts only where there are cases
        "folded": records.folded if records.cases else 0,
        "cases": records.cases,
    }
    rejects = list(records.reject_sample)
    invalid = int(records.invalid or 0)
    invalid_values = list(records.invalid_sample)
    return AccountingView(
        name=name,
        **counts,
        reconciles=counts["read"]
        == sum(
            counts[k]
            for k in ("used", "rejected", "duplicates", "out_of_period", "stitched", "folded")
        ),
        reasons=_reasons(records.rejects_by_reason),
        rejects=tuple(_reject(r) for r in rejects[:REJECTS_SHOWN]),
        rejects_not_shown=max(counts["rejected"] - min(len(rejects), REJECTS_SHOWN), 0),
        files=tuple(str(f) for f in records.files),
        invalid=invalid,
        invalid_reasons=_reasons(
            {
                f"{field}: {reason}": count
                for field, reasons in records.invalid_by_field.items()
                for reason, count in reasons.items()
            }
        ),
        invalid_values=tuple(_reject(v) for v in invalid_values[:REJECTS_SHOWN]),
        invalid_not_shown=max(invalid - min(len(invalid_values), REJECTS_SHOWN), 0),
        fields_checked=tuple(str(f) for f in records.fields_checked),
        fields_empty=tuple(str(f) for f in records.fields_empty),
    )


def _reject(reject: Reject | InvalidValue) -> RejectRow:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    line = getattr(reject, "line", None)
    row = text(reject.row) or (f"line {text(line)}" if line is not None else "")
    reason = text(reject.reason)
    if isinstance(reject, InvalidValue):  # an invalid value: its field and why
        reason = f"{text(reject.field)}: {reason}"
    return RejectRow(
        file=text(reject.file),
        row=row,
        column=text(reject.column),
        reason=reason,
        value=text(reject.value),
    )


# The labelled sentences of a kind's docstring, as docs/kinds.md lists them (promise_audit.docs).
_RULE_ITEMS = ("Population:", "Broken", "Kept", "Pending", "Excluded", "Abandons", "The clock")
_CODE = re.compile(r"`([^`]+)`")


def rule_blocks(text: str) -> tuple[Block, ...]:
    """A kind's rule text as paragraphs and a list of its labelled sentences, escaped."""
    blocks: list[tuple[Literal["p", "ul"], list[str]]] = []
    for paragraph in text.split("\n\n"):
        joining = False  # whether the next line may go on the last block
        for line in (raw.strip() for raw in paragraph.splitlines()):
            if not line:
                continue
            if line.startswith(_RULE_ITEMS):
                if not (joining and blocks[-1][0] == "ul"):
                    blocks.append(("ul", []))
                blocks[-1][1].append(line)
            elif not joining:
                blocks.append(("p", [line]))
            else:  # a sentence goes on over several lines
                blocks[-1][1][-1] += " " + line
            joining = True
    return tuple(
        Block(kind, tuple(inline_code(item) for item in items)) for kind, items in blocks if items
    )


def inline_code(text: str) -> Markup:
    """Escape, then show `name` as <code>name</code>."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S704 - escaped
