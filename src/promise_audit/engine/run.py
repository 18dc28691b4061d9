"""Run a compiled plan in DuckDB and read back the counts, distributions and evidence."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promise_audit.engine.plan import PromisePlan, SourcePlan
from promise_audit.records.loader import quote, text_literal
from promise_audit.results import (
    Bin,
    Distribution,
    Evidence,
    Explanation,
    HourCell,
    Link,
    PromiseResult,
    Ratings,
    WeekPoint,
    verdict_for,
    wilson_interval,
)

MIN_LINK_RECORDS = 20  # a group needs this many decided records to be called a weak link
LINKS_PER_DIMENSION = 3
EVIDENCE_ROWS = 20


def percent(value: float | None, target: float | None = None) -> str:
    """A percentage that never rounds a broken promise up to 100% (or a kept one to 0%), nor
    up to its target: 94.99% against 95% shows as 94.99%, not 95.0%."""
    if value is None:
        return "n/a"
    shown = round(value * 100, 1)
    if shown == 100 and value < 1:
        shown = 99.9
    if shown == 0 and value > 0:
        shown = 0.1
    if target is not None and value < target and shown >= round(target * 100, 1):
        for digits in (2, 3, 4):
            finer = math.floor(value * 100 * 10**digits) / 10**digits
            if finer < round(target * 100, digits):
                return f"{finer:.{digits}f}%"
    return f"{shown:g}%" if shown in (0, 100) else f"{shown:.1f}%"


def run_plan(
    con: Any,
    plan: SourcePlan,
    *,
    timezone: str,
    positions: dict[int, tuple[int | None, int | None]],
) -> list[PromiseResult]:
    # hour(), weekday() and date() in expressions, and the weekly trend, read local time
    con.set_timezone(timezone)
    for statement in plan.statements:
        con.execute(statement)
    results = []
    for promise in plan.promises:
        line, column = positions.get(promise.index, (None, None))
        results.append(_result(con, plan, promise, line, column))
    return results


def _common(promise: PromisePlan, line: int | None, column: int | None) -> dict[str, Any]:
    spec = promise.spec
    return {
        "id": spec.id,
        "kind": spec.kind,
        "title": spec.title,
        "statement": spec.statement,
        "published_in": spec.published_in,
        "url": spec.url,
        "owner": spec.owner,
        "severity": spec.severity,
        "blocking": spec.blocking,
        "source": spec.source,
        "target": spec.target,
        "warn_below": spec.warn_below,
        "line": line,
        "column": column,
        "rule": promise.kind.rule_text(),
        "convention": promise.kind.convention(spec),
    }


def _result(
    con: Any, plan: SourcePlan, promise: PromisePlan, line: int | None, column: int | None
) -> PromiseResult:
    common = _common(promise, line, column)
    kind, spec = promise.kind, promise.spec
    if promise.rule is None:
        return PromiseResult(
            **common,
            verdict="unauditable",
            sentence=f"Cannot be audited: the records have no {', no '.join(promise.missing)}.",
            missing_fields=promise.missing,
        )
    table, status = plan.outcomes_table, promise.status_column
    counts: dict[str, int] = {}
    for label, count in con.execute(
        f"SELECT {status}, count(*) FROM {table} WHERE {status} IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        counts[str(label)] = int(count)
    kept = counts.get("kept", 0)
    pending = counts.get("pending", 0)
    broken_by_reason = _by_prefix(counts, "broken")
    excluded_by_reason = _by_prefix(counts, "excluded")
    broken = sum(broken_by_reason.values())
    excluded = sum(excluded_by_reason.values())
    decided = kept + broken
    compliance = kept / decided if decided else None
    interval = wilson_interval(kept, decided)
    verdict = verdict_for(compliance, spec.target, spec.warn_below)
    gap_is_clear = None if interval is None else not (interval[0] <= spec.target <= interval[1])
    decided_sql = f"({status} = 'kept' OR {status} LIKE 'broken%')"
    broken_sql = f"{status} LIKE 'broken%'"
    rule = promise.rule
    breakdowns = _breakdowns(con, plan, status)
    distribution = None
    debt = None
    measure = promise.measure_column
    if rule.measure is not None:
        row = con.execute(
            f"SELECT count({measure}), quantile_disc({measure}, 0.5), "
            f"quantile_disc({measure}, 0.9), quantile_disc({measure}, 0.99), max({measure}) "
            f"FROM {table} WHERE {decided_sql}"
        ).fetchone()
        distribution = Distribution(
            unit=rule.measure_unit,
            count=int(row[0]),
            median=_num(row[1]),
            p90=_num(row[2]),
            p99=_num(row[3]),
            max=_num(row[4]),
            limit=rule.limit,
        )
    if rule.debt is not None:
        value = con.execute(
            f"SELECT coalesce(sum(greatest({promise.debt_column}, 0)), 0) FROM {table} "
            f"WHERE {broken_sql}"
        ).fetchone()[0]
        debt = float(value)
    if verdict == "no_data":
        sentence = (
            f"No {kind.noun} to judge yet ({pending:,} pending, {excluded:,} excluded); "
            f"target {percent(spec.target)}."
        )
    else:
        shown = percent(compliance, spec.target)
        sentence = (
            f"{shown} of {decided:,} {kind.noun} {kind.kept_phrase(spec)}; "
            f"{broken:,} did not; target {percent(spec.target)}."
        )
    return PromiseResult(
        **common,
        verdict=verdict,
        sentence=sentence,
        population=kept + broken + pending + excluded,
        kept=kept,
        broken=broken,
        pending=pending,
        excluded=excluded,
        excluded_by_reason=excluded_by_reason,
        broken_by_reason=broken_by_reason,
        compliance=compliance,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        gap_is_clear=gap_is_clear,
        distribution=distribution,
        debt_seconds=debt,
        histogram=_histogram(con, table, promise, decided_sql, distribution),
        hour_grid=breakdowns.hour_grid,
        promised_hours=promise.promised_hours,
        weakest_links=breakdowns.weakest_links if broken else (),
        trend=breakdowns.trend,
        evidence=_evidence(con, plan, promise, broken_sql),
        ratings=_ratings(con, plan, status),
    )


def explain_contacts(con: Any, plan: SourcePlan, contact_ids: Sequence[str]) -> list[Explanation]:
    """Each promise's outcome for the given contacts, read from the same outcomes table the
    counts come from."""
    found = []
    listed = ", ".join(text_literal(c) for c in contact_ids)
    columns = ", ".join(
        f"{p.status_column}, {p.measure_column}" for p in plan.promises if p.rule is not None
    )
    if not columns:
        return []
    for row in con.execute(
        f"SELECT contact_id, {columns} FROM {plan.outcomes_table} WHERE contact_id IN ({listed})"
    ).fetchall():
        values = iter(row[1:])
        for promise in plan.promises:
            if promise.rule is None:
                continue
            status, measure = next(values), next(values)
            outcome, _, reason = (status or "outside").partition(":")
            found.append(
                Explanation(str(row[0]), promise.spec.id, outcome, reason or None, _num(measure))
            )
    return found


def _by_prefix(counts: dict[str, int], prefix: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for label, count in counts.items():
        head, _, reason = label.partition(":")
        if head == prefix:
            key = reason or prefix
            result[key] = result.get(key, 0) + count
    return dict(sorted(result.items()))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


HISTOGRAM_BINS = 20


def _histogram(
    con: Any,
    table: str,
    promise: PromisePlan,
    decided_sql: str,
    distribution: Distribution | None,
) -> tuple[Bin, ...]:
    """Equal-width bins from 0 to a ceiling that shows both the limit and the p99 tail."""
    if distribution is None or distribution.count == 0 or distribution.max is None:
        return ()
    candidates = [distribution.p99 or 0.0, (distribution.limit or 0.0) * 1.5]
    ceiling = max(candidates) or distribution.max or 1.0
    width = ceiling / HISTOGRAM_BINS
    status, measure = promise.status_column, promise.measure_column
    rows = con.execute(
        f"""
        SELECT least(greatest(floor({measure} / {width!r}), 0), {HISTOGRAM_BINS - 1}) AS bin,
               count(*) FILTER (WHERE {status} = 'kept'),
               count(*) FILTER (WHERE {status} LIKE 'broken%')
        FROM {table} WHERE {decided_sql} AND {measure} IS NOT NULL
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    counts = {int(b): (int(k), int(x)) for b, k, x in rows}
    bins = []
    for index in range(HISTOGRAM_BINS):
        kept, broken = counts.get(index, (0, 0))
        high = (index + 1) * width if index < HISTOGRAM_BINS - 1 else max(ceiling, distribution.max)
        bins.append(Bin(round(index * width, 6), round(high, 6), kept, broken))
    return tuple(bins)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Breakdowns:
    hour_grid: tuple[HourCell, ...]
    weakest_links: tuple[Link, ...]
    trend: tuple[WeekPoint, ...]


