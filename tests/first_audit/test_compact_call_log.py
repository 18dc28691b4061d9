"""A call log of the older kind: the day in one column as YYMMDD, each step of the call a time
of day, midnight for a step that did not happen, and 0 or NO_SERVER for "nobody"."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.profiling import profile_export
from promise_audit.suggest import suggest_mapping

HEADER = "call_id\tcustomer_id\tdate\tvru_entry\tq_start\tq_time\tser_start\tser_exit\tserver\n"
ROWS = [
    # queued 153 s and hung up: no service, no server
    "1\t9664491\t990101\t0:00:31\t0:00:36\t153\t0:00:00\t0:00:00\tNO_SERVER",
    # straight to an agent, never queued
    "2\t0\t990101\t7:41:16\t0:00:00\t0\t7:41:25\t7:44:53\tBASCH",
    # queued 17 s, answered
    "3\t27997683\t990101\t6:55:20\t6:55:26\t17\t6:55:43\t6:56:37\tMICHAL",
    # an unidentified caller who queued 4 s and hung up
    "4\t0\t990102\t8:45:07\t8:45:13\t4\t0:00:00\t0:00:00\tNO_SERVER",
    # the last call of the log, so that as_of (the latest start) comes after call 4's queue
    "5\t31589153\t990102\t9:30:00\t0:00:00\t0\t9:30:09\t9:32:00\tDORIT",
]


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "calls.txt"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def test_a_six_digit_number_in_a_date_column_is_a_yymmdd_date(tmp_path: Path) -> None:
    column = profile_export(str(_export(tmp_path))).column("date")

    assert (column.type, column.timestamp_format) == ("date", "%y%m%d")
    assert (column.first, column.last) == ("1999-01-01", "1999-01-02")


def test_a_number_that_is_not_a_day_stays_a_number(tmp_path: Path) -> None:
    path = tmp_path / "days.csv"
    path.write_text("id,days_open\n1,991399\n2,123456\n", encoding="utf-8")

    assert profile_export(str(path)).column("days_open").type == "number"


def test_each_time_column_named_like_a_step_pairs_with_the_day(tmp_path: Path) -> None:
    suggested = suggest_mapping(profile_export(str(_export(tmp_path))))
    mapping = {s.field: s.mapping for s in suggested.suggestions}

    assert mapping["initiated_at"] == {
        "date": "date",
        "time": "vru_entry",
        "format": "%y%m%d %H:%M:%S",
    }
    # most q_start values are midnight: that is how this export writes "never queued"
    assert mapping["enqueued_at"] == {
        "date": "date",
        "time": "q_start",
        "format": "%y%m%d %H:%M:%S",
        "null_if": ["0:00:00"],
    }
    assert mapping["answered_at"]["time"] == "ser_start"
    assert mapping["answered_at"]["null_if"] == ["0:00:00"]
    assert mapping["ended_at"]["time"] == "ser_exit"
    assert mapping["wait_seconds"] == "q_time"


def test_a_value_standing_for_nobody_is_read_as_missing(tmp_path: Path) -> None:
    suggested = suggest_mapping(profile_export(str(_export(tmp_path))))
    mapping = {s.field: s.mapping for s in suggested.suggestions}

    # two unidentified callers with id 0 are not one customer calling twice
    assert mapping["customer_id"] == {"column": "customer_id", "null_if": ["0"]}
    assert mapping["agent_id"] == {"column": "server", "null_if": ["NO_SERVER"]}


def test_init_on_a_compact_call_log_audits_the_wait(tmp_path: Path) -> None:
    _export(tmp_path)
    promises = tmp_path / "promises.yaml"
    runner = CliRunner()
    result = runner.invoke(
        app, ["init", "--export", str(tmp_path / "calls.txt"), "-o", str(promises)]
    )
    assert result.exit_code == 0, result.output
    text = promises.read_text(encoding="utf-8")
    # the suggestions at medium confidence are written commented out: a user takes them
    text = text.replace("# enqueued_at:", "enqueued_at:").replace("# answered_at:", "answered_at:")
    text = text.replace("# wait_seconds:", "wait_seconds:")
    head, _ = text.split("promises:")
    promises.write_text(
        head
        + "promises:\n"
        + "  - id: answer-1m\n    kind: wait_time\n    statement: Answered within a minute.\n"
        + "    limit: 1m\n    abandoned: broken\n",
        encoding="utf-8",
    )

    result = runner.invoke(app, ["check", str(promises), "--format", "json"])

    # queued: calls 1, 3 and 4 (call 2 never queued: its q_start is midnight). Kept: call 3
    # (17 s). Broken: call 1 (153 s, over the limit) and call 4 (gave up after 4 s, and
    # abandons count as broken).
    assert result.exit_code == 1, result.output
    assert '"kept": 1' in result.output and '"broken": 2' in result.output
