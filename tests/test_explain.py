"""`explain` gives, for each contact, the verdict the audit counted for it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app
from tests.conftest import write_csv, write_promise_file

EXAMPLE = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
EXPORT = EXAMPLE.parent / "exports" / "northwind-contacts.csv"


def test_explaining_every_contact_adds_up_to_the_counts() -> None:
    with EXPORT.open(encoding="utf-8") as handle:
        ids = [row["contact_id"] for row in csv.DictReader(handle)]
    result = audit(EXAMPLE, explain=ids)
    tally = Counter((e.promise_id, e.outcome) for e in result.explanations)
    for promise in result.promises:
        if promise.verdict == "unauditable":
            continue
        for outcome in ("kept", "broken", "pending", "excluded"):
            assert tally[(promise.id, outcome)] == getattr(promise, outcome), (promise.id, outcome)


def test_explain_names_outcome_reason_and_measure() -> None:
    result = CliRunner().invoke(app, ["explain", str(EXAMPLE), "CT00000001", "no-such-id"])
    assert result.exit_code == 0
    assert "  phone-wait-5m: kept\n    measured 23 seconds against a limit of 5 minutes\n" in (
        result.output
    )
    assert "callback-kept-2h: not in its population" in result.output
    assert "no-such-id:\n  not among the records used" in result.output


def explain_one(tmp_path: Path, promise: dict[str, object], row: dict[str, object]) -> str:
    write_csv(tmp_path / "contacts.csv", [row])
    path = write_promise_file(tmp_path / "promises.yaml", [promise])
    result = CliRunner().invoke(app, ["explain", str(path), str(row["contact_id"])])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_gives_the_limit_in_the_promise_file_unit_and_the_measure_in_words(
    tmp_path: Path,
) -> None:
    # resolved 33 days 16 h 53 min 30 s after it started: 2,912,010 seconds
    output = explain_one(
        tmp_path,
        {"id": "fixed-5d", "kind": "resolution_time", "limit": "5d"},
        {
            "contact_id": "c1",
            "initiated_at": "2026-08-01T00:00:00Z",
            "resolved_at": "2026-09-03T16:53:30Z",
        },
    )
    assert "fixed-5d: broken (late)\n    measured 33.7 days against a limit of 5 days\n" in output
    assert "e+06" not in output and "120 hours" not in output


def test_explain_names_the_rule_that_decided_and_the_values_it_read(tmp_path: Path) -> None:
    output = explain_one(
        tmp_path,
        {"id": "wait-90s", "kind": "wait_time", "limit": "90s"},
        {"contact_id": "c1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 125},
    )
    assert "measured 2 min 5 s against a limit of 90 seconds" in output
    assert "    rule: Broken: wait_seconds over limit" in output
    assert "wait_seconds 125 (2 min 5 s)" in output


def test_explain_shows_a_custom_promise_s_own_expression(tmp_path: Path) -> None:
    output = explain_one(
        tmp_path,
        {"id": "no-transfer", "kind": "custom", "kept_if": "transfers = 0"},
        {"contact_id": "c1", "initiated_at": "2026-10-01T09:00:00Z", "transfers": 2},
    )
    assert "no-transfer: broken (custom_rule)\n    rule: Broken: transfers = 0 is false" in output
    assert "record: transfers 2" in output


def explain_two(tmp_path: Path, promise: dict[str, object], rows: list[dict[str, object]]) -> str:
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(tmp_path / "promises.yaml", [promise])
    ids = [str(row["contact_id"]) for row in rows]
    result = CliRunner().invoke(app, ["explain", str(path), *ids])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_record_the_scope_leaves_out_is_explained_by_the_scope(tmp_path: Path) -> None:
    promise = {
        "id": "phone-90s",
        "kind": "wait_time",
        "limit": "90s",
        "scope": {"channel": ["phone"]},
    }
    rows = [
        # a chat: outside because the scope names phone calls
        {"contact_id": "c1", "initiated_at": "2026-10-01T09:00:00Z", "channel": "chat",
         "wait_seconds": 30},
        # a phone call that never queued: inside the scope, outside the kind's population
        {"contact_id": "c2", "initiated_at": "2026-10-01T09:05:00Z", "channel": "phone",
         "wait_seconds": ""},
    ]  # fmt: skip
    output = explain_two(tmp_path, promise, rows)
    first, second = output.split("c2:")
    assert "phone-90s: not in its population" in first
    assert "    scope: channel is 'phone'\n    this record: channel 'chat'\n" in first
    assert "rule:" not in first
    assert "scope:" not in second
    assert "    rule: Population: contacts that queued" in second


def test_whether_the_scope_left_a_record_out_is_the_engine_s_own_reading(
    tmp_path: Path,
) -> None:
    # a queue written 'sales' is not the scope's 'Sales' (scope values match as written): the
    # engine leaves the record out, and explain says the scope did
    promise = {
        "id": "sales-90s",
        "kind": "wait_time",
        "limit": "90s",
        "scope": {"queue": ["Sales"]},
    }
    rows = [
        {"contact_id": "c1", "initiated_at": "2026-10-01T09:00:00Z", "queue": "sales",
         "wait_seconds": 30},
        {"contact_id": "c2", "initiated_at": "2026-10-01T09:05:00Z", "queue": "Sales",
         "wait_seconds": 40},
    ]  # fmt: skip
    output = explain_two(tmp_path, promise, rows)
    first, second = output.split("c2:")
    assert "sales-90s: not in its population" in first
    assert "    scope: queue is 'Sales'\n    this record: queue 'sales'\n" in first
    assert "sales-90s: kept" in second
