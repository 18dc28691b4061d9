"""Reading a text value as a canonical type, in SQL: numbers with thousands separators,
durations in four notations, booleans in ten spellings, timestamps in ISO 8601 or a strptime
format, Excel serial dates. A value that cannot be read is NULL (records/validate.py says why)."""

from __future__ import annotations

from promise_audit.promises.model import ColumnMapping
from promise_audit.records.raw import text_literal
from promise_audit.records.schema import FieldType

_TRUE = ("true", "t", "yes", "y", "1")


_FALSE = ("false", "f", "no", "n", "0")


_UNIT_FACTOR = {"s": 1, "ms": 0.001, "min": 60, "h": 3600}


def parse_text_as(
    field_type: FieldType, value: str, mapping: ColumnMapping | None, *, trimmed: bool = False
) -> str:
    """SQL that reads a text value as a canonical type; NULL where it cannot be read. The value
    is read without its surrounding spaces; `trimmed` says it has none already (each trim
    costs a copy of every value)."""
    v = value if trimmed else f"trim({value})"
    if field_type is FieldType.TEXT:
        return f"nullif({v}, '')"
    if field_type is FieldType.NUMBER:
        return _finite(_number(v))
    if field_type is FieldType.BOOLEAN:
        trues = ", ".join(text_literal(word) for word in _TRUE)
        falses = ", ".join(text_literal(word) for word in _FALSE)
        # (comparing the common spellings first, as written, was slower: 3 s more at 1M rows)
        return (
            f"CASE WHEN lower({v}) IN ({trues}) THEN true "
            f"WHEN lower({v}) IN ({falses}) THEN false END"
        )
    if field_type is FieldType.TIMESTAMP:
        if mapping is not None and mapping.format is not None:
            return f"CAST(try_strptime({v}, {text_literal(mapping.format)}) AS TIMESTAMPTZ)"
        # a bare number of days is an Excel serial date (days since 1899-12-30), local time
        serial = (
            f"CASE WHEN regexp_full_match({v}, '[1-9]\\d{{4}}(\\.\\d+)?') THEN "
            f"CAST(TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST({v} AS DOUBLE) "
            f"* 86400000000) AS BIGINT)) AS TIMESTAMPTZ) END"
        )
        # a digit first: DuckDB would also read the words 'epoch' and 'infinity' (and the other
        # engines other words), none of them a time a contact began; a comparison, not a
        # pattern, as it runs on every value of every timestamp column
        iso = f"CASE WHEN {v} >= '0' AND {v} < ':' THEN "
        return f"coalesce({iso}TRY_CAST({v} AS TIMESTAMPTZ) END, {serial})"
    unit = mapping.unit if mapping is not None else None
    return _finite(_duration(v, unit))


def _number(text_sql: str) -> str:
    """A decimal number, also with thousands separators (1,234.5)."""
    return (
        f"coalesce(TRY_CAST({text_sql} AS DOUBLE), CASE WHEN regexp_full_match({text_sql}, "
        f"'-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') THEN "
        f"TRY_CAST(replace({text_sql}, ',', '') AS DOUBLE) END)"
    )


def _finite(number_sql: str) -> str:
    """NaN and infinity (`nan`, `inf`, `1e999`) are not measures: unreadable, so rejected."""
    return f"(CASE WHEN isfinite({number_sql}) THEN {number_sql} END)"


def _duration(v: str, unit: str | None) -> str:
    """Seconds in a duration (`v`, without surrounding spaces): a number (in `unit`),
    [HH:]MM:SS, or ISO 8601 (PT5M)."""
    factor = _UNIT_FACTOR.get(unit or "s", 1)
    number = f"{_number(v)} * {factor}"
    clock = (
        f"CASE WHEN regexp_full_match({v}, '\\d+:[0-5]?\\d:[0-5]?\\d(\\.\\d+)?') THEN "
        f"TRY_CAST(split_part({v}, ':', 1) AS DOUBLE) * 3600 + "
        f"TRY_CAST(split_part({v}, ':', 2) AS DOUBLE) * 60 + "
        f"TRY_CAST(split_part({v}, ':', 3) AS DOUBLE) "
        f"WHEN regexp_full_match({v}, '\\d+:[0-5]?\\d(\\.\\d+)?') THEN "
        f"TRY_CAST(split_part({v}, ':', 1) AS DOUBLE) * 60 + "
        f"TRY_CAST(split_part({v}, ':', 2) AS DOUBLE) END"
    )
    iso_part = (
        "coalesce(TRY_CAST(nullif(regexp_extract(upper({v}), '{pattern}', 1), '') AS DOUBLE), 0)"
    )
    iso = (
        f"CASE WHEN regexp_full_match(upper({v}), "
        f"'P(\\d+(\\.\\d+)?D)?(T(\\d+(\\.\\d+)?H)?(\\d+(\\.\\d+)?M)?(\\d+(\\.\\d+)?S)?)?') "
        f"AND regexp_matches({v}, '\\d') THEN "
        + " + ".join(
            iso_part.format(v=v, pattern=pattern) + f" * {size}"
            for pattern, size in (
                ("P(\\d+(?:\\.\\d+)?)D", 86400),
                ("T(?:\\d+(?:\\.\\d+)?H)?(?:\\d+(?:\\.\\d+)?M)?(\\d+(?:\\.\\d+)?)S", 1),
                ("T(?:\\d+(?:\\.\\d+)?H)?(\\d+(?:\\.\\d+)?)M", 60),
                ("T(\\d+(?:\\.\\d+)?)H", 3600),
            )
        )
        + " END"
    )
    if unit == "hms":
        return f"coalesce({clock}, {iso})"
    return f"coalesce({number}, {clock}, {iso})"
