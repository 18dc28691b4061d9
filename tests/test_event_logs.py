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


# Case A has one event whose time is unreadable ('soon'), between two readable ones; every
# time of case B is unreadable; case D is resolved at 10:00 and again at an unreadable time;
# the last event has no case.
UNREADABLE_LOG = """\
A,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true
A,Active,G2,1,soon,1/10/2026 09:00,true
A,Resolved,G1,2,1/10/2026 12:00,1/10/2026 09:00,true
B,New,G1,0,xx,1/10/2026 09:00,true
B,Resolved,G1,1,yy,1/10/2026 09:00,false
D,New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true
D,Resolved,G1,1,1/10/2026 10:00,1/10/2026 09:00,true
D,Resolved,G1,2,later,1/10/2026 09:00,true
?,New,G9,0,3/10/2026 12:00,3/10/2026 12:00,true
"""


def test_an_unreadable_event_time_is_an_invalid_value_with_its_row(tmp_path: Path) -> None:
    _, accounting = load(tmp_path, UNREADABLE_LOG)
    assert accounting.invalid_by_field["event_at"] == {"unparseable": 4}
    events = [
        (v.row, v.column, v.reason, v.value)
        for v in accounting.invalid_sample
        if v.field == "event_at"
    ]
    assert events == [
        (2, "updated", "unparseable", "soon"),
        (4, "updated", "unparseable", "xx"),
        (5, "updated", "unparseable", "yy"),
        (8, "updated", "unparseable", "later"),
    ]


def test_an_unreadable_event_is_left_out_of_its_case_fold(tmp_path: Path) -> None:
    cases, _ = load(tmp_path, UNREADABLE_LOG)
    # A: G1 (09:00), [G2 unreadable, left out], G1 (12:00): no change of group
    assert cases["A"]["transfers"] == 0
    assert cases["A"]["resolved_at"] == utc(1, 12)
    # its last readable event gives its columns; the unreadable one is not sorted last
    assert cases["A"]["mod"] == "2"
    # the time in a state cannot be known: the unreadable event may end a stretch in it
    assert cases["A"]["awaiting_user"] is None


def test_a_time_an_unreadable_event_may_decide_is_invalid_for_the_case(tmp_path: Path) -> None:
    cases, accounting = load(tmp_path, UNREADABLE_LOG)
    # D was resolved at 10:00, and again at a time that cannot be read: maybe later
    assert cases["D"]["resolved_at"] is None
    assert cases["D"]["_invalid_resolved_at"] == "unparseable"
    assert accounting.invalid_by_field["resolved_at"] == {"unparseable": 2}  # B and D
    # listed under the fold it comes from, not a column name of the tool's own
    listed = {v.column for v in accounting.invalid_sample if v.field == "resolved_at"}
    assert listed == {"resolved_at (from the events)"}


def test_a_case_with_no_readable_event_time_is_folded_in_file_order(tmp_path: Path) -> None:
    cases, accounting = load(tmp_path, UNREADABLE_LOG)
    # B is used (its start comes from `opened`), its last event in the file gives its columns,
    # and its resolution time is invalid
    assert cases["B"]["initiated_at"] == utc(1, 9)
    assert cases["B"]["made_sla"] == "false"
    assert cases["B"]["_invalid_resolved_at"] == "unparseable"
    # 9 events = 5 folded + 3 cases used + 1 event with no case, rejected at its row
    assert (accounting.read, accounting.folded, accounting.used) == (9, 5, 3)
    assert accounting.rejects_by_reason == {"missing_contact_id": 1}
    (reject,) = accounting.reject_sample
    assert (reject.row, reject.reason) == (9, "missing_contact_id")
    assert accounting.reconciles()


def test_an_event_with_no_case_is_rejected_whatever_contact_id_reads(tmp_path: Path) -> None:
    columns = {**COLUMNS, "contact_id": "group"}
    cases, accounting = load(tmp_path, UNREADABLE_LOG, columns=columns)
    # the event with no case has group G9, but belongs to no case: rejected, not a record
    assert "G9" not in cases
    assert accounting.rejects_by_reason == {"missing_contact_id": 1}


# Four cases of two events each. SHARE_LOG_ACTIVE: one Active event's time is unreadable (1 of
# 8 events; no case value depends on it). SHARE_LOG_RESOLVED: one Resolved event's time is
# unreadable (1 of 8 events, and case Q's resolved_at is invalid: 1 of 4 cases).
def share_log(unreadable_state: str) -> str:
    rows = []
    for case in "PQRS":
        rows.append(f"{case},New,G1,0,1/10/2026 09:00,1/10/2026 09:00,true")
        state = unreadable_state if case == "Q" else "Resolved"
        at = "soon" if case == "Q" else "1/10/2026 10:00"
        rows.append(f"{case},{state},G1,1,{at},1/10/2026 09:00,true")
    return "\n".join(rows) + "\n"


def audit_share(tmp_path: Path, log: str, max_rejected: float) -> Any:
    (tmp_path / "log.csv").write_text(HEADER + "\n" + log, encoding="utf-8")
    source = {
        "events": EVENTS,
        "columns": {
            "initiated_at": {"first": "opened", "format": DAY_FIRST},
            "resolved_at": {"last_at": "state = 'Resolved'"},
        },
        "null_values": ["", "?"],
        "max_rejected": max_rejected,
    }
    promise = {"id": "fix-1d", "kind": "resolution_time", "limit": "24h"}
    return audit(write_promise_file(tmp_path / "p.yaml", [promise], records="log.csv",
                                    source=source))  # fmt: skip


def test_max_rejected_counts_unusable_events_over_events_read(tmp_path: Path) -> None:
    # 1 of 8 events unreadable: 12.5%, exactly at the limit, passes
    result = audit_share(tmp_path, share_log("Active"), 0.125)
    assert result.records.invalid_by_field == {"event_at": {"unparseable": 1}}
    with pytest.raises(RecordsError, match=r"1 of 8 events unusable \(12\.5%") as error:
        audit_share(tmp_path, share_log("Active"), 0.12)
    message = str(error.value)
    assert "mostly unparseable event time (1), first at row 4, column 'updated', value 'soon'" in (
        message
    )


def test_an_event_with_no_case_is_an_unusable_event(tmp_path: Path) -> None:
    log = share_log("Resolved").replace("Q,Resolved,G1,1,soon", "Q,Resolved,G1,1,1/10/2026 10:00")
    log += "?,New,G9,0,3/10/2026 12:00,3/10/2026 12:00,true\n"
    # 1 of 9 events has no case: 11.1%
    assert audit_share(tmp_path, log, 0.12).records.rejected == 1
    with pytest.raises(RecordsError, match=r"1 of 9 events unusable .* mostly missing case"):
        audit_share(tmp_path, log, 0.11)


def test_max_rejected_counts_cases_with_an_unreadable_value_over_cases(tmp_path: Path) -> None:
    # Q's Resolved event is unreadable: 1 of 8 events (12.5%) and 1 of 4 cases (25%)
    result = audit_share(tmp_path, share_log("Resolved"), 0.25)
    assert result.records.invalid_by_field == {
        "event_at": {"unparseable": 1},
        "resolved_at": {"unparseable": 1},
    }
    (promise,) = result.promises
    assert promise.excluded_by_reason == {"invalid_resolved_at": 1}
    with pytest.raises(
        RecordsError,
        match=r"1 of 4 cases rejected or unreadable \(25%.* mostly unparseable resolved_at",
    ):
        audit_share(tmp_path, share_log("Resolved"), 0.2)
