"""One source read and parsed into `parsed_<source>`, before as_of is known.

The steps, in order: read the files (or table) as text columns; fold an event log into one row
per case; map the canonical fields to the export's columns; parse each field the audit uses
from its text, keeping the text beside a value that is checked; mark the records rejected and
the values invalid (records/validate.py); count what was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import ColumnMapping, Source
from promise_audit.records.column_types import TYPED_PREFIX
from promise_audit.records.derive import derive_available
from promise_audit.records.events import shown_column
from promise_audit.records.files import check_not_empty, check_texts, detect_format, resolve_files
from promise_audit.records.formats import READERS
from promise_audit.records.invalid import field_order, packed_columns
from promise_audit.records.mapping import (
    clean_text,
    column_mappings,
    field_source_sql,
    null_if_sql,
    required_text,
    trimmed_text,
    typed_attribute,
    typed_literal,
)
from promise_audit.records.numbering import number_by_place, row_number_sql
from promise_audit.records.parse import parse_text_as
from promise_audit.records.raw import RawRead, quote, text_literal
from promise_audit.records.read import (
    count_read,
    parser_rejects,
    read_raw,
    run_parse,
    stage_files,
    stage_table,
)
from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS, FieldType
from promise_audit.records.typed import typed_columns, typed_field_sql
from promise_audit.records.types import StagedSource
from promise_audit.records.validate import (
    check_attribute_names,
    check_required_fields,
    invalid_cases,
    reject_cases,
)


@dataclass(frozen=True)
class _Read:
    """A source's raw table, where it came from, and its count (None: counted after the
    parse, which scans a plain file once)."""

    raw: str
    files: tuple[str, ...]
    label: str  # the file, or the folder of the files, that errors name
    fmt: str
    raw_read: RawRead | None


@dataclass
class _Fields:
    """The canonical fields parsed, as SQL over the raw table."""

    selects: list[str]
    # fields checked for invalid values: field -> (the source column it comes from, whether
    # its text is kept beside the value, i.e. it was read from text rather than computed)
    checked: dict[str, tuple[str, bool]]
    provided: set[str]
    used_columns: set[str]
    # required fields read from a typed column: the SQL that is NULL where the field is missing
    typed_present: dict[str, str]


def stage_source(
    con: Any,
    name: str,
    source: Source,
    *,
    base_dir: Path,
    timezone: str,
    override: str | None = None,
    fields_used: Callable[[frozenset[str]], frozenset[str]] | None = None,
) -> StagedSource:
    """Read a source and parse its canonical fields into `parsed_<name>`.

    `fields_used`, given the canonical fields the source provides, names the ones the audit
    uses: only those are parsed and checked (contact_id and initiated_at always are); the
    others are left out, neither read nor checked. Without it every field is (`inspect`).
    """
    con.set_timezone(source.timezone or timezone)
    read = _read_source(con, name, source, base_dir, override)
    raw, raw_read = read.raw, read.raw_read
    described = con.described(raw)  # its columns, and their types as DuckDB names them
    raw_columns = _raw_columns(list(described))
    typed = typed_columns(described) if source.events is None else {}
    folded = None
    columns_as_read = tuple(raw_columns)  # an event log's own, not its folded row's
    if source.events is not None:
        folded, raw, source, raw_read = _fold(con, raw, name, source, raw_columns, read)
        raw_columns = _raw_columns(con.columns(raw))
    derived = folded.derived if folded is not None else frozenset()
    cleaned = {
        c: f"r.{quote(c)}" if c in derived else clean_text(f"r.{quote(c)}", source.null_values)
        for c in raw_columns
    }
    trimmed = {
        c: trimmed_text(f"r.{quote(c)}", source.null_values)
        for c in raw_columns
        if c not in derived
    }
    lower_columns = {c.lower(): c for c in raw_columns}
    mappings = column_mappings(source, cleaned, lower_columns)
    wanted = frozenset(mappings)
    if fields_used is not None:
        wanted = fields_used(wanted) | frozenset(REQUIRED_FIELDS)
    fields = _parse_fields(
        mappings,
        wanted,
        _Texts(cleaned, trimmed),
        read.label,
        _TypedColumns(typed, source.null_values),
    )
    check_required_fields(fields.provided, raw_columns, read.label)
    attributes = _attributes(raw_columns, fields, read.label)
    attribute_types = folded.attribute_types if folded is not None else {}
    fields.selects += [
        f"{typed_attribute(cleaned[c], attribute_types.get(c), source)} AS {quote(c)}"
        for c in attributes
    ]
    for required in ("contact_id", "initiated_at"):
        text = fields.typed_present.get(required) or required_text(
            required, source, cleaned, lower_columns, read.label, trimmed
        )
        fields.selects.append(f"{text} AS _required_{required}")

    # A record is rejected only when it cannot be a contact: no id, or no time it began;
    # initiated_at is checked by the rejects, not as an invalid value
    initiated = fields.checked.pop("initiated_at")
    lazy = raw_read is None
    parsed_table = quote(f"parsed_{name}")
    # On DuckDB no window numbers the rows (it would hold, and spill, every column of every
    # row): a Parquet reader numbers them itself (records/read.py), so they are stored in any
    # order and the parse runs on every core; other rows are stored in scan order, and a row's
    # place in the table numbers it
    on_duckdb = lazy and folded is None and con.name == "duckdb"
    numbered_by_reader = on_duckdb and "_n" in described
    numbered_by_place = on_duckdb and not numbered_by_reader
    parse_sql = _parse_sql(
        quote(f"parsed_{name}_rows") if numbered_by_place else parsed_table,
        raw,
        fields,
        initiated,
        attributes,
        read.files,
        None if numbered_by_place else row_number_sql(folded=folded is not None, lazy=lazy),
    )
    if numbered_by_reader:
        con.execute("SET preserve_insertion_order = false")
        try:
            _run(con, parse_sql, raw, read.label)
        finally:
            con.execute("RESET preserve_insertion_order")
    else:
        _run(con, parse_sql, raw, read.label)
    if numbered_by_place:
        number_by_place(con, parsed_table, quote(f"parsed_{name}_rows"), len(read.files))
    if raw_read is None:
        raw_read = count_read(con, name, parsed_table, read.fmt if con.name == "duckdb" else "")
    rejects = parser_rejects(con, name) if raw_read.malformed else ()
    _drop_raw(con, raw, lazy=lazy)
    return StagedSource(
        name=name,
        table=parsed_table,
        available=derive_available(frozenset(fields.provided)),
        attributes=attributes,
        provided=frozenset(fields.provided),
        files=read.files,
        raw=raw_read,
        parser_rejects=rejects,
        columns=columns_as_read,
        attribute_types=attribute_types,
        checked={f: column for f, (column, _) in fields.checked.items()},
        event_problems=None if folded is None else folded.problems,
        source_columns={
            f: shown_column(column)
            for f, (column, _) in {**fields.checked, "initiated_at": initiated}.items()
        }
        | (folded.labels if folded is not None else {}),
    )


def _read_source(
    con: Any, name: str, source: Source, base_dir: Path, override: str | None
) -> _Read:
    """raw_<name>: the source's table, or its files read by their format."""
    raw = quote(f"raw_{name}")
    if source.table is not None:
        files = stage_table(con, raw, source, override)
        return _Read(raw, files, files[0], "table", None)
    files = resolve_files(source, base_dir, override)
    label = files[0] if len(files) == 1 else str(Path(files[0]).parent / "...")
    check_not_empty(files)
    fmt = detect_format(source, files, overridden=override is not None)
    check_texts(files, fmt, source.encoding)
    if con.name == "duckdb":
        # an event log is folded from its text (records/events.py): no typed copies
        raw_read = read_raw(
            con,
            name,
            fmt,
            files,
            source,
            typed=source.events is None,
            numbered=source.events is not None,
        )
    else:
        raw_read = stage_files(con, raw, fmt, files, source)
    return _Read(raw, files, label, fmt, raw_read)


