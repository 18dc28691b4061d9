"""callback_offer: "when the wait is over 2 minutes, we offer to call you back"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

OFFER_2M = {"kind": "callback_offer", "after": "2m"}


def call(wait: Any, offered: Any, requested: str | None = None, *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at("10-01 09:00"),
        "wait_seconds": wait,
        "callback_offered": offered,
        "callback_requested_at": requested and at(requested),
    }


@pytest.mark.parametrize(
    ("wait", "offered", "requested", "expected"),
    [
        # exactly `after` has not passed it: the offer is not owed yet
        pytest.param(120, "no", None, "outside", id="wait_exactly_at_after_is_not_owed"),
        pytest.param(
            121, "no", None, "broken:no_callback_offered", id="one_second_over_not_offered"
        ),
        pytest.param(121, "yes", None, "kept", id="one_second_over_offered"),
        # accepting a callback proves it was offered, whatever the flag says
        pytest.param(300, "no", "10-01 09:03", "kept", id="requested_callback_proves_offer"),
        pytest.param(300, None, "10-01 09:03", "kept", id="request_with_missing_flag"),
        pytest.param(300, None, None, "excluded:missing_callback_offered", id="missing_flag"),
        # a missing wait cannot show the wait passed `after`
        pytest.param(None, "no", None, "outside", id="missing_wait_is_not_owed"),
    ],
)
def test_offer_once_the_wait_passes_after(audit_one, wait, offered, requested, expected):
    assert outcome(audit_one([call(wait, offered, requested)], OFFER_2M)) == expected


def test_counts_and_compliance(audit_one):
    rows = [
        call(121, "yes", cid="a"),  # kept
        call(600, "true", cid="b"),  # kept
        call(400, "no", "10-01 09:07", cid="c"),  # kept: the request proves the offer
        call(200, "false", cid="d"),  # broken
        call(90, "false", cid="e"),  # not owed
        call(500, None, cid="f"),  # excluded
    ]
    result = audit_one(rows, OFFER_2M)
    assert result.population == 5
    assert counts(result) == (3, 1, 0, 1)
    assert result.compliance == pytest.approx(0.75)
    # the waits of the decided contacts: 121 200 [400] 600 -> lower median of four is 200
    assert result.distribution.median == 200
    assert result.distribution.max == 600


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    # with only callback_requested_at, a customer who did not request a callback may still
    # have been offered (and declined) one: nothing in the export can show a broken promise
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-01 09:00"),
            "wait_seconds": 300,
            "callback_requested_at": None,
        },
    ]
    result = audit_one(rows, OFFER_2M)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("callback_offered",)


def test_without_wait_it_is_unauditable(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-01 09:00"), "callback_offered": "no"}]
    result = audit_one(rows, OFFER_2M)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("wait_seconds",)


@pytest.mark.parametrize(
    ("initiated", "requested", "expected"),
    [
        # still waiting at as_of (10-10 00:00), already past `after` at 23:59: pending
        pytest.param("10-09 23:57", None, "pending", id="waiting_past_after"),
        pytest.param("10-09 23:57", "10-09 23:59:30", "kept", id="requested_before_as_of"),
        # at as_of it has waited 1 min 30 s: the offer is not owed yet
        pytest.param("10-09 23:58:30", None, "outside", id="waiting_not_yet_past_after"),
    ],
)
def test_a_wait_that_ends_after_as_of(audit_one, initiated, requested, expected):
    # an exported wait of 5 min that ends after as_of, no offer recorded
    row = {**call(300, None, requested), "initiated_at": at(initiated)}
    assert outcome(audit_one([row], OFFER_2M)) == expected
