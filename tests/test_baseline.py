"""Baselines: the change in compliance per promise against a saved JSON result, whether it is a
statistically clear regression, promises newly broken or newly kept, and `--fail-on regression`.

Hand-checked intervals (95% Wilson): 40 of 40 kept is 91.2% to 100%; 20 of 40 is 35.2% to
64.8%; 10 of 10 is 72.2% to 100%; 1 of 2 is 9.5% to 90.5%.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.baseline import compare_promise
from promise_audit.cli import app
from promise_audit.results import Comparison
from tests.conftest import a_promise, write_csv
from tests.test_ci_outputs import BROKEN, KEPT, ROWS, UNAUDITABLE, project, read_json

runner = CliRunner()


def contacts(kept: int, broken: int) -> list[dict[str, Any]]:
    """`kept` phone contacts that waited 60 s and `broken` that waited 400 s (over 5 minutes)."""
    return [
        {
            "contact_id": str(i),
            "channel": "phone",
            "initiated_at": f"2026-10-01T{i // 60:02d}:{i % 60:02d}:00Z",
            "wait_seconds": 60 if i < kept else 400,
        }
        for i in range(kept + broken)
    ]


def save_baseline(folder: Path, path: Path, rows: list[dict[str, Any]]) -> Path:
    """A JSON result of the same promise file on other records: the saved baseline."""
    write_csv(folder / "before.csv", rows)
    baseline = folder / "before.json"
    runner.invoke(
        app,
        [
            "check",
            str(path),
            "-q",
            "--records",
            str(folder / "before.csv"),
            "-o",
            f"json={baseline}",
        ],
    )
    return baseline


def check(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["check", str(path), *args])


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def compare(now: dict[str, Any], then: dict[str, Any] | None) -> Comparison:
    """`compare_promise` of a promise given by its JSON keys, beside a baseline's object."""
    return compare_promise(a_promise(**now), then)


def promise(verdict: str, compliance: float | None, low: float | None, high: float | None) -> Any:
    return {
        "id": "p",
        "verdict": verdict,
        "compliance": compliance,
        "ci_low": low,
        "ci_high": high,
    }


# ---------------------------------------------------------------------------------------------
# The comparison of one promise


def test_change_is_compliance_now_minus_compliance_then() -> None:
    comparison = compare(promise("broken", 0.9, 0.8, 0.95), promise("broken", 0.95, 0.9, 0.99))
    assert (comparison.change, comparison.direction) == (-0.05, "down")


def test_intervals_apart_with_this_one_below_are_a_clear_regression() -> None:
    comparison = compare(promise("broken", 0.5, 0.352, 0.648), promise("kept", 1.0, 0.912, 1.0))
    assert (comparison.clear_regression, comparison.clear_improvement) == (True, False)


def test_overlapping_intervals_are_not_a_clear_regression() -> None:
    comparison = compare(promise("broken", 0.5, 0.095, 0.905), promise("kept", 1.0, 0.722, 1.0))
    assert (comparison.direction, comparison.clear_regression) == ("down", False)


def test_touching_intervals_are_not_a_clear_regression() -> None:
    comparison = compare(promise("broken", 0.8, 0.7, 0.9), promise("kept", 1.0, 0.9, 1.0))
    assert comparison.clear_regression is False


def test_intervals_apart_with_this_one_above_are_a_clear_improvement() -> None:
    comparison = compare(promise("kept", 1.0, 0.912, 1.0), promise("broken", 0.5, 0.352, 0.648))
    assert (comparison.clear_improvement, comparison.direction) == (True, "up")


def test_broken_now_and_not_then_is_newly_broken() -> None:
    comparison = compare(promise("broken", 0.9, 0.8, 0.95), promise("kept", 1.0, 0.7, 1.0))
    assert (comparison.newly_broken, comparison.newly_kept) == (True, False)


def test_kept_now_and_broken_then_is_newly_kept() -> None:
    comparison = compare(promise("kept", 1.0, 0.7, 1.0), promise("broken", 0.9, 0.8, 0.95))
    assert (comparison.newly_broken, comparison.newly_kept) == (False, True)


