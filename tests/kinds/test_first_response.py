"""first_response: written contacts get a first reply from a person within `limit`."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, audit_on_calendar, counts, outcome, wilson

REPLY_4H = {"kind": "first_response", "limit": "4h"}


def message(channel: str | None, initiated: str, replied: str | None, *, cid: str = "c1") -> dict:
    return {
        "contact_id": cid,
        "channel": channel,
        "initiated_at": at(initiated),
        "first_response_at": replied and at(replied),
    }


# as_of is 10-10 00:00: an email at 10-09 20:00 has its 4-hour deadline exactly at as_of
@pytest.mark.parametrize(
    ("initiated", "replied", "expected"),
    [
        pytest.param("10-09 00:00", "10-09 04:00:00", "kept", id="reply_exactly_at_limit"),
        pytest.param("10-09 00:00", "10-09 04:00:01", "broken:late", id="one_second_late"),
        pytest.param("10-09 00:00", None, "broken:none_by_deadline", id="no_reply_past_deadline"),
        pytest.param(
            "10-09 20:00", None, "broken:none_by_deadline", id="deadline_exactly_at_as_of_is_broken"
        ),
        pytest.param("10-09 20:00:01", None, "pending", id="deadline_after_as_of_is_pending"),
        pytest.param("10-09 21:00", "10-10 00:30", "pending", id="reply_after_as_of_not_yet_made"),
    ],
)
def test_first_reply_within_limit(audit_one, initiated, replied, expected):
    assert outcome(audit_one([message("email", initiated, replied)], REPLY_4H)) == expected


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        pytest.param("email", "broken:none_by_deadline", id="email"),
        pytest.param("web_form", "broken:none_by_deadline", id="web_form"),
        pytest.param("messaging", "broken:none_by_deadline", id="messaging"),
        pytest.param("social", "broken:none_by_deadline", id="social"),
        pytest.param("Email", "broken:none_by_deadline", id="channel_read_lower_cased"),
        pytest.param("chat", "outside", id="chat_is_live_not_written"),
        pytest.param("phone", "outside", id="phone"),
        pytest.param(None, "outside", id="missing_channel"),
    ],
)
def test_population_is_the_written_channels(audit_one, channel, expected):
    assert outcome(audit_one([message(channel, "10-01 09:00", None)], REPLY_4H)) == expected


def test_channels_option_replaces_the_written_channels(audit_one):
    rows = [
        message("chat", "10-01 09:00", "10-01 09:01", cid="a"),  # in, kept
        message("email", "10-01 09:00", None, cid="b"),  # not in the listed channels
    ]
    result = audit_one(rows, {**REPLY_4H, "channels": ["Chat"]})
    assert result.population == 1
    assert counts(result) == (1, 0, 0, 0)


def test_scope_on_channel_replaces_the_default_population(audit_one):
    rows = [
        message("chat", "10-01 09:00", "10-01 13:00:01", cid="a"),  # in scope, late
        message("email", "10-01 09:00", None, cid="b"),  # out of scope
    ]
    result = audit_one(rows, {**REPLY_4H, "scope": {"channel": "chat"}})
    assert result.population == 1
    assert result.broken_by_reason == {"late": 1}


def test_export_without_channel_is_all_written_contacts(audit_one):
    rows = [
        {
            "contact_id": "a",
            "initiated_at": at("10-01 09:00"),
            "first_response_at": at("10-01 10:00"),
        },
        {"contact_id": "b", "initiated_at": at("10-01 09:00"), "first_response_at": None},
    ]
    assert counts(audit_one(rows, REPLY_4H)) == (1, 1, 0, 0)


def test_compliance_and_wilson_interval(audit_one):
    # 7 replies within 4 hours, 2 late, 1 never, 1 pending
    rows = [message("email", "10-02 09:00", "10-02 10:00", cid=f"k{i}") for i in range(7)]
    rows += [message("email", "10-02 09:00", "10-02 14:00", cid=f"l{i}") for i in range(2)]
    rows += [message("email", "10-02 09:00", None, cid="never")]
    rows += [message("email", "10-09 23:00", None, cid="open")]
    result = audit_one(rows, REPLY_4H)
    assert counts(result) == (7, 3, 1, 0)
    assert result.compliance == pytest.approx(0.7)
    low, high = wilson(7, 10)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert result.gap_is_clear  # the interval is well below the 100% target


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "channel": "email", "initiated_at": at("10-01 09:00")}]
    result = audit_one(rows, REPLY_4H)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("first_response_at",)


def test_limit_in_business_hours_stops_the_clock_while_closed(tmp_path):
    # Friday 10-09 16:00 to Monday 10-12 11:00 is 67 hours on the wall clock, but 3 business
    # hours (1 on Friday until 17:00, 2 on Monday from 09:00): kept under a 4-hour promise
    rows = [message("email", "10-09 16:00", "10-12 11:00")]
    result = audit_on_calendar(tmp_path, rows, REPLY_4H, as_of=at("10-13 00:00"))
    assert counts(result) == (1, 0, 0, 0)
    assert result.distribution.max == 3 * 3600
