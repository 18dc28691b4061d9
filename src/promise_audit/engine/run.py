"""Run a compiled plan in DuckDB and read back the counts, distributions and evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from promise_audit.engine import conventions, reconcile
from promise_audit.engine.plan import PromisePlan, SourcePlan
from promise_audit.records.raw import quote, text_literal
from promise_audit.results import (
    Bin,
    Distribution,
    Evidence,
    Explanation,
    HourCell,
    Link,
    PromiseResult,
    Ratings,
    TrendPeriod,
    TrendPoint,
    compliance_bounds,
    missing_data_count,
    verdict_for,
    wilson_interval,
)
from promise_audit.words import delivered_sentence, verdict_note

MIN_LINK_RECORDS = 20  # a group needs this many decided records to be called a weak link
LINKS_PER_DIMENSION = 3
EVIDENCE_ROWS = 20


def run_plan(
    con: Any,
    plan: SourcePlan,
    *,
    timezone: str,
    positions: dict[int, tuple[int | None, int | None]],
    on_decided: Callable[[], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    records_table: str | None = None,
    available: frozenset[str] = frozenset(),
) -> list[PromiseResult]:
    """Every promise's result, from a few scans of the outcomes table shared by all promises:
    the status counts, the breakdowns, the whole-table aggregates (distributions, debt,
    ratings) and the histograms each take one query for every promise at once; only the
    evidence, a LIMIT query, is read promise by promise, and only for a broken promise.
    `on_decided` is called once every record is decided, before the summarising; `on_batch`
    with (batch, batches) as each batch of a decision in batches starts (DuckDB). With
    `records_table` (one row per contact), a custom promise's evidence also gives the values
    of the fields its expressions read (those of `available`)."""
    # hour(), weekday() and date() in expressions, and the weekly trend, read local time
    con.set_timezone(timezone)
    duckdb = con.name == "duckdb" and plan.duckdb_statements
    statements = plan.duckdb_statements if duckdb else plan.statements
    batches = plan.batches if duckdb else 1
    first_batch = len(statements) - batches  # the decision's statements come last
    for number, statement in enumerate(statements):
        if on_batch is not None and batches > 1 and number >= first_batch:
            on_batch(number - first_batch + 1, batches)
        con.execute(statement)
    if on_decided is not None:
        on_decided()
    auditable = [p for p in plan.promises if p.rule is not None]
    agreements = reconcile.agreements(
        con, plan.outcomes_table, auditable, source_columns=plan.source_columns
    )
    breakdowns = _breakdowns(con, plan, auditable)
    aggregates = _aggregates(con, plan, auditable)
    variants = conventions.variant_counts(con, plan.outcomes_table, auditable)
    shapes = [(p, aggregates[p.index].distribution) for p in auditable]
    # the status counts are groups of one column each, as the histograms' bins: the same pass
    histograms, counts = _histograms(con, plan, shapes, counted=auditable)
    # a promise with no broken record has no evidence: no query to find none
    with_broken = [p for p in auditable if any(s.startswith("broken") for s in counts[p.index])]
    evidence = _evidence(con, plan, with_broken, records_table, available)
    results = []
    for promise in plan.promises:
        line, column = positions.get(promise.index, (None, None))
        if promise.rule is None:
            results.append(reconcile.with_reported(_unauditable(promise, line, column), promise))
            continue
        result = _result(
            con,
            plan,
            promise,
            line,
            column,
            counts=counts[promise.index],
            breakdowns=breakdowns[promise.index],
            aggregates=aggregates[promise.index],
            histogram=histograms.get(promise.index, ()),
            evidence=evidence.get(promise.index, ()),
        )
        result = replace(
            result,
            agreement=agreements.get(promise.index),
            conventions=conventions.convention_table(promise, result, variants),
        )
        results.append(reconcile.with_reported(result, promise))
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
        "rule": promise.kind.method_text(spec),
        "terms": promise.kind.terms(spec),
        "convention": promise.kind.convention(spec),
    }


def _unauditable(promise: PromisePlan, line: int | None, column: int | None) -> PromiseResult:
    return PromiseResult(
        **_common(promise, line, column),
        verdict="unauditable",
        sentence=f"Cannot be audited: the records have no {', no '.join(promise.missing)}.",
        missing_fields=promise.missing,
    )


def _result(
    con: Any,
    plan: SourcePlan,
    promise: PromisePlan,
    line: int | None,
    column: int | None,
    *,
    counts: dict[str, int],
    breakdowns: Breakdowns,
    aggregates: Aggregates,
    histogram: tuple[Bin, ...],
    evidence: tuple[Evidence, ...] = (),
) -> PromiseResult:
    common = _common(promise, line, column)
    kind, spec = promise.kind, promise.spec
    kept = counts.get("kept", 0)
    pending = counts.get("pending", 0)
    broken_by_reason = _by_prefix(counts, "broken")
    excluded_by_reason = _by_prefix(counts, "excluded")
    broken = sum(broken_by_reason.values())
    excluded = sum(excluded_by_reason.values())
    decided = kept + broken
    compliance = kept / decided if decided else None
    interval = wilson_interval(kept, decided)
    missing = missing_data_count(excluded_by_reason)
    worst, best = compliance_bounds(kept, broken, missing)
    verdict, reason = verdict_for(compliance, spec.target, spec.warn_below, worst=worst, best=best)
    gap_is_clear = None if interval is None else not (interval[0] <= spec.target <= interval[1])
    sentence = delivered_sentence(
        noun=kind.noun,
        kept_phrase=kind.kept_phrase(spec),
        kept=kept,
        broken=broken,
        pending=pending,
        excluded=excluded,
        target=spec.target,
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
        distribution=aggregates.distribution,
        debt_seconds=aggregates.debt,
        histogram=histogram,
        hour_grid=breakdowns.hour_grid,
        promised_hours=promise.promised_hours,
        weakest_links=breakdowns.weakest_links if broken else (),
        trend=breakdowns.trend,
        trend_period=breakdowns.trend_period if breakdowns.trend else None,
        evidence=evidence if broken else (),
        ratings=aggregates.ratings,
        compliance_worst=worst,
        compliance_best=best,
        verdict_reason=reason,
        verdict_note=verdict_note(
            reason,
            excluded_by_reason=excluded_by_reason,
            noun=kind.noun,
            kept_phrase=kind.kept_phrase(spec),
            compliance=compliance,
            worst=worst,
            best=best,
            target=spec.target,
            warn_below=spec.warn_below,
        ),
    )


def _decided_sql(status: str) -> str:
    return f"({status} = 'kept' OR {status} LIKE 'broken%')"


def _broken_sql(status: str) -> str:
    return f"{status} LIKE 'broken%'"


def _only(rows: list[tuple[Any, ...]], width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows of `GROUP BY GROUPING SETS ((k0), (k1), ...)` as (i, row) for set ki. A row of
    set ki has null in every other key, so the one key that is not null names its set; a row
    whose keys are all null is the null group of some set, which no caller wants."""
    for row in rows:
        present = [i for i in range(width) if row[i] is not None]
        if len(present) == 1:
            yield present[0], row


