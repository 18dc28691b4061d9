"""`inspect FILE` (no promise file) and `init` on the real public exports and platform files:
the suggested mapping checked field by field, then init -> validate -> check end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.profiling import profile_export
from promise_audit.suggest import suggest_mapping
from tests.real._support import REAL_DATA

runner = CliRunner()
needs_real = pytest.mark.skipif(
    not REAL_DATA.is_dir(), reason="the real exports are not beside the project"
)

NYC_TIME = "%m/%d/%Y %I:%M:%S %p"
SERVICENOW_TIME = "%d/%m/%Y %H:%M"
# export -> the suggested mapping, field by field (None: given by a platform reader)
EXPECTED: dict[str, dict[str, Any]] = {
    "pwc-call-centre/call_center_dataset.csv": {
        "contact_id": "Call Id",
        "channel": {"const": "phone"},
        "agent_id": "Agent",
        "topic": "Topic",
        "initiated_at": {"date": "Date", "time": "Time", "format": "%Y-%m-%d %H:%M:%S"},
        "abandoned": {"expr": "`Answered (Y/N)` = 'N'"},
        "wait_seconds": "Speed of answer in seconds",
        "csat": "Satisfaction rating",
    },
    "pwc-call-centre/call_center_dataset.xlsx": {
        "contact_id": "Call Id",
        "channel": {"const": "phone"},
        "agent_id": "Agent",
        "topic": "Topic",
        "initiated_at": {"date": "Date", "time": "Time", "format": "%Y-%m-%d %H:%M:%S"},
        "abandoned": {"expr": "`Answered (Y/N)` = 'N'"},
        "wait_seconds": "Speed of answer in seconds",
        "csat": "Satisfaction rating",
    },
    "nyc-311-sample/311_subset.micro.csv": {
        "contact_id": "Unique Key",
        "channel": "Open Data Channel Type",
        "team": "Agency",
        "topic": "Complaint Type",
        "initiated_at": {"column": "Created Date", "format": NYC_TIME},
        # the one 01/01/1900 12:00:00 AM closure is a placeholder, read as missing
        "resolved_at": {
            "column": "Closed Date",
            "format": NYC_TIME,
            "null_if": ["01/01/1900 12:00:00 AM"],
        },
    },
    "servicenow-incident-eventlog/incident_event_log_head.csv": {
        "contact_id": "number",
        "customer_id": "caller_id",
        "channel": "contact_type",
        "team": "assignment_group",
        "agent_id": "assigned_to",
        "topic": "category",
        "initiated_at": {"column": "opened_at", "format": SERVICENOW_TIME},
        "resolved_at": {"column": "resolved_at", "format": SERVICENOW_TIME},
        "transfers": "reassignment_count",
    },
    "twitter-customer-support/twcs_head5000.csv": {
        "contact_id": "tweet_id",
        "customer_id": "author_id",
        "channel": {"const": "social"},
        "initiated_at": {"column": "created_at", "format": "%a %b %d %H:%M:%S %z %Y"},
    },
    "volvo-bpi2013-incidents/VINST-new_head.csv": {
        "contact_id": "SR Number",
        "initiated_at": "Change Date+Time",
    },
    "zendesk-fivetran-seeds/ticket_data.csv": {
        "contact_id": "id",
        "customer_id": "requester_id",
        "channel": "via_channel",
        "team": "group_id",
        "agent_id": "assignee_id",
        "topic": "type",
        "initiated_at": "created_at",
    },
}
# confidence of the fields a first audit stands on
CONFIDENCE = {
    ("pwc-call-centre/call_center_dataset.csv", "wait_seconds"): "high",
    ("pwc-call-centre/call_center_dataset.csv", "channel"): "medium",
    ("servicenow-incident-eventlog/incident_event_log_head.csv", "transfers"): "medium",
    ("volvo-bpi2013-incidents/VINST-new_head.csv", "initiated_at"): "low",
    ("nyc-311-sample/311_subset.micro.csv", "contact_id"): "high",
}


@needs_real
@pytest.mark.parametrize("export", sorted(EXPECTED))
def test_the_suggested_mapping_of_a_real_export_field_by_field(export: str) -> None:
    suggested = suggest_mapping(profile_export(str(REAL_DATA / export)))
    assert {s.field: s.mapping for s in suggested.suggestions} == EXPECTED[export]
    for (name, field), confidence in CONFIDENCE.items():
        if name == export:
            assert suggested.get(field).confidence == confidence  # type: ignore[union-attr]


@needs_real
def test_a_day_first_date_is_decided_from_the_values_and_said_so() -> None:
    profile = profile_export(
        str(REAL_DATA / "servicenow-incident-eventlog/incident_event_log_head.csv")
    )
    opened = profile.column("opened_at")
    assert opened.date_order == "day-first"
    assert opened.date_order_evidence == (
        "day-first: the first number reaches 29, the second at most 12"
    )
    # 29/2/2016 01:16 is the earliest; day-first, 2/3/2016 11:53 the latest
    assert (opened.first, opened.last) == ("2016-02-29 01:16:00+00", "2016-03-02 11:53:00+00")
    assert profile.null_values == ("", "?")


@needs_real
def test_a_column_with_no_day_above_twelve_takes_the_order_of_its_siblings() -> None:
    profile = profile_export(str(REAL_DATA / "nyc-311-sample/311_subset.micro.csv"))
    created = profile.column("Created Date")
    assert created.date_order == "month-first"
    assert "as 'Closed Date'" in (created.date_order_evidence or "")


@needs_real
def test_the_profile_counts_rows_nulls_and_the_range_of_a_call_log() -> None:
    profile = profile_export(str(REAL_DATA / "pwc-call-centre/call_center_dataset.csv"))
    assert (profile.format, profile.platform, profile.encoding, profile.rows) == (
        "csv",
        None,
        "utf-8",
        5000,
    )
    wait = profile.column("Speed of answer in seconds")
    # 946 unanswered calls have no speed of answer; waits run from 10 to 125 seconds
    assert (wait.type, wait.nulls, wait.first, wait.last) == ("number", 946, "10", "125")
    date = profile.column("Date")
    assert (date.type, date.first, date.last) == ("date", "2021-01-01", "2021-03-31")
    assert profile.column("Call Id").distinct == 5000


@needs_real
def test_a_byte_order_mark_and_windows_line_endings_are_noted() -> None:
    profile = profile_export(str(REAL_DATA / "volvo-bpi2013-incidents/VINST-new_head.csv"))
    assert profile.columns[0].name == "SR Number"
    assert "Windows line endings (CRLF)" in profile.notes


@needs_real
def test_a_genesys_conversation_is_recognised_and_its_reader_maps_it() -> None:
    export = REAL_DATA / "genesys-conversation-details/conversation1.json"
    profile = profile_export(str(export))
    assert (profile.format, profile.platform) == (
        "genesys-cloud",
        "Genesys Cloud conversation details",
    )
    suggested = suggest_mapping(profile)
    assert {"contact_id", "initiated_at", "wait_seconds"} <= {
        s.field for s in suggested.suggestions
    }
    assert all(s.mapping is None for s in suggested.suggestions)


def _platform_files(tmp_path: Path) -> dict[str, Path]:
    ctr = tmp_path / "ctr.json"
    ctr.write_text(
        json.dumps(
            {
                "ContactId": "c-1",
                "InitiationTimestamp": "2026-10-01T09:00:00Z",
                "LastUpdateTimestamp": "2026-10-01T09:10:00Z",
                "DisconnectTimestamp": "2026-10-01T09:10:00Z",
                "Channel": "VOICE",
                "InitiationMethod": "INBOUND",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    zendesk = tmp_path / "tickets.json"
    zendesk.write_text(
        json.dumps(
            {"tickets": [{"id": 7, "created_at": "2026-10-01T09:00:00Z", "status": "open"}]}
        ),
        encoding="utf-8",
    )
    freshdesk = tmp_path / "freshdesk.csv"
    freshdesk.write_text(
        "Ticket ID,Subject,Status,Source,Created time,Resolved time,"
        "First response time (in hrs),Resolution status\n"
        "1,Help,Open,Email,2026-10-01 09:00:00,,,\n",
        encoding="utf-8",
    )
    return {"amazon-connect-ctr": ctr, "zendesk": zendesk, "freshdesk": freshdesk}


@pytest.mark.parametrize("platform", ["amazon-connect-ctr", "zendesk", "freshdesk"])
def test_a_platform_export_is_recognised_by_its_keys_or_columns(
    tmp_path: Path, platform: str
) -> None:
    path = _platform_files(tmp_path)[platform]
    profile = profile_export(str(path))
    assert profile.format == platform
    assert profile.platform is not None
    fields = {s.field for s in suggest_mapping(profile).suggestions}
    assert {"contact_id", "initiated_at"} <= fields


def test_inspect_prints_json_for_machines(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "Call Id,Created,Answered,Wait (min)\n1,2026-10-01 09:00,Y,1.5\n2,2026-10-02 10:00,N,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["inspect", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    mapping = {m["field"]: m["mapping"] for m in data["mapping"]}
    assert mapping["contact_id"] == "Call Id"
    assert mapping["initiated_at"] == "Created"
    assert mapping["abandoned"] == {"expr": "Answered = 'N'"}
    assert mapping["wait_seconds"] == {"column": "Wait (min)", "unit": "min"}
    assert data["rows"] == 2
    wait = next(c for c in data["columns"] if c["name"] == "Wait (min)")
    assert (wait["nulls"], wait["null_share"]) == (1, 0.5)


def test_inspect_of_a_raw_export_no_longer_stops_on_a_missing_contact_id(
    tmp_path: Path,
) -> None:
    path = tmp_path / "raw.csv"
    path.write_text("Ticket Number,Opened\nA1,01/02/2026\nA2,25/02/2026\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "day-first: the first number reaches 25" in result.output


POLICY = """# Our service promises

