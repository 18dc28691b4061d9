"""Compile promises into SQL: one statement that decides every record for every promise.

Compiling is separate from running: a plan is plain text for one SQL dialect, so another
engine can run the same promises. The kinds' rules are expressions in the promise language;
here they become SQL through `promise_audit.expressions`, never by pasting user text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from promise_audit.engine.backends import size_in_bytes
from promise_audit.engine.conventions import abandon_variants, packed_codes_sql, packed_columns
from promise_audit.expressions import (
    DUCKDB,
    Binary,
    Dialect,
    Expr,
    ExpressionError,
    compile_sql,
    fields_of,
    parse,
)
from promise_audit.kinds import KINDS, MEASURE_ENDS, Kind
from promise_audit.kinds.base import Outcome, Rule, Window, seconds
from promise_audit.promises.model import Calendar, PromiseSpec
from promise_audit.records.derive import DERIVATION_INPUTS, derive_available
from promise_audit.records.raw import UNKNOWN_FIELDS, quote, text_literal
from promise_audit.records.schema import CANONICAL_FIELDS, CLOCK_FIELDS, LINK_DIMENSIONS, FieldType
from promise_audit.records.types import LoadedRecords
from promise_audit.records.validate import ORDERED_FIELDS

Locate = Callable[[int, tuple[str | int, ...], str], Exception]


@dataclass(frozen=True)
class PromisePlan:
    index: int
    spec: PromiseSpec
    kind: Kind
    rule: Rule | None  # None when unauditable
    missing: tuple[str, ...]
    status_column: str
    measure_column: str  # shared by the promises with the same measure
    debt_column: str  # only where the rule has a debt
    promised_hours: tuple[tuple[int, int], ...] = ()  # (weekday 1 = Monday, hour) open
    platform_column: str | None = None  # the platform's verdict (compare_with), per record
    # (dimension, convention, variant): the same records under each other convention
    # decided record by record (abandons; calendar time for a business-hours clock)
    variant_columns: tuple[tuple[str, str, str], ...] = ()
    # (field, column): each duration the promise subtracts from its clock (a pause), per
    # record, for the agreement table's reasons
    pause_columns: tuple[tuple[str, str], ...] = ()
    # SQL over a record (alias b): whether it is in the promise's scope (None: no scope), for
    # `explain` to say why a record is outside the population
    scope_sql: str | None = None


@dataclass(frozen=True)
class SourcePlan:
    source: str
    outcomes_table: str
    statements: tuple[str, ...]  # run in order; the last creates the outcomes table
    dimensions: tuple[str, ...]
    ratings: tuple[str, ...]
    promises: tuple[PromisePlan, ...]
    # each canonical field read from the export, and where from (for the reasons' sentences)
    source_columns: Mapping[str, str] = field(default_factory=dict)
    # the same statements for DuckDB, where a promise's variants share its cases (see
    # StatusCases.sql); on Spark that shape ran its query planner out of memory (the example
    # audit), so the other engines run `statements`
    duckdb_statements: tuple[str, ...] = ()
    # how many of the last duckdb_statements decide the records, a batch each (build_plan)
    batches: int = 1


# A measure the export gives is known only once the event it measures has ended: each flag is
# true when that end is after as_of, and the measures it names are then unknown at as_of (NULL).
# Each kind declares the measures it reads (kinds.base.MeasureEnd); the flags are all of them.
MEASURES_ENDING_AFTER_AS_OF: dict[str, tuple[str, tuple[str, ...]]] = {
    end.flag: (end.ends_after, end.unknown) for end in MEASURE_ENDS
}


def missing_fields(kind: Kind, spec: PromiseSpec, available: frozenset[str]) -> tuple[str, ...]:
    missing: list[str] = []
    for alternatives in kind.requirements(spec):
        if not any(name in available for name in alternatives):
            missing.append(" or ".join(alternatives))
    return tuple(missing)


def _unknown_cases(
    kind: Kind,
    spec: PromiseSpec,
    attributes: tuple[str, ...],
    label: Callable[[str], str] = text_literal,
) -> list[tuple[str, str]]:
    """A value a platform reader knows it does not have (a Zendesk ticket with no metrics
    record has an unknown first reply, not no reply) excludes the record as missing_<field>
    from every promise that needs that field, before the kind's own cases read the blank."""
    if UNKNOWN_FIELDS not in attributes:
        return []
    needed = [alternatives[0] for alternatives in kind.requirements(spec) if len(alternatives) == 1]
    listed = f"(' ' || coalesce(b.{quote(UNKNOWN_FIELDS)}, '') || ' ')"
    return [
        (f"{listed} LIKE {text_literal(f'% {name} %')}", label(f"excluded:missing_{name}"))
        for name in needed
    ]


