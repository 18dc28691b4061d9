"""Sources -> canonical records, in DuckDB, with every input record accounted for.

The pipeline for one source, all in the engine:
1. read the file(s) as text columns (`raw_<source>`), the CSV parser's bad rows kept aside;
2. parse each canonical field the promises use from its mapping (`parsed_<source>`): a record
   without a contact_id or a readable initiated_at is rejected; any other value that cannot be
   read or cannot be true is an invalid value (`_invalid_<field>` says why), missing for that
   record only, naming the row, the column and the value;
3. derive the fields the source lacks (wait, abandoned ...), drop duplicate contact ids (first
   copy kept) and the records initiated after as_of (`contacts_<source>`), and list the invalid
   values of the records used (`invalid_<source>`).
read = rejected + duplicates + out_of_period + used, always; invalid values remove no record.
"""

from __future__ import annotations

import codecs
import datetime as dt
import glob as globmodule
import gzip
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import ColumnMapping, Source
from promise_audit.records.events import EventProblems
from promise_audit.records.parse import (
    parse_text_as,
)
from promise_audit.records.raw import (
    FILE_COLUMN,
    RawRead,
    csv_scan,
    original_file,
    quote,
    text_literal,
)
from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS, FieldType

REJECT_SAMPLE = 100
# the field an event log's unreadable event times are counted under (invalid_by_field)
EVENT_AT = "event_at"
# Columns of the parsed table that are the tool's bookkeeping, not the source's; a source
# column may not take one of these names (in any case), or it would replace the bookkeeping.
RESERVED_COLUMNS = frozenset(
    {"_file", "_file_index", "_row", "_copy", "_reject", "_reject_column", "_reject_value"}
)
RESERVED_PREFIXES = ("_text_", "_required_", "_invalid_", "_bad_")
# Timestamps outside these years are placeholders (0001-01-01, 9999-12-31) or typos, and the
# rest of the pipeline (Python's datetime among it) cannot hold all of them.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# A clock that must not run backwards: (start, end) pairs of canonical fields; an end before
# its start is an invalid value (`before_<start>`): the end is missing for that record, never
# measured as negative, and the start stays.
ORDERED_FIELDS = (
    ("enqueued_at", "answered_at"),
    ("enqueued_at", "ended_at"),
    ("initiated_at", "ended_at"),
    ("initiated_at", "first_response_at"),
    ("initiated_at", "resolved_at"),
    ("callback_requested_at", "callback_at"),
    ("human_requested_at", "human_joined_at"),
    ("failure_at", "recovered_at"),
    ("purchased_at", "return_requested_at"),
    ("return_requested_at", "refund_at"),
)
# a file's extension -> the plain format it is read as (`.gz` is looked through)
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}


@dataclass(frozen=True)
class Reject:
    file: str
    row: int | None  # data row (header excluded), 1-based
    line: int | None  # physical line, where the CSV parser rejected the row
    column: str | None
    reason: str
    value: str | None


@dataclass(frozen=True)
class InvalidValue:
    """A value of a used record that cannot be read or cannot be true: the record is used,
    and this one field is missing for it."""

    file: str
    row: int  # data row (header excluded), 1-based
    field: str  # the canonical field
    column: str  # where it comes from in the export
    reason: str  # unparseable, out_of_range, negative, before_<start field>
    value: str | None


@dataclass(frozen=True)
class Accounting:
    read: int
    rejected: int
    duplicates: int
    out_of_period: int
    used: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    reject_sample: tuple[Reject, ...] = ()
    files: tuple[str, ...] = ()
    stitched: int = 0
    # an event log: events read = folded (into a case's row) + case rows (then used, ...)
    folded: int = 0
    cases: int = 0
    # invalid values of the used records (each removes one field of one record, no record)
    invalid: int = 0
    invalid_by_field: dict[str, dict[str, int]] = field(default_factory=dict)
    invalid_sample: tuple[InvalidValue, ...] = ()
    fields_checked: tuple[str, ...] = ()  # canonical fields read and checked, the others unread
    fields_empty: tuple[str, ...] = ()  # given by the source, but empty on every record it holds

    def reconciles(self) -> bool:
        return self.read == (
            self.rejected
            + self.duplicates
            + self.out_of_period
            + self.used
            + self.stitched
            + self.folded
        )


@dataclass(frozen=True)
class StagedSource:
    """A source read and parsed, before as_of is known."""

    name: str
    table: str  # parsed, not yet de-duplicated
    available: frozenset[str]
    attributes: tuple[str, ...]
    provided: frozenset[str]
    files: tuple[str, ...]
    raw: RawRead
    parser_rejects: tuple[Reject, ...]
    columns: tuple[str, ...] = ()  # the source's columns, as read
    # per-case attributes an event log derives (a count, a duration), typed for expressions
    attribute_types: dict[str, FieldType] = field(default_factory=dict)
    # fields checked for invalid values (each has `_invalid_<field>` and `_bad_<field>`
    # columns in the parsed table), and the source column each comes from
    checked: Mapping[str, str] = field(default_factory=dict)
    # an event log's events it could not use (records/events.py)
    event_problems: EventProblems | None = None


@dataclass(frozen=True)
class LoadedRecords:
    name: str
    table: str
    available: frozenset[str]  # canonical fields the records have (mapped or derived)
    attributes: tuple[str, ...]  # other source columns, kept as text scope attributes
    accounting: Accounting
    # the fields checked that are not text, and the fields derived from them: the table has
    # `_invalid_<field>`, the reason (NULL where the value is valid or missing)
    invalid_fields: frozenset[str] = frozenset()
    # those of them invalid on some record (the others' column is null on every record)
    invalid_found: frozenset[str] = frozenset()
    attribute_types: dict[str, FieldType] = field(default_factory=dict)  # not text ones


def resolve_files(source: Source, base_dir: Path, override: str | None) -> tuple[str, ...]:
    pattern = override if override is not None else source.path
    if pattern is None:
        raise RecordsError("this source is a table, not a file", source.table or "")
    path = Path(pattern)
    if not path.is_absolute() and override is None:
        path = base_dir / path
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(f for f in globmodule.glob(text, recursive=True) if os.path.isfile(f))
        if not files:
            raise RecordsError("no file matches this pattern", text)
        return tuple(files)
    if not path.exists():
        raise RecordsError("no such file", text)
    if path.is_dir():
        raise RecordsError("is a directory; give a file or a glob such as dir/*.csv", text)
    if not os.access(path, os.R_OK):
        raise RecordsError("permission denied", text)
    return (text,)


def detect_format(source: Source, files: tuple[str, ...], *, overridden: bool = False) -> str:
    """The source's format; a file given on the command line (`--records`) with a plain file
    extension is read by that extension (a CI job may hand a Parquet export to a promise file
    written for CSV), while a platform format always stays as declared."""
    name = files[0].lower().removesuffix(".gz")
    suffix = os.path.splitext(name)[1]
    plain = ("csv", "tsv", "json", "jsonl", "parquet", "xlsx")
    if source.format is not None:
        if overridden and source.format in plain and suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        return source.format
    if suffix not in EXTENSIONS:
        raise RecordsError(
            f"cannot tell the format from {suffix or 'no extension'!r}: set format: "
            "csv, tsv, json, jsonl or parquet",
            files[0],
        )
    return EXTENSIONS[suffix]


