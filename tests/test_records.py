"""Records: formats, mappings, parsing, derivations, and the accounting of every input row."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.errors import RecordsError
from tests.conftest import with_other_records_filled, write_csv, write_promise_file

WAIT_5M = {"id": "wait", "kind": "wait_time", "limit": "5m"}


def run(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    promises: list[dict[str, Any]] | None = None,
    **options: Any,
) -> Any:
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(tmp_path / "p.yaml", promises or [WAIT_5M], **options)
    return audit(path)


@pytest.mark.parametrize(
    ("value", "abandoned"),
    [
        ("true", True),
        ("Y", True),
        ("yes", True),
        ("1", True),
        ("FALSE", False),
        ("n", False),
        ("No", False),
        ("0", False),
    ],
)
def test_booleans_read_in_the_forms_exports_use(
    tmp_path: Path, value: str, abandoned: bool
) -> None:
    rows = [
        {
            "contact_id": "1",
            "initiated_at": "2026-10-01T09:00:00Z",
            "wait_seconds": 100,
            "abandoned": value,
        }
    ]
    result = run(tmp_path, rows)
    (promise,) = result.promises
    # an abandon within the limit is excluded by default; an answered wait of 100 s is kept
    assert (promise.excluded, promise.kept) == ((1, 0) if abandoned else (0, 1))


def test_unreadable_boolean_is_an_invalid_value_naming_row_and_column(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "abandoned": "no"},
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z", "abandoned": "maybe"},
    ]
    rows = [{**row, "wait_seconds": 60} for row in rows]  # wait_time reads abandoned
    result = run(tmp_path, rows, source={"max_rejected": "100%"})  # 1 of 2 unreadable
    assert (result.records.rejected, result.records.used) == (0, 2)
    (invalid,) = result.records.invalid_sample
    assert (invalid.row, invalid.field, invalid.column, invalid.value) == (
        2,
        "abandoned",
        "abandoned",
        "maybe",
    )
    assert invalid.reason == "unparseable"
    assert result.records.invalid_by_field == {"abandoned": {"unparseable": 1}}


def test_naive_timestamps_are_read_in_the_declared_timezone(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-09 20:00:00", "resolved_at": ""}]
    rows = with_other_records_filled(rows)
    promise = {"id": "res", "kind": "resolution_time", "limit": "24h"}
    # 20:00 in Vancouver (UTC-7) is 03:00 UTC on the 10th; deadline 03:00 UTC on the 11th
    result = run(
        tmp_path, rows, [promise], as_of="2026-10-11T03:00:00+00:00", timezone="America/Vancouver"
    )
    assert result.promises[0].broken == 1  # deadline exactly at as_of
    result = run(
        tmp_path, rows, [promise], as_of="2026-10-11T02:59:59+00:00", timezone="America/Vancouver"
    )
    assert result.promises[0].pending == 1


def test_source_timezone_overrides_the_file_timezone(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-09 20:00:00", "resolved_at": ""}]
    rows = with_other_records_filled(rows)
    promise = {"id": "res", "kind": "resolution_time", "limit": "24h"}
    result = run(
        tmp_path,
        rows,
        [promise],
        as_of="2026-10-10T20:00:00+00:00",
        timezone="America/Vancouver",
        source={"timezone": "UTC"},
    )
    assert result.promises[0].broken == 1


def test_offsets_in_the_data_win_over_the_declared_timezone(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-09T20:00:00+00:00", "resolved_at": ""}]
    rows = with_other_records_filled(rows)
    promise = {"id": "res", "kind": "resolution_time", "limit": "24h"}
    result = run(
        tmp_path, rows, [promise], as_of="2026-10-10T20:00:00+00:00", timezone="America/Vancouver"
    )
    assert result.promises[0].broken == 1


def test_wait_and_abandoned_are_derived_from_queue_timestamps(tmp_path: Path) -> None:
    rows = [
        # answered after 300 s: kept (exactly at the limit)
        {
            "contact_id": "1",
            "initiated_at": "2026-10-01T09:00:00Z",
            "enqueued_at": "2026-10-01T09:00:00Z",
            "answered_at": "2026-10-01T09:05:00Z",
            "ended_at": "2026-10-01T09:10:00Z",
        },
        # abandoned after 301 s: broken
        {
            "contact_id": "2",
            "initiated_at": "2026-10-01T09:00:00Z",
            "enqueued_at": "2026-10-01T09:00:00Z",
            "answered_at": "",
            "ended_at": "2026-10-01T09:05:01Z",
        },
        # abandoned after 30 s: excluded
        {
            "contact_id": "3",
            "initiated_at": "2026-10-01T09:00:00Z",
            "enqueued_at": "2026-10-01T09:00:00Z",
            "answered_at": "",
            "ended_at": "2026-10-01T09:00:30Z",
        },
        # never queued: not in the population
        {
            "contact_id": "4",
            "initiated_at": "2026-10-01T09:00:00Z",
            "enqueued_at": "",
            "answered_at": "",
            "ended_at": "2026-10-01T09:00:30Z",
        },
    ]
    (promise,) = run(tmp_path, rows).promises
    assert (promise.population, promise.kept, promise.broken, promise.excluded) == (3, 1, 1, 1)
    assert promise.excluded_by_reason == {"abandoned_within_limit": 1}


def test_a_given_value_is_never_overwritten_by_a_derivation(tmp_path: Path) -> None:
    rows = [
        {
            "contact_id": "1",
            "initiated_at": "2026-10-01T09:00:00Z",
            "enqueued_at": "2026-10-01T09:00:00Z",
            "answered_at": "2026-10-01T09:10:00Z",
            "wait_seconds": 60,
        }
    ]
    (promise,) = run(tmp_path, rows).promises
    assert promise.kept == 1


def test_column_mappings_rename_combine_convert_and_compute(tmp_path: Path) -> None:
    rows = [
        {
            "Call Id": "A",
            "Date": "10/01/26",
            "Time": "09:00:00",
            "Speed of answer": "6",
            "Answered (Y/N)": "N",
            "Line": "x",
        },
        {
            "Call Id": "B",
            "Date": "10/01/26",
            "Time": "09:30:00",
            "Speed of answer": "4",
            "Answered (Y/N)": "Y",
            "Line": "x",
        },
    ]
    source = {
        "columns": {
            "contact_id": "Call Id",
            "channel": {"const": "phone"},
            "initiated_at": {"date": "Date", "time": "Time", "format": "%m/%d/%y %H:%M:%S"},
            "wait_seconds": {"column": "Speed of answer", "unit": "min"},
            "abandoned": {"expr": "`Answered (Y/N)` = 'N'"},
            "customer_id": {"expr": "concat(`Line`, '-', `Call Id`)"},
        }
    }
    (promise,) = run(tmp_path, rows, source=source).promises
    # A: abandoned after 6 min -> broken; B: answered after 4 min -> kept
    assert (promise.population, promise.kept, promise.broken) == (2, 1, 1)


def test_duration_forms_hms_and_iso(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "00:05:00"},
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "PT5M1S"},
        {"contact_id": "3", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "4:59"},
    ]
    (promise,) = run(tmp_path, rows).promises
    assert (promise.kept, promise.broken) == (2, 1)


def test_null_values_are_read_as_missing(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "N/A"}]
    (promise,) = run(tmp_path, rows, source={"null_values": ["", "N/A"]}).promises
    assert promise.population == 0  # no wait: never queued
    result = run(tmp_path, rows, source={"max_rejected": "100%"})  # unreadable on purpose
    assert result.records.rejects_by_reason == {}
    assert result.records.invalid_by_field == {"wait_seconds": {"unparseable": 1}}


def test_every_row_is_accounted_for(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 1},
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 1},
        {"contact_id": "", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 1},
        {"contact_id": "3", "initiated_at": "", "wait_seconds": 1},
        {"contact_id": "4", "initiated_at": "2026-11-01T09:00:00Z", "wait_seconds": 1},
        {"contact_id": "5", "initiated_at": "2026-10-02T09:00:00Z", "wait_seconds": 1},
    ]
    records = run(tmp_path, rows, source={"max_rejected": "100%"}).records
    assert (
        records.read,
        records.used,
        records.rejected,
        records.duplicates,
        records.out_of_period,
    ) == (6, 2, 2, 1, 1)
    assert records.rejects_by_reason == {"missing_contact_id": 1, "missing_initiated_at": 1}


def test_as_of_defaults_to_the_latest_initiated_at(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T00:00:00Z", "resolved_at": ""},
        {"contact_id": "2", "initiated_at": "2026-10-02T00:00:00Z", "resolved_at": ""},
    ]
    promise = {"id": "res", "kind": "resolution_time", "limit": "24h"}
    result = run(tmp_path, with_other_records_filled(rows), [promise], as_of=None)
    assert result.as_of == "2026-10-02T00:00:00+00:00"
    # contact 1's deadline is exactly as_of: broken; contact 2's is after it: pending
    assert (result.promises[0].broken, result.promises[0].pending) == (1, 1)


def test_missing_required_column_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="initiated_at"):
        run(tmp_path, [{"contact_id": "1", "started": "2026-10-01T00:00:00Z"}])


def test_mapping_to_a_column_that_is_not_there_suggests(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="did you mean 'Call Id'"):
        run(
            tmp_path,
            [{"Call Id": "1", "initiated_at": "2026-10-01T00:00:00Z"}],
            source={"columns": {"contact_id": "Call ID"}},
        )


def test_ragged_rows_are_rejected_and_counted(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(
        "contact_id,initiated_at,wait_seconds\n1,2026-10-01T00:00:00Z,5\n"
        "2,2026-10-01T00:00:00Z,5,extra\n3,2026-10-01T00:00:00Z,5\n",
        encoding="utf-8",
    )
    path = write_promise_file(tmp_path / "p.yaml", [WAIT_5M], source={"max_rejected": "100%"})
    records = audit(path).records
    assert (records.read, records.used, records.rejected) == (3, 2, 1)
    assert records.reconciles()


def test_jsonl_gzip_and_parquet_read_the_same(tmp_path: Path) -> None:
    import duckdb

    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 100},
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 400},
    ]
    jsonl = tmp_path / "contacts.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    csv_path = write_csv(tmp_path / "c.csv", rows)
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{tmp_path / 'c.parquet'}'")
    for name, fmt in (("contacts.jsonl.gz", "jsonl"), ("c.parquet", None), ("c.csv", None)):
        path = write_promise_file(
            tmp_path / "p.yaml", [WAIT_5M], records=name, source={"format": fmt} if fmt else None
        )
        (promise,) = audit(path).promises
        assert (promise.kept, promise.broken) == (1, 1), name


def test_glob_reads_every_part(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "part-1.csv", [{"contact_id": "1", "initiated_at": "2026-10-01T00:00:00Z"}]
    )
    write_csv(
        tmp_path / "part-2.csv", [{"contact_id": "2", "initiated_at": "2026-10-01T00:00:00Z"}]
    )
    path = write_promise_file(tmp_path / "p.yaml", [WAIT_5M], records="part-*.csv")
    assert audit(path).records.read == 2


def test_records_override_with_a_parquet_file_reads_it_as_parquet(tmp_path: Path) -> None:
    import duckdb

    rows = [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 100}]
    csv_path = write_csv(tmp_path / "contacts.csv", rows)
    parquet = tmp_path / "latest.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet}'")
    path = write_promise_file(tmp_path / "p.yaml", [WAIT_5M], source={"format": "csv"})
    (promise,) = audit(path, str(parquet)).promises
    assert promise.kept == 1


@pytest.mark.parametrize(
    ("wait", "outcome"),
    [("1,200", "broken"), ("-1", "not queued"), ("299.5", "kept"), ("1,2", "invalid")],
)
def test_thousands_separators_and_minus_one_for_not_applicable(
    tmp_path: Path, wait: str, outcome: str
) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": wait}]
    result = run(tmp_path, rows, source={"max_rejected": "100%"})  # "1,2" cannot be read
    (promise,) = result.promises
    found = {
        (1, 0, 0): "kept",
        (0, 1, 0): "broken",
        (0, 0, 0): "not queued",
        (0, 0, 1): "invalid",
    }[(promise.kept, promise.broken, promise.excluded)]
    assert found == outcome
    assert result.records.rejected == 0
    if outcome == "invalid":
        assert promise.excluded_by_reason == {"invalid_wait_seconds": 1}


def test_excel_serial_dates_are_read_as_local_days(tmp_path: Path) -> None:
    # 46296.375 is 2026-10-01 09:00 (days since 1899-12-30); naive, so read in the file's zone
    rows = [{"contact_id": "1", "initiated_at": "46296.375", "resolved_at": "46297.375"}]
    promise = {"id": "res", "kind": "resolution_time", "limit": "24h"}
    result = run(tmp_path, rows, [promise], as_of="2026-10-03T00:00:00+00:00")
    assert result.records.used == 1
    assert result.promises[0].kept == 1
    assert result.promises[0].distribution.median == 86400


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16"])
def test_a_declared_encoding_is_read(tmp_path: Path, encoding: str) -> None:
    text = (
        "contact_id,initiated_at,wait_seconds,queue\n1,2026-10-01T09:00:00Z,100,Caf\u00e9 \u20ac\n"
    )
    if encoding == "latin-1":
        text = text.replace(" \u20ac", "")
    (tmp_path / "contacts.csv").write_bytes(text.encode(encoding))
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{**WAIT_5M, "scope": {"queue": text.rsplit(",", 1)[1].strip()}}],
        source={"encoding": encoding},
    )
    (promise,) = audit(path).promises
    assert promise.kept == 1
    assert audit(path).records.files == (str(tmp_path / "contacts.csv"),)


def test_an_xlsx_sheet_is_read_with_its_dates_and_numbers(tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Call Id", "Started", "Wait"])
    sheet.append(["A", dt.datetime(2026, 10, 1, 9, 0), 100])
    sheet.append(["B", dt.datetime(2026, 10, 1, 9, 30), 400])
    book.save(tmp_path / "calls.xlsx")
    source = {
        "columns": {"contact_id": "Call Id", "initiated_at": "Started", "wait_seconds": "Wait"}
    }
    path = write_promise_file(tmp_path / "p.yaml", [WAIT_5M], records="calls.xlsx", source=source)
    result = audit(path)
    (promise,) = result.promises
    assert (result.records.read, promise.kept, promise.broken) == (2, 1, 1)
    assert result.records.files == (str(tmp_path / "calls.xlsx"),)