- We answer 80% of calls within 2 minutes.
- Our phone lines are open 9am to 6pm, Monday to Sunday.
- We will resolve your complaint within 5 working days.
- We reply on social within 1 hour, 8am-8pm.
- We strive for excellent service.
- We will answer your call quickly.
"""


@needs_real
@pytest.mark.parametrize("export", sorted(EXPECTED))
@pytest.mark.parametrize("with_policy", [False, True])
def test_init_then_validate_then_check_runs_on_every_real_export(
    tmp_path: Path, export: str, with_policy: bool
) -> None:
    out = tmp_path / "promises.yaml"
    arguments = ["init", "--export", str(REAL_DATA / export), "-o", str(out)]
    if with_policy:
        policy = tmp_path / "charter.md"
        policy.write_text(POLICY, encoding="utf-8")
        arguments += ["--policy", str(policy)]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    validated = runner.invoke(app, ["validate", str(out)])
    assert validated.exit_code == 0, validated.output
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert checked.exit_code in (0, 1, 3), checked.output


@needs_real
def test_init_drafts_the_policy_and_its_calendars_into_the_file(tmp_path: Path) -> None:
    import yaml

    policy = tmp_path / "charter.md"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "promises.yaml"
    export = REAL_DATA / "pwc-call-centre/call_center_dataset.csv"
    result = runner.invoke(
        app, ["init", "--export", str(export), "--policy", str(policy), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    promises = {p["id"]: p for p in document["promises"]}
    assert promises["wait-time-2m"]["statement"] == "We answer 80% of calls within 2 minutes."
    assert promises["wait-time-2m"]["published_in"] == "charter.md"
    assert promises["resolution-time-5d"]["calendar"] == "working-days"
    assert set(document["calendars"]) == {
        "open-mon-sun-0900-1800",
        "working-days",
        "open-mon-sun-0800-2000",
    }
    # the policy speaks of calls, so the constant phone channel is mapped, not left commented
    assert document["sources"]["contacts"]["columns"]["channel"] == {"const": "phone"}
    text = out.read_text(encoding="utf-8")
    assert '# - "We will answer your call quickly."' in text
    # a social scope on a phone log has no channel to filter on? it does: the const phone
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    data = json.loads(checked.output)
    wait = next(p for p in data["promises"] if p["id"] == "wait-time-2m")
    # the published example's figures: 3,878 of 4,054 answered within 2 minutes
    assert (wait["kept"], wait["broken"]) == (3878, 176)


def test_init_never_overwrites_a_file_without_force(tmp_path: Path) -> None:
    export = tmp_path / "calls.csv"
    export.write_text("Call Id,Created\n1,2026-10-01 09:00\n", encoding="utf-8")
    out = tmp_path / "promises.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    result = runner.invoke(app, ["init", "--export", str(export), "-o", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert out.read_text(encoding="utf-8") == "keep me\n"
    forced = runner.invoke(app, ["init", "--export", str(export), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "contact_id" in out.read_text(encoding="utf-8")


def test_init_reads_the_policy_from_standard_input(tmp_path: Path) -> None:
    export = tmp_path / "calls.csv"
    export.write_text("Call Id,Created\n1,2026-10-01 09:00\n", encoding="utf-8")
    out = tmp_path / "promises.yaml"
    result = runner.invoke(
        app,
        ["init", "--export", str(export), "--policy", "-", "-o", str(out)],
        input="We will resolve your request within 3 days.\n",
    )
    assert result.exit_code == 0, result.output
    assert "resolution-time-3d" in out.read_text(encoding="utf-8")
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


@needs_real
def test_a_record_no_strict_reading_accepts_is_counted_as_malformed() -> None:
    # tweet 3399 holds two bare carriage returns: read leniently, as two malformed pieces
    profile = profile_export(str(REAL_DATA / "twitter-customer-support/twcs_head5000.csv"))
    assert (profile.rows, profile.malformed) == (5001, 2)
    assert profile.column("tweet_id").rows == 4999
    # the malformed pieces are not rows of the id column: its 4,999 values are all unique
    contact = suggest_mapping(profile).get("contact_id")
    assert contact is not None and contact.evidence == "name 'tweet_id'; every value unique"


ROWS = "Case Number,Created At,Reply Minutes\nC1,2026-10-01 09:00:00,15\nC2,2026-10-02 10:30:00,\n"


def _write(tmp_path: Path, kind: str) -> Path:
    import gzip

    import duckdb

    if kind == "csv":
        path = tmp_path / "export.csv"
        path.write_text(ROWS, encoding="utf-8")
    elif kind == "csv.gz":
        path = tmp_path / "export.csv.gz"
        path.write_bytes(gzip.compress(ROWS.encode("utf-8")))
    elif kind == "tsv":
        path = tmp_path / "export.tsv"
        path.write_text(ROWS.replace(",", "\t"), encoding="utf-8")
    elif kind == "csv with tabs":
        path = tmp_path / "export.csv"
        path.write_text(ROWS.replace(",", "\t"), encoding="utf-8")
    elif kind == "jsonl":
        path = tmp_path / "export.jsonl"
        path.write_text(
            '{"Case Number": "C1", "Created At": "2026-10-01 09:00:00", "Reply Minutes": 15}\n'
            '{"Case Number": "C2", "Created At": "2026-10-02 10:30:00", "Reply Minutes": null}\n',
            encoding="utf-8",
        )
    elif kind == "json":
        path = tmp_path / "export.json"
        path.write_text(
            '[{"Case Number": "C1", "Created At": "2026-10-01 09:00:00", "Reply Minutes": 15},'
            ' {"Case Number": "C2", "Created At": "2026-10-02 10:30:00", "Reply Minutes": null}]',
            encoding="utf-8",
        )
    elif kind == "parquet":
        source = _write(tmp_path, "csv")
        path = tmp_path / "export.parquet"
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * FROM read_csv('{source}', all_varchar=true)) TO '{path}' "
            "(FORMAT parquet)"
        )
        con.close()
    else:  # xlsx
        from openpyxl import Workbook

        path = tmp_path / "export.xlsx"
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in ROWS.strip().split("\n"):
            sheet.append(line.split(","))
        book.save(path)
    return path


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("csv", "csv"),
        ("csv.gz", "csv"),
        ("tsv", "tsv"),
        ("csv with tabs", "tsv"),
        ("jsonl", "jsonl"),
        ("json", "json"),
        ("parquet", "parquet"),
        ("xlsx", "xlsx"),
    ],
)
def test_every_supported_file_is_profiled_alike(tmp_path: Path, kind: str, fmt: str) -> None:
    profile = profile_export(str(_write(tmp_path, kind)))
    assert (profile.format, profile.rows) == (fmt, 2)
    created = profile.column("Created At")
    assert (created.type, created.first, created.last) == (
        "timestamp",
        "2026-10-01 09:00:00+00",
        "2026-10-02 10:30:00+00",
    )
    assert profile.column("Reply Minutes").nulls == 1
    mapping = {s.field: s.mapping for s in suggest_mapping(profile).suggestions}
    assert mapping["contact_id"] == "Case Number"
    assert mapping["initiated_at"] == "Created At"


def test_a_windows_encoded_export_is_detected_and_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Call Id,Agent,Created\n1,Ren\xe9e,2026-10-01 09:00\n".encode("cp1252"))
    profile = profile_export(str(path))
    assert profile.encoding == "cp1252"
    assert profile.column("Agent").samples == ("Renée",)


@pytest.mark.parametrize("platform", ["amazon-connect-ctr", "zendesk", "freshdesk"])
def test_init_then_validate_then_check_runs_on_a_platform_export(
    tmp_path: Path, platform: str
) -> None:
    import yaml

    export = _platform_files(tmp_path)[platform]
    out = tmp_path / "promises.yaml"
    policy = tmp_path / "charter.md"
    policy.write_text(POLICY, encoding="utf-8")
    result = runner.invoke(
        app, ["init", "--export", str(export), "--policy", str(policy), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    source = yaml.safe_load(out.read_text(encoding="utf-8"))["sources"]["contacts"]
    assert source["format"] == platform
    assert "columns" not in source  # the reader maps its own fields
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert checked.exit_code in (0, 1, 3), checked.output


def test_init_keeps_a_glob_and_writes_paths_relative_to_the_promise_file(tmp_path: Path) -> None:
    import yaml

    parts = tmp_path / "exports"
    parts.mkdir()
    for day in (1, 2):
        (parts / f"calls-{day}.csv").write_text(
            f"Call Id,Created\n{day},2026-10-0{day} 09:00\n", encoding="utf-8"
        )
    out = tmp_path / "audit" / "promises.yaml"
    result = runner.invoke(app, ["init", "--export", str(parts / "calls-*.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    source = yaml.safe_load(out.read_text(encoding="utf-8"))["sources"]["contacts"]
    assert source["path"] == "../exports/calls-*.csv"
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert json.loads(checked.output)["records"]["read"] == 2


EVERY_REAL_FILE = sorted(
    str(path.relative_to(REAL_DATA))
    for pattern in ("*/*.csv", "*/*.json", "*/*.xlsx")
    for path in REAL_DATA.glob(pattern)
)


@needs_real
@pytest.mark.parametrize("export", EVERY_REAL_FILE)
def test_inspect_and_init_run_on_every_real_file(tmp_path: Path, export: str) -> None:
    inspected = runner.invoke(app, ["inspect", str(REAL_DATA / export), "--format", "json"])
    assert inspected.exit_code == 0, inspected.output
    mapping = {m["field"] for m in json.loads(inspected.output)["mapping"]}
    assert {"contact_id", "initiated_at"} <= mapping
    out = tmp_path / "promises.yaml"
    assert (
        runner.invoke(app, ["init", "--export", str(REAL_DATA / export), "-o", str(out)]).exit_code
        == 0
    )
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert checked.exit_code in (0, 1, 3), checked.output


def test_an_export_with_the_canonical_names_maps_each_field_to_itself(tmp_path: Path) -> None:
    from promise_audit.sample import write_sample

    path = tmp_path / "sample.csv"
    write_sample(path, rows=300, seed=7)
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    suggested = suggest_mapping(profile_export(str(path)))
    mapping = {s.field: s.mapping for s in suggested.suggestions}
    assert mapping == {name: name for name in header}
    assert suggested.attributes == ()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["inspect", "{csv}", "--format-in", "foo"], "--format-in 'foo': the formats are csv"),
        (["inspect", "{empty}"], "the file is empty"),
        (["inspect", "{missing}"], "no such file"),
        (["init", "--export", "{csv}", "--format-in", "foo", "-o", "{out}"], "--format-in 'foo'"),
        (["init", "--export", "{csv}", "--policy", "{missing}", "-o", "{out}"], "cannot read"),
    ],
    ids=["unknown format", "empty file", "missing file", "init format", "missing policy"],
)
def test_bad_input_is_one_line_and_exit_status_two(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    csv_file = tmp_path / "calls.csv"
    csv_file.write_text("Call Id,Created\n1,2026-10-01 09:00\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    paths = {
        "csv": str(csv_file),
        "empty": str(tmp_path / "empty.csv"),
        "missing": str(tmp_path / "missing.csv"),
        "out": str(tmp_path / "promises.yaml"),
    }
    result = runner.invoke(app, [a.format(**paths) for a in arguments])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("promise-audit: error: ")
    assert message in lines[0]
    assert not (tmp_path / "promises.yaml").exists()


def test_a_utf16_export_is_detected_by_its_byte_order_mark_and_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Call Id,Agent,Created\n1,Zoë,2026-10-01 09:00\n".encode("utf-16"))
    profile = profile_export(str(path))
    assert (profile.encoding, profile.rows) == ("utf-16", 1)
    assert profile.column("Agent").samples == ("Zoë",)


def test_inspect_json_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    rows = "".join(f"C{i},2026-10-{1 + i % 28:02d} 09:{i % 60:02d},{i % 7}\n" for i in range(500))
    path.write_text("Call Id,Created,Wait seconds\n" + rows, encoding="utf-8")
    first = runner.invoke(app, ["inspect", str(path), "--format", "json"])
    second = runner.invoke(app, ["inspect", str(path), "--format", "json"])
    assert first.exit_code == 0 and first.output == second.output
