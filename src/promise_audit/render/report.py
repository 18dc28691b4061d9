"""The gap report: the JSON result, as one self-contained HTML page (and the shared pieces).

The only input is the dict of `render.json.to_dict` (the JSON result), so a saved JSON
result re-renders to the same bytes: `promise-audit report result.json -o out.html`. Nothing
is computed here that the audit did not decide; this module orders, formats and lays out.

Templates are Jinja2 files: the packaged ones (`reports/templates` in a checkout, installed as
`promise_audit/templates`), each of which a `--templates DIR` of the same name replaces. They
run in Jinja2's sandbox with autoescaping on and undefined names as errors, and can include
only files inside the two template folders.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup, escape

from promise_audit.engine.run import percent
from promise_audit.errors import UsageError
from promise_audit.render import charts
from promise_audit.render.reconcile import ReconcileView, reconcile_view
from promise_audit.render.words import (
    counts_text,
    dimension_label,
    interval,
    verdict_counts,
    verdict_notes,
)

if TYPE_CHECKING:
    from jinja2 import Environment

ReportFormat = Literal["html", "md", "pdf"]
PageSize = Literal["A4", "Letter"]

REPORT_FORMATS: dict[str, ReportFormat] = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
}
PAGE_SIZES: tuple[PageSize, ...] = ("A4", "Letter")
SUPPORTED_SCHEMA = 2  # 2: invalid values counted apart from rejected records
DEFAULT_ACCENT = "#1F3A5F"
LOGO_LIMIT = 512 * 1024
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


# ---------------------------------------------------------------------------------------------
# Branding


@dataclass(frozen=True)
class Branding:
    client: str | None = None
    prepared_by: str | None = None
    accent: str = DEFAULT_ACCENT
    accent_ink: str = "#FFFFFF"  # text on the accent colour, black or white for contrast
    logo: str | None = None  # a data: URI


_ACCENT = re.compile(r"#[0-9A-Fa-f]{6}")
_LOGO_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def make_branding(
    *,
    client: str | None = None,
    prepared_by: str | None = None,
    accent: str | None = None,
    logo: str | Path | None = None,
) -> Branding:
    """Check the branding options: accent is #RRGGBB; the logo file becomes a data: URI."""
    colour = DEFAULT_ACCENT
    if accent is not None:
        if not _ACCENT.fullmatch(accent):
            raise UsageError(f"--accent {accent!r}: give a colour as #RRGGBB, e.g. #1F3A5F")
        colour = accent.upper()
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return Branding(
        client=client or None,
        prepared_by=prepared_by or None,
        accent=colour,
        accent_ink="#FFFFFF" if luminance < 0.55 else "#111111",
        logo=None if logo is None else logo_data_uri(Path(logo)),
    )


