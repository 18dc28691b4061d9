"""What the JSON-based platform readers share: reading JSON values from a part file, and
writing the rows they build into the raw table."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.records.raw import quote


def json_values(path: str) -> Iterator[Any]:
    """The JSON values of a file: one document, or several one per line or concatenated."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordsError(f"not UTF-8 text (byte {exc.start})", path) from None
    try:
        yield json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text):
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            line = text.count("\n", 0, position) + 1
            raise RecordsError(
                f"invalid JSON at line {line} (the value starting there): {exc.msg} "
                f"at line {exc.lineno}, column {exc.colno}",
                path,
            ) from None
        yield value


def create_text_table(
    con: Any, table: str, columns: list[str], rows: list[dict[str, str | None]]
) -> None:
    """The raw table: every column text, rows in the order given."""
    lists = [[row.get(column) for row in rows] for column in columns]
    selects = ", ".join(
        f"unnest(${n}::VARCHAR[]) AS {quote(column)}" for n, column in enumerate(columns, 1)
    )
    con.execute(f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT {selects}", lists)
