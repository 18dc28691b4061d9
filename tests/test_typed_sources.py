"""A typed column (Parquet's timestamps, numbers, booleans) gives its values as they are, and
the audit is the same as for the same records written as text: the same counts, the same
invalid values by field and reason with the same sample text, the same rejects. A naive
timestamp is read in the source's time zone, an instant stays that instant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from tests.conftest import write_promise_file

runner = CliRunner()

# The export as text, written as the engine writes each typed value as text (a naive
# timestamp without offset, an instant in the promise file's zone, America/New_York)
HEADER = (
    "contact_id,channel,initiated_at,enqueued_at,answered_at,ended_at,wait_seconds,"
    "hold_seconds,transfers,csat,abandoned,survey_sent_at,customer_id"
)
ROWS = (
    # kept: a 60 s wait, answered
    "c1,phone,2026-10-01 09:00:00-04,2026-10-01 09:00:10,2026-10-01 09:01:10,"
    "2026-10-01 09:10:00-04,60,12.5,0,4.5,false,2026-10-02,u1",
    # a wait over 5 minutes; a negative hold (DOUBLE)
    "c2,phone,2026-10-01 10:00:00-04,2026-10-01 10:00:05,2026-10-01 10:07:05,"
    "2026-10-01 10:20:00-04,420,-2.5,2,3.0,false,2026-10-03,u1",
    # a negative wait; an end before its start
    "c3,phone,2026-10-01 11:00:00-04,2026-10-01 11:00:00,2026-10-01 11:00:30,"
    "2026-10-01 10:59:00-04,-5,0.0,1,5.0,false,,u2",
    # -1 for "no queue": missing, not negative; an enqueued_at out of range
    "c4,phone,2026-10-01 12:00:00-04,0001-01-01 00:00:00,,2026-10-01 12:05:00-04,-1,,,,true,,u2",
    # answered before it was queued; an end out of range
    "c5,phone,2026-10-02 08:00:00-04,2026-10-02 08:05:00,2026-10-02 08:01:00,"
    "9999-12-31 18:59:59-05,30,1.25,0,1.0,false,2026-10-05,u3",
    # abandoned after 3 minutes: nulls everywhere else
    "c6,phone,2026-10-02 09:00:00-04,2026-10-02 09:00:00,,,180,,,,true,,",
    # no initiated_at: rejected
    "c7,chat,,2026-10-02 09:30:00,,,10,,0,,false,,u4",
    # a local time in the hour skipped in March (read as the text is: a local time)
    "c8,chat,2026-03-08 07:30:00-04,2026-03-08 02:30:00,2026-03-08 02:31:00,"
    "2026-03-08 08:00:00-04,60,,0,2.5,false,2026-03-09,u5",
)
TYPES = {
    "initiated_at": "TIMESTAMPTZ",
    "enqueued_at": "TIMESTAMP",
    "answered_at": "TIMESTAMP",
    "ended_at": "TIMESTAMPTZ",
    "wait_seconds": "BIGINT",
    "hold_seconds": "DOUBLE",
    "transfers": "INTEGER",
    "csat": "DECIMAL(3,1)",
    "abandoned": "BOOLEAN",
    "survey_sent_at": "DATE",
}
PROMISES = [
    {"id": "wait-5m", "kind": "wait_time", "scope": {"channel": ["phone"]}, "limit": "5m"},
    {"id": "hold-5m", "kind": "hold_time", "limit": "5m"},
    {"id": "transfers-1", "kind": "transfers", "max": 1},
    {"id": "resolved-1h", "kind": "resolution_time", "limit": "1h"},
    {"id": "repeat-7d", "kind": "repeat_contact", "window": "7d"},
    {"id": "survey-1-in-30d", "kind": "survey_cap", "max": 1, "window": "30d"},
]


def write_exports(folder: Path, zone: str = "America/New_York") -> tuple[Path, Path]:
    """The rows as Parquet, typed columns cast from the text above, and as CSV: each value
    as the engine writes it as text in `zone` (the text above, in New York)."""
    import duckdb

    csv_path = folder / "contacts.csv"
    csv_path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    parquet = folder / "contacts.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    columns = ", ".join(
        f"CAST({c} AS {TYPES[c]}) AS {c}" if c in TYPES else c for c in HEADER.split(",")
    )
    con.execute(
        f"COPY (SELECT {columns} FROM read_csv('{csv_path}', all_varchar=true)) TO '{parquet}'"
    )
    described = dict(
        (row[0], row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM '{parquet}'").fetchall()
    )
    assert described["initiated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert described["enqueued_at"] == "TIMESTAMP"
    con.execute(f"SET TimeZone = '{zone}'")
    texts = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in HEADER.split(","))
    con.execute(f"COPY (SELECT {texts} FROM '{parquet}') TO '{csv_path}' (HEADER true)")
    con.close()
    return csv_path, parquet


def audited(
    folder: Path, records: str, source: dict[str, Any] | None = None, *options: str
) -> dict[str, Any]:
    path = write_promise_file(
        folder / f"{records}.yaml",
        PROMISES,
        records=records,
        timezone="America/New_York",
        source={"max_rejected": "100%", **(source or {})},
    )
    result = runner.invoke(app, ["check", str(path), "--format", "json", *options])
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def without_paths(value: Any) -> Any:
    """The document without what names the file or its format (which differ on purpose)."""
    if isinstance(value, dict):
        return {
            k: without_paths(v)
            for k, v in value.items()
            if k not in ("path", "file", "files", "format", "promise_file", "records_path")
        }
    if isinstance(value, list):
        return [without_paths(v) for v in value]
    if isinstance(value, str):
        return value.replace("contacts.parquet", "contacts.csv")
    return value


@pytest.mark.parametrize("source", [None, {"timezone": "Europe/Berlin"}])
def test_a_typed_parquet_export_audits_as_its_text_does(
    tmp_path: Path, source: dict[str, Any] | None
) -> None:
    write_exports(tmp_path, (source or {}).get("timezone", "America/New_York"))
    from_text = audited(tmp_path, "contacts.csv", source)
    from_types = audited(tmp_path, "contacts.parquet", source)
    assert without_paths(from_types) == without_paths(from_text)


def test_typed_values_are_checked_and_shown_as_their_text(tmp_path: Path) -> None:
    csv_path, _ = write_exports(tmp_path)
    # the text the engine writes in New York is the text the rows were written in
    assert csv_path.read_text(encoding="utf-8").splitlines() == [HEADER, *ROWS]
    records = audited(tmp_path, "contacts.parquet")["records"]
    # hand-counted from ROWS
    assert (records["read"], records["rejected"]) == (8, 1)
    assert records["rejects_by_reason"] == {"missing_initiated_at": 1}
    invalid = records["invalid_by_field"]
    assert invalid["wait_seconds"] == {"negative": 1}  # c3; c4's -1 is missing
    assert invalid["hold_seconds"] == {"negative": 1}  # c2
    assert invalid["enqueued_at"] == {"out_of_range": 1}  # c4
    assert invalid["answered_at"] == {"before_enqueued_at": 1}  # c5
    # c3 ends before it was queued (checked before its start), c5 in the year 9999
    assert invalid["ended_at"] == {"before_enqueued_at": 1, "out_of_range": 1}
    samples = {(s["field"], s["reason"]): s["value"] for s in records["invalid_values"]}
    assert samples[("enqueued_at", "out_of_range")] == "0001-01-01 00:00:00"
    assert samples[("ended_at", "out_of_range")] == "9999-12-31 18:59:59-05"
    assert samples[("wait_seconds", "negative")] == "-5"
    assert samples[("hold_seconds", "negative")] == "-2.5"
    assert samples[("answered_at", "before_enqueued_at")] == "2026-10-02 08:01:00"


def test_a_typed_parquet_export_audits_as_its_text_does_under_a_memory_limit(
    tmp_path: Path,
) -> None:
    # the rows are stored first, typed columns as they are, and cast to text where read
    write_exports(tmp_path)
    from_text = audited(tmp_path, "contacts.csv")
    from_types = audited(tmp_path, "contacts.parquet", None, "--memory-limit", "500MB")
    assert without_paths(from_types) == without_paths(from_text)