def _raw_columns(columns: list[str]) -> list[str]:
    """The source's own columns among the raw table's."""
    return [c for c in columns if c not in ("_file", "_n") and not c.startswith(TYPED_PREFIX)]


@dataclass(frozen=True)
class _Texts:
    """Each raw column's text as SQL: as written (`cleaned`: what an invalid value shows, and
    what an expression reads) and without its surrounding spaces (`trimmed`: what a field is
    parsed from; not for a column an event log's fold derived), both NULL for a null value."""

    cleaned: Mapping[str, str]
    trimmed: Mapping[str, str]


@dataclass(frozen=True)
class _TypedColumns:
    """The raw table's typed copies (column -> engine type), and the source's null values."""

    types: Mapping[str, str]
    null_values: tuple[str, ...]


def _run(con: Any, statement: str, raw: str, label: str) -> None:
    """A statement over the raw table; on DuckDB, a strict CSV read that fails mid-file is read
    again leniently (records/read.py, run_parse)."""
    if con.name == "duckdb":
        run_parse(con, statement, raw, label)
    else:
        con.execute(statement)


def _attributes(raw_columns: list[str], fields: _Fields, label: str) -> tuple[str, ...]:
    """The source's other columns, kept under their own names as scope attributes."""
    attributes = tuple(
        c for c in raw_columns if c not in fields.used_columns and c not in CANONICAL_FIELDS
    )
    check_attribute_names(attributes, label)
    return attributes