def logo_data_uri(path: Path) -> str:
    """A PNG, JPEG, GIF, WebP or SVG file as a data: URI (an <img> runs no script in an SVG)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"--logo {path}: cannot read it ({error.strerror})") from None
    if len(data) > LOGO_LIMIT:
        raise UsageError(f"--logo {path}: {len(data):,} bytes; the limit is {LOGO_LIMIT:,}")
    media = next((m for magic, m in _LOGO_TYPES if data.startswith(magic)), None)
    if media is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media = "image/webp"
    if media is None and path.suffix.lower() == ".svg" and b"<svg" in data[:4096]:
        media = "image/svg+xml"
    if media is None:
        raise UsageError(f"--logo {path}: not a PNG, JPEG, GIF, WebP or SVG image")
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


# ---------------------------------------------------------------------------------------------
# What the templates see


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
    """One promise, formatted: `raw` is its JSON object, for templates that want more."""

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
    """Everything a report template needs; `result` is the JSON result itself."""

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
    result: Mapping[str, Any],
    *,
    branding: Branding | None = None,
    generated_at: str | None = None,
    with_charts: bool = True,
) -> ReportView:
    """Order and format the result; a malformed result is a UsageError naming what is wrong."""
    try:
        return _build_view(result, branding or Branding(), generated_at, with_charts)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise UsageError(f"not a promise-audit JSON result: {_describe(error)}") from None


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r} field"
    return " ".join(str(error).split()) or type(error).__name__


def _build_view(
    result: Mapping[str, Any], branding: Branding, generated_at: str | None, with_charts: bool
) -> ReportView:
    version = result["schema_version"]
    if not isinstance(version, int) or version > SUPPORTED_SCHEMA:
        raise ValueError(f"schema_version {version!r} is newer than this promise-audit reads")
    indexed = list(enumerate(result["promises"]))
    indexed.sort(key=lambda pair: _gap_order(pair[0], pair[1]))
    promises = tuple(
        _promise_view(position, raw, with_charts) for position, (_, raw) in enumerate(indexed)
    )
    verdicts = [p.verdict for p in promises]
    organization = str(result.get("organization") or "")
    tool = result.get("tool") or {}
    sources = result.get("sources") or {}
    return ReportView(
        result=result,
        organization=organization,
        as_of=_when(result.get("as_of")) or "the latest record",
        timezone=str(result.get("timezone") or ""),
        kept=verdicts.count("kept"),
        total=len(promises),
        headline=counts_text(verdicts),
        counts=tuple(
            (verdict, VERDICT_LABELS[verdict], count) for verdict, count in verdict_counts(verdicts)
        ),
        promises=promises,
        gaps=tuple(p for p in promises if p.verdict in ("broken", "unauditable", "at_risk")),
        records=_accounting("all sources", result["records"]),
        sources=(
            tuple(_accounting(name, sources[name]) for name in sorted(sources))
            if len(sources) > 1
            else ()
        ),
        tool=f"{tool.get('name', 'promise-audit')} {tool.get('version', '')}".strip(),
        branding=branding,
        generated_at=generated_at,
    )


def _gap_order(index: int, promise: Mapping[str, Any]) -> tuple[int, float, int]:
    """Verdict (worst first), then the shortfall below target (largest first), then file order."""
    compliance = promise.get("compliance")
    shortfall = 0.0 if compliance is None else float(promise["target"]) - float(compliance)
    return VERDICT_RANK.get(str(promise["verdict"]), 5), -shortfall, index


def _promise_view(position: int, raw: Mapping[str, Any], with_charts: bool) -> PromiseView:
    verdict = str(raw["verdict"])
    distribution = raw.get("distribution")
    unit = str(distribution["unit"]) if distribution else "count"
    links = sorted(
        (_link(link) for link in raw.get("weakest_links") or ()),
        key=lambda r: (
            r.judged and (r.judged - r.broken) / r.judged,
            -r.broken,
            r.dimension,
            r.value,
        ),
    )
    columns = _evidence_columns(raw.get("evidence") or ())
    debt = raw.get("debt_seconds")
    url = raw.get("url")
    terms = raw.get("terms") or {}
    limit = terms.get("limit")
    if limit is None and distribution and distribution.get("limit") is not None:
        limit = charts.measure_text(float(distribution["limit"]), unit)
    return PromiseView(
        raw=raw,
        anchor=f"promise-{position + 1}",
        name=str(raw.get("title") or raw["id"]),
        verdict=verdict,
        verdict_label=VERDICT_LABELS.get(verdict, verdict),
        compliance=versus_target(raw.get("compliance"), float(raw["target"])),
        interval=_interval(raw.get("ci_low"), raw.get("ci_high")),
        target=percent(float(raw["target"])),
        short_interval=interval(raw.get("ci_low"), raw.get("ci_high")),
        notes=verdict_notes(raw),
        bar=_overview_bar(raw),
        limit=None if limit is None else str(limit),
        measure_label=_measure_label(raw),
        trend_title=TREND_TITLES[str(raw.get("trend_period") or "week")],
        debt_hours=None if not debt else f"{float(debt) / 3600:,.1f}",
        gap_note=_gap_note(raw),
        url=str(url) if isinstance(url, str) and re.match(r"https?://", url) else None,
        stats=_stats(distribution, unit, None if limit is None else str(limit)),
        broken_reasons=_reasons(raw.get("broken_by_reason") or {}),
        excluded_reasons=_reasons(raw.get("excluded_by_reason") or {}),
        worst_link=links[0] if links else None,
        links=tuple(links),
        evidence_columns=columns,
        evidence=tuple(_evidence(e, unit, columns, raw) for e in raw.get("evidence") or ()),
        ratings=tuple(_rating(r) for r in raw.get("ratings") or ()),
        rule=rule_blocks(str(raw.get("rule") or "")),
        convention=raw.get("convention"),
        charts=_charts(position, raw, unit, limit) if with_charts else Charts(),
        reconcile=reconcile_view(raw, unit),
    )


def _overview_bar(raw: Mapping[str, Any]) -> OverviewBar | None:
    compliance, low, high = raw.get("compliance"), raw.get("ci_low"), raw.get("ci_high")
    if compliance is None or low is None or high is None:
        return None
    target = float(raw["target"])

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


def _measure_label(raw: Mapping[str, Any]) -> str:
    """The evidence's measure column: a custom promise's own measure expression."""
    terms = raw.get("terms") or {}
    if raw.get("kind") == "custom" and terms.get("measure"):
        return str(terms["measure"])
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


def _gap_note(raw: Mapping[str, Any]) -> str:
    """Whether the 95% interval settles the verdict, in words."""
    clear, verdict = raw.get("gap_is_clear"), raw["verdict"]
    if clear is None or verdict in ("no_data", "unauditable"):
        return ""
    interval = _interval(raw.get("ci_low"), raw.get("ci_high"))
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
    distribution: Mapping[str, Any] | None, unit: str, limit: str | None
) -> tuple[tuple[str, str], ...]:
    if not distribution or not distribution.get("count"):
        return ()
    rows = []
    for key, label in (("median", "median"), ("p90", "p90"), ("p99", "p99"), ("max", "max")):
        value = distribution.get(key)
        if value is not None:
            rows.append((label, charts.measure_text(float(value), unit)))
    if limit is not None:
        rows.append(("limit", limit))
    return tuple(rows)


def _reasons(counts: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda i: (-i[1], i[0])))


def _link(link: Mapping[str, Any]) -> LinkRow:
    kept, broken = int(link["kept"]), int(link["broken"])
    judged = kept + broken
    return LinkRow(
        dimension=dimension_label(str(link["dimension"])),
        value=str(link["value"]),
        judged=judged,
        broken=broken,
        compliance=percent(kept / judged if judged else None),
    )


def _evidence_columns(evidence: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    present = {str(name) for row in evidence for name in (row.get("details") or {})}
    known = [name for name in EVIDENCE_DETAILS if name in present]
    return (*known, *sorted(present - set(known)))


def _evidence(
    row: Mapping[str, Any], unit: str, columns: Sequence[str], promise: Mapping[str, Any]
) -> EvidenceRow:
    details = row.get("details") or {}
    measure = row.get("measure")
    reason = str(row.get("reason") or "")
    terms = promise.get("terms") or {}
    if reason == "custom_rule" and terms.get("kept_if") and measure is None:
        reason = f"not ({terms['kept_if']})"  # the custom promise's own test, failed
    return EvidenceRow(
        contact_id=str(row["contact_id"]),
        initiated_at=_when(row.get("initiated_at")),
        reason=reason,
        measure="" if measure is None else charts.measure_text(float(measure), unit),
        details=tuple(str(details.get(name, "")) for name in columns),
    )


def _rating(rating: Mapping[str, Any]) -> RatingRow:
    def mean(value: Any) -> str:
        return "n/a" if value is None else f"{float(value):.2f}"

    return RatingRow(
        field=str(rating["field"]),
        kept_mean=mean(rating.get("kept_mean")),
        kept_count=int(rating.get("kept_count") or 0),
        broken_mean=mean(rating.get("broken_mean")),
        broken_count=int(rating.get("broken_count") or 0),
    )


_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def _when(value: Any) -> str:
    """An ISO timestamp to the minute, as the audit gave it (in the promise file's time zone)."""
    if value is None:
        return ""
    text = str(value)
    return text[:16].replace("T", " ") if _ISO.match(text) else text


def _charts(position: int, raw: Mapping[str, Any], unit: str, limit: str | None) -> Charts:
    prefix = f"c{position + 1}"
    gauge = histogram = trend = heatmap = None
    compliance, low, high = raw.get("compliance"), raw.get("ci_low"), raw.get("ci_high")
    target = float(raw["target"])
    if compliance is not None and low is not None and high is not None:
        gauge = charts.gauge_svg(
            f"{prefix}-gauge",
            compliance=float(compliance),
            ci_low=float(low),
            ci_high=float(high),
            target=target,
        )
    bins = [
        charts.Bar(float(b["low"]), float(b["high"]), int(b["kept"]), int(b["broken"]))
        for b in raw.get("histogram") or ()
    ]
    if any(b.kept + b.broken for b in bins):
        distribution = raw.get("distribution") or {}
        at = distribution.get("limit")
        histogram = charts.histogram_svg(
            f"{prefix}-hist",
            bins,
            limit=None if at is None else float(at),
            unit=unit,
            limit_text=limit,
        )
    points = sorted(
        (
            # a result saved before the trend had a period has weeks, under "week"
            charts.Period(str(w.get("start") or w["week"]), int(w["kept"]), int(w["broken"]))
            for w in raw.get("trend") or ()
        ),
        key=lambda w: w.start,
    )
    if any(w.kept + w.broken for w in points):
        period = str(raw.get("trend_period") or "week")
        trend = charts.trend_svg(f"{prefix}-trend", points, period=period, target=target)
    cells = [
        charts.Cell(int(c["weekday"]), int(c["hour"]), int(c["kept"]), int(c["broken"]))
        for c in raw.get("hour_grid") or ()
    ]
    if any(c.kept + c.broken for c in cells):
        promised = raw.get("promised_hours") or None
        heatmap = charts.heatmap_svg(
            f"{prefix}-heat",
            cells,
            promised={(int(d), int(h)) for d, h in promised} if promised else None,
        )
    return Charts(gauge=gauge, histogram=histogram, trend=trend, heatmap=heatmap)


def _accounting(name: str, records: Mapping[str, Any]) -> AccountingView:
    counts = {
        key: int(records.get(key) or 0)
        for key in (
            "read",
            "used",
            "rejected",
            "duplicates",
            "out_of_period",
            "stitched",
            "folded",
            "cases",
        )
    }
    rejects = list(records.get("rejects") or ())
    invalid = int(records.get("invalid") or 0)
    invalid_values = list(records.get("invalid_values") or ())
    return AccountingView(
        name=name,
        **counts,
        reconciles=counts["read"]
        == sum(
            counts[k]
            for k in ("used", "rejected", "duplicates", "out_of_period", "stitched", "folded")
        ),
        reasons=_reasons(records.get("rejects_by_reason") or {}),
        rejects=tuple(_reject(r) for r in rejects[:REJECTS_SHOWN]),
        rejects_not_shown=max(counts["rejected"] - min(len(rejects), REJECTS_SHOWN), 0),
        files=tuple(str(f) for f in records.get("files") or ()),
        invalid=invalid,
        invalid_reasons=_reasons(
            {
                f"{field}: {reason}": count
                for field, reasons in (records.get("invalid_by_field") or {}).items()
                for reason, count in reasons.items()
            }
        ),
        invalid_values=tuple(_reject(v) for v in invalid_values[:REJECTS_SHOWN]),
        invalid_not_shown=max(invalid - min(len(invalid_values), REJECTS_SHOWN), 0),
        fields_checked=tuple(str(f) for f in records.get("fields_checked") or ()),
        fields_empty=tuple(str(f) for f in records.get("fields_empty") or ()),
    )


def _reject(reject: Mapping[str, Any]) -> RejectRow:
    def text(key: str) -> str:
        value = reject.get(key)
        return "" if value is None else str(value)

    row = text("row") or (f"line {text('line')}" if reject.get("line") is not None else "")
    reason = text("reason")
    if reject.get("field") is not None:  # an invalid value: its field and why
        reason = f"{text('field')}: {reason}"
    return RejectRow(
        file=text("file"),
        row=row,
        column=text("column"),
        reason=reason,
        value=text("value"),
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


# ---------------------------------------------------------------------------------------------
# Templates


def packaged_templates() -> Path:
    """The bundled templates: inside the installed package, else the checkout's reports/."""
    installed = resources.files("promise_audit").joinpath("templates")
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[3] / "reports" / "templates"
    if checkout.is_dir():
        return checkout
    raise UsageError("the report templates are missing from this installation: reinstall it")


def _contained_loader(folder: Path) -> Any:
    """A FileSystemLoader that also refuses a symlink leading out of the folder."""
    from jinja2 import FileSystemLoader, TemplateNotFound

    root = folder.resolve()

    class ContainedLoader(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            source, filename, uptodate = super().get_source(environment, template)
            if not Path(filename).resolve().is_relative_to(root):
                raise TemplateNotFound(template)
            return source, filename, uptodate

    return ContainedLoader(str(folder))


def environment(
    flavour: Literal["html", "md"],
    templates: Path | None = None,
    *,
    finalize: Callable[[Any], Any] | None = None,
) -> Environment:
    """A sandboxed Jinja2 environment: the user's folder first, then the packaged templates.

    FileSystemLoader refuses a name that climbs out of its folder ('../secret'), so a
    template can include only templates.
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    loaders = []
    if templates is not None:
        if not templates.is_dir():
            raise UsageError(f"--templates {templates}: not a folder")
        loaders.append(_contained_loader(templates))
    loaders.append(FileSystemLoader(str(packaged_templates())))
    autoescape: bool | Callable[[str | None], bool] = False
    if flavour == "html":
        autoescape = select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg", "css"),
            default_for_string=True,
            default=True,
        )
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = _number
    env.filters["percent"] = percent
    env.filters["label"] = dimension_label
    return env


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{float(value):,.2f}"


def render_template(env: Environment, name: str, view: ReportView) -> str:
    """Render one template; a template mistake is a one-line UsageError, not a traceback."""
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

    try:
        return env.get_template(name).render(report=view, result=view.result)
    except TemplateNotFound as error:
        raise UsageError(f"template {error.name!r} not found in the template folders") from None
    except TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise UsageError(f"template {where}: {error.message}") from None
    except TemplateError as error:
        raise UsageError(f"template {name}: {error.message}") from None


def render_html(
    result: Mapping[str, Any],
    *,
    templates: Path | None = None,
    client: str | None = None,
    prepared_by: str | None = None,
    accent: str | None = None,
    logo: str | Path | None = None,
    generated_at: str | None = None,
) -> str:
    """The report as one HTML page: inline CSS and SVG, no script, nothing from the network."""
    branding = make_branding(client=client, prepared_by=prepared_by, accent=accent, logo=logo)
    view = build_view(result, branding=branding, generated_at=generated_at)
    return render_template(environment("html", templates), "report.html", view)


# ---------------------------------------------------------------------------------------------
# Files


def report_format(path: Path, explicit: str | None = None) -> ReportFormat:
    """The format asked for, else the one the file name says (.html, .md, .pdf)."""
    if explicit is not None:
        chosen = explicit.lower()
        for value in REPORT_FORMATS.values():
            if chosen == value:
                return value
        raise UsageError(f"report format {explicit!r}: use html, md or pdf")
    found = REPORT_FORMATS.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"{path}: cannot tell the report format from the name; end it in .html, .md or "
            ".pdf, or give the format"
        )
    return found


def load_result(path: Path) -> dict[str, Any]:
    """A JSON result saved by `promise-audit check --format json` ('-' reads standard input)."""
    import sys

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or "schema_version" not in data or "promises" not in data:
        raise UsageError(f"{path}: not a promise-audit JSON result (no schema_version/promises)")
    return data
