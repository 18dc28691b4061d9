"""Event logs -> one row per case, in the engine, before the normal parse.

An event log (ServiceNow's incident audit, a process-mining export) holds one row per update
of a case. A source that declares `events: {case: ..., at: ..., order: ...}` is folded here:
the events of each case are put in order (by `at`, then `order`, then file and row; an event
whose time is missing comes after the timed ones), and one row per case is built from them, as
text, so that the parse that follows reads it like any other export and applies every rule
about missing and invalid values to the case.

An event whose time is written but cannot be read is an invalid value (`unparseable`, with its
file, row, column and value) and is left out of its case's fold; a time derived from a
condition (`first_at`, `last_at`, `time_in`) that such an event meets cannot be known, and
holds the unreadable text, so the parse finds it invalid for that case. A case with no readable
event time is folded from all its events in file order, with that same rule.

The folded row holds:
- every source column as it stands on the case's last event (the case's latest state);
- each field the mapping derives from the events (`first`, `last`, `first_at`, `last_at`,
  `changes`, `max`, `time_in`) under a column of its own.

Accounting: events read = events folded into another event's case + case rows; a case row then
is used, rejected or out of period like any record, and an event with no case key stays a row
of its own (rejected as `missing_contact_id`, whatever column contact_id is read from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


# a derived field's rule, as the sentences of a report name its source
RULE_WORDS = {
    "first": "first {}",
    "last": "last {}",
    "first_at": "first event where {}",
    "last_at": "last event where {}",
    "changes": "changes of {}",
    "max": "largest {}",
    "time_in": "time in {}",
}


def shown_column(column: str) -> str:
    """A field's source column as a person reads it: an event log's per-case field is no
    column of the export but the fold of its events (`resolved_at (from the events)`)."""
    if column.startswith(DERIVED_PREFIX):
        return f"{column.removeprefix(DERIVED_PREFIX)} (from the events)"
    return column


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
    problems: EventProblems = field(default_factory=lambda: EventProblems())
    # each derived field's rule in words ('first opened_at', 'last event where ...')
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventProblems:
    """The events an event log could not use, for the accounting and max_rejected."""

    # events whose time is written but unreadable (left out of the folds): how many, and the
    # first UNREADABLE_SAMPLE of them as (file, row, column, value), in file order
    unreadable: int = 0
    unreadable_sample: tuple[tuple[str, int, str, str], ...] = ()
    without_case: int = 0  # events with no case key (each a row of its own, rejected)


UNREADABLE_SAMPLE = 100


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
    from promise_audit.records.mapping import compile_over_text
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
    at_text = f"nullif(trim({clean(f'r.{_quote(at_column)}')}), '')"
    at_sql = parse_text_as(FieldType.TIMESTAMP, at_text, at_mapping)
    order_sql = "CAST(NULL AS DOUBLE)"
    if log.order is not None:
        order_sql = parse_text_as(
            FieldType.NUMBER, f"r.{_quote(column(log.order, 'events.order'))}", None
        )
    events_table = _quote(f"events_{name}")
    case_text = clean(f"r.{_quote(case_column)}")
    run(
        f"CREATE OR REPLACE TABLE {events_table} AS SELECT r.*, {row_sql} AS _row, "
        f"nullif(trim({case_text}), '') AS _case, {at_sql} AS _at, {order_sql} AS _ord, "
        f"CASE WHEN {at_sql} IS NULL THEN {at_text} END AS _at_bad "
        f"FROM {raw} r"
    )

    def condition(expression: str, field_name: str, derivation: str) -> str:
        compiled = compile_over_text(expression, text, f"columns.{field_name}.{derivation}", label)
        if compiled.type is not FieldType.BOOLEAN:
            raise RecordsError(
                f"columns.{field_name}.{derivation}: {expression!r} must be a condition "
                f"(true or false), not a {compiled.type.value}",
                label,
            )
        return f"coalesce({compiled.sql}, false)"

    labels: dict[str, str] = {}
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
        labels[field_name] = RULE_WORDS[how].format(argument)
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
            # an unreadable event that meets the condition may be the first or the last: the
            # value cannot be known, and is that event's text (invalid once parsed)
            aggregates.append(
                f"coalesce(min(CASE WHEN {holds} AND e._at_bad IS NOT NULL THEN e._at_bad END), "
                f"max(CASE WHEN e._seq = e.{k} THEN {text[at_column]} END)) AS {out}"
            )
        elif how == "changes":
            value = text[column(argument, f"columns.{field_name}.changes")]
            # the previous present value: a missing value is not recorded, not a new owner
            windows.append(
                f"lag({value}) OVER (PARTITION BY e._case, ({value} IS NULL), "
                f"(e._seq IS NULL) ORDER BY e._seq) AS {k}"
            )
            aggregates.append(
                f"CAST(sum(CASE WHEN {value} IS NOT NULL AND e.{k} IS NOT NULL AND "
                f"e._seq IS NOT NULL AND trim({value}) <> trim(e.{k}) THEN 1 ELSE 0 END) "
                f"AS VARCHAR) AS {out}"
            )
        elif how == "max":
            value = text[column(argument, f"columns.{field_name}.max")]
            number_sql = parse_text_as(FieldType.NUMBER, value, None)
            aggregates.append(
                f"CAST(max(CASE WHEN e._seq IS NOT NULL THEN {number_sql} END) AS VARCHAR) AS {out}"
            )
        else:  # time_in
            holds = condition(argument, field_name, how)
            # an unreadable event anywhere in the case may end (or start) a stretch in the
            # state: the time spent cannot be known, and is that event's text
            aggregates.append(
                f"coalesce(min(e._at_bad), CAST(sum(CASE WHEN {holds} AND "
                "e._next_at IS NOT NULL THEN "
                f"epoch(e._next_at) - epoch(e._at) ELSE 0 END) AS VARCHAR)) AS {out}"
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
    # _in: the event is folded: its time is readable (or missing), or no event of its case
    # has a readable time. _seq numbers the folded events in order, and is NULL for the others.
    placed = (
        "SELECT r.*, (r._at_bad IS NULL OR count(r._at) OVER (PARTITION BY r._case) = 0) "
        f"AS _in FROM {events_table} r WHERE r._case IS NOT NULL"
    )
    ordered = (
        "SELECT r.*, CASE WHEN r._in THEN row_number() OVER (PARTITION BY r._case, r._in "
        "ORDER BY CASE WHEN r._at IS NULL THEN 1 ELSE 0 END, r._at, "
        "CASE WHEN r._ord IS NULL THEN 1 ELSE 0 END, r._ord, r._file, r._row) END AS _seq, "
        "sum(CASE WHEN r._in THEN 1 ELSE 0 END) OVER (PARTITION BY r._case) AS _events "
        f"FROM ({placed}) r"
    )
    # _next_at: the next folded event's time, once per event, for the time spent in a state
    windowed = (
        "SELECT e.*, lead(e._at) OVER (PARTITION BY e._case, (e._seq IS NULL) "
        "ORDER BY e._seq) AS _next_at" + "".join(f", {w}" for w in windows) + f" FROM ({ordered}) e"
    )
    unfolded_derived = "".join(f", CAST(NULL AS VARCHAR) AS {_quote(d)}" for d in outputs)
    # An event with no case is a row of its own, rejected for its missing contact_id: where
    # contact_id is read from another column, the row keeps none of the event's values, so it
    # is rejected all the same (it belongs to no case, whatever that column says).
    contact = columns["contact_id"]
    keeps_values = contact.derivation is None and contact.column == case_column
    unfolded = ", ".join(
        f"r.{_quote(c)}" if keeps_values else f"CAST(NULL AS VARCHAR) AS {_quote(c)}"
        for c in raw_columns
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {folded} AS "
        f"SELECT max(CASE WHEN e._seq = 1 THEN e._file END) AS _file, "
        f"max(CASE WHEN e._seq = 1 THEN e._row END) AS _n, "
        f"{', '.join(last_values + aggregates)} FROM ({windowed}) e GROUP BY e._case "
        f"UNION ALL SELECT r._file, r._row, {unfolded}"
        f"{unfolded_derived} FROM {events_table} r WHERE r._case IS NULL"
    )
    events, cases, unreadable, without_case = (
        int(v or 0)
        for v in con.execute(
            f"SELECT (SELECT count(*) FROM {events_table}), (SELECT count(*) FROM {folded}), "
            f"(SELECT count(*) FROM {events_table} WHERE _case IS NOT NULL "
            "AND _at_bad IS NOT NULL), "
            f"(SELECT count(*) FROM {events_table} WHERE _case IS NULL)"
        ).fetchone()
    )
    sample: tuple[tuple[str, int, str, str], ...] = ()
    if unreadable:
        sample = tuple(
            (str(file), int(row), at_column, str(value))
            for file, row, value in con.execute(
                f"SELECT _file, _row, _at_bad FROM {events_table} WHERE _case IS NOT NULL "
                f"AND _at_bad IS NOT NULL ORDER BY _file, _row LIMIT {UNREADABLE_SAMPLE}"
            ).fetchall()
        )
    con.execute(f"DROP TABLE {events_table}")
    return FoldedEvents(
        table=folded,
        source=source.model_copy(update={"columns": columns}),
        events=events,
        cases=cases,
        attribute_types=attribute_types,
        derived=frozenset(outputs),
        problems=EventProblems(unreadable, sample, without_case),
        labels=labels,
    )