def _counts(
    con: Any, plan: SourcePlan, promises: Sequence[PromisePlan]
) -> dict[int, dict[str, int]]:
    """Each promise's count of records by status label, in one pass for every promise."""
    counts: dict[int, dict[str, int]] = {p.index: {} for p in promises}
    if not promises:
        return counts
    statuses = [p.status_column for p in promises]
    rows = con.execute(
        f"""
        SELECT {", ".join(statuses)}, count(*)
        FROM {plan.outcomes_table}
        GROUP BY GROUPING SETS ({", ".join(f"({s})" for s in statuses)})
        """
    ).fetchall()
    for position, row in _only(rows, len(statuses)):
        counts[promises[position].index][str(row[position])] = int(row[-1])
    return counts


def explain_contacts(
    con: Any,
    plan: SourcePlan,
    contact_ids: Sequence[str],
    *,
    records_table: str | None = None,
    available: frozenset[str] = frozenset(),
) -> list[Explanation]:
    """Each promise's outcome for the given contacts, read from the same outcomes table the
    counts come from; with `records_table`, also the values of the record's fields each
    promise's rule reads (those of `available`)."""
    found = []
    listed = ", ".join(text_literal(c) for c in contact_ids)
    auditable = [p for p in plan.promises if p.rule is not None]
    columns = ", ".join(
        f"{p.status_column}, {p.measure_column}, {p.platform_column or 'NULL'}" for p in auditable
    )
    if not columns:
        return []
    read = {p.index: rule_fields(p, available) for p in auditable}
    scoped = {p.index: _scope_fields(p, available) for p in auditable}
    values: dict[str, dict[str, Any]] = {}
    wanted = sorted({name for names in (*read.values(), *scoped.values()) for name in names})
    if records_table is not None and wanted:
        for row in con.execute(
            f"SELECT contact_id, {', '.join(quote(n) for n in wanted)} FROM {records_table} "
            f"WHERE contact_id IN ({listed})"
        ).fetchall():
            values[str(row[0])] = dict(zip(wanted, row[1:], strict=True))
    scoped_promises = [p for p in auditable if p.scope_sql is not None]
    in_scope: dict[tuple[str, int], bool] = {}
    if records_table is not None and scoped_promises:
        # the engine's own scope conditions decide, not a second reading of them here
        checks = ", ".join(str(p.scope_sql) for p in scoped_promises)
        for row in con.execute(
            f"SELECT b.contact_id, {checks} FROM {records_table} b WHERE b.contact_id IN ({listed})"
        ).fetchall():
            for promise, met in zip(scoped_promises, row[1:], strict=True):
                in_scope[(str(row[0]), promise.index)] = bool(met)
    for row in con.execute(
        f"SELECT contact_id, {columns} FROM {plan.outcomes_table} WHERE contact_id IN ({listed})"
    ).fetchall():
        outcomes = iter(row[1:])
        record = values.get(str(row[0]), {})
        for promise in auditable:
            status, measure, platform = next(outcomes), next(outcomes), next(outcomes)
            outcome, _, reason = (status or "outside").partition(":")
            found.append(
                Explanation(
                    str(row[0]),
                    promise.spec.id,
                    outcome,
                    reason or None,
                    _num(measure),
                    None if platform is None else str(platform),
                    tuple((name, record[name]) for name in read[promise.index] if name in record),
                    **_scope_of(
                        promise,
                        record,
                        scoped[promise.index],
                        outcome,
                        in_scope.get((str(row[0]), promise.index)),
                    ),
                )
            )
    return found


