"""return_window: "365-day return policy"; a return asked for within the window is accepted."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, counts, outcome

YEAR = {"kind": "return_window", "window": "365d"}


def request(purchased: str | None, requested: str | None, decision: str | None) -> dict:
    # 2025-09-01 to 2026-09-01 is exactly 365 days (no 29 February in between)
    return {
        "contact_id": "c1",
        "initiated_at": at("09-01 00:00"),
        "purchased_at": purchased,
        "return_requested_at": requested,
        "return_decision": decision,
    }


BOUGHT = "2025-09-01T00:00:00+00:00"
LAST_DAY = "2026-09-01T00:00:00+00:00"  # exactly 365 days after BOUGHT
TOO_LATE = "2026-09-01T00:00:01+00:00"


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(
            request(BOUGHT, LAST_DAY, "accepted"), "kept", id="exactly_at_window_accepted"
        ),
        pytest.param(
            request(BOUGHT, LAST_DAY, "rejected"),
            "broken:rejected",
            id="exactly_at_window_rejected",
        ),
        # a request after the window is not covered by the promise, whatever the decision
        pytest.param(request(BOUGHT, TOO_LATE, "rejected"), "outside", id="one_second_past_window"),
        pytest.param(request(BOUGHT, None, "rejected"), "outside", id="no_request"),
        pytest.param(request(BOUGHT, LAST_DAY, None), "excluded:no_decision", id="no_decision_yet"),
        pytest.param(
            request(None, LAST_DAY, "rejected"),
            "excluded:missing_purchased_at",
            id="missing_purchase_date",
        ),
        pytest.param(
            request(BOUGHT, LAST_DAY, "pending review"),
            "excluded:unrecognised_return_decision",
            id="unrecognised_decision",
        ),
        pytest.param(request(BOUGHT, LAST_DAY, " Accepted "), "kept", id="decision_case_blind"),
        pytest.param(request(BOUGHT, LAST_DAY, "REJECTED"), "broken:rejected", id="rejected_caps"),
    ],
)
def test_return_within_window_is_accepted(audit_one, record, expected):
    assert outcome(audit_one([record], YEAR)) == expected


def test_counts_and_compliance(audit_one):
    rows = [
        {**request(BOUGHT, LAST_DAY, "accepted"), "contact_id": "a"},
        {**request(BOUGHT, "2026-01-01T00:00:00+00:00", "accepted"), "contact_id": "b"},
        {**request(BOUGHT, "2026-02-01T00:00:00+00:00", "rejected"), "contact_id": "c"},
        {**request(BOUGHT, "2026-02-01T00:00:00+00:00", None), "contact_id": "d"},
        {**request(BOUGHT, TOO_LATE, "rejected"), "contact_id": "e"},
    ]
    result = audit_one(rows, YEAR)
    # a, b kept; c broken; d excluded (no decision); e outside the window
    assert result.population == 4
    assert counts(result) == (2, 1, 0, 1)
    assert result.compliance == pytest.approx(2 / 3)


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("09-01 00:00"),
            "return_requested_at": LAST_DAY,
            "return_decision": "accepted",
        }
    ]
    result = audit_one(rows, YEAR)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("purchased_at",)
