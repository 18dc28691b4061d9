"""`promise-audit inspect`: what an export holds, and which promises it can audit.

The first thing a consultant runs on a client's file: the format, the row count, the time
range, the columns, which canonical fields they fill (given or derived), and, with a promise
file, which promises are auditable and which are not, naming the missing fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from promise_audit.promises.model import Source


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
    from promise_audit.records.loader import detect_format, resolve_files, stage_source

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
