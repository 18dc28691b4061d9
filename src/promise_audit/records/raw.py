"""Reading a source's files as text rows: the pieces every reader shares (the CSV reader,
SQL quoting, the file column, a reader's own accounting), below the pipeline (read, stage) and
the platform readers alike."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source

# A platform reader's column listing, space-separated, the canonical fields whose value the
# export does not give for that record (not "no event yet": unknown); promises that need one
# exclude the record as missing_<field>.
UNKNOWN_FIELDS = "_unknown_fields"


# The column the file readers add with each row's file name; a name no export uses, so that a
# source column called `filename` is read like any other.
FILE_COLUMN = "__promise_audit_file"


@dataclass(frozen=True)
class RawRead:
    """What reading a source's files gave, before parsing (a reader's own accounting)."""

    read: int  # records in the files
    malformed: int = 0  # rows the file parser could not read (counted as rejected)
    duplicates: int = 0  # copies a platform reader dropped (e.g. at-least-once delivery)
    stitched: int = 0  # legs a platform reader folded into another record's journey
    folded: int = 0  # events of an event log that are not their case's row
    cases: int = 0  # an event log's case rows (read - malformed - folded)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def csv_scan(
    con: Any,
    name: str,
    files: tuple[str, ...],
    source: Source,
    delimiter: str | None,
    *,
    originals: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """The one way every CSV export is read (plain CSV, TSV, a sheet, a platform's CSV export):
    DuckDB's read_csv over `files`, every column text, the parser's bad rows kept in
    rejects_<name>, the source's delimiter and encoding applied. Files in an encoding DuckDB
    does not decode are read from UTF-8 copies; `originals` says `files` are such copies
    already (a sheet's). Returns the reader and the copies (copy -> original), which rows name
    by their original (see `original_file`); the rejected rows do too (copies_<name>)."""
    options = [
        "all_varchar=true",
        # every column is read as text: the sniffer need not try numbers and dates on each
        # value, which takes minutes on a 1 MB field of digits
        "auto_type_candidates=['VARCHAR']",
        "header=true",
        f"filename={text_literal(FILE_COLUMN)}",
        "store_rejects=true",
        f"rejects_table={text_literal(f'rejects_{name}')}",
        f"rejects_scan={text_literal(f'scans_{name}')}",
        "null_padding=false",
        "strict_mode=true",
    ]
    if delimiter is not None:
        options.append(f"delim={text_literal(delimiter)}")
    copies: dict[str, str] = dict(originals or {})
    encoding = source.encoding
    if originals is not None:
        pass  # UTF-8 copies already
    elif encoding in _DUCKDB_ENCODINGS:
        options.append(f"encoding={text_literal(_DUCKDB_ENCODINGS[encoding])}")
    else:
        copies = _transcoded(files, encoding)
        files = tuple(copies)
    # VALUES needs a row: an empty mapping is one NULL row, filtered out
    pairs: list[tuple[str | None, str | None]] = list(copies.items()) or [(None, None)]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote(f'copies_{name}')} AS SELECT * FROM (VALUES "
        + ", ".join(f"(${2 * i + 1}::VARCHAR, ${2 * i + 2}::VARCHAR)" for i in range(len(pairs)))
        + ") AS t(copy, original) WHERE copy IS NOT NULL",
        [value for pair in pairs for value in pair],
    )
    listed = "[" + ", ".join(text_literal(f) for f in files) + "]"
    return f"read_csv({listed}, {', '.join(options)})", copies


def original_file(file_sql: str, renamed: Mapping[str, str]) -> str:
    """SQL naming each row's file by the original, where the reader read a copy."""
    if not renamed:
        return file_sql
    pairs = " ".join(
        f"WHEN {text_literal(copy)} THEN {text_literal(original)}"
        for copy, original in renamed.items()
    )
    return f"CASE {file_sql} {pairs} END"


# Python's codec names for the encodings DuckDB's CSV reader decodes itself
_DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "latin-1": "latin-1",
    "iso8859-1": "latin-1",
}


def _transcoded(files: tuple[str, ...], encoding: str) -> dict[str, str]:
    """UTF-8 copies of files in another encoding (cp1252, ...), streamed in blocks; the copies
    live until the process ends. Maps each copy to its original."""
    import atexit
    import codecs
    import gzip
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="promise-audit-")
    atexit.register(shutil.rmtree, folder, True)
    copies: dict[str, str] = {}
    for index, path in enumerate(files):
        copy = os.path.join(folder, f"{index}.csv")
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as source_file, open(copy, "wb") as target:
            reader = codecs.getreader(encoding)(source_file)
            try:
                while block := reader.read(1 << 20):
                    target.write(block.encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise RecordsError(f"not {encoding} text: {exc.reason}", path) from None
        copies[copy] = path
    return copies