def _read_raw(
    con: Any, name: str, fmt: str, files: tuple[str, ...], source: Source
) -> RawRead | None:
    """Create raw_<name>: one text column per source column, plus _file, in file order.

    A platform reader builds a table and returns its accounting. A plain file becomes a view
    over DuckDB's reader, scanned once by the parse that follows (its count comes after)."""
    import duckdb

    from promise_audit.records.formats import READERS, reader_for

    if fmt in READERS:
        return reader_for(fmt)(con, f"raw_{name}", files, source)

    listed = "[" + ", ".join(text_literal(f) for f in files) + "]"
    renamed: dict[str, str] = {}
    raw = quote(f"raw_{name}")
    if fmt == "xlsx":
        # the first sheet, as CSV text: cells as Excel shows them, dates as ISO 8601
        renamed = _sheets_as_csv(files)
        listed = "[" + ", ".join(text_literal(f) for f in renamed) + "]"
        fmt = "csv"
    if fmt in ("csv", "tsv"):
        delimiter = source.delimiter or ("\t" if fmt == "tsv" else None)
        # a sheet's CSV copies are UTF-8 already (decoded); other files are decoded as declared
        scanned = tuple(renamed) or files
        reader, renamed = csv_scan(con, name, scanned, source, delimiter, originals=renamed or None)
    elif fmt in ("json", "jsonl"):
        layout = "newline_delimited" if fmt == "jsonl" else "auto"
        reader = (
            f"read_json({listed}, format='{layout}', "
            f"filename={text_literal(FILE_COLUMN)}, sample_size=-1)"
        )
    elif fmt == "parquet":
        reader = f"read_parquet({listed}, filename={text_literal(FILE_COLUMN)})"
    else:
        raise RecordsError(
            f"format {fmt!r} has no reader yet: export as CSV and map its columns", files[0]
        )
    try:
        _create_raw(con, raw, reader, renamed=renamed)
    except duckdb.Error as exc:
        if "strict_mode=true" not in reader:
            raise RecordsError(_duckdb_message(exc), files[0]) from None
        _create_raw(con, raw, _lenient(reader), files[0], renamed=renamed)
    return None


def _lenient(reader: str) -> str:
    """A strict CSV reader stops at the first row that breaks RFC 4180 (a bare carriage return
    inside an unquoted field); the lenient one reads on and rejects the broken pieces."""
    return reader.replace("strict_mode=true", "strict_mode=false")


def _create_raw(
    con: Any,
    raw: str,
    reader: str,
    label: str | None = None,
    renamed: dict[str, str] | None = None,
) -> None:
    """raw_<name>: a view over the reader, every source column as text, with `_file` and `_n`
    (the row's place in the scan, from which the parse numbers each file's rows). With a
    `label`, a reader that fails is a RecordsError naming it."""
    import duckdb

    try:
        columns = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        casts = []
        for column_name, column_type, *_ in columns:
            if column_name == FILE_COLUMN:
                continue
            column = quote(column_name)
            if column_type == "JSON":
                # a JSON column holds values of several types (a string in one row, a number
                # in another): a string is its text, not its JSON with the quotes
                cast = (
                    f"CASE WHEN json_type({column}) = 'VARCHAR' THEN "
                    f"json_extract_string({column}, '$') ELSE CAST({column} AS VARCHAR) END"
                )
            elif column_type.startswith(("STRUCT", "MAP")) or column_type.endswith("]"):
                cast = f"to_json({column})::VARCHAR"
            else:
                cast = f"CAST({column} AS VARCHAR)"
            casts.append(f"{cast} AS {column}")
        file_sql = original_file(quote(FILE_COLUMN), renamed or {})
        if con.on_disk:
            # Under a memory limit the rows are stored first, in file order (DuckDB keeps the
            # insertion order), and numbered by their place in the table: a window over the
            # scan would hold, and spill, every column of every row (110 s of 187 s at 10M)
            rows = quote(f"{raw.strip(chr(34))}_rows")
            con.execute(
                f"CREATE OR REPLACE TABLE {rows} AS SELECT {file_sql} AS _file, "
                f"{', '.join(casts)} FROM {reader}"
            )
            con.execute(
                f"CREATE OR REPLACE VIEW {raw} AS SELECT t._file, t.rowid - f._first + 1 AS _n, "
                f"t.* EXCLUDE (_file) FROM {rows} t JOIN (SELECT _file, min(rowid) AS _first "
                f"FROM {rows} GROUP BY _file) f ON t._file IS NOT DISTINCT FROM f._file"
            )
            return
        con.execute(
            f"CREATE OR REPLACE VIEW {raw} AS SELECT {file_sql} AS _file, "
            f"row_number() OVER () AS _n, {', '.join(casts)} FROM {reader}"
        )
    except duckdb.Error as exc:
        if label is None:
            raise
        raise RecordsError(_duckdb_message(exc), label) from None


