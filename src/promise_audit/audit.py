"""The one library call: `audit(promise_file, records=None) -> AuditResult`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from promise_audit import interrupts
from promise_audit.engine.backends import (
    default_memory_limit,
    open_backend,
    parse_engine,
    redact_url,
)
from promise_audit.engine.plan import fields_used
from promise_audit.errors import PromiseFileError, RecordsError, UsageError
from promise_audit.progress import EngineWatcher, StageCallback
from promise_audit.promises.loader import LoadedPromiseFile, load_promise_file
from promise_audit.promises.model import PromiseSpec, Source
from promise_audit.records.files import resolve_files
from promise_audit.records.finish import finish_source
from promise_audit.records.raw import quote
from promise_audit.records.stage import stage_source
from promise_audit.records.types import Accounting, LoadedRecords, StagedSource
from promise_audit.records.validate import check_rejected_share
from promise_audit.results import AuditResult, Explanation, PromiseResult


def resolve_as_of(
    con: Any, value: dt.datetime | dt.date | None, timezone: str
) -> dt.datetime | None:
    """The file's as_of as an instant; a date or naive time is read in the file's zone by the
    engine, with the same zone rules as the records' naive timestamps."""
    if value is None:
        return None
    from promise_audit.engine.plan import instant_sql

    con.set_timezone(timezone)
    instant: dt.datetime = con.execute(f"SELECT {instant_sql(value)}").fetchone()[0]
    return instant


def audit(
    promise_file: str | Path | LoadedPromiseFile,
    records: str | None = None,
    *,
    as_of: dt.datetime | None = None,
    rejects_path: str | Path | None = None,
    explain: Sequence[str] = (),
    engine: str | None = None,
    progress: StageCallback | None = None,
    memory_limit: str | None = None,
) -> AuditResult:
    """Check every promise of the file against its records; raise PromiseAuditError on bad input.

    `records` replaces the path of the `contacts` source (or of the only source), as
    `--records` does on the command line; `as_of` replaces the file's as_of; `rejects_path`
    receives every rejected record and every invalid value as CSV (source, status `rejected`
    or `invalid`, file, row, line, field, column, reason, value);
    `engine` replaces the file's engine (see `promise_audit.engine.backends`); `memory_limit`
    (e.g. "1GB") keeps DuckDB's working tables on disk beyond that size (see `connect`).

    `progress`, if given, is called with one short line as each stage starts: "reading
    contacts: export.csv" and "de-duplicating contacts" for each source, "writing the
    rejects", then for each source "deciding 18 promises" (with "on <source>" when there are
    several; then ", batch 1 of 10"... for a large source decided in batches under a memory
    limit), "summarising contacts" and, with `explain`, "explaining 2 contacts". If it also
    has `attach(backend)` and `detach()` (`promise_audit.progress.EngineWatcher`), they are
    called once the engine is open and before it is closed. Without it nothing is printed.
    """
    loaded = (
        promise_file
        if isinstance(promise_file, LoadedPromiseFile)
        else load_promise_file(promise_file)
    )
    model = loaded.model
    timezone = model.timezone
    needed = sorted({p.source for p in loaded.promises})
    override_target = "contacts" if "contacts" in model.sources else None
    if records is not None and override_target is None:
        if len(model.sources) != 1:
            raise PromiseFileError(
                "--records replaces the 'contacts' source, and this file has none",
                str(loaded.path),
            )
        override_target = next(iter(model.sources))

    # a table source may name its database; the audit then runs there
    urls = sorted({u for n in needed if (u := model.sources[n].url) is not None})
    if len(urls) > 1:
        raise loaded.error(
            "the sources' tables are in different databases; one audit runs in one",
            ("sources", needed[-1], "url"),
        )
    file_engine = model.engine
    if urls and "engine" not in model.model_fields_set:
        file_engine = urls[0]
    try:
        spec = parse_engine(engine or file_engine)
    except ValueError as exc:
        if engine is not None:
            raise UsageError(f"--engine: {exc}") from None
        raise loaded.error(str(exc), ("engine",)) from None
    if urls and spec.target != urls[0]:
        raise UsageError(
            f"the tables are in {redact_url(urls[0])}, but the engine is {spec.label}: "
            "run it where the tables are (leave engine: out, or give that URL)"
        )
    stage: StageCallback = progress or _silent
    watcher = progress if isinstance(progress, EngineWatcher) else None
    if memory_limit is None and spec.name == "duckdb":
        sizes = [(model.sources[n], records if n == override_target else None) for n in needed]
        memory_limit = default_memory_limit(
            [_files_or_none(s, loaded.base_dir, o) for s, o in sizes]
        )
    con = open_backend(spec, memory_limit=memory_limit)
    try:
        if watcher is not None:
            watcher.attach(con)
        staged: dict[str, StagedSource] = {}
        for name in needed:
            override = records if name == override_target else None
            stage(f"reading {name}: {_source_label(model.sources[name], override)}")
            staged[name] = stage_source(
                con,
                name,
                model.sources[name],
                base_dir=loaded.base_dir,
                timezone=timezone,
                override=override,
                fields_used=partial(fields_used, [p for p in loaded.promises if p.source == name]),
            )
        cutoff = as_of or resolve_as_of(con, model.as_of, timezone) or _latest(con, staged.values())
        finished: dict[str, LoadedRecords] = {}
        for name, source in staged.items():
            stage(f"de-duplicating {name}")
            finished[name] = finish_source(con, source, cutoff)
        if rejects_path is not None:
            stage("writing the rejects")
            _write_rejects(con, staged, Path(rejects_path))
        for name, source in staged.items():
            # after --rejects is written: it is where to look when a source stops the audit
            check_rejected_share(con, source, finished[name].accounting, model.sources[name])
        results, explanations = _evaluate(
            con, loaded, finished, cutoff, timezone, explain, stage=progress
        )
        local_iso = _local_iso(con, cutoff, timezone)
    finally:
        try:
            if watcher is not None:
                watcher.detach()
        finally:
            interrupts.unregister(con)
            con.close()

    by_id = {r.id: r for r in results}
    ordered = tuple(by_id[p.id] for p in loaded.promises)
    accounting = {name: records_.accounting for name, records_ in finished.items()}
    return AuditResult(
        organization=model.organization,
        promise_file=str(loaded.path),
        timezone=timezone,
        as_of=local_iso,
        engine=spec.label,
        records=_total(accounting.values()),
        sources=accounting,
        promises=ordered,
        explanations=explanations,
    )


