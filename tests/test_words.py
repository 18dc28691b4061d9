"""What every output says beside the numbers: durations in the promise's own unit, verdict
counts, why a verdict stands, group labels, and the terminal's layout at 80 and 120 columns."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app
from promise_audit.kinds import KINDS
from promise_audit.promises.units import duration_text, written_unit
from promise_audit.render.json import to_dict
from promise_audit.render.terminal import render_terminal
from promise_audit.render.view import build_view
from promise_audit.results import PromiseResult
from promise_audit.words import (
    at_risk_reasons,
    counts_text,
    dimension_label,
    interval_note,
    one_sentence,
    verdict_counts,
    verdict_notes,
)
from tests.conftest import a_promise, write_csv, write_promise_file

EXAMPLE = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"


# ---------------------------------------------------------------------------------------------
# Durations


@pytest.mark.parametrize(
    ("written", "unit"),
    [("5d", "day"), ("72h", "hour"), ("90s", "second"), (90, "second"), ("PT2H30M", "hour"),
     ("2 weeks", "week"), ("00:05:00", None)],
)  # fmt: skip
def test_the_unit_a_duration_was_written_in_is_kept(written: Any, unit: str | None) -> None:
    assert written_unit(written) == unit


@pytest.mark.parametrize(
    ("seconds", "unit", "text"),
    [
        (432000, "day", "5 days"),
        (259200, "hour", "72 hours"),
        (90, "second", "90 seconds"),
        (86400, "day", "1 day"),
        (5400, "hour", "1.5 hours"),
        (300, None, "5 minutes"),  # no unit written: the largest whole one
        (2912010, None, "33.7 days"),  # a measured value: compact
        (1739, None, "28 min 59 s"),
        # a measure that happens to be whole minutes reads like its neighbours, not '1,411 minutes'
        (84660, None, "23 h 31 min"),
        (108000, None, "30 hours"),  # whole hours under two days: still hours
        (180000, None, "2.1 days"),  # 50 hours: compact, in days
    ],
)
def test_one_formatter_writes_every_duration(seconds: float, unit: str | None, text: str) -> None:
    assert duration_text(seconds, unit) == text


@pytest.mark.parametrize(
    ("kind", "options", "phrase"),
    [
        ("resolution_time", {"limit": "5d"}, "were resolved within 5 days"),
        ("resolution_time", {"limit": "72h"}, "were resolved within 72 hours"),
        ("wait_time", {"limit": "90s"}, "waited 90 seconds or less for a person"),
        ("wait_time", {"limit": "PT5M"}, "waited 5 minutes or less for a person"),
        ("repeat_contact", {"window": "7d"}, "did not have to contact again within 7 days"),
    ],
)
def test_a_promise_reads_in_the_unit_of_its_file(
    kind: str, options: dict[str, Any], phrase: str
) -> None:
    spec = KINDS[kind].Options.model_validate({"id": "p", "kind": kind, **options})
    assert KINDS[kind].kept_phrase(spec) == phrase


def test_the_result_carries_the_promise_terms_as_written(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "contacts.csv",
        [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 30}],
    )
    path = write_promise_file(
        tmp_path / "p.yaml",
        [
            {"id": "w", "kind": "wait_time", "limit": "90s", "short_abandon": "5s"},
            {"id": "c", "kind": "custom", "kept_if": "wait_seconds <= 60"},
        ],
    )
    promises = to_dict(audit(path))["promises"]
    assert promises[0]["terms"] == {"limit": "90 seconds", "short_abandon": "5 seconds"}
    assert promises[1]["terms"] == {"kept_if": "wait_seconds <= 60"}
    assert "Kept: `wait_seconds <= 60` is true." in promises[1]["rule"]
    assert "Anything else" not in promises[1]["rule"]
    view = build_view(audit(path))
    assert view.promises[0].limit == "90 seconds"
    assert ("limit", "90 seconds") in view.promises[0].stats


def test_a_custom_promise_s_evidence_gives_the_values_its_expressions_read(
    tmp_path: Path,
) -> None:
    rows = [
        {"contact_id": str(i), "initiated_at": f"2026-10-01T09:{i:02d}:00Z", "csat": i % 5 + 1}
        for i in range(10)
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(
        tmp_path / "p.yaml", [{"id": "happy", "kind": "custom", "kept_if": "csat >= 3"}]
    )
    result = audit(path)
    evidence = to_dict(result)["promises"][0]["evidence"]
    assert sorted(e["details"]["csat"] for e in evidence) == ["1", "1", "2", "2"]
    view = build_view(result).promises[0]
    assert view.evidence_columns == ("csat",)
    assert {row.reason for row in view.evidence} == {"not (csat >= 3)"}


# ---------------------------------------------------------------------------------------------
# Verdicts


def test_verdict_counts_list_every_verdict_in_order() -> None:
    verdicts = ["broken", "kept", "at_risk", "at_risk", "unauditable"]
    assert verdict_counts(verdicts) == (
        ("kept", 1),
        ("at_risk", 2),
        ("broken", 1),
        ("no_data", 0),
        ("unauditable", 1),
    )
    assert counts_text(verdicts) == "5 promises: 1 kept, 2 at risk, 1 broken, 1 unauditable"
    assert counts_text(["kept"]) == "1 promise: 1 kept"


def promise(**fields: Any) -> PromiseResult:
    return a_promise(
        **{"id": "p1", "target": 0.95, "gap_is_clear": True, "ci_low": 0.9, "ci_high": 0.99}
        | fields
    )


def test_an_at_risk_promise_says_it_is_below_its_warning_level() -> None:
    assert at_risk_reasons(promise(verdict="at_risk", warn_below=0.97)) == (
        "kept, but below the warning level of 97.0%",
    )
    assert at_risk_reasons(promise(verdict="kept")) == ()


def test_at_risk_for_missing_data_says_the_results_own_sentence() -> None:
    note = "Kept only if the 3 contacts with no recorded wait all waited 5 minutes or less."
    at_risk = promise(verdict="at_risk", verdict_reason="missing_data", verdict_note=note)
    assert at_risk_reasons(at_risk) == (note,)


def test_a_broken_promise_says_whether_missing_data_could_mend_it() -> None:
    note = "Broken even if all 3 contacts with missing data were kept."
    broken = promise(
        verdict="broken", verdict_reason="broken_even_if_missing_kept", verdict_note=note
    )
    assert verdict_notes(broken)[0] == note


@pytest.mark.parametrize("verdict", ["kept", "at_risk", "broken"])
def test_an_interval_including_the_target_is_a_note_not_a_verdict(verdict: str) -> None:
    note = interval_note(
        promise(verdict=verdict, gap_is_clear=False, ci_low=0.9401, ci_high=0.9582)
    )
    assert note == (
        "the gap is not statistically clear: the 95% interval (94.0-95.8%) includes the target"
    )


@pytest.mark.parametrize(
    "fields",
    [{"gap_is_clear": True}, {"verdict": "no_data", "gap_is_clear": None}],
)
def test_no_interval_note_when_the_gap_is_clear_or_nothing_was_judged(
    fields: dict[str, Any],
) -> None:
    assert interval_note(promise(**fields)) is None


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("agent_id", "Agent"),
        ("hour_of_week", "Hour of the week"),
        ("channel", "Channel"),
        ("order_channel", "Order channel"),
    ],
)
def test_groups_have_human_labels(name: str, label: str) -> None:
    assert dimension_label(name) == label


# ---------------------------------------------------------------------------------------------
# Weakest links


def test_a_weakest_link_is_a_strict_part_of_the_population(tmp_path: Path) -> None:
    # every record is on the phone: "channel phone" is the population, not a link in it;
    # queue q0 (two thirds of the records) is
    rows = [
        {
            "contact_id": str(i),
            "initiated_at": f"2026-10-01T09:{i:02d}:00Z",
            "channel": "phone",
            "queue": "q0" if i % 3 else "q1",
            "transfers": i % 2,
        }
        for i in range(60)
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(tmp_path / "p.yaml", [{"id": "t", "kind": "transfers", "max": 0}])
    links = audit(path).promises[0].weakest_links
    assert {(link.dimension, link.value) for link in links} == {("queue", "q0"), ("queue", "q1")}


# ---------------------------------------------------------------------------------------------
# Terminal


@pytest.fixture(scope="module")
def northwind() -> Any:
    return audit(EXAMPLE)


@pytest.mark.parametrize("width", [80, 120])
def test_the_terminal_fits_its_width_and_never_cuts_an_id(northwind: Any, width: int) -> None:
    out = io.StringIO()
    render_terminal(northwind, out, color=False, width=width)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    table = lines[lines.index(next(line for line in lines if line.startswith("promise "))) :]
    for item in northwind.promises:
        assert any(line.startswith(item.id + " ") for line in table), item.id
    if width < 110:
        assert " population " not in table[0]  # the narrow table keeps the essentials
    else:
        assert " population " in table[0] and " kind " in table[0]


def test_the_terminal_counts_promises_by_verdict(northwind: Any) -> None:
    out = io.StringIO()
    render_terminal(northwind, out, color=False, width=100)
    verdicts = [p.verdict for p in northwind.promises]
    first = out.getvalue().splitlines()[0]
    assert first.startswith(f"Northwind Outfitters: {counts_text(verdicts)}")
    assert "1 kept, 2 at risk, 15 broken" in first


def test_the_terminal_says_why_at_risk_and_when_the_interval_includes_the_target(
    northwind: Any,
) -> None:
    out = io.StringIO()
    render_terminal(northwind, out, color=False, width=200)
    text = out.getvalue()
    hold = text[text.index("phone-hold-5m") :]
    hold = hold[: hold.index("\n\n")]
    assert "94.98% of 2,434" in hold
    assert (
        "Note: the gap is not statistically clear: the 95% interval (94.0-95.8%) includes the "
        "target" in hold
    )
    risky = text[text.index("AT RISK     first-person-can-say-yes") :]
    assert "At risk: kept, but below the warning level of 95.0%" in risky[: risky.index("\n\n")]


def test_check_names_every_file_it_writes(tmp_path: Path) -> None:
    report, result = tmp_path / "gap.html", tmp_path / "result.json"
    done = CliRunner().invoke(
        app, ["check", str(EXAMPLE), "--report", str(report), "-o", f"json={result}"]
    )
    assert done.exit_code == 1
    assert f"promise-audit: wrote {result} (JSON result)\n" in done.stderr
    assert f"promise-audit: wrote {report} (HTML report)\n" in done.stderr
    assert json.loads(result.read_text(encoding="utf-8"))["schema_version"] == 2


def test_notes_said_in_one_sentence_end_with_one_full_stop() -> None:
    notes = (
        "Broken even if all 4 contacts with no recorded topic were kept (90.0% at best against "
        "the 95.0% target).",
        "the gap is not statistically clear: the 95% interval (80.1-96.0%) includes the target",
    )
    assert one_sentence(notes) == (
        "Broken even if all 4 contacts with no recorded topic were kept (90.0% at best against "
        "the 95.0% target); the gap is not statistically clear: the 95% interval (80.1-96.0%) "
        "includes the target."
    )
    assert one_sentence(()) == ""
