"""Shared fixtures: write a small export and a promise file, run the audit, read one result."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from promise_audit.audit import audit
from promise_audit.results import AuditResult, PromiseResult

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(scope="session", autouse=True)
def example_data() -> Iterator[None]:
    """promises/examples/ read their data from $PROMISE_AUDIT_DATA: the tests point it at the
    real exports kept beside the project (tests that need them skip where they are absent)."""
    before = os.environ.get("PROMISE_AUDIT_DATA")
    os.environ["PROMISE_AUDIT_DATA"] = str(REAL_DATA)
    yield
    if before is None:
        os.environ.pop("PROMISE_AUDIT_DATA", None)
    else:
        os.environ["PROMISE_AUDIT_DATA"] = before


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def write_promise_file(
    path: Path,
    promises: Sequence[dict[str, Any]],
    *,
    records: str = "contacts.csv",
    as_of: str | None = "2026-10-10T00:00:00+00:00",
    timezone: str = "UTC",
    source: dict[str, Any] | None = None,
) -> Path:
    document: dict[str, Any] = {"organization": "Test Co", "timezone": timezone}
    if as_of is not None:
        document["as_of"] = as_of
    source = dict(source or {})
    # a database table is named by `table`, not `path`
    where = {} if "table" in source else {"path": records}
    document["sources"] = {"contacts": {**where, **source}}
    document["promises"] = list(promises)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


# A value of each type, for `with_other_records_filled`
_FILLER = {"timestamp": "2026-01-01T00:00:00+00:00", "boolean": "false", "text": "filler"}


def with_other_records_filled(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, and a second copy of the first one (a duplicate, so never used) that fills
    every canonical column the rows leave empty: the records are judged as in an export that
    fills those columns on other records. A column empty on every record is a field the export
    does not give (test_records.py tests that), which is not what a one-record test is about."""
    from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS

    if not rows:
        return list(rows)
    columns = {key for row in rows for key in row}
    empty = [
        c
        for c in columns
        if c in CANONICAL_FIELDS
        and c not in REQUIRED_FIELDS
        and all(row.get(c) in (None, "") for row in rows)
    ]
    if not empty:
        return list(rows)
    filler = dict(rows[0])
    for column in empty:
        filler[column] = _FILLER.get(CANONICAL_FIELDS[column].value, "0")
    return [*rows, filler]


AuditOne = Callable[..., PromiseResult]


@pytest.fixture
def audit_one(tmp_path: Path) -> AuditOne:
    """audit_one(rows, promise_options, as_of=..., source=...) -> the one PromiseResult."""

    def run(
        rows: Sequence[dict[str, Any]],
        promise: dict[str, Any],
        *,
        as_of: str | None = "2026-10-10T00:00:00+00:00",
        source: dict[str, Any] | None = None,
        timezone: str = "UTC",
    ) -> PromiseResult:
        write_csv(tmp_path / "contacts.csv", with_other_records_filled(rows))
        spec = {"id": "p", **promise}
        path = write_promise_file(
            tmp_path / "promises.yaml", [spec], as_of=as_of, source=source, timezone=timezone
        )
        result = audit(path)
        assert result.records.reconciles()
        (only,) = result.promises
        assert only.population == only.kept + only.broken + only.pending + only.excluded
        return only

    return run


@pytest.fixture
def audit_all(tmp_path: Path) -> Callable[..., AuditResult]:
    def run(
        rows: Sequence[dict[str, Any]],
        promises: Sequence[dict[str, Any]],
        **options: Any,
    ) -> AuditResult:
        write_csv(tmp_path / "contacts.csv", with_other_records_filled(rows))
        path = write_promise_file(tmp_path / "promises.yaml", promises, **options)
        return audit(path)

    return run


def a_promise(**fields: Any) -> PromiseResult:
    """A promise's result with only the fields a test names set (the rest empty): for tests of
    what reads a result (words, waivers, baselines) without running an audit."""
    base = PromiseResult(
        id="p",
        kind="wait_time",
        title=None,
        statement=None,
        published_in=None,
        url=None,
        owner=None,
        severity="high",
        blocking=True,
        source="contacts",
        target=0.9,
        warn_below=None,
        verdict="kept",
        line=None,
        column=None,
        rule="",
        convention=None,
        sentence="",
    )
    return replace(base, **fields)