def _sheets_as_csv(files: tuple[str, ...]) -> dict[str, str]:
    """CSV copies of each workbook's first sheet, streamed row by row by openpyxl."""
    import atexit
    import csv
    import datetime as dt_
    import shutil
    import tempfile
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    folder = tempfile.mkdtemp(prefix="promise-audit-")
    atexit.register(shutil.rmtree, folder, True)
    copies: dict[str, str] = {}
    for index, path in enumerate(files):
        copy = os.path.join(folder, f"{index}.csv")
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException):
            raise RecordsError(
                "not an xlsx workbook (save the sheet as .xlsx, or give format: csv)", path
            ) from None
        try:
            sheet = book.worksheets[0]
            with open(copy, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                for row in sheet.iter_rows(values_only=True):
                    writer.writerow(
                        [
                            value.isoformat(sep=" ")
                            if isinstance(value, dt_.datetime)
                            else value.isoformat()
                            if isinstance(value, dt_.date | dt_.time)
                            else ""
                            if value is None
                            else value
                            for value in row
                        ]
                    )
        finally:
            book.close()
        copies[copy] = path
    return copies


def _duckdb_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: ", "Binder Error: "):
        text = text.removeprefix(prefix)
    return f"cannot read the records: {text}"


def _malformed_rows(con: Any, name: str, limit: int | None = None) -> list[tuple[Any, ...]]:
    """The CSV parser's rejects, one per row (it reports one per missing column):
    (file, line, first failing column, reason, the row's text)."""
    return list(
        con.execute(
            f"SELECT coalesce(c.original, s.file_path) AS path, e.line, min(e.column_name), "
            f"'malformed_row: ' || lower(CAST(min(e.error_type) AS VARCHAR)), min(e.csv_line) "
            f"FROM {quote(f'rejects_{name}')} e JOIN {quote(f'scans_{name}')} s "
            f"ON e.scan_id = s.scan_id AND e.file_id = s.file_id "
            # a file read from a UTF-8 copy is named by its original
            f"LEFT JOIN {quote(f'copies_{name}')} c ON c.copy = s.file_path "
            f"GROUP BY path, e.line ORDER BY path, e.line"
            + (f" LIMIT {limit}" if limit is not None else "")
        ).fetchall()
    )


def _parser_rejects(con: Any, name: str) -> tuple[Reject, ...]:
    return tuple(
        Reject(str(path), None, int(line), column, str(reason), text)
        for path, line, column, reason, text in _malformed_rows(con, name, REJECT_SAMPLE)
    )


def all_rejects(con: Any, staged: StagedSource) -> list[tuple[Any, ...]]:
    """Every reject and invalid value of a finished source, one per row: (status, file, row,
    line, field, column, reason, value), status `rejected` (the record is not used) or
    `invalid` (the record is used, without this value); rejects first, each in file order."""
    rows: list[tuple[Any, ...]] = []
    if staged.raw.malformed:
        rows += [
            ("rejected", path, None, line, None, column, reason, text)
            for path, line, column, reason, text in _malformed_rows(con, staged.name)
        ]
    rows += con.execute(
        "SELECT 'rejected', _file, _row, NULL, CASE WHEN _reject = 'missing_contact_id' "
        "THEN 'contact_id' ELSE 'initiated_at' END, _reject_column, _reject, _reject_value "
        f"FROM {staged.table} WHERE _reject IS NOT NULL ORDER BY _file_index, _row"
    ).fetchall()
    rows += con.execute(
        f"SELECT 'invalid', _file, _row, NULL, field, source_column, reason, value "
        f"FROM {quote(f'invalid_{staged.name}')} ORDER BY _file_index, _row, _field_order"
    ).fetchall()
    return rows


def _clean(column_sql: str, null_values: tuple[str, ...]) -> str:
    listed = ", ".join(text_literal(v.strip()) for v in null_values)
    if not listed:
        return column_sql
    return f"CASE WHEN trim({column_sql}) IN ({listed}) THEN NULL ELSE {column_sql} END"


def _null_if(value_sql: str, null_if: tuple[str, ...]) -> str:
    if not null_if:
        return value_sql
    listed = ", ".join(text_literal(v) for v in null_if)
    return f"CASE WHEN trim({value_sql}) IN ({listed}) THEN NULL ELSE {value_sql} END"


def _field_source_sql(
    field_name: str,
    mapping: ColumnMapping,
    columns: Mapping[str, str],
    source_label: str,
) -> tuple[str, str | None, bool]:
    """(SQL for the field's text or typed value, source column for reject messages, is_typed)."""
    from promise_audit.expressions import ExpressionError, compile_sql, parse

    def column(name: str) -> str:
        if name not in columns:
            close = get_close_matches(name, list(columns), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise RecordsError(
                f"column {name!r} (mapped to {field_name}) is not in the export{hint}",
                source_label,
            )
        return columns[name]

    if mapping.column is not None:
        return _null_if(column(mapping.column), mapping.null_if), mapping.column, False
    if mapping.date is not None:
        parts = [_null_if(column(mapping.date), mapping.null_if)]
        if mapping.time is not None:
            parts.append(_null_if(column(mapping.time), mapping.null_if))
        label = mapping.date + (f" + {mapping.time}" if mapping.time else "")
        if len(parts) == 1:
            return parts[0], label, False
        return (
            f"CASE WHEN {parts[0]} IS NULL OR {parts[1]} IS NULL THEN NULL ELSE "
            f"concat(trim({parts[0]}), ' ', trim({parts[1]})) END",
            label,
            False,
        )
    if mapping.expr is not None:
        try:
            compiled = compile_sql(
                parse(mapping.expr),
                dict.fromkeys(columns, FieldType.TEXT),
                column=lambda name: columns[name],
            )
        except ExpressionError as exc:
            raise RecordsError(
                f"columns.{field_name}: {exc.message} in {mapping.expr!r}", source_label
            ) from None
        if compiled.type is FieldType.TEXT:
            return compiled.sql, None, False
        wanted = CANONICAL_FIELDS[field_name]
        numeric = {FieldType.NUMBER, FieldType.DURATION}
        if compiled.type is not wanted and not {compiled.type, wanted} <= numeric:
            # a cast would turn every value into NULL without a word
            raise RecordsError(
                f"columns.{field_name}: {mapping.expr!r} gives a {compiled.type.value}, and "
                f"{field_name} is a {wanted.value}",
                source_label,
            )
        return compiled.sql, None, True
    return _const_sql(field_name, mapping.const, source_label)


def _const_sql(
    field_name: str, const: str | int | float | bool | None, source_label: str
) -> tuple[str, str | None, bool]:
    """A `const:` value: null means missing on every row; a number or a boolean must suit the
    field (a boolean timestamp would be NULL on every row); other values are read as text."""
    wanted = CANONICAL_FIELDS[field_name]
    if const is None:
        return f"CAST(NULL AS {SQL_TYPES[wanted]})", None, True
    if isinstance(const, bool):
        if wanted is FieldType.BOOLEAN:
            return ("true" if const else "false"), None, True
        if wanted is not FieldType.TEXT:
            raise RecordsError(
                f"columns.{field_name}: const {str(const).lower()} is a boolean, and "
                f"{field_name} is a {wanted.value}",
                source_label,
            )
        return text_literal(str(const).lower()), None, False
    if isinstance(const, int | float) and wanted in (FieldType.NUMBER, FieldType.DURATION):
        return repr(float(const)), None, True
    if isinstance(const, int | float) and wanted is FieldType.TIMESTAMP:
        raise RecordsError(
            f"columns.{field_name}: const {const!r} is a number, and {field_name} is a "
            "timestamp (write it as text, e.g. '2026-10-01T09:00:00Z')",
            source_label,
        )
    return text_literal(str(const)), None, False


def _typed_literal(field_type: FieldType, sql: str) -> str:
    target = {
        FieldType.TEXT: "VARCHAR",
        FieldType.NUMBER: "DOUBLE",
        FieldType.DURATION: "DOUBLE",
        FieldType.BOOLEAN: "BOOLEAN",
        FieldType.TIMESTAMP: "TIMESTAMPTZ",
    }[field_type]
    return f"TRY_CAST({sql} AS {target})"


SQL_TYPES = {
    FieldType.TEXT: "VARCHAR",
    FieldType.NUMBER: "DOUBLE",
    FieldType.DURATION: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMPTZ",
}


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
    raw = quote(f"raw_{name}")
    if source.table is not None:
        files, raw_read, fmt = _stage_table(con, raw, source, override), None, "table"
        label = files[0]
    else:
        files = resolve_files(source, base_dir, override)
        label = files[0] if len(files) == 1 else str(Path(files[0]).parent / "...")
        for path in files:
            if os.path.getsize(path) == 0:
                raise RecordsError("the file is empty (not even a header row)", path)
        fmt = detect_format(source, files, overridden=override is not None)
        if fmt in ("csv", "tsv", "json", "jsonl"):
            for path in files:
                _check_text(path, source.encoding)
        if con.name == "duckdb":
            raw_read = _read_raw(con, name, fmt, files, source)
        else:
            raw_read = _stage_files(con, raw, fmt, files, source)
    raw_columns = [c for c in con.columns(raw) if c not in ("_file", "_n")]
    folded = None
    columns_as_read = tuple(raw_columns)  # an event log's own, not its folded row's
    if source.events is not None:
        folded, raw, source, raw_read = _fold(con, raw, name, source, raw_columns, label, fmt)
        raw_columns = [c for c in con.columns(raw) if c not in ("_file", "_n")]
    derived = folded.derived if folded is not None else frozenset()
    cleaned = {
        c: f"r.{quote(c)}" if c in derived else _clean(f"r.{quote(c)}", source.null_values)
        for c in raw_columns
    }

    lower_columns = {c.lower(): c for c in raw_columns}
    mappings: dict[str, ColumnMapping] = {}
    for field_name in CANONICAL_FIELDS:
        mapping = source.columns.get(field_name)
        if mapping is None:
            same = field_name if field_name in cleaned else lower_columns.get(field_name)
            if same is None:
                continue
            mapping = ColumnMapping(column=same)
        mappings[field_name] = mapping
    wanted = (
        frozenset(mappings)
        if fields_used is None
        else fields_used(frozenset(mappings)) | frozenset(REQUIRED_FIELDS)
    )

    selects: list[str] = []
    # fields checked for invalid values: field -> (the source column it comes from, whether
    # its text is kept beside the value, i.e. it was read from text rather than computed)
    checked: dict[str, tuple[str, bool]] = {}
    provided: set[str] = set()
    used_columns: set[str] = set()
    for field_name, mapping in mappings.items():
        field_type = CANONICAL_FIELDS[field_name]
        # an unused mapping is still checked against the export (a misspelt column is an error)
        value_sql, source_column, typed = _field_source_sql(field_name, mapping, cleaned, label)
        if mapping.column is not None:
            used_columns.add(mapping.column)
        if field_name not in wanted:
            continue
        if typed:
            parsed = _typed_literal(field_type, value_sql)
            if field_type is not FieldType.TEXT:
                checked[field_name] = (source_column or field_name, False)
        else:
            if field_type is FieldType.DURATION:
                # exports write -1 for "not applicable" (no queue, no hold): missing, not negative
                value_sql = _null_if(value_sql, ("-1",))
            parsed = parse_text_as(field_type, value_sql, mapping)
            if field_name == "channel":
                parsed = f"lower({parsed})"
            if field_type is not FieldType.TEXT:
                # the text is kept beside the value, so the checks reuse both
                checked[field_name] = (source_column or field_name, True)
                selects.append(f"{value_sql} AS {quote(f'_text_{field_name}')}")
        selects.append(f"{parsed} AS {quote(field_name)}")
        provided.add(field_name)

    missing = [f for f in REQUIRED_FIELDS if f not in provided]
    if missing:
        close = {f: get_close_matches(f, raw_columns, n=1, cutoff=0.4) for f in missing}
        hints = "; ".join(
            f"{f}: map it under columns:" + (f" (perhaps {close[f][0]!r}?)" if close[f] else "")
            for f in missing
        )
        raise RecordsError(
            f"the export has no {' or '.join(missing)} column ({hints}); "
            f"its columns are: {', '.join(raw_columns[:30])}",
            label,
        )
    attributes = tuple(
        c for c in raw_columns if c not in used_columns and c not in CANONICAL_FIELDS
    )
    for attribute in attributes:
        if _is_reserved(attribute):
            # kept under its own name, it would stand in for the reject bookkeeping
            raise RecordsError(
                f"column {attribute!r} has a name promise-audit keeps for its own bookkeeping "
                f"({', '.join(sorted(RESERVED_COLUMNS))}, "
                f"{', '.join(p + '*' for p in RESERVED_PREFIXES)}): rename it in "
                "the export, or map a canonical field to it under columns:",
                label,
            )
    attribute_types = folded.attribute_types if folded is not None else {}
    selects += [
        f"{_typed_attribute(cleaned[c], attribute_types.get(c), source)} AS {quote(c)}"
        for c in attributes
    ]

    contact_text = _required_text("contact_id", source, cleaned, lower_columns, label)
    initiated_text = _required_text("initiated_at", source, cleaned, lower_columns, label)
    selects += [
        f"{contact_text} AS _required_contact_id",
        f"{initiated_text} AS _required_initiated_at",
    ]
    # A record is rejected only when it cannot be a contact: no id, or no time it began.
    initiated_column, initiated_has_text = checked.pop("initiated_at")
    initiated_value = quote("_text_initiated_at") if initiated_has_text else "initiated_at"
    rejects = [
        ("_required_contact_id IS NULL", "missing_contact_id", "'contact_id'", "NULL"),
        ("_required_initiated_at IS NULL", "missing_initiated_at", "'initiated_at'", "NULL"),
        (
            "initiated_at IS NULL",
            "unparseable_initiated_at",
            text_literal(initiated_column),
            f"CAST({initiated_value} AS VARCHAR)",
        ),
        (
            f"NOT ({_in_range('initiated_at')})",
            "out_of_range_initiated_at",
            text_literal(initiated_column),
            f"CAST({initiated_value} AS VARCHAR)",
        ),
    ]
    reason_sql = " ".join(f"WHEN {c} THEN {text_literal(r)}" for c, r, _, _ in rejects)
    column_sql = " ".join(f"WHEN {c} THEN {col}" for c, _, col, _ in rejects)
    reject_value_sql = " ".join(f"WHEN {c} THEN {v}" for c, _, _, v in rejects)
    invalid = _invalid_cases(checked)
    middle = [f"CASE {w} END AS {quote(f'_invalid_{f}')}" for f, w in invalid.items()]
    outer = []
    for field_name in CANONICAL_FIELDS:
        if field_name in checked:
            flag = quote(f"_invalid_{field_name}")
            value = quote(field_name)
            text = quote(f"_text_{field_name}") if checked[field_name][1] else value
            outer += [
                f"CASE WHEN {flag} IS NULL THEN {value} END AS {value}",
                flag,
                # the value as the export wrote it, kept only where it is invalid
                f"CASE WHEN {flag} IS NOT NULL THEN CAST({text} AS VARCHAR) END "
                f"AS {quote(f'_bad_{field_name}')}",
            ]
        elif field_name in provided:
            outer.append(quote(field_name))
    outer += [quote(a) for a in attributes]

    parsed_table = quote(f"parsed_{name}")
    lazy = raw_read is None
    if folded is not None:
        row_number = "r._n"  # the row of the case's first event, in its file
    elif not lazy:
        row_number = "row_number() OVER (PARTITION BY r._file ORDER BY r.rowid)"
    elif con.on_disk:
        row_number = "r._n"  # numbered in each file already (see _create_raw)
    else:
        row_number = "r._n - min(r._n) OVER (PARTITION BY r._file) + 1"
    file_index = " ".join(f"WHEN {text_literal(f)} THEN {i}" for i, f in enumerate(files, start=1))
    parse_sql = f"""
        CREATE OR REPLACE TABLE {parsed_table} AS
        SELECT _file, _file_index, _row, {", ".join(outer)}, _reject, _reject_column,
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
                    {row_number} AS _row,
                    {", ".join(selects)}
                FROM {raw} r
            ) AS parsed_values
        ) AS checked_values
        """
    if con.name == "duckdb":
        _parse(con, parse_sql, raw, label)
    else:
        con.execute(parse_sql)
    if raw_read is None:
        raw_read = _count_read(con, name, parsed_table, fmt if con.name == "duckdb" else "")
    parser_rejects = _parser_rejects(con, name) if raw_read.malformed else ()
    available = derive_available(frozenset(provided))
    # the text copy is no longer needed: free its memory before the next stage
    con.execute(f"DROP {'VIEW' if lazy else 'TABLE'} {raw}")
    if lazy and con.on_disk:
        con.execute(f"DROP TABLE IF EXISTS {quote(f'raw_{name}_rows')}")
    return StagedSource(
        name=name,
        table=parsed_table,
        available=available,
        attributes=attributes,
        provided=frozenset(provided),
        files=files,
        raw=raw_read,
        parser_rejects=parser_rejects,
        columns=columns_as_read,
        attribute_types=attribute_types,
        checked={f: column for f, (column, _) in checked.items()},
        event_problems=None if folded is None else folded.problems,
    )


def _fold(
    con: Any, raw: str, name: str, source: Source, raw_columns: list[str], label: str, fmt: str
) -> tuple[Any, str, Source, RawRead]:
    """An event log folded into one row per case (records/events.py), and its accounting."""
    from promise_audit.records.events import fold_events
    from promise_audit.records.formats import READERS

    if fmt in READERS:
        raise RecordsError(f"events: folds a plain export; the {fmt} reader builds its own", label)
    if con.name == "duckdb" and con.on_disk:
        row_sql = "r._n"
    else:
        row_sql = "r._n - min(r._n) OVER (PARTITION BY r._file) + 1"

    def run(statement: str) -> None:
        if con.name == "duckdb":
            _parse(con, statement, raw, label)
        else:
            con.execute(statement)

    folded = fold_events(
        con,
        raw,
        name,
        source,
        raw_columns,
        label=label,
        row_sql=row_sql,
        clean=lambda sql: _clean(sql, source.null_values),
        run=run,
    )
    read = _count_read(con, name, folded.table, fmt if con.name == "duckdb" else "")
    malformed = read.malformed
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


def _typed_attribute(text_sql: str, field_type: FieldType | None, source: Source) -> str:
    """A per-case attribute derived from events, read as its type (text stays text)."""
    if field_type is None or field_type is FieldType.TEXT:
        return text_sql
    log_format = source.events.format if source.events is not None else None
    return parse_text_as(field_type, text_sql, ColumnMapping(column="-", format=log_format))


def _stage_table(con: Any, raw: str, source: Source, override: str | None) -> tuple[str, ...]:
    """raw_<source> over a table of the engine's own database or catalog."""
    if override is not None:
        raise RecordsError(
            "--records replaces a file path; this source is a table", source.table or ""
        )
    if con.name == "duckdb":
        raise RecordsError(
            "a table source is read where it lives: set engine: to its database "
            "(postgresql://user@host/db) or to spark",
            source.table or "",
        )
    return (con.stage_table(raw, source.table),)


def _stage_files(
    con: Any, raw: str, fmt: str, files: tuple[str, ...], source: Source
) -> RawRead | None:
    """raw_<source> over files, on an engine other than DuckDB (Spark reads them itself)."""
    if con.name != "spark":
        raise RecordsError(
            f"the {con.name} engine reads tables, not files: name the table under table:, "
            "or run files with --engine duckdb or spark",
            files[0],
        )
    from promise_audit.records.formats import READERS

    if fmt in READERS:
        raise RecordsError(
            f"the {fmt} reader runs on the duckdb engine only: run with --engine duckdb",
            files[0],
        )
    con.stage_files(raw, fmt, files, source)
    return None


def _parse(con: Any, parse_sql: str, raw: str, label: str) -> None:
    """Run the parse; a strict CSV view that fails mid-file is read again, leniently."""
    import duckdb

    try:
        con.execute(parse_sql)
        return
    except duckdb.Error as exc:
        view = con.execute(
            "SELECT sql FROM duckdb_views() WHERE view_name = ?", [raw.strip('"')]
        ).fetchone()
        if view is None or "strict_mode=true" not in view[0]:
            raise RecordsError(_duckdb_message(exc), label) from None
        lenient_view = _lenient(view[0])
    try:
        con.execute(lenient_view.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        con.execute(parse_sql)
    except duckdb.Error as exc:
        raise RecordsError(_duckdb_message(exc), label) from None


def _count_read(con: Any, name: str, parsed_table: str, fmt: str) -> RawRead:
    parsed = int(con.execute(f"SELECT count(*) FROM {parsed_table}").fetchone()[0])
    if fmt not in ("csv", "tsv"):
        return RawRead(read=parsed)
    malformed = int(
        con.execute(
            f"SELECT count(DISTINCT (file_id, line)) FROM {quote(f'rejects_{name}')}"
        ).fetchone()[0]
    )
    return RawRead(read=parsed + malformed, malformed=malformed)


def _check_text(path: str, encoding: str = "utf-8") -> None:
    """Refuse, naming the file, what the text readers would misread as a header of odd
    columns: a file empty once decompressed, UTF-16 text, binary data."""
    name = path.lower()
    if name.endswith((".zst", ".zstd", ".bz2", ".xz", ".lz4", ".zip", ".snappy")):
        return  # compressed in a way only the reader opens: it says what it finds
    opener: Any = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            head: bytes = handle.read(64 * 1024)
    except (OSError, EOFError):
        return  # not gzip after all, or truncated: the reader says so
    if not head.strip():
        raise RecordsError("the file is empty (not even a header row)", path)
    if encoding != "utf-8":
        return  # declared: decoded (and checked) by the transcoding reader
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordsError(
            "the file is UTF-16 text: declare encoding: utf-16 in its source, or save it as UTF-8",
            path,
        )
    first_line, newline, _ = head.partition(b"\n")
    if b"\x00" in first_line:
        raise RecordsError("the file holds binary data, not text (a NUL byte in line 1)", path)
    try:
        # a line longer than what was read may end inside a character: not an error
        codecs.getincrementaldecoder("utf-8")().decode(first_line, final=bool(newline))
    except UnicodeDecodeError as exc:
        raise RecordsError(
            f"line 1 is not UTF-8 text (byte 0x{first_line[exc.start]:02x} at column "
            f"{exc.start + 1}): save or export the file as UTF-8",
            path,
        ) from None


def _is_reserved(column: str) -> bool:
    name = column.lower()  # the engine's names are case-insensitive
    return name in RESERVED_COLUMNS or name.startswith(RESERVED_PREFIXES)


def _in_range(value: str) -> str:
    """SQL: the timestamp is within FIRST_YEAR..LAST_YEAR (infinity is not)."""
    low = f"TIMESTAMPTZ '{FIRST_YEAR:04d}-01-01 00:00:00+00'"
    high = f"TIMESTAMPTZ '{LAST_YEAR + 1:04d}-01-01 00:00:00+00'"
    return f"{value} >= {low} AND {value} < {high}"


def _invalid_cases(checked: Mapping[str, tuple[str, bool]]) -> dict[str, str]:
    """For each checked field, the WHEN branches of a CASE giving why its value is invalid
    (NULL when it is valid or missing), in the order they are tried: `unparseable` (present
    but unreadable), `out_of_range` (a timestamp outside FIRST_YEAR..LAST_YEAR, or infinity),
    `negative` (a duration), `before_<start>` (an end before its start, see ORDERED_FIELDS;
    only a valid start is compared, so an impossible start never invalidates its end)."""
    cases: dict[str, str] = {}
    for field_name, field_type in CANONICAL_FIELDS.items():
        if field_name not in checked:
            continue
        value = quote(field_name)
        whens: list[str] = []
        if checked[field_name][1]:
            whens.append(
                f"WHEN {quote(f'_text_{field_name}')} IS NOT NULL AND {value} IS NULL "
                "THEN 'unparseable'"
            )
        if field_type is FieldType.TIMESTAMP:
            whens.append(
                f"WHEN {value} IS NOT NULL AND NOT ({_in_range(value)}) THEN 'out_of_range'"
            )
        elif field_type is FieldType.DURATION:
            whens.append(f"WHEN {value} < 0 THEN 'negative'")
        for start, end in ORDERED_FIELDS:
            if end != field_name:
                continue
            if start == "initiated_at":  # a record whose start cannot be read is rejected
                whens.append(f"WHEN {value} < initiated_at THEN 'before_initiated_at'")
            elif start in cases:  # checked, and earlier in the canonical order
                whens.append(
                    f"WHEN (CASE {cases[start]} END) IS NULL AND {value} < {quote(start)} "
                    f"THEN {text_literal(f'before_{start}')}"
                )
        cases[field_name] = " ".join(whens) or "WHEN false THEN 'unparseable'"
    return cases


def _required_text(
    field_name: str,
    source: Source,
    cleaned: Mapping[str, str],
    lower_columns: Mapping[str, str],
    label: str,
) -> str:
    mapping = source.columns.get(field_name) or ColumnMapping(
        column=field_name if field_name in cleaned else lower_columns[field_name]
    )
    text, _, _ = _field_source_sql(field_name, mapping, cleaned, label)
    return f"nullif(trim(CAST({text} AS VARCHAR)), '')"


# What each derived field is derived from (see `_derivation`): reading the field reads these.
DERIVATION_INPUTS: dict[str, tuple[str, ...]] = {
    "wait_seconds": ("enqueued_at", "answered_at", "answered", "ended_at"),
    "abandoned": ("enqueued_at", "answered_at", "answered", "ended_at", "wait_seconds"),
    "answered": ("answered_at",),
    "longest_hold_seconds": ("hold_seconds", "hold_count"),
    "escalated": ("escalations",),
}


def derive_available(provided: frozenset[str]) -> frozenset[str]:
    available = set(provided)
    if "enqueued_at" in provided and ({"answered_at", "ended_at"} & provided):
        available.add("wait_seconds")
    if "answered_at" in provided and ({"enqueued_at", "wait_seconds"} & provided):
        available.add("abandoned")
    if "longest_hold_seconds" not in provided and {"hold_seconds", "hold_count"} <= provided:
        available.add("longest_hold_seconds")
    if "escalated" not in provided and "escalations" in provided:
        available.add("escalated")
    if "answered_at" in provided:
        available.add("answered")
    return frozenset(available)


def _derived_select(
    provided: frozenset[str],
    attributes: tuple[str, ...],
    as_of: str,
    invalid: Mapping[str, str] | None = None,
) -> str:
    """The canonical columns, each from the source or derived, NULL where neither; a field in
    `invalid` (SQL giving why its value is invalid, or NULL) is NULL where it is invalid, and
    its reason is the column `_invalid_<field>`."""
    invalid = invalid or {}
    parts: list[str] = []
    for field_name, field_type in CANONICAL_FIELDS.items():
        # a field the source gives has its gaps filled only with what another value proves
        fill = _gap_fill if field_name in provided else _derivation
        derived = fill(field_name, provided - {field_name}, as_of)
        if field_name in provided:
            # a value the source gives is never overwritten; a derivation fills its gaps
            value = f"coalesce({quote(field_name)}, {derived})" if derived else quote(field_name)
        else:
            value = f"CAST({derived or 'NULL'} AS {SQL_TYPES[field_type]})"
        if field_name in invalid:
            value = f"CASE WHEN ({invalid[field_name]}) IS NULL THEN {value} END"
            parts.append(f"{invalid[field_name]} AS {quote(f'_invalid_{field_name}')}")
        parts.append(f"{value} AS {quote(field_name)}")
    parts += [quote(a) for a in attributes]
    return ", ".join(parts)


def invalid_reasons(
    provided: frozenset[str], checked: Collection[str], as_of: str
) -> dict[str, str]:
    """SQL, over the parsed table, for why each field's value is invalid (NULL where it is
    valid or simply missing), for every field that can be: a field checked as it was read
    (its own reason: `unparseable`, `negative` ...), and a derived field whose derivation
    would read an invalid input (`invalid_<input>`): a call whose answer time is impossible
    has no derived wait and is not an abandon, rather than a wait that runs to its end."""
    reasons: dict[str, str] = {}
    for field_name in CANONICAL_FIELDS:
        inputs = _derivation_inputs(field_name, provided - {field_name}, as_of)
        steps = [
            f"WHEN {quote(f'_invalid_{source}')} IS NOT NULL AND {condition} "
            f"THEN {text_literal(f'invalid_{source}')}"
            for condition, source in inputs
            if source in checked
        ]
        derived = f"CASE {' '.join(steps)} END" if steps else None
        own = quote(f"_invalid_{field_name}") if field_name in checked else None
        if own is not None and derived is not None:
            # a derivation only fills a value the source left out
            reasons[field_name] = (
                f"coalesce({own}, CASE WHEN {quote(field_name)} IS NULL THEN {derived} END)"
            )
        elif own is not None or derived is not None:
            reasons[field_name] = own or derived or ""
    return reasons


def _derivation_inputs(
    field_name: str, provided: frozenset[str], as_of: str
) -> list[tuple[str, str]]:
    """The inputs `_derivation` reads for a field, in order, each with the condition under
    which it is read (a wait ends at the answer, or at the end of a call never answered)."""
    if _derivation(field_name, provided, as_of) is None:
        return []
    answered = "answered_at" if "answered_at" in provided else "CAST(NULL AS TIMESTAMPTZ)"
    if field_name == "wait_seconds":
        return [
            ("true", "enqueued_at"),
            ("enqueued_at IS NOT NULL", "answered_at"),
            (f"enqueued_at IS NOT NULL AND {answered} IS NULL", "ended_at"),
        ]
    if field_name == "abandoned":
        queued = "enqueued_at" if "enqueued_at" in provided else "wait_seconds"
        return [
            ("true", queued),
            (f"{queued} IS NOT NULL", "answered_at"),
            (f"{queued} IS NOT NULL AND {answered} IS NULL", "ended_at"),
        ]
    if field_name == "longest_hold_seconds":
        return [("true", "hold_count"), ("true", "hold_seconds")]
    if field_name == "escalated":
        return [("true", "escalations")]
    if field_name == "answered":
        return [("true", "answered_at")]
    return []


def _derivation(field_name: str, provided: frozenset[str], as_of: str) -> str | None:
    """SQL deriving a field from others. Events after as_of have not happened yet: a call
    answered or ended after as_of is still waiting at as_of (no wait yet, not abandoned)."""
    null_time = "CAST(NULL AS TIMESTAMPTZ)"
    answered = "answered_at" if "answered_at" in provided else null_time
    ended = "ended_at" if "ended_at" in provided else null_time
    answered_by = f"CASE WHEN {answered} <= {as_of} THEN {answered} END"
    ended_by = f"CASE WHEN {ended} <= {as_of} THEN {ended} END"
    if field_name == "wait_seconds" and "enqueued_at" in provided:
        if not {"answered_at", "ended_at"} & provided:
            return None
        # answered at a time the source does not give: the wait is unknown, not the whole call
        untimed = "WHEN coalesce(answered, false) THEN NULL " if "answered" in provided else ""
        return (
            f"CASE WHEN enqueued_at IS NULL THEN NULL "
            f"WHEN {answered_by} IS NOT NULL THEN epoch({answered_by}) - epoch(enqueued_at) "
            f"{untimed}"
            f"WHEN {answered} IS NULL THEN epoch({ended_by}) - epoch(enqueued_at) END"
        )
    if field_name == "abandoned" and "answered_at" in provided:
        if "enqueued_at" in provided:
            queued = "enqueued_at IS NOT NULL"
        elif "wait_seconds" in provided:
            queued = "wait_seconds IS NOT NULL"
        else:
            return None
        if "answered" in provided:
            # the source says a person answered, even where it has no time for it
            answered_by = f"CASE WHEN coalesce(answered, false) THEN {as_of} ELSE {answered_by} END"
        return (
            f"CASE WHEN NOT ({queued}) OR {answered_by} IS NOT NULL THEN false "
            f"WHEN {answered} IS NOT NULL OR {ended} > {as_of} THEN NULL ELSE true END"
        )
    if field_name == "longest_hold_seconds" and {"hold_seconds", "hold_count"} <= provided:
        return "CASE WHEN hold_count <= 1 THEN hold_seconds END"
    if field_name == "escalated" and "escalations" in provided:
        return "escalations > 0"
    if field_name == "answered" and "answered_at" in provided:
        # answered by as_of when answered_at is; an answer after as_of has not happened yet
        return f"CASE WHEN {answered} IS NULL THEN false WHEN {answered} <= {as_of} THEN true END"
    return None


def _gap_fill(field_name: str, provided: frozenset[str], as_of: str) -> str | None:
    """SQL filling the gaps of a field the source gives itself. A source that states a field
    (a platform reader writing `abandoned`, say) leaves it missing where the export is silent;
    a gap is filled only where another stated value proves the answer (an answer time proves
    the contact was answered, and not abandoned), never from the absence of a value."""
    answered_by = f"CASE WHEN answered_at <= {as_of} THEN answered_at END"
    if field_name == "answered" and "answered_at" in provided:
        return f"CASE WHEN {answered_by} IS NOT NULL THEN true END"
    if field_name == "abandoned" and "answered_at" in provided:
        return f"CASE WHEN {answered_by} IS NOT NULL THEN false END"
    if field_name in ("answered", "abandoned"):
        return None
    return _derivation(field_name, provided, as_of)


def finish_source(con: Any, staged: StagedSource, as_of: dt.datetime | None) -> LoadedRecords:
    """De-duplicate, set aside records after as_of, and count everything."""
    parsed = staged.table
    table = quote(f"contacts_{staged.name}")
    as_of_sql = f"TIMESTAMPTZ {text_literal(as_of.isoformat())}" if as_of else "NULL"
    any_invalid = " OR ".join(f"{quote(f'_invalid_{f}')} IS NOT NULL" for f in staged.checked)
    # a field the source gives but leaves empty on every record it holds gives nothing: a
    # promise that needs it cannot be audited (an invalid value is not empty)
    given = [f for f in CANONICAL_FIELDS if f in staged.provided and f not in REQUIRED_FIELDS]
    filled = [
        f"count(*) FILTER (WHERE _reject IS NULL AND ({quote(f)} IS NOT NULL"
        + (f" OR {quote(f'_invalid_{f}')} IS NOT NULL))" if f in staged.checked else "))")
        for f in given
    ]
    checked = list(staged.checked)
    invalid_counts = [
        f"count(*) FILTER (WHERE _reject IS NULL AND {quote(f'_invalid_{f}')} IS NOT NULL)"
        for f in checked
    ]
    rejected_rows, duplicates, rows_with_invalid, accepted, *per_field = (
        int(v)
        for v in con.execute(
            f"""
            SELECT
                count(*) FILTER (WHERE _reject IS NOT NULL),
                count(*) FILTER (WHERE _reject IS NULL)
                  - count(DISTINCT contact_id) FILTER (WHERE _reject IS NULL),
                count(*) FILTER (WHERE _reject IS NULL AND ({any_invalid or "false"})),
                count(*) FILTER (WHERE _reject IS NULL)
                {"".join(", " + f for f in [*filled, *invalid_counts])}
            FROM {parsed}
            """
        ).fetchone()
    )
    filled_counts, invalid_per_field = per_field[: len(filled)], per_field[len(filled) :]
    empty = tuple(f for f, n in zip(given, filled_counts, strict=True) if accepted and not n)
    provided = staged.provided - frozenset(empty)
    # every field checked has an `_invalid_` column, and so has every field derived from one;
    # where no record has an invalid value it is a constant null, not a CASE on every record
    with_invalid = {f for f, n in zip(checked, invalid_per_field, strict=True) if n}
    invalid = invalid_reasons(provided, with_invalid, as_of_sql)
    every = invalid_reasons(provided, set(checked) - set(empty), as_of_sql)
    always_valid = [
        f
        for f in CANONICAL_FIELDS
        if (f in every and f not in invalid) or (f in empty and f in staged.checked)
    ]
    nulls = "".join(f", CAST(NULL AS VARCHAR) AS {quote(f'_invalid_{f}')}" for f in always_valid)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT {_derived_select(provided, staged.attributes, as_of_sql, invalid)}{nulls}
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY contact_id ORDER BY _file_index, _row) AS _copy
            FROM {parsed} WHERE _reject IS NULL
        ) AS copies
        WHERE _copy = 1 AND ({as_of_sql} IS NULL OR initiated_at <= {as_of_sql})
        ORDER BY initiated_at, contact_id
        """
    )
    used = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    invalid_table = _list_invalid_values(con, staged, as_of_sql, listed=rows_with_invalid > 0)
    by_field: dict[str, dict[str, int]] = {}
    for field_name, reason, count in con.execute(
        f"SELECT field, reason, count(*) FROM {invalid_table} GROUP BY field, reason "
        "ORDER BY field, reason"
    ).fetchall():
        by_field.setdefault(str(field_name), {})[str(reason)] = int(count)
    invalid_sample = tuple(
        InvalidValue(str(file), int(row), str(field_name), str(column), str(reason), value)
        for file, row, field_name, column, reason, value in con.execute(
            f"SELECT _file, _row, field, source_column, reason, value FROM {invalid_table} "
            f"ORDER BY _file_index, _row, _field_order LIMIT {REJECT_SAMPLE}"
        ).fetchall()
    )
    problems = staged.event_problems
    if problems is not None and problems.unreadable:
        # events with an unreadable time: invalid values of `event_at` (left out of the fold)
        by_field[EVENT_AT] = {"unparseable": problems.unreadable}
        unreadable_events = tuple(
            InvalidValue(file, row, EVENT_AT, column, "unparseable", value)
            for file, row, column, value in problems.unreadable_sample
        )
        invalid_sample = (unreadable_events + invalid_sample)[:REJECT_SAMPLE]
    raw = staged.raw
    parser_rejected = raw.malformed
    duplicates += raw.duplicates
    out_of_period = (
        raw.read - parser_rejected - rejected_rows - duplicates - raw.stitched - raw.folded - used
    )
    by_reason: dict[str, int] = {}
    for reason, count in con.execute(
        f"SELECT _reject, count(*) FROM {parsed} WHERE _reject IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        by_reason[str(reason)] = int(count)
    if parser_rejected:
        by_reason["malformed_row"] = parser_rejected
    sample = list(staged.parser_rejects)
    for file, row, reason, column, value in con.execute(
        f"SELECT _file, _row, _reject, _reject_column, _reject_value FROM {parsed} "
        f"WHERE _reject IS NOT NULL ORDER BY _file_index, _row LIMIT {REJECT_SAMPLE}"
    ).fetchall():
        sample.append(Reject(str(file), int(row), None, column, str(reason), value))
    accounting = Accounting(
        read=raw.read,
        rejected=rejected_rows + parser_rejected,
        duplicates=duplicates,
        out_of_period=out_of_period,
        used=used,
        rejects_by_reason=dict(sorted(by_reason.items())),
        reject_sample=tuple(sample[:REJECT_SAMPLE]),
        files=staged.files,
        stitched=raw.stitched,
        folded=raw.folded,
        cases=raw.cases,
        invalid=sum(sum(reasons.values()) for reasons in by_field.values()),
        invalid_by_field=by_field,
        invalid_sample=invalid_sample,
        fields_checked=tuple(f for f in CANONICAL_FIELDS if f in staged.provided),
        fields_empty=empty,
    )
    # only the rejects are read again (for --rejects); drop the accepted rows' parsed copy
    # (a Spark view cannot be changed, and its cache is dropped with the session)
    if con.name != "spark":
        con.execute(f"DELETE FROM {parsed} WHERE _reject IS NULL")
    return LoadedRecords(
        name=staged.name,
        table=table,
        available=derive_available(provided),
        attributes=staged.attributes,
        accounting=accounting,
        invalid_fields=frozenset(invalid) | frozenset(always_valid),
        invalid_found=frozenset(invalid),
        attribute_types=staged.attribute_types,
    )


def _list_invalid_values(con: Any, staged: StagedSource, as_of_sql: str, *, listed: bool) -> str:
    """`invalid_<source>`: one row per invalid value of a record the audit uses (the first
    copy of its contact id, initiated by as_of), in file order. Only the records with an
    invalid value are looked at again, and only when there are some (`listed`)."""
    table = quote(f"invalid_{staged.name}")
    parsed = staged.table
    checked = [f for f in CANONICAL_FIELDS if f in staged.checked]
    any_invalid = " OR ".join(f"{quote(f'_invalid_{f}')} IS NOT NULL" for f in checked)
    if not listed or not checked:
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT CAST(NULL AS VARCHAR) AS _file, "
            "CAST(NULL AS BIGINT) AS _file_index, CAST(NULL AS BIGINT) AS _row, "
            "CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS source_column, "
            "CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS value, "
            "CAST(NULL AS INTEGER) AS _field_order WHERE false"
        )
        return table
    parts = [
        f"SELECT _file, _file_index, _row, {text_literal(f)} AS field, "
        f"{text_literal(staged.checked[f])} AS source_column, "
        f"{quote(f'_invalid_{f}')} AS reason, {quote(f'_bad_{f}')} AS value, "
        f"{list(CANONICAL_FIELDS).index(f)} AS _field_order "
        f"FROM used_invalid WHERE {quote(f'_invalid_{f}')} IS NOT NULL"
        for f in checked
    ]
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        WITH flagged AS (
            SELECT DISTINCT contact_id FROM {parsed} WHERE _reject IS NULL AND ({any_invalid})
        ), copies AS (
            SELECT p.*, row_number() OVER (
                PARTITION BY p.contact_id ORDER BY p._file_index, p._row) AS _copy
            FROM {parsed} p
            WHERE p._reject IS NULL AND p.contact_id IN (SELECT contact_id FROM flagged)
        ), used_invalid AS (
            SELECT * FROM copies
            WHERE _copy = 1 AND ({any_invalid})
              AND ({as_of_sql} IS NULL OR initiated_at <= {as_of_sql})
        )
        {" UNION ALL ".join(parts)}
        """
    )
    return table


