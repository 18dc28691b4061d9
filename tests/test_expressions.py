"""Tests for the safe expression language: parsing, type checking and SQL run in DuckDB."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promise_audit.expressions import (
    DUCKDB,
    Binary,
    Call,
    Dialect,
    Duration,
    Expr,
    ExpressionError,
    Field,
    InList,
    Literal,
    Unary,
    compile_sql,
    fields_of,
    parse,
)
from promise_audit.records.schema import FieldType

FIELDS: dict[str, FieldType] = {
    "id": FieldType.NUMBER,
    "initiated_at": FieldType.TIMESTAMP,
    "resolved_at": FieldType.TIMESTAMP,
    "wait_seconds": FieldType.DURATION,
    "csat": FieldType.NUMBER,
    "channel": FieldType.TEXT,
    "queue": FieldType.TEXT,
    "abandoned": FieldType.BOOLEAN,
    "Answered (Y/N)": FieldType.TEXT,
    'a"b': FieldType.NUMBER,
}

# Row 1 resolves in exactly 24h, row 2 in 24h + 1s, row 3 is mostly null, row 4 has fractions.
# 2024-01-01 is a Monday; 01-06 a Saturday; 01-07 a Sunday; 01-03 a Wednesday.
ROWS = [
    (1, "2024-01-01 09:00:00", "2024-01-02 09:00:00", 30, 5, "phone", "billing", False, "Y", 1),
    (2, "2024-01-06 23:30:00", "2024-01-07 23:30:01", 120, 2, "chat", None, True, "N", 2),
    (3, "2024-01-07 14:15:00", None, None, None, "email", "sales", None, None, None),
    (4, "2024-01-03 00:00:00.5", "2024-01-03 12:00:00.5", 0, 4, "it's", "support", False, "Y", 3),
]
ALL = [1, 2, 3, 4]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone='UTC'")
    connection.execute(
        """CREATE TABLE t (id DOUBLE, initiated_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ,
        wait_seconds DOUBLE, csat DOUBLE, channel VARCHAR, queue VARCHAR, abandoned BOOLEAN,
        "Answered (Y/N)" VARCHAR, "a""b" DOUBLE)"""
    )
    connection.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    yield connection
    connection.close()


def matching_ids(con: duckdb.DuckDBPyConnection, text: str) -> list[int]:
    sql = compile_sql(parse(text), FIELDS).sql
    rows = con.execute(f"SELECT id FROM t WHERE {sql} ORDER BY id").fetchall()
    return [int(row[0]) for row in rows]


def values(con: duckdb.DuckDBPyConnection, text: str) -> list[Any]:
    sql = compile_sql(parse(text), FIELDS).sql
    return [row[0] for row in con.execute(f"SELECT {sql} FROM t ORDER BY id").fetchall()]


def error_of(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_sql(parse(text), FIELDS)
    return info.value


# --- Evaluation in DuckDB --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("resolved_at - initiated_at <= 24h", [1, 4]),
        ("resolved_at - initiated_at < 24h", [4]),
        ("resolved_at - initiated_at > 86400", [2]),
        ("resolved_at <= initiated_at + 1d", [1, 4]),
        ("resolved_at - 1d <= initiated_at", [1, 4]),
        ("1d + initiated_at >= resolved_at", [1, 4]),
        ("resolved_at - initiated_at = 12h", [4]),
    ],
)
def test_timestamp_arithmetic(
    con: duckdb.DuckDBPyConnection, text: str, expected: list[int]
) -> None:
    assert matching_ids(con, text) == expected


def test_timestamp_difference_is_seconds(con: duckdb.DuckDBPyConnection) -> None:
    assert values(con, "resolved_at - initiated_at") == [86400.0, 86401.0, None, 43200.0]


def test_timestamp_plus_fractional_seconds(con: duckdb.DuckDBPyConnection) -> None:
    assert values(con, "initiated_at + 1.5s")[0] == datetime(2024, 1, 1, 9, 0, 1, 500000, UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("channel in ('phone', 'chat')", [1, 2]),
        ("channel not in ('phone', 'chat')", [3, 4]),
        ("queue is null", [2]),
        ("queue is not null", [1, 3, 4]),
        ("not abandoned", [1, 4]),
        ("abandoned = false", [1, 4]),
        ("abandoned != true", [1, 4]),
        ("csat != 5", [2, 4]),
        ("csat == 5", [1]),
        ("csat = 5", [1]),
        ("csat in (2, 4)", [2, 4]),
        ("`Answered (Y/N)` = 'Y'", [1, 4]),
        ('`a"b` >= 2', [2, 4]),
        ("channel = 'it''s'", [4]),
        ('channel = "it\'s"', [4]),
        ("NOT abandoned AND queue IS NOT NULL", [1, 4]),
        ("COALESCE(csat, 0) > 3", [1, 4]),
        ("TRUE", ALL),
        ("False", []),
    ],
)
def test_predicates(con: duckdb.DuckDBPyConnection, text: str, expected: list[int]) -> None:
    assert matching_ids(con, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abandoned or channel = 'phone' and csat > 3", [1, 2]),  # and binds tighter than or
        ("(abandoned or channel = 'phone') and csat > 3", [1]),
        ("not abandoned and csat > 4", [1]),  # not binds tighter than and
        ("not csat > 4", [2, 4]),  # ... but looser than comparison
        ("2 + 3 * 4 = 14", ALL),
        ("(2 + 3) * 4 = 20", ALL),
        ("10 - 4 - 3 = 3", ALL),
        ("12 / 2 / 3 = 2", ALL),
        ("-2 * 3 = -6", ALL),
        ("2 - -3 = 5", ALL),
        ("-wait_seconds < -60", [2]),
    ],
)
def test_precedence(con: duckdb.DuckDBPyConnection, text: str, expected: list[int]) -> None:
    assert matching_ids(con, text) == expected


def test_or_binds_looser_than_and_in_the_tree() -> None:
    assert parse("a or b and c") == parse("a or (b and c)")
    assert parse("a or b and c") != parse("(a or b) and c")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wait_seconds >= 2m", [2]),
        ("wait_seconds <= 90s", [1, 4]),
        ("wait_seconds * 2 >= 4m", [2]),
        ("1w = 7d", ALL),
        ("24h = 1d", ALL),
        ("1.5h = 90m", ALL),
        ("1.1h = 3960s", ALL),
    ],
)
def test_durations(con: duckdb.DuckDBPyConnection, text: str, expected: list[int]) -> None:
    assert matching_ids(con, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("concat(channel, '-', queue) = 'phone-billing'", [1]),
        ("concat(channel, '-', queue) = 'chat-'", [2]),  # a null part counts as empty
        ("coalesce(queue, 'none') = 'none'", [2]),
        ("coalesce(wait_seconds, 0) = 0", [3, 4]),
        ("lower('ABC') = 'abc' and upper(channel) = 'PHONE'", [1]),
        ("abs(-wait_seconds) = 30", [1]),
        ("hour(initiated_at) = 9", [1]),
        ("hour(initiated_at) >= 23", [2]),
        ("weekday(initiated_at) = 1", [1]),
        ("weekday(initiated_at) in (6, 7)", [2, 3]),
        ("date(resolved_at) = date(initiated_at)", [4]),
        ("date(initiated_at) + 1d = date(resolved_at)", [1, 2]),
        ("LOWER(channel) = 'chat'", [2]),
    ],
)
def test_functions(con: duckdb.DuckDBPyConnection, text: str, expected: list[int]) -> None:
    assert matching_ids(con, text) == expected


def test_division_by_zero_is_null(con: duckdb.DuckDBPyConnection) -> None:
    assert values(con, "csat / (wait_seconds - wait_seconds)") == [None, None, None, None]


def test_division_is_floating_point(con: duckdb.DuckDBPyConnection) -> None:
    assert values(con, "7 / 2")[0] == 3.5


# --- Types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("resolved_at - initiated_at", FieldType.DURATION),
        ("initiated_at + 1h", FieldType.TIMESTAMP),
        ("initiated_at - 5", FieldType.TIMESTAMP),
        ("csat * 2", FieldType.NUMBER),
        ("wait_seconds * 2", FieldType.DURATION),
        ("wait_seconds / wait_seconds", FieldType.NUMBER),
        ("5m", FieldType.DURATION),
        ("hour(initiated_at)", FieldType.NUMBER),
        ("date(initiated_at)", FieldType.TIMESTAMP),
        ("concat(channel)", FieldType.TEXT),
        ("coalesce(wait_seconds, 1)", FieldType.NUMBER),
        ("coalesce(wait_seconds, 1m)", FieldType.DURATION),
        ("abs(wait_seconds)", FieldType.DURATION),
        ("csat > 1", FieldType.BOOLEAN),
        ("queue is null", FieldType.BOOLEAN),
    ],
)
def test_result_types(text: str, expected: FieldType) -> None:
    assert compile_sql(parse(text), FIELDS).type is expected


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        (
            "wiat_seconds > 5",
            0,
            "unknown field 'wiat_seconds' (did you mean 'wait_seconds'?) "
            "(the fields: docs/fields.md)",
        ),
        ("csat > zzz", 7, "unknown field 'zzz' (the fields: docs/fields.md)"),
        ("initiated_at + resolved_at", 13, "cannot apply '+' to timestamp and timestamp"),
        ("5 - initiated_at", 2, "cannot apply '-' to number and timestamp"),
        ("initiated_at * 2", 13, "cannot apply '*' to timestamp and number"),
        ("channel + 'x'", 8, "cannot apply '+' to text and text (use concat() to join text)"),
        ("channel = 5", 10, "cannot compare text with number using '='"),
        ("initiated_at < 'x'", 15, "cannot compare timestamp with text using '<'"),
        ("channel in ('a', 1)", 17, "cannot compare text with number using 'in'"),
        ("abandoned < true", 10, "booleans cannot be compared with '<'"),
        ("not csat", 4, "'not' needs boolean, got number"),
        ("csat and abandoned", 0, "'and' needs boolean, got number"),
        ("-initiated_at", 1, "unary '-' needs duration or number, got timestamp"),
        ("hour(channel)", 5, "hour() needs timestamp, got text"),
        ("lower(csat)", 6, "lower() needs text, got number"),
        ("concat(channel, csat)", 16, "concat() needs text, got number"),
        ("coalesce(channel, 1)", 18, "coalesce() mixes text and number"),
    ],
)
def test_compile_errors(text: str, position: int, message: str) -> None:
    error = error_of(text)
    assert (error.message, error.position) == (message, position)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (Call("system", (Literal("x"),)), "unknown function 'system'"),
        (Binary("; DROP TABLE t; --", Field("csat"), Field("csat")), "unsupported operator"),
        (Unary("~", Field("csat")), "unsupported operator"),
        (Duration(1, "y"), "invalid duration"),
        (InList(Field("csat"), ()), "at least one value"),
        (Literal(float("nan")), "unsupported literal"),
    ],
)
def test_hand_built_ast_is_validated(expr: Expr, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_sql(expr, FIELDS)


# --- Parse errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("csat > 1; drop table t", 8, "';' is not allowed"),
        ("csat > 1 -- comment", 9, "comments are not allowed"),
        ("csat /* x */ > 1", 5, "comments are not allowed"),
        ("system('x')", 0, "unknown function 'system'"),
        ("lowr(channel)", 0, "unknown function 'lowr' (did you mean 'lower'?)"),
        ("(csat > 1", 0, "'(' is never closed"),
        ("lower(channel", 5, "'(' is never closed"),
        ("csat > 1)", 8, "')' has no matching '('"),
        ("csat > 1 csat", 9, "unexpected 'csat' after a complete expression"),
        ("lower(channel queue)", 14, "expected ')' but found 'queue'"),
        ("csat <> 1", 5, "'<>' is not allowed; write '!='"),
        ("csat > 5min", 7, "invalid number '5min'"),
        ("csat > 5M", 7, "invalid number '5M'"),
        ("csat > 1e5", 7, "invalid number '1e5'"),
        ("csat > 1.", 7, "invalid number '1.'"),
        ("csat > .5", 7, "unexpected character '.'"),
        ("csat > 1 $", 9, "unexpected character '$'"),
        ("channel = 'abc", 10, "no closing '"),
        ("``", 0, "empty field name"),
        ("`abc", 0, "no closing `"),
        ("a < b < c", 6, "comparisons cannot be chained"),
        ("a = not b", 4, "put 'not ...' in parentheses"),
        ("queue = null", 8, "null can only be used in 'is null'"),
        ("queue is 5", 9, "expected 'null' but found '5'"),
        ("queue in ()", 10, "expected a value but found ')'"),
        ("csat >", 6, "expression ends where a value was expected"),
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("concat()", 0, "concat() takes at least 1 argument, got 0"),
        ("hour(a, b)", 0, "hour() takes 1 argument, got 2"),
        ("coalesce(a)", 0, "coalesce() takes at least 2 arguments, got 1"),
        ("csat > 1 and", 12, "expression ends where a value was expected"),
        ("a not b", 2, "unexpected 'not'"),
        ("in = 'x'", 0, "a field with that name is written `in`"),
    ],
)
def test_parse_errors(text: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.position == position


def test_error_carries_message_and_position() -> None:
    error = ExpressionError("boom", 3)
    restored = pickle.loads(pickle.dumps(error))
    assert isinstance(restored, ExpressionError)
    assert (restored.message, restored.position) == ("boom", 3)
    assert str(error) == "boom (at position 3)"


# --- Parsing details -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("24h", 86400), ("7d", 604800), ("2w", 1209600), ("1.5h", 5400)],
)
def test_duration_values(text: str, seconds: int) -> None:
    expr = parse(text)
    assert isinstance(expr, Duration)
    assert expr.seconds == seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("007", Literal(7)),
        ("1.25", Literal(1.25)),
        ("'it''s'", Literal("it's")),
        ('"say ""hi"""', Literal('say "hi"')),
        (r"'back\'", Literal("back\\")),  # backslash has no meaning
        ("true", Literal(True)),
        ("FALSE", Literal(False)),
        ("`Answered (Y/N)`", Field("Answered (Y/N)")),
        ("`and`", Field("and")),
        ("-x", Unary("-", Field("x"))),
        ("a+b", Binary("+", Field("a"), Field("b"))),
        ("Lower(x)", Call("lower", (Field("x"),))),
    ],
)
def test_parse_trees(text: str, expected: Expr) -> None:
    assert parse(text) == expected