def _scope_fields(promise: PromisePlan, available: frozenset[str]) -> tuple[str, ...]:
    """The fields a promise's scope reads (its filters, then its `where`), among `available`."""
    from promise_audit.expressions import fields_of, parse

    scope = promise.spec.scope
    if scope is None:
        return ()
    names = list(scope.filters())
    if scope.where is not None:
        names += sorted(fields_of(parse(scope.where)))
    return tuple(dict.fromkeys(n for n in names if n in available))


def _scope_of(
    promise: PromisePlan,
    record: dict[str, Any],
    fields: tuple[str, ...],
    outcome: str,
    in_scope: bool | None,
) -> dict[str, Any]:
    """For a record outside the population: the scope and the record's values it reads."""
    scope = promise.spec.scope
    if outcome != "outside" or scope is None:
        return {}
    return {
        "scope": tuple(scope.filters().items()),
        "scope_where": scope.where,
        "scope_values": tuple((name, record[name]) for name in fields if name in record),
        "in_scope": in_scope,
    }


def rule_fields(promise: PromisePlan, available: frozenset[str]) -> tuple[str, ...]:
    """The record's fields a promise's rule reads (population, cases, measure, clock), in
    the order the rule first names them, among `available`."""
    from promise_audit.expressions import fields_of, parse

    rule = promise.rule
    if rule is None:
        return ()
    texts = [rule.population, *(case.when for case in rule.cases)]
    if rule.measure is not None:
        texts.append(rule.measure)
    if rule.clock is not None:
        texts += [rule.clock.start, rule.clock.end]
    seen: list[str] = []
    for text in texts:
        for name in sorted(fields_of(parse(text))):
            if name in available and name not in seen:
                seen.append(name)
    return tuple(seen)


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