def _parse_fields(
    mappings: Mapping[str, ColumnMapping],
    wanted: frozenset[str],
    texts: _Texts,
    label: str,
    typed_columns: _TypedColumns,
) -> _Fields:
    """SQL parsing each wanted field from its mapping; every mapping, wanted or not, is
    checked against the export (a misspelt column is an error). A field read from a column
    that holds its type already takes the value as it is (records/typed.py)."""
    fields = _Fields(selects=[], checked={}, provided=set(), used_columns=set(), typed_present={})
    for field_name, mapping in mappings.items():
        field_type = CANONICAL_FIELDS[field_name]
        value_sql, source_column, typed = field_source_sql(
            field_name, mapping, texts.cleaned, label
        )
        if mapping.column is not None:
            fields.used_columns.add(mapping.column)
        if field_name not in wanted:
            continue
        direct = None
        if mapping.column is not None and mapping.column in typed_columns.types:
            direct = typed_field_sql(
                field_type,
                mapping,
                f"r.{quote(TYPED_PREFIX + mapping.column)}",
                typed_columns.types[mapping.column],
                typed_columns.null_values,
            )
        if direct is not None:
            parsed, typed_text = direct
            # the typed value stands for the text: NULL where the text is, and cast to text
            # where an invalid value's sample shows it
            fields.checked[field_name] = (mapping.column or field_name, True)
            fields.selects.append(f"{typed_text} AS {quote(f'_text_{field_name}')}")
            fields.typed_present[field_name] = typed_text
        elif typed:
            parsed = typed_literal(field_type, value_sql)
            if field_type is not FieldType.TEXT:
                fields.checked[field_name] = (source_column or field_name, False)
        else:
            parse_input, trimmed = value_sql, False
            if mapping.column is not None and mapping.column in texts.trimmed:
                parse_input = null_if_sql(
                    texts.trimmed[mapping.column], mapping.null_if, trimmed=True
                )
                trimmed = True
            if field_type is FieldType.DURATION:
                # exports write -1 for "not applicable" (no queue, no hold): missing, not negative
                value_sql = null_if_sql(value_sql, ("-1",))
                parse_input = null_if_sql(parse_input, ("-1",), trimmed=trimmed)
            parsed = parse_text_as(field_type, parse_input, mapping, trimmed=trimmed)
            if field_name == "channel":
                parsed = f"lower({parsed})"
            if field_type is not FieldType.TEXT:
                # the text is kept beside the value, so the checks reuse both
                fields.checked[field_name] = (source_column or field_name, True)
                fields.selects.append(f"{value_sql} AS {quote(f'_text_{field_name}')}")
        fields.selects.append(f"{parsed} AS {quote(field_name)}")
        fields.provided.add(field_name)
    return fields


