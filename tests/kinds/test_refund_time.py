"""refund_time: an accepted return is refunded within `limit` of the return request."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, counts, outcome

FIVE_DAYS = {"kind": "refund_time", "limit": "5d"}


def accepted(
    requested: str | None,
    refunded: str | None,
    *,
    decision: str | None = "accepted",
    cid: str = "c1",
) -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at("09-01 00:00"),
        "return_decision": decision,
        "return_requested_at": requested and at(requested),
        "refund_at": refunded and at(refunded),
    }


# as_of is 10-10 00:00: a request on 10-05 00:00 has its deadline exactly at as_of
@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(
            accepted("10-01 00:00", "10-06 00:00:00"), "kept", id="refund_exactly_at_limit"
        ),
        pytest.param(
            accepted("10-01 00:00", "10-06 00:00:01"), "broken:late", id="one_second_late"
        ),
        pytest.param(
            accepted("10-05 00:00", None), "broken:none_by_deadline", id="deadline_exactly_at_as_of"
        ),
        pytest.param(accepted("10-05 00:00:01", None), "pending", id="deadline_after_as_of"),
        pytest.param(accepted("10-06 00:00", "10-10 12:00"), "pending", id="refund_after_as_of"),
        pytest.param(
            accepted(None, "10-06 00:00"),
            "excluded:missing_return_requested_at",
            id="missing_request_date",
        ),
        pytest.param(
            accepted("10-01 00:00", None, decision="Accepted"),
            "broken:none_by_deadline",
            id="accepted_any_case",
        ),
        pytest.param(accepted("10-01 00:00", None, decision="rejected"), "outside", id="rejected"),
        pytest.param(accepted("10-01 00:00", None, decision=None), "outside", id="undecided"),
    ],
)
def test_refund_within_limit_of_request(audit_one, record, expected):
    assert outcome(audit_one([record], FIVE_DAYS)) == expected


def test_distribution_and_debt(audit_one):
    day = 86400
    rows = [
        accepted("10-01 00:00", "10-02 00:00", cid="a"),  # kept, 1 day
        accepted("10-01 00:00", "10-06 00:00", cid="b"),  # kept, 5 days
        accepted("09-20 00:00", "09-27 00:00", cid="c"),  # late, 7 days, 2 over
        accepted("09-30 00:00", None, cid="d"),  # none: 10 days to as_of, 5 over
        accepted("10-08 00:00", None, cid="e"),  # pending
    ]
    result = audit_one(rows, FIVE_DAYS)
    assert counts(result) == (2, 2, 1, 0)
    # decided, sorted: 1 [5] 7 10 days -> the lower median of four is 5 days
    assert result.distribution.median == 5 * day
    assert result.distribution.max == 10 * day
    assert result.debt_seconds == 7 * day


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("09-01 00:00"),
            "return_decision": "accepted",
            "return_requested_at": at("10-01 00:00"),
        }
    ]
    result = audit_one(rows, FIVE_DAYS)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("refund_at",)
