"""Fuzzing (issue #7, item 5): the promise-file loader and the expression language, bounded.

Whatever the input, the only way out other than success is a clean error that the command line
prints as one line: PromiseFileError from the loader, ExpressionError from the parser and
compiler. And an expression that compiles runs in the engine without an error (an overflow,
a bad cast, a missing column): a compiled expression is SQL the engine accepts.

DEFAULT_FUZZ_EXAMPLES bounds each test (docs/reliability.md quotes it, and a test checks the
quote); PROMISE_AUDIT_FUZZ_EXAMPLES=5000 runs a longer hunt locally.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from promise_audit.audit import audit
from promise_audit.errors import PromiseAuditError, PromiseFileError
from promise_audit.expressions import ExpressionError, compile_sql, parse
from promise_audit.kinds import KINDS
from promise_audit.promises import load_promise_file
from promise_audit.records.schema import CANONICAL_FIELDS, SQL_TYPES

DEFAULT_FUZZ_EXAMPLES = 200
FUZZ_EXAMPLES = int(os.environ.get("PROMISE_AUDIT_FUZZ_EXAMPLES", DEFAULT_FUZZ_EXAMPLES))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID = """\
organization: Fuzz Co
timezone: America/Vancouver
as_of: 2026-10-10T00:00:00-07:00
sources:
  contacts: {path: contacts.csv, columns: {contact_id: Call Id, channel: {const: phone}}}
calendars:
  office: {timezone: UTC, hours: {mon-fri: ['09:00-17:00']}, closed: [2026-12-24]}
promises:
  - id: hold-5m
    kind: wait_time
    limit: 5m
    target: 95%
    scope: {channel: [phone], where: "queue != 'vip' and wait_seconds >= 0"}
  - id: replied
    kind: first_response
    limit: 4h
    calendar: office
  - id: custom
    kind: custom
    kept_if: "resolved_at - initiated_at <= 24h or resolved_at is null"
"""

# ---------------------------------------------------------------------------------------------
# The promise-file loader


def _load(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "promises.yaml"
    path.write_bytes(data)
    try:
        load_promise_file(path)
    except PromiseFileError as error:
        assert error.path == str(path)
        assert "\n" not in error.one_line()


YAML_PIECES = st.sampled_from(
    [
        ":",
        "-",
        " ",
        "  ",
        "\n",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "<<: ",
        "!!",
        "!!python/object:x ",
        "!!binary ",
        "'",
        '"',
        "#",
        "|",
        ">",
        "?",
        "%",
        "@",
        "`",
        "---",
        "...",
        "~",
        "null",
        "yes",
        "no",
        ".inf",
        ".nan",
        "-5",
        "0",
        "1e999",
        "9" * 30,
        "2026-02-30",
        "2026-13-01",
        "PT",
        "5m",
        "0s",
        "150%",
        "id",
        "kind",
        "limit",
        "target",
        "wait_time",
        "custom",
        "where",
        "kept_if",
        "scope",
        "calendar",
        "\x00",
        "\x1b",
        "é",
        "\ufeff",
        "\u2028",
        "\\x",
        "\\u12",
    ]
)


@st.composite
def mutated(draw: Any) -> bytes:
    """The valid file with a few pieces inserted, deleted or replaced."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(YAML_PIECES | st.text(max_size=3))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(data=mutated())
@example(data=VALID.replace("limit: 5m", "limit: &l [*l]").encode())
@example(data=VALID.replace("kind: custom", "kind: [custom]").encode())
@example(data=VALID.replace("limit: 4h", "limit: " + "9" * 400).encode())
def test_a_mutated_promise_file_loads_or_fails_cleanly(tmp_path: Path, data: bytes) -> None:
    _load(tmp_path, data)