def test_boolean_literal_is_not_equal_to_number() -> None:
    assert parse("x = true") != parse("x = 1")


def test_huge_numbers_are_rejected() -> None:
    with pytest.raises(ExpressionError, match="too large"):
        parse("9" * 400)


def test_fields_of() -> None:
    text = "concat(channel, `Answered (Y/N)`) = 'x' and hour(initiated_at) in (csat, 1)"
    assert fields_of(parse(text)) == {"channel", "Answered (Y/N)", "initiated_at", "csat"}


# --- Safety ----------------------------------------------------------------------------------


def test_quote_inside_backticks_is_doubled_in_identifier() -> None:
    assert compile_sql(parse('`a"b`'), FIELDS).sql == '"a""b"'


@pytest.mark.parametrize(
    "text",
    ['channel = "\'; drop table t; --"', "channel = '''; drop table t; --'"],
)
def test_injection_in_text_stays_a_literal(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert compile_sql(parse(text), FIELDS).sql == "(\"channel\" = '''; drop table t; --')"
    assert matching_ids(con, text) == []
    assert con.execute("SELECT count(*) FROM t").fetchone() == (4,)


def test_identifier_injection_is_an_unknown_field() -> None:
    assert error_of('`x" FROM t; --`').message.startswith("unknown field 'x\" FROM t; --'")


def test_column_callback_maps_fields(con: duckdb.DuckDBPyConnection) -> None:
    compiled = compile_sql(parse("csat > 4"), FIELDS, column=lambda name: f"t.{name}")
    assert compiled.sql == "((t.csat) > CAST(4 AS DOUBLE))"
    assert con.execute(f"SELECT t.id FROM t WHERE {compiled.sql}").fetchall() == [(1.0,)]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_001,
        "(" * 101 + "1" + ")" * 101,
        "- " * 150 + "1",
        "not " * 150 + "true",
        " + ".join(["1"] * 150),
        "lower(" * 120 + "x" + ")" * 120,
    ],
)
def test_pathological_input_is_an_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert parse("(" * 99 + "1" + ")" * 99) == Literal(1)
    assert parse(" or ".join(["a"] * 99)) is not None


