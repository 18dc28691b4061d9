"""human_handoff: a person behind the chatbot, within `limit` of being asked for."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome

TWO_MINUTES = {"kind": "human_handoff", "limit": "2m"}


def chat(requested: str | None, joined: str | None, bot: Any = "yes", *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "channel": "chat",
        "initiated_at": at("10-09 00:00"),
        "bot_handled": bot,
        "human_requested_at": requested and at(requested),
        "human_joined_at": joined and at(joined),
    }


# as_of is 10-10 00:00: a request at 10-09 23:58 has its deadline exactly at as_of
@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(chat("10-09 10:00", "10-09 10:02:00"), "kept", id="joined_exactly_at_limit"),
        pytest.param(chat("10-09 10:00", "10-09 10:02:01"), "broken:late", id="one_second_late"),
        pytest.param(
            chat("10-09 23:58", None), "broken:none_by_deadline", id="deadline_exactly_at_as_of"
        ),
        pytest.param(chat("10-09 23:58:01", None), "pending", id="deadline_after_as_of"),
        pytest.param(chat("10-09 23:59", "10-10 00:00:30"), "pending", id="joined_after_as_of"),
        pytest.param(chat(None, None), "outside", id="never_asked_for_a_person"),
        pytest.param(chat("10-09 10:00", None, bot="no"), "outside", id="not_a_bot_contact"),
        # a missing bot_handled counts as a bot contact
        pytest.param(chat("10-09 10:00", "10-09 10:01", bot=None), "kept", id="bot_flag_missing"),
    ],
)
def test_person_joins_within_limit_of_the_request(audit_one, record, expected):
    assert outcome(audit_one([record], TWO_MINUTES)) == expected


def test_distribution_and_debt(audit_one):
    rows = [
        chat("10-09 10:00", "10-09 10:00:30", cid="a"),  # kept, 30 s
        chat("10-09 10:00", "10-09 10:01:00", cid="b"),  # kept, 60 s
        chat("10-09 10:00", "10-09 10:05:00", cid="c"),  # late, 300 s, 180 over
    ]
    result = audit_one(rows, TWO_MINUTES)
    assert counts(result) == (2, 1, 0, 0)
    assert result.distribution.median == 60
    assert result.distribution.max == 300
    assert result.debt_seconds == 180


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-09 00:00"),
            "human_requested_at": at("10-09 00:01"),
        }
    ]
    result = audit_one(rows, TWO_MINUTES)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("human_joined_at",)
