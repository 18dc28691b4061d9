"""`timestamp(text, 'format')` and `duration(text)`: text read as a time or a duration, so that
a per-record due date can be a promise. A value that cannot be read is null (missing)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from promise_audit.audit import audit
from promise_audit.expressions import ExpressionError, compile_sql, parse
from promise_audit.records.schema import FieldType
from tests.conftest import AuditOne, write_promise_file
from tests.real._support import REAL_DATA

TEXT = {"t": FieldType.TEXT, "resolved_at": FieldType.TIMESTAMP}


def evaluate(expression: str, values: list[str | None], zone: str = "UTC") -> list[object]:
    compiled = compile_sql(parse(expression), TEXT)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    rows = con.execute(
        f"SELECT {compiled.sql} FROM (SELECT unnest(?) AS t, NULL::TIMESTAMPTZ AS resolved_at)",
        [values],
    ).fetchall()
    return [row[0] for row in rows]


def test_timestamp_reads_a_month_first_twelve_hour_time_in_the_session_zone() -> None:
    (value,) = evaluate(
        "timestamp(t, '%m/%d/%Y %I:%M:%S %p')", ["03/22/2011 02:27:57 PM"], "America/New_York"
    )
    # 22 March 2011 is after the change to summer time (13 March): UTC-4
    assert value == dt.datetime(2011, 3, 22, 18, 27, 57, tzinfo=dt.UTC)


def test_timestamp_of_text_that_does_not_fit_the_pattern_is_null() -> None:
    assert evaluate("timestamp(t, '%d/%m/%Y')", ["31/12/2026", "12/31/2026", "soon", None]) == [
        dt.datetime(2026, 12, 31, tzinfo=dt.UTC),
        None,
        None,
        None,
    ]


def test_timestamp_without_a_pattern_reads_iso_8601_only() -> None:
    assert evaluate("timestamp(t)", ["2026-10-01T09:30:00+02:00", "yesterday"]) == [
        dt.datetime(2026, 10, 1, 7, 30, tzinfo=dt.UTC),
        None,
    ]


def test_duration_reads_seconds_clock_times_and_iso_8601() -> None:
    # 90 s; 1 min 30 s; 2 min 23 s; 5 min; 1 h 2 min 3 s; 1 day 2 h = 93,600 s; 1.5 s
    assert evaluate(
        "duration(t)", ["90", "1:30", "0:02:23", "PT5M", "1:02:03", "P1DT2H", "1.5"]
    ) == [90.0, 90.0, 143.0, 300.0, 3723.0, 93600.0, 1.5]


def test_a_duration_that_cannot_be_read_or_is_negative_is_null() -> None:
    assert evaluate("duration(t)", ["-5", "soon", "", None]) == [None, None, None, None]


def test_a_duration_compares_with_a_duration_literal() -> None:
    assert evaluate("duration(t) <= 5m", ["300", "301"]) == [True, False]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timestamp(t, t)", "timestamp()'s format is a text literal"),
        ("timestamp(t, '%Q')", "unknown directive %Q"),
        ("timestamp(t, 'dd/mm')", "has no directive"),
        ("timestamp(resolved_at)", "timestamp() needs text, got timestamp"),
        ("duration(5)", "duration() needs text, got number"),
        ("timestamp(t, '%Y', '%m')", "timestamp() takes 1 or 2 arguments, got 3"),
    ],
)
def test_a_misused_reading_function_is_an_error_that_says_how(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_sql(parse(text), TEXT)


def test_a_per_record_due_date_is_a_promise(audit_one: AuditOne) -> None:
    rows = [
        # resolved an hour before its due date: kept
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-02T09:00:00Z", "Due": "02/10/2026 10:00"},
        # resolved exactly at its due date: kept (a limit is inclusive)
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-02T10:00:00Z", "Due": "02/10/2026 10:00"},
        # a minute late: broken
        {"contact_id": "3", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-02T10:01:00Z", "Due": "02/10/2026 10:00"},
        # a due date that cannot be read: missing, excluded
        {"contact_id": "4", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-02T10:01:00Z", "Due": "next week"},
        # not resolved: excluded as missing resolved_at
        {"contact_id": "5", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "", "Due": "02/10/2026 10:00"},
    ]  # fmt: skip
    result = audit_one(
        rows,
        {"kind": "custom", "kept_if": "resolved_at <= timestamp(Due, '%d/%m/%Y %H:%M')"},
    )
    assert (result.population, result.kept, result.broken, result.excluded) == (5, 2, 1, 2)


NYC = REAL_DATA / "nyc-311-sample" / "311_subset.micro.csv"
NYC_FORMAT = "%m/%d/%Y %I:%M:%S %p"
NULLS = ("", "Unspecified", "0 Unspecified", "N/A")


@pytest.mark.skipif(not NYC.is_file(), reason="the real exports are not beside the project")
def test_nyc_311_requests_closed_by_their_own_due_date(tmp_path: Path) -> None:
    kept = broken = 0
    excluded: Counter[str] = Counter()
    with NYC.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            closed_text = row["Closed Date"].strip()
            due_text = row["Due Date"].strip()
            closed = (
                None
                if closed_text in NULLS or closed_text == "01/01/1900 12:00:00 AM"
                else dt.datetime.strptime(closed_text, NYC_FORMAT)
            )
            due = None if due_text in NULLS else dt.datetime.strptime(due_text, NYC_FORMAT)
            if closed is None:
                excluded["missing_resolved_at"] += 1
            elif due is None:
                excluded["missing_Due Date"] += 1
            elif closed <= due:  # both New York wall-clock times
                kept += 1
            else:
                broken += 1
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [
            {
                "id": "by-due-date",
                "kind": "custom",
                "kept_if": f"resolved_at <= timestamp(`Due Date`, '{NYC_FORMAT}')",
            }
        ],
        records=str(NYC),
        as_of="2016-01-01T00:00:00-05:00",  # after every closure in the file
        timezone="America/New_York",
        source={
            "format": "csv",
            "columns": {
                "contact_id": "Unique Key",
                "initiated_at": {"column": "Created Date", "format": NYC_FORMAT},
                "resolved_at": {
                    "column": "Closed Date",
                    "format": NYC_FORMAT,
                    "null_if": ["01/01/1900 12:00:00 AM"],
                },
            },
            "null_values": list(NULLS),
        },
    )
    result = audit(path)
    (promise,) = result.promises
    assert result.records.used == 2000
    assert (promise.kept, promise.broken) == (kept, broken)
    assert dict(promise.excluded_by_reason) == dict(excluded)
    # the figures, as computed above from the raw file
    assert (kept, broken, sum(excluded.values())) == (1636, 304, 60)
