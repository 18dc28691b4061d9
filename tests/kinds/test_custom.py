"""custom: anything else, written in the promise language (`where`, `kept_if`, `measure`)."""

from __future__ import annotations

from typing import Any

import pytest

from promise_audit.errors import PromiseFileError
from tests.kinds._support import at, counts, outcome

EMAIL_IN_A_DAY = {
    "kind": "custom",
    "where": "channel = 'email'",
    "kept_if": "resolved_at - initiated_at <= 24h",
}
MEASURED = {
    "kind": "custom",
    "where": "channel = 'email'",
    "measure": "resolved_at - initiated_at",
    "limit": "24h",
}


def contact(channel: str | None, resolved: str | None, *, cid: str = "c1", **extra: Any) -> dict:
    return {
        "contact_id": cid,
        "channel": channel,
        "initiated_at": at("10-05 00:00"),
        "resolved_at": resolved and at(resolved),
        **extra,
    }


@pytest.mark.parametrize("options", [EMAIL_IN_A_DAY, MEASURED], ids=["kept_if", "measure"])
@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(contact("email", "10-06 00:00:00"), "kept", id="exactly_at_limit"),
        pytest.param(
            contact("email", "10-06 00:00:01"), "broken:custom_rule", id="one_second_over"
        ),
        # an unresolved contact leaves the expression null: excluded, naming the field
        pytest.param(contact("email", None), "excluded:missing_resolved_at", id="null_expression"),
        pytest.param(contact("phone", "10-09 00:00"), "outside", id="where_is_false"),
        pytest.param(contact(None, "10-09 00:00"), "outside", id="where_is_null"),
    ],
)
def test_custom_rule(audit_one, options, record, expected):
    assert outcome(audit_one([record], options)) == expected


def test_without_where_every_contact_is_in_the_population(audit_one):
    rows = [
        contact("phone", None, cid="a", csat=5),  # kept
        contact("email", None, cid="b", csat=4),  # kept
        contact("chat", None, cid="c", csat=2),  # broken
        contact("chat", None, cid="d", csat=None),  # excluded: missing_csat
    ]
    result = audit_one(rows, {"kind": "custom", "kept_if": "csat >= 4"})
    assert counts(result) == (2, 1, 0, 1)
    assert result.excluded_by_reason == {"missing_csat": 1}


def test_any_other_source_column_can_be_used(audit_one):
    # `priority` is not a canonical field: it is kept as an attribute, usable in expressions
    rows = [
        contact("email", None, cid="a", priority="high", csat=5),  # kept
        contact("email", None, cid="b", priority="high", csat=1),  # broken
        contact("email", None, cid="c", priority="low", csat=1),  # outside
    ]
    result = audit_one(
        rows, {"kind": "custom", "where": "priority = 'high'", "kept_if": "csat >= 4"}
    )
    assert result.population == 2
    assert counts(result) == (1, 1, 0, 0)


def test_measure_distribution_and_debt(audit_one):
    rows = [
        contact("email", "10-05 12:00", cid="a"),  # 43200 s, kept
        contact("email", "10-06 00:00", cid="b"),  # 86400 s, kept
        contact("email", "10-07 00:00", cid="c"),  # 172800 s, broken, 86400 over
    ]
    result = audit_one(rows, MEASURED)
    assert counts(result) == (2, 1, 0, 0)
    assert result.distribution.median == 86400
    assert result.distribution.max == 172800
    assert result.debt_seconds == 86400


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [contact("email", "10-06 00:00")]
    result = audit_one(rows, {"kind": "custom", "kept_if": "first_response_at is not null"})
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("first_response_at",)


def test_unknown_field_is_an_error_naming_it(audit_one):
    rows = [contact("email", "10-06 00:00", priority="high")]
    with pytest.raises(PromiseFileError, match=r"unknown field 'priorty'.*'priority'"):
        audit_one(rows, {"kind": "custom", "kept_if": "priorty = 'high'"})


def test_needs_kept_if_or_measure(audit_one):
    with pytest.raises(PromiseFileError, match="kept_if, or measure with limit"):
        audit_one([contact("email", None)], {"kind": "custom", "where": "true"})


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # kept_if is false: broken, whatever the missing measure would have said
        pytest.param(contact("email", None, topic="billing"), "broken:custom_rule", id="kept_if"),
        # the measure is over the limit: broken, whatever the missing topic would have said
        pytest.param(contact("email", "10-07 00:00", topic=None), "broken:custom_rule", id="limit"),
        pytest.param(
            contact("email", "10-05 01:00", topic=None), "excluded:missing_topic", id="undecided"
        ),
    ],
)
def test_one_broken_rule_is_enough_whatever_the_other_misses(audit_one, record, expected):
    options = {
        "kind": "custom",
        "where": "channel = 'email'",
        "kept_if": "topic != 'billing'",
        "measure": "resolved_at - initiated_at",
        "limit": "24h",
    }
    assert outcome(audit_one([record], options)) == expected
