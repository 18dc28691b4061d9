"""free_returns: "free return shipping"; an accepted return costs the customer nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

FREE = {"kind": "free_returns"}


def returned(fee: Any, decision: str | None = "accepted", *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at("09-01 00:00"),
        "return_decision": decision,
        "return_shipping_fee": fee,
    }


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(returned(0), "kept", id="zero_fee_is_free"),
        pytest.param(returned("0.00"), "kept", id="zero_written_with_decimals"),
        pytest.param(returned("0.01"), "broken:charged_for_return", id="one_cent_is_not_free"),
        pytest.param(returned(None), "excluded:missing_return_shipping_fee", id="fee_unknown"),
        pytest.param(returned(5, "ACCEPTED"), "broken:charged_for_return", id="accepted_any_case"),
        pytest.param(returned(5, "rejected"), "outside", id="rejected_return"),
        pytest.param(returned(5, None), "outside", id="undecided_return"),
    ],
)
def test_accepted_return_ships_back_free(audit_one, record, expected):
    assert outcome(audit_one([record], FREE)) == expected


def test_counts_and_distribution(audit_one):
    fees = [0, 0, 0, 4.95, 12.5, None]
    rows = [returned(fee, cid=f"r{i}") for i, fee in enumerate(fees)]
    result = audit_one(rows, FREE)
    assert counts(result) == (3, 2, 0, 1)
    assert result.compliance == pytest.approx(0.6)
    # fees of the decided returns: 0 0 [0] 4.95 12.5
    assert result.distribution.unit == "amount"
    assert result.distribution.median == 0
    assert result.distribution.max == 12.5
    assert result.debt_seconds is None  # money, not customer time


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("09-01 00:00"), "return_decision": "accepted"}]
    result = audit_one(rows, FREE)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("return_shipping_fee",)