@dataclass(frozen=True)
class Aggregates:
    distribution: Distribution | None
    debt: float | None
    ratings: tuple[Ratings, ...]


def _aggregates(
    con: Any, plan: SourcePlan, promises: Sequence[PromisePlan]
) -> dict[int, Aggregates]:
    """Every promise's measure distribution and debt, in one pass: each is a whole-table
    aggregate of a CASE that is the value for the records of the outcome it reads and null
    for the others, which aggregates skip. (The same as FILTER (WHERE ...), but with hundreds
    of aggregates DuckDB runs FILTER several times slower.) The ratings are groups of a pass
    of their own (`_ratings`)."""
    # A quantile holds every value it is given and cannot spill: under a memory limit the
    # quantiles are queries of their own, of as many promises at a time as hold at most
    # QUANTILE_VALUES values between them (and always at least one promise).
    apart = con.on_disk
    measures: dict[int, str] = {}  # under a memory limit: each promise's decided measure
    columns: list[str] = []
    for promise in promises:
        rule, status = promise.rule, promise.status_column
        assert rule is not None
        broken = _broken_sql(status)
        if rule.measure is not None:
            decided = f"CASE WHEN {_decided_sql(status)} THEN {promise.measure_column} END"
            spread = [f"quantile_disc({decided}, {q})" for q in QUANTILES]
            if apart:
                measures[promise.index] = decided
                spread = []
            columns += [f"count({decided})", *spread, f"max({decided})"]
        if rule.debt is not None:
            columns.append(
                f"coalesce(sum(CASE WHEN {broken} THEN greatest({promise.debt_column}, 0) END), 0)"
            )
    row: tuple[Any, ...] = ()
    if columns:
        row = con.execute(f"SELECT {', '.join(columns)} FROM {plan.outcomes_table}").fetchone()
    values = iter(row)
    # (count, median, p90, p99, max) of each promise's measure, and its debt
    measured: dict[int, list[Any]] = {}
    debts: dict[int, float] = {}
    for promise in promises:
        assert promise.rule is not None
        if promise.rule.measure is not None:
            if apart:
                count, most = next(values), next(values)
                measured[promise.index] = [count, None, None, None, most]
            else:
                measured[promise.index] = [next(values) for _ in range(5)]
        if promise.rule.debt is not None:
            debts[promise.index] = float(next(values))
    if apart:
        held = [(index, int(found[0])) for index, found in measured.items()]
        for index, quantiles in _quantiles_in_batches(con, plan, measures, held).items():
            measured[index][1:4] = quantiles
    ratings = _ratings(con, plan, promises)
    aggregates = {}
    for promise in promises:
        rule = promise.rule
        assert rule is not None
        distribution = None
        if promise.index in measured:
            count, median, p90, p99, most = measured[promise.index]
            distribution = Distribution(
                unit=rule.measure_unit,
                count=int(count),
                median=_num(median),
                p90=_num(p90),
                p99=_num(p99),
                max=_num(most),
                limit=rule.limit,
            )
        aggregates[promise.index] = Aggregates(
            distribution, debts.get(promise.index), ratings[promise.index]
        )
    return aggregates


# the measures a batch of quantile queries holds at most: each is held once per quantile (three
# doubles), about 100 MB in all, well within the default memory limit beside the tables
QUANTILE_VALUES = 4_000_000


QUANTILES = ("0.5", "0.9", "0.99")


def _quantiles_in_batches(
    con: Any, plan: SourcePlan, measures: dict[int, str], held: list[tuple[int, int]]
) -> dict[int, tuple[Any, ...]]:
    """Each promise's quantiles of its measure (`measures`), in as few queries as keep the
    values they hold at once (`held`) to QUANTILE_VALUES, a promise never split; a promise
    with more values than that alone is counted by value instead (_quantiles_counted)."""
    batches: list[list[int]] = []
    total = 0
    quantiles: dict[int, tuple[Any, ...]] = {}
    for index, count in held:
        if count > QUANTILE_VALUES:
            quantiles[index] = _quantiles_counted(con, plan.outcomes_table, measures[index])
            continue
        if not batches or total + count > QUANTILE_VALUES:
            batches.append([])
            total = 0
        batches[-1].append(index)
        total += count
    for batch in batches:
        columns = [f"quantile_disc({measures[index]}, {q})" for index in batch for q in QUANTILES]
        row = con.execute(f"SELECT {', '.join(columns)} FROM {plan.outcomes_table}").fetchone()
        for number, index in enumerate(batch):
            quantiles[index] = tuple(row[3 * number : 3 * number + 3])
    return quantiles


