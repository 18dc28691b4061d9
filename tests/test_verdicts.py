"""Robust verdicts: what missing data could change, and how every output says it.

Exclusions for missing data (reasons missing_<field>, invalid_<field>) are counted broken for
compliance_worst and kept for compliance_best; a promise is kept only if its target holds at
compliance_worst. Every figure here is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import junitparser
import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.render.github import escape_data
from promise_audit.render.json import SCHEMA_VERSION, load_result
from promise_audit.render.report import render_html
from promise_audit.results import compliance_bounds, is_missing_data, verdict_for
from promise_audit.words import verdict_note
from tests.conftest import write_csv

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("missing_wait_seconds", True),
        ("invalid_hold_seconds", True),
        ("short_abandon", False),
        ("abandoned_within_limit", False),
        ("no_decision", False),
    ],
)
def test_which_exclusions_are_missing_data(reason, expected):
    assert is_missing_data(reason) is expected


@pytest.mark.parametrize(
    ("kept", "broken", "missing", "expected"),
    [
        (3878, 176, 946, (3878 / 5000, 4824 / 5000)),  # 77.56% and 96.48%
        (9, 1, 0, (0.9, 0.9)),  # nothing missing: both are the compliance
        (0, 0, 4, (0.0, 1.0)),  # only missing data: anything from 0% to 100%
        (0, 0, 0, (None, None)),  # nothing to count
    ],
)
def test_compliance_bounds(kept, broken, missing, expected):
    assert compliance_bounds(kept, broken, missing) == expected


@pytest.mark.parametrize(
    ("compliance", "worst", "best", "warn_below", "expected"),
    [
        # 95.7% against 90%, 77.6% at worst: kept only if the missing were
        (0.957, 0.776, 0.965, None, ("at_risk", "missing_data")),
        # at worst exactly the target: kept (a target is met when reached)
        (0.95, 0.90, 0.96, None, ("kept", None)),
        (0.95, 0.8999, 0.96, None, ("at_risk", "missing_data")),
        # missing data is the stronger reason: checked before warn_below
        (0.95, 0.80, 0.96, 0.99, ("at_risk", "missing_data")),
        (0.95, 0.95, 0.95, 0.99, ("at_risk", "below_warn_below")),
        # broken at best too, or only because of the missing data
        (0.80, 0.70, 0.85, None, ("broken", "broken_even_if_missing_kept")),
        (0.80, 0.70, 0.90, None, ("broken", "broken_unless_missing_kept")),
        # nothing decided, but records excluded for missing data: not "no data"
        (None, 0.0, 1.0, None, ("at_risk", "missing_data")),
        (None, None, None, None, ("no_data", None)),
    ],
)
def test_verdict_for(compliance, worst, best, warn_below, expected):
    assert verdict_for(compliance, 0.90, warn_below, worst=worst, best=best) == expected


def test_verdict_without_bounds_is_judged_on_the_compliance_alone():
    assert verdict_for(0.95, 0.90, None) == ("kept", None)
    assert verdict_for(0.85, 0.90, None) == ("broken", "broken_even_if_missing_kept")


def _describe(reason: str | None, excluded: dict[str, int], **figures: Any) -> str | None:
    return verdict_note(
        reason,
        excluded_by_reason=excluded,
        noun="queued contacts",
        kept_phrase="waited 2 minutes or less for a person",
        target=0.90,
        warn_below=figures.pop("warn_below", None),
        **{"compliance": None, "worst": None, "best": None, **figures},
    )


def test_one_missing_record_is_named_in_the_singular():
    excluded = {"invalid_answered_at": 1}
    assert _describe("broken_even_if_missing_kept", excluded, compliance=0.333, best=0.429) == (
        "Broken even if the one queued contact with an invalid answer time was kept "
        "(42.9% at best against the 90.0% target)."
    )
    assert _describe("missing_data", excluded, compliance=0.95, worst=0.86) == (
        "Kept only if the one queued contact with an invalid answer time waited 2 minutes or "
        "less for a person: counted broken, it brings compliance to 86.0% against the 90.0% "
        "target."
    )


def test_the_nouns_of_the_kinds_read_in_the_singular():
    from promise_audit.words import singular, singular_verb

    assert singular("queued contacts") == "queued contact"
    assert singular("customers who asked the bot for a person") == (
        "customer who asked the bot for a person"
    )
    assert singular("return requests within the window") == "return request within the window"
    assert singular("surveys") == "survey"
    assert singular_verb("were resolved within 8 hours") == "was resolved within 8 hours"
    assert singular_verb("waited 2 minutes or less") == "waited 2 minutes or less"


def test_the_delivered_sentence_of_one_record_is_singular():
    from promise_audit.words import delivered_sentence

    one = delivered_sentence(
        noun="contacts",
        kept_phrase="were resolved within 8 hours",
        kept=1,
        broken=0,
        pending=0,
        excluded=0,
        target=0.95,
    )
    assert one == "100% of 1 contact was resolved within 8 hours; 0 did not; target 95.0%."


def test_kept_only_if_the_missing_were_kept_names_them_and_the_worst_case():
    excluded = {"missing_wait_seconds": 946, "short_abandon": 12}
    assert _describe("missing_data", excluded, compliance=0.957, worst=0.7756) == (
        "Kept only if the 946 queued contacts with no recorded wait all waited 2 minutes or "
        "less for a person: counted broken, they bring compliance to 77.6% against the 90.0% "
        "target."
    )


def test_several_missing_fields_are_listed_with_their_counts():
    excluded = {"missing_wait_seconds": 5, "invalid_wait_seconds": 2, "missing_abandoned": 1}
    text = _describe("broken_even_if_missing_kept", excluded, compliance=0.5, best=0.6)
    assert text == (
        "Broken even if all 8 queued contacts with missing data (an invalid wait: 2; no "
        "recorded abandon flag: 1; no recorded wait: 5) were kept (60.0% at best against the "
        "90.0% target)."
    )


def test_broken_unless_the_missing_were_kept():
    text = _describe(
        "broken_unless_missing_kept", {"missing_wait_seconds": 30}, compliance=0.8, best=0.92
    )
    assert text == (
        "Broken unless the 30 queued contacts with no recorded wait were kept: counted kept, "
        "they bring compliance to 92.0% against the 90.0% target."
    )


def test_nothing_to_add_when_nothing_is_missing():
    assert _describe("broken_even_if_missing_kept", {"short_abandon": 3}, compliance=0.5) is None
    assert _describe(None, {}, compliance=1.0) is None


def test_below_warn_below_says_which_level():
    text = _describe("below_warn_below", {}, compliance=0.95, warn_below=0.99)
    assert text == "At risk: 95.0% meets the 90.0% target but not the warning level of 99.0%."


# ---------------------------------------------------------------------------------------------
# Every output says it in its headline

# 9 answered calls within 2 minutes (kept), 1 answered after 3 (broken), 3 answered with no
# recorded wait: 90% against a 90% target, 9/13 = 69.2% at worst, 12/13 = 92.3% at best.
ROWS = [
    {"contact_id": f"k{i}", "initiated_at": "2026-10-05T09:00:00+00:00", "wait_seconds": 60}
    for i in range(9)
]
ROWS += [{"contact_id": "late", "initiated_at": "2026-10-05T09:00:00+00:00", "wait_seconds": 180}]
ROWS += [
    {"contact_id": f"m{i}", "initiated_at": "2026-10-05T09:00:00+00:00", "wait_seconds": None}
    for i in range(3)
]
for row in ROWS:
    row.update({"answered_at": "2026-10-05T09:05:00+00:00", "abandoned": "no"})
PROMISES = """\
organization: Test Co
timezone: UTC
as_of: 2026-10-10T00:00:00+00:00
sources:
  contacts: {path: contacts.csv}