def fields_read(rule: Rule, spec: PromiseSpec) -> tuple[str, ...]:
    """The canonical fields a promise reads (its rule, clock, windows and scope), in the
    canonical order."""
    texts = [rule.population, *(case.when for case in rule.cases), rule.measure, rule.debt]
    if rule.clock is not None:
        texts += [rule.clock.start, rule.clock.end]
    names: set[str] = set()
    for window in rule.windows:
        names.update((*window.partition, window.order))
    if spec.scope is not None:
        names.update(spec.scope.filters())
        texts.append(spec.scope.where)
    for text in texts:
        if text is not None:
            names |= fields_of(parse(text))
    # a measure is known at as_of only once it has ended: its flag reads the times that say so
    for flag, (text, nulled) in MEASURES_ENDING_AFTER_AS_OF.items():
        if flag in names or names & set(nulled):
            names |= fields_of(parse(text))
    return tuple(f for f in CANONICAL_FIELDS if f in names)


def fields_used(specs: Iterable[PromiseSpec], provided: frozenset[str]) -> frozenset[str]:
    """The canonical fields an audit of these promises reads from a source that provides
    `provided`: the kinds' requirements and rules, the scopes and expressions, the weakest-link
    dimensions, the ratings, what the fields read are derived from and the starts their ends
    are checked against. The others need not be parsed or checked."""
    available = derive_available(provided)
    used: set[str] = {"contact_id", "initiated_at", *LINK_DIMENSIONS, "csat", "nps"}
    for spec in specs:
        kind = KINDS[spec.kind]
        for alternatives in kind.requirements(spec):
            used.update(alternatives)
        if missing_fields(kind, spec, available):
            continue
        try:
            used.update(fields_read(kind.rule(spec, available), spec))
            # the convention table recounts it under the other abandon conventions
            for _, variant in abandon_variants(spec):
                used.update(fields_read(kind.rule(variant, available), variant))
            # the platform's verdict it is compared with reads a column or a condition
            if spec.compare_with is not None:
                if spec.compare_with.column is not None:
                    used.add(spec.compare_with.column)
                if spec.compare_with.kept_when is not None:
                    used.update(fields_of(parse(spec.compare_with.kept_when)))
                used &= CANONICAL_FIELDS.keys()  # the others are attributes, always read
        except (ExpressionError, ValueError):
            continue  # the plan reports it, with its place in the promise file
    # a derived field is read from its inputs; an end is checked against its start
    read_with = {
        name: (*DERIVATION_INPUTS.get(name, ()), *(s for s, e in ORDERED_FIELDS if e == name))
        for name in CANONICAL_FIELDS
    }
    pending = list(used)
    while pending:
        for source in read_with[pending.pop()]:
            if source not in used:
                used.add(source)
                pending.append(source)
    return frozenset(f for f in CANONICAL_FIELDS if f in used)