def test_at_risk_now_and_broken_then_is_newly_kept() -> None:
    comparison = compare(promise("at_risk", 0.96, 0.9, 0.99), promise("broken", 0.9, 0.8, 0.95))
    assert comparison.newly_kept is True


def test_same_compliance_is_the_same_direction() -> None:
    comparison = compare(promise("kept", 1.0, 0.7, 1.0), promise("kept", 1.0, 0.9, 1.0))
    assert (comparison.change, comparison.direction) == (0.0, "same")


def test_no_compliance_on_either_side_has_no_change() -> None:
    comparison = compare(promise("no_data", None, None, None), promise("kept", 1.0, 0.9, 1.0))
    assert (comparison.change, comparison.direction, comparison.clear_regression) == (
        None,
        None,
        False,
    )


def test_promise_the_baseline_lacks_is_new() -> None:
    comparison = compare(promise("broken", 0.5, 0.1, 0.9), None)
    assert (comparison.new, comparison.newly_broken, comparison.change) == (
        True,
        False,
        None,
    )


# ---------------------------------------------------------------------------------------------
# --baseline on the command line


def test_baseline_adds_the_comparison_to_each_promise_in_the_json(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    check(path, "-q", "--baseline", str(baseline), "-o", f"json={tmp_path / 'now.json'}")
    (only,) = read_json(tmp_path / "now.json")["promises"]
    assert only["baseline"] == {
        "new": False,
        "verdict": "kept",
        "compliance": 1.0,
        "ci_low": pytest.approx(0.9124, abs=1e-4),
        "ci_high": 1.0,
        "compliance_worst": 1.0,
        "verdict_reason": None,
        "change": -0.5,
        "direction": "down",
        "clear_regression": True,
        "clear_improvement": False,
        "newly_broken": True,
        "newly_kept": False,
    }


def test_baseline_is_described_at_the_top_level_with_its_removed_promises(
    tmp_path: Path,
) -> None:
    old = project(tmp_path, KEPT + BROKEN)
    baseline = save_baseline(tmp_path, old, ROWS)
    path = project(tmp_path, BROKEN)
    check(path, "-q", "--baseline", str(baseline), "-o", f"json={tmp_path / 'now.json'}")
    assert read_json(tmp_path / "now.json")["baseline"] == {
        "path": str(baseline),
        "as_of": "2026-10-10T00:00:00+00:00",
        "organization": "Test Co",
        "removed": ["wait-10m"],
    }


def test_without_baseline_the_json_has_no_baseline_key(tmp_path: Path) -> None:
    check(project(tmp_path, BROKEN), "-q", "-o", f"json={tmp_path / 'now.json'}")
    data = read_json(tmp_path / "now.json")
    assert "baseline" not in data
    assert "baseline" not in data["promises"][0]


def test_fail_on_regression_exits_1_on_a_clear_regression(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    assert check(path, "--baseline", str(baseline), "--fail-on", "regression").exit_code == 1


def test_fail_on_regression_exits_0_for_a_broken_promise_without_a_clear_regression(
    tmp_path: Path,
) -> None:
    path = project(tmp_path, BROKEN)  # 1 of 2 kept: 9.5% to 90.5%
    baseline = save_baseline(tmp_path, path, contacts(10, 0))  # 72.2% to 100%: they overlap
    assert check(path, "--baseline", str(baseline), "--fail-on", "regression").exit_code == 0


def test_fail_on_regression_still_exits_3_for_an_unauditable_promise(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + UNAUDITABLE)
    baseline = save_baseline(tmp_path, path, ROWS)
    assert check(path, "--baseline", str(baseline), "--fail-on", "regression").exit_code == 3


def test_fail_on_regression_ignores_a_non_blocking_promise(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN + "    blocking: false\n", rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    assert check(path, "--baseline", str(baseline), "--fail-on", "regression").exit_code == 0


def test_fail_on_regression_spares_a_waived_promise(tmp_path: Path) -> None:
    waiver = "waivers:\n  - {promise: wait-5m, reason: r, approved_by: a, expires: 2026-12-31}\n"
    path = project(tmp_path, BROKEN, extra=waiver, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    result = check(
        path, "--baseline", str(baseline), "--fail-on", "regression", "--today", "2026-11-01"
    )
    assert result.exit_code == 0


def test_fail_on_regression_without_a_baseline_exits_2(tmp_path: Path) -> None:
    result = check(project(tmp_path, KEPT), "--fail-on", "regression")
    assert result.exit_code == 2
    assert "--fail-on regression compares with a baseline: give --baseline FILE" in result.stderr


def test_a_baseline_that_is_not_json_exits_2(tmp_path: Path) -> None:
    (tmp_path / "before.json").write_text("not json", encoding="utf-8")
    result = check(project(tmp_path, KEPT), "--baseline", str(tmp_path / "before.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"promise-audit: error: --baseline {tmp_path / 'before.json'}")


def test_a_missing_baseline_exits_2(tmp_path: Path) -> None:
    result = check(project(tmp_path, KEPT), "--baseline", str(tmp_path / "nope.json"))
    assert result.exit_code == 2


def test_baseline_does_not_change_the_default_exit_status(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN)
    baseline = save_baseline(tmp_path, path, ROWS)
    assert check(path, "--baseline", str(baseline)).exit_code == 1


def test_terminal_view_shows_the_arrows(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    output = check(path, "--baseline", str(baseline)).stdout
    assert f"Compared with {baseline} (as of 2026-10-10T00:00:00+00:00):" in output
    assert "  →   wait-10m  100% (was 100%, +0.0 pts)\n" in output
    assert "  ↓   wait-5m   50.0% (was 100%, -50.0 pts)  clear regression, newly broken\n" in output


def test_markdown_output_shows_the_arrows(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    check(path, "-q", "--baseline", str(baseline), "-o", f"md={tmp_path / 'a.md'}")
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert "| → | `wait-10m` | 100% | 100% | +0.0 pts |  |" in text
    assert (
        "| ↓ | `wait-5m` | 50.0% | 100% | -50.0 pts | **clear regression**, newly broken |" in text
    )


def test_github_annotation_names_a_clear_regression(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN, rows=contacts(20, 20))
    baseline = save_baseline(tmp_path, path, contacts(40, 0))
    result = check(path, "-q", "--baseline", str(baseline), "-o", "github")
    assert result.stdout.endswith(" Clear regression from 100%25 in the baseline (-50.0 pts).\n")


@pytest.mark.parametrize(
    ("verdict", "reason", "newly_kept"),
    [
        ("kept", None, True),
        ("at_risk", "below_warn_below", True),
        # kept only if the records excluded for missing data were: not yet kept
        ("at_risk", "missing_data", False),
    ],
)
def test_newly_kept_leaves_out_a_promise_at_risk_for_missing_data(verdict, reason, newly_kept):
    now = {"id": "p", "verdict": verdict, "verdict_reason": reason, "compliance": 0.95}
    then = {"id": "p", "verdict": "broken", "compliance": 0.5}
    assert compare(now, then).newly_kept is newly_kept


def test_a_baseline_written_before_compliance_worst_compares_without_it():
    now = {"id": "p", "verdict": "kept", "compliance": 0.95, "compliance_worst": 0.95}
    then = {"id": "p", "verdict": "kept", "compliance": 0.9}  # schema_version 1: no bounds
    compared = compare(now, then)
    assert (compared.compliance_worst, compared.verdict_reason) == (None, None)
    assert compared.change == 0.05


def test_the_baseline_bounds_and_reason_are_carried():
    now = {"id": "p", "verdict": "kept", "compliance": 0.95}
    then = {
        "id": "p",
        "verdict": "at_risk",
        "verdict_reason": "missing_data",
        "compliance": 0.96,
        "compliance_worst": 0.7,
    }
    compared = compare(now, then)
    assert (compared.compliance_worst, compared.verdict_reason) == (0.7, "missing_data")
