"""A source's files read as text columns (`raw_<source>`), in the engine: DuckDB's readers for
plain files (a workbook's first sheet through a CSV copy), a platform reader for a platform's
export, the engine's own table or reader elsewhere. The CSV parser's rejects (malformed rows)
are kept aside and counted with the rows read."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.column_types import TYPED_PREFIX, is_typed_column
from promise_audit.records.formats import READERS
from promise_audit.records.raw import (
    FILE_COLUMN,
    RawRead,
    csv_scan,
    original_file,
    quote,
    text_literal,
)
from promise_audit.records.types import REJECT_SAMPLE, Reject

# a platform reader: (connection, raw table, files, source) -> its accounting
Reader = Callable[[Any, str, tuple[str, ...], Source], RawRead]

# DuckDB's Parquet reader numbers each file's rows from 0 in this column (file_row_number=true)
ROW_COLUMN = "file_row_number"


def reader_for(name: str) -> Reader:
    """The platform format's reader (records/formats/), imported when it is first read."""
    module = import_module(f"promise_audit.records.formats.{READERS[name]}")
    read: Reader = module.read
    return read


def read_raw(
    con: Any,
    name: str,
    fmt: str,
    files: tuple[str, ...],
    source: Source,
    *,
    typed: bool = False,
    numbered: bool = True,
) -> RawRead | None:
    """Create raw_<name>: one text column per source column, plus _file, in file order; with
    `typed`, a Parquet or JSON file's typed columns also as they are; with `numbered`, each
    row's place in the scan as `_n` (see create_raw).

    A platform reader builds a table and returns its accounting. A plain file becomes a view
    over DuckDB's reader, scanned once by the parse that follows (its count comes after)."""
    import duckdb

    if fmt in READERS:
        return reader_for(fmt)(con, f"raw_{name}", files, source)

    listed = "[" + ", ".join(text_literal(f) for f in files) + "]"
    renamed: dict[str, str] = {}
    raw = quote(f"raw_{name}")
    if fmt == "xlsx":
        # the first sheet, as CSV text: cells as Excel shows them, dates as ISO 8601
        renamed = sheets_as_csv(files)
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
        # a Parquet or JSON reader gives typed columns, kept typed beside their text
        typed = typed and fmt in ("json", "jsonl", "parquet")
        create_raw(con, raw, reader, renamed=renamed, typed=typed, numbered=numbered)
    except duckdb.Error as exc:
        if "strict_mode=true" not in reader:
            raise RecordsError(duckdb_message(exc), files[0]) from None
        create_raw(con, raw, lenient(reader), files[0], renamed=renamed, numbered=numbered)
    return None


def lenient(reader: str) -> str:
    """A strict CSV reader stops at the first row that breaks RFC 4180 (a bare carriage return
    inside an unquoted field); the lenient one reads on and rejects the broken pieces."""
    return reader.replace("strict_mode=true", "strict_mode=false")


