"""Reconciling the audit with the platform: record by record, and with a published figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.errors import PromiseFileError
from promise_audit.render.json import to_dict
from tests.conftest import write_csv, write_promise_file

# Resolved within 24 hours, as_of 10 Oct 00:00; made_sla is the platform's own verdict.
ROWS = [
    # both kept: 2 h, platform made
    {"contact_id": "1", "initiated_at": "2026-10-01T08:00:00Z",
     "resolved_at": "2026-10-01T10:00:00Z", "made_sla": "true"},
    # both broken: 30 h
    {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z",
     "resolved_at": "2026-10-02T15:00:00Z", "made_sla": "false"},
    # audit broken (30 h), platform kept
    {"contact_id": "3", "initiated_at": "2026-10-01T10:00:00Z",
     "resolved_at": "2026-10-02T16:00:00Z", "made_sla": "true"},
    # audit kept (20 h), platform broken
    {"contact_id": "4", "initiated_at": "2026-10-01T11:00:00Z",
     "resolved_at": "2026-10-02T07:00:00Z", "made_sla": "false"},
    # audit kept (10 h), no platform verdict
    {"contact_id": "5", "initiated_at": "2026-10-01T12:00:00Z",
     "resolved_at": "2026-10-01T22:00:00Z", "made_sla": ""},
    # pending: unresolved, its deadline (10 Oct 12:00) after as_of
    {"contact_id": "6", "initiated_at": "2026-10-09T12:00:00Z", "resolved_at": "",
     "made_sla": "true"},
    # audit broken (exactly 25 h), platform kept ("yes" reads true)
    {"contact_id": "7", "initiated_at": "2026-10-01T13:00:00Z",
     "resolved_at": "2026-10-02T14:00:00Z", "made_sla": "yes"},
]  # fmt: skip
PROMISE = {
    "id": "fix-1d",
    "kind": "resolution_time",
    "limit": "24h",
    "compare_with": {"column": "made_sla", "label": "Desk SLA"},
}


def run(tmp_path: Path, promise: dict[str, Any] | None = None) -> Any:
    write_csv(tmp_path / "contacts.csv", ROWS)
    return audit(write_promise_file(tmp_path / "p.yaml", [promise or PROMISE]))


def test_agreement_counts_every_record_of_the_population_once(tmp_path: Path) -> None:
    (result,) = run(tmp_path).promises
    assert result.agreement is not None
    assert result.agreement.counts == {
        "both_kept": 1,
        "both_broken": 1,
        "audit_broken_platform_kept": 2,
        "audit_kept_platform_broken": 1,
        "not_comparable": 2,
    }
    assert sum(result.agreement.counts.values()) == result.population


def test_disagreement_share_is_of_the_records_both_judged(tmp_path: Path) -> None:
    (result,) = run(tmp_path).promises
    assert result.agreement is not None
    # 3 disagreements among 5 records both judged
    assert result.agreement.disagreement_share == pytest.approx(3 / 5)


def test_the_platform_compliance_is_over_the_same_population(tmp_path: Path) -> None:
    (result,) = run(tmp_path).promises
    assert result.agreement is not None
    # kept: 1, 3, 6, 7; broken: 2, 4; record 5 has no verdict
    assert (result.agreement.platform_kept, result.agreement.platform_broken) == (4, 2)


def test_each_disagreement_gives_the_audit_reason_the_measure_and_examples(
    tmp_path: Path,
) -> None:
    (result,) = run(tmp_path).promises
    assert result.agreement is not None
    (group,) = [g for g in result.agreement.groups if g.agreement == "audit_broken_platform_kept"]
    assert (group.audit, group.platform, group.count) == ("broken", "kept", 2)
    assert (group.measure_min, group.measure_max) == (25 * 3600, 30 * 3600)
    assert group.examples == ("3", "7")


def test_not_comparable_says_why(tmp_path: Path) -> None:
    (result,) = run(tmp_path).promises
    assert result.agreement is not None
    groups = {
        (g.audit, g.platform): g.examples
        for g in result.agreement.groups
        if g.agreement == "not_comparable"
    }
    assert groups == {("kept", None): ("5",), ("pending", "kept"): ("6",)}


def test_kept_when_is_a_condition_over_the_record(tmp_path: Path) -> None:
    promise = {**PROMISE, "compare_with": {"kept_when": "made_sla = 'yes'"}}
    (result,) = run(tmp_path, promise).promises
    assert result.agreement is not None
    # records 1 and 3 ('true') now count as broken by the platform; the condition is null
    # where made_sla is missing (record 5): no verdict
    assert result.agreement.counts == {
        "both_kept": 0,
        "both_broken": 2,
        "audit_broken_platform_kept": 1,
        "audit_kept_platform_broken": 2,
        "not_comparable": 2,
    }


def test_the_agreement_table_is_in_the_json_result(tmp_path: Path) -> None:
    data = to_dict(run(tmp_path))
    agreement = data["promises"][0]["agreement"]
    assert agreement["label"] == "Desk SLA"
    assert agreement["disagreements"] == 3
    assert agreement["groups"][0]["agreement"] == "both_kept"


def test_a_promise_without_compare_with_has_no_agreement_key(tmp_path: Path) -> None:
    promise = {k: v for k, v in PROMISE.items() if k != "compare_with"}
    data = to_dict(run(tmp_path, promise))
    assert "agreement" not in data["promises"][0]


def test_an_unknown_compare_with_column_is_an_error_at_its_line(tmp_path: Path) -> None:
    promise = {**PROMISE, "compare_with": {"column": "made_slaa"}}
    with pytest.raises(PromiseFileError, match="made_sla") as error:
        run(tmp_path, promise)
    assert error.value.line is not None


def test_kept_when_must_be_a_condition(tmp_path: Path) -> None:
    promise = {**PROMISE, "compare_with": {"kept_when": "made_sla"}}
    with pytest.raises(PromiseFileError, match="must be a condition"):
        run(tmp_path, promise)


def test_a_published_figure_is_printed_beside_the_audited_one(tmp_path: Path) -> None:
    promise = {**PROMISE, "reported": {"value": "92%", "by": "Desk dashboard, October"}}
    (result,) = run(tmp_path, promise).promises
    assert result.reported is not None
    # audited: 3 kept (1, 4, 5) of 6 decided = 50%; published 92%: 42 points above
    assert result.compliance == pytest.approx(0.5)
    assert result.reported.difference == pytest.approx(0.42)
    reported = to_dict(run(tmp_path, promise))["promises"][0]["reported"]
    assert reported["value"] == pytest.approx(0.92)
    assert reported["by"] == "Desk dashboard, October"


def test_markdown_and_html_reports_show_the_agreement_table(tmp_path: Path) -> None:
    from promise_audit.render.markdown import render_markdown
    from promise_audit.render.report import render_html

    promise = {**PROMISE, "reported": {"value": "92%", "by": "Desk dashboard"}}
    result = run(tmp_path, promise)
    markdown = render_markdown(result)
    assert "| audit broken / platform kept | 2 | 28.6% |" in markdown
    assert "- Difference: 42.0 points above the audit" in markdown
    html = render_html(result)
    assert "Beside Desk SLA" in html
    # the row's title says both verdicts; its explanation starts from the audit's reason
    assert (
        "late: clock from initiated_at to resolved_at; "
        "resolved_at came 1 h to 6 h after the 24 hours limit"
    ) in html
    assert "audit broken (late), platform kept" not in html


def test_explain_shows_the_platform_verdict_beside_the_audit(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from promise_audit.cli import app

    run(tmp_path)
    outcome = CliRunner().invoke(app, ["explain", str(tmp_path / "p.yaml"), "3"])
    assert "fix-1d: broken (late); Desk SLA: kept" in outcome.output
    assert "measured 30 hours against a limit of 24 hours" in outcome.output


def test_compare_with_needs_a_column_or_a_condition(tmp_path: Path) -> None:
    promise = {**PROMISE, "compare_with": {"label": "Desk SLA"}}
    with pytest.raises(PromiseFileError, match="compare_with names the platform") as error:
        run(tmp_path, promise)
    assert error.value.line is not None


def test_a_field_only_the_platform_condition_reads_is_parsed(tmp_path: Path) -> None:
    # hold_seconds is read by no rule, only by kept_when: it must still be read and typed
    rows = [{**row, "hold_seconds": "600" if row["contact_id"] == "1" else "7200"}
            for row in ROWS]  # fmt: skip
    write_csv(tmp_path / "contacts.csv", rows)
    promise = {**PROMISE, "compare_with": {"kept_when": "hold_seconds <= 1h"}}
    (result,) = audit(write_promise_file(tmp_path / "p.yaml", [promise])).promises
    assert result.agreement is not None
    assert result.agreement.platform_kept == 1


def reasons_by(result: Any) -> dict[tuple[str, str, str | None], tuple[str, ...]]:
    assert result.agreement is not None
    return {(g.agreement, g.audit, g.platform): g.reasons for g in result.agreement.groups}


def test_disagreement_reasons_say_by_how_much_the_clock_missed_the_limit(
    tmp_path: Path,
) -> None:
    (result,) = run(tmp_path).promises
    reasons = reasons_by(result)
    # records 3 (30 h) and 7 (exactly 25 h) against 24 h: 1 h to 6 h late
    assert reasons[("audit_broken_platform_kept", "broken", "kept")] == (
        "clock from initiated_at to resolved_at",
        "resolved_at came 1 h to 6 h after the 24 hours limit",
    )
    # record 4: 20 h
    assert reasons[("audit_kept_platform_broken", "kept", "broken")] == (
        "clock from initiated_at to resolved_at",
        "resolved_at came 20 h after the start, within the 24 hours limit",
    )


def test_a_record_without_a_platform_value_says_so(tmp_path: Path) -> None:
    (result,) = run(tmp_path).promises
    reasons = reasons_by(result)
    # record 5: 10 h, made_sla blank
    assert reasons[("not_comparable", "kept", None)] == (
        "clock from initiated_at to resolved_at",
        "resolved_at came 10 h after the start, within the 24 hours limit",
        "no platform value (made_sla is missing)",
    )
    # record 6: open on 10 Oct 00:00, its deadline at 12:00
    assert reasons[("not_comparable", "pending", "kept")] == (
        "clock from initiated_at to resolved_at",
        "no resolved_at by as_of, its 24 hours not yet over: pending",
    )


def test_an_abandon_within_the_limit_is_excluded_in_words(tmp_path: Path) -> None:
    rows = [
        # abandoned after 30 s, under the 60 s limit: excluded; the platform counts it kept
        {"contact_id": "1", "initiated_at": "2026-10-01T08:00:00Z", "wait_seconds": "30",
         "abandoned": "true", "met": "true"},
        # answered after 90 s: 30 s over; the platform counts it kept
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": "90",
         "abandoned": "false", "met": "true"},
        # answered after 45 s; no platform value
        {"contact_id": "3", "initiated_at": "2026-10-01T10:00:00Z", "wait_seconds": "45",
         "abandoned": "false", "met": ""},
    ]  # fmt: skip
    write_csv(tmp_path / "contacts.csv", rows)
    promise = {"id": "answer-1m", "kind": "wait_time", "limit": "60s",
               "compare_with": {"column": "met"}}  # fmt: skip
    (result,) = audit(write_promise_file(tmp_path / "p.yaml", [promise])).promises
    reasons = reasons_by(result)
    assert reasons[("not_comparable", "excluded", "kept")] == (
        "abandoned within the limit, excluded",
    )
    assert reasons[("audit_broken_platform_kept", "broken", "kept")] == (
        "measured 1 min 30 s: 30 s over the 60 seconds limit",
    )
    assert reasons[("not_comparable", "kept", None)] == (
        "measured 45 s: within the 60 seconds limit",
        "no platform value (met is missing)",
    )


def test_a_clock_paused_while_waiting_on_the_user_says_for_how_long(tmp_path: Path) -> None:
    from tests.test_event_logs import COLUMNS, EVENTS, HEADER, LOG

    (tmp_path / "log.csv").write_text(HEADER + "\n" + LOG, encoding="utf-8")
    source = {"events": EVENTS, "columns": COLUMNS, "null_values": ["", "?"], "max_rejected": 0.5}
    promise = {
        "id": "fix-4h",
        "kind": "custom",
        "kept_if": "resolved_at - initiated_at - awaiting_user <= 4h",
        "compare_with": {"column": "made_sla"},
    }
    path = write_promise_file(tmp_path / "p.yaml", [promise], records="log.csv", source=source)
    (result,) = audit(path).promises
    reasons = reasons_by(result)
    # B: opened 09:00, resolved 14:00, awaiting the user 10:00-13:00: 2 h on the clock, kept
    assert reasons[("both_kept", "kept", "kept")] == ("paused for awaiting_user 3 h",)
    # A: opened 1 Oct 09:00, resolved for good 2 Oct 15:00, never waiting on the user
    assert reasons[("both_broken", "broken", "broken")] == (
        "never paused (awaiting_user 0 s)",
        "broken (custom rule)",
    )
    (group,) = [g for g in result.agreement.groups if g.audit == "kept"]
    assert group.pauses == (("awaiting_user", 3 * 3600.0, 3 * 3600.0),)


def test_the_reasons_are_in_every_output(tmp_path: Path) -> None:
    from promise_audit.render.reconcile import agreement_lines, reconcile_view

    result = run(tmp_path)
    late = "resolved_at came 1 h to 6 h after the 24 hours limit"
    data = to_dict(result)["promises"][0]
    assert any(late in g["reasons"] for g in data["agreement"]["groups"])
    assert any(late in line for line in agreement_lines(result.promises[0]))
    view = reconcile_view(data, "seconds")
    assert view is not None
    assert any(late in row.words for row in view.explanations)


def test_the_reasons_name_the_export_columns_the_clock_reads(tmp_path: Path) -> None:
    # the same records, exported as 'Opened' and 'Fixed': the sentence names both
    renamed = [
        {
            "contact_id": row["contact_id"],
            "Opened": row["initiated_at"],
            "Fixed": row["resolved_at"],
            "made_sla": row["made_sla"],
        }
        for row in ROWS
    ]
    write_csv(tmp_path / "contacts.csv", renamed)
    source = {"columns": {"initiated_at": "Opened", "resolved_at": "Fixed"}}
    path = write_promise_file(tmp_path / "p.yaml", [PROMISE], source=source)
    (result,) = audit(path).promises
    assert result.agreement is not None
    reasons = {r for g in result.agreement.groups for r in g.reasons}
    assert "clock from initiated_at (Opened) to resolved_at (Fixed)" in reasons
