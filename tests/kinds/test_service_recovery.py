"""service_recovery: "fix the OOPS within 24 hours and SURPRISE the customer"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

RECOVER_24H = {"kind": "service_recovery", "limit": "24h"}
FULL_RECOVERY = {**RECOVER_24H, "require_apology": True, "require_goodwill": True}


def failure(
    *,
    cid: str = "c1",
    failure: Any = "true",
    initiated: str = "10-05 00:00",
    failed: str | None = None,
    recovered: str | None = None,
    resolved: str | None = None,
    apologized: Any = "yes",
    goodwill: Any = 10,
) -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at(initiated),
        "service_failure": failure,
        "failure_at": failed and at(failed),
        "recovered_at": recovered and at(recovered),
        "resolved_at": resolved and at(resolved),
        "apologized": apologized,
        "goodwill_amount": goodwill,
    }


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(failure(recovered="10-06 00:00:00"), "kept", id="recovered_exactly_at_limit"),
        pytest.param(failure(recovered="10-06 00:00:01"), "broken:late", id="one_second_late"),
        # the clock starts at failure_at when there is one
        pytest.param(
            failure(failed="10-05 12:00", recovered="10-06 12:00"),
            "kept",
            id="clock_from_failure_at",
        ),
        # recovered_at defaults to resolved_at
        pytest.param(failure(resolved="10-05 10:00"), "kept", id="resolved_at_stands_in"),
        pytest.param(failure(initiated="10-08 00:00"), "broken:not_recovered", id="not_recovered"),
        pytest.param(
            failure(initiated="10-09 00:00"), "broken:not_recovered", id="deadline_exactly_at_as_of"
        ),
        pytest.param(failure(initiated="10-09 00:00:01"), "pending", id="deadline_after_as_of"),
        pytest.param(failure(failure="false", recovered=None), "outside", id="no_failure"),
        pytest.param(failure(failure=None, recovered=None), "outside", id="failure_flag_missing"),
    ],
)
def test_recovered_within_limit(audit_one, record, expected):
    assert outcome(audit_one([record], RECOVER_24H)) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(failure(recovered="10-05 10:00"), "kept", id="in_time_apology_and_goodwill"),
        pytest.param(
            failure(recovered="10-05 10:00", apologized="no"), "broken:no_apology", id="no_apology"
        ),
        pytest.param(
            failure(recovered="10-05 10:00", goodwill=0), "broken:no_goodwill", id="no_goodwill"
        ),
        pytest.param(
            failure(recovered="10-05 10:00", apologized=None),
            "excluded:missing_apologized",
            id="apology_unknown",
        ),
        pytest.param(
            failure(recovered="10-05 10:00", goodwill=None),
            "excluded:missing_goodwill_amount",
            id="goodwill_unknown",
        ),
        # the first failing condition is the reason: late comes before the apology
        pytest.param(
            failure(recovered="10-06 00:00:01", apologized="no", goodwill=0),
            "broken:late",
            id="late_before_no_apology",
        ),
        # an unknown apology does not save a contact that is broken for its goodwill
        pytest.param(
            failure(recovered="10-05 10:00", apologized=None, goodwill=0),
            "broken:no_goodwill",
            id="no_goodwill_despite_unknown_apology",
        ),
        # apology and goodwill are judged once the failure is put right
        pytest.param(
            failure(initiated="10-09 12:00", apologized="no", goodwill=0),
            "pending",
            id="still_open_is_pending",
        ),
    ],
)
def test_apology_and_goodwill_when_required(audit_one, record, expected):
    assert outcome(audit_one([record], FULL_RECOVERY)) == expected


def test_apology_not_required_by_default(audit_one):
    record = failure(recovered="10-05 10:00", apologized="no", goodwill=0)
    assert outcome(audit_one([record], RECOVER_24H)) == "kept"


def test_counts_reasons_and_debt(audit_one):
    rows = [
        failure(cid="a", recovered="10-05 10:00"),  # kept
        failure(cid="b", recovered="10-06 00:00:01"),  # late, 1 s over
        failure(cid="c", initiated="10-07 00:00"),  # not recovered: 3 days to as_of, 2 over
        failure(cid="d", recovered="10-05 10:00", apologized="no"),  # no apology
        failure(cid="e", recovered="10-05 10:00", apologized=None),  # excluded
        failure(cid="f", initiated="10-09 12:00"),  # pending
        failure(cid="g", failure="no"),  # not a failure
    ]
    result = audit_one(rows, FULL_RECOVERY)
    assert result.population == 6
    assert counts(result) == (1, 3, 1, 1)
    assert result.broken_by_reason == {"late": 1, "no_apology": 1, "not_recovered": 1}
    assert result.excluded_by_reason == {"missing_apologized": 1}
    assert result.debt_seconds == 1 + 2 * 86400


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-05 00:00"),
            "service_failure": "yes",
            "recovered_at": at("10-05 01:00"),
        }
    ]
    result = audit_one(rows, {**RECOVER_24H, "require_apology": True})
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("apologized",)


def test_without_recovered_or_resolved_it_is_unauditable(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-05 00:00"), "service_failure": "yes"}]
    result = audit_one(rows, RECOVER_24H)
    assert result.missing_fields == ("recovered_at or resolved_at",)
