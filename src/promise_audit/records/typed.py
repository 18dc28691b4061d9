"""Typed source columns read as they are: a Parquet (or JSON) column that already holds a
field's type (a timestamp, a number, a boolean) gives its value directly, without being
written out as text and parsed back. The value is the one the text path would read from the
column's text (the engine's cast to VARCHAR), so a source reads the same whichever way it
comes; only the casts are saved. Anything that needs the text (a `format:`, a `unit:`,
`null_if`, an expression, a date and a time) keeps the text path (records/parse.py)."""

from __future__ import annotations

from collections.abc import Mapping

from promise_audit.promises.model import ColumnMapping
from promise_audit.records.column_types import (
    INTEGERS,
    TIMESTAMPS,
    TYPED_PREFIX,
    narrow_decimal,
)
from promise_audit.records.schema import FieldType

# Text a typed value can be written as, which a null value could match: digits, and words
_TYPED_WORDS = frozenset({"true", "false", "nan", "inf", "-inf", "infinity", "-infinity"})


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
    if field_type is FieldType.TIMESTAMP and column_type in TIMESTAMPS:
        # infinity has no digit first: unreadable as text, so unreadable here. The cast, a
        # no-op for a timestamp with time zone, tells the other engines' isfinite that it
        # checks a time (engine/translate.py)
        cast = f"CAST({column_sql} AS TIMESTAMPTZ)"
        return f"(CASE WHEN isfinite({cast}) THEN {cast} END)", column_sql
    if field_type is FieldType.BOOLEAN and column_type == "BOOLEAN":
        return column_sql, column_sql
    if field_type not in (FieldType.NUMBER, FieldType.DURATION):
        return None
    decimal = narrow_decimal(column_type)
    if column_type not in INTEGERS and column_type != "DOUBLE" and decimal is None:
        return None
    text = column_sql
    if field_type is FieldType.DURATION and (column_type in INTEGERS or decimal == 0):
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


def _could_be_typed_text(null_value: str) -> bool:
    value = null_value.strip()
    return any(ch.isdigit() for ch in value) or value.lower() in _TYPED_WORDS
