"""Event logs -> one row per case, in the engine, before the normal parse.

An event log (ServiceNow's incident audit, a process-mining export) holds one row per update
of a case. A source that declares `events: {case: ..., at: ..., order: ...}` is folded here:
the events of each case are put in order (by `at`, then `order`, then file and row; an event
whose time is missing or unreadable comes after the timed ones), and one row per case is built
from them, as text, so that the parse that follows reads it like any other export and applies
every rule about missing and invalid values to the case.

The folded row holds:
- every source column as it stands on the case's last event (the case's latest state);
- each field the mapping derives from the events (`first`, `last`, `first_at`, `last_at`,
  `changes`, `max`, `time_in`) under a column of its own.

Accounting: events read = events folded into another event's case + case rows; a case row then
is used, rejected or out of period like any record, and an event with no case key stays a row
of its own (rejected as `missing_contact_id` when contact_id is the case column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import ColumnMapping, Source
from promise_audit.records.schema import CANONICAL_FIELDS, FieldType

# The derived value's type, where the field is not canonical (a per-case attribute)
DERIVED_TYPES = {
    "first": FieldType.TEXT,
    "last": FieldType.TEXT,
    "first_at": FieldType.TIMESTAMP,
    "last_at": FieldType.TIMESTAMP,
    "changes": FieldType.NUMBER,
    "max": FieldType.NUMBER,
    "time_in": FieldType.DURATION,
}
CONDITIONS = ("first_at", "last_at", "time_in")
DERIVED_PREFIX = "__event_"


@dataclass(frozen=True)
class FoldedEvents:
    table: str  # one row per case (and per event with no case), text columns, _file and _n
    source: Source  # the source with its event derivations turned into plain column mappings
    events: int  # events read (the file parser's malformed rows not included)
    cases: int  # rows built: cases, and events with no case key
    attribute_types: dict[str, FieldType]  # per-case attributes derived from the events
    # the folded table's columns derived from the events: already clean (null_values were
    # applied to the events), so a count of 0 stays 0 where '0' means missing in the export
    derived: frozenset[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fold_events(
    con: Any,
    raw: str,
    name: str,
    source: Source,
    raw_columns: list[str],
    *,
    label: str,
    row_sql: str,
    clean: Callable[[str], str],
    run: Callable[[str], None],
) -> FoldedEvents:
    """Fold raw_<name> (a view of text columns with _file and _n) into one row per case.

    `row_sql` numbers each event's row in its file (as the parse numbers records), `clean`
    turns a column reference into its cleaned text (null_values read as missing) and `run`
    executes a statement that scans the raw view (retrying a strict CSV reader leniently)."""
    from promise_audit.expressions import ExpressionError, compile_sql, parse
    from promise_audit.records.parse import parse_text_as

    log = source.events
    assert log is not None
    available = set(raw_columns)

    def column(reference: str, where: str) -> str:
        if reference not in available:
            close = get_close_matches(reference, raw_columns, n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise RecordsError(f"column {reference!r} ({where}) is not in the export{hint}", label)
        return reference

    text = {c: clean(f"e.{_quote(c)}") for c in raw_columns}
    case_column = column(log.case, "events.case")
    at_column = column(log.at, "events.at")
    at_mapping = ColumnMapping(column=at_column, format=log.format)
    at_sql = parse_text_as(FieldType.TIMESTAMP, f"r.{_quote(at_column)}", at_mapping)
    order_sql = "CAST(NULL AS DOUBLE)"
    if log.order is not None:
        order_sql = parse_text_as(
            FieldType.NUMBER, f"r.{_quote(column(log.order, 'events.order'))}", None
        )
    events_table = _quote(f"events_{name}")
    case_text = clean(f"r.{_quote(case_column)}")
    run(
        f"CREATE OR REPLACE TABLE {events_table} AS SELECT r.*, {row_sql} AS _row, "
        f"nullif(trim({case_text}), '') AS _case, {at_sql} AS _at, {order_sql} AS _ord "
        f"FROM {raw} r"
    )

    def condition(expression: str, field_name: str, derivation: str) -> str:
        try:
            compiled = compile_sql(
                parse(expression),
                dict.fromkeys(raw_columns, FieldType.TEXT),
                column=lambda n: text[n],
            )
        except ExpressionError as exc:
            raise RecordsError(
                f"columns.{field_name}.{derivation}: {exc.message} in {expression!r}", label
            ) from None
        if compiled.type is not FieldType.BOOLEAN:
            raise RecordsError(
                f"columns.{field_name}.{derivation}: {expression!r} must be a condition "
                f"(true or false), not a {compiled.type.value}",
                label,
            )
        return f"coalesce({compiled.sql}, false)"

    windows: list[str] = []  # per-event columns the aggregates read
    aggregates: list[str] = []  # one per derived field, named `outputs[i]`
    outputs: list[str] = []
    columns: dict[str, ColumnMapping] = {}
    attribute_types: dict[str, FieldType] = {}
    partition = "PARTITION BY e._case"
    for number, (field_name, mapping) in enumerate(source.columns.items()):
        derivation = mapping.derivation
        if derivation is None:
            columns[field_name] = mapping
            continue
        how, argument = derivation
        canonical = field_name in CANONICAL_FIELDS
        if not canonical and field_name in available:
            raise RecordsError(
                f"columns.{field_name}: the export already has a column {field_name!r}; give "
                "the derived value another name",
                label,
            )
        outputs.append(DERIVED_PREFIX + field_name if canonical else field_name)
        out = _quote(outputs[-1])
        k = f"_k{number}"
        if how in ("first", "last"):
            value = text[column(argument, f"columns.{field_name}.{how}")]
            pick = "min" if how == "first" else "max"
            windows.append(
                f"{pick}(CASE WHEN {value} IS NOT NULL THEN e._seq END) OVER ({partition}) AS {k}"
            )
            aggregates.append(f"max(CASE WHEN e._seq = e.{k} THEN {value} END) AS {out}")
        elif how in ("first_at", "last_at"):
            holds = condition(argument, field_name, how)
            pick = "min" if how == "first_at" else "max"
            windows.append(
                f"{pick}(CASE WHEN {holds} AND e._at IS NOT NULL THEN e._seq END) "
                f"OVER ({partition}) AS {k}"
            )
            aggregates.append(f"max(CASE WHEN e._seq = e.{k} THEN {text[at_column]} END) AS {out}")
        elif how == "changes":
            value = text[column(argument, f"columns.{field_name}.changes")]
            # the previous present value: a missing value is not recorded, not a new owner
            windows.append(
                f"lag({value}) OVER (PARTITION BY e._case, ({value} IS NULL) "
                f"ORDER BY e._seq) AS {k}"
            )
            aggregates.append(
                f"CAST(sum(CASE WHEN {value} IS NOT NULL AND e.{k} IS NOT NULL AND "
                f"trim({value}) <> trim(e.{k}) THEN 1 ELSE 0 END) AS VARCHAR) AS {out}"
            )
        elif how == "max":
            value = text[column(argument, f"columns.{field_name}.max")]
            number_sql = parse_text_as(FieldType.NUMBER, value, None)
            aggregates.append(f"CAST(max({number_sql}) AS VARCHAR) AS {out}")
        else:  # time_in
            holds = condition(argument, field_name, how)
            aggregates.append(
                f"CAST(sum(CASE WHEN {holds} AND e._next_at IS NOT NULL THEN "
                f"epoch(e._next_at) - epoch(e._at) ELSE 0 END) AS VARCHAR) AS {out}"
            )
        if canonical:
            columns[field_name] = ColumnMapping(
                column=DERIVED_PREFIX + field_name,
                format=mapping.format or (log.format if how in ("first_at", "last_at") else None),
                unit=mapping.unit,
                null_if=mapping.null_if,
            )
        else:
            attribute_types[field_name] = DERIVED_TYPES[how]
    if "contact_id" not in columns:
        columns["contact_id"] = ColumnMapping(column=case_column)

    last_values = [
        f"max(CASE WHEN e._seq = e._events THEN e.{_quote(c)} END) AS {_quote(c)}"
        for c in raw_columns
    ]
    folded = _quote(f"folded_{name}")
    ordered = (
        "SELECT r.*, row_number() OVER (PARTITION BY r._case ORDER BY "
        "CASE WHEN r._at IS NULL THEN 1 ELSE 0 END, r._at, "
        "CASE WHEN r._ord IS NULL THEN 1 ELSE 0 END, r._ord, r._file, r._row) AS _seq, "
        f"count(*) OVER (PARTITION BY r._case) AS _events FROM {events_table} r "
        "WHERE r._case IS NOT NULL"
    )
    # _next_at: the next event's time, once per event, for the time spent in a state
    windowed = (
        f"SELECT e.*, lead(e._at) OVER ({partition} ORDER BY e._seq) AS _next_at"
        + "".join(f", {w}" for w in windows)
        + f" FROM ({ordered}) e"
    )
    unfolded_derived = "".join(f", CAST(NULL AS VARCHAR) AS {_quote(d)}" for d in outputs)
    con.execute(
        f"CREATE OR REPLACE TABLE {folded} AS "
        f"SELECT max(CASE WHEN e._seq = 1 THEN e._file END) AS _file, "
        f"max(CASE WHEN e._seq = 1 THEN e._row END) AS _n, "
        f"{', '.join(last_values + aggregates)} FROM ({windowed}) e GROUP BY e._case "
        f"UNION ALL SELECT r._file, r._row, {', '.join(f'r.{_quote(c)}' for c in raw_columns)}"
        f"{unfolded_derived} FROM {events_table} r WHERE r._case IS NULL"
    )
    events, cases = (
        int(v)
        for v in con.execute(
            f"SELECT (SELECT count(*) FROM {events_table}), (SELECT count(*) FROM {folded})"
        ).fetchone()
    )
    con.execute(f"DROP TABLE {events_table}")
    return FoldedEvents(
        table=folded,
        source=source.model_copy(update={"columns": columns}),
        events=events,
        cases=cases,
        attribute_types=attribute_types,
        derived=frozenset(outputs),
    )
