"""The invalid values of a record, packed into two columns by the parse, come back the same on
PostgreSQL and Spark as on DuckDB: each field's reason, and the value as the export wrote it,
a value holding the packing's separator and escape characters included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from tests.conftest import write_csv, write_promise_file

WEIRD = "soon\x1e\x1bs"
ROWS = [
    # two invalid values on one record, the first holding the separator and the escape
    {
        "contact_id": "c1",
        "initiated_at": "2026-10-01T09:00:00Z",
        "resolved_at": "2026-10-01T09:10:00Z",
        "wait_seconds": WEIRD,
        "ivr_seconds": "-5",
    },
    {
        "contact_id": "c2",
        "initiated_at": "2026-10-01T10:00:00Z",
        "resolved_at": "2026-10-01T09:59:00Z",
        "wait_seconds": "30",
        "ivr_seconds": "20",
    },
    {
        "contact_id": "c3",
        "initiated_at": "2026-10-01T11:00:00Z",
        "resolved_at": "2026-10-01T11:05:00Z",
        "wait_seconds": "400",
        "ivr_seconds": "",
    },
]
PROMISES = [
    {"id": "wait-5m", "kind": "wait_time", "limit": "5m"},
    {"id": "ivr-1m", "kind": "ivr_time", "limit": "1m"},
    {"id": "resolved-1h", "kind": "resolution_time", "limit": "1h"},
]
# by hand: c1's wait unreadable and IVR time negative; c2 resolved before it began
EXPECTED = [
    ("ivr_seconds", "negative", "-5"),
    ("resolved_at", "before_initiated_at", "2026-10-01T09:59:00Z"),
    ("wait_seconds", "unparseable", WEIRD),
]


def _promise_file(folder: Path, source: dict[str, Any]) -> Path:
    return write_promise_file(
        folder / "packing.yaml",
        PROMISES,
        as_of="2026-11-01T00:00:00Z",
        source={"max_rejected": "100%", **source},
    )


def _invalid(result: Any) -> list[tuple[str, str, Any]]:
    return sorted((v.field, v.reason, v.value) for v in result.records.invalid_sample)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", ROWS)


def test_the_invalid_values_come_back_as_written_on_duckdb(export: Path) -> None:
    assert _invalid(audit(_promise_file(export.parent, {"path": str(export)}))) == EXPECTED


def test_the_invalid_values_come_back_as_written_on_postgresql(
    export: Path, postgres_url: str, postgres_table: Callable[[Path], str]
) -> None:
    path = _promise_file(export.parent, {"table": postgres_table(export)})
    assert _invalid(audit(path, engine=postgres_url)) == EXPECTED


def test_the_invalid_values_come_back_as_written_on_spark(export: Path, spark_master: str) -> None:
    path = _promise_file(export.parent, {"path": str(export)})
    assert _invalid(audit(path, engine=spark_master)) == EXPECTED