def _quantiles_counted(con: Any, table: str, measure: str) -> tuple[Any, ...]:
    """The quantiles quantile_disc gives (the value at place ceil(n * q) of the n values in
    increasing order, the first at least), without holding every value, which a quantile
    does and which cannot spill: the values are counted by value (an aggregate), and each
    quantile is the least value whose running count reaches its place (a window over the
    distinct values, sorted on disk where they do not fit)."""
    reached = ", ".join(
        f"min(CASE WHEN upto >= greatest(1, ceil(n * {q})) THEN m END)" for q in QUANTILES
    )
    row = con.execute(
        f"""
        WITH counted AS (
            SELECT m, count(*) AS c FROM (SELECT {measure} AS m FROM {table}) AS measured
            WHERE m IS NOT NULL GROUP BY m
        ), running AS (
            SELECT m, sum(c) OVER (ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                AS upto
            FROM counted
        ), total AS (SELECT sum(c) AS n FROM counted)
        SELECT {reached} FROM running, total
        """
    ).fetchone()
    return tuple(row)


def _ratings(
    con: Any, plan: SourcePlan, promises: Sequence[PromisePlan]
) -> dict[int, tuple[Ratings, ...]]:
    """The average rating (each of `plan.ratings`) of each promise's kept and of its broken
    records, and how many ratings each is of, in one pass: a grouping set for each promise,
    grouped by the record's outcome for it (1 kept, 2 broken, null otherwise)."""
    found: dict[int, tuple[Ratings, ...]] = {p.index: () for p in promises}
    if not promises or not plan.ratings:
        return found
    keys = [
        f"CASE WHEN {p.status_column} = 'kept' THEN 1 "
        f"WHEN {_broken_sql(p.status_column)} THEN 2 END AS _r{number}"
        for number, p in enumerate(promises)
    ]
    names = [f"_r{number}" for number in range(len(promises))]
    fields = ", ".join(plan.ratings)
    tallies = ", ".join(f"avg({field}), count({field})" for field in plan.ratings)
    rows = con.execute(
        f"""
        SELECT {", ".join(names)}, {tallies}
        FROM (SELECT {", ".join(keys)}, {fields} FROM {plan.outcomes_table}) AS rated
        GROUP BY GROUPING SETS ({", ".join(f"({n})" for n in names)})
        """
    ).fetchall()
    # (promise, outcome) -> (average, count) of each rating field, in turn
    groups: dict[tuple[int, int], tuple[Any, ...]] = {}
    for number, row in _only(rows, len(names)):
        groups[(number, int(row[number]))] = row[len(names) :]
    for number, promise in enumerate(promises):
        kept = groups.get((number, 1), (None, 0) * len(plan.ratings))
        broken = groups.get((number, 2), (None, 0) * len(plan.ratings))
        ratings = []
        for position, field in enumerate(plan.ratings):
            kept_avg, kept_count = kept[2 * position : 2 * position + 2]
            broken_avg, broken_count = broken[2 * position : 2 * position + 2]
            if kept_count or broken_count:
                ratings.append(
                    Ratings(
                        field,
                        _round(kept_avg),
                        int(kept_count),
                        _round(broken_avg),
                        int(broken_count),
                    )
                )
        found[promise.index] = tuple(ratings)
    return found