def _breakdowns(con: Any, plan: SourcePlan, status: str) -> Breakdowns:
    """Every group the report shows (each dimension, hour of the week, week), in one pass."""
    dimensions = [quote(d) for d in plan.dimensions]
    keys = [*dimensions, "_weekday", "_hour", "_week"]
    sets = [f"({d})" for d in dimensions] + ["(_weekday, _hour)", "(_week)"]
    rows = con.execute(
        f"""
        SELECT {", ".join(f"CAST({k} AS VARCHAR)" for k in keys)},
               grouping({", ".join(keys)}) AS grouped,
               count(*) FILTER (WHERE {status} = 'kept'),
               count(*) FILTER (WHERE {status} LIKE 'broken%'),
               count(*) FILTER (WHERE {status} = 'pending'),
               count(*) FILTER (WHERE {status} LIKE 'excluded%')
        FROM {plan.outcomes_table} WHERE {status} IS NOT NULL
        GROUP BY GROUPING SETS ({", ".join(sets)})
        """
    ).fetchall()
    width = len(keys)
    by_set: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_set.setdefault(int(row[width]), []).append(row)

    def rows_of(*names: str) -> list[tuple[Any, ...]]:
        # grouping() sets a bit, most significant first, for each key NOT grouped by
        mask = sum(1 << (width - 1 - i) for i, k in enumerate(keys) if k not in names)
        return by_set.get(mask, [])

    grid, links, trend = [], [], []
    for row in rows_of("_weekday", "_hour"):
        kept, broken = int(row[width + 1]), int(row[width + 2])
        if kept + broken:
            grid.append(HourCell(int(row[width - 3]), int(row[width - 2]), kept, broken))
    candidates: list[tuple[str, str, int, int]] = []
    for index, dimension in enumerate(plan.dimensions):
        for row in rows_of(dimensions[index]):
            if row[index] is not None:
                candidates.append(
                    (dimension, str(row[index]), int(row[width + 1]), int(row[width + 2]))
                )
    candidates += [
        ("hour_of_week", f"{WEEKDAYS[int(c.weekday) - 1]} {int(c.hour):02d}:00", c.kept, c.broken)
        for c in grid
    ]
    for dimension in (*plan.dimensions, "hour_of_week"):
        eligible = [
            c
            for c in candidates
            if c[0] == dimension and c[2] + c[3] >= MIN_LINK_RECORDS and c[3] > 0
        ]
        eligible.sort(key=lambda c: (c[2] / (c[2] + c[3]), -c[3], c[1]))
        links += [Link(*c) for c in eligible[:LINKS_PER_DIMENSION]]
    for row in rows_of("_week"):
        if row[width - 1] is not None:
            trend.append(WeekPoint(str(row[width - 1]), *(int(v) for v in row[width + 1 :])))
    return Breakdowns(
        hour_grid=tuple(sorted(grid, key=lambda c: (c.weekday, c.hour))),
        weakest_links=tuple(links),
        trend=tuple(sorted(trend, key=lambda w: w.week)),
    )


