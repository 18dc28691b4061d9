"""The reconciliation parts of every output: the agreement table (the audit beside the
platform's verdicts), the published figure beside the audited one, and the convention table.

JSON keys appear only for the promises that declare them, so a result without them is the same
as before they existed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from promise_audit.reconciliation import (
    AUDIT_BROKEN_PLATFORM_KEPT,
    AUDIT_KEPT_PLATFORM_BROKEN,
    CLASS_TITLES,
    CLASSES,
    NOT_COMPARABLE,
    Agreement,
)
from promise_audit.results import PromiseResult


def reconcile_dict(promise: PromiseResult) -> dict[str, Any]:
    """The JSON keys this module adds to a promise's object."""
    data: dict[str, Any] = {"conventions": [asdict(row) for row in promise.conventions]}
    if promise.agreement is not None:
        data["agreement"] = agreement_dict(promise.agreement)
    if promise.reported is not None:
        figure = promise.reported
        data["reported"] = {
            "value": figure.value,
            "by": figure.by,
            "convention": figure.convention,
            "audited": figure.audited,
            "difference": figure.difference,
            "conventions": [
                {"convention": c, "compliance": v, "share_of_difference": share}
                for c, v, share in figure.accounted
            ],
            "closest": None if figure.closest is None else figure.closest[0],
        }
    return data


def agreement_dict(agreement: Agreement) -> dict[str, Any]:
    return {
        "label": agreement.label,
        "column": agreement.column,
        "kept_when": agreement.kept_when,
        "counts": {c: agreement.counts[c] for c in CLASSES},
        "comparable": agreement.comparable,
        "disagreements": agreement.disagreements,
        "disagreement_share": agreement.disagreement_share,
        "platform_kept": agreement.platform_kept,
        "platform_broken": agreement.platform_broken,
        "platform_compliance": agreement.platform_compliance,
        "groups": [
            {
                "agreement": g.agreement,
                "audit": g.audit,
                "reason": g.reason,
                "platform": g.platform,
                "count": g.count,
                "measure_min": g.measure_min,
                "measure_max": g.measure_max,
                "examples": list(g.examples),
                "reasons": list(g.reasons),
                "pauses": [
                    {"field": name, "min": low, "max": high} for name, low, high in g.pauses
                ],
            }
            for g in agreement.groups
        ],
    }


def group_explanation(group: dict[str, Any], unit: str | None) -> str:
    """Why a group of records is in its class, in words: the audit's outcome and reason, the
    platform's verdict, then the engine's reasons from the decisive values (which field
    started and ended the clock, by how much the limit was kept or missed, the pause, the
    exclusion, the missing verdict), or the range of the measure where a saved result has none."""
    from promise_audit.words import measure_text

    audit = str(group["audit"]) + (f" ({group['reason']})" if group.get("reason") else "")
    platform = group.get("platform") or "no verdict"
    words = f"audit {audit}, platform {platform}"
    if group.get("reasons"):
        # the engine's sentences from the decisive values (a result saved before them has none);
        # a disagreement's title already says both verdicts: only the audit's reason is added
        if group["agreement"] in (AUDIT_BROKEN_PLATFORM_KEPT, AUDIT_KEPT_PLATFORM_BROKEN):
            words = f"{group['reason']}: " if group.get("reason") else ""
            return words + "; ".join(group["reasons"])
        return f"{words}: " + "; ".join(group["reasons"])
    low, high = group.get("measure_min"), group.get("measure_max")
    if low is not None and high is not None:

        def shown(value: float) -> str:
            return measure_text(value, unit or "count")

        span = shown(low) if low == high else f"{shown(low)} to {shown(high)}"
        words += f"; measure {span}"
    return words


def agreement_lines(promise: PromiseResult) -> list[str]:
    """The agreement table as plain lines (terminal)."""
    from promise_audit.words import percent

    agreement = promise.agreement
    if agreement is None:
        return []
    data = agreement_dict(agreement)
    unit = promise.distribution.unit if promise.distribution else "count"
    lines = [
        f"{promise.id} beside {agreement.label}: "
        + ", ".join(f"{CLASS_TITLES[c]} {agreement.counts[c]:,}" for c in CLASSES)
        + f"; they disagree on {percent(agreement.disagreement_share)} of the "
        f"{agreement.comparable:,} both judged"
    ]
    for group in data["groups"]:
        if group["agreement"] in ("both_kept", "both_broken"):
            continue
        title = CLASS_TITLES[group["agreement"]]
        if group["agreement"] == NOT_COMPARABLE:
            title = "not comparable"
        lines.append(
            f"  {title}: {group['count']:,}, {group_explanation(group, unit)}; e.g. "
            + ", ".join(group["examples"])
        )
    return lines