def _files_or_none(source: Source, base_dir: Path, override: str | None) -> tuple[str, ...]:
    """A source's files, to size the audit; a missing file is reported when it is read."""
    if source.table is not None:
        return ()
    try:
        return resolve_files(source, base_dir, override)
    except RecordsError:
        return ()


def _silent(stage: str) -> None:
    """The library's default: no progress at all."""


def _source_label(source: Source, override: str | None) -> str:
    """What a source is read from, for the progress line: a file's (or a glob's) name, or a
    table."""
    if override is not None:
        return Path(override).name if source.table is None else override
    if source.path is not None:
        return Path(source.path).name
    return source.table or ""


def _write_rejects(con: Any, staged: dict[str, StagedSource], path: Path) -> None:
    from promise_audit.records.finish import all_rejects
    from promise_audit.render.csv_safe import write_rows

    header = ("source", "status", "file", "row", "line", "field", "column", "reason", "value")
    rows = [(name, *row) for name, source in staged.items() for row in all_rejects(con, source)]
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            write_rows(out, header, rows)
    except OSError as exc:
        raise RecordsError(f"cannot write the rejects: {exc.strerror}", str(path)) from None


def _local_iso(con: Any, instant: dt.datetime | None, timezone: str) -> str | None:
    """ISO 8601 in the file's zone, by the engine's zone rules (the ones the audit used)."""
    if instant is None:
        return None
    from promise_audit.records.raw import text_literal

    if con.name != "duckdb":
        # the engines' date patterns differ; the instant itself came from the engine
        from zoneinfo import ZoneInfo

        return instant.astimezone(ZoneInfo(timezone)).isoformat()
    con.set_timezone(timezone)
    text: str = con.execute(
        f"SELECT strftime(TIMESTAMPTZ {text_literal(instant.isoformat())}, '%Y-%m-%dT%H:%M:%S%z')"
    ).fetchone()[0]
    # DuckDB writes the offset as +HH, +HHMM or +HH:MM; ISO 8601 wants +HH:MM
    match = re.fullmatch(r"(.*[T ]\d\d:\d\d:\d\d)([+-]\d\d):?(\d\d)?", text)
    if match is None:
        return text
    return f"{match[1]}{match[2]}:{match[3] or '00'}"


def _latest(con: Any, staged: Any) -> dt.datetime | None:
    latest: dt.datetime | None = None
    for source in staged:
        value = con.execute(
            f"SELECT max(initiated_at) FROM {source.table} WHERE _reject IS NULL"
        ).fetchone()[0]
        if value is not None and (latest is None or value > latest):
            latest = value
    return latest


