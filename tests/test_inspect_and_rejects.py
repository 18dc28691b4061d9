"""`inspect` describes an export; `--rejects` writes every reject as spreadsheet-safe CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.inspection import inspect_export
from promise_audit.render.csv_safe import neutralise
from tests.conftest import write_csv, write_promise_file

runner = CliRunner()


def test_inspect_reports_rows_range_and_fields(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "export.csv",
        [
            {
                "contact_id": "1",
                "initiated_at": "2026-10-01T09:00:00Z",
                "enqueued_at": "2026-10-01T09:00:00Z",
                "answered_at": "2026-10-01T09:01:00Z",
                "Region": "north",
            },
            {
                "contact_id": "2",
                "initiated_at": "2026-10-03T09:00:00Z",
                "enqueued_at": "",
                "answered_at": "",
                "Region": "south",
            },
            {
                "contact_id": "",
                "initiated_at": "2026-10-03T09:00:00Z",
                "enqueued_at": "",
                "answered_at": "",
                "Region": "south",
            },
        ],
    )
    report = inspect_export(str(path))
    assert (report.records, report.rejected) == (3, 1)
    assert report.first_initiated_at == "2026-10-01T09:00:00+00:00"
    assert report.last_initiated_at == "2026-10-03T09:00:00+00:00"
    assert "wait_seconds" in report.derived and "abandoned" in report.derived
    assert report.attributes == ("Region",)


def test_inspect_names_the_promises_an_export_cannot_audit(tmp_path: Path) -> None:
    write_csv(tmp_path / "contacts.csv", [{"contact_id": "1", "initiated_at": "2026-10-01"}])
    promises = write_promise_file(
        tmp_path / "p.yaml",
        [
            {"id": "res", "kind": "resolution_time", "limit": "24h"},
            {"id": "tr", "kind": "transfers", "max": 1},
        ],
    )
    result = runner.invoke(
        app, ["inspect", str(tmp_path / "contacts.csv"), "--promises", str(promises)]
    )
    assert result.exit_code == 3
    assert "res (resolution_time): unauditable, no resolved_at" in result.output


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value: str, safe: str) -> None:
    assert neutralise(value) == safe


def test_rejects_file_lists_every_reject_and_invalid_value_with_row_column_and_reason(
    tmp_path: Path,
) -> None:
    write_csv(
        tmp_path / "contacts.csv",
        [
            {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "=cmd"},
            {"contact_id": "2", "initiated_at": "yesterday", "wait_seconds": "5"},
            {"contact_id": "3", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "5"},
        ],
    )
    promises = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "w", "kind": "wait_time", "limit": "5m"}],
        source={"max_rejected": "100%"},  # one row of three is rejected on purpose
    )
    out = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["check", str(promises), "--rejects", str(out)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [
        (r["status"], r["row"], r["field"], r["column"], r["reason"], r["value"]) for r in rows
    ] == [
        ("rejected", "2", "initiated_at", "initiated_at", "unparseable_initiated_at", "yesterday"),
        ("invalid", "1", "wait_seconds", "wait_seconds", "unparseable", "'=cmd"),
    ]
