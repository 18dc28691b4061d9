"""Event logs: one row per update of a case, folded into one record per case in the engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine.backends import connect
from promise_audit.errors import PromiseFileError, RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.finish import finish_source
from promise_audit.records.stage import stage_source
from promise_audit.records.types import Accounting
from tests.conftest import write_promise_file

HEADER = "number,state,group,mod,updated,opened,made_sla"
# Case A is reopened: resolved at 12:00 on 1 Oct, reopened on 2 Oct, resolved again at 15:00;
# its rows are out of order in the file. Case B waits on the user from 10:00 to 13:00 and one
# of its events is logged twice. Case C is never resolved. One event has no case number.
LOG = """\
A,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true
A,Resolved,G2,3,1/10/2026 12:00,1/10/2026 09:00,true
A,Active,G2,1,1/10/2026 10:00,1/10/2026 09:00,true
B,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true
B,Awaiting User Info,G1,1,1/10/2026 10:00,1/10/2026 09:00,true
B,Awaiting User Info,G1,1,1/10/2026 10:00,1/10/2026 09:00,true
A,Active,G2,4,2/10/2026 09:00,1/10/2026 09:00,true
B,Active,G1,2,1/10/2026 13:00,1/10/2026 09:00,true
B,Resolved,G1,3,1/10/2026 14:00,1/10/2026 09:00,true
A,Resolved,G3,5,2/10/2026 15:00,1/10/2026 09:00,false
C,New,G1,0,3/10/2026 09:00,3/10/2026 09:00,?
C,Active,?,1,3/10/2026 10:00,3/10/2026 09:00,?
C,Active,G2,2,3/10/2026 11:00,3/10/2026 09:00,?
?,New,G9,0,3/10/2026 12:00,3/10/2026 12:00,true
"""
DAY_FIRST = "%d/%m/%Y %H:%M"
EVENTS = {"case": "number", "at": "updated", "order": "mod", "format": DAY_FIRST}
COLUMNS: dict[str, Any] = {
    "initiated_at": {"first": "opened", "format": DAY_FIRST},
    "resolved_at": {"last_at": "state = 'Resolved'"},
    "first_response_at": {"first_at": "state = 'Resolved'"},
    "transfers": {"changes": "group"},
    "escalations": {"max": "mod"},
    "team": {"first": "group"},
    "awaiting_user": {"time_in": "state = 'Awaiting User Info'"},
}


def load(tmp_path: Path, log: str = LOG, **options: Any) -> tuple[dict[str, Any], Accounting]:
    (tmp_path / "log.csv").write_text(HEADER + "\n" + log, encoding="utf-8")
    source = Source(
        path="log.csv",
        events=options.pop("events", EVENTS),
        columns=options.pop("columns", COLUMNS),
        null_values=("", "?"),
        **options,
    )
    con = connect()
    staged = stage_source(con, "contacts", source, base_dir=tmp_path, timezone="UTC")
    loaded = finish_source(con, staged, None)
    cursor = con.execute(f"SELECT * FROM {loaded.table}")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return {row["contact_id"]: row for row in rows}, loaded.accounting


def utc(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=dt.UTC)


def test_each_case_becomes_one_record(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert sorted(cases) == ["A", "B", "C"]


def test_accounting_reconciles_events_with_cases_and_folded_events(tmp_path: Path) -> None:
    _, accounting = load(tmp_path)
    # 14 events: 13 with a case number make 3 cases (10 folded); the event with no case
    # number is a row of its own, rejected as a record with no contact_id
    assert (accounting.read, accounting.cases, accounting.folded) == (14, 4, 10)
    assert (accounting.used, accounting.rejected, accounting.duplicates) == (3, 1, 0)
    assert accounting.rejects_by_reason == {"missing_contact_id": 1}
    assert accounting.reconciles()


def test_first_takes_the_earliest_event_whatever_the_file_order(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert cases["A"]["initiated_at"] == utc(1, 9)
    assert cases["A"]["team"] == "G1"


def test_last_at_is_the_final_resolution_of_a_reopened_case(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert cases["A"]["resolved_at"] == utc(2, 15)


def test_first_at_is_the_first_time_the_condition_holds(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert cases["A"]["first_response_at"] == utc(1, 12)
    assert cases["B"]["first_response_at"] == utc(1, 14)


def test_a_case_never_resolved_has_no_resolution_time(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert cases["C"]["resolved_at"] is None


def test_changes_count_changes_between_recorded_values(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    # A: G1 -> G2 -> G2 -> G2 -> G3 (in event order) is 2 changes; B never changes;
    # C: G1, missing, G2 is one change (a missing value is not an owner)
    assert (cases["A"]["transfers"], cases["B"]["transfers"], cases["C"]["transfers"]) == (
        2,
        0,
        1,
    )


def test_max_is_the_largest_number(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert (cases["A"]["escalations"], cases["B"]["escalations"]) == (5, 3)


def test_time_in_a_state_runs_from_its_event_to_the_next(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    # 10:00 (twice, a duplicate event adds nothing) until the 13:00 event: 3 hours
    assert (cases["B"]["awaiting_user"], cases["A"]["awaiting_user"]) == (10800, 0)


def test_plain_columns_hold_the_case_last_event(tmp_path: Path) -> None:
    cases, _ = load(tmp_path)
    assert cases["A"]["made_sla"] == "false"
    assert cases["A"]["state"] == "Resolved"


def test_a_state_still_held_at_the_last_event_adds_no_time(tmp_path: Path) -> None:
    log = "D,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true\n" + (
        "D,Awaiting User Info,G1,1,1/10/2026 10:00,1/10/2026 09:00,true\n"
    )
    cases, _ = load(tmp_path, log)
    assert cases["D"]["awaiting_user"] == 0


def test_an_event_with_no_time_sorts_after_the_timed_ones(tmp_path: Path) -> None:
    log = (
        "E,Resolved,G2,9,?,1/10/2026 09:00,true\nE,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true\n"
    )
    cases, _ = load(tmp_path, log)
    # the untimed event is the case's last: its values are the case's latest state, but it
    # gives no time to first_at / last_at
    assert (cases["E"]["state"], cases["E"]["resolved_at"]) == ("Resolved", None)


def test_a_paused_clock_in_a_custom_promise(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(HEADER + "\n" + LOG, encoding="utf-8")
    promise = {
        "id": "fix-4h",
        "kind": "custom",
        "where": "resolved_at is not null",
        "kept_if": "resolved_at - initiated_at - awaiting_user <= 4h",
    }
    path = write_promise_file(
        tmp_path / "p.yaml",
        [promise],
        records="log.csv",
        # the event with no case number is rejected on purpose
        source={"events": EVENTS, "columns": COLUMNS, "null_values": ["", "?"], "max_rejected": 1},
    )
    (result,) = audit(path).promises
    # A: resolved 30 h after opening, never paused: broken; B: 5 h minus 3 h awaiting: kept
    assert (result.kept, result.broken) == (1, 1)


def test_a_derivation_without_an_event_log_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(HEADER + "\n" + LOG, encoding="utf-8")
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "t", "kind": "transfers", "max": 1}],
        records="log.csv",
        source={"columns": {"contact_id": "number", "transfers": {"changes": "group"}}},
    )
    with pytest.raises(PromiseFileError) as error:
        audit(path)
    assert "declare the event log first" in str(error.value)
    assert error.value.line is not None


def test_an_unknown_column_in_a_derivation_names_it(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match=r"'grup'.*did you mean 'group'"):
        load(tmp_path, columns={**COLUMNS, "transfers": {"changes": "grup"}})


def test_a_condition_that_is_not_true_or_false_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="must be a condition"):
        load(tmp_path, columns={**COLUMNS, "resolved_at": {"first_at": "state"}})


def test_a_derived_zero_is_not_read_as_missing_where_the_export_writes_0_for_missing(
    tmp_path: Path,
) -> None:
    (tmp_path / "log.csv").write_text(HEADER + "\n" + LOG, encoding="utf-8")
    source = Source(path="log.csv", events=EVENTS, columns=COLUMNS, null_values=("", "?", "0"))
    con = connect()
    loaded = finish_source(
        con, stage_source(con, "contacts", source, base_dir=tmp_path, timezone="UTC"), None
    )
    transfers = con.execute(
        f"SELECT transfers FROM {loaded.table} WHERE contact_id = 'B'"
    ).fetchone()
    con.close()
    assert transfers == (0,)


def test_inspect_lists_the_event_log_columns_and_counts_cases(tmp_path: Path) -> None:
    from promise_audit.inspection import inspect_export

    (tmp_path / "log.csv").write_text(HEADER + "\n" + LOG, encoding="utf-8")
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "t", "kind": "transfers", "max": 1}],
        records="log.csv",
        # the event with no case number is rejected on purpose
        source={"events": EVENTS, "columns": COLUMNS, "null_values": ["", "?"], "max_rejected": 1},
    )
    report = inspect_export(str(tmp_path / "log.csv"), promise_file=path)
    assert report.columns == tuple(HEADER.split(","))
    # three cases and the event with no case number, which would be rejected
    assert (report.records, report.rejected) == (4, 1)