def _evaluate(
    con: Any,
    loaded: LoadedPromiseFile,
    finished: dict[str, LoadedRecords],
    as_of: dt.datetime | None,
    timezone: str,
    explain: Sequence[str] = (),
    *,
    stage: StageCallback | None = None,
) -> tuple[list[PromiseResult], tuple[Explanation, ...]]:
    from promise_audit.engine.plan import build_plan, decision_batches
    from promise_audit.engine.run import explain_contacts, run_plan

    def locate(index: int, key: tuple[str | int, ...], message: str) -> Exception:
        spec = loaded.promises[index]
        return loaded.error(f"promise {spec.id!r}: {message}", ("promises", index, *key))

    positions: dict[int, tuple[int | None, int | None]] = {}
    for index in range(len(loaded.promises)):
        position = loaded.promise_position(index)
        positions[index] = (position.line, position.column) if position else (None, None)

    results: list[PromiseResult] = []
    explanations: list[Explanation] = []
    for name, records in finished.items():
        specs: list[tuple[int, PromiseSpec]] = [
            (i, p) for i, p in enumerate(loaded.promises) if p.source == name
        ]
        # with no records at all there is no as_of; every promise then has no data
        as_of_for_plan = as_of or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        first = records.first_initiated_at
        plan = build_plan(
            records,
            specs,
            as_of=as_of_for_plan,
            timezone=timezone,
            locate=locate,
            calendars=loaded.model.calendars,
            first_day=first.date() if first is not None else None,
            batches=decision_batches(records.accounting.used, con.memory_limit),
        )
        on_decided = on_batch = None
        if stage is not None:
            count = f"{len(specs)} promise{'s' if len(specs) != 1 else ''}"
            deciding = f"deciding {count}" + (f" on {name}" if len(finished) > 1 else "")
            stage(deciding)
            on_decided = partial(stage, f"summarising {name}")
            on_batch = partial(_batch_stage, stage, deciding)
        try:
            results += run_plan(
                con,
                plan,
                timezone=timezone,
                positions=positions,
                on_decided=on_decided,
                on_batch=on_batch,
                records_table=records.table,
                available=frozenset(records.available) | frozenset(records.attributes),
            )
            if explain:
                if stage is not None:
                    many = "s" if len(explain) != 1 else ""
                    stage(f"explaining {len(explain)} contact{many}")
                explanations += explain_contacts(
                    con,
                    plan,
                    explain,
                    records_table=records.table,
                    available=frozenset(records.available) | frozenset(records.attributes),
                )
        except Exception as exc:  # a DuckDB failure here is a bug or an unreadable value
            import duckdb

            if isinstance(exc, duckdb.Error):
                raise RecordsError(
                    f"the engine failed while evaluating the promises: {exc}",
                    quote(records.name),
                ) from None
            raise
    order = {p.id: i for i, p in enumerate(loaded.promises)}
    ranked = sorted(
        explanations, key=lambda e: (list(explain).index(e.contact_id), order[e.promise_id])
    )
    return results, tuple(ranked)


def _batch_stage(stage: StageCallback, deciding: str, batch: int, batches: int) -> None:
    stage(f"{deciding}, batch {batch} of {batches}")


def _total(parts: Any) -> Accounting:
    parts = list(parts)
    return Accounting(
        read=sum(p.read for p in parts),
        rejected=sum(p.rejected for p in parts),
        duplicates=sum(p.duplicates for p in parts),
        out_of_period=sum(p.out_of_period for p in parts),
        used=sum(p.used for p in parts),
        rejects_by_reason=_merge(p.rejects_by_reason for p in parts),
        reject_sample=tuple(r for p in parts for r in p.reject_sample)[:100],
        files=tuple(f for p in parts for f in p.files),
        stitched=sum(p.stitched for p in parts),
        folded=sum(p.folded for p in parts),
        cases=sum(p.cases for p in parts),
        invalid=sum(p.invalid for p in parts),
        invalid_by_field=_merge_by_field(p.invalid_by_field for p in parts),
        invalid_sample=tuple(v for p in parts for v in p.invalid_sample)[:100],
        fields_checked=_in_canonical_order(f for p in parts for f in p.fields_checked),
        fields_empty=_in_canonical_order(f for p in parts for f in p.fields_empty),
    )


def _merge_by_field(dicts: Any) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for d in dicts:
        for field_name, reasons in d.items():
            merged[field_name] = _merge([merged.get(field_name, {}), reasons])
    return dict(sorted(merged.items()))


def _in_canonical_order(names: Any) -> tuple[str, ...]:
    from promise_audit.records.schema import CANONICAL_FIELDS

    wanted = set(names)
    return tuple(f for f in CANONICAL_FIELDS if f in wanted)


def _merge(dicts: Any) -> dict[str, int]:
    merged: dict[str, int] = {}
    for d in dicts:
        for key, value in d.items():
            merged[key] = merged.get(key, 0) + value
    return dict(sorted(merged.items()))