def _histograms(
    con: Any,
    plan: SourcePlan,
    promises: Sequence[tuple[PromisePlan, Distribution | None]],
    *,
    counted: Sequence[PromisePlan] = (),
) -> tuple[dict[int, tuple[Bin, ...]], dict[int, dict[str, int]]]:
    """Equal-width bins from 0 to a ceiling that shows both the limit and the p99 tail, for
    every promise with a distribution in one pass: per promise, a key that is the bin of a
    kept record, HISTOGRAM_BINS + the bin of a broken one, and null otherwise. The status
    counts of the `counted` promises (as `_counts`) are grouping sets of the same pass."""
    shapes: list[tuple[PromisePlan, float, float, float]] = []  # ceiling, width, maximum
    for promise, distribution in promises:
        if distribution is None or distribution.count == 0 or distribution.max is None:
            continue
        candidates = [distribution.p99 or 0.0, (distribution.limit or 0.0) * 1.5]
        ceiling = max(candidates) or distribution.max or 1.0
        shapes.append((promise, ceiling, ceiling / HISTOGRAM_BINS, distribution.max))
    if not shapes:
        return {}, _counts(con, plan, counted)
    keys = []
    for number, (promise, _, width, _) in enumerate(shapes):
        status, measure = promise.status_column, promise.measure_column
        bin_sql = f"least(greatest(floor({measure} / {width!r}), 0), {HISTOGRAM_BINS - 1})"
        keys.append(
            f"CASE WHEN {measure} IS NULL THEN NULL "
            f"WHEN {status} = 'kept' THEN {bin_sql} "
            f"WHEN {status} LIKE 'broken%' THEN {HISTOGRAM_BINS} + {bin_sql} END AS h{number}"
        )
    names = [f"h{number}" for number in range(len(shapes))]
    statuses = [p.status_column for p in counted]
    grouped = [*names, *statuses]
    rows = con.execute(
        f"""
        SELECT {", ".join(grouped)}, count(*)
        FROM (SELECT {", ".join([*keys, *statuses])} FROM {plan.outcomes_table}) AS binned
        GROUP BY GROUPING SETS ({", ".join(f"({n})" for n in grouped)})
        """
    ).fetchall()
    counts: dict[int, dict[int, list[int]]] = {number: {} for number in range(len(shapes))}
    by_status: dict[int, dict[str, int]] = {p.index: {} for p in counted}
    for number, row in _only(rows, len(grouped)):
        if number >= len(names):
            position = number - len(names)
            by_status[counted[position].index][str(row[number])] = int(row[-1])
            continue
        key = int(row[number])
        tally = counts[number].setdefault(key % HISTOGRAM_BINS, [0, 0])
        tally[key // HISTOGRAM_BINS] += int(row[-1])
    histograms = {}
    for number, (promise, ceiling, width, maximum) in enumerate(shapes):
        bins = []
        for index in range(HISTOGRAM_BINS):
            kept, broken = counts[number].get(index, (0, 0))
            high = (index + 1) * width if index < HISTOGRAM_BINS - 1 else max(ceiling, maximum)
            bins.append(Bin(round(index * width, 6), round(high, 6), kept, broken))
        histograms[promise.index] = tuple(bins)
    return histograms, by_status


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OUTCOME_COUNTS = 5  # kept, broken, pending, excluded, and any status at all


@dataclass(frozen=True)
class Breakdowns:
    hour_grid: tuple[HourCell, ...]
    weakest_links: tuple[Link, ...]
    trend: tuple[TrendPoint, ...]
    trend_period: TrendPeriod


DAILY_SPAN_DAYS = 45  # data spanning up to this many days is shown day by day
WEEKLY_SPAN_DAYS = 400  # then week by week up to about a year; beyond it, month by month


def trend_period(first: dt.date, last: dt.date) -> TrendPeriod:
    """The trend's period, from the span of the records: about 10 to 60 points on the axis."""
    span = (last - first).days
    if span <= DAILY_SPAN_DAYS:
        return "day"
    return "week" if span <= WEEKLY_SPAN_DAYS else "month"


def period_start(day: dt.date, period: TrendPeriod) -> dt.date:
    """The first day of the period holding `day`: itself, its week's Monday, or the 1st."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _breakdowns(
    con: Any, plan: SourcePlan, promises: Sequence[PromisePlan]
) -> dict[int, Breakdowns]:
    """Every group the report shows (each dimension, hour of the week, day), for every
    promise, in one pass: each promise's counts are columns of the same groups. The days are
    summed into the trend's period, one period for the whole audit, chosen from the span of
    the days any promise judged."""
    if not promises:
        return {}
    dimensions = [quote(d) for d in plan.dimensions]
    keys = [*dimensions, "_weekday", "_hour", "_day"]
    sets = [f"({d})" for d in dimensions] + ["(_weekday, _hour)", "(_day)"]
    flags, tallies = [], []
    for number, promise in enumerate(promises):
        # each outcome as a column that is 1 for it and null otherwise, computed once per
        # record rather than once per grouping set, and counted like count(*) FILTER
        status = promise.status_column
        for name, condition in (
            ("k", f"{status} = 'kept'"),
            ("b", _broken_sql(status)),
            ("p", f"{status} = 'pending'"),
            ("e", f"{status} LIKE 'excluded%'"),
        ):
            flags.append(f"CASE WHEN {condition} THEN 1 END AS _{name}{number}")
            tallies.append(f"count(_{name}{number})")
        flags.append(status)
        tallies.append(f"count({status})")
    rows = con.execute(
        f"""
        SELECT {", ".join(f"CAST({k} AS VARCHAR)" for k in keys)},
               grouping({", ".join(keys)}) AS grouped,
               {", ".join(tallies)}
        FROM (SELECT {", ".join([*keys, *flags])} FROM {plan.outcomes_table}) AS flagged
        GROUP BY GROUPING SETS ({", ".join(sets)})
        """
    ).fetchall()
    width = len(keys)
    by_set: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_set.setdefault(int(row[width]), []).append(row)
    day_mask = sum(1 << (width - 1 - i) for i in range(width - 1))
    # the days on which some promise judged a record (kept or broken)
    days = [
        dt.date.fromisoformat(str(row[width - 1]))
        for row in by_set.get(day_mask, ())
        if row[width - 1] is not None
        and any(
            row[width + 1 + n * OUTCOME_COUNTS] or row[width + 2 + n * OUTCOME_COUNTS]
            for n in range(len(promises))
        )
    ]
    period = trend_period(min(days), max(days)) if days else "week"
    breakdowns = {}
    for number, promise in enumerate(promises):
        first = width + 1 + number * OUTCOME_COUNTS
        # the promise's groups: those with a record it decided, as (keys, its four counts)
        groups = {
            mask: [
                (*row[:width], *row[first : first + OUTCOME_COUNTS - 1])
                for row in set_rows
                if row[first + OUTCOME_COUNTS - 1]
            ]
            for mask, set_rows in by_set.items()
        }
        breakdowns[promise.index] = _breakdown(plan, keys, dimensions, groups, period)
    return breakdowns


def _breakdown(
    plan: SourcePlan,
    keys: list[str],
    dimensions: list[str],
    by_set: dict[int, list[tuple[Any, ...]]],
    period: TrendPeriod,
) -> Breakdowns:
    """One promise's breakdowns from its groups: rows of the keys, then kept, broken,
    pending and excluded, by the grouping() mask of their set."""
    width = len(keys)

    def rows_of(*names: str) -> list[tuple[Any, ...]]:
        # grouping() sets a bit, most significant first, for each key NOT grouped by
        mask = sum(1 << (width - 1 - i) for i, k in enumerate(keys) if k not in names)
        return by_set.get(mask, [])

    grid: list[HourCell] = []
    links: list[Link] = []
    for row in rows_of("_weekday", "_hour"):
        kept, broken = int(row[width]), int(row[width + 1])
        if kept + broken:
            grid.append(HourCell(int(row[width - 3]), int(row[width - 2]), kept, broken))
    candidates: list[tuple[str, str, int, int]] = []
    for index, dimension in enumerate(plan.dimensions):
        for row in rows_of(dimensions[index]):
            if row[index] is not None:
                candidates.append(
                    (dimension, str(row[index]), int(row[width]), int(row[width + 1]))
                )
    candidates += [
        ("hour_of_week", f"{WEEKDAYS[int(c.weekday) - 1]} {int(c.hour):02d}:00", c.kept, c.broken)
        for c in grid
    ]
    # a group holding every judged record is the whole population, not a link in it
    judged = sum(c.kept + c.broken for c in grid)
    for dimension in (*plan.dimensions, "hour_of_week"):
        eligible = [
            c
            for c in candidates
            if c[0] == dimension and MIN_LINK_RECORDS <= c[2] + c[3] < judged and c[3] > 0
        ]
        eligible.sort(key=lambda c: (c[2] / (c[2] + c[3]), -c[3], c[1]))
        links += [Link(*c) for c in eligible[:LINKS_PER_DIMENSION]]
    periods: dict[str, list[int]] = {}
    for row in rows_of("_day"):
        if row[width - 1] is not None:
            start = period_start(dt.date.fromisoformat(str(row[width - 1])), period).isoformat()
            tally = periods.setdefault(start, [0, 0, 0, 0])
            for position, value in enumerate(row[width:]):
                tally[position] += int(value)
    trend = [TrendPoint(start, *tally) for start, tally in sorted(periods.items())]
    return Breakdowns(
        hour_grid=tuple(sorted(grid, key=lambda c: (c.weekday, c.hour))),
        weakest_links=tuple(links),
        trend=tuple(trend),
        trend_period=period,
    )


def _evidence(
    con: Any,
    plan: SourcePlan,
    promises: Sequence[PromisePlan],
    records_table: str | None = None,
    available: frozenset[str] = frozenset(),
) -> dict[int, tuple[Evidence, ...]]:
    """The broken records each promise shows, its longest measures first: one query for every
    promise (each promise's first EVIDENCE_ROWS, side by side), but for a custom promise read
    with the records' own fields, which has a query of its own."""
    details = [d for d in ("channel", "queue", "team", "agent_id") if d in plan.dimensions]
    detail_sql = "".join(f", o.{quote(d)}" for d in details)
    found: dict[int, tuple[Evidence, ...]] = {}
    together: list[str] = []
    for promise in promises:
        # a custom promise has no measure of its kind: the values its own expressions read
        # say why a record broke it (csat 2 against `csat >= 3`)
        own = []
        if records_table is not None and promise.kind.name == "custom":
            own = [f for f in rule_fields(promise, available) if f not in details]
        status, measure = promise.status_column, promise.measure_column
        query = (
            f"SELECT {promise.index} AS promise, o.contact_id, o.initiated_at, "
            f"o.{status} AS status, o.{measure} AS measure {detail_sql}"
            f"{''.join(f', r.{quote(f)}' for f in own)} "
            f"FROM {plan.outcomes_table} AS o "
            + (f"LEFT JOIN {records_table} AS r ON r.contact_id = o.contact_id " if own else "")
            + f"WHERE {_broken_sql('o.' + status)} "
            f"ORDER BY o.{measure} DESC NULLS LAST, o.contact_id LIMIT {EVIDENCE_ROWS}"
        )
        if own:
            rows = con.execute(query).fetchall()
            found[promise.index] = _evidence_rows(rows, [*details, *own])
        else:
            together.append(query)
    if together:
        parts = " UNION ALL ".join(
            f"SELECT * FROM ({query}) AS e{number}" for number, query in enumerate(together)
        )
        rows = con.execute(
            f"SELECT * FROM ({parts}) AS e ORDER BY promise, measure DESC NULLS LAST, contact_id"
        ).fetchall()
        by_promise: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            by_promise.setdefault(int(row[0]), []).append(row)
        for index, promise_rows in by_promise.items():
            found[index] = _evidence_rows(promise_rows, details)
    return found


def _evidence_rows(rows: list[tuple[Any, ...]], names: Sequence[str]) -> tuple[Evidence, ...]:
    """Evidence from rows of (promise, contact_id, initiated_at, status, measure, *values)."""
    evidence = []
    for _, contact_id, initiated_at, status, measure, *values in rows:
        evidence.append(
            Evidence(
                contact_id=str(contact_id),
                initiated_at=_iso(initiated_at),
                reason=str(status).partition(":")[2] or "broken",
                measure=_num(measure),
                details=tuple(
                    (name, _detail(value))
                    for name, value in zip(names, values, strict=True)
                    if value is not None
                ),
            )
        )
    return tuple(evidence)


def _detail(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
