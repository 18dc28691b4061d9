"""Typed source columns read as they are: a Parquet (or JSON) column that already holds a
field's type (a timestamp, a number, a boolean) gives its value directly, without being
written out as text and parsed back. The value is the one the text path would read from the
column's text (the engine's cast to VARCHAR), so a source reads the same whichever way it
comes; only the casts are saved. Anything that needs the text (a `format:`, a `unit:`,
`null_if`, an expression, a date and a time) keeps the text path (records/parse.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from promise_audit.promises.model import ColumnMapping
from promise_audit.records.schema import FieldType

# The raw table's copy of a typed column, beside its text, under a name no export uses
TYPED_PREFIX = "__promise_audit_typed_"

_INTEGERS = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)
# Naive timestamps and dates are read in the session's time zone, as their text would be.
# Not TIMESTAMP_NS (its text has nine decimals), nor FLOAT (its text is the float's shortest
# form, which a DOUBLE reads as another number than the float's own value).
_TIMESTAMPS = frozenset({"TIMESTAMP", "DATE", "TIMESTAMP WITH TIME ZONE"})
# A DECIMAL of at most 15 digits converts to the nearest DOUBLE, as its text does; a wider one
# could round twice
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")
# Text a typed value can be written as, which a null value could match: digits, and words
_TYPED_WORDS = frozenset({"true", "false", "nan", "inf", "-inf", "infinity", "-infinity"})


def is_typed_column(column_type: str) -> bool:
    """Whether a column of this engine type can feed a field directly (of some type)."""
    return (
        column_type in _INTEGERS
        or column_type in _TIMESTAMPS
        or column_type in ("DOUBLE", "BOOLEAN")
        or _narrow_decimal(column_type) is not None
    )


def typed_field_sql(
    field_type: FieldType,
    mapping: ColumnMapping,
    column_sql: str,
    column_type: str,
    null_values: tuple[str, ...],
) -> tuple[str, str] | None:
    """(the field's value, the value standing for its text) read from a typed column, or None
    where the text path must read it. The second is NULL exactly where the text path's text
    is, and its cast to VARCHAR is that text (what an invalid value's sample shows)."""
    if mapping.null_if or mapping.format is not None or mapping.unit is not None:
        return None
    if any(_could_be_typed_text(value) for value in null_values):
        return None  # the text path would make some typed values missing
    if field_type is FieldType.TIMESTAMP and column_type in _TIMESTAMPS:
        # infinity has no digit first: unreadable as text, so unreadable here. The cast, a
        # no-op for a timestamp with time zone, tells the other engines' isfinite that it
        # checks a time (engine/translate.py)
        cast = f"CAST({column_sql} AS TIMESTAMPTZ)"
        return f"(CASE WHEN isfinite({cast}) THEN {cast} END)", column_sql
    if field_type is FieldType.BOOLEAN and column_type == "BOOLEAN":
        return column_sql, column_sql
    if field_type not in (FieldType.NUMBER, FieldType.DURATION):
        return None
    decimal = _narrow_decimal(column_type)
    if column_type not in _INTEGERS and column_type != "DOUBLE" and decimal is None:
        return None
    text = column_sql
    if field_type is FieldType.DURATION and (column_type in _INTEGERS or decimal == 0):
        # exports write -1 for "not applicable": the text path reads the text '-1' as missing
        # (a DOUBLE's -1 is written '-1.0', a DECIMAL's with its decimals: not missing)
        text = f"(CASE WHEN {column_sql} = -1 THEN NULL ELSE {column_sql} END)"
    value = f"CAST({text} AS DOUBLE)"
    if column_type == "DOUBLE":
        value = f"(CASE WHEN isfinite({text}) THEN {text} END)"  # NaN, inf: unreadable
    return value, text


def typed_columns(described: Mapping[str, str]) -> dict[str, str]:
    """The raw table's typed copies (column name -> engine type), from its description."""
    return {
        name.removeprefix(TYPED_PREFIX): column_type
        for name, column_type in described.items()
        if name.startswith(TYPED_PREFIX)
    }


def _narrow_decimal(column_type: str) -> int | None:
    """The scale of a DECIMAL of at most 15 digits; None for any other type."""
    match = _DECIMAL.fullmatch(column_type)
    if match is None or int(match.group(1)) > 15:
        return None
    return int(match.group(2))


def _could_be_typed_text(null_value: str) -> bool:
    value = null_value.strip()
    return any(ch.isdigit() for ch in value) or value.lower() in _TYPED_WORDS
