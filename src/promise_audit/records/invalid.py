"""A parsed record's invalid values, packed into two columns of the parsed table.

Most records have no invalid value, so a reason column and a value column for every checked
field (44 for the benchmark's promises) would be almost all empty, and an empty column still
costs the engine about half of a filled one to store, on every record. The parse stores
instead, NULL on a record whose values are all valid:

- `_invalid`: one character for each checked field, in the canonical order (`field_order`),
  `.` where the value is valid or missing, else its reason's code (`CODES`);
- `_bad`: the invalid values as the export wrote them, in the same order, separated by the
  ASCII record separator (an escape keeps that character, and the escape, in a value).

The functions below give each field's reason and value back as SQL that DuckDB, PostgreSQL and
Spark all run (substring, split_part, replace, chr), and only for the records that have one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from promise_audit.records.raw import quote, text_literal
from promise_audit.records.schema import CANONICAL_FIELDS
from promise_audit.records.validate import ORDERED_FIELDS

PACKED_REASONS = "_invalid"
PACKED_VALUES = "_bad"
VALID = "."
# why a value is invalid (records/validate.py, invalid_cases) -> its one-character code
CODES: dict[str, str] = {
    reason: chr(ord("a") + index)
    for index, reason in enumerate(
        (
            "unparseable",
            "out_of_range",
            "negative",
            *dict.fromkeys(f"before_{start}" for start, _ in ORDERED_FIELDS),
        )
    )
}
# The values' separator, and the escape that keeps both characters in a value: ESC becomes
# ESC e and RS becomes ESC s, so every ESC left in the packed text begins one of those two.
_SEPARATOR = "chr(30)"
_ESCAPE = "chr(27)"


def field_order(checked: Collection[str]) -> tuple[str, ...]:
    """The checked fields in the order of their places in the packed columns."""
    return tuple(f for f in CANONICAL_FIELDS if f in checked)


def packed_columns(
    order: Sequence[str], reason_of: Callable[[str], str], text_of: Callable[[str], str]
) -> list[str]:
    """The two packed columns of the parse's select list: `reason_of(field)` is the SQL of the
    field's reason (NULL where valid), `text_of(field)` of its value as the export wrote it."""
    if not order:
        return [
            f"CAST(NULL AS VARCHAR) AS {PACKED_REASONS}",
            f"CAST(NULL AS VARCHAR) AS {PACKED_VALUES}",
        ]
    any_invalid = " OR ".join(f"{reason_of(f)} IS NOT NULL" for f in order)
    whens = " ".join(f"WHEN {text_literal(r)} THEN {text_literal(c)}" for r, c in CODES.items())
    codes = " || ".join(f"CASE {reason_of(f)} {whens} ELSE '{VALID}' END" for f in order)
    values = f" || {_SEPARATOR} || ".join(
        f"coalesce(CASE WHEN {reason_of(f)} IS NOT NULL "
        f"THEN {_escaped(f'CAST({text_of(f)} AS VARCHAR)')} END, '')"
        for f in order
    )
    return [
        f"CASE WHEN {any_invalid} THEN {codes} END AS {PACKED_REASONS}",
        f"CASE WHEN {any_invalid} THEN {values} END AS {PACKED_VALUES}",
    ]


def is_invalid_sql(field_name: str, order: Sequence[str]) -> str:
    """SQL: the record's value of the field is invalid (NULL, not false, where none is)."""
    return f"{_code(field_name, order)} <> '{VALID}'"


def reason_sql(field_name: str, order: Sequence[str]) -> str:
    """SQL: why the record's value of the field is invalid, NULL where it is not."""
    whens = " ".join(f"WHEN {text_literal(c)} THEN {text_literal(r)}" for r, c in CODES.items())
    return f"CASE {_code(field_name, order)} {whens} END"


def value_sql(field_name: str, order: Sequence[str]) -> str:
    """SQL: the field's invalid value as the export wrote it ('' where it is valid)."""
    part = f"split_part({PACKED_VALUES}, {_SEPARATOR}, {order.index(field_name) + 1})"
    return f"replace(replace({part}, {_ESCAPE} || 's', {_SEPARATOR}), {_ESCAPE} || 'e', {_ESCAPE})"


def unpacked_columns(fields: Collection[str], order: Sequence[str]) -> str:
    """`, <reason> AS _invalid_<field>` for each of the fields: the reason columns that the
    derivations (records/derive.py) and the decision read, given back only for the fields
    some record has invalid."""
    return "".join(
        f", {reason_sql(f, order)} AS {quote(f'_invalid_{f}')}" for f in order if f in fields
    )


def _code(field_name: str, order: Sequence[str]) -> str:
    return f"substring({PACKED_REASONS}, {order.index(field_name) + 1}, 1)"


def _escaped(text: str) -> str:
    return f"replace(replace({text}, {_ESCAPE}, {_ESCAPE} || 'e'), {_SEPARATOR}, {_ESCAPE} || 's')"
