"""hold_time: "never on hold for more than N" inside an answered call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

HOLD_2M = {"kind": "hold_time", "limit": "2m"}
ANSWERED = at("10-01 09:01")


def call(hold: Any, count: Any = 1, *, cid: str = "c1", answered: Any = ANSWERED) -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at("10-01 09:00"),
        "answered_at": answered,
        "hold_seconds": hold,
        "hold_count": count,
    }


@pytest.mark.parametrize(
    ("hold", "expected"),
    [
        pytest.param(0, "kept", id="never_held"),
        pytest.param(120, "kept", id="exactly_at_limit_is_kept"),
        pytest.param(121, "broken:held_too_long", id="one_second_over_is_broken"),
        pytest.param("00:02:00", "kept", id="hms_at_limit"),
        pytest.param("PT2M1S", "broken:held_too_long", id="iso_one_second_over"),
        pytest.param(None, "excluded:missing_hold_seconds", id="missing_hold_is_excluded"),
    ],
)
def test_total_hold_against_limit(audit_one, hold, expected):
    assert outcome(audit_one([call(hold)], HOLD_2M)) == expected


def test_unanswered_contact_is_outside_the_population(audit_one):
    # nobody answered, so nobody put the customer on hold: 500 s of "hold" does not count
    assert outcome(audit_one([call(500, answered=None)], HOLD_2M)) == "outside"


def test_answer_after_as_of_is_not_yet_an_answered_contact(audit_one):
    # answered after as_of: treated as not yet happened, so not (yet) in the population
    rows = [call(500, answered=at("10-10 00:00:01"))]
    assert outcome(audit_one(rows, HOLD_2M)) == "outside"


def test_without_answered_at_the_not_abandoned_contacts_are_answered(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-01 09:00"),
            "abandoned": "no",
            "hold_seconds": 121,
        },
        {
            "contact_id": "b",
            "initiated_at": at("10-01 09:00"),
            "abandoned": "yes",
            "hold_seconds": 999,
        },
        {
            "contact_id": "c",
            "initiated_at": at("10-01 09:00"),
            "abandoned": None,
            "hold_seconds": 60,
        },
    ]
    result = audit_one(rows, HOLD_2M)
    # a: answered, broken; b: abandoned, outside; c: not marked abandoned, kept
    assert result.population == 2
    assert counts(result) == (1, 1, 0, 0)


@pytest.mark.parametrize(
    ("hold", "count", "expected"),
    [
        pytest.param(120, 1, "kept", id="one_hold_at_limit"),
        pytest.param(121, 1, "broken:held_too_long", id="one_hold_one_second_over"),
        pytest.param(0, 0, "kept", id="no_hold"),
        # two holds totalling 121 s: the longest is somewhere in 61..121 s, unknown
        pytest.param(
            121, 2, "excluded:missing_longest_hold_seconds", id="longest_of_two_is_unknown"
        ),
    ],
)
def test_per_hold_judges_the_longest_single_hold(audit_one, hold, count, expected):
    result = audit_one([call(hold, count)], {**HOLD_2M, "per": "hold"})
    assert outcome(result) == expected


def test_per_hold_uses_the_longest_hold_column_when_given(audit_one):
    rows = [
        {**call(300, 3, cid="a"), "longest_hold_seconds": 120},  # 300 s in all, none over 2m
        {**call(300, 3, cid="b"), "longest_hold_seconds": 121},  # one hold over 2m
    ]
    result = audit_one(rows, {**HOLD_2M, "per": "hold"})
    assert counts(result) == (1, 1, 0, 0)


def test_per_hold_without_count_or_longest_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-01 09:00"), "hold_seconds": 60}]
    result = audit_one(rows, {**HOLD_2M, "per": "hold"})
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("longest_hold_seconds",)


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-01 09:00"), "answered_at": ANSWERED}]
    result = audit_one(rows, HOLD_2M)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("hold_seconds",)


def test_distribution_and_debt(audit_one):
    holds = [0, 30, 120, 150, 400]
    result = audit_one([call(h, cid=f"h{h}") for h in holds], HOLD_2M)
    # kept 0, 30, 120; broken 150, 400 -> 3 / 5
    assert counts(result) == (3, 2, 0, 0)
    assert result.compliance == pytest.approx(0.6)
    assert result.distribution.median == 120
    assert result.distribution.max == 400
    # 30 s + 280 s over the limit
    assert result.debt_seconds == 310


def test_answered_without_a_recorded_time_is_an_answered_contact(audit_one):
    # the export says a person answered, not when: the hold is judged
    row = {**call(121, answered=None), "answered": "yes"}
    assert outcome(audit_one([row], HOLD_2M)) == "broken:held_too_long"


# Holds are known once the conversation ends (ended_at; without it, no earlier than
# answered_at + the hold time): one that ends after as_of (10-10 00:00) is pending.


@pytest.mark.parametrize(
    ("answered", "ended", "hold", "expected"),
    [
        pytest.param("10-09 23:50", "10-10 00:10", 60, "pending", id="ends_after_as_of"),
        pytest.param("10-09 23:50", "10-10 00:00", 121, "broken:held_too_long", id="ends_at_as_of"),
        pytest.param("10-09 23:59", None, 121, "pending", id="answer_plus_hold_after_as_of"),
        # 23:57:59 + 121 s = as_of exactly: the hold can have ended by then
        pytest.param(
            "10-09 23:57:59", None, 121, "broken:held_too_long", id="answer_plus_hold_at_as_of"
        ),
    ],
)
def test_a_conversation_still_going_at_as_of_is_pending(audit_one, answered, ended, hold, expected):
    row = {**call(hold, answered=at(answered)), "ended_at": ended and at(ended)}
    assert outcome(audit_one([row], HOLD_2M)) == expected
