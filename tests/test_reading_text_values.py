"""How a field's text is read (records/parse.py), value by value, on DuckDB: every form the
docs list, from its text trimmed once (as the parse reads a column) or not, and what cannot be
read (NULL: an invalid value)."""

from __future__ import annotations

import duckdb
import pytest

from promise_audit.promises.model import ColumnMapping
from promise_audit.records.mapping import null_if_sql, trimmed_text
from promise_audit.records.parse import parse_text_as
from promise_audit.records.schema import FieldType


def _read(field_type: FieldType, text: str | None, unit: str | None = None) -> object:
    """The value read from `text` as the parse reads a column: trimmed once, blank is missing,
    a duration's -1 is missing."""
    value = trimmed_text("t.v", ("",))
    if field_type is FieldType.DURATION:
        value = null_if_sql(value, ("-1",), trimmed=True)
    mapping = ColumnMapping(column="v", unit=unit)
    sql = parse_text_as(field_type, value, mapping, trimmed=True)
    untrimmed = parse_text_as(field_type, "t.v", mapping)
    con = duckdb.connect()
    row = con.execute(
        f"SELECT {sql}, {untrimmed} FROM (SELECT CAST(? AS VARCHAR) AS v) AS t", [text]
    ).fetchone()
    assert row is not None
    # read from its untrimmed text, a value not -1 or blank reads the same
    if text is not None and text.strip() not in ("", "-1"):
        assert row[1] == row[0] or (row[0] is None and row[1] is None)
    return row[0]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        (" 90 ", 90.0),
        ("1e2", 100.0),
        ("0", 0.0),
        ("-5", -5.0),  # read; a negative wait is then an invalid value (records/validate.py)
        ("-1", None),  # "not applicable", as exports write it
        ("", None),
        ("1,200", 1200.0),
        ("01:30", 90.0),
        ("1:00:05", 3605.0),
        ("PT1M30S", 90.0),
        ("nan", None),
        ("inf", None),
        ("1e999", None),
        ("soon", None),
    ],
)
def test_a_duration_in_seconds(text: str, seconds: float | None) -> None:
    assert _read(FieldType.DURATION, text) == seconds


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("2", "min", 120.0),
        ("1.5", "h", 5400.0),
        ("250", "ms", 0.25),
        ("1,000", "ms", 1.0),
        ("00:02:00", "hms", 120.0),
        ("120", "hms", None),  # a unit of hms reads clock times only
    ],
)
def test_a_duration_in_its_unit(text: str, unit: str, seconds: float | None) -> None:
    read = _read(FieldType.DURATION, text, unit)
    if seconds is None:
        assert read is None
    else:
        assert read == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("false", False),
        (" true ", True),
        ("TRUE", True),
        ("False", False),
        ("y", True),
        ("No", False),
        ("1", True),
        ("0", False),
        ("", None),
        ("maybe", None),
        ("truthy", None),
    ],
)
def test_a_boolean(text: str, value: bool | None) -> None:
    assert _read(FieldType.BOOLEAN, text) is value
