"""Which engine column types a field can take as they are (records/typed.py), named as DuckDB
names them (the other engines' names are mapped to these: engine/backends.py), and the name of
a typed column's copy beside its text. Imports nothing of the project, so the engines can use
it too."""

from __future__ import annotations

import re

# The raw table's copy of a typed column, beside its text, under a name no export uses
TYPED_PREFIX = "__promise_audit_typed_"

INTEGERS = frozenset(
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
TIMESTAMPS = frozenset({"TIMESTAMP", "DATE", "TIMESTAMP WITH TIME ZONE"})
# A DECIMAL of at most 15 digits converts to the nearest DOUBLE, as its text does; a wider one
# could round twice
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


def is_typed_column(column_type: str) -> bool:
    """Whether a column of this engine type can feed a field directly (of some type)."""
    return (
        column_type in INTEGERS
        or column_type in TIMESTAMPS
        or column_type in ("DOUBLE", "BOOLEAN")
        or narrow_decimal(column_type) is not None
    )


def narrow_decimal(column_type: str) -> int | None:
    """The scale of a DECIMAL of at most 15 digits; None for any other type."""
    match = _DECIMAL.fullmatch(column_type)
    if match is None or int(match.group(1)) > 15:
        return None
    return int(match.group(2))