def check_rejected_share(
    con: Any, staged: StagedSource, accounting: Accounting, source: Source
) -> None:
    """Stop the audit when a larger share of the source's rows than its `max_rejected` is
    rejected or holds a value that cannot be read: its records are then mostly misread (a
    day-first date read month-first cannot read the days after the 12th and misdates the
    rest), and no count would mean much. An impossible value (a negative duration, an end
    before its start) is the export's error, not the mapping's, and does not count."""
    read = accounting.read
    if not read:
        return
    invalid = quote(f"invalid_{staged.name}")
    unreadable_rows = int(
        con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT _file_index, _row FROM {invalid} "
            "WHERE reason = 'unparseable') AS unreadable"
        ).fetchone()[0]
    )
    unusable = accounting.rejected + unreadable_rows
    problems = staged.event_problems
    if problems is not None:
        _check_event_log_share(con, staged, accounting, source, problems, unreadable_rows)
        return
    if unusable / read <= source.max_rejected:
        return
    causes = dict(accounting.rejects_by_reason)
    for field_name, reasons in accounting.invalid_by_field.items():
        if reasons.get("unparseable"):
            causes[f"unparseable {field_name}"] = reasons["unparseable"]
    cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
    example = _first_example(con, staged, cause)
    where = (
        (f"row {example.row}" if example.row is not None else f"line {example.line}")
        + (f" of {Path(example.file).name}" if len(staged.files) > 1 else "")
        + (f", column {example.column!r}" if example.column else "")
        + (f", value {_shortened(example.value)!r}" if example.value is not None else "")
        if example is not None
        else "no example kept"
    )
    hint = "set max_rejected: on the source to accept more"
    field_name = cause.removeprefix("unparseable").removeprefix("_").strip()
    if cause.startswith("unparseable") and CANONICAL_FIELDS.get(field_name) is FieldType.TIMESTAMP:
        hint = (
            f"check the format: of {field_name} (a day-first date read month-first, or the "
            f"reverse?), or {hint}"
        )
    what = "records rejected" if not unreadable_rows else "records rejected or unreadable"
    raise RecordsError(
        f"{unusable:,} of {read:,} {what} ({_percent(unusable / read)}, more than "
        f"max_rejected {_percent(source.max_rejected)}); mostly {cause} ({count:,}), first "
        f"at {where}: {hint}",
        staged.files[0] if len(staged.files) == 1 else str(Path(staged.files[0]).parent),
    )