def instant_sql(value: dt.datetime | dt.date, *, end_of_day: bool = False) -> str:
    """SQL for an instant; a date or a naive time is local to the session's time zone (the
    promise file's, set before the plan runs), so the engine's zone rules apply, as for the
    records' naive timestamps."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return f"TIMESTAMPTZ {text_literal(value.isoformat())}"
        return f"CAST(TIMESTAMP {text_literal(value.isoformat(sep=' '))} AS TIMESTAMPTZ)"
    day = value + dt.timedelta(days=1) if end_of_day else value
    return f"CAST(TIMESTAMP {text_literal(day.isoformat() + ' 00:00:00')} AS TIMESTAMPTZ)"


# the local day, weekday and hour of a record, computed once for every promise's trend and
# heat map; on DuckDB (`duckdb_statements`) from the local time, converted once, the day a DATE
LOCAL_TIME = {
    "_day": "strftime(date_trunc('day', b.initiated_at), '%Y-%m-%d') AS _day",
    "_weekday": "isodow(b.initiated_at) AS _weekday",
    "_hour": "hour(b.initiated_at) AS _hour",
}
_LOCAL = "CAST(b.initiated_at AS TIMESTAMP)"
DUCKDB_LOCAL_TIME = {
    "_day": f"CAST({_LOCAL} AS DATE) AS _day",
    "_weekday": f"isodow({_LOCAL}) AS _weekday",
    "_hour": f"hour({_LOCAL}) AS _hour",
}


# The memory, under DuckDB's memory limit, that one record of a batch of the decision takes
# (docs/performance.md, "The decision in batches"): at 700MB, 17,500,000 records a batch. One
# statement over 100M records spilled its windows' joins (49 GB) and peaked at 1,177 MiB;
# in 6 batches, 12.7 GB and 990 MiB, for 8% more time (12 batches: 1,027 MiB, 19% more).
BATCH_BYTES_PER_RECORD = 40


def decision_batches(records: int, memory_limit: str | None) -> int:
    """How many batches DuckDB decides `records` records in (see build_plan): one in memory
    (no limit), else enough that each holds at most the limit's worth of records."""
    if memory_limit is None:
        return 1
    per_batch = max(size_in_bytes(memory_limit) // BATCH_BYTES_PER_RECORD, 1)
    return max(1, -(-records // per_batch))


def build_plan(
    records: LoadedRecords,
    specs: list[tuple[int, PromiseSpec]],
    *,
    as_of: dt.datetime,
    timezone: str,
    locate: Locate,
    calendars: Mapping[str, Calendar] | None = None,
    first_day: dt.date | None = None,
    dialect: Dialect = DUCKDB,
    batches: int = 1,
) -> SourcePlan:
    """The statements that decide every promise of one source, record by record, into its
    outcomes table. `batches`: DuckDB's statement is run that many times, each on the
    records of one share of the customers (see `_batch_key`), so that a window's join back
    to the records holds one share at a time instead of all of them."""
    available = records.available
    field_types: dict[str, FieldType] = {**CANONICAL_FIELDS}
    for attribute in records.attributes:
        field_types.setdefault(attribute, records.attribute_types.get(attribute, FieldType.TEXT))
    field_types["as_of"] = FieldType.TIMESTAMP
    as_of_sql = f"TIMESTAMPTZ {text_literal(as_of.isoformat())}"

    # Events after as_of have not happened yet, as far as the audit knows; nor have the
    # measures that end after it (see MEASURES_ENDING_AFTER_AS_OF).
    known = {**field_types}

    def raw_column(name: str) -> str:
        return as_of_sql if name == "as_of" else f"r.{quote(name)}"

    flag_columns = [
        f"coalesce({compile_sql(parse(text), known, dialect=dialect, column=raw_column).sql}, "
        f"false) AS {quote(flag)}"
        for flag, (text, _) in MEASURES_ENDING_AFTER_AS_OF.items()
    ]
    nulled_by = {
        name: flag for flag, (_, names) in MEASURES_ENDING_AFTER_AS_OF.items() for name in names
    }

    def base_column(name: str) -> str:
        if CANONICAL_FIELDS.get(name) is FieldType.TIMESTAMP and name != "initiated_at":
            return (
                f"CASE WHEN {quote(name)} > {as_of_sql} THEN NULL ELSE {quote(name)} END "
                f"AS {quote(name)}"
            )
        if name in nulled_by:
            return (
                f"CASE WHEN {quote(nulled_by[name])} THEN NULL ELSE {quote(name)} END "
                f"AS {quote(name)}"
            )
        return quote(name)

    for flag in MEASURES_ENDING_AFTER_AS_OF:
        field_types[flag] = FieldType.BOOLEAN

    # The base holds only the fields and attributes some promise, dimension or rating reads,
    # and the `_invalid_` columns of those some record has invalid: it is materialised once
    # for the windows, clocks and the outcomes together, and every column of it costs memory
    # (and disk, under a memory limit) on every row.
    referenced: set[str] = {"contact_id", "initiated_at"}
    invalid_read: set[str] = set()

    def raw_cte(where: str = "") -> str:
        names = [n for n in (*CANONICAL_FIELDS, *records.attributes) if n in referenced]
        names += [f"_invalid_{f}" for f in sorted(invalid_read)]
        columns = [f"r.{quote(n)}" for n in names]
        return (
            f"raw AS (SELECT {', '.join([*columns, *flag_columns])} FROM {records.table} r{where})"
        )

    def base_cte() -> str:
        columns = [
            base_column(n) for n in (*CANONICAL_FIELDS, *records.attributes) if n in referenced
        ]
        columns += [quote(flag) for flag in MEASURES_ENDING_AFTER_AS_OF]
        columns.append(f"{as_of_sql} AS as_of")
        columns += [quote(f"_invalid_{f}") for f in sorted(invalid_read)]
        return f"base AS (SELECT {', '.join(columns)} FROM raw)"

    ctes = [raw_cte(), base_cte()]
    joins: list[str] = []
    # (reference, name): the columns the joins give each record (windows, business clocks),
    # for DuckDB's statement, which reads them as b.<name> of a table of the joined records
    joined_columns: list[tuple[str, str]] = []
    # each promise's first case that holds (see StatusCases.sql), for its variants to share,
    # and the select list that reads it (DuckDB's), where it differs from `selects`
    first_cases: list[str] = []
    shared_selects: dict[int, str] = {}
    measure_columns: dict[str, str] = {}  # the SQL of each measure -> its column
    selects = ["b.contact_id", "b.initiated_at", *LOCAL_TIME.values()]
    dimensions = tuple(d for d in LINK_DIMENSIONS if d in available)
    ratings = tuple(r for r in ("csat", "nps") if r in available)
    selects += [f"b.{quote(d)}" for d in (*dimensions, *ratings)]
    referenced.update((*dimensions, *ratings))
    plans: list[PromisePlan] = []
    setup: list[str] = []

    for index, spec in specs:
        kind = KINDS[spec.kind]
        status, measure, debt = f"s{index}", f"m{index}", f"d{index}"
        missing = missing_fields(kind, spec, available)
        if missing:
            plans.append(PromisePlan(index, spec, kind, None, missing, status, measure, debt))
            continue
        rule = kind.rule(spec, available)
        if spec.calendar is not None and rule.clock is None and not rule.in_calendar:
            raise locate(
                index,
                ("calendar",),
                f"{spec.kind} does not measure on a calendar; calendars apply to the clock kinds "
                "(first_response, resolution_time, service_recovery, callback_kept, "
                "refund_time, human_handoff) and to availability",
            )
        window_types = {
            w.name: (FieldType.TIMESTAMP if w.function == "next_at" else FieldType.NUMBER)
            for w in rule.windows
        }
        types = {**field_types, **window_types, **CLOCK_FIELDS}
        clock_columns: dict[str, str] = {}

        def column(
            name: str,
            _index: int = index,
            _windows: frozenset[str] = frozenset(window_types),
            _clock: dict[str, str] = clock_columns,
        ) -> str:
            if name in _windows:
                return f"w{_index}_{name}.v"
            if name in _clock:
                return _clock[name]
            if name in CLOCK_FIELDS:
                raise ExpressionError(f"{name!r} is only known to promises with a clock", 0)
            referenced.add(name)
            return f"b.{quote(name)}"

        def sql(
            text: str | Expr,
            key: tuple[str | int, ...],
            _types: dict[str, FieldType] = types,
            _column: Callable[[str], str] = column,
            _index: int = index,
        ) -> str:
            try:
                tree = parse(text) if isinstance(text, str) else text
                return compile_sql(tree, _types, dialect=dialect, column=_column).sql
            except ExpressionError as exc:
                raise locate(_index, key, exc.message) from None

        calendar_table = None
        if spec.calendar is not None:
            calendar = (calendars or {})[spec.calendar]
            calendar_table = f"calendar_{len(setup)}"
            setup.append(_calendar_table(calendar_table, calendar, first_day, as_of))
        if rule.clock is not None:
            start_sql = sql(rule.clock.start, ("kind",))
            end_sql = sql(f"coalesce({rule.clock.end}, as_of)", ("kind",))
            if calendar_table is None:
                clock_columns["clock_elapsed"] = sql(
                    f"coalesce({rule.clock.end}, as_of) - ({rule.clock.start})", ("kind",)
                )
                clock_columns["clock_deadline"] = sql(
                    f"({rule.clock.start}) + {seconds(rule.clock.limit)}", ("limit",)
                )
            else:
                ctes += _clock_ctes(index, start_sql, end_sql, rule.clock.limit, calendar_table)
                joins.append(f"LEFT JOIN c{index} ON c{index}.contact_id = b.contact_id")
                joined_columns += [
                    (f"c{index}.elapsed", f"_c{index}_elapsed"),
                    (f"c{index}.deadline", f"_c{index}_deadline"),
                ]
                clock_columns["clock_elapsed"] = f"c{index}.elapsed"
                clock_columns["clock_deadline"] = f"c{index}.deadline"
        if rule.in_calendar:
            if calendar_table is None:
                clock_columns["in_calendar"] = "true"
            else:
                ctes.append(
                    f"k{index} AS (SELECT b.contact_id, b.initiated_at < cal.open_end AS inside "
                    f"FROM base b ASOF LEFT JOIN {calendar_table} cal "
                    "ON b.initiated_at >= cal.open_start)"
                )
                joins.append(f"LEFT JOIN k{index} ON k{index}.contact_id = b.contact_id")
                joined_columns.append((f"k{index}.inside", f"_k{index}_inside"))
                clock_columns["in_calendar"] = f"coalesce(k{index}.inside, false)"

        try:
            population_parts = _conjuncts(parse(rule.population))
        except ExpressionError as exc:
            raise locate(index, ("kind",), exc.message) from None
        # (SQL, the fields it reads) of each condition a record must meet to be in the population
        conditions = [(sql(part, ("kind",)), fields_of(part)) for part in population_parts]
        scope_parts = _scope_sql(
            spec, sql, as_of_timezone=timezone, field_types=types, locate=locate, index=index
        )
        conditions += scope_parts
        population_sql = " AND ".join(f"coalesce({c}, false)" for c, _ in conditions)
        for window in rule.windows:
            referenced.update((*window.partition, window.order))
            ctes.append(_window_cte(index, window, population_sql, sql))
            joins.append(
                f"LEFT JOIN w{index}_{window.name} ON w{index}_{window.name}.contact_id = "
                "b.contact_id"
            )
            joined_columns.append((f"w{index}_{window.name}.v", f"_w{index}_{window.name}"))
        # A record with an invalid value of a field the promise reads is excluded for it, when
        # it is in the population or the population cannot be told without that value: every
        # condition holds, or reads a field that is invalid on this record.
        invalid_read.update(
            name for _, names in conditions for name in names & records.invalid_found
        )
        possibly_in = " AND ".join(
            "("
            + " OR ".join(
                [f"coalesce({c}, false)"]
                + [
                    f"b.{quote(f'_invalid_{name}')} IS NOT NULL"
                    for name in sorted(names & records.invalid_found)
                ]
            )
            + ")"
            for c, names in conditions
        )

        def status_of(
            variant_rule: Rule,
            variant_spec: PromiseSpec,
            _kind: Kind = kind,
            _population: str = population_sql,
            _possibly_in: str = possibly_in,
            _sql: Callable[[str, tuple[str | int, ...]], str] = sql,
            *,
            coded: bool = False,
        ) -> StatusCases:
            # A derived field names the input that made it invalid (invalid_answered_at for
            # a wait): that is the value to correct in the export.
            read = [
                f for f in fields_read(variant_rule, variant_spec) if f in records.invalid_found
            ]
            invalid_read.update(read)
            label = variant_code if coded else text_literal
            first = [
                (
                    f"b.{quote(f'_invalid_{name}')} IS NOT NULL AND {_possibly_in}",
                    label(f"excluded:invalid_{name}")
                    if coded
                    else f"CASE WHEN b.{quote(f'_invalid_{name}')} LIKE 'invalid%' "
                    f"THEN 'excluded:' || b.{quote(f'_invalid_{name}')} "
                    f"ELSE 'excluded:invalid_{name}' END",
                )
                for name in read
            ]
            unknown = _unknown_cases(_kind, variant_spec, records.attributes, label)
            if unknown:
                referenced.add(UNKNOWN_FIELDS)
            return status_cases(
                variant_rule, _population, _sql, first=first, unknown=unknown, label=label
            )

        declared = status_of(rule, spec)
        # (column, its cases): the same records under each other convention
        variant_cases: list[tuple[str, StatusCases]] = []
        variants: list[tuple[str, str, str]] = []
        for label, variant_spec in abandon_variants(spec):
            variant = f"{status}_{len(variants)}"
            variant_rule = kind.rule(variant_spec, available)
            variant_cases.append((variant, status_of(variant_rule, variant_spec, coded=True)))
            variants.append(("abandons", label, variant))
        if calendar_table is not None and rule.clock is not None:
            # the same rule on the calendar's clock (every hour counts): the clock fields are
            # swapped for their plain-time SQL while this one status is compiled
            business = dict(clock_columns)
            clock_columns["clock_elapsed"] = sql(
                f"coalesce({rule.clock.end}, as_of) - ({rule.clock.start})", ("kind",)
            )
            clock_columns["clock_deadline"] = sql(
                f"({rule.clock.start}) + {seconds(rule.clock.limit)}", ("limit",)
            )
            variant = f"{status}_{len(variants)}"
            variant_cases.append((variant, status_of(rule, spec, coded=True)))
            variants.append(("clock", "calendar time, every hour counting", variant))
            clock_columns.update(business)
        # The variants share most of their cases with the declared rule (they differ in how
        # abandons or the clock count): on DuckDB, which of the declared cases holds first is
        # found once per record, and the status and each variant read it for the cases they
        # share
        selects.append(f"{declared.sql()} AS {status}")
        if variant_cases:
            first_cases.append(f"{declared.first_case()} AS _case{index}")
            case_number = (declared, f"b._case{index}")
            shared_selects[len(selects) - 1] = f"{declared.sql(shared=case_number)} AS {status}"
            cases_of = dict(variant_cases)
            for packed, names in packed_columns(status, list(cases_of)):
                plain = packed_codes_sql([cases_of[name].sql() for name in names])
                selects.append(f"{plain} AS {packed}")
                shared = packed_codes_sql(
                    [cases_of[name].sql(shared=case_number) for name in names]
                )
                shared_selects[len(selects) - 1] = f"{shared} AS {packed}"

        platform = None
        pauses: list[tuple[str, str]] = []
        if spec.compare_with is not None:
            from promise_audit.engine.reconcile import paused_fields, platform_sql
            from promise_audit.expressions import Field

            def typed(
                text: str,
                key: tuple[str | int, ...],
                _types: dict[str, FieldType] = types,
                _column: Callable[[str], str] = column,
                _index: int = index,
            ) -> tuple[str, FieldType]:
                try:
                    compiled = compile_sql(parse(text), _types, dialect=dialect, column=_column)
                except ExpressionError as exc:
                    raise locate(_index, key, exc.message) from None
                return compiled.sql, compiled.type

            def fail(key: tuple[str | int, ...], message: str, _index: int = index) -> Exception:
                return locate(_index, key, message)

            platform = f"p{index}"
            verdict_sql = platform_sql(spec.compare_with, typed, fail)
            selects.append(f"{verdict_sql} AS {platform}")
            durations = {n for n, t in types.items() if t is FieldType.DURATION}
            for name in paused_fields(rule, durations):
                pauses.append((name, f"{platform}_pause{len(pauses)}"))
                selects.append(f"CAST({sql(Field(name), ('kind',))} AS DOUBLE) AS {pauses[-1][1]}")
        # a measure some promise before this one has (two waits on the same records) is its
        # column, and a debt only a rule with one has: every column costs on every record
        measure_sql = sql(rule.measure, ("measure",)) if rule.measure else "NULL"
        measure_sql = f"CAST({measure_sql} AS DOUBLE)"
        if measure_sql in measure_columns:
            measure = measure_columns[measure_sql]
        else:
            measure_columns[measure_sql] = measure
            selects.append(f"{measure_sql} AS {measure}")
        if rule.debt:
            selects.append(f"CAST({sql(rule.debt, ('limit',))} AS DOUBLE) AS {debt}")
        promised: tuple[tuple[int, int], ...] = ()
        if spec.calendar is not None and rule.in_calendar:
            from promise_audit.calendars import open_hours_of_week

            promised = open_hours_of_week((calendars or {})[spec.calendar])
        plans.append(
            PromisePlan(
                index,
                spec,
                kind,
                rule,
                (),
                status,
                measure,
                debt,
                promised,
                platform,
                tuple(variants),
                tuple(pauses),
                scope_sql=" AND ".join(f"coalesce({c}, false)" for c, _ in scope_parts) or None,
            )
        )

    ctes[0], ctes[1] = raw_cte(), base_cte()
    table = quote(f"outcomes_{records.name}")
    create = (
        f"CREATE OR REPLACE TABLE {table} AS WITH {', '.join(ctes)} "
        f"SELECT {', '.join(selects)} FROM base b {' '.join(joins)}"
    )
    # DuckDB's statement: the same, but (1) the records' tables are never materialised: DuckDB
    # would otherwise write every column of them once for the windows and clocks that read a
    # few; (2) the local time is converted from the instant once, not three times, and the
    # day is a DATE (CAST to text, the same 'YYYY-MM-DD'); (3) each promise's variants share
    # its cases, reading its first case that holds from a layer below, over the joined records
    duckdb_ctes = [
        _as_not_materialized("raw", ctes[0]),
        _as_not_materialized("base", ctes[1]),
        *ctes[2:],
    ]
    duckdb_selects = [shared_selects.get(n, select) for n, select in enumerate(selects)]
    for name, local in LOCAL_TIME.items():
        duckdb_selects[selects.index(local)] = DUCKDB_LOCAL_TIME[name]
    records_sql = f"base b {' '.join(joins)}"
    if first_cases:
        records_sql = "base b"
        if joins:
            given = ", ".join(f"{reference} AS {name}" for reference, name in joined_columns)
            duckdb_ctes.append(f"joined AS (SELECT b.*, {given} FROM base b {' '.join(joins)})")
            records_sql = "joined b"
            renamed = {reference: f"b.{name}" for reference, name in joined_columns}
            duckdb_selects = [_renamed(select, renamed) for select in duckdb_selects]
            first_cases = [_renamed(first, renamed) for first in first_cases]
        records_sql = f"(SELECT b.*, {', '.join(first_cases)} FROM {records_sql}) AS b"
    duckdb_select = f"SELECT {', '.join(duckdb_selects)} FROM {records_sql}"
    windows = [p.rule.windows for p in plans if p.rule is not None]
    key = _batch_key(windows, joined=bool(joins)) if batches > 1 else None
    if key is None:
        batches = 1
    duckdb_decision = []
    for batch in range(batches):
        # a share of the customers: every record of a customer in the same batch, so that each
        # window, partitioned by the key, sees all of a customer's records at once
        share = f" WHERE coalesce(hash(r.{quote(key)}) % {batches}, 0) = {batch}" if key else ""
        batch_ctes = [_as_not_materialized("raw", raw_cte(share)), *duckdb_ctes[1:]]
        into = f"CREATE OR REPLACE TABLE {table} AS" if batch == 0 else f"INSERT INTO {table}"
        duckdb_decision.append(f"{into} WITH {', '.join(batch_ctes)} {duckdb_select}")
    return SourcePlan(
        records.name,
        table,
        (*setup, create),
        dimensions,
        ratings,
        tuple(plans),
        source_columns=records.source_columns,
        duckdb_statements=(*setup, *duckdb_decision),
        batches=batches,
    )


# A variant status (the same records under another convention) is only counted, by outcome,
# for the convention table: it is a small number instead of the label, and a promise's
# variants are packed into one BIGINT (engine/conventions.py, packed_codes_sql): one column to
# store on every record instead of one for each variant (11 for a wait).
VARIANT_CODES = {"kept": 1, "broken": 2, "pending": 3, "excluded_missing_data": 4, "excluded": 5}


def variant_code(label: str) -> str:
    """The SQL of a status label's code in a variant column (see VARIANT_CODES)."""
    from promise_audit.results import is_missing_data

    outcome, _, reason = label.partition(":")
    if outcome == "excluded" and is_missing_data(reason):
        outcome = "excluded_missing_data"
    return str(VARIANT_CODES[outcome])


@dataclass(frozen=True)
class StatusCases:
    """A record's status under a rule, as SQL: the (condition, label) of each case in order,
    the first that holds giving the label, else `otherwise`."""

    whens: tuple[tuple[str, str], ...]
    otherwise: str

    def first_case(self) -> str:
        """SQL for the number (from 1) of the first case that holds, 0 if none does."""
        whens = [f"WHEN {c} THEN {n}" for n, (c, _) in enumerate(self.whens, start=1)]
        return f"CASE {' '.join(whens)} ELSE 0 END"

    def sql(self, *, shared: tuple[StatusCases, str] | None = None) -> str:
        """The status as one CASE. With `shared` (other cases, and the SQL of their
        `first_case`), the leading conditions both have in common are not evaluated again: the
        other's first case that holds, if it is one of them, is also this one's; if it is
        none of them, none of them holds here either, and the rest are evaluated in order as
        before."""
        whens = [f"WHEN {c} THEN {label}" for c, label in self.whens]
        if shared is not None:
            other, first = shared
            common = 0
            for (condition, _), (theirs, _) in zip(self.whens, other.whens, strict=False):
                if condition != theirs:
                    break
                common += 1
            whens[:common] = [
                f"WHEN {first} = {n} THEN {label}"
                for n, (_, label) in enumerate(self.whens[:common], start=1)
            ]
        return f"CASE {' '.join(whens)} ELSE {self.otherwise} END"


def status_cases(
    rule: Rule,
    population_sql: str,
    sql: Callable[[str, tuple[str | int, ...]], str],
    *,
    first: Sequence[tuple[str, str]] = (),
    unknown: Sequence[tuple[str, str]] = (),
    label: Callable[[str], str] = text_literal,
) -> StatusCases:
    """A record's status label under a rule: `first` (the invalid-value exclusions, which hold
    even where the population cannot be told), then NULL outside the population, then
    `unknown` (what a reader knows it does not know), else 'kept', 'pending',
    'broken:<reason>' or 'excluded:<reason>' from the first case that holds; each label
    written as `label` gives it in SQL (as text, or as a variant column's code)."""
    whens = [*first, (f"NOT ({population_sql})", "NULL"), *unknown]
    for case in rule.cases:
        name = case.outcome.value + (f":{case.reason}" if case.reason else "")
        if case.outcome is Outcome.EXCLUDED and not case.reason:
            name = "excluded:unspecified"
        whens.append((f"coalesce({sql(case.when, ('kind',))}, false)", label(name)))
    otherwise = rule.otherwise.value
    if rule.otherwise is Outcome.EXCLUDED:
        otherwise = "excluded:unrecognised_value"
    return StatusCases(tuple(whens), label(otherwise))


def _calendar_table(
    name: str, calendar: Calendar, first_day: dt.date | None, as_of: dt.datetime
) -> str:
    from promise_audit.calendars import openings

    zone = ZoneInfo(calendar.timezone)
    last = as_of.astimezone(zone).date() + dt.timedelta(days=2)
    # clocks start at most a year before the first contact (a purchase, a failure)
    first = (first_day or last) - dt.timedelta(days=366)
    rows = [
        f"(TIMESTAMPTZ {text_literal(o.start.isoformat())}, "
        f"TIMESTAMPTZ {text_literal(o.end.isoformat())}, {o.business_before!r})"
        for o in openings(calendar, first, last)
    ]
    values = (
        f"VALUES {', '.join(rows)}"
        if rows
        else "SELECT NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ, NULL::DOUBLE WHERE false"
    )
    return (
        f"CREATE OR REPLACE TABLE {name} AS SELECT open_start, open_end, business_before, "
        f"epoch(open_end) - epoch(open_start) AS length "
        f"FROM ({values}) AS t(open_start, open_end, business_before)"
    )


def _clock_ctes(index: int, start: str, end: str, limit: float, calendar: str) -> list[str]:
    """Business seconds B(t) by an as-of join on the openings; elapsed = B(end) - B(start);
    the deadline is where B reaches B(start) + limit."""

    def business(at: str) -> str:
        return (
            f"coalesce(cal.business_before + greatest(0, least(epoch({at}) - "
            f"epoch(cal.open_start), cal.length)), 0)"
        )

    reach = f"(z.bs + {limit!r} - cal.business_before)"
    return [
        f"c{index}_x AS (SELECT b.contact_id, {start} AS s, {end} AS e FROM base b "
        f"WHERE {start} IS NOT NULL)",
        f"c{index}_s AS (SELECT x.*, {business('x.s')} AS bs FROM c{index}_x x "
        f"ASOF LEFT JOIN {calendar} cal ON x.s >= cal.open_start)",
        f"c{index}_e AS (SELECT y.*, {business('y.e')} AS be FROM c{index}_s y "
        f"ASOF LEFT JOIN {calendar} cal ON y.e >= cal.open_start)",
        f"c{index} AS (SELECT z.contact_id, z.be - z.bs AS elapsed, "
        f"CASE WHEN cal.open_start IS NOT NULL AND {reach} <= cal.length THEN "
        f"cal.open_start + to_microseconds(CAST(round({reach} * 1000000) AS BIGINT)) END "
        f"AS deadline FROM c{index}_e z ASOF LEFT JOIN {calendar} cal "
        f"ON (z.bs + {limit!r}) > cal.business_before)",
    ]


def _scope_sql(
    spec: PromiseSpec,
    sql: Callable[[str | Expr, tuple[str | int, ...]], str],
    *,
    as_of_timezone: str,
    field_types: dict[str, FieldType],
    locate: Locate,
    index: int,
) -> list[tuple[str, frozenset[str]]]:
    """The scope's conditions, each with the fields it reads."""
    parts: list[tuple[str, frozenset[str]]] = []
    if spec.scope is not None:
        for name, values in spec.scope.filters().items():
            if name not in field_types or name == "as_of":
                from difflib import get_close_matches

                close = get_close_matches(name, [f for f in field_types if f != "as_of"], n=3)
                hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                raise locate(
                    index,
                    ("scope", name),
                    f"unknown scope field {name!r}{hint} (the fields: docs/fields.md)",
                )
            literals = []
            for value in values:
                if field_types[name] is FieldType.TEXT and not isinstance(value, str):
                    value = str(value).lower() if isinstance(value, bool) else str(value)
                if isinstance(value, bool):
                    literals.append("true" if value else "false")
                elif isinstance(value, int | float):
                    literals.append(repr(value))
                else:
                    text = value.lower() if name == "channel" else value
                    literals.append("'" + text.replace("'", "''") + "'")
            field_ref = f"`{name}`" if not name.isidentifier() else name
            expression = f"{field_ref} in ({', '.join(literals)})"
            parts.append((sql(expression, ("scope", name)), frozenset({name})))
        if spec.scope.where is not None:
            where = sql(spec.scope.where, ("scope", "where"))
            parts.append((where, fields_of(parse(spec.scope.where))))
    if spec.effective_from is not None:
        parts.append((f"b.initiated_at >= {instant_sql(spec.effective_from)}", frozenset()))
    if spec.effective_to is not None:
        operator = "<" if not isinstance(spec.effective_to, dt.datetime) else "<="
        end = instant_sql(spec.effective_to, end_of_day=True)
        parts.append((f"b.initiated_at {operator} {end}", frozenset()))
    return parts


def _renamed(sql: str, names: Mapping[str, str]) -> str:
    """`sql` with each column reference of `names` (table.column, as the plan writes them)
    replaced by its new name, outside text literals and quoted names (which may hold
    anything)."""
    import re

    listed = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])({listed})(?!\w)")
    # '...' with '' for a quote, "..." with "" for one: the odd-numbered parts
    parts = re.split(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""", sql)
    for number in range(0, len(parts), 2):
        parts[number] = pattern.sub(lambda m: names[m.group(1)], parts[number])
    return "".join(parts)


def _conjuncts(expr: Expr) -> list[Expr]:
    """The conditions of a top-level `a and b and ...`, each on its own."""
    if isinstance(expr, Binary) and expr.op == "and":
        return [*_conjuncts(expr.left), *_conjuncts(expr.right)]
    return [expr]


def _as_not_materialized(name: str, cte: str) -> str:
    """DuckDB's form of the CTE `name AS (...)`: inlined where it is read, never stored."""
    return f"{name} AS NOT MATERIALIZED {cte.removeprefix(f'{name} AS ')}"


def _batch_key(windows: Sequence[Sequence[Window]], *, joined: bool) -> str | None:
    """The field that shares a source's records into batches, each decided on its own: the
    first field every window is partitioned by (a customer's records are then all in one
    batch); without windows, the contact id, where business clocks are joined back to the
    records. None where nothing is joined (a batch would only cost another scan) or the
    windows share no partition field."""
    partitions = [window.partition for rule_windows in windows for window in rule_windows]
    if not partitions:
        return "contact_id" if joined else None
    shared = [field for field in partitions[0] if all(field in p for p in partitions[1:])]
    return shared[0] if shared else None


def _window_cte(
    index: int,
    window: Window,
    population_sql: str,
    sql: Callable[[str, tuple[str | int, ...]], str],
) -> str:
    partition = ", ".join(f"b.{quote(p)}" for p in window.partition)
    order = f"b.{quote(window.order)}"
    name = f"w{index}_{window.name}"
    where = f"WHERE ({population_sql}) AND {order} IS NOT NULL"
    if window.function == "next_at":
        value = f"lead({order}) OVER (PARTITION BY {partition} ORDER BY {order}, b.contact_id)"
    else:
        # surveys strictly before (this one - window): a frame ending (window + 1us) before
        key = f"epoch_us({order})"
        reach = round((window.seconds or 0) * 1_000_000) + 1
        value = (
            f"row_number() OVER (PARTITION BY {partition} ORDER BY {key}, b.contact_id) - "
            f"count(*) OVER (PARTITION BY {partition} ORDER BY {key} RANGE BETWEEN UNBOUNDED "
            f"PRECEDING AND {reach} PRECEDING)"
        )
    return f"{name} AS (SELECT b.contact_id, {value} AS v FROM base b {where})"