def test_deep_hand_built_ast_is_an_expression_error() -> None:
    expr: Expr = Field("csat")
    for _ in range(5000):
        expr = Unary("-", expr)
    assert fields_of(expr) == {"csat"}
    with pytest.raises(ExpressionError, match="nested"):
        compile_sql(expr, FIELDS)


# --- Dialect seam ----------------------------------------------------------------------------


class _Marked(Dialect):
    name = "marked"

    def epoch_seconds(self, ts: str) -> str:
        return f"EPOCH<{ts}>"

    def timestamp_plus_seconds(self, ts: str, seconds: str) -> str:
        return f"PLUS<{ts}, {seconds}>"

    def hour(self, ts: str) -> str:
        return f"HOUR<{ts}>"

    def weekday(self, ts: str) -> str:
        return f"DOW<{ts}>"


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("initiated_at - resolved_at", '(EPOCH<"initiated_at"> - EPOCH<"resolved_at">)'),
        ("initiated_at + 1", 'PLUS<"initiated_at", CAST(1 AS DOUBLE PRECISION)>'),
        ("hour(initiated_at)", 'HOUR<"initiated_at">'),
        ("weekday(initiated_at)", 'DOW<"initiated_at">'),
        ("date(initiated_at)", 'CAST("initiated_at" AS DATE)'),
        ("concat(channel, 'x')", "concat(\"channel\", 'x')"),
        ("channel != 'x'", "(\"channel\" <> 'x')"),
    ],
)
def test_dialect_supplies_engine_specific_sql(text: str, sql: str) -> None:
    assert compile_sql(parse(text), FIELDS, dialect=_Marked()).sql == sql