def _evidence(
    con: Any, plan: SourcePlan, promise: PromisePlan, broken_sql: str
) -> tuple[Evidence, ...]:
    details = [d for d in ("channel", "queue", "team", "agent_id") if d in plan.dimensions]
    detail_sql = "".join(f", {quote(d)}" for d in details)
    rows = con.execute(
        f"""
        SELECT contact_id, initiated_at, {promise.status_column}, {promise.measure_column}
               {detail_sql}
        FROM {plan.outcomes_table} WHERE {broken_sql}
        ORDER BY {promise.measure_column} DESC NULLS LAST, contact_id
        LIMIT {EVIDENCE_ROWS}
        """
    ).fetchall()
    evidence = []
    for contact_id, initiated_at, status, measure, *values in rows:
        evidence.append(
            Evidence(
                contact_id=str(contact_id),
                initiated_at=_iso(initiated_at),
                reason=str(status).partition(":")[2] or "broken",
                measure=_num(measure),
                details=tuple(
                    (name, str(value))
                    for name, value in zip(details, values, strict=True)
                    if value is not None
                ),
            )
        )
    return tuple(evidence)


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _ratings(con: Any, plan: SourcePlan, status: str) -> tuple[Ratings, ...]:
    result = []
    for field in plan.ratings:
        row = con.execute(
            f"""
            SELECT avg({field}) FILTER (WHERE {status} = 'kept'),
                   count({field}) FILTER (WHERE {status} = 'kept'),
                   avg({field}) FILTER (WHERE {status} LIKE 'broken%'),
                   count({field}) FILTER (WHERE {status} LIKE 'broken%')
            FROM {plan.outcomes_table}
            """
        ).fetchone()
        if row[1] or row[3]:
            result.append(Ratings(field, _round(row[0]), int(row[1]), _round(row[2]), int(row[3])))
    return tuple(result)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
