"""What the JSON-based platform readers share: reading a part file's bytes (gzip'd or not) and
its JSON values, finding where a file stops being JSON, reading a value as a number or text,
keeping the latest copy of each object, and writing the rows they build into the raw table."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.records.raw import quote, text_literal

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class JsonObject:
    """One object of an export, where it was read and in which order."""

    value: dict[str, Any]
    file: str
    order: int


def is_gzip(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise RecordsError(f"cannot read the file: {exc.strerror}", path) from None


def _file_bytes(path: str) -> bytes:
    """The file's bytes, decompressed when it is gzip'd."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == GZIP_MAGIC else data


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def json_values(path: str) -> Iterator[Any]:
    """The JSON values of a file: one document, or several one per line or concatenated."""
    raw = _file_bytes(path)
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
        position = _skip_blanks(text, position)
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


def load_json_objects(con: Any, objects: str, files: tuple[str, ...]) -> None:
    """objects(_file, j): every JSON value of every file, in file order within each file."""
    import duckdb

    con.execute(f"CREATE OR REPLACE TEMP TABLE {objects} (_file VARCHAR, j JSON)")
    by_compression: dict[str, list[str]] = {"gzip": [], "none": []}
    for path in files:
        by_compression["gzip" if is_gzip(path) else "none"].append(path)
    for compression, paths in by_compression.items():
        if not paths:
            continue
        listed = "[" + ", ".join(text_literal(p) for p in paths) + "]"
        try:
            # format 'auto' reads one object per line, objects concatenated with or without
            # whitespace between them (Firehose's `}{`), and a top-level array of objects
            con.execute(
                f"INSERT INTO {objects} SELECT filename, json FROM read_json_objects("
                f"{listed}, format='auto', compression='{compression}', filename=true)"
            )
        except duckdb.Error as exc:
            raise _unreadable(paths, exc) from None


def _unreadable(paths: list[str], exc: Exception) -> RecordsError:
    """The first file that is not JSON objects, and where, found again in Python (error path)."""
    for path in paths:
        problem = first_problem(path)
        if problem is not None:
            return RecordsError(problem, path)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("Invalid Input Error: ").removeprefix("IO Error: ")
    return RecordsError(f"cannot read the contact records: {text}", paths[0])


def first_problem(path: str) -> str | None:
    """Why a file is not a sequence of JSON values, with the line and column; None if it is."""
    try:
        data = _file_bytes(path)
    except (OSError, EOFError, zlib.error) as exc:
        return f"not a readable gzip file ({exc})"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"not JSON text: byte {exc.start} is not UTF-8 (is this a contact record file?)"
    decoder = json.JSONDecoder()
    index, number, end = 0, 0, len(text.rstrip())
    while True:
        index = _skip_blanks(text, index)
        if index >= len(text):
            return None
        number += 1
        start_line = text.count("\n", 0, index) + 1
        try:
            _, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            # a string still open at the end of the text is an end-of-data error too
            if exc.pos >= end or exc.msg.startswith("Unterminated string"):
                return (
                    f"the file ends in the middle of record {number} (which starts on line "
                    f"{start_line}): the file is truncated or was still being written"
                )
            return (
                f"not JSON at line {exc.lineno}, column {exc.colno} (record {number}): "
                f"{exc.msg.lower()}"
            )


def json_number(value: Any) -> float | None:
    """A JSON number (or numeric text) as a float; None for anything else, booleans too."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def json_text(value: Any) -> str | None:
    """A value as text; None where it is missing or blank."""
    if value is None:
        return None
    written = str(value)
    return written if written.strip() else None


def latest_copies(
    objects: Sequence[JsonObject],
    key: Callable[[JsonObject], str | None],
    when: Callable[[JsonObject], float],
) -> tuple[list[JsonObject], int]:
    """Per key, the copy with the latest `when` (at a tie, the one read later), in the order
    keys were first seen; objects without a key are all kept. Also: how many copies were
    dropped."""
    kept: dict[str, JsonObject] = {}
    first_seen: dict[str, int] = {}
    keyless: list[JsonObject] = []
    for item in objects:
        k = key(item)
        if k is None:
            keyless.append(item)
            continue
        first_seen.setdefault(k, item.order)
        current = kept.get(k)
        if current is None or when(item) >= when(current):
            kept[k] = item
    ordered = sorted(
        [(first_seen[k], item) for k, item in kept.items()]
        + [(item.order, item) for item in keyless],
        key=lambda entry: entry[0],
    )
    return [item for _, item in ordered], len(objects) - len(keyless) - len(kept)


def create_text_table(
    con: Any, table: str, columns: list[str], rows: list[dict[str, str | None]]
) -> None:
    """The raw table: every column text, rows in the order given."""
    lists = [[row.get(column) for row in rows] for column in columns]
    selects = ", ".join(
        f"unnest(${n}::VARCHAR[]) AS {quote(column)}" for n, column in enumerate(columns, 1)
    )
    con.execute(f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT {selects}", lists)