def reported_line(promise: PromiseResult) -> str | None:
    from promise_audit.words import percent

    figure = promise.reported
    if figure is None:
        return None
    by = f" ({figure.by})" if figure.by else ""
    if figure.difference is None:
        return f"{promise.id}: published {percent(figure.value)}{by}; the audit has no figure"
    points = figure.difference * 100
    line = (
        f"{promise.id}: published {percent(figure.value)}{by}, audited "
        f"{percent(figure.audited)}: {abs(points):.1f} points "
        f"{'above' if points >= 0 else 'below'} the audit"
    )
    if figure.closest is not None:
        convention, compliance, share = figure.closest
        accounts = "" if share is None else f", {percent(share)} of the difference"
        line += f"; closest convention: {convention}, {percent(compliance)}{accounts}"
    return line


def reconcile_lines(promises: Any) -> list[str]:
    """Every promise's published figure and agreement table, as terminal lines (a blank line
    after them), or none."""
    lines: list[str] = []
    for promise in promises:
        reported = reported_line(promise)
        if reported is not None:
            lines.append(reported)
        lines += agreement_lines(promise)
    return [*lines, ""] if lines else []


@dataclass(frozen=True)
class AgreementRow:
    title: str
    count: int
    share: str  # of the population


@dataclass(frozen=True)
class ExplanationRow:
    title: str
    count: int
    words: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ConventionView:
    convention: str
    declared: bool
    kept: int
    broken: int
    compliance: str
    verdict: str


@dataclass(frozen=True)
class ReconcileView:
    """The reconciliation of one promise, formatted for the report templates."""

    reported: tuple[tuple[str, str], ...]  # (label, value) lines about the published figure
    label: str | None  # whose verdicts the audit is compared with
    agreement: tuple[AgreementRow, ...]
    summary: str
    explanations: tuple[ExplanationRow, ...]
    conventions: tuple[ConventionView, ...] = ()


def reconcile_view(raw: Any, unit: str | None) -> ReconcileView | None:
    """From a promise's JSON object (a saved result renders the same)."""
    from promise_audit.words import VERDICT_WORDS, percent

    agreement, figure = raw.get("agreement"), raw.get("reported")
    conventions = tuple(
        ConventionView(
            str(c["convention"])
            + (" (declared)" if c["declared"] and c["convention"] != "as declared" else ""),
            bool(c["declared"]),
            int(c["kept"]),
            int(c["broken"]),
            percent(c["compliance"]),
            VERDICT_WORDS.get(str(c["verdict"]), str(c["verdict"])),
        )
        for c in raw.get("conventions") or ()
    )
    if agreement is None and figure is None and not conventions:
        return None
    reported: list[tuple[str, str]] = []
    if figure is not None:
        reported.append(("Published", percent(figure["value"])))
        if figure.get("by"):
            reported.append(("By", str(figure["by"])))
        if figure.get("convention"):
            reported.append(("Their convention", str(figure["convention"])))
        reported.append(("Audited", percent(figure.get("audited"))))
        difference = figure.get("difference")
        if difference is not None:
            side = "above" if difference >= 0 else "below"
            reported.append(("Difference", f"{abs(difference) * 100:.1f} points {side} the audit"))
        closest = figure.get("closest")
        for row in figure.get("conventions") or ():
            if row["convention"] != closest:
                continue
            share = row.get("share_of_difference")
            accounts = "" if share is None else f", {percent(share)} of the difference"
            reported.append(
                ("Closest convention", f"{closest}: {percent(row['compliance'])}{accounts}")
            )
    rows: list[AgreementRow] = []
    explanations: list[ExplanationRow] = []
    summary = ""
    label = None
    if agreement is not None:
        label = str(agreement["label"])
        total = sum(int(v) for v in agreement["counts"].values())
        for name in CLASSES:
            count = int(agreement["counts"][name])
            rows.append(
                AgreementRow(CLASS_TITLES[name], count, percent(count / total if total else None))
            )
        summary = (
            f"They disagree on {agreement['disagreements']:,} of the {agreement['comparable']:,} "
            f"records both judged ({percent(agreement['disagreement_share'])}); "
            f"{label} alone: {percent(agreement['platform_compliance'])} kept."
        )
        for group in agreement["groups"]:
            if group["agreement"] in ("both_kept", "both_broken"):
                continue
            explanations.append(
                ExplanationRow(
                    CLASS_TITLES[group["agreement"]],
                    int(group["count"]),
                    group_explanation(group, unit),
                    tuple(group["examples"]),
                )
            )
    return ReconcileView(
        tuple(reported), label, tuple(rows), summary, tuple(explanations), conventions
    )