KEYS = st.sampled_from(
    [
        "organization",
        "timezone",
        "as_of",
        "sources",
        "promises",
        "calendars",
        "engine",
        "contacts",
        "path",
        "format",
        "columns",
        "null_values",
        "delimiter",
        "id",
        "kind",
        "limit",
        "target",
        "warn_below",
        "scope",
        "where",
        "kept_if",
        "measure",
        "window",
        "max",
        "max_steps",
        "calendar",
        "effective_from",
        "effective_to",
        "severity",
        "blocking",
        "hours",
        "holidays",
        "country",
        "closed",
        "const",
        "expr",
        "column",
        "date",
        "time",
        "unit",
        "channel",
        "wait_time",
        "<<",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-10, max_value=100_000)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "5m",
            "PT5M",
            "0s",
            "-5m",
            "95%",
            "150%",
            "wait_time",
            "custom",
            "csv",
            "UTC",
            "Mars/Base",
            "contacts.csv",
            "mon-fri",
            "09:00-17:00",
            "channel = 'phone'",
            "wait_seconds +",
            "`x`",
            "sleep(1) is null",
            "1 = 1; --",
        ]
    )
    | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
    | st.datetimes(timezones=st.just(dt.UTC))
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@st.composite
def shaped(draw: Any) -> dict[str, Any]:
    """A document with the file's shape (a source with a path, a promise of a real kind) and
    random keys and values inside, so that most examples get past the first check."""
    promise: dict[str, Any] = {
        "id": draw(st.sampled_from(["p", "p-1", "p 1", 5])),
        "kind": draw(st.sampled_from(sorted(KINDS)) | KEYS | DOCUMENTS),
    }
    promise.update(draw(st.dictionaries(KEYS, SCALARS | DOCUMENTS, max_size=4)))
    source = {"path": "c.csv", **draw(st.dictionaries(KEYS, SCALARS | DOCUMENTS, max_size=2))}
    document: dict[str, Any] = {
        "organization": "Fuzz Co",
        "sources": {"contacts": source},
        "promises": [promise],
    }
    document.update(draw(st.dictionaries(KEYS, SCALARS | DOCUMENTS, max_size=2)))
    return document


RECORDS = (
    "contact_id,customer_id,channel,queue,initiated_at,enqueued_at,answered_at,resolved_at,"
    "first_response_at,wait_seconds,hold_seconds,transfers,abandoned,survey_sent_at,csat\n"
    "c1,k1,phone,q1,2026-10-01T09:00:00Z,2026-10-01T09:00:10Z,2026-10-01T09:04:00Z,"
    "2026-10-01T12:00:00Z,,230,30,1,no,2026-10-02T09:00:00Z,4\n"
    "c2,k1,email,q2,2026-10-03T09:00:00Z,,,,2026-10-03T15:00:00Z,,,0,,,\n"
)


