"""Values, not records: an unreadable or impossible value costs one field of one record.

Only a record that cannot be a contact (no contact id, no readable initiated_at in 1900-2999)
is rejected. Any other value that cannot be read or cannot be true is an invalid value: the
record is used, a promise that reads the field excludes it as `invalid_<field>`, every other
promise judges it. Every expected figure below is counted by hand from the rows.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app
from promise_audit.errors import RecordsError
from tests.conftest import REAL_DATA, write_csv, write_promise_file

runner = CliRunner()
AS_OF = "2026-10-10T00:00:00+00:00"
WAIT_5M = {"id": "wait-5m", "kind": "wait_time", "limit": "5m"}
IVR_1M = {"id": "ivr-1m", "kind": "ivr_time", "limit": "1m"}
RESOLVED_24H = {"id": "resolved-24h", "kind": "resolution_time", "limit": "24h"}


def run(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    promises: list[dict[str, Any]],
    **options: Any,
) -> Any:
    # unreadable values on purpose: the guard against mostly unreadable sources is off, except
    # where a test sets max_rejected itself
    source = {"max_rejected": "100%", **options.pop("source", {})}
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(tmp_path / "p.yaml", promises, as_of=AS_OF, source=source, **options)
    result = audit(path)
    assert result.records.reconciles()
    return result


def by_id(result: Any) -> dict[str, Any]:
    return {p.id: p for p in result.promises}


def call(cid: str, hour: int, **fields: Any) -> dict[str, Any]:
    return {"contact_id": cid, "initiated_at": f"2026-10-01T{hour:02d}:00:00Z", **fields}


# --- the bank call log (a negative IVR time on real calls) -----------------------------------


def bank_calls() -> list[dict[str, Any]]:
    """Six calls: waits 60, 400, 120, 500, 30, 90 s; IVR times 20, -5, 45, -1 (not applicable,
    read as missing), 90, -12 s."""
    waits = (60, 400, 120, 500, 30, 90)
    ivr = (20, -5, 45, -1, 90, -12)
    return [
        call(f"c{i}", 9 + i, channel="phone", wait_seconds=w, ivr_seconds=v)
        for i, (w, v) in enumerate(zip(waits, ivr, strict=True), start=1)
    ]


def test_a_negative_ivr_time_keeps_the_call_for_the_wait_promise(tmp_path: Path) -> None:
    # under the default max_rejected: an impossible value is the export's, not the mapping's
    result = run(tmp_path, bank_calls(), [WAIT_5M, IVR_1M], source=DEFAULT_GUARD)
    assert (result.records.read, result.records.used, result.records.rejected) == (6, 6, 0)
    wait = by_id(result)["wait-5m"]
    # every call is judged on its wait: 400 and 500 s are over 5 minutes
    assert (wait.population, wait.kept, wait.broken, wait.excluded) == (6, 4, 2, 0)


def test_a_negative_ivr_time_is_excluded_as_invalid_by_the_ivr_promise(tmp_path: Path) -> None:
    ivr = by_id(run(tmp_path, bank_calls(), [WAIT_5M, IVR_1M], source=DEFAULT_GUARD))["ivr-1m"]
    # c2 and c6 negative: invalid; c4 -1: missing; c1 20 s and c3 45 s kept; c5 90 s broken
    assert (ivr.population, ivr.kept, ivr.broken, ivr.excluded) == (6, 2, 1, 3)
    assert ivr.excluded_by_reason == {"invalid_ivr_seconds": 2, "missing_ivr_seconds": 1}


def test_invalid_values_are_counted_by_field_and_reason_and_listed_in_file_order(
    tmp_path: Path,
) -> None:
    records = run(tmp_path, bank_calls(), [WAIT_5M, IVR_1M], source=DEFAULT_GUARD).records
    assert records.invalid == 2
    assert records.invalid_by_field == {"ivr_seconds": {"negative": 2}}
    assert [(v.row, v.field, v.column, v.reason, v.value) for v in records.invalid_sample] == [
        (2, "ivr_seconds", "ivr_seconds", "negative", "-5"),
        (6, "ivr_seconds", "ivr_seconds", "negative", "-12"),
    ]


def test_the_first_hundred_invalid_values_are_listed(tmp_path: Path) -> None:
    rows = [call(f"c{i}", 9, wait_seconds="soon") for i in range(101)]
    records = run(tmp_path, rows, [WAIT_5M]).records
    assert records.invalid == 101
    assert len(records.invalid_sample) == 100
    assert records.invalid_sample[-1].row == 100


# --- what makes a value invalid ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("wait_seconds", "soon", "unparseable"),
        ("wait_seconds", "-0.5", "negative"),
        ("ivr_steps", "two", "unparseable"),
        ("abandoned", "maybe", "unparseable"),
        ("resolved_at", "0001-01-01T00:00:00Z", "out_of_range"),
        ("resolved_at", "3000-01-01T00:00:00Z", "out_of_range"),
        ("resolved_at", "next week", "unparseable"),
        ("resolved_at", "2026-10-01T08:59:59Z", "before_initiated_at"),
    ],
)
def test_what_makes_a_value_invalid(tmp_path: Path, field: str, value: str, reason: str) -> None:
    promises = [WAIT_5M, RESOLVED_24H, {"id": "ivr", "kind": "ivr_time", "max_steps": 3}]
    rows = [call("c1", 9, **{field: value}), call("c2", 10, wait_seconds=60)]
    records = run(tmp_path, rows, promises).records
    assert (records.used, records.rejected) == (2, 0)
    assert records.invalid_by_field == {field: {reason: 1}}


def test_the_last_year_and_the_start_itself_are_not_invalid(tmp_path: Path) -> None:
    rows = [
        call("c1", 9, resolved_at="2999-12-31T23:59:59Z"),
        call("c2", 9, resolved_at="2026-10-01T09:00:00Z"),  # exactly at its start
    ]
    records = run(tmp_path, rows, [RESOLVED_24H]).records
    assert records.invalid == 0


def test_an_end_before_its_start_invalidates_the_end_not_the_start(tmp_path: Path) -> None:
    rows = [
        # answered ten minutes before it was queued
        call("c1", 9, enqueued_at="2026-10-01T09:10:00Z", answered_at="2026-10-01T09:00:00Z"),
        call("c2", 10, enqueued_at="2026-10-01T10:00:00Z", answered_at="2026-10-01T10:01:00Z"),
    ]
    from_enqueue = {"id": "queue-1h", "kind": "custom", "kept_if": "enqueued_at is not null"}
    result = run(tmp_path, rows, [WAIT_5M, from_enqueue])
    assert result.records.invalid_by_field == {"answered_at": {"before_enqueued_at": 1}}
    wait = by_id(result)["wait-5m"]
    # the wait derived from the pair is invalid too, named after the value to correct
    assert (wait.kept, wait.broken, wait.excluded) == (1, 0, 1)
    assert wait.excluded_by_reason == {"invalid_answered_at": 1}
    # the start stays: a promise that reads only enqueued_at judges both calls
    queued = by_id(result)["queue-1h"]
    assert (queued.kept, queued.excluded) == (2, 0)


def test_an_invalid_start_never_invalidates_its_end(tmp_path: Path) -> None:
    rows = [
        call("c1", 9, enqueued_at="3500-01-01T09:00:00Z", answered_at="2026-10-01T09:01:00Z"),
    ]
    records = run(tmp_path, rows, [WAIT_5M]).records
    assert records.invalid_by_field == {"enqueued_at": {"out_of_range": 1}}


def test_an_end_invalidated_by_its_start_is_no_start_for_the_next_clock(tmp_path: Path) -> None:
    rows = [
        {
            **call("c1", 9),
            "purchased_at": "2026-09-20T00:00:00Z",
            "return_requested_at": "2026-09-10T00:00:00Z",  # before the purchase: invalid
            "refund_at": "2026-09-15T00:00:00Z",  # before the request, which no longer counts
            "return_decision": "accepted",
        },
    ]
    refund = {"id": "refund-14d", "kind": "refund_time", "limit": "14d"}
    records = run(tmp_path, rows, [refund]).records
    assert records.invalid_by_field == {"return_requested_at": {"before_purchased_at": 1}}


def test_a_wait_derived_from_an_invalid_end_time_is_invalid_not_an_abandon(
    tmp_path: Path,
) -> None:
    rows = [
        # queued, never answered, "ended" before it was queued: no wait, and not an abandon
        call("c1", 9, enqueued_at="2026-10-01T09:00:00Z", answered_at="", ended_at="junk"),
        call("c2", 9, enqueued_at="2026-10-01T09:00:00Z", answered_at="2026-10-01T09:01:00Z"),
    ]
    wait = by_id(run(tmp_path, rows, [WAIT_5M]))["wait-5m"]
    assert (wait.kept, wait.broken, wait.excluded) == (1, 0, 1)
    assert wait.excluded_by_reason == {"invalid_ended_at": 1}


def test_a_flag_derived_from_an_invalid_count_is_invalid(tmp_path: Path) -> None:
    rows = [call("c1", 9, escalations="lots"), call("c2", 9, escalations="0")]
    escalations = {"id": "esc", "kind": "escalations"}
    promise = by_id(run(tmp_path, rows, [escalations]))["esc"]
    assert (promise.kept, promise.excluded) == (1, 1)
    assert promise.excluded_by_reason == {"invalid_escalations": 1}


def test_a_record_outside_the_scope_stays_outside_whatever_its_invalid_values(
    tmp_path: Path,
) -> None:
    rows = [
        call("c1", 9, channel="chat", wait_seconds="soon"),
        call("c2", 9, channel="phone", wait_seconds="soon"),
        call("c3", 9, channel="phone", wait_seconds=60),
    ]
    phone = {**WAIT_5M, "scope": {"channel": ["phone"]}}
    promise = by_id(run(tmp_path, rows, [phone]))["wait-5m"]
    # c1 is a chat: outside; c2 might have queued (its wait is unreadable): excluded, invalid
    assert (promise.population, promise.kept, promise.excluded) == (2, 1, 1)
    assert promise.excluded_by_reason == {"invalid_wait_seconds": 1}


def test_an_invalid_value_in_a_where_expression_excludes_the_record(tmp_path: Path) -> None:
    rows = [call("c1", 9, hold_seconds="x", wait_seconds=60), call("c2", 9, wait_seconds=60)]
    scoped = {**WAIT_5M, "scope": {"where": "hold_seconds is null"}}
    promise = by_id(run(tmp_path, rows, [scoped]))["wait-5m"]
    assert (promise.population, promise.kept, promise.excluded) == (2, 1, 1)
    assert promise.excluded_by_reason == {"invalid_hold_seconds": 1}


def test_explain_gives_the_invalid_value_as_the_reason(tmp_path: Path) -> None:
    write_csv(tmp_path / "contacts.csv", bank_calls())
    path = write_promise_file(tmp_path / "p.yaml", [WAIT_5M, IVR_1M], as_of=AS_OF)
    explained = audit(path, explain=["c2"]).explanations
    assert [(e.promise_id, e.outcome, e.reason) for e in explained] == [
        ("wait-5m", "broken", "waited_too_long"),
        ("ivr-1m", "excluded", "invalid_ivr_seconds"),
    ]


# --- only what is used is read -----------------------------------------------------------------


def test_a_field_no_promise_uses_is_neither_read_nor_checked(tmp_path: Path) -> None:
    rows = [call("c1", 9, wait_seconds=60, resolved_at="not a date", ivr_seconds=-3)]
    records = run(tmp_path, rows, [WAIT_5M]).records
    assert records.invalid == 0
    assert "resolved_at" not in records.fields_checked
    assert "ivr_seconds" not in records.fields_checked
    assert {"contact_id", "initiated_at", "wait_seconds"} <= set(records.fields_checked)


def test_the_same_field_is_checked_once_a_promise_uses_it(tmp_path: Path) -> None:
    rows = [call("c1", 9, wait_seconds=60, resolved_at="not a date")]
    records = run(tmp_path, rows, [WAIT_5M, RESOLVED_24H]).records
    assert "resolved_at" in records.fields_checked
    assert records.invalid_by_field == {"resolved_at": {"unparseable": 1}}


def test_the_inputs_of_a_derived_field_are_read(tmp_path: Path) -> None:
    rows = [call("c1", 9, enqueued_at="2026-10-01T09:00:00Z", answered_at="2026-10-01T09:02:00Z")]
    records = run(tmp_path, rows, [WAIT_5M]).records
    assert {"enqueued_at", "answered_at"} <= set(records.fields_checked)


def test_whether_a_record_is_rejected_does_not_depend_on_the_promise_file(
    tmp_path: Path,
) -> None:
    rows = [
        call("c1", 9, wait_seconds="soon", resolved_at="later"),
        {"contact_id": "c2", "initiated_at": "yesterday", "wait_seconds": 60},
        call("c3", 9, wait_seconds=60),
    ]
    source = {"max_rejected": "100%"}
    for promises in ([WAIT_5M], [RESOLVED_24H], [WAIT_5M, RESOLVED_24H]):
        records = run(tmp_path, rows, promises, source=source).records
        assert (records.read, records.used, records.rejected) == (3, 2, 1)
        assert records.rejects_by_reason == {"unparseable_initiated_at": 1}


# --- a field empty on every record is not given ------------------------------------------------


def test_a_column_empty_on_every_record_makes_the_promise_unauditable(tmp_path: Path) -> None:
    rows = [call("c1", 9, csat=""), call("c2", 10, csat=" ")]
    survey = {"id": "happy", "kind": "custom", "kept_if": "csat >= 4"}
    result = run(tmp_path, rows, [survey])
    (promise,) = result.promises
    assert (promise.verdict, promise.missing_fields) == ("unauditable", ("csat",))
    assert result.records.fields_empty == ("csat",)


def test_one_value_is_enough_to_give_the_field(tmp_path: Path) -> None:
    rows = [call("c1", 9, csat=""), call("c2", 10, csat="5")]
    survey = {"id": "happy", "kind": "custom", "kept_if": "csat >= 4"}
    (promise,) = run(tmp_path, rows, [survey]).promises
    assert (promise.kept, promise.excluded) == (1, 1)
    assert promise.excluded_by_reason == {"missing_csat": 1}


def test_a_column_of_invalid_values_is_given_and_every_record_excluded(tmp_path: Path) -> None:
    rows = [call("c1", 9, wait_seconds="soon"), call("c2", 10, wait_seconds="later")]
    (promise,) = run(tmp_path, rows, [WAIT_5M]).promises
    # nothing judged, but every record excluded for its data: at risk, never "no data"
    assert (promise.verdict, promise.verdict_reason) == ("at_risk", "missing_data")
    assert (promise.compliance_worst, promise.compliance_best) == (0.0, 1.0)
    assert promise.excluded_by_reason == {"invalid_wait_seconds": 2}


def test_an_empty_column_is_not_provided_from_the_command_line(tmp_path: Path) -> None:
    write_csv(tmp_path / "contacts.csv", [call("c1", 9, answered_at=""), call("c2", 9)])
    promise = {"id": "phone-24-7", "kind": "availability"}
    path = write_promise_file(tmp_path / "p.yaml", [promise], as_of=AS_OF)
    result = runner.invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 3
    (only,) = json.loads(result.stdout)["promises"]
    assert only["verdict"] == "unauditable"
    assert json.loads(result.stdout)["records"]["fields_empty"] == ["answered_at"]


# --- max_rejected --------------------------------------------------------------------------------


DEFAULT_GUARD = {"max_rejected": "1%"}


def test_an_unreadable_value_counts_against_max_rejected(tmp_path: Path) -> None:
    rows = [call(f"g{i}", 9, wait_seconds=60) for i in range(98)]
    rows += [call("u1", 9, wait_seconds="soon"), call("u2", 9, wait_seconds="-5")]
    # 1 unreadable of 100: at the limit; the negative wait is the export's error, not counted
    assert run(tmp_path, rows, [WAIT_5M], source=DEFAULT_GUARD).records.invalid == 2
    rows.append(call("u3", 9, wait_seconds="later"))
    with pytest.raises(RecordsError) as caught:
        run(tmp_path, rows, [WAIT_5M], source=DEFAULT_GUARD)
    assert caught.value.message.startswith(
        "2 of 101 records rejected or unreadable (2%, more than max_rejected 1%); mostly "
        "unparseable wait_seconds (2), first at row 99, column 'wait_seconds', value 'soon'"
    )


def rows_with_rejects(good: int, bad: int) -> list[dict[str, Any]]:
    return [call(f"g{i}", 9, wait_seconds=60) for i in range(good)] + [
        {"contact_id": f"b{i}", "initiated_at": "13/10/2026 09:00", "wait_seconds": 60}
        for i in range(bad)
    ]


def test_exactly_max_rejected_is_accepted(tmp_path: Path) -> None:
    records = run(tmp_path, rows_with_rejects(99, 1), [WAIT_5M], source=DEFAULT_GUARD).records
    assert (records.read, records.rejected) == (100, 1)


def test_more_than_max_rejected_stops_the_audit_naming_share_reason_and_example(
    tmp_path: Path,
) -> None:
    with pytest.raises(RecordsError) as caught:
        run(tmp_path, rows_with_rejects(98, 2), [WAIT_5M], source=DEFAULT_GUARD)
    assert caught.value.message == (
        "2 of 100 records rejected (2%, more than max_rejected 1%); mostly "
        "unparseable_initiated_at (2), first at row 99, column 'initiated_at', value "
        "'13/10/2026 09:00': check the format: of initiated_at (a day-first date read "
        "month-first, or the reverse?), or set max_rejected: on the source to accept more"
    )


@pytest.mark.parametrize(("limit", "stops"), [("5%", False), (0.05, False), ("4.9%", True)])
def test_max_rejected_is_set_per_source(tmp_path: Path, limit: Any, stops: bool) -> None:
    rows = rows_with_rejects(95, 5)
    if stops:
        with pytest.raises(RecordsError, match=r"more than max_rejected 4\.9%"):
            run(tmp_path, rows, [WAIT_5M], source={"max_rejected": limit})
    else:
        assert run(tmp_path, rows, [WAIT_5M], source={"max_rejected": limit}).records.used == 95


def test_max_rejected_100_percent_turns_the_guard_off(tmp_path: Path) -> None:
    rows = rows_with_rejects(0, 3)
    records = run(tmp_path, rows, [WAIT_5M], source={"max_rejected": "100%"}).records
    assert (records.read, records.rejected, records.used) == (3, 3, 0)


def test_the_json_schema_knows_max_rejected() -> None:
    from promise_audit.schema import promise_file_schema

    schema = json.dumps(promise_file_schema())
    assert '"max_rejected"' in schema


def test_a_311_export_mapped_day_first_stops_from_the_command_line(tmp_path: Path) -> None:
    """A 311-like export whose dates are month-first (03/13/2011), mapped day-first by mistake:
    a date after the 12th of its month cannot be read, the others would be misdated."""
    header = ["Unique Key", "Created Date", "Closed Date", "Agency"]
    days = [1, 2, 13, 14, 15, 3, 20, 4]  # 4 of 8 after the 12th
    with (tmp_path / "311.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for key, day in enumerate(days, start=1000):
            created = f"03/{day:02d}/2011 02:27:57 PM"
            writer.writerow([key, created, "", "NYPD"])
    (tmp_path / "p.yaml").write_text(
        "organization: NYC 311\ntimezone: America/New_York\n"
        "as_of: 2011-04-01T00:00:00-04:00\n"
        "sources:\n  contacts:\n    path: 311.csv\n    columns:\n"
        "      contact_id: Unique Key\n"
        '      initiated_at: {column: Created Date, format: "%d/%m/%Y %I:%M:%S %p"}\n'
        '      resolved_at: {column: Closed Date, format: "%d/%m/%Y %I:%M:%S %p"}\n'
        "promises:\n  - id: closed-8h\n    kind: resolution_time\n    limit: 8h\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == (
        f"promise-audit: error: {tmp_path / '311.csv'}: 4 of 8 records rejected (50%, more "
        "than max_rejected 1%); mostly unparseable_initiated_at (4), first at row 3, column "
        "'Created Date', value '03/13/2011 02:27:57 PM': check the format: of initiated_at (a "
        "day-first date read month-first, or the reverse?), or set max_rejected: on the source "
        "to accept more"
    )


NYC_311 = REAL_DATA / "nyc-311-sample" / "311_subset.micro.csv"


@pytest.mark.skipif(not NYC_311.exists(), reason=f"real data not present: {NYC_311}")
def test_the_real_311_sample_mapped_day_first_stops(tmp_path: Path) -> None:
    example = Path(__file__).parents[1] / "promises" / "examples" / "nyc-311-sample.yaml"
    text = example.read_text(encoding="utf-8").replace("%m/%d/%Y", "%d/%m/%Y")
    text = text.replace("../../../shared/data/real/nyc-311-sample/", f"{NYC_311.parent}/")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    # the requests were all created on days 1-12 of March, read as January to December: only
    # the closing dates after the 12th cannot be read
    assert "393 of 2,000 records rejected or unreadable (19.7%" in line
    assert "mostly unparseable resolved_at (393)" in line and "column 'Closed Date'" in line


def test_answered_derived_from_an_unreadable_answer_time_is_invalid(tmp_path: Path) -> None:
    rows = [
        call("c1", 9, channel="phone", answered_at="junk"),
        call("c2", 9, channel="phone", answered_at="2026-10-01T09:01:00Z"),
        call("c3", 9, channel="phone", answered_at=""),
    ]
    availability = {"id": "answers", "kind": "availability"}
    promise = by_id(run(tmp_path, rows, [availability]))["answers"]
    # c1 might have been answered: neither kept nor broken; c2 answered; c3 never
    assert (promise.kept, promise.broken, promise.excluded) == (1, 1, 1)
    assert promise.excluded_by_reason == {"invalid_answered_at": 1}


def test_every_field_checked_has_an_invalid_column_null_where_valid(tmp_path: Path) -> None:
    from promise_audit.engine.backends import connect
    from promise_audit.promises.model import Source
    from promise_audit.records.finish import finish_source
    from promise_audit.records.stage import stage_source

    write_csv(tmp_path / "contacts.csv", bank_calls())
    con = connect()
    staged = stage_source(
        con, "contacts", Source(path="contacts.csv"), base_dir=tmp_path, timezone="UTC"
    )
    loaded = finish_source(con, staged, None)
    # wait_seconds, ivr_seconds: checked, not text; channel is text; none is derived here
    assert loaded.invalid_fields == {"wait_seconds", "ivr_seconds"}
    assert loaded.invalid_found == {"ivr_seconds"}
    rows = con.execute(
        f"SELECT contact_id, _invalid_wait_seconds, _invalid_ivr_seconds FROM {loaded.table} "
        "ORDER BY contact_id"
    ).fetchall()
    con.close()
    assert rows == [
        ("c1", None, None),
        ("c2", None, "negative"),
        ("c3", None, None),
        ("c4", None, None),  # -1: not applicable, missing rather than invalid
        ("c5", None, None),
        ("c6", None, "negative"),
    ]
