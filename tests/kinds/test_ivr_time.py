"""ivr_time: the phone-tree maze; at most `limit` in it and at most `max_steps` menus."""

from __future__ import annotations

from typing import Any

import pytest

from promise_audit.errors import PromiseFileError
from tests.kinds._support import at, counts, outcome

MINUTE = {"kind": "ivr_time", "limit": "60s"}
THREE_MENUS = {"kind": "ivr_time", "max_steps": 3}
BOTH = {"kind": "ivr_time", "limit": "60s", "max_steps": 3}


def call(seconds: Any, steps: Any, channel: str | None = "phone", *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "channel": channel,
        "initiated_at": at("10-05 09:00"),
        "ivr_seconds": seconds,
        "ivr_steps": steps,
    }


@pytest.mark.parametrize(
    ("options", "record", "expected"),
    [
        pytest.param(MINUTE, call(60, 9), "kept", id="time_exactly_at_limit"),
        pytest.param(MINUTE, call(61, 1), "broken:too_long_in_ivr", id="time_one_second_over"),
        pytest.param(MINUTE, call("00:01:00", None), "kept", id="time_as_hms"),
        pytest.param(MINUTE, call(None, 1), "excluded:missing_ivr_seconds", id="time_missing"),
        pytest.param(THREE_MENUS, call(600, 3), "kept", id="steps_exactly_at_max"),
        pytest.param(THREE_MENUS, call(1, 4), "broken:too_many_ivr_steps", id="steps_one_over"),
        pytest.param(THREE_MENUS, call(1, None), "excluded:missing_ivr_steps", id="steps_missing"),
        pytest.param(BOTH, call(60, 3), "kept", id="both_at_their_limits"),
        pytest.param(BOTH, call(61, 3), "broken:too_long_in_ivr", id="both_time_over"),
        pytest.param(BOTH, call(60, 4), "broken:too_many_ivr_steps", id="both_steps_over"),
        # a promise broken on one measure is broken, even if the other one is missing
        pytest.param(BOTH, call(None, 5), "broken:too_many_ivr_steps", id="broken_beats_missing"),
        pytest.param(BOTH, call(30, None), "excluded:missing_ivr_steps", id="kept_needs_both"),
        pytest.param(MINUTE, call(600, 9, "chat"), "outside", id="not_a_phone_contact"),
        pytest.param(MINUTE, call(600, 9, "Phone"), "broken:too_long_in_ivr", id="channel_case"),
    ],
)
def test_phone_tree_within_limits(audit_one, options, record, expected):
    assert outcome(audit_one([record], options)) == expected


def test_scope_on_channel_replaces_the_phone_default(audit_one):
    rows = [call(90, 1, "messaging", cid="a"), call(90, 1, "phone", cid="b")]
    result = audit_one(rows, {**MINUTE, "scope": {"channel": "messaging"}})
    assert result.population == 1
    assert counts(result) == (0, 1, 0, 0)


def test_export_without_channel_is_all_phone_contacts(audit_one):
    rows = [
        {"contact_id": "a", "initiated_at": at("10-05 09:00"), "ivr_seconds": 30},
        {"contact_id": "b", "initiated_at": at("10-05 09:00"), "ivr_seconds": 90},
    ]
    assert counts(audit_one(rows, MINUTE)) == (1, 1, 0, 0)


def test_distribution_and_debt(audit_one):
    rows = [call(s, 1, cid=f"c{s}") for s in (10, 40, 60, 75, 200)]
    result = audit_one(rows, MINUTE)
    assert counts(result) == (3, 2, 0, 0)
    assert result.distribution.median == 60  # 10 40 [60] 75 200
    assert result.distribution.max == 200
    assert result.debt_seconds == 15 + 140


def test_needs_a_limit_or_max_steps(audit_one):
    with pytest.raises(PromiseFileError, match="limit, a max_steps, or both"):
        audit_one([call(1, 1)], {"kind": "ivr_time"})


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [
        {"contact_id": "a", "channel": "phone", "initiated_at": at("10-05 09:00"), "ivr_seconds": 5}
    ]
    result = audit_one(rows, BOTH)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("ivr_steps",)


def in_tree(initiated: str, seconds: Any, steps: Any) -> dict:
    return {**call(seconds, steps), "initiated_at": at(initiated)}


# The phone tree starts at initiated_at: a contact whose ivr_seconds ends after as_of
# (10-10 00:00) is still in it, pending until initiated_at + limit, broken from then on.


@pytest.mark.parametrize(
    ("options", "record", "expected"),
    [
        pytest.param(MINUTE, in_tree("10-09 23:59:30", 45, 2), "pending", id="still_in_the_tree"),
        pytest.param(
            MINUTE,
            in_tree("10-09 23:59:00", 90, 2),
            "broken:too_long_in_ivr",
            id="deadline_exactly_at_as_of",
        ),
        pytest.param(
            MINUTE, in_tree("10-09 23:59:01", 90, 2), "pending", id="deadline_one_second_after"
        ),
        pytest.param(MINUTE, in_tree("10-09 23:59:00", 60, 2), "kept", id="leaves_at_as_of"),
        # its menus are not all known yet either
        pytest.param(THREE_MENUS, in_tree("10-09 23:59:30", 45, 9), "pending", id="steps_only"),
    ],
)
def test_still_in_the_phone_tree_at_as_of(audit_one, options, record, expected):
    assert outcome(audit_one([record], options)) == expected