def _checked_columns(
    checked: Mapping[str, tuple[str, bool]], provided: set[str], attributes: tuple[str, ...]
) -> list[str]:
    """The parsed table's columns: each checked field NULL where its value is invalid, and
    the invalid values' reasons and texts packed into two columns (records/invalid.py)."""
    outer = []
    for field_name in CANONICAL_FIELDS:
        if field_name in checked:
            value = quote(field_name)
            outer.append(f"CASE WHEN {_reason(field_name)} IS NULL THEN {value} END AS {value}")
        elif field_name in provided:
            outer.append(quote(field_name))

    def text_of(field_name: str) -> str:
        # the value as the export wrote it: its text, or the value where it had none
        return quote(f"_text_{field_name}") if checked[field_name][1] else quote(field_name)

    packed = packed_columns(field_order(checked), _reason, text_of)
    return outer + [quote(a) for a in attributes] + packed


def _reason(field_name: str) -> str:
    """The checked values' column of why the field's value is invalid."""
    return quote(f"_invalid_{field_name}")


def _parse_sql(
    parsed_table: str,
    raw: str,
    fields: _Fields,
    initiated: tuple[str, bool],
    attributes: tuple[str, ...],
    files: tuple[str, ...],
    row_number: str | None,
) -> str:
    """The one statement that parses, checks and marks every record of the raw table:
    `initiated` is initiated_at's source column, and whether its text is kept; without a
    `row_number`, the rows are numbered after (records/numbering.py)."""
    initiated_column, initiated_has_text = initiated
    initiated_value = quote("_text_initiated_at") if initiated_has_text else "initiated_at"
    reason_sql, column_sql, reject_value_sql = reject_cases(initiated_column, initiated_value)
    invalid = invalid_cases(fields.checked)
    middle = [f"CASE {w} END AS {_reason(f)}" for f, w in invalid.items()]
    outer = _checked_columns(fields.checked, fields.provided, attributes)
    file_index = " ".join(f"WHEN {text_literal(f)} THEN {i}" for i, f in enumerate(files, start=1))
    row_column = "_row, " if row_number is not None else ""
    row_number_column = f"{row_number} AS _row," if row_number is not None else ""
    return f"""
        CREATE OR REPLACE TABLE {parsed_table} AS
        SELECT _file, _file_index, {row_column}{", ".join(outer)}, _reject, _reject_column,
            _reject_value
        FROM (
            SELECT *,
                {"".join(m + ", " for m in middle)}
                CASE {reason_sql} END AS _reject,
                CASE {column_sql} END AS _reject_column,
                CASE {reject_value_sql} END AS _reject_value
            FROM (
                SELECT
                    r._file AS _file,
                    CASE r._file {file_index} END AS _file_index,
                    {row_number_column}
                    {", ".join(fields.selects)}
                FROM {raw} r
            ) AS parsed_values
        ) AS checked_values
        """


def _drop_raw(con: Any, raw: str, *, lazy: bool) -> None:
    """The text copy (a platform reader's table) is no longer needed: free its memory."""
    con.execute(f"DROP {'VIEW' if lazy else 'TABLE'} {raw}")


def _fold(
    con: Any, raw: str, name: str, source: Source, raw_columns: list[str], read: _Read
) -> tuple[Any, str, Source, RawRead]:
    """An event log folded into one row per case (records/events.py), and its accounting."""
    from promise_audit.records.events import fold_events

    label, fmt = read.label, read.fmt
    if fmt in READERS:
        raise RecordsError(f"events: folds a plain export; the {fmt} reader builds its own", label)
    if con.name == "duckdb" and not con.on_disk:
        # numbered across the files in memory (records/read.py, create_raw)
        row_sql = "r._n - min(r._n) OVER (PARTITION BY r._file) + 1"
    else:
        row_sql = "r._n"  # numbered in each file (or table) already

    folded = fold_events(
        con,
        raw,
        name,
        source,
        raw_columns,
        label=label,
        row_sql=row_sql,
        clean=lambda sql: clean_text(sql, source.null_values),
        run=lambda statement: _run(con, statement, raw, label),
    )
    counted = count_read(con, name, folded.table, fmt if con.name == "duckdb" else "")
    malformed = counted.malformed
    con.execute(f"DROP VIEW IF EXISTS {raw}")
    if con.name == "duckdb" and con.on_disk:
        con.execute(f"DROP TABLE IF EXISTS {quote(f'raw_{name}_rows')}")
    raw_read = RawRead(
        read=folded.events + malformed,
        malformed=malformed,
        folded=folded.events - folded.cases,
        cases=folded.cases,
    )
    return folded, folded.table, folded.source, raw_read
