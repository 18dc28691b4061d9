"""resolution_time: every contact is resolved within `limit` of being initiated."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, audit_on_calendar, counts, outcome, wilson

RESOLVED_24H = {"kind": "resolution_time", "limit": "24h"}


def contact(initiated: str, resolved: str | None, *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at(initiated),
        "resolved_at": resolved and at(resolved),
    }


# as_of is 10-10 00:00: a contact initiated 10-09 00:00 has its deadline exactly at as_of
@pytest.mark.parametrize(
    ("initiated", "resolved", "expected"),
    [
        pytest.param("10-08 00:00", "10-09 00:00:00", "kept", id="resolved_exactly_at_limit"),
        pytest.param("10-08 00:00", "10-09 00:00:01", "broken:late", id="one_second_late"),
        pytest.param("10-01 00:00", None, "broken:none_by_deadline", id="unresolved_past_deadline"),
        pytest.param(
            "10-09 00:00", None, "broken:none_by_deadline", id="deadline_exactly_at_as_of_is_broken"
        ),
        pytest.param("10-09 00:00:01", None, "pending", id="deadline_after_as_of_is_pending"),
        pytest.param("10-09 00:00", "10-10 00:00", "kept", id="resolved_exactly_at_as_of"),
        pytest.param("10-10 00:00", None, "pending", id="initiated_exactly_at_as_of"),
    ],
)
def test_resolved_within_limit(audit_one, initiated, resolved, expected):
    assert outcome(audit_one([contact(initiated, resolved)], RESOLVED_24H)) == expected


def test_unresolved_past_deadline_is_broken(audit_one):
    result = audit_one([contact("10-05 12:00", None)], RESOLVED_24H)
    assert result.broken_by_reason == {"none_by_deadline": 1}


def test_unresolved_with_deadline_after_as_of_is_pending(audit_one):
    result = audit_one([contact("10-09 12:00", None)], RESOLVED_24H)
    assert counts(result) == (0, 0, 1, 0)
    assert result.verdict == "no_data"
    assert result.compliance is None
    assert result.ci_low is None and result.ci_high is None


@pytest.mark.parametrize(
    ("initiated", "expected"),
    [
        # resolved 10-10 00:00:01, after as_of: not resolved yet as far as the audit knows
        pytest.param("10-09 12:00", "pending", id="deadline_still_ahead"),
        pytest.param("10-08 12:00", "broken:none_by_deadline", id="deadline_already_passed"),
    ],
)
def test_event_after_as_of_counts_as_not_happened(audit_one, initiated, expected):
    result = audit_one([contact(initiated, "10-10 00:00:01")], RESOLVED_24H)
    assert outcome(result) == expected


def test_records_initiated_after_as_of_are_out_of_period(audit_all):
    rows = [
        contact("10-08 00:00", "10-08 01:00", cid="a"),
        contact("10-10 00:00:01", None, cid="b"),
    ]
    result = audit_all(rows, [{"id": "p", **RESOLVED_24H}])
    assert (result.records.read, result.records.used, result.records.out_of_period) == (2, 1, 1)
    (promise,) = result.promises
    assert promise.population == 1


def test_as_of_defaults_to_the_latest_initiated_at(audit_all):
    rows = [
        contact("10-03 00:00", None, cid="a"),  # deadline 10-04, before the latest: broken
        contact("10-03 12:00:01", None, cid="b"),  # deadline after 10-04 12:00: pending
        contact("10-04 12:00", None, cid="c"),  # the latest initiated_at: pending
    ]
    result = audit_all(rows, [{"id": "p", **RESOLVED_24H}], as_of=None)
    assert result.as_of == "2026-10-04T12:00:00+00:00"
    assert counts(result.promises[0]) == (0, 1, 2, 0)


def test_instants_are_compared_whatever_their_offset(audit_one):
    # 14:00 at +02:00 is 12:00 UTC: exactly 24 hours after initiation
    row = {
        "contact_id": "a",
        "initiated_at": at("10-01 12:00"),
        "resolved_at": "2026-10-02T14:00:00+02:00",
    }
    assert outcome(audit_one([row], RESOLVED_24H)) == "kept"


def test_limit_is_elapsed_time_across_a_daylight_saving_change(audit_one):
    # naive times read in America/New_York; clocks fall back on Sunday 2026-11-01, so noon
    # Saturday to noon Sunday is 25 hours and 11:00 Sunday is 24 hours
    rows = [
        {
            "contact_id": "a",
            "initiated_at": "2026-10-31 12:00:00",
            "resolved_at": "2026-11-01 12:00:00",
        },
        {
            "contact_id": "b",
            "initiated_at": "2026-10-31 12:00:00",
            "resolved_at": "2026-11-01 11:00:00",
        },
    ]
    result = audit_one(
        rows, RESOLVED_24H, as_of="2026-11-05T00:00:00-05:00", timezone="America/New_York"
    )
    assert counts(result) == (1, 1, 0, 0)
    assert result.distribution.max == 25 * 3600
    assert result.debt_seconds == 3600


def test_distribution_debt_and_interval(audit_one):
    rows = [
        contact("10-01 00:00", "10-01 06:00", cid="a"),  # kept, 21600 s
        contact("10-01 00:00", "10-01 12:00", cid="b"),  # kept, 43200 s
        contact("10-01 00:00", "10-02 00:00", cid="c"),  # kept, 86400 s
        contact("10-01 00:00", "10-02 02:00", cid="d"),  # late, 93600 s, 7200 over
        contact("10-08 00:00", None, cid="e"),  # unresolved: 172800 s to as_of, 86400 over
        contact("10-09 12:00", None, cid="f"),  # pending
    ]
    result = audit_one(rows, RESOLVED_24H)
    assert counts(result) == (3, 2, 1, 0)
    # decided, sorted: 21600 43200 [86400] 93600 172800
    assert result.distribution.median == 86400
    assert result.distribution.max == 172800
    assert result.debt_seconds == 7200 + 86400
    low, high = wilson(3, 5)
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)


# office hours Monday to Friday 09:00-17:00 UTC; 10-02 and 10-09 are Fridays; as_of is
# Saturday 10-10 00:00
@pytest.mark.parametrize(
    ("initiated", "resolved", "expected"),
    [
        pytest.param("10-05 10:00", "10-05 14:00:00", "kept", id="four_business_hours"),
        pytest.param("10-05 10:00", "10-05 14:00:01", "broken:late", id="one_second_over"),
        # 1 hour on Friday, 3 on Monday: the clock stops while closed
        pytest.param("10-02 16:00", "10-05 12:00:00", "kept", id="over_the_weekend"),
        pytest.param("10-02 16:00", "10-05 12:00:01", "broken:late", id="weekend_one_second_over"),
        # a contact arriving while closed starts its clock at the next opening
        pytest.param("10-03 12:00", "10-05 13:00:00", "kept", id="arrived_on_saturday"),
        pytest.param("10-03 12:00", "10-05 13:00:01", "broken:late", id="saturday_one_second_over"),
        # 2 business hours by as_of; the deadline is Monday 10-12 11:00, after as_of
        pytest.param("10-09 15:00", None, "pending", id="deadline_in_business_time_is_pending"),
        # the deadline in business time, Friday 10-09 10:00, has passed
        pytest.param("10-08 14:00", None, "broken:none_by_deadline", id="business_deadline_passed"),
    ],
)
def test_limit_in_business_hours(tmp_path, initiated, resolved, expected):
    rows = [contact(initiated, resolved)]
    result = audit_on_calendar(tmp_path, rows, {"kind": "resolution_time", "limit": "4h"})
    assert outcome(result) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # 4 business hours from Friday 13:00 have passed at 17:00 that day: the deadline is
        # that instant (not Monday's opening), so an as_of exactly at it sees it broken
        pytest.param("10-09 17:00:00", "broken:none_by_deadline", id="deadline_exactly_at_as_of"),
        pytest.param("10-09 16:59:59", "pending", id="one_second_before_deadline"),
    ],
)
def test_business_deadline_is_the_instant_the_time_has_passed(tmp_path, as_of, expected):
    rows = [contact("10-09 13:00", None)]
    options = {"kind": "resolution_time", "limit": "4h"}
    assert outcome(audit_on_calendar(tmp_path, rows, options, as_of=at(as_of))) == expected


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    result = audit_one([{"contact_id": "a", "initiated_at": at("10-01 00:00")}], RESOLVED_24H)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("resolved_at",)
    assert "resolved_at" in result.sentence
