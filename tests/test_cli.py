"""The command line: exit statuses as the README fixes them, the JSON shape, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from tests.conftest import write_csv, write_promise_file

runner = CliRunner()

ROWS = [
    {
        "contact_id": "1",
        "channel": "phone",
        "initiated_at": "2026-10-01T09:00:00Z",
        "wait_seconds": 60,
        "transfers": 0,
    },
    {
        "contact_id": "2",
        "channel": "phone",
        "initiated_at": "2026-10-01T10:00:00Z",
        "wait_seconds": 400,
        "transfers": 2,
    },
]


def setup(
    tmp_path: Path,
    promises: list[dict[str, Any]],
    rows: list[dict[str, Any]] = ROWS,
    source: dict[str, Any] | None = None,
) -> Path:
    write_csv(tmp_path / "contacts.csv", rows)
    return write_promise_file(tmp_path / "promises.yaml", promises, source=source)


def check(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["check", str(path), *args])


KEPT = {"id": "wait-10m", "kind": "wait_time", "limit": "10m"}
BROKEN = {"id": "wait-5m", "kind": "wait_time", "limit": "5m"}
AT_RISK = {
    "id": "wait-5m-risk",
    "kind": "wait_time",
    "limit": "5m",
    "target": "50%",
    "warn_below": "90%",
}
UNAUDITABLE = {"id": "surveys", "kind": "survey_cap", "max": 1, "window": "30d"}


def test_all_kept_exits_0(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [KEPT])).exit_code == 0


def test_a_broken_blocking_promise_exits_1(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [KEPT, BROKEN])).exit_code == 1


def test_a_broken_non_blocking_promise_exits_0(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [KEPT, {**BROKEN, "blocking": False}])).exit_code == 0


def test_at_risk_exits_0_unless_fail_on_at_risk(tmp_path: Path) -> None:
    path = setup(tmp_path, [AT_RISK])
    assert check(path).exit_code == 0
    assert check(path, "--fail-on", "at-risk").exit_code == 1


def test_fail_on_never_reports_without_failing(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [BROKEN]), "--fail-on", "never").exit_code == 0


def test_unauditable_without_broken_exits_3(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [KEPT, UNAUDITABLE])).exit_code == 3


def test_broken_wins_over_unauditable(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [BROKEN, UNAUDITABLE])).exit_code == 1


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    path = setup(tmp_path, [{**KEPT, "limit": "five minutes"}])
    result = check(path)
    assert result.exit_code == 2
    assert "promises.yaml:" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_records_file_exits_2(tmp_path: Path) -> None:
    path = setup(tmp_path, [KEPT])
    result = check(path, "--records", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_records_option_replaces_the_source_path(tmp_path: Path) -> None:
    path = setup(tmp_path, [KEPT])
    other = write_csv(tmp_path / "other.csv", [ROWS[0]])
    result = check(path, "--records", str(other), "--format", "json")
    assert json.loads(result.output)["records"]["read"] == 1


def test_json_has_the_contract_shape(tmp_path: Path) -> None:
    result = check(setup(tmp_path, [BROKEN, UNAUDITABLE]), "--format", "json")
    data = json.loads(result.output)
    assert data["schema_version"] == 2
    assert {"read", "rejected", "used"} <= set(data["records"])
    first, second = data["promises"]
    assert {
        "id",
        "kind",
        "verdict",
        "population",
        "kept",
        "broken",
        "pending",
        "excluded",
        "compliance",
        "ci_low",
        "ci_high",
        "compliance_worst",
        "compliance_best",
        "verdict_reason",
        "verdict_note",
        "target",
    } <= set(first)
    assert (first["id"], first["verdict"], first["kept"], first["broken"]) == (
        "wait-5m",
        "broken",
        1,
        1,
    )
    assert first["compliance"] == 0.5
    # nothing excluded for missing data: the bounds are the compliance itself
    assert (first["compliance_worst"], first["compliance_best"]) == (0.5, 0.5)
    assert first["verdict_reason"] == "broken_even_if_missing_kept"
    assert first["verdict_note"] is None
    assert second["verdict"] == "unauditable"
    assert second["compliance_worst"] is None and second["verdict_reason"] is None
    assert second["compliance"] is None and second["ci_low"] is None
    assert "survey_sent_at" in second["missing_fields"]


def test_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    path = setup(tmp_path, [KEPT, BROKEN])
    assert check(path, "--format", "json").output == check(path, "--format", "json").output


def test_table_view_shows_the_statement_beside_the_delivery(tmp_path: Path) -> None:
    path = setup(tmp_path, [{**BROKEN, "statement": "Never more than 5 minutes on hold."}])
    output = check(path).output
    assert "Never more than 5 minutes on hold." in output
    assert "50.0% of 2 queued contacts waited 5 minutes or less" in output


def test_validate_checks_a_file_without_data(tmp_path: Path) -> None:
    path = write_promise_file(tmp_path / "p.yaml", [KEPT], records="does-not-exist.csv")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "1 promise, valid" in result.output


def test_errors_never_show_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("organization: [\n", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "promise_audit", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["--help"], ["check", "--help"]])
def test_help_works(command: list[str]) -> None:
    assert runner.invoke(app, command).exit_code == 0


def test_redact_hashes_identifiers_in_every_output(tmp_path: Path) -> None:
    rows = [
        {
            "contact_id": f"C{i}",
            "channel": "phone",
            "initiated_at": "2026-10-01T09:00:00Z",
            "wait_seconds": 400,
            "agent_id": "alice",
            "customer_id": f"cust{i}",
        }
        for i in range(25)
    ] + [{"contact_id": "bad", "initiated_at": "never", "agent_id": "alice"}]
    path = setup(tmp_path, [BROKEN], rows, source={"max_rejected": "100%"})  # 1 of 26 on purpose
    rejects = tmp_path / "rejects.csv"
    html = tmp_path / "r.html"
    result = check(path, "--redact", "pepper", "--rejects", str(rejects), "-o", f"html={html}")
    outputs = result.output + rejects.read_text() + html.read_text()
    for identifier in ("C1", "alice", "cust1", "bad"):
        assert f">{identifier}<" not in outputs and f" {identifier} " not in outputs
    assert "alice" not in result.output and ",bad," not in rejects.read_text()
    data = json.loads(check(path, "--redact", "pepper", "--format", "json").output)
    again = json.loads(check(path, "--redact", "pepper", "--format", "json").output)
    evidence = data["promises"][0]["evidence"][0]
    assert evidence["contact_id"].startswith("h_")
    assert evidence == again["promises"][0]["evidence"][0]  # stable across runs


def test_redact_needs_a_salt(tmp_path: Path) -> None:
    assert check(setup(tmp_path, [KEPT]), "--redact", "").exit_code == 2


def test_control_characters_from_a_promise_file_never_reach_the_terminal(tmp_path: Path) -> None:
    path = setup(tmp_path, [{**BROKEN, "statement": "Fast \x1b[2J\x1b]0;pwned\x07 service"}])
    output = check(path).output
    assert "\x1b" not in output and "\x07" not in output
    assert "Fast \ufffd[2J" in output
