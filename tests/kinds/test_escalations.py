"""escalations: the frontline can say yes; a contact is escalated at most `max` times."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

NO_ESCALATION = {"kind": "escalations"}  # max defaults to 0


def contact(cid: str = "c1", **fields: Any) -> dict:
    return {"contact_id": cid, "initiated_at": at("10-01 09:00"), **fields}


@pytest.mark.parametrize(
    ("max_", "escalations", "expected"),
    [
        pytest.param(None, 0, "kept", id="default_max_0_none"),
        pytest.param(None, 1, "broken:escalated", id="default_max_0_one"),
        pytest.param(1, 1, "kept", id="exactly_max_is_kept"),
        pytest.param(1, 2, "broken:escalated", id="one_over_max_is_broken"),
        pytest.param(None, None, "excluded:missing_escalations", id="missing_count"),
    ],
)
def test_escalation_count_at_most_max(audit_one, max_, escalations, expected):
    options = {**NO_ESCALATION, **({"max": max_} if max_ is not None else {})}
    assert outcome(audit_one([contact(escalations=escalations)], options)) == expected


@pytest.mark.parametrize(
    ("max_", "escalated", "expected"),
    [
        pytest.param(0, "no", "kept", id="not_escalated"),
        pytest.param(0, "yes", "broken:escalated", id="escalated_breaks_max_0"),
        pytest.param(0, None, "excluded:missing_escalated", id="flag_missing"),
        pytest.param(1, "no", "kept", id="max_1_not_escalated"),
        # at least one escalation, but how many is unknown: cannot judge "more than 1"
        pytest.param(1, "yes", "excluded:missing_escalations", id="max_1_escalated_unknown"),
    ],
)
def test_export_with_only_the_escalated_flag(audit_one, max_, escalated, expected):
    result = audit_one([contact(escalated=escalated)], {**NO_ESCALATION, "max": max_})
    assert outcome(result) == expected


@pytest.mark.parametrize(
    ("escalated", "expected"),
    [
        pytest.param("no", "kept", id="flag_false_means_none"),
        pytest.param("yes", "broken:escalated", id="flag_true_means_at_least_one"),
        pytest.param(None, "excluded:missing_escalations", id="both_missing"),
    ],
)
def test_missing_count_falls_back_on_the_flag(audit_one, escalated, expected):
    rows = [contact(escalations=None, escalated=escalated)]
    assert outcome(audit_one(rows, NO_ESCALATION)) == expected


def test_counts_and_compliance(audit_one):
    rows = [contact(f"c{i}", escalations=n) for i, n in enumerate([0, 0, 0, 1, 3, None])]
    result = audit_one(rows, NO_ESCALATION)
    assert counts(result) == (3, 2, 0, 1)
    assert result.compliance == pytest.approx(0.6)
    assert result.distribution.max == 3


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    result = audit_one([contact()], NO_ESCALATION)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("escalations or escalated",)
