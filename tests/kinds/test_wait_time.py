"""wait_time: "you will never wait more than 5 minutes" (docs/kinds.md, abandons)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, counts, outcome, wilson

WAIT_5M = {"kind": "wait_time", "limit": "5m"}


def call(wait: Any, *, abandoned: bool = False, cid: str = "c1", **extra: Any) -> dict[str, Any]:
    """A contact with its wait given directly (the export has no enqueued_at)."""
    return {
        "contact_id": cid,
        "initiated_at": at("10-01 09:00"),
        "wait_seconds": wait,
        "abandoned": "yes" if abandoned else "no",
        **extra,
    }


def queued(cid: str, enqueued: str | None, answered: str | None, ended: str | None) -> dict:
    """A contact whose wait and abandon are derived from its timestamps."""
    return {
        "contact_id": cid,
        "initiated_at": at("10-01 08:59"),
        "enqueued_at": enqueued and at(enqueued),
        "answered_at": answered and at(answered),
        "ended_at": ended and at(ended),
    }


def test_wait_exactly_at_limit_is_kept(audit_one):
    # 300 s is not over 5 minutes: limits are inclusive
    assert outcome(audit_one([call(300)], WAIT_5M)) == "kept"


def test_one_second_over_limit_is_broken(audit_one):
    # 301 s is over 5 minutes
    assert outcome(audit_one([call(301)], WAIT_5M)) == "broken:waited_too_long"


@pytest.mark.parametrize("wait", [1, 120, 300])
def test_abandoned_before_limit_is_excluded_by_default(audit_one, wait):
    # `abandoned: exclude` is the default; an abandon at exactly the limit is "at or under" it
    result = audit_one([call(wait, abandoned=True)], WAIT_5M)
    assert outcome(result) == "excluded:abandoned_within_limit"


@pytest.mark.parametrize("convention", ["exclude", "kept", "broken"])
def test_abandon_after_limit_is_always_broken(audit_one, convention):
    # the customer waited 301 s, longer than promised, whatever the convention says
    result = audit_one([call(301, abandoned=True)], {**WAIT_5M, "abandoned": convention})
    assert outcome(result) == "broken:waited_too_long"


@pytest.mark.parametrize(
    ("short_abandon", "wait", "expected"),
    [
        pytest.param(None, 0, "excluded:short_abandon", id="default_0s_no_wait_at_all"),
        pytest.param(None, 1, "excluded:abandoned_within_limit", id="default_0s_one_second"),
        pytest.param("30s", 30, "excluded:short_abandon", id="exactly_at_short_abandon"),
        pytest.param("30s", 31, "excluded:abandoned_within_limit", id="one_second_over_it"),
    ],
)
def test_short_abandon_is_excluded(audit_one, short_abandon, wait, expected):
    # short_abandon excludes abandons at or under that wait (inclusive, like every limit)
    options = {**WAIT_5M, **({"short_abandon": short_abandon} if short_abandon else {})}
    assert outcome(audit_one([call(wait, abandoned=True)], options)) == expected


@pytest.mark.parametrize("convention", ["kept", "broken"])
def test_short_abandon_is_excluded_whatever_the_convention(audit_one, convention):
    # a 10 s abandon under `short_abandon: 30s` is short before the convention is asked
    options = {**WAIT_5M, "short_abandon": "30s", "abandoned": convention}
    assert outcome(audit_one([call(10, abandoned=True)], options)) == "excluded:short_abandon"


def test_short_answered_contact_is_not_a_short_abandon(audit_one):
    # only abandons can be short abandons: a 10 s wait that reached a person is kept
    options = {**WAIT_5M, "short_abandon": "30s"}
    assert outcome(audit_one([call(10)], options)) == "kept"


def test_abandoned_kept_convention(audit_one):
    # `abandoned: kept`: they did not wait longer than promised
    result = audit_one([call(120, abandoned=True)], {**WAIT_5M, "abandoned": "kept"})
    assert outcome(result) == "kept"


def test_abandoned_broken_convention(audit_one):
    # `abandoned: broken`: they never reached a person
    result = audit_one([call(120, abandoned=True)], {**WAIT_5M, "abandoned": "broken"})
    assert outcome(result) == "broken:abandoned"


def test_wait_is_derived_from_enqueued_answered_and_ended(audit_one):
    rows = [
        queued("a", "10-01 09:00", "10-01 09:05:00", "10-01 09:10"),  # waited 300 s: kept
        queued("b", "10-01 09:00", "10-01 09:05:01", "10-01 09:10"),  # 301 s: broken
        queued("c", "10-01 09:00", None, "10-01 09:02"),  # abandon after 120 s: excluded
        queued("d", "10-01 09:00", None, "10-01 09:06"),  # abandon after 360 s: broken
    ]
    result = audit_one(rows, WAIT_5M)
    assert counts(result) == (1, 2, 0, 1)
    assert result.excluded_by_reason == {"abandoned_within_limit": 1}
    assert result.broken_by_reason == {"waited_too_long": 2}


def test_contact_that_never_queued_is_outside_the_population(audit_one):
    # no enqueued_at in an export that has the column: it never queued for a person
    result = audit_one([queued("a", None, None, "10-01 09:06")], WAIT_5M)
    assert outcome(result) == "outside"


def test_queued_contact_with_no_answer_and_no_end_is_excluded_missing_wait(audit_one):
    # queued and never answered (an abandon) but no end: its wait cannot be known
    result = audit_one([queued("a", "10-01 09:00", None, None)], WAIT_5M)
    assert outcome(result) == "excluded:missing_wait_seconds"


def test_waits_written_in_any_duration_form(audit_one):
    # HH:MM:SS, MM:SS, ISO 8601 and plain seconds are all read as seconds
    rows = [
        call("00:05:00", cid="a"),  # 300 s: kept
        call("5:00", cid="b"),  # 300 s: kept
        call("PT5M", cid="c"),  # 300 s: kept
        call("300", cid="d"),  # 300 s: kept
        call("00:05:01", cid="e"),  # 301 s: broken
        call("PT5M1S", cid="f"),  # 301 s: broken
    ]
    assert counts(audit_one(rows, WAIT_5M)) == (4, 2, 0, 0)


def test_scope_keeps_only_the_promised_channel(audit_one):
    rows = [
        call(301, cid="a", channel="phone"),  # in scope, broken
        call(100, cid="b", channel="Phone"),  # in scope (channels read lower-cased), kept
        call(600, cid="c", channel="chat"),  # out of scope
        call(400, cid="d", channel=None),  # no channel: not a phone contact
    ]
    result = audit_one(rows, {**WAIT_5M, "scope": {"channel": ["phone"]}})
    assert result.population == 2
    assert counts(result) == (1, 1, 0, 0)


def test_compliance_interval_distribution_and_debt(audit_one):
    waits = [60, 120, 180, 240, 300, 301, 330, 420]
    rows = [call(w, cid=f"w{w}") for w in waits]
    rows += [call(100, cid="ab100", abandoned=True), call(400, cid="ab400", abandoned=True)]
    result = audit_one(rows, WAIT_5M)
    # kept: 60..300 (5); broken: 301, 330, 420 and the 400 s abandon (4); the 100 s abandon
    # is excluded. compliance = 5 / 9.
    assert counts(result) == (5, 4, 0, 1)
    assert result.compliance == pytest.approx(5 / 9)
    low, high = wilson(5, 9)
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)
    assert result.verdict == "broken"  # 55.6% against the default 100% target
    # the decided waits, sorted: 60 120 180 240 [300] 301 330 400 420
    assert result.distribution.count == 9
    assert result.distribution.median == 300
    assert result.distribution.max == 420
    assert result.distribution.limit == 300
    # customer time beyond the limit: 1 + 30 + 120 + 100
    assert result.debt_seconds == 251


def test_answer_after_as_of_is_not_yet_answered(audit_one):
    # queued 09:00, answered 09:03, audited as of 09:02: at as_of the customer is still
    # waiting (2 minutes so far) and the 09:05 deadline has not passed: pending, not kept
    rows = [queued("a", "10-01 09:00", "10-01 09:03", "10-01 09:10")]
    result = audit_one(rows, WAIT_5M, as_of=at("10-01 09:02"))
    assert result.kept == 0
    assert result.pending == 1


def test_still_waiting_past_the_deadline_at_as_of_is_broken(audit_one):
    # queued 09:00, answered 09:10, audited as of 09:06: at as_of the customer has already
    # waited 6 minutes, past the 09:05 deadline
    rows = [queued("a", "10-01 09:00", "10-01 09:10", "10-01 09:20")]
    result = audit_one(rows, WAIT_5M, as_of=at("10-01 09:06"))
    assert (result.broken, result.pending) == (1, 0)


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    # no wait_seconds and no enqueued_at to derive it from
    rows = [{"contact_id": "a", "initiated_at": at("10-01 09:00"), "abandoned": "no"}]
    result = audit_one(rows, WAIT_5M)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("wait_seconds",)
    assert result.population == 0


def test_enqueued_at_alone_cannot_give_a_wait(audit_one):
    # a wait needs an end: answered_at or ended_at; with neither column it is unauditable
    rows = [
        {"contact_id": "a", "initiated_at": at("10-01 09:00"), "enqueued_at": at("10-01 09:00")}
    ]
    result = audit_one(rows, WAIT_5M)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("wait_seconds",)


# Missing is not kept: an abandon whose wait is missing is broken where every wait it could
# have had breaks the promise, excluded where the wait decides.


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({"abandoned": "broken"}, "broken:abandoned", id="abandons_broken"),
        pytest.param({}, "excluded:missing_wait_seconds", id="abandons_excluded"),
        pytest.param({"abandoned": "kept"}, "excluded:missing_wait_seconds", id="abandons_kept"),
        pytest.param(
            {"abandoned": "broken", "short_abandon": "10s"},
            "excluded:missing_wait_seconds",
            id="abandons_broken_with_a_threshold",
        ),
    ],
)
def test_abandon_with_no_recorded_wait(audit_one, options, expected):
    # queued at 09:00 and never answered, no end: an abandon whose wait nobody recorded
    result = audit_one([queued("a", "10-01 09:00", None, None)], {**WAIT_5M, **options})
    assert outcome(result) == expected


def test_an_abandon_with_no_wait_and_no_enqueued_at_column_is_outside(audit_one):
    # the export has no enqueued_at: only a wait says a contact queued (availability, not
    # wait_time, is the promise that breaks a contact nobody answered)
    rows = [call(None, abandoned=True)]
    assert outcome(audit_one(rows, {**WAIT_5M, "abandoned": "broken"})) == "outside"


def test_contact_with_no_wait_and_no_abandon_did_not_queue(audit_one):
    # no enqueued_at column, no wait, not abandoned: nothing says it queued
    assert outcome(audit_one([call(None)], WAIT_5M)) == "outside"


@pytest.mark.parametrize(
    ("options", "extra", "expected"),
    [
        # answered, it is kept; abandoned, it is excluded: the missing flag decides
        pytest.param({}, {}, "excluded:missing_abandoned", id="convention_exclude"),
        pytest.param({"abandoned": "broken"}, {}, "excluded:missing_abandoned", id="broken"),
        # kept either way (120 s is over the 0 s short-abandon threshold)
        pytest.param({"abandoned": "kept"}, {}, "kept", id="convention_kept"),
        # answered, so not an abandon
        pytest.param({}, {"answered": "yes"}, "kept", id="known_answered"),
    ],
)
def test_a_wait_within_the_limit_with_the_abandon_flag_missing(audit_one, options, extra, expected):
    row = {**call(120), "abandoned": None, **extra}
    assert outcome(audit_one([row], {**WAIT_5M, **options})) == expected


# as_of is a wall for the exported wait: it ends at the wait's start (enqueued_at, else
# initiated_at) + wait_seconds; one ending after as_of (10-10 00:00) is not known yet.


def exported(enqueued: str, answered: str | None, wait: int, *, cid: str = "c1") -> dict:
    """A contact whose export gives both its timestamps and its wait."""
    return {
        "contact_id": cid,
        "initiated_at": at(enqueued),
        "enqueued_at": at(enqueued),
        "answered_at": answered and at(answered),
        "wait_seconds": wait,
        "abandoned": "no",
    }


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # enqueued 1 min before as_of, answered 30 s after it: the exported 90 s would be kept,
        # but at as_of the customer is still waiting and the 00:04 deadline is ahead
        pytest.param(exported("10-09 23:59", "10-10 00:00:30", 90), "pending", id="pending"),
        # deadline 23:55 + 5 min = as_of exactly: broken (it waited past the limit)
        pytest.param(
            exported("10-09 23:55", "10-10 00:00:01", 301),
            "broken:waited_too_long",
            id="deadline_exactly_at_as_of",
        ),
        pytest.param(
            exported("10-09 23:55:01", "10-10 00:00:01", 300),
            "pending",
            id="deadline_one_second_after_as_of",
        ),
        # answered exactly at as_of: it happened; 300 s is at the limit
        pytest.param(exported("10-09 23:55", "10-10 00:00", 300), "kept", id="answered_at_as_of"),
        # no answered_at: the exported wait alone says it ends 30 s after as_of
        pytest.param(
            {**exported("10-09 23:58", None, 150), "answered_at": None}, "pending", id="wait_only"
        ),
        pytest.param(
            {**exported("10-09 23:54", None, 390), "answered_at": None},
            "broken:waited_too_long",
            id="wait_only_past_deadline",
        ),
    ],
)
def test_a_wait_that_ends_after_as_of_is_not_known_at_as_of(audit_one, record, expected):
    assert outcome(audit_one([record], WAIT_5M)) == expected


def test_five_calls_around_as_of(audit_one):
    # the case: calls enqueued just before as_of, answered just after it, whose
    # exported waits would give 4 kept and 1 broken; at as_of all are still waiting
    rows = [
        exported("10-09 23:59:00", "10-10 00:00:20", 80, cid="a"),  # deadline 00:04:00
        exported("10-09 23:58:00", "10-10 00:00:40", 160, cid="b"),  # 00:03:00
        exported("10-09 23:57:00", "10-10 00:01:00", 240, cid="c"),  # 00:02:00
        exported("10-09 23:56:00", "10-10 00:00:50", 290, cid="d"),  # 00:01:00
        exported("10-09 23:55:00", "10-10 00:00:05", 305, cid="e"),  # 00:00:00: broken
    ]
    assert counts(audit_one(rows, WAIT_5M)) == (0, 1, 4, 0)