# --- Properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_returns_expr_or_raises_expression_error(text: str) -> None:
    try:
        expr = parse(text)
    except ExpressionError:
        return
    assert isinstance(expr, Expr)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab_`'\"()-+*/<>=!;,. 019smhdw", max_size=40))
def test_parse_of_expression_like_text_is_total(text: str) -> None:
    try:
        expr = parse(text)
    except ExpressionError:
        return
    try:
        compiled = compile_sql(expr, {"a": FieldType.NUMBER, "b": FieldType.TEXT})
    except ExpressionError:
        return
    assert compiled.sql


def _text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SMALL_NUMBER = st.one_of(
    st.integers(0, 1000).map(str),
    st.decimals(0, 1000, places=3).map(str),
    st.tuples(st.integers(0, 100), st.sampled_from("smhdw")).map(lambda t: f"{t[0]}{t[1]}"),
)
_TEXT_CHARS = st.characters(exclude_categories=["Cs"])


@cache
def _number(depth: int) -> st.SearchStrategy[str]:
    base = st.one_of(_SMALL_NUMBER, st.sampled_from(["csat", "wait_seconds", "hour(resolved_at)"]))
    if depth == 0:
        return base
    sub = _number(depth - 1)
    return st.one_of(
        base,
        st.tuples(sub, st.sampled_from("+-*/"), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda s: f"- {s}"),
        sub.map(lambda s: f"abs({s})"),
        st.tuples(_timestamp(depth - 1), _timestamp(depth - 1)).map(lambda t: f"({t[0]} - {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    )


@cache
def _timestamp(depth: int) -> st.SearchStrategy[str]:
    base = st.sampled_from(["initiated_at", "resolved_at"])
    if depth == 0:
        return base
    sub = _timestamp(depth - 1)
    return st.one_of(
        base,
        st.tuples(sub, st.sampled_from("+-"), _SMALL_NUMBER).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda s: f"date({s})"),
    )


@cache
def _text(depth: int) -> st.SearchStrategy[str]:
    base = st.one_of(
        st.text(_TEXT_CHARS, max_size=8).map(_text_literal),
        st.sampled_from(["channel", "queue", "`Answered (Y/N)`"]),
    )
    if depth == 0:
        return base
    sub = _text(depth - 1)
    return st.one_of(
        base,
        st.tuples(st.sampled_from(["lower", "upper"]), sub).map(lambda t: f"{t[0]}({t[1]})"),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: f"concat({', '.join(xs)})"),
        st.tuples(sub, sub).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    )


@cache
def _boolean(depth: int) -> st.SearchStrategy[str]:
    comparison = st.sampled_from(["=", "==", "!=", "<", "<=", ">", ">="])
    base = st.one_of(
        st.sampled_from(["abandoned", "true", "FALSE"]),
        st.tuples(_number(depth), comparison, _number(depth)).map(" ".join),
        st.tuples(_timestamp(depth), comparison, _timestamp(depth)).map(" ".join),
        st.tuples(_text(depth), comparison, _text(depth)).map(" ".join),
        st.tuples(_text(depth), st.lists(_text(0), min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} not in ({', '.join(t[1])})"
        ),
        st.tuples(_number(depth), st.lists(_number(0), min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} in ({', '.join(t[1])})"
        ),
        st.tuples(st.one_of(_number(depth), _text(depth), _timestamp(depth))).map(
            lambda t: f"{t[0]} is not null"
        ),
    )
    if depth == 0:
        return base
    sub = _boolean(depth - 1)
    return st.one_of(
        base,
        st.tuples(sub, st.sampled_from(["and", "or", "AND", "Or"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda s: f"not ({s})"),
    )


_TYPED = st.one_of(
    _number(3).map(lambda s: (s, {FieldType.NUMBER, FieldType.DURATION})),
    _timestamp(3).map(lambda s: (s, {FieldType.TIMESTAMP})),
    _text(3).map(lambda s: (s, {FieldType.TEXT})),
    _boolean(2).map(lambda s: (s, {FieldType.BOOLEAN})),
)


@settings(max_examples=300, deadline=None)
@given(_TYPED)
def test_random_valid_expressions_run_in_duckdb(
    con: duckdb.DuckDBPyConnection, case: tuple[str, set[FieldType]]
) -> None:
    text, types = case
    compiled = compile_sql(parse(text), FIELDS, dialect=DUCKDB)
    assert compiled.type in types
    assert len(con.execute(f"SELECT {compiled.sql} FROM t").fetchall()) == len(ROWS)
