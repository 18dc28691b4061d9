"""callback_kept: a requested callback reaches the customer within `limit` of the request."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, counts, outcome

KEPT_2H = {"kind": "callback_kept", "limit": "2h"}


def callback(requested: str | None, called: str | None, *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at("10-01 00:00"),
        "callback_requested_at": requested and at(requested),
        "callback_at": called and at(called),
    }


# as_of is 10-10 00:00: a request at 10-09 22:00 has its deadline exactly at as_of
@pytest.mark.parametrize(
    ("requested", "called", "expected"),
    [
        pytest.param("10-09 20:00", "10-09 22:00:00", "kept", id="called_back_exactly_at_limit"),
        pytest.param("10-09 20:00", "10-09 22:00:01", "broken:late", id="one_second_late"),
        pytest.param(
            "10-09 22:00", None, "broken:none_by_deadline", id="deadline_exactly_at_as_of_is_broken"
        ),
        pytest.param("10-09 21:59:59", None, "broken:none_by_deadline", id="deadline_before_as_of"),
        pytest.param("10-09 22:00:01", None, "pending", id="deadline_after_as_of_is_pending"),
        # a callback after as_of has not happened yet as far as the audit knows
        pytest.param("10-09 23:00", "10-10 00:30", "pending", id="callback_after_as_of_pending"),
        pytest.param(
            "10-09 21:00", "10-10 00:30", "broken:none_by_deadline", id="callback_after_as_of_late"
        ),
        pytest.param(None, "10-09 23:00", "outside", id="no_request_outside_population"),
        pytest.param("10-10 00:30", None, "outside", id="request_after_as_of_outside"),
    ],
)
def test_callback_within_limit_of_request(audit_one, requested, called, expected):
    assert outcome(audit_one([callback(requested, called)], KEPT_2H)) == expected


def test_distribution_and_debt(audit_one):
    rows = [
        callback("10-09 20:00", "10-09 21:00", cid="a"),  # kept, 3600 s
        callback("10-09 20:00", "10-09 22:00:01", cid="b"),  # late, 7201 s, 1 s over
        callback("10-09 21:00", None, cid="c"),  # none by deadline: 10800 s to as_of, 3600 over
        callback("10-09 23:00", None, cid="d"),  # pending, not in the distribution
    ]
    result = audit_one(rows, KEPT_2H)
    assert counts(result) == (1, 2, 1, 0)
    assert result.broken_by_reason == {"late": 1, "none_by_deadline": 1}
    # decided measures, sorted: 3600 [7201] 10800
    assert result.distribution.median == 7201
    assert result.distribution.max == 10800
    assert result.debt_seconds == 3601


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-01 00:00"),
            "callback_requested_at": at("10-01 00:00"),
        }
    ]
    result = audit_one(rows, KEPT_2H)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("callback_at",)
