"""repeat_contact: no chasing; a customer does not have to come back within `window`.

Order and ties (docs/kinds.md): a customer's contacts are ordered by initiated_at, then
contact_id; of two at the same instant, the second is the repeat of the first.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts

WEEK = {"kind": "repeat_contact", "window": "7d"}


def contact(cid: str, customer: str | None, initiated: str, **extra: Any) -> dict:
    return {"contact_id": cid, "customer_id": customer, "initiated_at": at(initiated), **extra}


def test_repeat_exactly_at_window_is_broken(audit_one):
    # a2 is exactly 7 days after a1: within the window, so a1 is broken; a2's own window
    # (to 09-15) has passed with no repeat: kept
    rows = [contact("a1", "A", "09-01 00:00"), contact("a2", "A", "09-08 00:00")]
    result = audit_one(rows, WEEK)
    assert counts(result) == (1, 1, 0, 0)
    assert result.broken_by_reason == {"repeat_contact": 1}


def test_repeat_one_second_after_window_is_not_a_repeat(audit_one):
    rows = [contact("a1", "A", "09-01 00:00"), contact("a2", "A", "09-08 00:00:01")]
    assert counts(audit_one(rows, WEEK)) == (2, 0, 0, 0)


def test_two_contacts_at_same_instant_second_is_repeat_of_first(audit_one):
    # same instant: ordered by contact_id, so b0 comes first and b1 is its repeat; b0 is
    # broken, b1 kept (its window closed on 09-08 with no further contact)
    rows = [contact("b1", "B", "09-01 00:00"), contact("b0", "B", "09-01 00:00")]
    result = audit_one(rows, WEEK)
    assert counts(result) == (1, 1, 0, 0)
    assert result.evidence[0].contact_id == "b0"


def test_missing_customer_id_is_excluded(audit_one):
    # two contacts with no customer: they are not one customer coming back
    rows = [contact("n1", None, "09-01 00:00"), contact("n2", None, "09-01 00:00")]
    result = audit_one(rows, WEEK)
    assert counts(result) == (0, 0, 0, 2)
    assert result.excluded_by_reason == {"missing_customer_id": 2}


@pytest.mark.parametrize(
    ("initiated", "expected"),
    [
        # as_of 10-10 00:00; the window of 10-03 00:00:01 reaches 10-10 00:00:01
        pytest.param("10-03 00:00:01", (0, 0, 1, 0), id="window_reaching_past_as_of_is_pending"),
        # the window of 10-03 00:00 ends exactly at as_of: fully seen, no repeat, kept
        pytest.param("10-03 00:00:00", (1, 0, 0, 0), id="window_ending_at_as_of_is_kept"),
    ],
)
def test_window_reaching_past_as_of_is_pending(audit_one, initiated, expected):
    assert counts(audit_one([contact("c1", "C", initiated)], WEEK)) == expected


def test_repeat_after_as_of_is_not_seen_yet(audit_one):
    # the repeat on 10-11 is after as_of (out of period): c1 is still pending, not broken
    rows = [contact("c1", "C", "10-05 00:00"), contact("c2", "C", "10-11 00:00")]
    result = audit_one(rows, WEEK)
    assert counts(result) == (0, 0, 1, 0)


def test_repeat_within_window_is_broken_even_while_window_is_open(audit_one):
    # c1 (10-08) came back on 10-09: broken now, though its window runs past as_of; c2 pending
    rows = [contact("c1", "C", "10-08 00:00"), contact("c2", "C", "10-09 00:00")]
    assert counts(audit_one(rows, WEEK)) == (0, 1, 1, 0)


def test_other_customers_are_not_repeats(audit_one):
    rows = [contact("a1", "A", "09-01 00:00"), contact("b1", "B", "09-02 00:00")]
    assert counts(audit_one(rows, WEEK)) == (2, 0, 0, 0)


def test_only_the_next_contact_matters(audit_one):
    # a1 -> a2 is 8 days (no repeat for a1); a2 -> a3 is 1 day (a2 broken); a3 kept
    rows = [
        contact("a1", "A", "09-01 00:00"),
        contact("a2", "A", "09-09 00:00"),
        contact("a3", "A", "09-10 00:00"),
    ]
    assert counts(audit_one(rows, WEEK)) == (2, 1, 0, 0)


def test_same_topic_counts_only_repeats_about_the_same_thing(audit_one):
    rows = [
        contact("a1", "A", "09-01 00:00", topic="billing"),  # a3 is a billing repeat: broken
        contact("a2", "A", "09-02 00:00", topic="delivery"),  # no delivery repeat: kept
        contact("a3", "A", "09-03 00:00", topic="billing"),  # kept
        contact("a4", "A", "09-04 00:00", topic=None),  # excluded: missing_topic
    ]
    result = audit_one(rows, {**WEEK, "same_topic": True})
    assert counts(result) == (2, 1, 0, 1)
    assert result.excluded_by_reason == {"missing_topic": 1}


def test_repeat_is_another_contact_in_the_population(audit_one):
    # with scope channel: phone, the email follow-up is outside the population, so it is not a
    # repeat of the phone call (the reading this suite pins; the rules leave it open)
    rows = [
        contact("a1", "A", "09-01 00:00", channel="phone"),
        contact("a2", "A", "09-02 00:00", channel="email"),
    ]
    result = audit_one(rows, {**WEEK, "scope": {"channel": "phone"}})
    assert result.population == 1
    assert counts(result) == (1, 0, 0, 0)


def test_compliance_over_a_small_export(audit_one):
    rows = [
        contact("a1", "A", "09-01 00:00"),  # broken (a2 exactly 7 days later)
        contact("a2", "A", "09-08 00:00"),  # kept
        contact("b0", "B", "09-01 00:00"),  # broken (b1 at the same instant)
        contact("b1", "B", "09-01 00:00"),  # kept
        contact("c1", "C", "10-03 00:00:01"),  # pending
        contact("n1", None, "09-01 00:00"),  # excluded
    ]
    result = audit_one(rows, WEEK)
    assert counts(result) == (2, 2, 1, 1)
    assert result.compliance == pytest.approx(0.5)
    assert result.distribution is None  # no measure: a repeat is yes or no


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    result = audit_one([{"contact_id": "a", "initiated_at": at("09-01 00:00")}], WEEK)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("customer_id",)