promises:
  - id: person-2m
    title: A person within two minutes
    kind: availability
    limit: 2m
    target: 90%
"""
NOTE = (
    "Kept only if the 3 contacts with no recorded wait all reached a person within 2 minutes: "
    "counted broken, they bring compliance to 69.2% against the 90.0% target."
)


@pytest.fixture
def audited(tmp_path: Path) -> Path:
    write_csv(tmp_path / "contacts.csv", ROWS)
    path = tmp_path / "promises.yaml"
    path.write_text(PROMISES, encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, [*args])


def test_json_carries_the_bounds_the_reason_and_its_sentence(audited: Path):
    done = run("check", str(audited), "--format", "json")
    assert done.exit_code == 0  # at_risk does not fail the run by default
    data = json.loads(done.stdout)
    assert data["schema_version"] == SCHEMA_VERSION == 2
    (promise,) = data["promises"]
    assert (promise["kept"], promise["broken"], promise["excluded"]) == (9, 1, 3)
    assert promise["verdict"] == "at_risk"
    assert promise["compliance"] == 0.9
    assert promise["compliance_worst"] == 9 / 13
    assert promise["compliance_best"] == 12 / 13
    assert promise["verdict_reason"] == "missing_data"
    assert promise["verdict_note"] == NOTE


def test_fail_on_at_risk_fails_a_verdict_missing_data_could_flip(audited: Path):
    assert run("check", str(audited), "--fail-on", "at-risk", "-q").exit_code == 1


def test_a_promise_kept_only_if_the_missing_were_is_not_counted_kept_in_the_headline(
    audited: Path, tmp_path: Path
):
    assert run("check", str(audited)).stdout.startswith("Test Co: 1 promise: 1 at risk")
    done = run("check", str(audited), "-q", "-o", f"md={tmp_path / 'r.md'}")
    assert done.exit_code == 0
    first = (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0]
    assert first == "## Promise audit: Test Co, 1 promise: 1 at risk"


def test_terminal_says_it_under_the_verdict(audited: Path):
    done = run("check", str(audited))
    lines = done.stdout.splitlines()
    verdict_line = next(i for i, line in enumerate(lines) if line.startswith("AT RISK"))
    below = " ".join(" ".join(lines[verdict_line + 1 : verdict_line + 4]).split())
    assert below.startswith(f"At risk: {NOTE}")


def test_every_file_output_says_it(audited: Path, tmp_path: Path):
    out = tmp_path / "out"
    done = run(
        "check",
        str(audited),
        "-q",
        *("-o", f"json={out / 'r.json'}", "-o", f"junit={out / 'r.xml'}"),
        *("-o", f"sarif={out / 'r.sarif'}", "-o", f"md={out / 'r.md'}"),
        *("-o", f"html={out / 'r.html'}"),
    )
    assert done.exit_code == 0, done.output
    assert NOTE in (out / "r.md").read_text(encoding="utf-8")
    assert NOTE in (out / "r.html").read_text(encoding="utf-8")
    sarif = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    (finding,) = sarif["runs"][0]["results"]
    assert finding["message"]["text"].endswith(NOTE)
    (suite,) = list(junitparser.JUnitXml.fromfile(str(out / "r.xml")))
    (case,) = list(suite)
    assert NOTE in case.system_out


def test_junit_failure_message_carries_it_under_fail_on_at_risk(audited: Path, tmp_path: Path):
    path = tmp_path / "r.xml"
    run("check", str(audited), "-q", "--fail-on", "at-risk", "-o", f"junit={path}")
    (suite,) = list(junitparser.JUnitXml.fromfile(str(path)))
    (case,) = list(suite)
    (failure,) = case.result
    assert failure.message.endswith(NOTE)


def test_github_annotation_says_it(audited: Path):
    done = run("check", str(audited), "-q", "-o", "github")
    (annotation,) = [line for line in done.stdout.splitlines() if line.startswith("::warning")]
    assert annotation.endswith(escape_data(NOTE))  # a workflow command escapes its %


def test_report_from_a_saved_result_says_it(audited: Path, tmp_path: Path):
    saved = tmp_path / "r.json"
    run("check", str(audited), "-q", "-o", f"json={saved}")
    done = run("report", str(saved), "--format", "md")
    assert done.exit_code == 0
    assert NOTE in done.stdout


def test_a_promise_with_only_missing_data_is_at_risk_not_no_data(tmp_path: Path):
    # 3 answered calls, none with a recorded wait: nothing judged, anything from 0% to 100%
    # (a call after as_of has one, so the export does provide waits)
    later = {**ROWS[0], "contact_id": "after", "initiated_at": "2026-10-11T09:00:00+00:00"}
    write_csv(tmp_path / "contacts.csv", [*ROWS[-3:], later])
    path = tmp_path / "promises.yaml"
    path.write_text(PROMISES, encoding="utf-8")
    done = run("check", str(path), "--format", "json")
    assert done.exit_code == 0
    (promise,) = json.loads(done.stdout)["promises"]
    assert (promise["verdict"], promise["verdict_reason"]) == ("at_risk", "missing_data")
    assert (promise["compliance"], promise["compliance_worst"], promise["compliance_best"]) == (
        None,
        0.0,
        1.0,
    )
    assert promise["sentence"] == "No contacts to judge yet (0 pending, 3 excluded); target 90.0%."
    assert promise["verdict_note"] == (
        "Kept only if the 3 contacts with no recorded wait all reached a person within 2 "
        "minutes: counted broken, they bring compliance to 0% against the 90.0% target."
    )


def test_a_result_written_before_the_new_fields_still_renders():
    # the golden result is schema_version 1: no bounds, no reason, nothing new to say
    data = json.loads((GOLDEN / "result.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    html = render_html(load_result(GOLDEN / "result.json"))
    assert "verdict-note" not in html
    assert html == (GOLDEN / "report.html").read_text(encoding="utf-8")


def test_unanswered_calls_with_a_blank_wait_break_availability_from_the_cli(tmp_path: Path):
    # the shape of a real call log: a Y/N answered flag, and a speed of answer left blank when
    # nobody answered. 6 answered within 2 minutes, 1 answered after 3, 3 never answered:
    # 6 kept, 4 broken, 60% (it once read 6/7 = 85.7%, the 3 excluded for their blank wait)
    rows = [{"Call Id": f"a{i}", "Answered (Y/N)": "Y", "Speed of answer": 30} for i in range(6)]
    rows += [{"Call Id": "slow", "Answered (Y/N)": "Y", "Speed of answer": 180}]
    rows += [{"Call Id": f"n{i}", "Answered (Y/N)": "N", "Speed of answer": None} for i in range(3)]
    for row in rows:
        row["Date"] = "2026-10-05 09:00:00"
    write_csv(tmp_path / "calls.csv", rows)
    path = tmp_path / "promises.yaml"
    path.write_text(
        """\
organization: Test Co
timezone: UTC
as_of: 2026-10-10T00:00:00+00:00
sources:
  contacts:
    path: calls.csv
    columns:
      contact_id: Call Id
      initiated_at: Date
      wait_seconds: Speed of answer
      abandoned: {expr: "`Answered (Y/N)` = 'N'"}
promises:
  - id: person-2m
    kind: availability
    limit: 2m
    abandoned: broken
    target: 80%
""",
        encoding="utf-8",
    )
    done = run("check", str(path), "--format", "json")
    assert done.exit_code == 1
    (promise,) = json.loads(done.stdout)["promises"]
    assert (promise["kept"], promise["broken"], promise["excluded"]) == (6, 4, 0)
    assert promise["broken_by_reason"] == {"abandoned": 3, "answered_late": 1}
    assert (promise["verdict"], promise["compliance"]) == ("broken", 0.6)
