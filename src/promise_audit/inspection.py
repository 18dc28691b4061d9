"""`promise-audit inspect`: what an export holds, and which promises it can audit.

The first thing a consultant runs on a client's file: the format, the row count, the time
range, the columns, which canonical fields they fill (given or derived), and, with a promise
file, which promises are auditable and which are not, naming the missing fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promise_audit.profiling import Profile
from promise_audit.promises.model import Source
from promise_audit.suggest import Suggested


@dataclass(frozen=True)
class PromiseCoverage:
    id: str
    kind: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Inspection:
    path: str
    format: str
    files: tuple[str, ...]
    records: int
    rejected: int
    first_initiated_at: str | None
    last_initiated_at: str | None
    columns: tuple[str, ...]
    given: tuple[str, ...]  # canonical fields the export (or its mapping) gives
    derived: tuple[str, ...]  # canonical fields derived from others
    attributes: tuple[str, ...]
    promises: tuple[PromiseCoverage, ...]


def inspect_export(
    path: str,
    *,
    format_in: str | None = None,
    promise_file: str | Path | None = None,
    timezone: str = "UTC",
) -> Inspection:
    from promise_audit.engine.backends import connect
    from promise_audit.engine.plan import missing_fields
    from promise_audit.kinds import KINDS
    from promise_audit.promises import load_promise_file
    from promise_audit.records.files import detect_format, resolve_files
    from promise_audit.records.stage import stage_source

    loaded = load_promise_file(promise_file) if promise_file is not None else None
    if loaded is not None and "contacts" in loaded.model.sources:
        base = loaded.model.sources["contacts"]
        source = base.model_copy(update={"format": format_in or base.format})
        timezone = loaded.model.timezone
        base_dir = loaded.base_dir
    else:
        source = Source.model_validate({"path": path, "format": format_in})
        base_dir = Path.cwd()
    files = resolve_files(source, base_dir, path)
    fmt = detect_format(source, files, overridden=True)
    con = connect()
    try:
        staged = stage_source(
            con, "contacts", source, base_dir=base_dir, timezone=timezone, override=path
        )
        raw_columns = staged.columns
        count, rejected, first, last = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _reject IS NOT NULL), "
            f"min(initiated_at) FILTER (WHERE _reject IS NULL), "
            f"max(initiated_at) FILTER (WHERE _reject IS NULL) FROM {staged.table}"
        ).fetchone()
    finally:
        con.close()
    coverage: tuple[PromiseCoverage, ...] = ()
    if loaded is not None:
        coverage = tuple(
            PromiseCoverage(p.id, p.kind, missing_fields(KINDS[p.kind], p, staged.available))
            for p in loaded.promises
            if p.source == "contacts"
        )
    return Inspection(
        path=path,
        format=fmt,
        files=files,
        records=int(count) + staged.raw.malformed,
        rejected=int(rejected) + staged.raw.malformed,
        first_initiated_at=first.isoformat() if first is not None else None,
        last_initiated_at=last.isoformat() if last is not None else None,
        columns=raw_columns,
        given=tuple(sorted(staged.provided)),
        derived=tuple(sorted(staged.available - staged.provided)),
        attributes=staged.attributes,
        promises=coverage,
    )


def render_inspection(report: Inspection) -> str:
    lines = [
        f"{report.path}",
        f"  format:     {report.format} ({len(report.files)} file{'s' * (len(report.files) != 1)})",
        f"  records:    {report.records:,} ({report.rejected:,} would be rejected)",
        f"  initiated:  {report.first_initiated_at or '-'} .. {report.last_initiated_at or '-'}",
        f"  columns:    {', '.join(report.columns)}",
        f"  gives:      {', '.join(report.given) or '-'}",
        f"  derives:    {', '.join(report.derived) or '-'}",
        f"  attributes: {', '.join(report.attributes) or '-'}",
    ]
    if report.promises:
        lines.append("  promises:")
        for promise in report.promises:
            if promise.missing:
                lines.append(
                    f"    {promise.id} ({promise.kind}): unauditable, no "
                    + ", no ".join(promise.missing)
                )
            else:
                lines.append(f"    {promise.id} ({promise.kind}): auditable")
    return "\n".join(lines) + "\n"


def profile_dict(profile: Profile, suggested: Suggested) -> dict[str, Any]:
    """`inspect FILE --format json`: the profile and the suggested mapping, for machines."""
    return {
        "path": profile.path,
        "files": list(profile.files),
        "format": profile.format,
        "platform": profile.platform,
        "encoding": profile.encoding,
        "rows": profile.rows,
        "malformed": profile.malformed,
        "null_values": list(profile.null_values),
        "notes": list(profile.notes),
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                "nulls": c.nulls,
                "null_share": round(c.null_share, 4),
                "distinct": c.distinct,
                "samples": list(c.samples),
                "format": c.timestamp_format,
                "date_order": c.date_order,
                "date_order_evidence": c.date_order_evidence,
                "first": c.first,
                "last": c.last,
                "unreadable": c.unreadable,
            }
            for c in profile.columns
        ],
        "mapping": [
            {
                "field": s.field,
                "mapping": s.mapping,
                "confidence": s.confidence,
                "evidence": s.evidence,
                "columns": list(s.columns),
                "alternatives": list(s.alternatives),
            }
            for s in suggested.suggestions
        ],
        "attributes": list(suggested.attributes),
        "suggestion_notes": list(suggested.notes),
    }


def render_profile(profile: Profile, suggested: Suggested) -> str:
    """`inspect FILE` for people: the file, its columns, and the mapping to start from."""
    files = f"{len(profile.files)} file{'s' * (len(profile.files) != 1)}"
    kind = f"{profile.format} ({profile.platform})" if profile.platform else profile.format
    lines = [
        profile.path,
        f"  format:    {kind}, {files}, encoding {profile.encoding}",
        f"  rows:      {profile.rows:,}"
        + (f" ({profile.malformed:,} malformed)" if profile.malformed else ""),
    ]
    if len(profile.null_values) > 1:
        markers = ", ".join(repr(v) for v in profile.null_values)
        lines.append(f"  missing:   {markers} (written for 'no value'; suggested null_values)")
    lines += [f"  note:      {note}" for note in profile.notes]
    lines += ["", "  columns (type, nulls, distinct, range or samples):"]
    width = min(32, max((len(c.name) for c in profile.columns), default=4))
    for c in profile.columns:
        shown = c.name if len(c.name) <= width else c.name[: width - 3] + "..."
        detail = f"{c.type:<9} {c.null_share:>6.1%} null  {c.distinct:>7,} distinct"
        if c.first is not None and c.type in ("timestamp", "date", "number", "duration"):
            detail += f"  {c.first} .. {c.last}"
        else:
            detail += "  " + ", ".join(repr(s) for s in c.samples)
        if c.timestamp_format:
            detail += f"  [{c.timestamp_format}]"
        if c.date_order_evidence:
            detail += f" {c.date_order_evidence}"
        if c.unreadable:
            detail += f"  ({c.unreadable:,} unreadable)"
        lines.append(f"    {shown:<{width}}  {detail}")
    lines += ["", "  suggested mapping (confidence: evidence):"]
    for s in suggested.suggestions:
        target = "(given by the reader)" if s.mapping is None else _inline(s.mapping)
        lines.append(f"    {s.field}: {target}")
        lines.append(f"        {s.confidence}: {s.evidence}")
        for alternative in s.alternatives:
            lines.append(f"        or: {alternative}")
    for note in suggested.notes:
        lines.append(f"    note: {note}")
    if suggested.attributes:
        lines.append(
            f"  other columns, kept as scope attributes: {', '.join(suggested.attributes)}"
        )
    lines += ["", f"  next: promise-audit init --export {profile.path} --policy POLICY.md"]
    return "\n".join(lines) + "\n"


def _inline(mapping: Any) -> str:
    import json

    if isinstance(mapping, str):
        return mapping
    return "{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in mapping.items()) + "}"
