"""Waivers: a waived broken promise is reported, stays broken, and does not fail the run until the
waiver expires, judged against `--today`.

The promise files are HEADER + promises + waivers, written by hand (see test_ci_outputs): with
KEPT + BROKEN, the `waivers:` key is at line 15 and its first waiver's `promise` at line 16,
column 5.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import junitparser
import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.records.types import Accounting
from promise_audit.results import AuditResult, PromiseResult, exit_status, gate_status
from tests.conftest import a_promise
from tests.test_ci_outputs import BROKEN, KEPT, UNAUDITABLE, junit_cases, project, read_json

runner = CliRunner()


def waiver(promise: str = "wait-5m", expires: str = "2026-12-31", reason: str = "New IVR") -> str:
    return (
        "waivers:\n"
        f"  - promise: {promise}\n"
        f"    reason: {json.dumps(reason)}\n"
        "    approved_by: Jane Doe, VP Care\n"
        f"    expires: {expires}\n"
    )


def check(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["check", str(path), *args])


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


# ---------------------------------------------------------------------------------------------
# The run's exit status


def test_waived_broken_promise_does_not_fail_the_run(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    assert check(path, "--today", "2026-11-01").exit_code == 0


def test_waiver_holds_through_its_expiry_day(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(expires="2026-12-31"))
    assert check(path, "--today", "2026-12-31").exit_code == 0


def test_expired_waiver_fails_the_run(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(expires="2026-12-31"))
    assert check(path, "--today", "2027-01-01").exit_code == 1


def test_expired_waiver_is_named_with_its_file_line_and_column(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(expires="2026-12-31"))
    result = check(path, "-q", "--today", "2027-01-01")
    assert result.stderr == (
        f"promise-audit: {path}:16:5: the waiver for promise 'wait-5m' expired on 2026-12-31 "
        "(approved by Jane Doe, VP Care): it no longer exempts the promise, which is judged as "
        "any other\n"
    )


def test_expired_waiver_on_a_kept_promise_does_not_fail_the_run(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(promise="wait-10m", expires="2026-01-01"))
    result = check(path, "--fail-on", "never", "--today", "2026-11-01")
    assert (result.exit_code, result.stderr) == (0, "")


def test_waiver_covers_only_its_own_promise(tmp_path: Path) -> None:
    other = BROKEN.replace("wait-5m", "wait-5m-b")
    path = project(tmp_path, BROKEN + other, extra=waiver())
    assert check(path, "--today", "2026-11-01").exit_code == 1


def test_waiver_does_not_cover_an_unauditable_promise(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + UNAUDITABLE, extra=waiver(promise="surveys"))
    assert check(path, "--today", "2026-11-01").exit_code == 3


def test_waived_broken_promise_with_an_unauditable_one_exits_3(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN + UNAUDITABLE, extra=waiver())
    assert check(path, "--today", "2026-11-01").exit_code == 3


def test_waiver_covers_an_at_risk_promise_under_fail_on_at_risk(tmp_path: Path) -> None:
    at_risk = KEPT.replace("limit: 10m", "limit: 5m\n    target: 50%\n    warn_below: 90%")
    path = project(tmp_path, at_risk, extra=waiver(promise="wait-10m"))
    assert check(path, "--fail-on", "at-risk", "--today", "2026-11-01").exit_code == 0


def test_without_today_the_system_date_judges_expiry(tmp_path: Path) -> None:
    long_past = project(tmp_path, BROKEN, extra=waiver(expires="2000-01-01"))
    assert check(long_past).exit_code == 1
    far_future = project(tmp_path, BROKEN, extra=waiver(expires="2999-12-31"))
    assert check(far_future).exit_code == 0


def test_today_must_be_a_date(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, extra=waiver())
    assert check(path, "--today", "next tuesday").exit_code == 2


# ---------------------------------------------------------------------------------------------
# Mistakes in the file: exit 2 with file:line:column


def test_waiver_for_an_unknown_promise_exits_2_at_its_line_and_column(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(promise="wait-6m"))
    result = check(path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"promise-audit: error: {path}:16:14: waiver for unknown promise 'wait-6m' (did you "
        "mean 'wait-5m', 'wait-10m'?); the promises are wait-10m, wait-5m\n"
    )


def test_two_waivers_for_one_promise_exit_2(tmp_path: Path) -> None:
    second = waiver().removeprefix("waivers:\n")
    path = project(tmp_path, KEPT + BROKEN, extra=waiver() + second)
    result = check(path)
    assert result.exit_code == 2
    assert f"{path}:20:14: a second waiver for promise 'wait-5m'" in result.stderr


def test_waiver_without_approved_by_exits_2_at_the_waiver(tmp_path: Path) -> None:
    extra = "waivers:\n  - {promise: wait-5m, reason: r, expires: 2026-12-31}\n"
    result = check(project(tmp_path, KEPT + BROKEN, extra=extra))
    assert result.exit_code == 2
    assert "promises.yaml:16:5: missing required key 'approved_by'" in result.stderr


def test_waiver_expiry_must_be_a_day(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, extra=waiver(expires="2026-12-31T12:00:00Z"))
    result = check(path)
    assert result.exit_code == 2
    assert "expires is a day such as 2026-12-31" in result.stderr


def test_validate_reports_a_waiver_for_an_unknown_promise(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT, extra=waiver(promise="nope"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:11:14: waiver for unknown promise 'nope'" in result.stderr


def test_validate_counts_the_waivers(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    assert runner.invoke(app, ["validate", str(path)]).stdout == (
        f"{path}: 2 promises, 1 waiver, valid\n"
    )


# ---------------------------------------------------------------------------------------------
# What the outputs say


def run_json(tmp_path: Path, extra: str, today: str = "2026-11-01") -> Any:
    path = project(tmp_path, KEPT + BROKEN, extra=extra)
    check(path, "-q", "--today", today, "-o", f"json={tmp_path / 'a.json'}")
    return read_json(tmp_path / "a.json")


def test_waived_promise_stays_broken_with_waived_true_and_the_waiver(tmp_path: Path) -> None:
    promise = run_json(tmp_path, waiver())["promises"][1]
    assert (promise["id"], promise["verdict"], promise["waived"]) == ("wait-5m", "broken", True)
    assert promise["waiver"] == {
        "promise": "wait-5m",
        "reason": "New IVR",
        "approved_by": "Jane Doe, VP Care",
        "expires": "2026-12-31",
        "expired": False,
        "line": 16,
        "column": 5,
    }


def test_promise_without_a_waiver_has_waived_false_and_no_waiver(tmp_path: Path) -> None:
    promise = run_json(tmp_path, waiver())["promises"][0]
    assert (promise["waived"], promise["waiver"]) == (False, None)


def test_expired_waiver_is_in_the_json_but_waives_nothing(tmp_path: Path) -> None:
    promise = run_json(tmp_path, waiver(), today="2027-01-01")["promises"][1]
    assert (promise["waived"], promise["waiver"]["expired"]) == (False, True)


def test_json_lists_the_files_waivers_at_the_top_level(tmp_path: Path) -> None:
    data = run_json(tmp_path, waiver())
    assert [w["promise"] for w in data["waivers"]] == ["wait-5m"]


def test_terminal_view_shows_broken_waived(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    output = check(path, "--today", "2026-11-01").stdout
    assert (
        "  BROKEN-WAIVED   wait-5m  until 2026-12-31, approved by Jane Doe, VP Care: New IVR"
        in output
    )


def test_junit_waived_promise_is_skipped_with_the_waiver(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    check(path, "-q", "--today", "2026-11-01", "-o", f"junit={tmp_path / 'a.xml'}")
    (skipped,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    assert isinstance(skipped, junitparser.Skipped)
    assert skipped.message == "broken, waived until 2026-12-31 by Jane Doe, VP Care: New IVR"


def test_junit_expired_waiver_is_a_failure_again(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    check(path, "-q", "--today", "2027-01-01", "-o", f"junit={tmp_path / 'a.xml'}")
    (failure,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    assert isinstance(failure, junitparser.Failure)
    assert "Waiver: waiver expired on 2026-12-31 (approved by Jane Doe, VP Care)" in failure.text


def test_sarif_waived_result_carries_an_accepted_suppression(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    check(path, "-q", "--today", "2026-11-01", "-o", f"sarif={tmp_path / 'a.sarif'}")
    (result,) = read_json(tmp_path / "a.sarif")["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "New IVR (approved by Jane Doe, VP Care, until 2026-12-31)",
        }
    ]


def test_github_waived_promise_is_a_warning(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    result = check(path, "-q", "--today", "2026-11-01", "-o", "github")
    assert result.stdout.startswith("::warning file=")
    assert result.stdout.endswith("Waived until 2026-12-31 by Jane Doe, VP Care: New IVR.\n")


def test_github_expired_waiver_is_an_error_at_the_waivers_line(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    lines = check(path, "-q", "--today", "2027-01-01", "-o", "github").stdout.splitlines()
    assert lines[1].startswith(
        f"::error file={str(path).replace(':', '%3A')},line=16,col=5,"
        "title=wait-5m waiver expired::The waiver for wait-5m expired on 2026-12-31"
    )


def test_github_escapes_newlines_in_a_waiver_reason(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, extra=waiver(reason="ok\n::error::injected"))
    result = check(path, "-q", "--today", "2026-11-01", "-o", "github")
    assert result.stdout.count("\n") == 1
    assert "ok%0A::error::injected" in result.stdout


def test_markdown_lists_the_waivers_escaped(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(reason="see <b>T-1</b> | *now*"))
    check(path, "-q", "--today", "2026-11-01", "-o", f"md={tmp_path / 'a.md'}")
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert (
        "| `wait-5m` | broken, waived | 2026-12-31 | Jane Doe, VP Care | "
        "see &lt;b&gt;T-1&lt;/b&gt; \\| \\*now\\* |"
    ) in text


# ---------------------------------------------------------------------------------------------
# gate_status: exit_status, plus waivers


def _result(*verdicts: str) -> AuditResult:
    def promise(index: int, verdict: Any) -> PromiseResult:
        return a_promise(id=f"p{index}", severity="major", target=1.0, verdict=verdict)

    return AuditResult(
        organization="o",
        promise_file="p.yaml",
        timezone="UTC",
        as_of=None,
        engine="duckdb",
        records=Accounting(read=0, rejected=0, duplicates=0, out_of_period=0, used=0),
        sources={},
        promises=tuple(promise(i, v) for i, v in enumerate(verdicts)),
    )


VERDICTS = ("kept", "at_risk", "broken", "no_data", "unauditable")


@pytest.mark.parametrize("fail_on", ["broken", "at-risk", "never"])
@pytest.mark.parametrize("verdicts", list(itertools.combinations_with_replacement(VERDICTS, 2)))
def test_gate_status_without_waivers_is_exit_status(
    verdicts: tuple[str, ...], fail_on: Any
) -> None:
    result = _result(*verdicts)
    assert gate_status(result, fail_on) == exit_status(result, fail_on)


def test_gate_status_ignores_a_waived_broken_promise() -> None:
    assert gate_status(_result("kept", "broken"), "broken", waived=frozenset({"p1"})) == 0
