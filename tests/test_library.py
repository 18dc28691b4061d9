"""`promise_audit.check`: the audit and the CI gate's steps as one library call, without the
command line: the result and the exit status (0 kept, 1 a blocking promise failed, 3 nothing
failed but one unauditable), for each `fail_on`, with waivers and a baseline."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import promise_audit
from promise_audit import Checked, check
from promise_audit.cli import app
from promise_audit.errors import UsageError
from promise_audit.render.json import render_json
from promise_audit.waivers import apply_waivers
from tests.test_ci_outputs import BROKEN, KEPT, UNAUDITABLE, project
from tests.test_waivers import waiver

TODAY = date(2026, 11, 1)
AT_RISK = """\
  - id: wait-5m-low
    kind: wait_time
    limit: 5m
    target: 10%
    warn_below: 99%
"""


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def verdicts(checked: Checked) -> list[str]:
    return [p.verdict for p in checked.result.promises]


def test_check_is_exported_from_the_package() -> None:
    assert promise_audit.check is check
    assert "check" in promise_audit.__all__


def test_a_kept_promise_exits_0(tmp_path: Path) -> None:
    checked = check(project(tmp_path, KEPT), today=TODAY)
    assert (verdicts(checked), checked.exit_status) == (["kept"], 0)


def test_a_broken_promise_exits_1(tmp_path: Path) -> None:
    checked = check(project(tmp_path, KEPT + BROKEN), today=TODAY)
    assert (verdicts(checked), checked.exit_status) == (["kept", "broken"], 1)


def test_an_unauditable_promise_exits_3(tmp_path: Path) -> None:
    checked = check(project(tmp_path, KEPT + UNAUDITABLE), today=TODAY)
    assert (verdicts(checked), checked.exit_status) == (["kept", "unauditable"], 3)


def test_broken_outranks_unauditable(tmp_path: Path) -> None:
    assert check(project(tmp_path, BROKEN + UNAUDITABLE), today=TODAY).exit_status == 1


@pytest.mark.parametrize(
    ("promises", "fail_on", "status"),
    [
        (BROKEN, "broken", 1),
        (BROKEN, "at-risk", 1),
        (BROKEN, "never", 0),
        (AT_RISK, "broken", 0),
        (AT_RISK, "at-risk", 1),
        (AT_RISK, "never", 0),
        (UNAUDITABLE, "never", 3),  # never fails, but cannot say the promise was kept
    ],
)
def test_fail_on_decides_which_verdicts_fail(
    tmp_path: Path, promises: str, fail_on: Any, status: int
) -> None:
    checked = check(project(tmp_path, promises), today=TODAY, fail_on=fail_on)
    assert checked.exit_status == status


def test_the_at_risk_fixture_is_at_risk(tmp_path: Path) -> None:
    assert verdicts(check(project(tmp_path, AT_RISK), today=TODAY)) == ["at_risk"]


def test_an_unexpired_waiver_keeps_a_broken_promise_from_failing(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    checked = check(path, today=TODAY)
    (_, broken) = checked.result.promises
    assert (broken.verdict, broken.waived, checked.exit_status) == ("broken", True, 0)
    assert checked.expired == ()


def test_an_expired_waiver_fails_and_is_named(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver(expires="2026-10-31"))
    checked = check(path, today=TODAY)
    assert checked.exit_status == 1
    (expired,) = checked.expired
    assert "expired on 2026-10-31" in expired.message()


def test_waivers_false_leaves_the_waivers_out(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    checked = check(path, today=TODAY, waivers=False)
    assert (checked.exit_status, checked.result.waivers) == (1, None)
    assert all(p.waived is None for p in checked.result.promises)


def test_regression_needs_a_baseline(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="baseline"):
        check(project(tmp_path, BROKEN), fail_on="regression")


def test_regression_fails_only_on_a_clear_regression(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN)
    before = check(path, today=TODAY).result
    checked = check(path, today=TODAY, baseline=before, fail_on="regression")
    assert checked.exit_status == 0  # broken, as it was: no regression
    assert checked.result.baseline is not None
    assert [p.baseline.direction for p in checked.result.promises if p.baseline] == [
        "same",
        "same",
    ]


def test_a_saved_baseline_is_read_from_its_path(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN)
    saved = tmp_path / "before.json"
    saved.write_text(render_json(check(path, today=TODAY).result), encoding="utf-8")
    checked = check(path, today=TODAY, baseline=saved)
    assert checked.result.baseline is not None
    assert checked.result.baseline.path == str(saved)


def test_the_library_gives_the_json_the_command_line_prints(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    printed = CliRunner().invoke(
        app, ["check", str(path), "--format", "json", "--today", "2026-11-01"]
    )
    checked = check(path, today=TODAY)
    assert printed.exit_code == checked.exit_status == 0
    assert printed.stdout == render_json(checked.result)


def test_the_result_is_frozen_and_the_steps_make_new_values(tmp_path: Path) -> None:
    from promise_audit.promises import load_promise_file

    path = project(tmp_path, KEPT + BROKEN, extra=waiver())
    plain = check(path, waivers=False).result
    with pytest.raises(FrozenInstanceError):
        plain.promises[1].verdict = "kept"  # type: ignore[misc]
    waived = apply_waivers(plain, load_promise_file(path), TODAY)
    assert waived is not plain and plain.waivers is None and waived.waivers is not None
    assert [p.waived for p in waived.promises] == [False, True]


def test_redact_hashes_the_identifiers_in_the_result(tmp_path: Path) -> None:
    checked = check(project(tmp_path, BROKEN), today=TODAY, redact="pepper")
    assert checked.result.redacted
    (broken,) = checked.result.promises
    assert broken.evidence and all(e.contact_id.startswith("h_") for e in broken.evidence)