def create_raw(
    con: Any,
    raw: str,
    reader: str,
    label: str | None = None,
    renamed: dict[str, str] | None = None,
    *,
    typed: bool = False,
    numbered: bool = True,
) -> None:
    """raw_<name>: a view over the reader, every source column as text, with `_file` and,
    `numbered`, `_n` (the row's place in the scan, from which an event log's fold numbers each
    file's rows). With a `label`, a reader that fails is a RecordsError naming it. With
    `typed`, a column of a type a field can take as it is also appears typed, as TYPED_PREFIX +
    its name (records/typed.py); the view computes only the columns the parse uses, so either
    costs nothing unused.

    Unnumbered, the view is the reader itself, read once by the parse, which stores the rows
    in scan order and numbers them by their place in its table (records/stage.py): nothing is
    held or stored before the parse. A Parquet reader numbers the rows itself: the view's `_n`
    is then each row's data row in its file (1-based), and the order they are stored in does
    not matter."""
    import duckdb

    try:
        columns = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        # each row's number in its file, from a Parquet reader (unless the export has a
        # column of that name): the parse need not store the rows in scan order to number
        # them, so it runs on every core (records/stage.py)
        row_numbered = (
            not numbered
            and reader.startswith("read_parquet(")
            and all(c[0] != ROW_COLUMN for c in columns)
        )
        if row_numbered:
            reader = reader[:-1] + ", file_row_number=true)"
        casts = []
        kept = []  # typed columns: stored as they are, cast to text in the view
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
            if typed and is_typed_column(column_type):
                kept.append(column_name)
            casts.append(f"{cast} AS {column}")
        file_sql = original_file(quote(FILE_COLUMN), renamed or {})
        typed_copies = "".join(f", {quote(name)} AS {quote(TYPED_PREFIX + name)}" for name in kept)
        if not numbered:
            row = f"{ROW_COLUMN} + 1 AS _n, " if row_numbered else ""
            con.execute(
                f"CREATE OR REPLACE VIEW {raw} AS SELECT {file_sql} AS _file, {row}"
                f"{', '.join(casts)}{typed_copies} FROM {reader}"
            )
            return
        if con.on_disk:
            # Under a memory limit the rows are stored first, in file order (DuckDB keeps the
            # insertion order), and numbered by their place in the table: a window over the
            # scan would hold, and spill, every column of every row (110 s of 187 s at 10M)
            rows = quote(f"{raw.strip(chr(34))}_rows")
            names = [c[0] for c in columns if c[0] != FILE_COLUMN]
            stored = [
                quote(name) if name in kept else cast
                for name, cast in zip(names, casts, strict=True)
            ]
            # in the columns' order, each typed one cast to text here, and also as it is
            shown = [
                f"CAST(t.{quote(name)} AS VARCHAR) AS {quote(name)}"
                if name in kept
                else f"t.{quote(name)}"
                for name in names
            ] + [f"t.{quote(name)} AS {quote(TYPED_PREFIX + name)}" for name in kept]
            con.execute(
                f"CREATE OR REPLACE TABLE {rows} AS SELECT {file_sql} AS _file, "
                f"{', '.join(stored)} FROM {reader}"
            )
            con.execute(
                f"CREATE OR REPLACE VIEW {raw} AS SELECT t._file, t.rowid - f._first + 1 AS _n, "
                f"{', '.join(shown)} FROM {rows} t JOIN (SELECT _file, min(rowid) AS _first "
                f"FROM {rows} GROUP BY _file) f ON t._file IS NOT DISTINCT FROM f._file"
            )
            return
        con.execute(
            f"CREATE OR REPLACE VIEW {raw} AS SELECT {file_sql} AS _file, "
            f"row_number() OVER () AS _n, {', '.join(casts)}{typed_copies} FROM {reader}"
        )
    except duckdb.Error as exc:
        if label is None:
            raise
        raise RecordsError(duckdb_message(exc), label) from None


def sheets_as_csv(files: tuple[str, ...]) -> dict[str, str]:
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


def duckdb_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: ", "Binder Error: "):
        text = text.removeprefix(prefix)
    return f"cannot read the records: {text}"


def malformed_rows(con: Any, name: str, limit: int | None = None) -> list[tuple[Any, ...]]:
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


def parser_rejects(con: Any, name: str) -> tuple[Reject, ...]:
    return tuple(
        Reject(str(path), None, int(line), column, str(reason), text)
        for path, line, column, reason, text in malformed_rows(con, name, REJECT_SAMPLE)
    )


def stage_table(con: Any, raw: str, source: Source, override: str | None) -> tuple[str, ...]:
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


def stage_files(
    con: Any, raw: str, fmt: str, files: tuple[str, ...], source: Source
) -> RawRead | None:
    """raw_<source> over files, on an engine other than DuckDB (Spark reads them itself)."""
    if con.name != "spark":
        raise RecordsError(
            f"the {con.name} engine reads tables, not files: name the table under table:, "
            "or run files with --engine duckdb or spark",
            files[0],
        )
    if fmt in READERS:
        raise RecordsError(
            f"the {fmt} reader runs on the duckdb engine only: run with --engine duckdb",
            files[0],
        )
    con.stage_files(raw, fmt, files, source)
    return None


def run_parse(con: Any, parse_sql: str, raw: str, label: str) -> None:
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
            raise RecordsError(duckdb_message(exc), label) from None
        lenient_view = lenient(view[0])
    try:
        con.execute(lenient_view.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        con.execute(parse_sql)
    except duckdb.Error as exc:
        raise RecordsError(duckdb_message(exc), label) from None


def count_read(con: Any, name: str, parsed_table: str, fmt: str) -> RawRead:
    parsed = int(con.execute(f"SELECT count(*) FROM {parsed_table}").fetchone()[0])
    if fmt not in ("csv", "tsv"):
        return RawRead(read=parsed)
    malformed = int(
        con.execute(
            f"SELECT count(DISTINCT (file_id, line)) FROM {quote(f'rejects_{name}')}"
        ).fetchone()[0]
    )
    return RawRead(read=parsed + malformed, malformed=malformed)