def _check_event_log_share(
    con: Any,
    staged: StagedSource,
    accounting: Accounting,
    source: Source,
    problems: EventProblems,
    unreadable_cases: int,
) -> None:
    """max_rejected on an event log, checked twice, each share at most max_rejected:

    - of the events read, those it could not use: rows the file parser could not split, events
      with no case, and events whose time cannot be read;
    - of the cases, those rejected (no readable start) or holding a value that cannot be read
      (an invalid `first_at` an unreadable event decides, say), as for a contact record.
    """
    label = staged.files[0] if len(staged.files) == 1 else str(Path(staged.files[0]).parent)
    limit = source.max_rejected
    malformed = staged.raw.malformed
    events_read = accounting.read
    unusable = malformed + problems.without_case + problems.unreadable
    if unusable / events_read > limit:
        causes = {
            "malformed_row": malformed,
            "missing case": problems.without_case,
            "unparseable event time": problems.unreadable,
        }
        cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
        where = ""
        if cause == "unparseable event time" and problems.unreadable_sample:
            _file, row, column, value = problems.unreadable_sample[0]
            where = f", first at row {row}, column {column!r}, value {_shortened(value)!r}"
        hint = (
            "check events.format (a day-first date read month-first, or the reverse?), or "
            if cause == "unparseable event time"
            else ""
        )
        raise RecordsError(
            f"{unusable:,} of {events_read:,} events unusable ({_percent(unusable / events_read)}"
            f", more than max_rejected {_percent(limit)}); mostly {cause} ({count:,}){where}: "
            f"{hint}set max_rejected: on the source to accept more",
            label,
        )
    cases = accounting.cases - problems.without_case
    rejected_cases = accounting.rejected - malformed - problems.without_case
    unusable = rejected_cases + unreadable_cases
    if cases and unusable / cases > limit:
        causes = dict(accounting.rejects_by_reason)
        causes.pop("malformed_row", None)
        if "missing_contact_id" in causes:
            causes["missing_contact_id"] -= problems.without_case
        for field_name, reasons in accounting.invalid_by_field.items():
            if field_name != EVENT_AT and reasons.get("unparseable"):
                causes[f"unparseable {field_name}"] = reasons["unparseable"]
        cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
        example = _first_example(con, staged, cause)
        where = (
            f", first at row {example.row}"
            + (f", column {example.column!r}" if example.column else "")
            + (f", value {_shortened(example.value)!r}" if example.value is not None else "")
            if example is not None
            else ""
        )
        raise RecordsError(
            f"{unusable:,} of {cases:,} cases rejected or unreadable "
            f"({_percent(unusable / cases)}, more than max_rejected {_percent(limit)}); mostly "
            f"{cause} ({count:,}){where}: set max_rejected: on the source to accept more",
            label,
        )


def _first_example(con: Any, staged: StagedSource, cause: str) -> Reject | None:
    """The first row of a cause: a reject reason, or `unparseable <field>`."""
    if not cause.startswith("unparseable "):
        return _first_reject(con, staged, cause)
    row = con.execute(
        f"SELECT _file, _row, source_column, value FROM {quote(f'invalid_{staged.name}')} "
        f"WHERE reason = 'unparseable' AND field = {text_literal(cause.split(' ', 1)[1])} "
        "ORDER BY _file_index, _row LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    file, number, column, value = row
    return Reject(str(file), int(number), None, column, cause, value)


def _first_reject(con: Any, staged: StagedSource, reason: str) -> Reject | None:
    if reason == "malformed_row":
        return staged.parser_rejects[0] if staged.parser_rejects else None
    row = con.execute(
        f"SELECT _file, _row, _reject_column, _reject_value FROM {staged.table} "
        f"WHERE _reject = {text_literal(reason)} ORDER BY _file_index, _row LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    file, number, column, value = row
    return Reject(str(file), int(number), None, column, reason, value)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".0%", "%")


def _shortened(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
