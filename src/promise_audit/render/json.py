"""The JSON result: the stable, versioned contract (docs/report.md says what each version
changed)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from promise_audit import __version__
from promise_audit.records.types import Accounting
from promise_audit.render.reconcile import reconcile_dict
from promise_audit.results import AuditResult, PromiseResult

# 2: compliance_worst, compliance_best, verdict_reason and verdict_note; `kept` now means kept
# even with every record excluded for missing data counted broken (docs/report.md).
# Also in 2: a value that cannot be read or cannot be true no longer rejects its record (it is
# an invalid value, counted under `invalid`); `rejects_by_reason` counts only records that
# cannot be contacts.
SCHEMA_VERSION = 2


def accounting_dict(accounting: Accounting) -> dict[str, Any]:
    data = {
        "read": accounting.read,
        "rejected": accounting.rejected,
        "duplicates": accounting.duplicates,
        "out_of_period": accounting.out_of_period,
        "used": accounting.used,
        "stitched": accounting.stitched,
        "rejects_by_reason": accounting.rejects_by_reason,
        "rejects": [asdict(r) for r in accounting.reject_sample],
        "files": list(accounting.files),
        "invalid": accounting.invalid,
        "invalid_by_field": accounting.invalid_by_field,
        "invalid_values": [asdict(v) for v in accounting.invalid_sample],
        "fields_checked": list(accounting.fields_checked),
        "fields_empty": list(accounting.fields_empty),
    }
    if accounting.cases:
        # an event log: read = folded + the case rows (used, rejected or out of period)
        data["folded"] = accounting.folded
        data["cases"] = accounting.cases
    return data


def promise_dict(promise: PromiseResult) -> dict[str, Any]:
    data = {
        "id": promise.id,
        "kind": promise.kind,
        "verdict": promise.verdict,
        "population": promise.population,
        "kept": promise.kept,
        "broken": promise.broken,
        "pending": promise.pending,
        "excluded": promise.excluded,
        "compliance": promise.compliance,
        "ci_low": promise.ci_low,
        "ci_high": promise.ci_high,
        "compliance_worst": promise.compliance_worst,
        "compliance_best": promise.compliance_best,
        "verdict_reason": promise.verdict_reason,
        "verdict_note": promise.verdict_note,
        "target": promise.target,
        "warn_below": promise.warn_below,
        "gap_is_clear": promise.gap_is_clear,
        "blocking": promise.blocking,
        "severity": promise.severity,
        "title": promise.title,
        "statement": promise.statement,
        "published_in": promise.published_in,
        "url": promise.url,
        "owner": promise.owner,
        "source": promise.source,
        "line": promise.line,
        "column": promise.column,
        "sentence": promise.sentence,
        "excluded_by_reason": promise.excluded_by_reason,
        "broken_by_reason": promise.broken_by_reason,
        "missing_fields": list(promise.missing_fields),
        "distribution": asdict(promise.distribution) if promise.distribution else None,
        "debt_seconds": promise.debt_seconds,
        "histogram": [asdict(b) for b in promise.histogram],
        "hour_grid": [asdict(c) for c in promise.hour_grid],
        "promised_hours": [list(cell) for cell in promise.promised_hours],
        "weakest_links": [
            {**asdict(link), "compliance": link.compliance} for link in promise.weakest_links
        ],
        "trend_period": promise.trend_period,
        "trend": [{**asdict(point), "compliance": point.compliance} for point in promise.trend],
        "evidence": [{**asdict(e), "details": dict(e.details)} for e in promise.evidence],
        "ratings": [asdict(r) for r in promise.ratings],
        "rule": promise.rule,
        "terms": dict(promise.terms),
        "convention": promise.convention,
    }
    data.update(reconcile_dict(promise))
    return data


def to_dict(result: AuditResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "promise-audit", "version": __version__},
        "organization": result.organization,
        "promise_file": result.promise_file,
        "timezone": result.timezone,
        "as_of": result.as_of,
        "engine": result.engine,
        "records": accounting_dict(result.records),
        "sources": {name: accounting_dict(a) for name, a in sorted(result.sources.items())},
        "promises": [promise_dict(p) for p in result.promises],
    }


def dumps(data: dict[str, Any]) -> str:
    """The JSON result as text: the one layout every JSON output shares."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_json(result: AuditResult) -> str:
    return dumps(to_dict(result))