@FUZZ
@given(document=shaped())
@example(
    document={
        "organization": "o",
        "sources": {"contacts": {"path": "c.csv"}},
        "promises": [{"id": "p", "kind": ["custom"]}],
    }
)
def test_a_random_document_loads_and_audits_or_fails_cleanly(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    """Past the loader, the audit itself: what the loader lets through, the engine can run."""
    path = tmp_path / "promises.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    (tmp_path / "c.csv").write_text(RECORDS, encoding="utf-8")
    try:
        audit(path)
    except PromiseAuditError as error:
        assert "\n" not in error.one_line()


# ---------------------------------------------------------------------------------------------
# The expression language

TOKENS = st.sampled_from(
    [
        "(",
        ")",
        ",",
        "=",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "true",
        "false",
        "'a'",
        '"b"',
        "'it''s'",
        "''",
        "0",
        "5",
        "1.5",
        "5m",
        "24h",
        "7d",
        "2w",
        "0.5s",
        "99999999999999999999",
        "1" + "0" * 400,
        "wait_seconds",
        "hold_count",
        "initiated_at",
        "resolved_at",
        "channel",
        "abandoned",
        "csat",
        "as_of",
        "`Answered (Y/N)`",
        '`a"b`',
        "nosuch",
        "concat",
        "coalesce",
        "lower",
        "upper",
        "abs",
        "hour",
        "weekday",
        "date",
        "sleep",
        ";",
        "--",
        "/*",
        "`",
        "'",
        '"',
        "\\",
        "$",
        "@",
        "#",
        "::",
        "[",
        "e5",
        ".5",
        "5x",
        "\x00",
        "é",
        "\u2028",
    ]
)
ATOMS = st.sampled_from(
    [
        "wait_seconds",
        "hold_count",
        "initiated_at",
        "resolved_at",
        "as_of",
        "channel",
        "abandoned",
        "csat",
        "`Answered (Y/N)`",
        "'phone'",
        "'it''s'",
        "0",
        "1.5",
        "-2",
        "99999999999999999999",
        "5m",
        "24h",
        "99999999999w",
        "true",
        "false",
    ]
)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(
        inner,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "and", "or"]),
        inner,
    ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    call = st.tuples(
        st.sampled_from(["concat", "coalesce", "lower", "upper", "abs", "hour", "weekday", "date"]),
        st.lists(inner, min_size=1, max_size=3),
    ).map(lambda t: f"{t[0]}({', '.join(t[1])})")
    tests = st.tuples(inner, st.sampled_from(["is null", "is not null"])).map(" ".join)
    listed = st.tuples(inner, st.lists(inner, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} in ({', '.join(t[1])})"
    )
    return binary | call | tests | listed | inner.map(lambda e: f"not ({e})")


# well-formed text (most of it then fails the type check, or not), token soup, any text
GRAMMAR = st.recursive(ATOMS, _combine, max_leaves=8)
EXPRESSIONS = (
    GRAMMAR
    | st.lists(TOKENS, max_size=14).map(" ".join)
    | st.lists(TOKENS, max_size=14).map("".join)
    | st.text(max_size=40)
)
FIELD_TYPES = {
    **CANONICAL_FIELDS,
    "as_of": CANONICAL_FIELDS["initiated_at"],
    "Answered (Y/N)": CANONICAL_FIELDS["channel"],
}


@pytest.fixture(scope="module")
def engine() -> Any:
    """One row of every field: values for most, null for the rest."""
    con = duckdb.connect()
    columns = ", ".join(f"{_quote(name)} {SQL_TYPES[kind]}" for name, kind in FIELD_TYPES.items())
    con.execute(f"CREATE TABLE t ({columns})")
    con.execute(
        "INSERT INTO t (contact_id, channel, initiated_at, resolved_at, as_of, wait_seconds, "
        "hold_count, abandoned, csat, \"Answered (Y/N)\") VALUES ('c1', 'phone', "
        "'2026-10-01 09:00:00+00', '2026-10-02 09:00:00+00', '2026-10-10 00:00:00+00', 90, 2, "
        "false, 5, 'Y')"
    )
    return con


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@FUZZ
@given(text=EXPRESSIONS)
@example(text="initiated_at + 99999999999999999999 > resolved_at")
@example(text="hour(as_of - 99999999999w) = 1")
@example(text="(" * 150 + "1" + ")" * 150)
@example(text="not " * 300 + "true")
@example(text="- " * 300 + "1 = 1")
def test_an_expression_compiles_and_runs_or_fails_cleanly(engine: Any, text: str) -> None:
    try:
        compiled = compile_sql(parse(text), FIELD_TYPES)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        return
    engine.execute(f"SELECT {compiled.sql} FROM t").fetchall()


def test_the_reliability_page_quotes_the_fuzzing() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text("utf-8")
    tests = [test for test in globals().values() if hasattr(test, "hypothesis")]
    total = len(tests) * DEFAULT_FUZZ_EXAMPLES
    assert f"{len(tests)} tests of {DEFAULT_FUZZ_EXAMPLES} examples each, {total} a run" in page
